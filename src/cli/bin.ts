#!/usr/bin/env node
// The `cnnkit` executable. `cnnkit setup` builds the addon, so it runs before anything loads the addon: the other
// commands import torch, which fails where the addon is not built yet, and are imported only after this check.
if (process.argv[2] === 'setup') {
  const { setup } = await import('./setup.js');
  const { UsageError } = await import('../util/usage-error.js');
  try {
    setup(process.argv.slice(3));
  } catch (error) {
    console.error(`cnnkit: ${(error as Error).message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
} else {
  await import('./main.js');
}
