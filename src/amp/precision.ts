// The precisions a model trains in: float32 throughout, or autocast to bfloat16 / float16 (the latter with a
// GradScaler, as float16's narrow range needs), and the device types each runs on.
import { autocastDtype, type AutocastDeviceType } from '../torch/autocast.js';
import type { DType } from '../torch/dtype.js';

export const precisions = ['32', 'bf16', 'fp16'] as const;
export type Precision = (typeof precisions)[number];

/** The device type autocast works on for a device name: 'cuda' for cuda and cuda:N, else 'cpu'. */
export const deviceTypeOf = (device: string | undefined): AutocastDeviceType => (device?.startsWith('cuda') ? 'cuda' : 'cpu');

/**
 * The autocast dtype of `precision` on `device` (null for 32), or a TypeError where libtorch cannot run it there
 * (float16 on the CPU, CUDA missing).
 */
export function autocastDtypeOf(precision: Precision, device: string | undefined): DType | null {
  if (!(precisions as readonly string[]).includes(precision)) throw new TypeError(`precision must be one of ${precisions.join(', ')}, got '${String(precision)}'`);
  if (precision === '32') return null;
  if (precision === 'fp16' && deviceTypeOf(device) === 'cpu') throw new TypeError("fp16 needs CUDA (libtorch's CPU autocast has bfloat16 only); use bf16 on the CPU");
  return autocastDtype(deviceTypeOf(device), precision === 'bf16' ? 'bfloat16' : 'float16');
}
