// Prints a tensor as PyTorch does (torch._tensor_str with its default print options).
import { isFloatingPoint, type DType } from './dtype.js';
import { native } from './native.js';
import { Tensor } from './tensor.js';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;

type Nested = number | boolean | Nested[];

/** Formats numbers as PyTorch's _Formatter: int mode, fixed point or scientific, padded to one width. */
class Formatter {
  private intMode = true;
  private sciMode = false;
  width = 1;

  constructor(private readonly floating: boolean, values: (number | boolean)[]) {
    if (!floating) {
      for (const v of values) this.width = Math.max(this.width, plain(v).length);
      return;
    }
    const finite = (values as number[]).filter((v) => Number.isFinite(v) && v !== 0);
    if (finite.length === 0) return;
    const abs = finite.map(Math.abs);
    const [lo, hi] = [Math.min(...abs), Math.max(...abs)];
    this.intMode = finite.every((v) => v === Math.ceil(v));
    this.sciMode = hi / lo > 1000 || hi > 1e8 || (!this.intMode && lo < 1e-4);
    for (const v of finite) {
      const text = this.sciMode ? scientific(v) : this.intMode ? `${v.toFixed(0)}.` : v.toFixed(PRECISION);
      this.width = Math.max(this.width, text.length);
    }
  }

  format(v: number | boolean): string {
    let text: string;
    if (!this.floating) text = plain(v);
    else if (this.sciMode) text = scientific(v as number);
    else if (this.intMode) text = Number.isFinite(v) ? `${(v as number).toFixed(0)}.` : plain(v);
    else text = Number.isFinite(v) ? (v as number).toFixed(PRECISION) : plain(v);
    return text.padStart(this.width);
  }
}

function plain(v: number | boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return String(v);
}

/** Python's '{:.4e}': two-digit exponent with its sign. */
function scientific(v: number): string {
  if (!Number.isFinite(v)) return plain(v);
  const [mantissa, exponent] = v.toExponential(PRECISION).split('e');
  const e = Number(exponent);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function flat(nested: Nested): (number | boolean)[] {
  return Array.isArray(nested) ? nested.flatMap(flat) : [nested];
}

/** Nested rows as text; `cut[d]` says whether dim d was summarized to its edge items. */
function body(data: Nested, cut: boolean[], dim: number, indent: number, f: Formatter): string {
  if (!Array.isArray(data)) return f.format(data);
  if (dim === cut.length - 1) {
    const items = data.map((v) => f.format(v as number | boolean));
    if (cut[dim]) items.splice(EDGE_ITEMS, 0, ' ...');
    const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (f.width + 2)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
    return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
  }
  const rows = data.map((row) => body(row, cut, dim + 1, indent + 1, f));
  if (cut[dim]) rows.splice(EDGE_ITEMS, 0, '...');
  const depth = cut.length - dim;
  return `[${rows.join(`,${'\n'.repeat(depth - 1)}${' '.repeat(indent + 1)}`)}]`;
}

function addSuffixes(text: string, suffixes: string[], indent: number): string {
  let lastLineLength = text.length - text.lastIndexOf('\n') + 1;
  const parts = [text];
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > LINE_WIDTH) {
      parts.push(`,\n${' '.repeat(indent)}${suffix}`);
      lastLineLength = indent + suffix.length;
    } else {
      parts.push(`, ${suffix}`);
      lastLineLength += suffix.length + 2;
    }
  }
  return `${parts.join('')})`;
}

const DEFAULT_DTYPES: DType[] = ['float32', 'int64', 'bool'];

export function formatTensor(t: Tensor): string {
  if (t.isDisposed) return 'tensor(<disposed>)';
  const prefix = 'tensor(';
  const indent = prefix.length;
  const shape = t.shape;
  const dtype = t.dtype;
  const suffixes: string[] = [];
  if (t.device !== 'cpu') suffixes.push(`device='${t.device}'`);
  let text: string;
  if (t.numel() === 0) {
    if (shape.length !== 1) suffixes.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
    if (dtype !== 'float32') suffixes.push(`dtype=torch.${dtype}`);
    text = '[]';
  } else {
    if (!DEFAULT_DTYPES.includes(dtype)) suffixes.push(`dtype=torch.${dtype}`);
    const summarize = t.numel() > THRESHOLD;
    const cut = shape.map((size) => summarize && size > 2 * EDGE_ITEMS);
    const data = edges(t, cut);
    text = body(data, cut, 0, indent, new Formatter(isFloatingPoint(dtype), flat(data)));
  }
  const gradFn = t.gradFn;
  if (gradFn) suffixes.push(`grad_fn=<${gradFn}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  return addSuffixes(prefix + text, suffixes, indent);
}

/** The values to print: along each summarized dim only the first and last EDGE_ITEMS. */
function edges(t: Tensor, cut: boolean[]): Nested {
  let view = t.detach();
  const made = [view];
  cut.forEach((isCut, d) => {
    if (!isCut) return;
    const size = view.shape[d];
    const head = view.narrow(d, 0, EDGE_ITEMS);
    const tail = view.narrow(d, size - EDGE_ITEMS, EDGE_ITEMS);
    view = new Tensor(native.cat([head.handle, tail.handle], d));
    made.push(head, tail, view);
  });
  try {
    return view.tolist() as Nested;
  } finally {
    made.forEach((m) => m.dispose());
  }
}

