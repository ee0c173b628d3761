// Weight files from the network into a cache, as torch.hub's load_state_dict_from_url: $CNNKIT_HOME/hub/checkpoints
// (a file already in torch's own cache is used where it lies), sha256 checked against the prefix in the file name,
// streamed to a temporary file that takes the cached name only once complete and verified, so an interrupted download
// leaves nothing behind.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

import { cacheHome } from '../data/cache.js';
import type { StateDict } from '../torch/serialization.js';
import { load as loadSafetensors } from '../torch/serialization.js';
import { AtomicFile } from '../util/atomic-write.js';
import { bar, StatusLine } from '../util/status-line.js';
import { loadPth, type LoadPthOptions } from './pth.js';
import { getWeights, type Weights } from './registry.js';

/** torch.hub's rule: the hash prefix is the hex run between a '-' and the next '.' in the file name. */
const HASH_REGEX = /-([a-f0-9]*)\./;
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

/** Where a weights file is: a registry entry or its name ('ResNet18_Weights.IMAGENET1K_V1'), one made by hand, or a URL. */
export type WeightsLocation = Weights | Pick<Weights, 'url'> & Partial<Pick<Weights, 'fileName' | 'hashPrefix'>> | string;

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
export function cachedWeightsPath(source: WeightsLocation, options: Pick<DownloadOptions, 'cacheDir'> = {}): string {
  const { url, fileName } = describeSource(source, 'cachedWeightsPath');
  const found = findCached(fileName, options.cacheDir);
  if (found) return found;
  const name = typeof source === 'string' ? source : 'name' in source ? source.name : url;
  throw new Error(`cachedWeightsPath: ${name} is not downloaded yet; run \`await hub.downloadWeights('${name}')\` (or use hub.load) first, ` +
    `or download ${url} and put it at ${join(options.cacheDir ?? defaultCacheDir(), fileName)}`);
}

/** Downloads a weights file once and returns its local path; later calls find it in the cache. */
export async function downloadWeights(source: WeightsLocation, options: DownloadOptions = {}): Promise<string> {
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

  // Node's fetch follows redirects (up to 20) and streams the body.
  let response: Response;
  try {
    response = await fetch(url, { headers: { 'User-Agent': 'cnnkit' } });
  } catch (error) {
    const cause = ((error as Error).cause ?? error) as NodeJS.ErrnoException;
    if (cause.code && NETWORK_UNREACHABLE.has(cause.code)) throw putItThere(`the network is not reachable: ${cause.message}`);
    throw new Error(`downloadWeights: GET ${url} failed: ${cause.message}`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`downloadWeights: GET ${response.url} answered ${response.status} ${response.statusText}`.trimEnd() +
      (response.redirected ? ` (redirected from ${url})` : '') + '; check the URL');
  }

  const total = Number(response.headers.get('content-length')) || 0;
  const progress = options.progress === false ? null : new DownloadProgress(fileName, url, path, total);
  const hash = createHash('sha256');
  // Straight to a temporary file beside the cached one, so memory stays small however big the file.
  mkdirSync(cacheDir, { recursive: true });
  const file = new AtomicFile(path);
  let received = 0;
  try {
    for await (const chunk of response.body ?? []) {
      file.write(chunk); // a full disk is reported as the interruption
      hash.update(chunk);
      received += chunk.length;
      progress?.update(received);
    }
    if (total !== 0 && received !== total) throw new Error('the connection closed early');
  } catch (error) {
    file.abort();
    progress?.fail();
    const cause = ((error as Error).cause ?? error) as Error;
    throw new Error(`downloadWeights: the download of ${url} was interrupted after ${received}${total ? ` of ${total}` : ''} bytes ` +
      `(${cause.message}); nothing was written, run again to retry`);
  }
  const digest = hash.digest('hex');
  if ((options.checkHash ?? true) && hashPrefix && !digest.startsWith(hashPrefix)) {
    file.abort();
    progress?.fail();
    throw new Error(`downloadWeights: ${url} has sha256 ${digest}, but its name promises one starting with ${hashPrefix}; ` +
      'the file is damaged or not the published one, so it was not kept');
  }
  file.commit();
  progress?.done(received);
  return path;
}

/**
 * A state dict from registry weights or their name, a URL (downloaded and cached) or a local file: .safetensors
 * through torch.load, anything else (.pth, .pt, .bin) as a PyTorch file.
 */
export async function loadWeights(source: WeightsLocation, options: DownloadOptions & LoadPthOptions = {}): Promise<StateDict> {
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
function describeSource(source: WeightsLocation, caller: string): { url: string; fileName: string; hashPrefix: string | null } {
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

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** On a terminal a bar redrawn in place; on anything else, one line at the start and one at the end. */
class DownloadProgress {
  private readonly started = Date.now();
  private readonly line = new StatusLine(process.stderr);

  constructor(private readonly fileName: string, url: string, path: string, private readonly total: number) {
    if (!this.line.live) process.stderr.write(`Downloading ${url} to ${path}${total ? ` (${megabytes(total)})` : ''}\n`);
  }

  update(received: number): void {
    this.line.draw(() => {
      const rate = `${megabytes(received / Math.max((Date.now() - this.started) / 1000, 1e-3))}/s`;
      if (!this.total) return `${this.fileName} ${megabytes(received)} ${rate}`;
      const fraction = Math.min(received / this.total, 1);
      return `${this.fileName} ${bar(fraction, 30)} ${(fraction * 100).toFixed(0).padStart(3)}% ${megabytes(received)}/${megabytes(this.total)} ${rate}`;
    });
  }

  done(received: number): void {
    this.line.clear();
    process.stderr.write(`Downloaded ${this.fileName} (${megabytes(received)}) in ${((Date.now() - this.started) / 1000).toFixed(1)} s\n`);
  }

  fail(): void {
    this.line.end();
  }
}
