import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const index = new URL('../../src/index.js', import.meta.url).href;

// A child process makes and frees a 64 MiB tensor again and again (as a training step its activations) and reports how
// the addon set malloc and how many minor page faults 10 rounds took after 10 to settle: 64 MiB is 16,384 pages of 4 KiB.
// The heap needs a few rounds, sometimes one more in those counted: libtorch's 64-byte aligned requests do not always
// fit the block freed before, so the heap grows by one until the free blocks beside each other merge.
const rounds = `
import { torch } from ${JSON.stringify(index)};
const round = () => torch.tidy(() => { torch.ones([16, 1024, 1024]).sum().item(); });
for (let i = 0; i < 10; i++) round();
const before = process.resourceUsage().minorPageFault;
for (let i = 0; i < 10; i++) round();
console.log(JSON.stringify({ tuning: torch.mallocTuning(), faults: process.resourceUsage().minorPageFault - before }));
`;

function runRounds(env: NodeJS.ProcessEnv): { tuning: { tuned: boolean; reason?: string }; faults: number } {
  const { GLIBC_TUNABLES, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, ...rest } = process.env;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', rounds], { env: { ...rest, ...env } }).toString());
}

test('freed tensor memory stays in the process: a repeated 64 MiB allocation faults its pages once, not every time', () => {
  const { tuning, faults } = runRounds({});
  assert.deepEqual(tuning, { tuned: true });
  assert.ok(faults < 2 * 16384, `10 rounds took ${faults} minor page faults`);
});

test("the user's own glibc malloc settings win, and then memory goes back to the system as they say", () => {
  const { tuning, faults } = runRounds({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' });
  assert.deepEqual(tuning, { tuned: false, reason: "glibc's malloc settings come from the environment" });
  assert.ok(faults >= 10 * 16384, `10 rounds took only ${faults} minor page faults`);
});
