// Deterministic tensor lifetime: tidy scopes free what they made, unless it is returned or kept.
import { native } from './native.js';

/** Anything that owns native memory and can be freed now. */
export interface Disposable {
  dispose(): void;
}

const scopes: Set<Disposable>[] = [];

/** Called by every new tensor: the innermost open scope will free it. */
export function track(item: Disposable): void {
  scopes[scopes.length - 1]?.add(item);
}

/**
 * Runs fn and frees every tensor created inside it except those it returns (in an array or object too)
 * and those passed to keep(). Returned tensors belong to the enclosing scope. fn must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError('tidy(fn): fn must be a function');
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    scope.forEach((item) => item.dispose());
    throw error;
  }
  scopes.pop();
  if (result !== null && typeof (result as { then?: unknown })?.then === 'function') {
    scope.forEach((item) => item.dispose());
    throw new TypeError('tidy(fn): fn returned a Promise; tidy() scopes are synchronous. Use tidy() inside each synchronous step and await outside it');
  }
  const returned = new Set<Disposable>();
  collect(result, returned);
  const parent = scopes[scopes.length - 1];
  for (const item of scope) {
    if (!returned.has(item)) item.dispose();
    else parent?.add(item);
  }
  return result;
}

/** Takes a tensor out of every open scope, so it lives until dispose() or garbage collection. */
export function keep<T extends Disposable>(item: T): T {
  for (const scope of scopes) scope.delete(item);
  return item;
}

/** Frees tensors now: one, an array, or the tensors inside an object. */
export function dispose(items: unknown): void {
  const found = new Set<Disposable>();
  collect(items, found);
  found.forEach((item) => item.dispose());
}

function collect(value: unknown, into: Set<Disposable>): void {
  if (value === null || typeof value !== 'object') return;
  if (typeof (value as Disposable).dispose === 'function') {
    into.add(value as Disposable);
  } else if (Array.isArray(value)) {
    value.forEach((v) => collect(v, into));
  } else if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map) {
    for (const v of value instanceof Map ? value.values() : Object.values(value)) collect(v, into);
  }
}

/** Live tensors and the bytes of their storages (each storage counted once), on this thread. */
export function memory(): { numTensors: number; numBytes: number } {
  const [numTensors, numBytes] = native.memory() as [number, number];
  return { numTensors, numBytes };
}
