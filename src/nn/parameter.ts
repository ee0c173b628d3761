// Parameters and buffers: tensors a module owns. They are never freed by a tidy() scope, and a module finds
// them among its own properties, so the property is the one source of truth (PyTorch's names, e.g. running_mean).
import { keep } from '../torch/scope.js';
import { detachedHandle, Tensor } from '../torch/tensor.js';

/** A trainable tensor of a module; shares `data`'s memory, as torch.nn.Parameter. */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(detachedHandle(data));
    keep(this);
    if (requiresGrad) this.requiresGrad_(true);
  }
}

/** A state tensor of a module that is saved with it but not trained (running statistics), as torch.nn.Buffer. */
export class Buffer extends Tensor {
  constructor(data: Tensor) {
    super(detachedHandle(data));
    keep(this);
  }
}
