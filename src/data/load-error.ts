// How a failure while a batch is loaded is reported, the same on the main thread and from a worker thread.

/** Where loading a batch failed: reading its files ahead, one of its samples, collating, or the batch transform. */
export type LoadStage = { stage: 'prefetch' | 'collate' | 'batchTransform'; batch: number } | { stage: 'sample'; index: number };

/** An Error that names the stage and the dataset (and the worker thread, if any), with the original as its cause. */
export function loadError(at: LoadStage, dataset: string, error: Error, thread?: number): Error {
  const what = at.stage === 'sample' ? `sample ${at.index} of ${dataset}`
    : at.stage === 'prefetch' ? `reading ahead for batch ${at.batch} of ${dataset}`
      : at.stage === 'collate' ? `collating batch ${at.batch} of ${dataset}` : `batchTransform on batch ${at.batch} of ${dataset}`;
  return new Error(`DataLoader: ${what} failed${thread === undefined ? '' : ` (in worker thread ${thread})`}: ${error.message}`, { cause: error });
}

/** fn's result, or the loadError of what it threw. */
export function atStage<T>(at: LoadStage, dataset: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw loadError(at, dataset, error instanceof Error ? error : new Error(String(error)));
  }
}
