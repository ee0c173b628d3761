// Loads the libtorch addon. Every native function takes and returns opaque tensor handles.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** An opaque reference to a libtorch tensor owned by the addon. */
export type Handle = { readonly __brand: 'cnnkit.Handle' };

// The addon is internal and untyped at this boundary; the public API above it is typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Native = Record<string, (...args: any[]) => any>;

function load(): Native {
  const path = process.env.CNNKIT_ADDON ?? fileURLToPath(new URL('../../../build/native/cnnkit.node', import.meta.url));
  if (!existsSync(path)) {
    throw new Error(`cnnkit: the native addon ${path} is not built; run 'bash scripts/setup.sh' (or 'npm run build') in the cnnkit folder`);
  }
  try {
    return createRequire(import.meta.url)(path) as Native;
  } catch (error) {
    throw new Error(`cnnkit: the native addon ${path} failed to load (${(error as Error).message}); ` +
      `rebuild it against the installed libtorch with 'bash scripts/setup.sh'`);
  }
}

export const native: Native = load();
