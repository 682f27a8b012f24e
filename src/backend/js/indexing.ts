import type { IndexView, StridedView } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { coalesce, forEachRow } from './strided.js';

/**
 * Index kernels: gather / scatterAdd over strided views along one dimension,
 * and indexSelect / indexAdd over contiguous `[outer, size, inner]` arrays.
 * Index values were checked by the op layer (every one in `[0, size)`).
 */

/** Strides of `v` with the indexed dimension zeroed: the index supplies that coordinate. */
function withoutDim(strides: readonly number[], dim: number): number[] {
  const s = [...strides];
  s[dim] = 0;
  return s;
}

/** `out[i] = x[i with i[dim] = index[i]]` for every index `i` of `shape`; `out` contiguous. */
export function gather(out: TypedArray, x: StridedView, index: IndexView, shape: readonly number[], dim: number): void {
  const xDimStride = x.strides[dim]!;
  const c = coalesce(shape, [withoutDim(x.strides, dim), index.strides]);
  const last = c.shape.length - 1;
  const xs = c.strides[0]![last] ?? 1;
  const is = c.strides[1]![last] ?? 1;
  const xd = x.data;
  const id = index.data;
  let o = 0;
  forEachRow(c.shape, c.strides[0]!, x.offset, c.strides[1]!, index.offset, null, 0, (xo, io, _2, len) => {
    for (let i = 0; i < len; i++, xo += xs, io += is) out[o + i] = xd[xo + id[io]! * xDimStride]!;
    o += len;
  });
}

/** `out[i with i[dim] = index[i]] += src[i]` for every index `i` of `shape` (repeated indices accumulate). */
export function scatterAdd(out: StridedView, index: IndexView, src: StridedView, shape: readonly number[], dim: number): void {
  const outDimStride = out.strides[dim]!;
  const c = coalesce(shape, [withoutDim(out.strides, dim), index.strides, src.strides]);
  const last = c.shape.length - 1;
  const os = c.strides[0]![last] ?? 1;
  const is = c.strides[1]![last] ?? 1;
  const ss = c.strides[2]![last] ?? 1;
  const od = out.data;
  const id = index.data;
  const sd = src.data;
  forEachRow(c.shape, c.strides[0]!, out.offset, c.strides[1]!, index.offset, c.strides[2]!, src.offset, (oo, io, so, len) => {
    for (let i = 0; i < len; i++, oo += os, io += is, so += ss) od[oo + id[io]! * outDimStride]! += sd[so]!;
  });
}

/** `out[o, j, i] = x[o, index[j], i]`: x contiguous `[outer, size, inner]`, out contiguous `[outer, index.length, inner]`. */
export function indexSelect(out: TypedArray, x: TypedArray, index: Int32Array, outer: number, size: number, inner: number): void {
  const n = index.length;
  for (let o = 0; o < outer; o++) {
    const xBase = o * size * inner;
    const outBase = o * n * inner;
    for (let j = 0; j < n; j++) {
      const src = xBase + index[j]! * inner;
      const dst = outBase + j * inner;
      if (inner === 1) out[dst] = x[src]!;
      else for (let i = 0; i < inner; i++) out[dst + i] = x[src + i]!;
    }
  }
}

/** `out[o, index[j], i] += src[o, j, i]`: out contiguous `[outer, size, inner]`, src contiguous `[outer, index.length, inner]`. */
export function indexAdd(out: TypedArray, src: TypedArray, index: Int32Array, outer: number, size: number, inner: number): void {
  const n = index.length;
  for (let o = 0; o < outer; o++) {
    const outBase = o * size * inner;
    const srcBase = o * n * inner;
    for (let j = 0; j < n; j++) {
      const dst = outBase + index[j]! * inner;
      const s = srcBase + j * inner;
      for (let i = 0; i < inner; i++) out[dst + i]! += src[s + i]!;
    }
  }
}
