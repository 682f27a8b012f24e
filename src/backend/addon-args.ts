/**
 * How kindling's compiled kernels take their arguments, shared by the native
 * addon (native.ts) and the WebAssembly module (wasm/): the operation codes
 * (the order of the enums in native/src/kernels.h), which dtype combinations
 * they implement, and the packing of shapes, strides and offsets into one
 * Float64Array per call. Browser-safe.
 */
import type { BinaryOp, MatrixView, ReduceOp, StridedView, UnaryOp } from './backend.js';
import type { TypedArray } from '../tensor/dtype.js';

// Operation codes: the order of the enums in native/src/kernels.h.
export const UNARY_CODES: Record<UnaryOp, number> = {
  neg: 0, exp: 1, log: 2, log1p: 3, expm1: 4, sqrt: 5, rsqrt: 6, abs: 7, sign: 8, reciprocal: 9, square: 10,
  sin: 11, cos: 12, floor: 13, ceil: 14, round: 15, relu: 16, sigmoid: 17, tanh: 18, gelu: 19, geluTanh: 20,
  silu: 21, logicalNot: 22, isnan: 23, isfinite: 24, clamp: 25, softplus: 26, leakyRelu: 27,
};
export const BINARY_CODES: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12,
  logicalAnd: 13, logicalOr: 14, logicalXor: 15,
};
export const REDUCE_CODES: Record<ReduceOp, number> = { sum: 0, prod: 1, max: 2, min: 3, argmax: 4, argmin: 5 };
export const BOOL_UNARY = new Set<UnaryOp>(['logicalNot', 'isnan', 'isfinite']);
export const BOOL_BINARY = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor']);

/** A unary op's two scalar parameters as the kernels take them, PyTorch's defaults filled in. */
export function unaryParams(op: UnaryOp, params: readonly number[] | undefined): [number, number] {
  if (op === 'clamp') return [params?.[0] ?? NaN, params?.[1] ?? NaN];
  if (op === 'softplus') return [params?.[0] ?? 1, params?.[1] ?? 20];
  if (op === 'leakyRelu') return [params?.[0] ?? 0.01, 0];
  return [0, 0];
}

/** The addon iterates at most this many dimensions; deeper views go to the js backend. */
export const MAX_DIMS = 16;

export function isFloat(a: TypedArray): a is Float32Array | Float64Array {
  return a instanceof Float32Array || a instanceof Float64Array;
}

export function sameKind(a: TypedArray, b: TypedArray): boolean {
  return a.constructor === b.constructor;
}

/** True when every array that is given is of `x`'s kind (null: an optional argument left out). */
export function allOfKind(x: TypedArray, ...arrays: (TypedArray | null)[]): boolean {
  for (const a of arrays) if (a !== null && !sameKind(a, x)) return false;
  return true;
}

/**
 * Packs `[ndim, shape…, then per view: offset, strides…]` into a reused
 * Float64Array: one buffer crossing per call instead of one per number.
 */
export class MetaPacker {
  private buf = new Float64Array(1 + MAX_DIMS + 4 * (1 + MAX_DIMS));

  views(shape: readonly number[], views: readonly StridedView[]): Float64Array {
    const nd = shape.length;
    const m = this.buf;
    m[0] = nd;
    let p = 1;
    for (let d = 0; d < nd; d++) m[p++] = shape[d]!;
    for (const v of views) {
      m[p++] = v.offset;
      for (let d = 0; d < nd; d++) m[p++] = v.strides[d]!;
    }
    return m;
  }

  /** `sum`: the products summed into one `[m, n]` result (the addon's flag 2). */
  matmul(
    a: MatrixView, b: MatrixView, batch: number, m: number, n: number, k: number, accumulate: boolean, bias: MatrixView | null,
    sum = false,
  ): Float64Array {
    const x = this.buf;
    x[0] = batch;
    x[1] = m;
    x[2] = n;
    x[3] = k;
    x[4] = (accumulate ? 1 : 0) | (sum ? 2 : 0);
    x[5] = a.offset;
    x[6] = a.batchStride;
    x[7] = a.rowStride;
    x[8] = a.colStride;
    x[9] = b.offset;
    x[10] = b.batchStride;
    x[11] = b.rowStride;
    x[12] = b.colStride;
    if (bias !== null) {
      x[13] = bias.offset;
      x[14] = bias.batchStride;
      x[15] = bias.rowStride;
      x[16] = bias.colStride;
    }
    return x;
  }
}
