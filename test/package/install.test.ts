// cnnkit as a user gets it: `npm pack`, the tarball installed into an empty project without the network (the
// dependencies come from the npm cache that the clone's own `npm ci` filled, pinned by a lockfile made from the
// clone's), then imported and run there. Once with npm running cnnkit's install step, once with install scripts
// skipped (npm's default for a dependency the project has not approved), where `npx cnnkit setup` builds the addon.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
// Each addon build takes a minute or two on two cores.
const BUILD_TIMEOUT_MS = 6 * 60_000;

let work: string;
let tarball: string;

// The installed copy's own addon, not the clone's.
const { CNNKIT_ADDON: _, ...env } = process.env;

function run(command: string, args: string[], cwd: string, timeout = 120_000) {
  const result = spawnSync(command, args, {
    cwd, encoding: 'utf8', timeout,
    env: { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function ok(command: string, args: string[], cwd: string, timeout?: number): string {
  const { status, output } = run(command, args, cwd, timeout);
  assert.equal(status, 0, `${command} ${args.join(' ')} failed in ${cwd}:\n${output}`);
  return output;
}

/** An empty project that depends on the tarball, with a lockfile so that npm resolves nothing on the network. */
function project(name: string, allowScripts: boolean): string {
  const dir = join(work, name);
  mkdirSync(dir);
  const spec = `file:${tarball}`;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module', dependencies: { cnnkit: spec },
    // What `npm install-scripts approve cnnkit` writes.
    ...(allowScripts ? { allowScripts: { cnnkit: true } } : {}) }));
  const clone = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'));
  const own = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const packages: Record<string, unknown> = {
    '': { name, version: '1.0.0', dependencies: { cnnkit: spec } },
    'node_modules/cnnkit': {
      version: own.version, resolved: spec, license: own.license, hasInstallScript: true,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      dependencies: own.dependencies, engines: own.engines, bin: own.bin,
    },
  };
  for (const [key, entry] of Object.entries(clone.packages as Record<string, { dev?: boolean }>)) {
    if (key !== '' && !entry.dev) packages[key] = entry;
  }
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name, version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
  // One optimizer step of a linear layer, by hand: loss 7.25, weight [0.35, 1.65], bias 0 after SGD with lr 0.1.
  writeFileSync(join(dir, 'step.mjs'), `
import { torch, nn, optim, F } from 'cnnkit';
const float = (data) => torch.tensor(data, { dtype: 'float32' });
const layer = new nn.Linear(2, 1);
layer.loadStateDict({ weight: float([[1, 2]]), bias: float([0.5]) });
const sgd = new optim.SGD(layer.parameters(), { lr: 0.1 });
const loss = F.mseLoss(layer.forward(float([[1, 1], [2, 0]])), float([[0], [1]]));
sgd.zeroGrad();
loss.backward();
sgd.step();
console.log(JSON.stringify({ loss: loss.item(), weight: layer.weight.tolist(), bias: layer.bias.tolist() }));
`);
  return dir;
}

function checkStep(dir: string): void {
  const out = JSON.parse(ok('node', ['step.mjs'], dir).trim().split('\n').pop()!);
  assert.ok(Math.abs(out.loss - 7.25) < 1e-6, `loss ${out.loss}`);
  const [[w0, w1]] = out.weight;
  assert.ok(Math.abs(w0 - 0.35) < 1e-6 && Math.abs(w1 - 1.65) < 1e-6, `weight ${JSON.stringify(out.weight)}`);
  assert.ok(Math.abs(out.bias[0]) < 1e-6, `bias ${JSON.stringify(out.bias)}`);
  assert.match(ok('npx', ['--offline', 'cnnkit', 'info'], dir), /^libtorch \d+\.\d+/m);
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'cnnkit-package-'));
  ok('npm', ['pack', '--pack-destination', work], repo, 180_000); // runs prepack: the TypeScript is compiled first
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the built library, the CLI, the native sources and the weights table, not the tests', () => {
  const files = ok('tar', ['tzf', tarball], work).split('\n').filter(Boolean);
  for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/bin.js', 'dist/src/hub/torchvision-weights.json',
    'native/CMakeLists.txt', 'native/handle.cpp', 'scripts/build-native.sh', 'src/export/web/index.html', 'src/export/web/app.js', 'src/export/web/preprocess.js']) {
    assert.ok(files.includes(`package/${f}`), `${f} is missing from the tarball`);
  }
  assert.deepEqual(files.filter((f) => /^package\/(dist\/test|test|bench|build)\//.test(f) || f.endsWith('.map')), []);
});

test('installed with its install step, cnnkit builds the addon, trains a step and runs `cnnkit info`', { timeout: BUILD_TIMEOUT_MS }, () => {
  const dir = project('with-scripts', true);
  ok('npm', ['install', '--offline'], dir, BUILD_TIMEOUT_MS);
  assert.ok(existsSync(join(dir, 'node_modules/cnnkit/build/native/cnnkit.node')), 'the install step built no addon');
  checkStep(dir);
});

test('installed without install scripts, the import names `npx cnnkit setup`, which builds the addon', { timeout: BUILD_TIMEOUT_MS }, () => {
  const dir = project('without-scripts', false);
  ok('npm', ['install', '--offline', '--ignore-scripts'], dir);
  const failed = run('node', ['step.mjs'], dir);
  assert.notEqual(failed.status, 0);
  assert.match(failed.output, /the native addon .*cnnkit\.node is not built; run 'npx cnnkit setup' in your project/);
  assert.match(failed.output, /'npm install-scripts approve cnnkit', 'npm rebuild cnnkit' builds it too/);
  assert.match(ok('npx', ['--offline', 'cnnkit', 'setup'], dir, BUILD_TIMEOUT_MS), /the addon is built/);
  checkStep(dir);
});
