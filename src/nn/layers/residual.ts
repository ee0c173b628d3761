// A skip connection: the block's output plus its input (through `shortcut` when the shapes differ), as in ResNet.
import type { Tensor } from '../../torch/tensor.js';
import { Module } from '../module.js';

export class Residual extends Module {
  block: Module;
  shortcut: Module | null;

  constructor(block: Module, shortcut?: Module) {
    super();
    this.block = block;
    this.shortcut = shortcut ?? null;
  }

  forward(input: Tensor): Tensor {
    const out = this.block.forward(input);
    const identity = this.shortcut ? this.shortcut.forward(input) : input;
    if (out.shape.join() !== identity.shape.join()) {
      throw new RangeError(`Residual: the block gives shape [${out.shape.join(', ')}] but the shortcut [${identity.shape.join(', ')}]; give a shortcut (e.g. a 1×1 Conv2d) that matches`);
    }
    return out.add(identity);
  }
}
