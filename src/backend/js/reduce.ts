import type { ReduceOp } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';

/**
 * Reduces the middle axis of a contiguous `[outer, size, inner]` array into
 * `out[outer, inner]`. With `inner > 1` the loops run over whole rows of
 * `inner` contiguous elements (unit stride), accumulating into a float64
 * scratch row, so that reducing dim 0 of a matrix walks memory in order.
 */
export function reduce(op: ReduceOp, out: TypedArray, x: TypedArray, outer: number, size: number, inner: number): void {
  if (op === 'argmax' || op === 'argmin') {
    argReduce(op === 'argmax', out, x, outer, size, inner);
    return;
  }
  if (inner === 1) {
    reduceRows(op, out, x, outer, size);
    return;
  }
  // NOTE: sums and products accumulate in float64 whatever the dtype, then round once.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let j = 0; j < inner; j++) acc[j] = x[base + j]!;
    for (let i = 1; i < size; i++) {
      const row = base + i * inner;
      switch (op) {
        case 'sum':
          for (let j = 0; j < inner; j++) acc[j]! += x[row + j]!;
          break;
        case 'prod':
          for (let j = 0; j < inner; j++) acc[j]! *= x[row + j]!;
          break;
        case 'max':
          for (let j = 0; j < inner; j++) {
            const v = x[row + j]!;
            // NOTE: NaN wins (v !== v), as in PyTorch; once acc is NaN no comparison replaces it.
            if (v > acc[j]! || v !== v) acc[j] = v;
          }
          break;
        case 'min':
          for (let j = 0; j < inner; j++) {
            const v = x[row + j]!;
            if (v < acc[j]! || v !== v) acc[j] = v;
          }
          break;
      }
    }
    const ob = o * inner;
    for (let j = 0; j < inner; j++) out[ob + j] = acc[j]!;
  }
}

/** `inner === 1`: each output reduces one contiguous run of `size` elements. */
function reduceRows(op: Exclude<ReduceOp, 'argmax' | 'argmin'>, out: TypedArray, x: TypedArray, outer: number, size: number): void {
  for (let o = 0; o < outer; o++) {
    const base = o * size;
    const end = base + size;
    let acc = x[base]!;
    switch (op) {
      case 'sum':
        for (let p = base + 1; p < end; p++) acc += x[p]!;
        break;
      case 'prod':
        for (let p = base + 1; p < end; p++) acc *= x[p]!;
        break;
      case 'max':
        for (let p = base + 1; p < end; p++) {
          const v = x[p]!;
          if (v > acc || v !== v) acc = v;
        }
        break;
      case 'min':
        for (let p = base + 1; p < end; p++) {
          const v = x[p]!;
          if (v < acc || v !== v) acc = v;
        }
        break;
    }
    out[o] = acc;
  }
}

/** Index of the first largest (smallest) element; a NaN counts as the extreme, and its first index wins (PyTorch's rule). */
function argReduce(isMax: boolean, out: TypedArray, x: TypedArray, outer: number, size: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let j = 0; j < inner; j++) {
      let p = base + j;
      let best = x[p]!;
      let bestI = 0;
      for (let i = 1; i < size && best === best; i++) {
        p += inner;
        const v = x[p]!;
        if (isMax ? v > best || v !== v : v < best || v !== v) {
          best = v;
          bestI = i;
        }
      }
      out[o * inner + j] = bestI;
    }
  }
}
