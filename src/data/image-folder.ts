// torchvision's ImageFolder: root/<class name>/**/<image>, classes sorted by name, samples in the same order.
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

import { describe } from '../torch/check.js';
import { LabelledImages, type ImageDatasetOptions } from './labelled-images.js';

/** The extensions ImageFolder and ImagesByName take by default: the formats sharp decodes. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif'];

export interface ImageFolderOptions extends ImageDatasetOptions {
  /** File extensions to take, any case (default IMAGE_EXTENSIONS). */
  extensions?: readonly string[];
}

/** Checks the extensions option and gives them in lower case. */
export function checkExtensions(extensions: unknown, where: string): string[] {
  if (!Array.isArray(extensions) || extensions.length === 0 || !extensions.every((e) => typeof e === 'string' && e.startsWith('.'))) {
    throw new TypeError(`${where}: extensions must be a non-empty array like ['.jpg', '.png'], got ${describe(extensions)}`);
  }
  return extensions.map((e: string) => e.toLowerCase());
}

/** Whether path is a folder, following symbolic links (os.scandir's is_dir()). */
export function isFolder(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** The entries of a folder, or an error that names it. */
export function listFolder(root: string, where: string): string[] {
  if (typeof root !== 'string' || root === '') throw new TypeError(`${where}: root must be a folder path, got ${describe(root)}`);
  if (!isFolder(root)) throw new Error(`${where}: ${root} is not a folder; give the folder that holds the images`);
  return readdirSync(root);
}

/** Image files under `folder`, at any depth, in torchvision's order (folders by path, files by name within each). */
export function imagesUnder(folder: string, extensions: readonly string[]): string[] {
  const found: [string, string][] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (isFolder(path)) walk(path);
      else if (extensions.includes(extname(name).toLowerCase())) found.push([dir, name]);
    }
  };
  walk(folder);
  return found.sort(([d1, n1], [d2, n2]) => (d1 === d2 ? compare(n1, n2) : compare(d1, d2))).map(([d, n]) => join(d, n));
}

/** Code-point order, as Python's sorted() on strings. */
export const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Images labelled by the folder they are in: `root/cat/1.jpg` is class 'cat'. Classes are the sub-folders of root,
 * sorted; class folders are searched at any depth; samples come in torchvision's order, so indices match its
 * ImageFolder on the same folder. A class folder without images is an error.
 */
export class ImageFolder extends LabelledImages {
  readonly root: string;

  constructor(root: string, options: ImageFolderOptions = {}) {
    const where = 'ImageFolder';
    const extensions = checkExtensions(options.extensions ?? IMAGE_EXTENSIONS, where);
    const classes = listFolder(root, where).filter((name) => isFolder(join(root, name))).sort(compare);
    if (classes.length === 0) {
      throw new Error(`${where}: ${root} has no class folders; put the images in ${join(root, '<class name>')}/, or label a flat folder by file name with ImagesByName`);
    }
    const samples: [string, number][] = [];
    const empty: string[] = [];
    classes.forEach((name, index) => {
      const files = imagesUnder(join(root, name), extensions);
      if (files.length === 0) empty.push(name);
      for (const file of files) samples.push([file, index]);
    });
    if (empty.length > 0) {
      throw new Error(`${where}: found no image files in the class folder${empty.length > 1 ? 's' : ''} ${empty.join(', ')} of ${root} ` +
        `(extensions ${extensions.join(' ')}); add images, remove the folder, or give the extensions option`);
    }
    const { extensions: _, ...datasetOptions } = options;
    super(samples, classes, datasetOptions, { kind: where });
    this.root = root;
  }
}
