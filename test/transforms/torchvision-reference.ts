// Runs test/transforms/reference.py with Debian's torchvision once per process and hands its JSON to the tests.
import assert from 'node:assert/strict';

import * as torch from '../../src/torch/index.js';
import { tensor, type DType } from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/tensor.js';
import { assertValues } from '../helpers.js';
import { pythonReference } from './python-reference.js';

interface Case { input: string; dtype: DType; output: number[] }
const run = pythonReference('reference.py');
/** torchvision's inputs and results, or null when there is no torchvision (then the tests that need it are skipped). */
export const reference = run.reference as { inputs: Record<string, unknown>; cases: Record<string, Case> } | null;
export const noReference: string | false = run.noReference;

/** The input image of a case as a tensor: uint8 for the 'u' image, float32 otherwise. */
export function referenceInput(name: string): Tensor {
  const data = reference!.inputs[name] as number[];
  return tensor(data, { dtype: name === 'u' ? 'uint8' : 'float32' });
}

/** Runs fn on the case's input and compares with torchvision's output (dtype, shape, values within `tolerance`). */
export function assertParity(name: string, fn: (x: Tensor) => Tensor, tolerance: number): void {
  const expected = reference!.cases[name];
  torch.tidy(() => {
    const input = name === 'equalize_batch' ? referenceInput('batch').mul(255).to('uint8') : referenceInput(expected.input);
    const out = fn(input);
    assert.equal(out.dtype, expected.dtype, `${name}: dtype`);
    assertValues(out, expected.output, tolerance);
  });
}
