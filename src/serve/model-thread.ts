// The server's model thread: opens its own Classifier, then answers each batch of encoded images by decoding them
// at the run's size and channels (as prediction on files decodes them) and running one forward over the readable
// ones. Decoding and the forward happen here, so the server's event loop stays free to answer while a batch runs.
import { parentPort, workerData } from 'node:worker_threads';

import { decodeImage } from '../data/image.js';
import { openClassifier, type Classifier } from '../run/classifier.js';
import { describePreprocessing } from '../run/preprocessing.js';
import { getNumThreads, setNumThreads } from '../torch/runtime.js';
import { memory } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { UsageError } from '../util/usage-error.js';
import type { ItemResult, ModelMetadata, ThreadReply, ThreadRequest } from './model-protocol.js';

const { run, device, threads } = workerData as { run: string; device?: string; threads: number };
const port = parentPort!;

function metadataOf(classifier: Classifier): ModelMetadata {
  const [height, width] = classifier.decode.size;
  return {
    model: classifier.config.model,
    epoch: classifier.epoch,
    classes: [...classifier.classes],
    inputSize: [height, width],
    channels: classifier.decode.mode === 'gray' ? 1 : 3,
    threads: getNumThreads(),
    preprocessing: describePreprocessing(classifier),
  };
}

let classifier: Classifier;
try {
  setNumThreads(threads); // libtorch's intra-op threads are set per calling thread
  classifier = openClassifier(run, { command: 'serve', device });
  port.postMessage({ ready: metadataOf(classifier) } satisfies ThreadReply);
} catch (error) {
  port.postMessage({ fatal: { message: (error as Error).message, usage: error instanceof UsageError } } satisfies ThreadReply);
}

/** Each image's top classes (all of them, most probable first), or why it could not be read. */
async function predictBatch(images: Uint8Array[]): Promise<{ results: ItemResult[]; forwards: number }> {
  const results: ItemResult[] = new Array(images.length);
  const decoded: [Tensor, number][] = [];
  images.forEach((bytes, i) => {
    try {
      decoded.push([decodeImage(bytes, classifier.decode), i]);
    } catch (error) {
      results[i] = { error: (error as Error).message };
    }
  });
  if (decoded.length === 0) return { results, forwards: 0 };
  try {
    const tensors = decoded.map(([tensor]) => tensor);
    // One forward for the whole batch; every class listed, so that each request takes its own top-k.
    const { predictions } = await classifier.predict(tensors, { topK: classifier.classes.length, batchSize: tensors.length });
    predictions.forEach((p, k) => (results[decoded[k][1]] = { top: p.top }));
  } finally {
    decoded.forEach(([tensor]) => tensor.dispose());
  }
  return { results, forwards: 1 };
}

port.on('message', async (request: ThreadRequest) => {
  if (request === 'close') {
    port.close(); // nothing else keeps this thread alive, so it exits
    return;
  }
  try {
    const { results, forwards } = await predictBatch(request.images);
    port.postMessage({ id: request.id, results, forwards, memory: memory() } satisfies ThreadReply);
  } catch (error) {
    port.postMessage({ id: request.id, error: (error as Error).message } satisfies ThreadReply);
  }
});
