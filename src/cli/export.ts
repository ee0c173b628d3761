// `cnnkit export`: a trained run (its best.safetensors, or a given checkpoint) written in a format other runtimes
// read; the library's onnx.exportRun does the work.
import { exportRun } from '../export/export-run.js';
import { OPSETS } from '../export/to-onnx.js';
import { UsageError } from '../util/usage-error.js';
import { parseFlags, type Flags } from './args.js';

/** Each format and what writes it; a new format is one more entry. */
const formats: Record<string, (run: string, flags: Flags) => void> = {
  onnx: (run, flags) => {
    const out = flags.out as string;
    const { bytes, preprocessing, metadata } = exportRun(run, { out, opset: flags.opset as number | undefined, command: 'export' });
    const [c, h, w] = preprocessing.input;
    console.log(`${out}: ONNX opset ${flags.opset ?? OPSETS.default}, ${(bytes.length / 1e6).toFixed(1)} MB, input N×${c}×${h}×${w}, ${JSON.parse(metadata.classes).length} classes`);
  },
};

export function exportCommand(args: string[]): void {
  const flags = parseFlags('export', args, {
    run: { type: 'string', about: 'a run folder of cnnkit train (its best.safetensors)' },
    checkpoint: { type: 'string', about: 'a checkpoint of a run (best.safetensors or last.safetensors)' },
    format: { type: 'string', about: `what to write: ${Object.keys(formats).join(', ')} (default onnx)` },
    out: { type: 'string', about: 'the file to write, e.g. model.onnx' },
    opset: { type: 'number', about: `the ONNX opset, ${OPSETS.min} to ${OPSETS.max} (default ${OPSETS.default})` },
  });
  if (flags.run !== undefined && flags.checkpoint !== undefined) throw new UsageError('export: give --run DIR or --checkpoint FILE, not both');
  const run = (flags.run ?? flags.checkpoint) as string | undefined;
  if (run === undefined) throw new UsageError('export: give --run DIR (a run folder of cnnkit train) or --checkpoint FILE');
  const format = (flags.format ?? 'onnx') as string;
  const write = formats[format];
  if (!write) throw new UsageError(`export: unknown --format '${format}'; valid formats: ${Object.keys(formats).join(', ')}`);
  if (flags.out === undefined) throw new UsageError('export: give --out FILE, the file to write');
  const opset = flags.opset as number | undefined;
  if (opset !== undefined && (!Number.isInteger(opset) || opset < OPSETS.min || opset > OPSETS.max)) {
    throw new UsageError(`export: --opset must be an integer from ${OPSETS.min} to ${OPSETS.max}, got ${opset}`);
  }
  write(run, flags);
}
