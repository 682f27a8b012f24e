/**
 * Walks an N-d iteration `shape` row by row (the last dimension is the row)
 * for up to three strided operands, calling `row(o0, o1, o2, len)` with each
 * operand's offset at the start of the row. Row callbacks hold the tight
 * loops, so there is one call per row, never one per element.
 */
export function forEachRow(
  shape: readonly number[],
  strides0: readonly number[], offset0: number,
  strides1: readonly number[] | null, offset1: number,
  strides2: readonly number[] | null, offset2: number,
  row: (o0: number, o1: number, o2: number, len: number) => void,
): void {
  const nd = shape.length;
  if (nd === 0) {
    row(offset0, offset1, offset2, 1);
    return;
  }
  for (const d of shape) if (d === 0) return;
  const len = shape[nd - 1]!;
  const outerDims = nd - 1;
  const idx = new Array<number>(outerDims).fill(0);
  let o0 = offset0;
  let o1 = offset1;
  let o2 = offset2;
  for (;;) {
    row(o0, o1, o2, len);
    // Advance the outer index like an odometer.
    let d = outerDims - 1;
    for (; d >= 0; d--) {
      idx[d]!++;
      o0 += strides0[d]!;
      if (strides1) o1 += strides1[d]!;
      if (strides2) o2 += strides2[d]!;
      if (idx[d]! < shape[d]!) break;
      o0 -= strides0[d]! * shape[d]!;
      if (strides1) o1 -= strides1[d]! * shape[d]!;
      if (strides2) o2 -= strides2[d]! * shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/**
 * Merges adjacent dimensions that every operand walks contiguously, so that a
 * contiguous operation becomes a single long row. Returns the reduced shape
 * and per-operand strides.
 */
export function coalesce(shape: readonly number[], stridesList: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && stridesList.every((s, k) => outStrides[k]![last] === s[d]! * n)) {
      outShape[last]! *= n;
      stridesList.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(n);
      stridesList.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  if (shape.some((d) => d === 0)) return { shape: [0], strides: stridesList.map(() => [1]) };
  return { shape: outShape, strides: outStrides };
}
