// The flags of a sub-command, read with Node's util.parseArgs from a table that also gives each flag's --help line.
import { parseArgs } from 'node:util';

import { UsageError } from '../util/usage-error.js';

export type FlagSpec = Record<string, { type: 'number' | 'string' | 'boolean'; about: string }>;
export type Flags = Record<string, string | number | boolean>;

/**
 * `--freeze -1` as `--freeze=-1`: parseArgs takes a value that starts with a dash for a missing one, but a number
 * flag's value may be negative.
 */
function withNegativeValues(args: string[], spec: FlagSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = spec[args[i].slice(2)];
    const takesValue = args[i].startsWith('--') && flag !== undefined && flag.type !== 'boolean';
    if (takesValue && /^-\d/.test(args[i + 1] ?? '')) out.push(`${args[i]}=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}

export function parseFlags(command: string, args: string[], spec: FlagSpec): Flags {
  return parseCommandLine(command, args, spec).flags;
}

/** The flags, and with `operands` (their name for --help, e.g. 'IMAGE...') the arguments that are not flags. */
export function parseCommandLine(command: string, args: string[], spec: FlagSpec, operands?: string): { flags: Flags; operands: string[] } {
  if (args.includes('--help') || args.includes('-h')) {
    const lines = Object.entries(spec).map(([name, s]) => `  --${name}${s.type === 'boolean' ? '' : ` <${s.type}>`}  ${s.about}`);
    console.log([`usage: cnnkit ${command} [options]${operands ? ` ${operands}` : ''}`, ...lines].join('\n'));
    process.exit(0);
  }
  const options = Object.fromEntries(Object.entries(spec).map(([name, s]) => [name, { type: s.type === 'boolean' ? 'boolean' as const : 'string' as const }]));
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: withNegativeValues(args, spec), options, strict: true, allowPositionals: operands !== undefined }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    const arg = /'([^']+)'/.exec((error as Error).message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${command}: ${arg.split(' ')[0]} needs a ${spec[arg.replace(/^--|\s.*$/g, '')]?.type ?? 'string'} value`);
    const valid = Object.keys(spec).map((n) => `--${n}`).join(', ');
    throw new UsageError(`${command}: unknown option '${arg}'; ${valid ? `valid options: ${valid}` : `${command} takes no options`}`);
  }
  const out: Flags = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (spec[name].type !== 'number') {
      out[name] = value;
      continue;
    }
    const n = Number(value);
    if (value === '' || !Number.isFinite(n)) throw new UsageError(`${command}: --${name} must be a number, got '${value}'`);
    out[name] = n;
  }
  return { flags: out, operands: positionals };
}
