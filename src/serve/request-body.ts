// The encoded image a POST /predict carries: the whole body (image/* or application/octet-stream), or the one file
// of a multipart form (parsed by busboy). A body over the limit, a client too slow to send it, an empty body or a
// form without a file is refused with its status, and nothing more of its body is kept.
import type { IncomingMessage } from 'node:http';

import busboy from 'busboy';

import { HttpError } from './http-error.js';

export interface BodyLimits {
  /** The most bytes a body may have (413 beyond). */
  maxBytes: number;
  /** How long the client has to send the whole body (408 after). */
  timeoutMs: number;
}

const RAW_TYPES = 'image/* or application/octet-stream (the encoded image as the body), or multipart/form-data with a file field';

/** The image's bytes in an ArrayBuffer of their own, so that they can move to the model thread. */
function joined(chunks: Buffer[], length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

export function readImageBody(req: IncomingMessage, { maxBytes, timeoutMs }: BodyLimits): Promise<Uint8Array> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    return Promise.reject(new HttpError(413, `the body is ${declared} bytes; the limit is ${maxBytes}`));
  }
  const type = (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0].trim().toLowerCase();
  const multipart = type === 'multipart/form-data';
  if (!multipart && !type.startsWith('image/') && type !== 'application/octet-stream') {
    return Promise.reject(new HttpError(415, `Content-Type ${type} is not accepted; send ${RAW_TYPES}`));
  }
  return new Promise<Uint8Array>((resolve, reject) => {
    let received = 0;
    let settled = false;
    const chunks: Buffer[] = [];
    const finish = (error: HttpError | null, bytes?: Uint8Array) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        req.unpipe(); // the rest of the body, if it comes, is not kept (see the data listener)
        reject(error);
      } else resolve(bytes!);
    };
    const timer = setTimeout(() => finish(new HttpError(408, `the body did not arrive within ${timeoutMs} ms (${received} bytes came)`)), timeoutMs);
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > maxBytes) finish(new HttpError(413, `the body is over the limit of ${maxBytes} bytes`));
      else if (!multipart) chunks.push(chunk);
    });
    // A client that goes away leaves nobody to answer: the promise only has to settle.
    req.on('close', () => {
      if (!req.complete) finish(new HttpError(400, 'the client closed the connection before the body was complete'));
    });
    req.on('error', (error) => finish(new HttpError(400, `the body could not be read: ${error.message}`)));
    if (!multipart) {
      req.on('end', () => finish(received === 0 ? new HttpError(400, 'the body is empty; send the encoded image (JPEG, PNG or WebP)') : null, joined(chunks, received)));
      return;
    }
    let form: busboy.Busboy;
    try {
      form = busboy({ headers: req.headers, limits: { files: 1 } });
    } catch (error) {
      return finish(new HttpError(400, `the multipart form cannot be read: ${(error as Error).message}`));
    }
    let file: Uint8Array | null = null;
    form.on('file', (_name, stream) => {
      const parts: Buffer[] = [];
      let length = 0;
      stream.on('data', (part: Buffer) => {
        parts.push(part);
        length += part.length;
      });
      stream.on('end', () => (file = joined(parts, length)));
    });
    form.on('filesLimit', () => finish(new HttpError(400, 'the form has more than one file; send one image per request')));
    form.on('error', (error: Error) => finish(new HttpError(400, `the multipart form cannot be read: ${error.message}`)));
    form.on('close', () => {
      if (file === null) finish(new HttpError(400, 'the form has no file field; add the image as a file'));
      else if (file.length === 0) finish(new HttpError(400, 'the form\'s file is empty; send the encoded image (JPEG, PNG or WebP)'));
      else finish(null, file);
    });
    req.pipe(form);
  });
}
