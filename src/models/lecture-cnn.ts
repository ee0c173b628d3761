// The lecture's network: four conv3×3 → ReLU → max-pool blocks of 32, 64, 128, 128 channels, then
// Flatten → Linear 512 → ReLU → Linear to the classes, with switches for the techniques that fight overfitting.
import { checkInt } from '../torch/check.js';
import type { Tensor } from '../torch/tensor.js';
import { ReLU } from '../nn/layers/activation.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Sequential } from '../nn/layers/containers.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Dropout, Dropout2d } from '../nn/layers/dropout.js';
import { Linear } from '../nn/layers/linear.js';
import { MaxPool2d } from '../nn/layers/pooling.js';
import { Flatten } from '../nn/layers/reshape.js';
import { Residual } from '../nn/layers/residual.js';
import { Module } from '../nn/module.js';

export interface LectureCnnOptions {
  inChannels?: number;
  numClasses?: number;
  /** Input height and width (at least 16: four 2×2 poolings); sets the size of the first dense layer. */
  inputSize?: number | [number, number];
  /** BatchNorm2d after each convolution, before its activation. */
  batchNorm?: boolean;
  /** Dropout rate before each dense layer (0: none). */
  dropout?: number;
  /** Spatial dropout (Dropout2d) rate in each conv block (0: none). */
  spatialDropout?: number;
  /** Residual blocks: two convolutions with a skip connection (1×1 convolution where channels change). */
  residual?: boolean;
}

const CHANNELS = [32, 64, 128, 128];

export class LectureCnn extends Module {
  features: Sequential;
  classifier: Sequential;

  constructor(options: LectureCnnOptions = {}) {
    super();
    const { inChannels = 3, numClasses = 2, inputSize = 150, batchNorm = false, dropout = 0, spatialDropout = 0, residual = false } = options;
    const [h, w] = typeof inputSize === 'number' ? [inputSize, inputSize] : inputSize;
    checkInt(inChannels, 'inChannels', 'lecture_cnn', 1);
    checkInt(numClasses, 'numClasses', 'lecture_cnn', 1);
    if (!(h >= 16 && w >= 16)) throw new RangeError(`lecture_cnn: inputSize must be at least 16×16 (four 2×2 poolings), got ${h}×${w}`);
    // padding 1 keeps each convolution's size, so any input of 16 or more works; each pooling halves it (floor).
    const conv = (cin: number, cout: number) => [new Conv2d(cin, cout, 3, { padding: 1 }), ...(batchNorm ? [new BatchNorm2d(cout)] : [])];
    const blocks = CHANNELS.map((cout, i) => {
      const cin = i === 0 ? inChannels : CHANNELS[i - 1];
      const body = residual
        ? [new Residual(new Sequential(...conv(cin, cout), new ReLU(), ...conv(cout, cout)),
          new Sequential(new Conv2d(cin, cout, 1), ...(batchNorm ? [new BatchNorm2d(cout)] : []))), new ReLU()]
        : [...conv(cin, cout), new ReLU()];
      return new Sequential(...body, ...(spatialDropout > 0 ? [new Dropout2d(spatialDropout)] : []), new MaxPool2d(2));
    });
    this.features = new Sequential(...blocks);
    const flat = CHANNELS[3] * Math.floor(h / 16) * Math.floor(w / 16);
    const drop = () => (dropout > 0 ? [new Dropout(dropout)] : []);
    this.classifier = new Sequential(new Flatten(), ...drop(), new Linear(flat, 512), new ReLU(), ...drop(), new Linear(512, numClasses));
  }

  forward(input: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(input));
  }
}

export const lectureCnn = (options: LectureCnnOptions = {}): LectureCnn => new LectureCnn(options);
