// Dropout family: active in training mode only.
import { checkInt, checkNumber } from '../../torch/check.js';
import { empty } from '../../torch/creation.js';
import type { Tensor } from '../../torch/tensor.js';
import * as F from '../functional.js';
import { Module } from '../module.js';
import { pyFloat } from '../repr.js';

function probability(p: number, where: string): number {
  checkNumber(p, 'p', where);
  if (p < 0 || p > 1) throw new RangeError(`${where}: p must be between 0 and 1, got ${p}`);
  return p;
}

/** Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p). */
export class Dropout extends Module {
  constructor(readonly p = 0.5) { super(); probability(p, 'Dropout'); }
  forward(input: Tensor): Tensor { return F.dropout(input, { p: this.p, training: this.training }); }
  extraRepr(): string { return `p=${pyFloat(this.p)}, inplace=False`; }
}

/** Spatial dropout: zeroes whole channels of N×C×H×W input (Tompson et al.). */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) { super(); probability(p, 'Dropout2d'); }
  forward(input: Tensor): Tensor { return F.dropout2d(input, { p: this.p, training: this.training }); }
  extraRepr(): string { return `p=${pyFloat(this.p)}, inplace=False`; }
}

/** DropBlock (Ghiasi et al.): zeroes square blocks of blockSize, as torchvision.ops.DropBlock2d. */
export class DropBlock2d extends Module {
  constructor(readonly p: number, readonly blockSize: number, readonly eps = 1e-6) {
    super();
    probability(p, 'DropBlock2d');
    checkInt(blockSize, 'blockSize', 'DropBlock2d', 1);
  }
  forward(input: Tensor): Tensor {
    if (!this.training || this.p === 0) return input;
    if (input.ndim !== 4) throw new RangeError(`DropBlock2d: expected N×C×H×W input, got shape [${input.shape.join(', ')}]`);
    const [n, c, h, w] = input.shape;
    const block = Math.min(this.blockSize, h, w);
    // Seed rate so that the expected dropped fraction is p once the seeds grow into blocks.
    const gamma = (this.p * h * w) / (block * block * (h - block + 1) * (w - block + 1));
    const seeds = F.pad(empty([n, c, h - block + 1, w - block + 1], { dtype: input.dtype, device: input.device }).bernoulli_(gamma),
      new Array(4).fill(Math.floor(block / 2)));
    const keep = F.maxPool2d(seeds, block, { stride: 1, padding: Math.floor(block / 2) }).rsub(1);
    // Rescale by kept fraction; a tensor expression, so the GPU is not synchronized.
    return input.mul(keep).mul(keep.sum().add(this.eps).reciprocal().mul(keep.numel()));
  }
  extraRepr(): string { return `p=${pyFloat(this.p)}, block_size=${this.blockSize}, inplace=False, eps=${pyFloat(this.eps)}`; }
}

/** Stochastic depth (Huang et al.): drops a residual branch per sample ('row') or per batch, as torchvision's StochasticDepth. */
export class DropPath extends Module {
  constructor(readonly p: number, readonly mode: 'row' | 'batch' = 'row') { super(); probability(p, 'DropPath'); }
  forward(input: Tensor): Tensor {
    if (!this.training || this.p === 0) return input;
    const survival = 1 - this.p;
    const shape = this.mode === 'row' ? [input.shape[0], ...new Array(input.ndim - 1).fill(1)] : new Array(input.ndim).fill(1);
    const noise = empty(shape, { dtype: input.dtype, device: input.device }).bernoulli_(survival);
    if (survival > 0) noise.div_(survival);
    return input.mul(noise);
  }
  extraRepr(): string { return `p=${pyFloat(this.p)}, mode=${this.mode}`; }
}
