// The confusion matrix as a picture: counts and row-normalized side by side, class names on both axes.
import type { ConfusionMatrix } from '../train/metrics.js';
import { checkCounts } from './most-confused.js';
import { escapeXml } from './svg-to-png.js';

const CELL = 44;
const FONT = 12;

/** A blue scale from white (0) to dark blue (1); text turns white on the dark half. */
function blue(value: number): { fill: string; text: string } {
  const v = Math.min(1, Math.max(0, value));
  const channel = (from: number, to: number) => Math.round(from + (to - from) * v);
  return { fill: `rgb(${channel(247, 8)},${channel(251, 48)},${channel(255, 107)})`, text: v > 0.5 ? 'white' : 'black' };
}

function panel(title: string, counts: number[][], names: readonly string[], x0: number, labelWidth: number, normalized: boolean): string {
  const n = names.length;
  const top = 40;
  const left = x0 + labelWidth + 24;
  const rowTotals = counts.map((row) => row.reduce((a, b) => a + b, 0));
  const largest = Math.max(1, ...counts.flat());
  const parts = [`<text x="${left + (n * CELL) / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${title}</text>`];
  counts.forEach((row, r) => row.forEach((count, c) => {
    const share = rowTotals[r] ? count / rowTotals[r] : 0;
    const { fill, text } = blue(normalized ? share : count / largest);
    const label = normalized ? share.toFixed(2) : String(count);
    const [x, y] = [left + c * CELL, top + r * CELL];
    parts.push(`<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="${fill}" stroke="#ccc"/>` +
      `<text x="${x + CELL / 2}" y="${y + CELL / 2 + FONT / 3}" text-anchor="middle" font-size="${FONT}" fill="${text}">${label}</text>`);
  }));
  names.forEach((name, i) => {
    const label = escapeXml(name);
    parts.push(`<text x="${left - 6}" y="${top + i * CELL + CELL / 2 + FONT / 3}" text-anchor="end" font-size="${FONT}">${label}</text>`);
    const x = left + i * CELL + CELL / 2;
    const y = top + n * CELL + 8;
    parts.push(`<text x="${x}" y="${y}" text-anchor="end" font-size="${FONT}" transform="rotate(-45 ${x} ${y})">${label}</text>`);
  });
  parts.push(`<text x="${x0 + 12}" y="${top + (n * CELL) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${x0 + 12} ${top + (n * CELL) / 2})">actual</text>`);
  parts.push(`<text x="${left + (n * CELL) / 2}" y="${top + n * CELL + labelWidth * 0.75 + 24}" text-anchor="middle" font-size="12">predicted</text>`);
  return parts.join('\n');
}

/** Two panels as SVG: the counts, and each row divided by its total (the recall of each class on the diagonal). */
export function confusionMatrixSvg(confusion: ConfusionMatrix | number[][], classNames: readonly string[]): string {
  const counts = checkCounts(confusion, classNames, 'confusionMatrixSvg');
  // about 0.6 em per character of sans-serif text
  const labelWidth = Math.ceil(Math.max(...classNames.map((name) => name.length)) * FONT * 0.6);
  const panelWidth = labelWidth + 24 + classNames.length * CELL + 16;
  const height = 40 + classNames.length * CELL + labelWidth * 0.75 + 36;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * panelWidth}" height="${Math.ceil(height)}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n` +
    `${panel('Counts', counts, classNames, 0, labelWidth, false)}\n${panel('Normalized by row (recall)', counts, classNames, panelWidth, labelWidth, true)}\n</svg>\n`;
}
