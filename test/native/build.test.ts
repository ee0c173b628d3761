import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const nativeDir = fileURLToPath(new URL('../../../native', import.meta.url));

function configure(env: Record<string, string>) {
  const build = mkdtempSync(join(tmpdir(), 'cnnkit-cmake-'));
  try {
    const run = spawnSync('cmake', ['-S', nativeDir, '-B', build, '-DNODE_API_INCLUDE=/x', '-DNODE_ADDON_API_INCLUDE=/x'], {
      encoding: 'utf8', env: { ...process.env, ...env },
    });
    // CMake wraps long messages over several indented lines.
    return { status: run.status, stderr: run.stderr.replace(/\s+/g, ' ') };
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}

test('a LIBTORCH that holds no libtorch stops the build with what to do', () => {
  const run = configure({ LIBTORCH: '/nonexistent/libtorch' });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /LIBTORCH=\/nonexistent\/libtorch holds no libtorch/);
  assert.match(run.stderr, /Point LIBTORCH at an unpacked libtorch >= 1\.13/);
});

test('LIBTORCH_USE_PYTORCH=1 with a Python lacking torch says so', () => {
  // A python3 first on PATH that cannot import torch.
  const bin = mkdtempSync(join(tmpdir(), 'cnnkit-bin-'));
  writeFileSync(join(bin, 'python3'), '#!/bin/sh\necho "No module named torch" >&2\nexit 1\n', { mode: 0o755 });
  try {
    const run = configure({ LIBTORCH: '', LIBTORCH_USE_PYTORCH: '1', PATH: `${bin}:${process.env.PATH}` });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /LIBTORCH_USE_PYTORCH=1 but .*import torch.* failed/);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});
