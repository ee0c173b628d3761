// Serving a trained run over HTTP: POST /predict, GET /health, GET /metadata, with dynamic batching and the model
// in a thread of its own. `cnnkit serve` is startServer with flags.
export { startServer, type InferenceServer, type ServeOptions, type ServerStats } from './server.js';
export { Batcher, QueueFullError, type BatcherOptions, type BatcherStats } from './batcher.js';
export type { ModelMetadata } from './model-protocol.js';
export type { ModelStats } from './model-worker.js';
