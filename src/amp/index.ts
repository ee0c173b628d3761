// Mixed precision: GradScaler for float16 training and the precisions training runs in (autocast is torch.autocast).
export { GradScaler, type GradScalerOptions, type GradScalerState } from './grad-scaler.js';
export { autocastDtypeOf, deviceTypeOf, precisions, type Precision } from './precision.js';
