// A transform of each collated batch's inputs, run where the batch is made: in the DataLoader's worker threads, so
// that whole-batch augmentation (one libtorch call per step for all the images) also runs on every core.
import { Random, withRandom } from '../torch/random.js';
import { Tensor } from '../torch/tensor.js';
import type { InputTransform } from './transformed-dataset.js';

/**
 * Marks a batch's random stream apart from its samples': sample i draws from Random(seed, epoch, i), batch b from
 * Random(seed, epoch, b, BATCH_STREAM), so batch 3's draws do not repeat sample 3's.
 */
const BATCH_STREAM = 0x62617463;

/** The batch with its inputs replaced by transform.forward(inputs); the old inputs are freed. */
export function transformBatch(batch: unknown, transform: InputTransform, seed: number, epoch: number, index: number): unknown {
  const inputs = (batch as { inputs?: unknown })?.inputs;
  if (!(inputs instanceof Tensor)) throw new TypeError('batchTransform needs batches with an inputs tensor, as defaultCollate makes; leave it out with a collate that makes other batches');
  const out = withRandom(new Random(seed, epoch, index, BATCH_STREAM), () => transform.forward(inputs), epoch);
  if (out !== inputs) inputs.dispose();
  return { ...(batch as object), inputs: out };
}
