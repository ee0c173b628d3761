// nn.utils: gradient clipping, as torch.nn.utils (optim re-exports it).
export { clipGradNorm_, clipGradValue_ } from './clip-grad.js';
