// Photo-sized JPEGs for the cases that read files as a user's photos are read: sizes drawn from 300–500 × 240–500
// pixels, smooth colour fields with texture and noise, so that at quality 90 a file is about as large as a photo's.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { F, torch } from '../src/index.js';
import { saveImage } from '../src/data/image.js';

/** `count` JPEGs in `classes` class folders of a new temporary folder (seeded: the same files every run). */
export function makePhotoFolder(count: number, classes: number, prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  torch.manualSeed(0);
  for (let c = 0; c < classes; c++) mkdirSync(join(root, `class${c}`));
  for (let i = 0; i < count; i++) {
    torch.tidy(() => {
      const [height, width] = torch.randint(0, 201, [2]).tolist() as number[];
      const size: [number, number] = [240 + Math.round(height * 1.3), 300 + width];
      const field = F.interpolate(torch.rand([1, 3, 6, 6]), { size, mode: 'bicubic', alignCorners: false });
      const texture = F.interpolate(torch.rand([1, 3, size[0] >> 2, size[1] >> 2]), { size, mode: 'bilinear', alignCorners: false });
      const image = field.mul(0.7).add(texture.mul(0.2)).add(torch.rand([1, 3, ...size]).mul(0.1)).squeeze(0).clamp(0, 1);
      saveImage(join(root, `class${i % classes}`, `${i}.jpg`), image, { quality: 90 });
    });
  }
  return root;
}
