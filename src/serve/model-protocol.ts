// The messages between the server and its model thread (model-thread.ts); all plain data, so they cross threads.
import type { ClassScore } from '../run/classifier.js';
import type { Preprocessing } from '../run/preprocessing.js';

/** What the server says about the model it serves (GET /metadata). */
export interface ModelMetadata {
  /** The architecture, e.g. 'lecture_cnn' or 'resnet18'. */
  model: string;
  /** The epoch whose weights are served. */
  epoch: number;
  /** Class names in output order. */
  classes: string[];
  /** [height, width] the images are decoded at. */
  inputSize: [number, number];
  /** 1 (gray) or 3 (RGB). */
  channels: number;
  /** libtorch's intra-op threads for the forward. */
  threads: number;
  /** How images are prepared for the model: the same JSON as an exported model's metadata (run/preprocessing.ts). */
  preprocessing: Preprocessing;
}

/** One image's answer: every class, most probable first, or why the image could not be read. */
export type ItemResult = { top: ClassScore[] } | { error: string };

export type ThreadRequest = { id: number; images: Uint8Array[] } | 'close';

export type ThreadReply =
  | { ready: ModelMetadata }
  | { fatal: { message: string; usage: boolean } }
  | { id: number; results: ItemResult[]; forwards: number; memory: { numTensors: number; numBytes: number } }
  | { id: number; error: string };
