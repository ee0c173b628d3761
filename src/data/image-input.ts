// A decoded image as a dataset's input (float32 in [0, 1] or uint8, then the transform), its class index through
// the target transform, and the check that inputs keep one shape so that they stack into batches.
import { describe } from '../torch/check.js';
import type { Tensor } from '../torch/tensor.js';
import type { WorkerSpec } from './dataset.js';
import type { InputTransform } from './transformed-dataset.js';

/** A class-index transform given as an object; with a workerSpec() it can reach worker threads. */
export interface TargetTransform {
  forward(target: number): Tensor | number;
  workerSpec?(): WorkerSpec;
}

export interface InputOptions {
  /** The input's dtype: 'float32' (default) scales pixels to [0, 1] before the transform; 'uint8' keeps 0..255. */
  dtype?: 'float32' | 'uint8';
  /** Applied to each decoded image. A function works only on this thread (numWorkers 0); a Transform object anywhere. */
  transform?: InputTransform | ((image: Tensor) => Tensor);
  /** Applied to each class index, as torchvision's target_transform (a function, or an object with a workerSpec()). */
  targetTransform?: TargetTransform | ((target: number) => Tensor | number);
}

const dtypes = ['float32', 'uint8'];
const transformNames = ['transform', 'targetTransform'] as const;

export function checkInputOptions(options: InputOptions, where: string): void {
  if (options.dtype !== undefined && !dtypes.includes(options.dtype)) throw new RangeError(`${where}: dtype must be 'float32' or 'uint8', got ${describe(options.dtype)}`);
  for (const name of transformNames) {
    const t = options[name];
    if (t !== undefined && typeof t !== 'function' && typeof (t as { forward?: unknown })?.forward !== 'function') {
      throw new TypeError(`${where}: ${name} must be a function or an object with forward(), got ${describe(t)}`);
    }
  }
}

/** Worker threads rebuild the transforms from their workerSpec(), so functions and objects without one cannot go. */
export function checkInputOptionsForWorkers(options: InputOptions, where: string): void {
  for (const name of transformNames) {
    const t = options[name];
    if (t !== undefined && typeof (t as { workerSpec?: unknown }).workerSpec !== 'function') {
      throw new TypeError(`${where}: ${name} ${typeof t === 'function' ? 'is a function' : 'has no workerSpec()'}, so it cannot reach DataLoader worker threads; ` +
        'give an object with forward() and workerSpec() (a transforms.Transform), or use numWorkers: 0');
    }
  }
}

/** The image (which this takes over) in the options' dtype, through the transform. */
export function toInput(image: Tensor, { dtype = 'float32', transform }: InputOptions): Tensor {
  let input = image;
  if (dtype === 'float32') {
    const top = image.dtype === 'int32' ? 65535 : 255; // int32: a 16-bit image kept with keep16Bit
    input = image.to('float32').div_(top);
    image.dispose();
  }
  if (transform) {
    const out = typeof transform === 'function' ? transform(input) : transform.forward(input);
    if (out !== input) input.dispose();
    input = out;
  }
  return input;
}

export function toTarget(index: number, { targetTransform }: InputOptions): Tensor | number {
  if (!targetTransform) return index;
  return typeof targetTransform === 'function' ? targetTransform(index) : targetTransform.forward(index);
}

/** Remembers the first input's shape and refuses (disposing it) an input of another, naming its file. */
export class SameShape {
  private first: number[] | null = null;

  constructor(private readonly where: string) {}

  check(input: Tensor, path: string): void {
    const shape = input.shape;
    if (this.first === null) this.first = shape;
    else if (shape.join() !== this.first.join()) {
      input.dispose();
      throw new Error(`${this.where}: ${path} gives a ${shape.join('×')} input but an earlier image gave ${this.first.join('×')}; ` +
        'a batch needs one size: give the size option (resize while decoding) or a transform that resizes, or sameSize: false with a collate of your own');
    }
  }
}
