// Loads the libtorch addon. Every native function takes and returns opaque tensor handles; their types are
// generated from the addon's own C++ signatures (native-api.ts).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import type { NativeApi } from './native-api.js';

export type { Handle, Index } from './native-api.js';

function load(): NativeApi {
  const path = process.env.CNNKIT_ADDON ?? fileURLToPath(new URL('../../../build/native/cnnkit.node', import.meta.url));
  if (!existsSync(path)) {
    throw new Error(`cnnkit: the native addon ${path} is not built; run 'bash scripts/setup.sh' in the cnnkit folder`);
  }
  try {
    return createRequire(import.meta.url)(path) as NativeApi;
  } catch (error) {
    throw new Error(`cnnkit: the native addon ${path} failed to load (${(error as Error).message}); ` +
      `rebuild it against the installed libtorch with 'bash scripts/setup.sh'`);
  }
}

export const native: NativeApi = load();
