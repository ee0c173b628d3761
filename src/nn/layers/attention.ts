// Multi-head scaled dot-product attention with PyTorch's parameter names (in_proj_weight, in_proj_bias, out_proj),
// so state dicts of torch.nn.MultiheadAttention (e.g. torchvision's ViT) load unchanged.
import { checkInt, checkNumber } from '../../torch/check.js';
import { empty } from '../../torch/creation.js';
import type { Tensor } from '../../torch/tensor.js';
import * as F from '../functional.js';
import { constant_, xavierUniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { Linear } from './linear.js';

export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights while training. */
  dropout?: number;
  bias?: boolean;
  /** Inputs and output are batch × sequence × embedding (default sequence × batch × embedding, as PyTorch). */
  batchFirst?: boolean;
}

export class MultiheadAttention extends Module {
  in_proj_weight: Parameter;
  in_proj_bias: Parameter | null;
  out_proj: Linear;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;

  constructor(readonly embedDim: number, readonly numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const { dropout = 0, bias = true, batchFirst = false } = options;
    checkInt(embedDim, 'embedDim', 'MultiheadAttention', 1);
    checkInt(numHeads, 'numHeads', 'MultiheadAttention', 1);
    checkNumber(dropout, 'dropout', 'MultiheadAttention');
    if (embedDim % numHeads) throw new RangeError(`MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    if (dropout < 0 || dropout > 1) throw new RangeError(`MultiheadAttention: dropout must be between 0 and 1, got ${dropout}`);
    this.headDim = embedDim / numHeads;
    this.dropout = dropout;
    this.batchFirst = batchFirst;
    this.in_proj_weight = new Parameter(empty([3 * embedDim, embedDim]));
    this.in_proj_bias = bias ? new Parameter(empty([3 * embedDim])) : null;
    this.out_proj = new Linear(embedDim, embedDim, { bias });
    // PyTorch's _reset_parameters: Glorot for the joint projection, zero biases; out_proj keeps Linear's weight init.
    xavierUniform_(this.in_proj_weight);
    if (this.in_proj_bias) constant_(this.in_proj_bias, 0);
    if (this.out_proj.bias) constant_(this.out_proj.bias, 0);
  }

  /** The attended values (the weights are not returned: need_weights=False). key and value default to query (self-attention). */
  forward(query: Tensor, key: Tensor = query, value: Tensor = key): Tensor {
    for (const [name, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (t.ndim !== 3 || t.shape[2] !== this.embedDim) {
        throw new RangeError(`MultiheadAttention: ${name} must be ${this.batchFirst ? 'batch × sequence' : 'sequence × batch'} × ${this.embedDim}, got shape [${t.shape.join(', ')}]`);
      }
    }
    const [q, k, v] = this.project(query, key, value).map((t) => (this.batchFirst ? t : t.transpose(0, 1)));
    const [n, lq] = q.shape;
    // (N, L, E) → (N·H, L, E/H), as PyTorch's multi_head_attention_forward.
    const heads = (t: Tensor) => t.reshape(n, t.shape[1], this.numHeads, this.headDim).transpose(1, 2).reshape(n * this.numHeads, t.shape[1], this.headDim);
    const scores = heads(q).div(Math.sqrt(this.headDim)).bmm(heads(k).transpose(1, 2)).softmax(-1);
    const weights = F.dropout(scores, { p: this.dropout, training: this.training && this.dropout > 0 });
    const attended = weights.bmm(heads(v)).reshape(n, this.numHeads, lq, this.headDim).transpose(1, 2).reshape(n, lq, this.embedDim);
    const out = this.out_proj.forward(attended);
    return this.batchFirst ? out : out.transpose(0, 1);
  }

  /** q, k, v through the joint input projection (one matrix product when all three are the same tensor). */
  private project(query: Tensor, key: Tensor, value: Tensor): Tensor[] {
    if (query === key && key === value) return F.linear(query, this.in_proj_weight, this.in_proj_bias).chunk(3, -1);
    const weights = this.in_proj_weight.chunk(3, 0);
    const biases = this.in_proj_bias ? this.in_proj_bias.chunk(3, 0) : [null, null, null];
    return [query, key, value].map((t, i) => F.linear(t, weights[i], biases[i]));
  }
}
