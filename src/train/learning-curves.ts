// The learning-curve picture: training vs validation loss and accuracy per epoch, as SVG.
// The gap between the curves is the overfitting the lecture talks about.
import type { EpochLogs } from './logs.js';

interface Series { label: string; color: string; dash: string; values: (number | undefined)[] }

const WIDTH = 420;
const HEIGHT = 300;
const MARGIN = { left: 56, right: 16, top: 36, bottom: 44 };

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  const raw = (hi - lo) / count;
  const step = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw)!;
  // From the step at or below lo to the step at or above hi, so the data stays inside the axis.
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v < hi + step * (1 - 1e-9); v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** One plot; the legend goes where the curves are not: top right for falling ones (loss), bottom right for rising ones. */
function panel(title: string, epochs: number[], series: Series[], x0: number, percent: boolean, legendAtBottom: boolean): string {
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const yTicks = niceTicks(Math.min(...values), Math.max(...values));
  const [yLo, yHi] = [yTicks[0], yTicks[yTicks.length - 1]];
  const [xLo, xHi] = [epochs[0], Math.max(epochs[epochs.length - 1], epochs[0] + 1)];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (e: number) => x0 + MARGIN.left + ((e - xLo) / (xHi - xLo)) * plotW;
  const y = (v: number) => MARGIN.top + plotH - ((v - yLo) / (yHi - yLo || 1)) * plotH;
  const label = (v: number) => (percent ? `${(100 * v).toFixed(Math.abs(yHi - yLo) < 0.05 ? 1 : 0)}%` : v.toPrecision(3));
  const parts = [
    `<text x="${x0 + WIDTH / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${title}</text>`,
    `<rect x="${x0 + MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    ...yTicks.map((v) => `<line x1="${x0 + MARGIN.left}" x2="${x0 + MARGIN.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>` +
      `<text x="${x0 + MARGIN.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${label(v)}</text>`),
    ...niceTicks(xLo, xHi, Math.min(8, epochs.length)).filter((e) => Number.isInteger(e) && e >= xLo && e <= xHi).map((e) =>
      `<text x="${x(e)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle" font-size="11">${e}</text>`),
    `<text x="${x0 + MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="12">epoch</text>`,
  ];
  series.forEach((s, i) => {
    const points = epochs.map((e, k) => [e, s.values[k]] as const).filter(([, v]) => v !== undefined && Number.isFinite(v));
    if (points.length === 0) return;
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}" points="${points.map(([e, v]) => `${x(e).toFixed(1)},${y(v!).toFixed(1)}`).join(' ')}"/>`);
    parts.push(...points.map(([e, v]) => `<circle cx="${x(e).toFixed(1)}" cy="${y(v!).toFixed(1)}" r="2.5" fill="${s.color}"/>`));
    const ly = legendAtBottom ? MARGIN.top + plotH - 14 - 16 * (series.length - 1 - i) : MARGIN.top + 14 + 16 * i;
    parts.push(`<line x1="${x0 + WIDTH - 130}" x2="${x0 + WIDTH - 106}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>` +
      `<text x="${x0 + WIDTH - 100}" y="${ly + 4}" font-size="11">${s.label}</text>`);
  });
  return parts.join('\n');
}

/** Two panels side by side: loss and accuracy, training solid and validation dashed. */
export function learningCurvesSvg(history: EpochLogs[]): string {
  if (history.length === 0) throw new Error('learningCurvesSvg: no epochs to draw');
  const epochs = history.map((h) => h.epoch);
  const pick = (key: string) => history.map((h) => h[key]);
  const loss = panel('Loss', epochs, [
    { label: 'training', color: '#1f77b4', dash: '', values: pick('train_loss') },
    { label: 'validation', color: '#d62728', dash: '6 3', values: pick('val_loss') },
  ], 0, false, false);
  const accuracy = panel('Accuracy', epochs, [
    { label: 'training', color: '#1f77b4', dash: '', values: pick('train_acc') },
    { label: 'validation', color: '#d62728', dash: '6 3', values: pick('val_acc') },
  ], WIDTH, true, true);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * WIDTH}" height="${HEIGHT}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${loss}\n${accuracy}\n</svg>\n`;
}
