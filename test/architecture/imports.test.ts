// The house's one-way rules, checked over the import statements of src/: a change that breaks one fails here,
// instead of the layering eroding one convenient import at a time.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const src = join(root, 'src');

interface Import {
  /** The importing file, relative to src/ (e.g. `cli/train.ts`). */
  from: string;
  /** The imported file, relative to src/, with the `.ts` it has in the source. */
  to: string;
  /** `import type`/`export type`: erased at compile time, so it creates no run-time dependency. */
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// Static imports and re-exports (`import … from`, `export … from`, `import '…'`) and dynamic `import('…')` of
// relative paths. Dynamic imports count as run-time dependencies.
const importPattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const from = relative(src, file);
  return [...text.matchAll(importPattern)].map((m) => {
    const target = resolve(dirname(file), (m[3] ?? m[4]).replace(/\.js$/, '.ts'));
    return { from, to: relative(src, target), typeOnly: Boolean(m[2]) };
  });
}

const imports = sourceFiles(src).flatMap(importsOf);
const area = (path: string) => path.split('/')[0];
const describe = (list: Import[]) => list.map((i) => `${i.from} -> ${i.to}`).join('\n');

test('the import scan sees the source tree', () => {
  // Guards the rules below against passing vacuously on a pattern that matches nothing.
  assert.ok(imports.length > 300, `only ${imports.length} imports found`);
  assert.ok(imports.some((i) => i.from === 'index.ts' && i.to === 'torch/index.ts'));
  assert.ok(imports.some((i) => i.from.startsWith('cli/') && area(i.to) === 'run'));
});

test('nothing in the library imports the command line', () => {
  const upward = imports.filter((i) => area(i.from) !== 'cli' && area(i.to) === 'cli');
  assert.equal(describe(upward), '');
});

test('no sub-command imports another', () => {
  // The sub-commands are the files whose function main.ts's table runs (`run: train`); the other files in cli/ are
  // the helpers they share (flag parsing, the usage error).
  const main = readFileSync(join(src, 'cli/main.ts'), 'utf8');
  const runs = new Set([...main.matchAll(/\brun:\s*(\w+)/g)].map((m) => m[1]));
  const commands = new Set([...main.matchAll(/import\s*\{([^}]*)\}\s*from\s*'\.\/([\w-]+)\.js'/g)]
    .filter((m) => m[1].split(',').some((name) => runs.has(name.trim())))
    .map((m) => `cli/${m[2]}.ts`));
  assert.ok(commands.size >= 4, `main.ts runs ${commands.size} sub-commands`);
  const across = imports.filter((i) => commands.has(i.from) && commands.has(i.to));
  assert.equal(describe(across), '');
});

test('transforms import nothing from data at run time', () => {
  const found = imports.filter((i) => area(i.from) === 'transforms' && area(i.to) === 'data' && !i.typeOnly);
  assert.equal(describe(found), '');
});

test('only torch/ and nn/functional.ts reach the native addon', () => {
  const native = new Set(['torch/native.ts', 'torch/native-api.ts']);
  const found = imports.filter((i) => native.has(i.to) && area(i.from) !== 'torch' && i.from !== 'nn/functional.ts' && !i.typeOnly);
  assert.equal(describe(found), '');
});

test('the lower layers know nothing of the ones above them', () => {
  // Each area may import only from the areas listed for it (and itself); util/ is below everything.
  const allowed: Record<string, string[]> = {
    util: [],
    torch: ['util'],
    nn: ['torch', 'util'],
    optim: ['torch', 'nn', 'util'],
  };
  const found = imports.filter((i) => area(i.from) in allowed && area(i.to) !== area(i.from) && !allowed[area(i.from)].includes(area(i.to)));
  assert.equal(describe(found), '');
});
