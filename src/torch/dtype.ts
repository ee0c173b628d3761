// Data types, their element sizes and the typed arrays that hold them in JS.

export const dtypes = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'] as const;
export type DType = (typeof dtypes)[number];

export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array;

type ArrayType = { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray; BYTES_PER_ELEMENT: number };

/** The typed array that holds each dtype's raw elements (float16 and bfloat16 as their 16-bit patterns). */
export const arrayTypes: Record<DType, ArrayType> = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, bfloat16: Uint16Array, int64: BigInt64Array,
  int32: Int32Array, int16: Int16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
};

export function isFloatingPoint(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

export function checkDType(dtype: unknown, where: string): DType {
  if (!(dtypes as readonly unknown[]).includes(dtype)) {
    throw new TypeError(`${where}: unknown dtype ${JSON.stringify(dtype)}; use one of ${dtypes.join(', ')}`);
  }
  return dtype as DType;
}

/** The dtype a typed array's elements have when it becomes a tensor. */
export function dtypeOfArray(array: TypedArray): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof BigInt64Array) return 'int64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Int16Array) return 'int16';
  if (array instanceof Int8Array) return 'int8';
  if (array instanceof Uint8Array) return 'uint8';
  throw new TypeError(`a ${(array as object).constructor.name} has no tensor dtype of its own; pass {dtype} (float16 or bfloat16 for a Uint16Array)`);
}
