import type { ReduceOp } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';

/** Reduces the middle axis of a contiguous `[outer, size, inner]` array. */
export function reduce(op: ReduceOp, out: TypedArray, x: TypedArray, outer: number, size: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    const outBase = o * inner;
    for (let j = 0; j < inner; j++) {
      let p = base + j;
      switch (op) {
        case 'sum': {
          let acc = 0;
          for (let i = 0; i < size; i++, p += inner) acc += x[p]!;
          out[outBase + j] = acc;
          break;
        }
        case 'prod': {
          let acc = 1;
          for (let i = 0; i < size; i++, p += inner) acc *= x[p]!;
          out[outBase + j] = acc;
          break;
        }
        case 'max':
        case 'argmax': {
          // NOTE: NaN wins, and the first index of the extreme value is kept (PyTorch's rule).
          let best = x[p]!;
          let bestI = 0;
          for (let i = 1; i < size; i++) {
            p += inner;
            const v = x[p]!;
            if (Number.isNaN(best)) break;
            if (v > best || Number.isNaN(v)) {
              best = v;
              bestI = i;
            }
          }
          out[outBase + j] = op === 'max' ? best : bestI;
          break;
        }
        case 'min':
        case 'argmin': {
          let best = x[p]!;
          let bestI = 0;
          for (let i = 1; i < size; i++) {
            p += inner;
            const v = x[p]!;
            if (Number.isNaN(best)) break;
            if (v < best || Number.isNaN(v)) {
              best = v;
              bestI = i;
            }
          }
          out[outBase + j] = op === 'min' ? best : bestI;
          break;
        }
      }
    }
  }
}
