// The --device of train, eval and predict: auto (CUDA when this libtorch has it, else the CPU), cpu, cuda or cuda:N.
import { cuda } from '../torch/runtime.js';
import { UsageError } from '../util/usage-error.js';

/** The device a run's model and batches go to, or a UsageError naming --device where it does not exist here. */
export function resolveDevice(device: string | undefined, command: string): string {
  const asked = device ?? 'auto';
  if (asked === 'auto') return cuda.isAvailable() ? 'cuda' : 'cpu';
  if (asked === 'cpu') return 'cpu';
  const match = /^cuda(?::(\d+))?$/.exec(asked);
  if (!match) throw new UsageError(`${command}: --device must be auto, cpu, cuda or cuda:N, got '${asked}'`);
  if (!cuda.isAvailable()) throw new UsageError(`${command}: --device ${asked}: CUDA is not available to this libtorch (it was built without CUDA or finds no GPU); use --device cpu or auto`);
  const count = cuda.deviceCount();
  if (match[1] !== undefined && Number(match[1]) >= count) {
    throw new UsageError(`${command}: --device ${asked}: this machine has ${count} CUDA device${count === 1 ? '' : 's'} (cuda:0${count > 1 ? ` to cuda:${count - 1}` : ''})`);
  }
  return asked;
}
