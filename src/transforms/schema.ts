// One declaration per transform class: its constructor's parameters, how each is printed and how a recipe reads it.
// From it come the arguments a DataLoader worker thread rebuilds the transform with (workerSpec), torchvision's printed
// form (toString) and the recipe's parameters (recipe.ts). The registry is keyed by class; the data area rebuilds
// transforms in workers through it, so transforms need nothing from data/ at run time.
import type { WorkerSpec } from '../data/dataset.js';
import { pyBool, pyFloat } from '../nn/repr.js';
import type { MixingTransform, Transform } from './transform.js';

/**
 * How a recipe reads a parameter's text. number, integer, boolean, string: one value. range: a number or `a-b` ([a, b]).
 * pair: a number x ([x, x]) or `a-b`. size: an integer or `HxW` ([H, W]). list: numbers `a/b/c` ([a, b, c]; one number is a
 * list of one). numbers: a number, or several `a/b/c` (one per channel or side). value: numbers or a word (`random`).
 */
export type ParameterKind = 'number' | 'integer' | 'boolean' | 'string' | 'range' | 'pair' | 'size' | 'list' | 'numbers' | 'value';

/** A transform of either kind: per image, or mixing across a batch. */
export type AnyTransform = Transform | MixingTransform;

// Constructors differ (torchvision's leading positional parameters), so the schema says how to call each.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TransformClass = new (...args: any[]) => AnyTransform;

export interface OptionSchema {
  /** How a recipe reads it; an option without a kind is no recipe parameter. */
  kind?: ParameterKind;
  /**
   * Its value as torchvision prints it (undefined leaves it out); false: not printed. Default: by kind (number: 1.0,
   * integer and string: as is, boolean: True).
   */
  show?: ((value: any, transform: any) => string | undefined) | false; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** How the recipe language (recipe.ts) names a class and reads the parameters written without a name. */
export interface RecipeSchema {
  /** The technique's name in a recipe, e.g. `hflip`. */
  name: string;
  /** The parameters that values given without a name fill, in order: `mixup(0.2)` is `mixup(alpha=0.2)`. */
  shorthand?: readonly string[];
  /** Other names of parameters: affine's `rotate` is its `degrees`. */
  aliases?: Record<string, string>;
  /** Options the recipe sets where the class has no default. */
  defaults?: Record<string, unknown>;
}

export interface TransformSchema {
  /** The defining module's URL (its import.meta.url), imported by worker threads to find the class. */
  module: string;
  /**
   * The constructor's leading positional parameters, in order; the other options follow as one options object (none
   * when every option is positional).
   */
  positional?: readonly string[];
  /** The constructor's options, each read from the transform's field of the same name; in the recipe's order. */
  options: Record<string, OptionSchema>;
  /** The printed options in torchvision's order, where it differs from the declaration's. */
  printOrder?: readonly string[];
  /** Between printed options (torchvision prints a few as `bits=4,p=0.5`). */
  separator?: string;
  /** Its name and shorthands in the recipe language, for the classes a recipe can name. */
  recipe?: RecipeSchema;
  /** What a worker needs besides the fields (or instead of them, for the keys it gives): fitted statistics, the sources the transform was made from. */
  workerOptions?(transform: any): Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const schemas = new Map<TransformClass, TransformSchema>();

/** A transform's field of that name (the schema's options are read from the fields of the same names). */
const field = (transform: object, key: string): unknown => Reflect.get(transform, key);
const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const shownByKind: Partial<Record<ParameterKind, (value: any) => string>> = { // eslint-disable-line @typescript-eslint/no-explicit-any
  number: pyFloat, integer: String, string: String, boolean: pyBool,
};

/** Declares a transform class's schema (once, next to the class), which gives it workerSpec() and toString(). */
export function defineTransform(Class: TransformClass, schema: TransformSchema): void {
  for (const [key, option] of Object.entries(schema.options)) {
    if (option.show === undefined && !(option.kind && shownByKind[option.kind])) {
      throw new TypeError(`defineTransform: ${Class.name}.${key} needs show (how it prints) or show: false`);
    }
  }
  const { recipe } = schema;
  const named = [...(schema.positional ?? []), ...(schema.printOrder ?? []), ...(recipe?.shorthand ?? []), ...Object.values(recipe?.aliases ?? {}), ...Object.keys(recipe?.defaults ?? {})];
  for (const key of named) {
    if (!Object.hasOwn(schema.options, key)) throw new TypeError(`defineTransform: ${Class.name} has no option '${key}'`);
  }
  schemas.set(Class, schema);
}

/** The schema of a class (undefined when none was declared). */
export function schemaOf(Class: Function): TransformSchema | undefined { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  return schemas.get(Class as TransformClass);
}

function schemaOfInstance(transform: object): TransformSchema {
  const schema = schemaOf(transform.constructor);
  if (!schema) throw new TypeError(`${transform.constructor.name} has no schema: declare one with transforms.defineTransform(${transform.constructor.name}, {module: import.meta.url, options: {…}})`);
  return schema;
}

/** True when a worker thread can rebuild this object through the registry. */
export function isRebuildableTransform(value: unknown): value is AnyTransform {
  return value !== null && typeof value === 'object' && schemaOf(value.constructor) !== undefined;
}

/** The constructor's arguments for these option values: the positional parameters, then the others as one options object. */
export function constructorArgs(schema: TransformSchema, values: Record<string, unknown>): unknown[] {
  const positional = schema.positional ?? [];
  const rest = Object.fromEntries(Object.entries(values).filter(([key]) => !positional.includes(key)));
  const args = positional.map((key) => values[key]);
  return Object.keys(rest).length > 0 ? [...args, rest] : args;
}

/** How a worker thread makes the same transform again: its module, class and constructor arguments, from its fields. */
export function transformSpec(transform: AnyTransform): WorkerSpec {
  const schema = schemaOfInstance(transform);
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(schema.options)) values[key] = field(transform, key);
  Object.assign(values, schema.workerOptions?.(transform));
  return { module: schema.module, name: transform.constructor.name, args: constructorArgs(schema, values) };
}

/** torchvision's printed form from the schema: `Name(key=value, …)` with the keys in snake_case. */
export function printTransform(transform: AnyTransform): string {
  const schema = schemaOfInstance(transform);
  const keys = schema.printOrder ?? Object.keys(schema.options);
  const parts = keys.flatMap((key) => {
    const { kind, show } = schema.options[key];
    if (show === false) return [];
    const text = (show ?? shownByKind[kind!]!)(field(transform, key), transform);
    return text === undefined ? [] : [`${snakeCase(key)}=${text}`];
  });
  return `${transform.constructor.name}(${parts.join(schema.separator ?? ', ')})`;
}

/**
 * Rebuilds a transform in a worker thread from its spec (arguments already revived): imports the defining module and
 * constructs the registered class of that name.
 */
export async function rebuildTransform(spec: WorkerSpec): Promise<AnyTransform> {
  const exports = (await import(spec.module)) as Record<string, unknown>;
  const Class = [...schemas.keys()].find((c) => c === exports[spec.name]);
  if (!Class) throw new TypeError(`${spec.module} exports no transform class ${spec.name} declared with defineTransform`);
  return new Class(...spec.args);
}

/** Printers of torchvision's values. */
export const show = {
  /** `(0.02, 0.33)` */
  floatTuple: (values: readonly number[]): string => `(${values.map(pyFloat).join(', ')})`,
  /** `[-15.0, 15.0]` */
  floatList: (values: readonly number[]): string => `[${values.map(pyFloat).join(', ')}]`,
  /** `(8, 8)`: integers as written. */
  tuple: (values: readonly number[]): string => `(${values.join(', ')})`,
  /** `[0, 16, 32]`: integers as written. */
  list: (values: readonly number[]): string => `[${values.join(', ')}]`,
  /** A number or one per channel, as written: `0` or `[0.5, 0.5, 0.5]`. */
  fill: (fill: number | readonly number[]): string => (typeof fill === 'number' ? String(fill) : `[${fill.join(', ')}]`),
  /** `224` or `(224, 224)`. */
  size: (size: number | readonly number[]): string => (typeof size === 'number' ? String(size) : `(${size.join(', ')})`),
};
