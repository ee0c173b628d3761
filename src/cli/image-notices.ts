// What predict and eval say on stderr about the image files they read: those skipped, those converted.
import type { ConvertedImages, SkippedImage } from '../data/labelled-images.js';
import { describeConverted, describeSkipped } from '../run/datasets.js';

export function printImageNotices(skipped: SkippedImage[], converted: ConvertedImages | null): void {
  if (skipped.length > 0) console.error(`cnnkit: warning: ${describeSkipped(skipped)}`);
  const conversion = describeConverted(converted);
  if (conversion) console.error(`cnnkit: note: ${conversion}`);
}
