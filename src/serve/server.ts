// An HTTP inference server over a trained run (node:http): POST /predict classifies an image, GET /health and
// GET /metadata say how it is and what it serves. Requests are batched dynamically (batcher.ts) and the model runs
// in its own thread (model-thread.ts), so this thread only parses requests and answers: it keeps answering while a
// batch runs. Every refused request gets a 4xx JSON answer and leaves the server serving; close() (SIGTERM in the
// CLI) stops accepting connections, lets the requests in flight finish, then stops the model thread.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { availableParallelism } from 'node:os';

import { checkCount, withDefaults } from '../util/checks.js';
import { UsageError } from '../util/usage-error.js';
import { Batcher, QueueFullError, type BatcherStats } from './batcher.js';
import { HttpError } from './http-error.js';
import type { ItemResult, ModelMetadata } from './model-protocol.js';
import { ModelWorker, type ModelStats } from './model-worker.js';
import { readImageBody } from './request-body.js';

export interface ServeOptions {
  /** The address to listen on (default 127.0.0.1: this machine only). */
  host?: string;
  /** The port (default 8080; 0 picks a free one). */
  port?: number;
  /** The most images one forward takes (default 32). */
  maxBatchSize?: number;
  /** How long the first request of a batch waits for others, in milliseconds (default 5). */
  maxWaitMs?: number;
  /** Classes each answer lists unless the request asks with ?topK= (default 5, or fewer when the run has fewer). */
  topK?: number;
  /** The largest request body in bytes (default 16 MiB; 413 beyond). */
  maxBodyBytes?: number;
  /** How long a client has to send a request's body, in milliseconds (default 30000; 408 after). */
  requestTimeoutMs?: number;
  /** The most requests waiting for the model (default 1024; 503 beyond). */
  maxQueue?: number;
  /** How long close() waits for requests in flight before closing their connections (default 30000 ms). */
  shutdownTimeoutMs?: number;
  /** libtorch's intra-op threads for the forward (default: the cores less one, left to HTTP and decoding; at least 1). */
  threads?: number;
  /** Where the model runs, e.g. 'cuda' (default the CPU). */
  device?: string;
}

export interface ServerStats {
  /** 'draining' once close() has begun. */
  status: 'ok' | 'draining';
  /** Images classified (answered 200 by POST /predict). */
  predictions: number;
  /** Requests refused with a 4xx. */
  refused: number;
  batching: BatcherStats & { maxBatchSize: number; maxWaitMs: number };
  model: ModelStats;
}

export interface InferenceServer {
  /** Where it listens, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly metadata: ModelMetadata;
  stats(): ServerStats;
  /** Stops accepting connections, finishes the requests in flight, stops the model thread. */
  close(): Promise<void>;
}

const WHERE = 'serve';
const DEFAULTS: Required<Omit<ServeOptions, 'device' | 'topK'>> & Pick<ServeOptions, 'device' | 'topK'> = {
  host: '127.0.0.1', port: 8080, maxBatchSize: 32, maxWaitMs: 5, topK: undefined, maxBodyBytes: 16 << 20,
  requestTimeoutMs: 30_000, maxQueue: 1024, shutdownTimeoutMs: 30_000, threads: Math.max(1, availableParallelism() - 1), device: undefined,
};

const ROUTES: Record<string, string> = { '/predict': 'POST', '/health': 'GET', '/metadata': 'GET' };

/** How long a refused body is read on and dropped before its connection is closed. */
const LINGER_MS = 5000;

function discardRest(req: IncomingMessage): void {
  const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The top-k a request asks for (?topK= or ?top_k=), or the server's. */
function requestedTopK(url: URL, fallback: number, classes: number): number {
  const asked = url.searchParams.get('topK') ?? url.searchParams.get('top_k');
  if (asked === null) return fallback;
  const k = Number(asked);
  if (!/^\d+$/.test(asked) || k < 1 || k > classes) throw new HttpError(400, `topK must be an integer from 1 to ${classes}, got '${asked}'`);
  return k;
}

/**
 * Serves the run folder (its best.safetensors) or checkpoint `run` until close(); resolves once the model is open
 * and the server listens. Bad options or a run that cannot be opened reject, naming the thing at fault.
 */
export async function startServer(run: string, options: ServeOptions = {}): Promise<InferenceServer> {
  if (typeof run !== 'string' || run === '') throw new UsageError(`${WHERE}: give the run folder or checkpoint to serve`);
  const o = withDefaults(options, DEFAULTS, WHERE);
  checkCount(o.port, 'port', WHERE, 0, 65535);
  checkCount(o.maxBatchSize, 'maxBatchSize', WHERE, 1);
  checkCount(o.maxWaitMs, 'maxWaitMs', WHERE, 0);
  checkCount(o.maxBodyBytes, 'maxBodyBytes', WHERE, 1);
  checkCount(o.requestTimeoutMs, 'requestTimeoutMs', WHERE, 1);
  checkCount(o.maxQueue, 'maxQueue', WHERE, 1);
  checkCount(o.shutdownTimeoutMs, 'shutdownTimeoutMs', WHERE, 0);
  checkCount(o.threads, 'threads', WHERE, 1);

  const model = new ModelWorker(run, o.threads, o.device);
  let metadata: ModelMetadata;
  let topK: number;
  try {
    metadata = await model.ready;
    topK = o.topK === undefined ? Math.min(5, metadata.classes.length) : checkCount(o.topK, 'topK', WHERE, 1, metadata.classes.length);
  } catch (error) {
    await model.close();
    throw error;
  }
  const classes = metadata.classes.length;
  const batcher = new Batcher<Uint8Array, ItemResult>((images) => model.predict(images), o);
  const counts = { predictions: 0, refused: 0 };
  let draining = false;
  const inFlight = new Set<Promise<void>>();

  const stats = (): ServerStats => ({
    status: draining ? 'draining' : 'ok', ...counts,
    batching: { ...batcher.stats(), maxBatchSize: o.maxBatchSize, maxWaitMs: o.maxWaitMs }, model: model.stats(),
  });

  async function predict(req: IncomingMessage, url: URL): Promise<unknown> {
    const k = requestedTopK(url, topK, classes);
    const image = await readImageBody(req, { maxBytes: o.maxBodyBytes, timeoutMs: o.requestTimeoutMs });
    let result: ItemResult;
    try {
      result = await batcher.submit(image);
    } catch (error) {
      if (error instanceof QueueFullError) throw new HttpError(503, `the server is busy: ${error.message}; try again`);
      throw error;
    }
    if ('error' in result) throw new HttpError(400, `the body is not an image that can be read (JPEG, PNG, WebP…): ${result.error}`);
    counts.predictions++;
    return { top: result.top.slice(0, k).map(({ className, index, probability }) => ({ className, index, probability })) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // While draining, each answer closes its connection, so that keep-alive clients go elsewhere.
    const closing = (): Record<string, string> => (draining ? { Connection: 'close' } : {});
    try {
      const url = URL.canParse(req.url ?? '/', 'http://localhost') ? new URL(req.url ?? '/', 'http://localhost') : null;
      if (url === null) throw new HttpError(400, `the request target ${JSON.stringify(req.url)} is not a path`);
      const method = ROUTES[url.pathname];
      if (method === undefined) throw new HttpError(404, `no such path ${url.pathname}; the paths are ${Object.keys(ROUTES).join(', ')}`);
      if (req.method !== method && !(method === 'GET' && req.method === 'HEAD')) {
        res.setHeader('Allow', method === 'GET' ? 'GET, HEAD' : method);
        throw new HttpError(405, `${url.pathname} takes ${method}, not ${req.method}`);
      }
      if (draining && url.pathname === '/predict') throw new HttpError(503, 'the server is shutting down');
      const body = url.pathname === '/health' ? stats() : url.pathname === '/metadata'
        ? { ...metadata, topK, maxBatchSize: o.maxBatchSize, maxWaitMs: o.maxWaitMs, maxBodyBytes: o.maxBodyBytes }
        : await predict(req, url);
      send(res, 200, body, closing());
    } catch (error) {
      if (!(error instanceof HttpError)) {
        send(res, 500, { error: `the server failed: ${(error as Error).message}` }, closing());
        return;
      }
      counts.refused++;
      // A client that stopped sending is cut off after its answer. Any other refused body is read on and dropped for
      // a while, as nginx's lingering close does: closing a socket with unread bytes resets it, and the client, still
      // sending, would see the reset instead of the answer.
      const stalled = error.status === 408;
      send(res, error.status, { error: error.message }, stalled ? { Connection: 'close' } : closing());
      if (!stalled && !req.complete) discardRest(req);
    }
  }

  const server = createServer({
    requestTimeout: 2 * o.requestTimeoutMs, // a backstop: a slow body gets its JSON 408 from readImageBody first
    headersTimeout: o.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, o.requestTimeoutMs / 4)),
  }, (req, res) => {
    const done = handle(req, res).finally(() => inFlight.delete(done));
    inFlight.add(done);
  });
  // A request that is not HTTP at all still gets a JSON answer.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || socket.bytesWritten > 0) return void socket.destroy();
    const [status, reason] = error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request'];
    const text = JSON.stringify({ error: `the request cannot be read as HTTP: ${error.message}` });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await model.close();
    throw new UsageError(`${WHERE}: cannot listen on ${o.host}:${o.port}: ${(error as Error).message}`);
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | null = null;
  const close = () => (closed ??= (async () => {
    draining = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    const deadline = setTimeout(() => server.closeAllConnections(), o.shutdownTimeoutMs);
    while (inFlight.size > 0) await Promise.all(inFlight);
    server.closeIdleConnections();
    await stopped;
    clearTimeout(deadline);
    await batcher.drained();
    await model.close();
  })());

  return { url: `http://${host}:${address.port}`, metadata, stats, close };
}
