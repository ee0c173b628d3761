// Tallies of data-parallel training (loss sums, correct and seen counts) added up over the ranks, so that every rank
// logs the metrics of the whole data and decides alike (early stopping, plateaus); float64, so counts stay exact.
import { tensor } from '../torch/creation.js';
import { allReduce, type ProcessGroup } from '../torch/distributed.js';

/** values summed (or their maximum taken) element by element over group's ranks; unchanged without a group. */
export function sumOverRanks(values: number[], group: ProcessGroup | undefined, op: 'sum' | 'max' = 'sum'): number[] {
  if (!group || values.length === 0) return values;
  const t = tensor(values, { dtype: 'float64' });
  try {
    allReduce(t, op, group);
    return Array.from(t.toTypedArray() as Float64Array);
  } finally {
    t.dispose();
  }
}
