// Points cnnkit's and torch.hub's caches into a test folder (and turns CNNKIT_OFFLINE off) until the file's tests end.
import { join } from 'node:path';
import { after } from 'node:test';

export function useIsolatedCaches(dir: string): void {
  const saved = { CNNKIT_HOME: process.env.CNNKIT_HOME, TORCH_HOME: process.env.TORCH_HOME, CNNKIT_OFFLINE: process.env.CNNKIT_OFFLINE };
  process.env.CNNKIT_HOME = join(dir, 'cnnkit-home');
  process.env.TORCH_HOME = join(dir, 'torch-home');
  delete process.env.CNNKIT_OFFLINE;
  after(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}
