/**
 * Reductions over dimensions (sum, mean, prod, max/min, arg ops, var/std,
 * norm, logsumexp) and softmax/logSoftmax.
 */
import { backend, type ReduceOp } from '../backend/index.js';
import { record } from '../autograd/node.js';
import { DTypeError, IndexError } from '../errors.js';
import { alloc } from '../tensor/creation.js';
import { isFloating, type DType } from '../tensor/dtype.js';
import type { Dims, ReduceOptions } from '../tensor/methods.js';
import { normalizeDim, type Tensor } from '../tensor/tensor.js';
import { castRaw } from './core.js';
import { contiguous, permute } from './shape.js';

/** Normalised, sorted, de-duplicated reduction dims; all dims when `dim` is null/undefined. */
export function reductionDims(t: Tensor, dim: Dims | null | undefined, op: string): number[] {
  if (dim === null || dim === undefined) return t.shape.map((_, i) => i);
  const list = typeof dim === 'number' ? [dim] : [...dim];
  if (list.length === 0) return t.shape.map((_, i) => i);
  const dims = list.map((d) => normalizeDim(d, t.ndim, op));
  if (new Set(dims).size !== dims.length) throw new IndexError(`dim ${dims.join(', ')} appears multiple times in the list of dims`, { op });
  return dims.sort((a, b) => a - b);
}

/** The result shape of reducing `dims` of `shape`. */
export function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((s, i) => {
    if (!dims.includes(i)) out.push(s);
    else if (keepdim) out.push(1);
  });
  return out;
}

/**
 * Runs a reduction kernel over `dims` (no autograd): the reduced dims are
 * moved to the middle of an `[outer, size, inner]` layout. One dim is reduced
 * in place; several are permuted to the end first.
 */
export function reduceRaw(op: ReduceOp, t: Tensor, dims: readonly number[], keepdim: boolean, outDtype: DType): Tensor {
  const outShape = reducedShape(t.shape, dims, keepdim);
  const out = alloc(outShape, outDtype);
  if (t.ndim === 0) {
    backend().reduce(op, out.storage.data, contiguous(t).storage.data.subarray(t.offset, t.offset + 1), 1, 1, 1);
    return out;
  }
  let src = t;
  let outer: number;
  let size: number;
  let inner: number;
  const contiguousRun = dims.every((d, i) => i === 0 || d === dims[i - 1]! + 1);
  if (contiguousRun) {
    const first = dims[0]!;
    const last = dims[dims.length - 1]!;
    outer = t.shape.slice(0, first).reduce((a, b) => a * b, 1);
    size = t.shape.slice(first, last + 1).reduce((a, b) => a * b, 1);
    inner = t.shape.slice(last + 1).reduce((a, b) => a * b, 1);
  } else {
    const kept = t.shape.map((_, i) => i).filter((i) => !dims.includes(i));
    src = permute(t, [...kept, ...dims]);
    outer = kept.reduce((a, i) => a * t.shape[i]!, 1);
    size = dims.reduce((a, i) => a * t.shape[i]!, 1);
    inner = 1;
  }
  const c = contiguous(src);
  const data = c.storage.data.subarray(c.offset, c.offset + c.numel);
  if (size === 0) {
    if (op !== 'sum' && op !== 'prod') {
      throw new IndexError(`cannot reduce over a zero-size dimension (${op} has no identity)`, { op });
    }
    backend().fill(out.storage.data, op === 'sum' ? 0 : 1, 0, out.numel);
    return out;
  }
  backend().reduce(op, out.storage.data, data, outer, size, inner);
  return out;
}

/** Reshapes a reduced gradient so it broadcasts against the input again (re-inserting reduced dims as 1). */
export function unreduce(g: Tensor, inShape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  if (keepdim || dims.length === 0) return g;
  return g.reshape(reducedShape(inShape, dims, true));
}

function sumDtype(t: Tensor): DType {
  return isFloating(t.dtype) ? t.dtype : 'int32';
}

export function sum(t: Tensor, dim?: Dims | null, options: ReduceOptions = {}): Tensor {
  const dims = reductionDims(t, dim, 'sum');
  const keepdim = options.keepdim ?? false;
  const out = reduceRaw('sum', t, dims, keepdim, sumDtype(t));
  return record(out, 'SumBackward1', [t], (g) => [unreduce(g, t.shape, dims, keepdim).expand(t.shape).contiguous()]);
}

export function mean(t: Tensor, dim?: Dims | null, options: ReduceOptions = {}): Tensor {
  if (!isFloating(t.dtype)) {
    throw new DTypeError(`mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${t.dtype}`, {
      op: 'mean',
      hint: 'convert with .float() first',
    });
  }
  const dims = reductionDims(t, dim, 'mean');
  const count = dims.reduce((a, d) => a * t.shape[d]!, 1);
  return sum(t, dims, options).div(count);
}

function extremum(op: 'max' | 'min', t: Tensor, dim: number | undefined, options: ReduceOptions): Tensor | { values: Tensor; indices: Tensor } {
  if (t.dtype === 'bool') t = castRaw(t, 'int32');
  if (dim === undefined) {
    if (t.numel === 0) throw new IndexError(`${op}(): expected a non-empty tensor; use ${op}(dim) with a dimension that is not empty`, { op });
    const values = reduceRaw(op, t, reductionDims(t, null, op), false, t.dtype);
    // NOTE: the gradient of a full max/min is split evenly between ties (PyTorch's evenly_distribute_backward).
    return record(values, `${op === 'max' ? 'Max' : 'Min'}Backward1`, [t], (g) => {
      const mask = t.eq(values);
      return [mask.where(g.div(mask.sum()), 0)];
    }, [t]);
  }
  const d = normalizeDim(dim, t.ndim, op);
  const keepdim = options.keepdim ?? false;
  if (t.ndim > 0 && t.shape[d] === 0) throw new IndexError(`${op}(): cannot compute over a zero-size dimension ${d}`, { op });
  const values = reduceRaw(op, t, [d], keepdim, t.dtype);
  const indices = reduceRaw(op === 'max' ? 'argmax' : 'argmin', t, [d], keepdim, 'int32');
  record(values, `${op === 'max' ? 'Max' : 'Min'}Backward0`, [t], (g) => {
    const idx = unreduce(indices, t.shape, [d], keepdim);
    const gg = unreduce(g, t.shape, [d], keepdim);
    return [alloc(t.shape, g.dtype).scatterAdd(d, idx, gg)];
  });
  return { values, indices };
}

export function max(t: Tensor, dim?: number, options: ReduceOptions = {}): Tensor | { values: Tensor; indices: Tensor } {
  return extremum('max', t, dim, options);
}

export function min(t: Tensor, dim?: number, options: ReduceOptions = {}): Tensor | { values: Tensor; indices: Tensor } {
  return extremum('min', t, dim, options);
}

function aminmax(op: 'max' | 'min', t: Tensor, dim: Dims | null | undefined, options: ReduceOptions): Tensor {
  const dims = reductionDims(t, dim, op === 'max' ? 'amax' : 'amin');
  const keepdim = options.keepdim ?? false;
  const out = reduceRaw(op, t, dims, keepdim, t.dtype);
  // NOTE: amax/amin split the gradient evenly between tied elements.
  return record(out, op === 'max' ? 'AmaxBackward0' : 'AminBackward0', [t], (g) => {
    const o = unreduce(out, t.shape, dims, keepdim);
    const mask = t.eq(o);
    const count = mask.sum(dims, { keepdim: true });
    return [mask.where(unreduce(g, t.shape, dims, keepdim).div(count), 0)];
  }, [t]);
}

export const amax = (t: Tensor, dim?: Dims | null, o: ReduceOptions = {}): Tensor => aminmax('max', t, dim, o);
export const amin = (t: Tensor, dim?: Dims | null, o: ReduceOptions = {}): Tensor => aminmax('min', t, dim, o);

function argExtremum(op: 'argmax' | 'argmin', t: Tensor, dim: number | null | undefined, options: ReduceOptions): Tensor {
  if (dim === null || dim === undefined) {
    return reduceRaw(op, t.reshape([-1]), [0], false, 'int32');
  }
  const d = normalizeDim(dim, t.ndim, op);
  return reduceRaw(op, t, [d], options.keepdim ?? false, 'int32');
}

export const argmax = (t: Tensor, dim?: number | null, o: ReduceOptions = {}): Tensor => argExtremum('argmax', t, dim, o);
export const argmin = (t: Tensor, dim?: number | null, o: ReduceOptions = {}): Tensor => argExtremum('argmin', t, dim, o);
