// The distributed area, as torch.distributed: process groups over c10d (Gloo), collectives on CPU tensors.
// DistributedDataParallel and SyncBatchNorm live in nn, DistributedSampler in data.
export { destroyProcessGroup, getRank, getWorldSize, initProcessGroup, type InitOptions } from './init.js';
export {
  allGather, allReduce, barrier, broadcast, isInitialized, ProcessGroup, type ReduceOp,
} from '../torch/distributed.js';
export { launch, LaunchError, type LaunchOptions, type RankExit } from './launch.js';
