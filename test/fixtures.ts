/**
 * Decoding of the fixtures written by scripts/make_fixtures.py (see
 * scripts/fixtures/common.py for the format).
 */
import * as kd from '../src/index.js';

export interface EncodedTensor {
  shape: number[];
  dtype: kd.DType;
  data: (number | boolean | 'nan' | 'inf' | '-inf')[];
}

function decodeNumber(v: number | boolean | string): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v as number;
}

/** The tensor a fixture describes (a fresh contiguous tensor). */
export function decode(e: EncodedTensor, options: { requiresGrad?: boolean } = {}): kd.Tensor {
  const values = e.data.map(decodeNumber);
  const array =
    e.dtype === 'float64' ? Float64Array.from(values)
    : e.dtype === 'int32' ? Int32Array.from(values)
    : e.dtype === 'bool' ? Uint8Array.from(values)
    : Float32Array.from(values);
  return kd.tensor(array, { shape: e.shape, dtype: e.dtype, requiresGrad: options.requiresGrad });
}

/** The flat values of a fixture tensor, for expectClose. */
export function values(e: EncodedTensor): number[] {
  return e.data.map(decodeNumber);
}
