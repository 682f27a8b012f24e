import type { DType, DTypeArrays } from '../tensor/dtype.js';

const ARRAY_OF = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;

/** A zeroed typed array of `size` elements for `dtype`. */
export function zeroedArray<D extends DType>(dtype: D, size: number): DTypeArrays[D] {
  return new ARRAY_OF[dtype](size) as DTypeArrays[D];
}

/** The first `size` elements of `dtype` in `buffer`, as a typed array (no copy). */
export function arrayOver<D extends DType>(dtype: D, buffer: ArrayBuffer, size: number): DTypeArrays[D] {
  return new ARRAY_OF[dtype](buffer, 0, size) as DTypeArrays[D];
}

/** Bytes per element of `dtype`. */
export function bytesPerElement(dtype: DType): number {
  return ARRAY_OF[dtype].BYTES_PER_ELEMENT;
}
