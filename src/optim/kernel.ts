/**
 * The bridge between the optimizers' pure functions and the backend's fused
 * kernels: parameters, grads and state become flat typed arrays (aliasing the
 * tensors' memory when they are contiguous), parameters of different dtypes
 * go to separate kernel calls, and non-contiguous parameters are written back
 * after the kernel ran.
 */
import { backend } from '../backend/index.js';
import { InternalError } from '../errors.js';
import { view } from '../ops/core.js';
import { alloc } from '../tensor/creation.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/** A fresh contiguous copy of `t` (cast to `dtype`), outside autograd. */
export function copyTensor(t: Tensor, dtype: DType = t.dtype): Tensor {
  const out = alloc(t.shape, dtype);
  backend().copy(view(out), view(t), t.shape);
  return out;
}

/** A zero state tensor shaped like `p`. */
export function stateZeros(p: Tensor): Tensor {
  return alloc(p.shape, p.dtype);
}

/** A state tensor shaped like `p`, filled with `value`. */
export function stateFull(p: Tensor, value: number): Tensor {
  const t = alloc(p.shape, p.dtype);
  t.storage.data.fill(value);
  return t;
}

/** The elements of a contiguous tensor as a typed array over its own memory. */
export function flat(t: Tensor): TypedArray {
  if (!t.isContiguous()) throw new InternalError('flat() of a non-contiguous tensor');
  return t.storage.data.subarray(t.offset, t.offset + t.numel);
}

/** Flat arrays of the params (and their grads) for a kernel, and the write-back of non-contiguous params. */
export interface ParamArrays {
  params: TypedArray[];
  grads: TypedArray[];
  /** Copies non-contiguous params back and bumps every param's version counter. */
  finish(): void;
}

/** Flat arrays of `params` and their grads (each param must have a grad). */
export function paramArrays(params: readonly Tensor[]): ParamArrays {
  const copies: [Tensor, Tensor][] = [];
  const arrays = params.map((p) => {
    if (p.isContiguous()) return flat(p);
    const c = copyTensor(p);
    copies.push([p, c]);
    return c.storage.data;
  });
  const grads = params.map((p) => {
    const g = p.grad;
    if (g === null) throw new InternalError('paramArrays: a parameter without grad reached the kernel');
    return g.isContiguous() ? flat(g) : copyTensor(g).storage.data;
  });
  return {
    params: arrays,
    grads,
    finish() {
      for (const [p, c] of copies) backend().copy(view(p), view(c), p.shape);
      // NOTE: the update is in place, so autograd must see a new version (a graph that saved a param refuses to run).
      for (const s of new Set(params.map((p) => p.storage))) s.version++;
    },
  };
}

/**
 * Calls `run(indices)` once per dtype among `params` (almost always once, with
 * every index): a kernel call sees arrays of a single dtype.
 */
export function byDtype(params: readonly Tensor[], run: (indices: number[] | null) => void): void {
  const first = params[0]?.dtype;
  if (params.every((p) => p.dtype === first)) {
    run(null);
    return;
  }
  const groups = new Map<DType, number[]>();
  params.forEach((p, i) => {
    const list = groups.get(p.dtype) ?? [];
    list.push(i);
    groups.set(p.dtype, list);
  });
  for (const idx of groups.values()) run(idx);
}

/** `arr` restricted to `indices` (or `arr` itself when `indices` is null). */
export function pick<T>(arr: readonly T[], indices: number[] | null): T[] {
  return indices === null ? (arr as T[]) : indices.map((i) => arr[i]!);
}

/** A Float64Array of `values` restricted to `indices`. */
export function pickF64(values: readonly number[] | Float64Array, indices: number[] | null): Float64Array {
  return indices === null ? Float64Array.from(values) : Float64Array.from(indices, (i) => values[i]!);
}

/** Writes `out` (computed for `indices`) back into `values`. */
export function unpickF64(values: number[], out: Float64Array, indices: number[] | null): void {
  if (indices === null) out.forEach((v, i) => (values[i] = v));
  else indices.forEach((i, k) => (values[i] = out[k]!));
}

/**
 * Runs a fused kernel over a group: `buffers` are state tensors (each list
 * parallel to `params`, or empty when unused), `scalars` per-parameter
 * numbers (in/out: what the kernel writes is copied back into the lists).
 */
export function launch(
  params: readonly Tensor[],
  buffers: readonly (readonly Tensor[])[],
  scalars: number[][],
  call: (params: TypedArray[], grads: TypedArray[], buffers: TypedArray[][], scalars: Float64Array[]) => void,
): void {
  const arrays = paramArrays(params);
  const bufArrays = buffers.map((list) => list.map(flat));
  byDtype(params, (idx) => {
    const sc = scalars.map((list) => pickF64(list, idx));
    call(pick(arrays.params, idx), pick(arrays.grads, idx), bufArrays.map((l) => (l.length === 0 ? [] : pick(l, idx))), sc);
    sc.forEach((out, k) => unpickF64(scalars[k]!, out, idx));
  });
  arrays.finish();
}
