// Weight files from the network into a cache, as torch.hub's load_state_dict_from_url: $CNNKIT_HOME/hub/checkpoints
// (a file already in torch's own cache is used where it lies), sha256 checked against the prefix in the file name,
// streamed to a temporary file that takes the cached name only once complete and verified, so an interrupted download
// leaves nothing behind.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

import { cacheHome } from '../data/cache.js';
import type { StateDict } from '../torch/serialization.js';
import { load as loadSafetensors } from '../torch/serialization.js';
import { AtomicFile } from '../util/atomic-write.js';
import { loadPth, type LoadPthOptions } from './pth.js';
import { getWeights, type Weights } from './registry.js';

/** torch.hub's rule: the hash prefix is the hex run between a '-' and the next '.' in the file name. */
const HASH_REGEX = /-([a-f0-9]*)\./;
const MAX_REDIRECTS = 5;
const NETWORK_UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT']);

export interface DownloadOptions {
  /** The folder for downloaded files (default $CNNKIT_HOME/hub/checkpoints). */
  cacheDir?: string;
  /** A progress bar on stderr when it is a terminal, otherwise a line at the start and at the end (default true). */
  progress?: boolean;
  /** Check the file's sha256 against the prefix in its name (default true), as torch.hub's check_hash. */
  checkHash?: boolean;
  /** Never use the network (also CNNKIT_OFFLINE=1): a file not in the cache is an error that says where to put it. */
  offline?: boolean;
}

/** A weights file to fetch: a registry entry or its name ('ResNet18_Weights.IMAGENET1K_V1'), one made by hand, or a URL. */
export type WeightsSource = Weights | Pick<Weights, 'url'> & Partial<Pick<Weights, 'fileName' | 'hashPrefix'>> | string;

/** cnnkit's hub folder: $CNNKIT_HOME/hub (default ~/.cache/cnnkit/hub), as torch.hub.get_dir(). */
export function hubDir(): string {
  return join(cacheHome(), 'hub');
}

/** Whether a weights string is a file path (it has a folder or a weights-file extension) rather than a weights name. */
export function isWeightsFile(source: string): boolean {
  return /[\\/]|\.(pth|pt|bin|safetensors)$/i.test(source);
}

function defaultCacheDir(): string {
  return join(hubDir(), 'checkpoints');
}

/** Where torch.hub keeps checkpoints: $TORCH_HOME/hub/checkpoints, default ~/.cache/torch/hub/checkpoints. */
function torchCheckpointsDir(): string {
  const torchHome = process.env.TORCH_HOME || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'torch');
  return join(torchHome, 'hub', 'checkpoints');
}

/**
 * The local file of weights already in the cache (cnnkit's, or torch.hub's), without the network; otherwise an
 * error that says how to get it. For code that cannot wait for a download, such as a model builder.
 */
export function cachedWeightsPath(source: WeightsSource, options: Pick<DownloadOptions, 'cacheDir'> = {}): string {
  const { url, fileName } = describeSource(source, 'cachedWeightsPath');
  const found = findCached(fileName, options.cacheDir);
  if (found) return found;
  const name = typeof source === 'string' ? source : 'name' in source ? source.name : url;
  throw new Error(`cachedWeightsPath: ${name} is not downloaded yet; run \`await hub.downloadWeights('${name}')\` (or use hub.load) first, ` +
    `or download ${url} and put it at ${join(options.cacheDir ?? defaultCacheDir(), fileName)}`);
}

/** Downloads a weights file once and returns its local path; later calls find it in the cache. */
export async function downloadWeights(source: WeightsSource, options: DownloadOptions = {}): Promise<string> {
  const { url, fileName, hashPrefix } = describeSource(source, 'downloadWeights');
  const found = findCached(fileName, options.cacheDir);
  if (found) return found;
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const path = join(cacheDir, fileName);
  const torchCopy = join(torchCheckpointsDir(), fileName);

  const offline = options.offline ?? ['1', 'true', 'yes'].includes((process.env.CNNKIT_OFFLINE ?? '').toLowerCase());
  const putItThere = (why: string) => new Error(`downloadWeights: cannot download ${url} (${why}). ` +
    `Download it where the network is reachable and put it at ${path}; it will be used from there next time` +
    (options.cacheDir === undefined ? ` (a copy at ${torchCopy}, torch.hub's cache, works too)` : ''));
  if (offline) throw putItThere(options.offline ? 'offline: {offline: true}' : 'offline: CNNKIT_OFFLINE is set');

  let response: IncomingMessage;
  let finalUrl: string;
  try {
    ({ response, url: finalUrl } = await request(url));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && NETWORK_UNREACHABLE.has(code)) throw putItThere(`the network is not reachable: ${(error as Error).message}`);
    throw new Error(`downloadWeights: GET ${url} failed: ${(error as Error).message}`);
  }
  if (response.statusCode !== 200) {
    response.resume();
    throw new Error(`downloadWeights: GET ${finalUrl} answered ${response.statusCode} ${response.statusMessage ?? ''}`.trimEnd() +
      (finalUrl !== url ? ` (redirected from ${url})` : '') + '; check the URL');
  }

  const total = Number(response.headers['content-length']) || 0;
  const bar = options.progress === false ? null : new ProgressBar(fileName, url, path, total);
  const hash = createHash('sha256');
  // Straight to a temporary file beside the cached one, so memory stays small however big the file.
  mkdirSync(cacheDir, { recursive: true });
  const file = new AtomicFile(path);
  let received = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      response.on('data', (chunk: Buffer) => {
        try {
          file.write(chunk);
        } catch (error) {
          response.destroy(error as Error); // a full disk: reported as the interruption
          return;
        }
        hash.update(chunk);
        received += chunk.length;
        bar?.update(received);
      });
      response.on('end', () => (response.complete && (total === 0 || received === total) ? resolve() : reject(new Error('the connection closed early'))));
      response.on('close', () => reject(new Error('the connection closed early')));
      response.on('error', reject);
    });
  } catch (error) {
    file.abort();
    bar?.fail();
    throw new Error(`downloadWeights: the download of ${url} was interrupted after ${received}${total ? ` of ${total}` : ''} bytes ` +
      `(${(error as Error).message}); nothing was written, run again to retry`);
  }
  const digest = hash.digest('hex');
  if ((options.checkHash ?? true) && hashPrefix && !digest.startsWith(hashPrefix)) {
    file.abort();
    bar?.fail();
    throw new Error(`downloadWeights: ${url} has sha256 ${digest}, but its name promises one starting with ${hashPrefix}; ` +
      'the file is damaged or not the published one, so it was not kept');
  }
  file.commit();
  bar?.done(received);
  return path;
}

/**
 * A state dict from registry weights or their name, a URL (downloaded and cached) or a local file: .safetensors
 * through torch.load, anything else (.pth, .pt, .bin) as a PyTorch file.
 */
export async function loadWeights(source: WeightsSource, options: DownloadOptions & LoadPthOptions = {}): Promise<StateDict> {
  const isFile = typeof source === 'string' && !source.includes('://') && (isWeightsFile(source) || existsSync(source));
  const path = isFile ? source : await downloadWeights(source, options);
  if (!existsSync(path)) throw new Error(`loadWeights: no file ${path}; pass a path to a .pth/.pt/.bin/.safetensors file, a URL or registry weights`);
  return path.endsWith('.safetensors') ? loadSafetensors(path, { device: options.device }) : loadPth(path, options);
}

function findCached(fileName: string, cacheDir: string | undefined): string | null {
  const candidates = cacheDir === undefined ? [join(defaultCacheDir(), fileName), join(torchCheckpointsDir(), fileName)] : [join(cacheDir, fileName)];
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** A weights name ('ResNet18_Weights.IMAGENET1K_V1') is looked up in the registry; a URL stands for itself. */
function describeSource(source: WeightsSource, caller: string): { url: string; fileName: string; hashPrefix: string | null } {
  if (typeof source === 'string' && !source.includes('://')) source = getWeights(source);
  const url = typeof source === 'string' ? source : source?.url;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new TypeError(`${caller}: expected registry weights, a weights name or an http(s) URL, got ${typeof url === 'string' ? `'${url}'` : typeof source}`);
  }
  const fileName = (typeof source !== 'string' && source.fileName) || basename(new URL(url).pathname);
  if (!fileName) throw new TypeError(`${caller}: ${url} names no file; give {url, fileName}`);
  const hashPrefix = typeof source !== 'string' && source.hashPrefix !== undefined ? source.hashPrefix : HASH_REGEX.exec(fileName)?.[1] || null;
  return { url, fileName, hashPrefix };
}

function request(url: string, redirects = 0): Promise<{ response: IncomingMessage; url: string }> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    get(url, { headers: { 'User-Agent': 'cnnkit' } }, (response) => {
      const location = response.headers.location;
      if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400 && location) {
        response.resume();
        if (redirects >= MAX_REDIRECTS) return reject(new Error(`downloadWeights: ${url} redirects more than ${MAX_REDIRECTS} times`));
        return resolve(request(new URL(location, url).toString(), redirects + 1));
      }
      resolve({ response, url });
    }).on('error', reject);
  });
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** A one-line bar redrawn in place on a terminal; on anything else, one line at the start and one at the end. */
class ProgressBar {
  private readonly started = Date.now();
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastDraw = 0;

  constructor(private readonly fileName: string, url: string, path: string, private readonly total: number) {
    if (!this.tty) process.stderr.write(`Downloading ${url} to ${path}${total ? ` (${megabytes(total)})` : ''}\n`);
  }

  update(received: number): void {
    if (!this.tty || Date.now() - this.lastDraw < 100) return;
    this.lastDraw = Date.now();
    const seconds = Math.max((Date.now() - this.started) / 1000, 1e-3);
    const rate = `${megabytes(received / seconds)}/s`;
    if (this.total) {
      const fraction = Math.min(received / this.total, 1);
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r${this.fileName} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
        `${megabytes(received)}/${megabytes(this.total)} ${rate}\x1b[K`);
    } else {
      process.stderr.write(`\r${this.fileName} ${megabytes(received)} ${rate}\x1b[K`);
    }
  }

  done(received: number): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    process.stderr.write(`${this.tty ? '\r\x1b[K' : ''}Downloaded ${this.fileName} (${megabytes(received)}) in ${seconds} s\n`);
  }

  fail(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
