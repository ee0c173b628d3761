// nn.parallel: DistributedDataParallel.
export { DistributedDataParallel, type DistributedDataParallelOptions } from './distributed-data-parallel.js';
