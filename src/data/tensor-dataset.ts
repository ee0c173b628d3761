// A dataset over two tensors whose first dimension indexes the samples, as PyTorch's TensorDataset(inputs, targets).
import { tensor } from '../torch/creation.js';
import { tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';
import { checkIndex, type Batch, type Dataset, type Sample, type WorkerSpec } from './dataset.js';

export class TensorDataset implements Dataset<Sample> {
  /** The tensors stay the caller's: the dataset does not dispose them. */
  constructor(readonly inputs: Tensor, readonly targets: Tensor) {
    if (!(inputs instanceof Tensor) || !(targets instanceof Tensor)) throw new TypeError('TensorDataset(inputs, targets): both must be tensors');
    if (inputs.ndim === 0 || targets.ndim === 0) throw new RangeError('TensorDataset: inputs and targets need a first dimension that indexes the samples');
    const [n, m] = [inputs.shape[0], targets.shape[0]];
    if (n !== m) throw new RangeError(`TensorDataset: inputs hold ${n} samples but targets hold ${m}`);
  }

  get length(): number {
    return this.inputs.shape[0];
  }

  /** Views of row `index` of both tensors. */
  get(index: number): Sample {
    checkIndex(this, index, 'TensorDataset.get()');
    return { input: this.inputs.select(0, index), target: this.targets.select(0, index) };
  }

  /** Rows `indices` of both tensors, as stacking their get(i) gives. */
  getBatch(indices: Int32Array): Batch {
    indices.forEach((index) => checkIndex(this, index, 'TensorDataset.getBatch()'));
    return tidy(() => {
      const rows = tensor(indices, { dtype: 'int64' });
      return { inputs: this.inputs.indexSelect(0, rows), targets: this.targets.indexSelect(0, rows) };
    });
  }

  /** Workers get copies of both tensors (made when each iteration starts). */
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, name: 'TensorDataset', args: [this.inputs, this.targets] };
  }
}
