// `cnnkit serve`: a trained run as an HTTP inference server (the library's serve.startServer) until SIGTERM or
// Ctrl-C, which stop it gracefully: no new connections, the requests in flight answered, then exit.
import { startServer } from '../serve/server.js';
import { UsageError } from '../util/usage-error.js';
import { parseFlags } from './args.js';

export async function serve(args: string[]): Promise<void> {
  const flags = parseFlags('serve', args, {
    run: { type: 'string', about: 'a run folder of cnnkit train (its best.safetensors)' },
    checkpoint: { type: 'string', about: 'a checkpoint of a run (best.safetensors or last.safetensors)' },
    host: { type: 'string', about: 'the address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for every interface)' },
    port: { type: 'number', about: 'the port (default 8080; 0 picks a free one)' },
    'max-batch-size': { type: 'number', about: 'the most images one forward takes (default 32)' },
    'max-wait-ms': { type: 'number', about: 'how long the first request of a batch waits for others (default 5)' },
    'top-k': { type: 'number', about: 'classes each answer lists unless the request asks with ?topK= (default 5)' },
    'max-body-bytes': { type: 'number', about: 'the largest request body (default 16777216; larger ones get 413)' },
    'request-timeout-ms': { type: 'number', about: 'how long a client has to send its request body (default 30000; then 408)' },
    threads: { type: 'number', about: 'libtorch intra-op threads for the forward (default: the cores less one, at least 1)' },
  });
  const run = (flags.run ?? flags.checkpoint) as string | undefined;
  if (flags.run !== undefined && flags.checkpoint !== undefined) throw new UsageError('serve: give --run DIR or --checkpoint FILE, not both');
  if (run === undefined) throw new UsageError('serve: give --run DIR (a run folder of cnnkit train) or --checkpoint FILE');
  const server = await startServer(run, {
    host: flags.host as string | undefined, port: flags.port as number | undefined,
    maxBatchSize: flags['max-batch-size'] as number | undefined, maxWaitMs: flags['max-wait-ms'] as number | undefined,
    topK: flags['top-k'] as number | undefined, maxBodyBytes: flags['max-body-bytes'] as number | undefined,
    requestTimeoutMs: flags['request-timeout-ms'] as number | undefined, threads: flags.threads as number | undefined,
  });
  const { model, classes, inputSize } = server.metadata;
  console.log(`cnnkit: serving ${model} (${classes.length} classes, ${inputSize.join('×')}) on ${server.url}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`cnnkit: ${signal}: finishing the requests in flight, then stopping`);
      void server.close().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  console.log('cnnkit: stopped');
}
