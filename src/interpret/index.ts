// The interpret namespace: where a trained classifier fails, as numbers, pictures and one HTML page.
export { classificationReport, formatClassificationReport, type ClassificationReport, type ClassScores } from './classification-report.js';
export { mostConfused, type ConfusedPair } from './most-confused.js';
export { topLosses, type TopLoss } from './top-losses.js';
export { defaultCamLayer } from './cam-layer.js';
export { gradCam, type GradCamOptions, type GradCamResult } from './grad-cam.js';
export { confusionMatrixSvg } from './confusion-matrix-svg.js';
export { labelledGridSvg, type LabelledTile } from './labelled-grid-svg.js';
export { jet, overlayHeatmap, scaleEach } from './heatmap-overlay.js';
export { svgToPng } from './svg-to-png.js';
export { reportHtml, type ReportPage } from './report-html.js';
export { writeReport, type ReportOptions, type ReportResult } from './report.js';
