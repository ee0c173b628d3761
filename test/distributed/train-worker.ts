// One rank of a data-parallel run.train started by the test itself with torchrun's environment (node
// dist/test/distributed/train-worker.js '<options as JSON>'): prints its rank, history and score as one JSON line.
import { fileURLToPath } from 'node:url';

import { run } from '../../src/index.js';

async function main(): Promise<void> {
  const result = await run.train(JSON.parse(process.argv[2]) as run.TrainOptions);
  const history = result.history.map(({ seconds, rss_mb, ...logged }) => logged);
  process.stdout.write(`${JSON.stringify({ rank: result.rank, worldSize: result.worldSize, history, accuracy: result.accuracy, loss: result.loss, bestEpoch: result.bestEpoch })}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
