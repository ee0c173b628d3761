// Per-class precision, recall, F1 and support from a confusion matrix, as scikit-learn's classification_report
// (a ratio with nothing to divide by is 0, sklearn's zero_division default, without its warning).
import type { ConfusionMatrix } from '../train/metrics.js';
import { checkCounts } from './most-confused.js';

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** How many samples truly are of the class. */
  support: number;
}

export interface ClassificationReport {
  classes: ({ name: string } & ClassScores)[];
  accuracy: number;
  /** The unweighted mean over classes. */
  macroAvg: ClassScores;
  /** The mean over classes weighted by support. */
  weightedAvg: ClassScores;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** The report of a confusion matrix (rows true classes, columns predicted ones) with one name per class. */
export function classificationReport(confusion: ConfusionMatrix | number[][], classNames: readonly string[]): ClassificationReport {
  const counts = checkCounts(confusion, classNames, 'classificationReport');
  const total = counts.flat().reduce((a, b) => a + b, 0);
  const classes = classNames.map((name, c) => {
    const truePositives = counts[c][c];
    const support = counts[c].reduce((a, b) => a + b, 0);
    const predicted = counts.reduce((n, row) => n + row[c], 0);
    const precision = ratio(truePositives, predicted);
    const recall = ratio(truePositives, support);
    return { name, precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const average = (weight: (s: ClassScores) => number): ClassScores => {
    const weights = classes.map(weight);
    const sum = weights.reduce((a, b) => a + b, 0);
    const mean = (key: 'precision' | 'recall' | 'f1') => ratio(classes.reduce((n, s, i) => n + s[key] * weights[i], 0), sum);
    return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), support: total };
  };
  return {
    classes,
    accuracy: ratio(counts.reduce((n, row, c) => n + row[c], 0), total),
    macroAvg: average(() => 1),
    weightedAvg: average((s) => s.support),
  };
}

/** The report as text laid out as scikit-learn prints it (two decimals by default). */
export function formatClassificationReport(report: ClassificationReport, digits = 2): string {
  const width = Math.max('weighted avg'.length, ...report.classes.map((c) => c.name.length));
  const number = (v: number) => v.toFixed(digits).padStart(9);
  const row = (name: string, s: ClassScores) => `${name.padStart(width)} ${number(s.precision)} ${number(s.recall)} ${number(s.f1)} ${String(s.support).padStart(9)}`;
  const total = report.macroAvg.support;
  return [
    `${''.padStart(width)} ${'precision'.padStart(9)} ${'recall'.padStart(9)} ${'f1-score'.padStart(9)} ${'support'.padStart(9)}`,
    '',
    ...report.classes.map((c) => row(c.name, c)),
    '',
    `${'accuracy'.padStart(width)} ${''.padStart(9)} ${''.padStart(9)} ${number(report.accuracy)} ${String(total).padStart(9)}`,
    row('macro avg', report.macroAvg),
    row('weighted avg', report.weightedAvg),
  ].join('\n') + '\n';
}
