// SGD with momentum exactly as torch.optim.SGD(lr, momentum) with dampening 0, no weight decay, no Nesterov,
// followed by zero_grad(set_to_none=True). The optimizer module has not landed yet; this is the benchmark's own.
import { torch, type Tensor } from '../src/index.js';

export class SgdMomentum {
  /** One momentum buffer per parameter, made on the first step that parameter has a gradient (as PyTorch). */
  private readonly buffers: (Tensor | null)[];

  constructor(readonly params: Tensor[], readonly lr: number, readonly momentum: number) {
    this.buffers = params.map(() => null);
  }

  /** buf = momentum * buf + grad (buf = clone(grad) the first time); p -= lr * buf. */
  step(): void {
    torch.noGrad(() => {
      this.params.forEach((p, i) => {
        const grad = p.grad;
        if (grad === null) return;
        let buf = this.buffers[i];
        if (buf === null) {
          // The buffer outlives the step's tidy scope.
          buf = this.buffers[i] = torch.keep(grad.clone());
        } else {
          buf.mul_(this.momentum).add_(grad);
        }
        p.add_(buf, -this.lr);
      });
    });
  }

  /** PyTorch's zero_grad(set_to_none=True): drops the gradients, so backward makes fresh ones. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  dispose(): void {
    torch.dispose(this.buffers.filter((b): b is Tensor => b !== null));
    this.buffers.fill(null);
  }
}
