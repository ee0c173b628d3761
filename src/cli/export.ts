// `cnnkit export`: a trained run in a form to deploy, chosen by --format (the library's export room does the work).
import { writeWebApp } from '../export/web.js';
import { UsageError } from '../util/usage-error.js';
import { parseCommandLine, type Flags } from './args.js';

/** What each --format writes from the run (or checkpoint) to --out. */
const formats: Record<string, (run: string, out: string, flags: Flags) => void> = {
  web: (run, out, flags) => {
    const { dir, files } = writeWebApp(run, out, { topK: flags['top-k'] as number | undefined });
    console.log(`web page written to ${dir} (${files.length} files); serve the folder, e.g. npx http-server ${out}, and open index.html`);
  },
};

export function exportCommand(args: string[]): void {
  const { flags } = parseCommandLine('export', args, {
    run: { type: 'string', about: 'a run folder of cnnkit train (its best.safetensors)' },
    checkpoint: { type: 'string', about: 'a checkpoint of a run (best.safetensors or last.safetensors)' },
    format: { type: 'string', about: `what to write: ${Object.keys(formats).join(', ')} (a static page that classifies in the browser)` },
    out: { type: 'string', about: 'where to write it (web: a folder)' },
    'top-k': { type: 'number', about: 'web: how many classes the page lists for an image (default 5)' },
  });
  const run = (flags.run ?? flags.checkpoint) as string | undefined;
  if (flags.run !== undefined && flags.checkpoint !== undefined) throw new UsageError('export: give --run DIR or --checkpoint FILE, not both');
  if (run === undefined) throw new UsageError('export: give --run DIR (a run folder of cnnkit train) or --checkpoint FILE');
  const format = flags.format as string | undefined;
  if (format === undefined || !(format in formats)) {
    throw new UsageError(`export: ${format === undefined ? 'give --format' : `unknown --format '${format}'`}; formats: ${Object.keys(formats).join(', ')}`);
  }
  if (flags.out === undefined) throw new UsageError('export: give --out, where to write it');
  formats[format](run, flags.out as string, flags);
}
