// An image folder read through two DataLoader worker threads, strict and not: how the JPEG and PNG tests see a
// broken file handled where training reads it.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { DataLoader } from '../../src/data/dataloader.js';
import { ImageFolder } from '../../src/data/image-folder.js';
import { dispose } from '../../src/torch/scope.js';

/**
 * Copies `files` ([path in the tree, file to copy]) into a class-folder tree at `root` and reads it at `size` with
 * 2 workers: the error a strict folder stops with (null if none), then, without strict, the samples seen and the
 * files skipped.
 */
export async function readInWorkers(root: string, files: [string, string][], size: number) {
  for (const [target, source] of files) {
    mkdirSync(join(root, target, '..'), { recursive: true });
    copyFileSync(source, join(root, target));
  }
  let strictError: unknown = null;
  try {
    for await (const batch of new DataLoader(new ImageFolder(root, { size, strict: true }), { batchSize: 2, numWorkers: 2 })) dispose(batch);
  } catch (error) {
    strictError = error;
  }
  const folder = new ImageFolder(root, { size });
  let seen = 0;
  for await (const batch of new DataLoader(folder, { batchSize: 2, numWorkers: 2 })) {
    seen += batch.inputs.shape[0];
    dispose(batch);
  }
  return { strictError, seen, skipped: folder.skipped() };
}
