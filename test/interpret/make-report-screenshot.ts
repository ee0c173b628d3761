// Makes docs/report-screenshot.png: lecture_cnn trained 300 steps on Fashion-MNIST, its report on 500 test images,
// opened in headless chromium, the top of the page shrunk to a small PNG.
// Run: npx tsc -p . && node dist/test/interpret/make-report-screenshot.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import sharp from 'sharp';

import { interpret } from '../../src/index.js';
import { writeFileAtomic } from '../../src/util/atomic-write.js';
import { checkPage } from './browser.js';
import { fashionExample } from './fashion-example.js';

const target = fileURLToPath(new URL('../../../docs/report-screenshot.png', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cnnkit-report-shot-'));
try {
  const example = fashionExample({ epochs: 5, stepsPerEpoch: 60, testImages: 500 });
  const result = await interpret.writeReport(dir, example.model, { ...example, topK: 16, title: 'lecture_cnn on Fashion-MNIST (300 steps): where it fails' });
  const page = await checkPage(join(dir, 'report.html'), { width: 1200 });
  const png = await sharp(page.screenshot).resize({ width: 600 }).png({ palette: true, quality: 90 }).toBuffer();
  writeFileAtomic(target, [png]);
  console.log(`accuracy ${result.evaluation.accuracy.toFixed(3)} on ${result.evaluation.samples} test images; wrote ${target} (${png.length} bytes)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
