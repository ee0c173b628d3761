// report.html: one page that opens offline from disk, its pictures files beside it in the same folder.
import type { EpochLogs } from '../train/logs.js';
import type { ClassificationReport } from './classification-report.js';
import type { ConfusedPair } from './most-confused.js';
import { escapeXml } from './svg-to-png.js';

export interface ReportPage {
  title: string;
  /** Loss and accuracy over the data scored. */
  evaluation: { loss: number; accuracy: number; samples: number };
  history?: EpochLogs[];
  report: ClassificationReport;
  mostConfused: ConfusedPair[];
  /** File names, relative to the page, of its pictures. */
  pictures: { learningCurves?: string; confusionMatrix: string; topLosses: string; gradCam: string };
  /** The layer Grad-CAM looked at. */
  camLayer: string;
}

/** Pairs listed on the page; report.json has them all. */
const MOST_CONFUSED_SHOWN = 12;

const table = (head: string[], rows: (string | number)[][]): string =>
  `<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>\n` +
  rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeXml(String(cell))}</td>`).join('')}</tr>`).join('\n') + '\n</tbody></table>';

const fixed = (v: number | undefined, digits = 4): string => (v === undefined || !Number.isFinite(v) ? '' : v.toFixed(digits));
const image = (file: string, alt: string): string => `<img src="${encodeURI(file)}" alt="${escapeXml(alt)}">`;

export function reportHtml(page: ReportPage): string {
  const { report, evaluation, history, pictures } = page;
  const scores = (name: string, s: { precision: number; recall: number; f1: number; support: number }) =>
    [name, fixed(s.precision), fixed(s.recall), fixed(s.f1), s.support];
  const sections = [
    `<h1>${escapeXml(page.title)}</h1>`,
    '<h2>Metrics</h2>',
    table(['data', 'samples', 'loss', 'accuracy'], [['scored here', evaluation.samples, fixed(evaluation.loss), fixed(evaluation.accuracy)]]),
  ];
  if (history?.length) {
    const columns = ['epoch', 'train_loss', 'train_acc', 'val_loss', 'val_acc', 'lr'] as const;
    sections.push('<h2>Learning curves</h2>', pictures.learningCurves ? image(pictures.learningCurves, 'learning curves') : '',
      table([...columns], history.map((h) => columns.map((c) => (c === 'epoch' ? h.epoch : c === 'lr' ? String(h.lr) : fixed(h[c]))))));
  }
  sections.push(
    '<h2>Classification report</h2>',
    table(['class', 'precision', 'recall', 'f1-score', 'support'], [
      ...report.classes.map((c) => scores(c.name, c)),
      ['accuracy', '', '', fixed(report.accuracy), report.macroAvg.support],
      scores('macro avg', report.macroAvg),
      scores('weighted avg', report.weightedAvg),
    ]),
    '<h2>Confusion matrix</h2>', image(pictures.confusionMatrix, 'confusion matrix'),
    '<h2>Most confused</h2>',
    page.mostConfused.length ? table(['actual', 'predicted', 'count'], page.mostConfused.slice(0, MOST_CONFUSED_SHOWN).map((p) => [p.actual, p.predicted, p.count])) : '<p>No confusions.</p>',
    page.mostConfused.length > MOST_CONFUSED_SHOWN ? `<p>${page.mostConfused.length - MOST_CONFUSED_SHOWN} more pairs in report.json.</p>` : '',
    '<h2>Top losses</h2>', '<p>The images with the highest loss: predicted / actual class, loss, probability of the predicted class.</p>',
    image(pictures.topLosses, 'top losses'),
    '<h2>Grad-CAM</h2>', `<p>Where the layer <code>${escapeXml(page.camLayer)}</code> found evidence for the predicted class, over the same images.</p>`,
    image(pictures.gradCam, 'Grad-CAM heatmaps'),
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(page.title)}</title>
<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
img { max-width: 100%; display: block; }
</style>
</head>
<body>
${sections.filter(Boolean).join('\n')}
</body>
</html>
`;
}
