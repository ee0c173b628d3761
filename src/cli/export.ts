// `cnnkit export`: a trained run (its best.safetensors, or a given checkpoint) in a form to deploy, chosen by
// --format; the library's export room does the work.
import { exportRun } from '../export/export-run.js';
import { OPSETS } from '../export/to-onnx.js';
import { writeWebApp } from '../export/web.js';
import { UsageError } from '../util/usage-error.js';
import { parseFlags, type Flags } from './args.js';

/** Each format and what writes it from the run to --out; a new format is one more entry. */
const formats: Record<string, (run: string, out: string, flags: Flags) => void> = {
  onnx: (run, out, flags) => {
    const { bytes, preprocessing, metadata } = exportRun(run, { out, opset: flags.opset as number | undefined, command: 'export' });
    const [c, h, w] = preprocessing.input;
    console.log(`${out}: ONNX opset ${flags.opset ?? OPSETS.default}, ${(bytes.length / 1e6).toFixed(1)} MB, input N×${c}×${h}×${w}, ${JSON.parse(metadata.classes).length} classes`);
  },
  web: (run, out, flags) => {
    const { dir, files } = writeWebApp(run, out, { topK: flags['top-k'] as number | undefined });
    console.log(`web page written to ${dir} (${files.length} files); serve the folder, e.g. npx http-server ${out}, and open index.html`);
  },
};

export function exportCommand(args: string[]): void {
  const flags = parseFlags('export', args, {
    run: { type: 'string', about: 'a run folder of cnnkit train (its best.safetensors)' },
    checkpoint: { type: 'string', about: 'a checkpoint of a run (best.safetensors or last.safetensors)' },
    format: { type: 'string', about: `what to write: ${Object.keys(formats).join(', ')} (default onnx; web: a static page that classifies in the browser)` },
    out: { type: 'string', about: 'where to write it: onnx a file, e.g. model.onnx; web a folder' },
    opset: { type: 'number', about: `onnx: the opset, ${OPSETS.min} to ${OPSETS.max} (default ${OPSETS.default})` },
    'top-k': { type: 'number', about: 'web: how many classes the page lists for an image (default 5)' },
  });
  if (flags.run !== undefined && flags.checkpoint !== undefined) throw new UsageError('export: give --run DIR or --checkpoint FILE, not both');
  const run = (flags.run ?? flags.checkpoint) as string | undefined;
  if (run === undefined) throw new UsageError('export: give --run DIR (a run folder of cnnkit train) or --checkpoint FILE');
  const format = (flags.format ?? 'onnx') as string;
  const write = formats[format];
  if (!write) throw new UsageError(`export: unknown --format '${format}'; formats: ${Object.keys(formats).join(', ')}`);
  if (flags.out === undefined) throw new UsageError(`export: give --out, where to write it (${format === 'web' ? 'a folder' : 'a file, e.g. model.onnx'})`);
  const opset = flags.opset as number | undefined;
  if (opset !== undefined && (!Number.isInteger(opset) || opset < OPSETS.min || opset > OPSETS.max)) {
    throw new UsageError(`export: --opset must be an integer from ${OPSETS.min} to ${OPSETS.max}, got ${opset}`);
  }
  write(run, flags.out as string, flags);
}
