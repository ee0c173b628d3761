// Deploying a trained run: a model's eval-mode forward as an ONNX file (toOnnx), a trained run's with its classes and
// preprocessing in the metadata (exportRun, classifierToOnnx), that description of a classifier's preprocessing, and a
// static web page that classifies in the browser (writeWebApp).
export { registerConverter, Scope, type Converter } from './converter.js';
export { float, int, ints } from './graph.js';
export { classifierToOnnx, exportRun, type ClassifierOnnx, type ExportRunOptions } from './export-run.js';
export { describePreprocessing, type Preprocessing, type PreprocessingStep } from '../run/preprocessing.js';
export { readMetadata } from './read-metadata.js';
export { INPUT_NAME, OPSETS, OUTPUT_NAME, toOnnx, type ToOnnxOptions } from './to-onnx.js';
export { writeWebApp, WEB_APP_FORMAT, type WebApp, type WebAppOptions } from './web.js';
