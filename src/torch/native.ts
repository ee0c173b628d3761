// Loads the libtorch addon. Every native function takes and returns opaque tensor handles; their types are
// generated from the addon's own C++ signatures (native-api.ts).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import type { NativeApi } from './native-api.js';

export type { Handle, Index } from './native-api.js';

function load(): NativeApi {
  // The addon is built into build/native/ of the package root, in a clone as in node_modules/cnnkit.
  const root = new URL('../../../', import.meta.url);
  const path = process.env.CNNKIT_ADDON ?? fileURLToPath(new URL('build/native/cnnkit.node', root));
  // A clone has scripts/setup.sh; an installed package (which ships only scripts/build-native.sh) has the `cnnkit setup` command.
  const clone = existsSync(new URL('scripts/setup.sh', root));
  const build = clone ? "run 'bash scripts/setup.sh' in the cnnkit folder" : "run 'npx cnnkit setup' in your project";
  if (!existsSync(path)) {
    throw new Error(`cnnkit: the native addon ${path} is not built; ${build} to build it against libtorch` + (clone ? '' :
      " (npm runs cnnkit's install step, which builds it, only where the project allows it; " +
      "after 'npm install-scripts approve cnnkit', 'npm rebuild cnnkit' builds it too)"));
  }
  try {
    return createRequire(import.meta.url)(path) as NativeApi;
  } catch (error) {
    throw new Error(`cnnkit: the native addon ${path} failed to load (${(error as Error).message}); ` +
      `${build} to rebuild it against the installed libtorch`);
  }
}

export const native: NativeApi = load();
