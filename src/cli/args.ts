// A small parser for --name value flags; every sub-command declares the flags it takes.
import { UsageError } from './usage-error.js';

export type FlagSpec = Record<string, { type: 'number' | 'string' | 'boolean'; about: string }>;

export function parseFlags(command: string, args: string[], spec: FlagSpec): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') {
      const lines = Object.entries(spec).map(([name, s]) => `  --${name}${s.type === 'boolean' ? '' : ` <${s.type}>`}  ${s.about}`);
      console.log([`usage: cnnkit ${command} [options]`, ...lines].join('\n'));
      process.exit(0);
    }
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const flag = name === undefined ? undefined : spec[name];
    if (!flag || name === undefined) {
      throw new UsageError(`${command}: unknown option '${arg}'; valid options: ${Object.keys(spec).map((n) => `--${n}`).join(', ')}`);
    }
    if (flag.type === 'boolean') {
      out[name] = true;
      continue;
    }
    const value = args[++i];
    if (value === undefined) throw new UsageError(`${command}: --${name} needs a ${flag.type} value`);
    if (flag.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`${command}: --${name} must be a number, got '${value}'`);
      out[name] = n;
    } else {
      out[name] = value;
    }
  }
  return out;
}
