// Images labelled by their file names (fastai's from_name_re): Kaggle's Dogs vs. Cats keeps train/cat.0.jpg and
// train/dog.0.jpg in one folder, and /^(cat|dog)\./ labels them.
import { extname, join } from 'node:path';

import { describe } from '../torch/check.js';
import { checkExtensions, compare, IMAGE_EXTENSIONS, isFolder, listFolder } from './image-folder.js';
import { LabelledImages, type ImageDatasetOptions } from './labelled-images.js';

export interface ImagesByNameOptions extends ImageDatasetOptions {
  /** File extensions to take, any case (default IMAGE_EXTENSIONS). */
  extensions?: readonly string[];
}

/** The pattern as a RegExp with at least one capture group, or an error saying what is wrong. */
function checkPattern(pattern: unknown, where: string): RegExp {
  if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) throw new TypeError(`${where}: pattern must be a RegExp or a string, got ${describe(pattern)}`);
  let regex: RegExp;
  try {
    regex = pattern instanceof RegExp ? pattern : new RegExp(pattern as string);
  } catch (error) {
    throw new TypeError(`${where}: pattern ${describe(pattern)} is not a regular expression: ${(error as Error).message}`);
  }
  // An alternative that matches the empty string shows how many groups the pattern has.
  if (new RegExp(`${regex.source}|`).exec('')!.length < 2) {
    throw new TypeError(`${where}: pattern ${regex} has no capture group; the first group is the label, e.g. /^(cat|dog)\\./`);
  }
  // A global or sticky RegExp keeps state between exec() calls; labels must not depend on the file before.
  return new RegExp(regex.source, regex.flags.replace(/[gy]/g, ''));
}

/**
 * The image files directly in `root`, labelled by the first capture group of `pattern` matched against each file
 * name (not the path). Classes are the labels found, sorted; files come sorted by name. Image files whose names do
 * not match are listed in `unmatched` and left out (with strict, they are an error).
 */
export class ImagesByName extends LabelledImages {
  readonly root: string;
  readonly pattern: RegExp;
  /** Image files whose names the pattern does not label. */
  readonly unmatched: readonly string[];

  constructor(root: string, pattern: RegExp | string, options: ImagesByNameOptions = {}) {
    const where = 'ImagesByName';
    const regex = checkPattern(pattern, where);
    const extensions = checkExtensions(options.extensions ?? IMAGE_EXTENSIONS, where);
    const names = listFolder(root, where)
      .filter((name) => extensions.includes(extname(name).toLowerCase()) && !isFolder(join(root, name)))
      .sort(compare);
    if (names.length === 0) throw new Error(`${where}: ${root} holds no image files (extensions ${extensions.join(' ')})`);
    const labelled: [string, string][] = [];
    const unmatched: string[] = [];
    for (const name of names) {
      const label = regex.exec(name)?.[1];
      if (label === undefined || label === '') unmatched.push(join(root, name));
      else labelled.push([join(root, name), label]);
    }
    const examples = (list: string[]) => `${list.slice(0, 3).join(', ')}${list.length > 3 ? ', …' : ''}`;
    if (labelled.length === 0) {
      throw new Error(`${where}: pattern ${regex} labels none of the ${names.length} files in ${root} (e.g. ${examples(names)}); its first capture group must match part of each file name`);
    }
    if (unmatched.length > 0 && options.strict) {
      throw new Error(`${where}: pattern ${regex} does not label ${unmatched.length} of the ${names.length} files in ${root}: ${examples(unmatched)}; ` +
        'move them out, change the pattern, or leave out strict to skip them');
    }
    const classes = [...new Set(labelled.map(([, label]) => label))].sort(compare);
    const index = new Map(classes.map((c, i) => [c, i]));
    const { extensions: _, ...datasetOptions } = options;
    super(labelled.map(([path, label]) => [path, index.get(label)!] as const), classes, datasetOptions, { kind: where });
    this.root = root;
    this.pattern = regex;
    this.unmatched = unmatched;
  }
}
