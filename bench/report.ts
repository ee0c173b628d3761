// Output of the benchmark: the printed table and the JSON file.
import { writeFileAtomic } from '../src/util/atomic-write.js';

export interface Row {
  case: string;
  unit: string;
  /** Median time per step in cnnkit. */
  cnnkit: number;
  /** Median time per step in PyTorch. */
  pytorch: number;
  /** How many times faster cnnkit is (>= 1: at least as fast): pytorch / cnnkit for times, cnnkit / pytorch for rates. */
  ratio: number;
}

export interface Machine {
  cpu: string;
  nproc: number;
  threads: number;
  libtorch: string;
  pytorch: string;
  node: string;
  /** The 1-minute load average when the run began. */
  loadAtStart: number;
}

/** A row of the printed table: the JSON row and the time of every block on each side. */
export type TableRow = Row & {
  blocks: { cnnkit: number[]; pytorch: number[] };
  higherIsBetter?: boolean;
  /** The "ratio of bests" where it is not the one of the sides' fastest blocks (a ratio within cnnkit). */
  bestRatio?: number;
};

const fixed = (x: number, digits: number) => x.toFixed(digits);

export function formatTable(rows: TableRow[], machine: Machine): string {
  const header = ['case', 'unit', 'cnnkit', 'pytorch', 'ratio', 'cnnkit min–max', 'pytorch min–max', 'ratio of bests'];
  const body = rows.map((r) => {
    const [ckMin, ckMax] = [Math.min(...r.blocks.cnnkit), Math.max(...r.blocks.cnnkit)];
    const [ptMin, ptMax] = [Math.min(...r.blocks.pytorch), Math.max(...r.blocks.pytorch)];
    return [r.case, r.unit, fixed(r.cnnkit, 2), fixed(r.pytorch, 2), `${fixed(r.ratio, 3)}x`,
      `${fixed(ckMin, 1)}–${fixed(ckMax, 1)}`, `${fixed(ptMin, 1)}–${fixed(ptMax, 1)}`, `${fixed(r.bestRatio ?? (r.higherIsBetter ? ckMax / ptMax : ptMin / ckMin), 3)}x`];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [
    `machine: ${machine.cpu}, nproc ${machine.nproc}; threads ${machine.threads} (both sides); load average ${machine.loadAtStart.toFixed(2)} at start`,
    `cnnkit on libtorch ${machine.libtorch} (node ${machine.node}); PyTorch ${machine.pytorch}`,
    'time: median over blocks of the mean ms per step, blocks alternating between the sides; ratio = pytorch / cnnkit (>= 1: cnnkit at least as fast)',
    'images/s: median over passes; ratio = cnnkit / pytorch (>= 1: cnnkit at least as fast)',
    'ratio of bests: the same from each side\'s fastest block, which other load on the machine disturbs least',
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
  ].join('\n');
}

/** Writes the rows as a JSON array of {case, unit, cnnkit, pytorch, ratio}, atomically. */
export function writeJson(path: string, rows: Row[]): void {
  const plain = rows.map(({ case: name, unit, cnnkit, pytorch, ratio }) => ({ case: name, unit, cnnkit, pytorch, ratio }));
  writeFileAtomic(path, [new TextEncoder().encode(JSON.stringify(plain, null, 2) + '\n')]);
}
