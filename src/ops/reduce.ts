/**
 * Reductions over dimensions: sum, mean, prod, max/min (with indices),
 * amax/amin, argmax/argmin, var/std, norm, all/any. (logsumexp, softmax and
 * logSoftmax live in softmax.ts.) Each reduction runs one backend kernel over
 * an `[outer, size, inner]` layout; its backward sits beside it.
 */
import { backend, type ReduceOp } from '../backend/index.js';
import { record } from '../autograd/node.js';
import { boolOption, checkKeys, DTypeError, IndexError, optionKeys, ValueError } from '../errors.js';
import { alloc, allocUninit, scalarTensor } from '../tensor/creation.js';
import { isFloating, type DType } from '../tensor/dtype.js';
import type { Dims, ReduceOptions, VarOptions } from '../tensor/methods.js';
import { normalizeDim, Tensor } from '../tensor/tensor.js';
import { castRaw, contiguousRaw, prodOf, runBinary, runUnary } from './core.js';

/** Normalised, sorted, de-duplicated reduction dims; all dims when `dim` is null/undefined or empty. */
export function reductionDims(t: Tensor, dim: Dims | null | undefined, op: string): number[] {
  if (dim === null || dim === undefined) return t.shape.map((_, i) => i);
  const list = typeof dim === 'number' ? [dim] : [...dim];
  if (list.length === 0) return t.shape.map((_, i) => i);
  const dims = list.map((d) => normalizeDim(d, t.ndim, op));
  for (let i = 0; i < dims.length; i++) {
    if (dims.indexOf(dims[i]!) !== i) throw new IndexError(`dim ${dims[i]} appears multiple times in the list of dims`, { op });
  }
  // A 0-d tensor reduces over its one implicit dimension: nothing to move.
  if (t.ndim === 0) return [];
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
 * How a reduction over `dims` (sorted) runs as one kernel over `[outer, size, inner]`:
 * a run of adjacent dims is reduced where it is (`src` is `t`); scattered dims
 * are moved to the end by a raw permuted view of `t` (no autograd node: only
 * the kernel reads it). No dims: every element is its own output.
 */
export function reductionLayout(t: Tensor, dims: readonly number[]): { src: Tensor; outer: number; size: number; inner: number } {
  if (dims.length === 0) return { src: t, outer: t.numel, size: 1, inner: 1 };
  if (dims.every((d, i) => i === 0 || d === dims[i - 1]! + 1)) {
    const first = dims[0]!;
    const last = dims[dims.length - 1]!;
    return { src: t, outer: prodOf(t.shape, 0, first), size: prodOf(t.shape, first, last + 1), inner: prodOf(t.shape, last + 1) };
  }
  const kept = t.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const order = [...kept, ...dims];
  const src = new Tensor(t.storage, order.map((d) => t.shape[d]!), order.map((d) => t.strides[d]!), t.offset, t.dtype);
  return { src, outer: prodOf(src.shape, 0, kept.length), size: prodOf(src.shape, kept.length), inner: 1 };
}

/**
 * Runs a reduction kernel over `dims` (no autograd): the reduced dims are
 * moved to the middle of an `[outer, size, inner]` layout. A run of adjacent
 * dims is reduced where it is; scattered dims are permuted to the end first.
 */
export function reduceRaw(op: ReduceOp, t: Tensor, dims: readonly number[], keepdim: boolean, outDtype: DType): Tensor {
  if (op === 'argmax' || op === 'argmin') checkIndexable(countOf(t, dims), op);
  const out = allocUninit(reducedShape(t.shape, dims, keepdim), outDtype);
  const { src, outer, size, inner } = reductionLayout(t, dims);
  if (out.numel === 0) return out;
  if (size === 0) {
    if (op !== 'sum' && op !== 'prod') {
      throw new IndexError(`cannot reduce over a zero-size dimension (${op} has no identity)`, { op, hint: 'reduce over a dimension that is not empty' });
    }
    backend().fill(out.storage.data, op === 'sum' ? 0 : 1, 0, out.numel);
    return out;
  }
  const c = contiguousRaw(src);
  backend().reduce(op, out.storage.data, c.storage.data.subarray(c.offset, c.offset + c.numel), outer, size, inner);
  return out;
}

/** Reshapes a reduced gradient so it broadcasts against the input again (re-inserting reduced dims as 1). */
export function unreduce(g: Tensor, inShape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  if (keepdim || dims.length === 0) return g;
  return g.reshape(reducedShape(inShape, dims, true));
}

/** `g` (the gradient of a reduction) broadcast back to the input's shape, as a contiguous tensor. */
function spread(g: Tensor, inShape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  return unreduce(g, inShape, dims, keepdim).expand(inShape).contiguous();
}

/** Largest position an int32 index (kindling's index dtype) holds. */
const MAX_INDEX = 2 ** 31 - 1;

/** Refuses a reduction whose indices would not fit int32 (they would wrap around). */
function checkIndexable(count: number, op: string): void {
  if (count - 1 > MAX_INDEX) {
    throw new ValueError(`cannot index ${count} elements with int32 indices (at most 2^31)`, {
      op,
      hint: 'int32 is kindling\'s index dtype; reduce over a smaller dimension or split the tensor',
    });
  }
}

/** Number of elements each output of a reduction over `dims` combines. */
function countOf(t: Tensor, dims: readonly number[]): number {
  return dims.reduce((a, d) => a * t.shape[d]!, 1);
}

const REDUCE_KEYS = optionKeys<ReduceOptions>({ keepdim: true });
const VAR_KEYS = optionKeys<VarOptions>({ keepdim: true, correction: true });

/** The reduction's `keepdim` after checking `options` has only `keys` (a misspelt `keepDims` is refused, not ignored). */
export function keepdimOf(op: string, options: unknown, keys: readonly string[] = REDUCE_KEYS): boolean {
  const o = checkKeys(op, options, keys);
  return boolOption(op, 'keepdim', o['keepdim'], false);
}

function requireFloating(t: Tensor, op: string, message: string): void {
  if (!isFloating(t.dtype)) throw new DTypeError(`${message}, got ${t.dtype}`, { op, hint: 'convert it with .float() first' });
}

// NOTE: sums and products of bool/int32 give int32 (PyTorch gives int64, which kindling reads as int32).
function integralResult(t: Tensor): DType {
  return isFloating(t.dtype) ? t.dtype : 'int32';
}

// --- sum, mean, prod ---------------------------------------------------------------

/** Sum over `dim` (all elements by default). bool and int32 sum to int32. */
export function sum(t: Tensor, dim?: Dims | null, options: ReduceOptions = {}): Tensor {
  const dims = reductionDims(t, dim, 'sum');
  const keepdim = keepdimOf('sum', options);
  const out = reduceRaw('sum', t, dims, keepdim, integralResult(t));
  return record(out, dim === undefined || dim === null ? 'SumBackward0' : 'SumBackward1', [t], (g) => [spread(g, t.shape, dims, keepdim)]);
}

/** Mean over `dim` (all elements by default); floating point tensors only, as in PyTorch. */
export function mean(t: Tensor, dim?: Dims | null, options: ReduceOptions = {}): Tensor {
  if (!isFloating(t.dtype)) {
    throw new DTypeError(`could not infer output dtype. Input dtype must be a floating point dtype, got ${t.dtype}`, {
      op: 'mean',
      hint: 'convert it with .float() first',
    });
  }
  const dims = reductionDims(t, dim, 'mean');
  const keepdim = keepdimOf('mean', options);
  const count = countOf(t, dims);
  // NOTE: the mean of an empty tensor is 0/0 = NaN, as in PyTorch.
  const out = runBinary('div', reduceRaw('sum', t, dims, keepdim, t.dtype), scalarTensor(count, t.dtype), 'mean');
  return record(out, dim === undefined || dim === null ? 'MeanBackward0' : 'MeanBackward1', [t], (g) => [spread(g.div(count), t.shape, dims, keepdim)]);
}

/** Product over one dimension (all elements by default). bool and int32 give int32. */
export function prod(t: Tensor, dim?: number | null, options: ReduceOptions = {}): Tensor {
  const all = dim === undefined || dim === null;
  const dims = all ? reductionDims(t, null, 'prod') : reductionDims(t, dim, 'prod');
  const keepdim = keepdimOf('prod', options) && !all;
  const out = reduceRaw('prod', t, dims, keepdim, integralResult(t));
  return record(
    out,
    all ? 'ProdBackward0' : 'ProdBackward1',
    [t],
    (g) => {
      // NOTE: ∂/∂x_i Π x = Π_{j≠i} x_j. Where no factor is 0 that is out / x_i;
      // where exactly one is 0 only that element gets a gradient (the product
      // of the others); with two or more zeros every gradient is 0 (PyTorch's prod_backward).
      const o = unreduce(out, t.shape, dims, keepdim);
      const gu = unreduce(g, t.shape, dims, keepdim);
      const isZero = t.eq(0);
      const zeros = isZero.sum(dims, { keepdim: true });
      const othersIfNoZero = o.div(t);
      const othersIfOneZero = isZero.where(1, t).prod(dims.length === 1 ? dims[0] : null, { keepdim: dims.length === 1 });
      const gradAtZero = zeros.eq(1).where(othersIfOneZero.reshape(zeros.shape), 0);
      const grad = isZero.where(gradAtZero, zeros.eq(0).where(othersIfNoZero, 0));
      return [gu.mul(grad)];
    },
    [t, out],
  );
}

// --- max / min ------------------------------------------------------------------------

function extremum(op: 'max' | 'min', t: Tensor, dim: number | undefined, options: ReduceOptions): Tensor | { values: Tensor; indices: Tensor } {
  const Name = op === 'max' ? 'Max' : 'Min';
  if (dim === undefined) {
    if (t.numel === 0) {
      throw new IndexError('expected a non-empty tensor for a reduction over all elements', { op, hint: `use ${op}(dim) with a dimension that is not empty` });
    }
    const values = reduceRaw(op, t, reductionDims(t, null, op), false, t.dtype);
    // NOTE: the gradient of a full max/min is split evenly between ties (PyTorch's evenly_distribute_backward).
    return record(values, `${Name}Backward1`, [t], (g) => {
      const mask = t.eq(values);
      return [mask.where(g.div(mask.sum()), 0)];
    }, [t, values]);
  }
  if (t.dtype === 'bool') throw new DTypeError(`${op}(dim) is not implemented for bool tensors`, { op, hint: 'convert it with .int() first' });
  const d = normalizeDim(dim, t.ndim, op);
  const keepdim = keepdimOf(op, options);
  if (t.ndim > 0 && t.shape[d] === 0) {
    throw new IndexError(`expected reduction dim ${d} to have non-zero size`, { op, hint: 'reduce over a dimension that is not empty' });
  }
  const dims = t.ndim === 0 ? [] : [d];
  checkIndexable(countOf(t, dims), op);
  const values = reduceRaw(op, t, dims, keepdim, t.dtype);
  const indices = reduceRaw(op === 'max' ? 'argmax' : 'argmin', t, dims, keepdim, 'int32');
  // NOTE: the gradient goes to the one element the index names (ties: the first), as PyTorch's max(dim).
  record(values, `${Name}Backward0`, [t], (g) => {
    if (t.ndim === 0) return [g];
    const idx = unreduce(indices, t.shape, dims, keepdim);
    const gg = unreduce(g, t.shape, dims, keepdim);
    return [alloc(t.shape, g.dtype).scatterAdd(d, idx, gg)];
  }, [indices]);
  return { values, indices };
}

/**
 * Without `dim`: the largest element (a 0-d tensor). With `dim`: `{ values, indices }`
 * along it, as PyTorch's `torch.max(x, dim)`.
 *
 * ```ts
 * kd.max(kd.tensor([[1, 5], [7, 2]]));       // tensor(7.)
 * kd.max(kd.tensor([[1, 5], [7, 2]]), 1).indices; // tensor([1, 0], dtype=int32)
 * ```
 */
export function max(t: Tensor): Tensor;
export function max(t: Tensor, dim: number, options?: ReduceOptions): { values: Tensor; indices: Tensor };
export function max(t: Tensor, dim?: number, options?: ReduceOptions): Tensor | { values: Tensor; indices: Tensor };
export function max(t: Tensor, dim?: number, options: ReduceOptions = {}): Tensor | { values: Tensor; indices: Tensor } {
  return extremum('max', t, dim, options);
}

/** Without `dim`: the smallest element. With `dim`: `{ values, indices }` along it (see `max`). */
export function min(t: Tensor): Tensor;
export function min(t: Tensor, dim: number, options?: ReduceOptions): { values: Tensor; indices: Tensor };
export function min(t: Tensor, dim?: number, options?: ReduceOptions): Tensor | { values: Tensor; indices: Tensor };
export function min(t: Tensor, dim?: number, options: ReduceOptions = {}): Tensor | { values: Tensor; indices: Tensor } {
  return extremum('min', t, dim, options);
}

function aminmax(op: 'max' | 'min', t: Tensor, dim: Dims | null | undefined, options: ReduceOptions): Tensor {
  const name = op === 'max' ? 'amax' : 'amin';
  const dims = reductionDims(t, dim, name);
  const keepdim = keepdimOf(op, options);
  const out = reduceRaw(op, t, dims, keepdim, t.dtype);
  // NOTE: amax/amin split the gradient evenly between tied elements.
  return record(out, op === 'max' ? 'AmaxBackward0' : 'AminBackward0', [t], (g) => {
    const o = unreduce(out, t.shape, dims, keepdim);
    const mask = t.eq(o);
    const count = mask.sum(dims, { keepdim: true });
    return [mask.where(unreduce(g, t.shape, dims, keepdim).div(count), 0)];
  }, [t, out]);
}

/** Largest value over `dim` (all by default); ties share the gradient evenly. */
export const amax = (t: Tensor, dim?: Dims | null, o: ReduceOptions = {}): Tensor => aminmax('max', t, dim, o);
/** Smallest value over `dim` (all by default); ties share the gradient evenly. */
export const amin = (t: Tensor, dim?: Dims | null, o: ReduceOptions = {}): Tensor => aminmax('min', t, dim, o);

function argExtremum(op: 'argmax' | 'argmin', t: Tensor, dim: number | null | undefined, options: ReduceOptions): Tensor {
  if (t.dtype === 'bool') throw new DTypeError('not implemented for bool tensors', { op, hint: 'convert it with .int() first' });
  if (dim === null || dim === undefined) {
    if (t.numel === 0) throw new IndexError('expected a non-empty tensor', { op, hint: 'pass a dimension that is not empty' });
    checkIndexable(t.numel, op);
    const flat = contiguousRaw(t);
    const out = reduceRaw(op, flat.reshape([-1]), [0], false, 'int32');
    return keepdimOf(op, options) ? out.reshape(t.shape.map(() => 1)) : out;
  }
  const d = normalizeDim(dim, t.ndim, op);
  if (t.ndim > 0 && t.shape[d] === 0) throw new IndexError(`expected reduction dim ${d} to have non-zero size`, { op });
  return reduceRaw(op, t, t.ndim === 0 ? [] : [d], keepdimOf(op, options), 'int32');
}

/** Index (int32) of the first largest value over `dim`, or of the flattened tensor. */
export const argmax = (t: Tensor, dim?: number | null, o: ReduceOptions = {}): Tensor => argExtremum('argmax', t, dim, o);
/** Index (int32) of the first smallest value over `dim`, or of the flattened tensor. */
export const argmin = (t: Tensor, dim?: number | null, o: ReduceOptions = {}): Tensor => argExtremum('argmin', t, dim, o);

// --- var / std ------------------------------------------------------------------------

/** The squared deviations' sum and the divisor of var/std over `dims`. */
function varianceRaw(t: Tensor, dims: readonly number[], keepdim: boolean, correction: number): { out: Tensor; divisor: number } {
  const n = countOf(t, dims);
  // NOTE: PyTorch divides by max(0, n - correction): a non-positive divisor gives inf/NaN, not an error.
  const divisor = Math.max(0, n - correction);
  // NOTE: two passes (the mean, then the squared deviations from it) rather than E[x²] - E[x]²,
  // which cancels catastrophically when the mean is large against the spread.
  const meanK = runBinary('div', reduceRaw('sum', t, dims, true, t.dtype), scalarTensor(n, t.dtype), 'var');
  const diff = runBinary('sub', t, meanK, 'var');
  const sq = runBinary('mul', diff, diff, 'var');
  const out = runBinary('div', reduceRaw('sum', sq, dims, keepdim, t.dtype), scalarTensor(divisor, t.dtype), 'var');
  return { out, divisor };
}

function varStd(op: 'var' | 'std', t: Tensor, dim: Dims | null | undefined, options: VarOptions): Tensor {
  requireFloating(t, op, 'std and var only support floating point dtypes');
  const correction = options.correction ?? 1;
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) {
    throw new ValueError(`correction must be a non-negative number, got ${String(correction)}`, { op });
  }
  const dims = reductionDims(t, dim, op);
  const keepdim = keepdimOf(op, options, VAR_KEYS);
  const { out: variance, divisor } = varianceRaw(t, dims, keepdim, correction);
  if (op === 'var') {
    return record(variance, 'VarBackward0', [t], (g) => {
      // d var / dx_i = 2 (x_i - mean) / (n - correction)
      const diff = t.sub(t.mean(dims, { keepdim: true }));
      return [unreduce(g, t.shape, dims, keepdim).mul(diff).mul(2 / divisor)];
    }, [t]);
  }
  const out = runUnary('sqrt', variance);
  return record(out, 'StdBackward0', [t], (g) => {
    // d std / dx_i = (x_i - mean) / ((n - correction) · std)
    const diff = t.sub(t.mean(dims, { keepdim: true }));
    const s = unreduce(out, t.shape, dims, keepdim);
    // NOTE: where std is 0 (all values equal) the gradient is 0, not 0/0: PyTorch's std_backward masks it.
    return [s.eq(0).where(0, unreduce(g, t.shape, dims, keepdim).mul(diff).div(s.mul(divisor)))];
  }, [t, out]);
}

/** Variance over `dim` (all elements by default) with Bessel's `correction` (default 1). */
export const variance = (t: Tensor, dim?: Dims | null, o: VarOptions = {}): Tensor => varStd('var', t, dim, o);
/** Standard deviation over `dim` (all elements by default) with Bessel's `correction` (default 1). */
export const std = (t: Tensor, dim?: Dims | null, o: VarOptions = {}): Tensor => varStd('std', t, dim, o);

// --- norm ---------------------------------------------------------------------------------

/**
 * The vector p-norm over `dim` (all elements by default): `p` is any number
 * (`Infinity`: max |x|, `-Infinity`: min |x|, 0: count of non-zeros) or
 * `'fro'` (the 2-norm, PyTorch's default).
 */
export function norm(t: Tensor, p: number | 'fro' = 'fro', dim?: Dims | null, options: ReduceOptions = {}): Tensor {
  if (p !== 'fro' && (typeof p !== 'number' || Number.isNaN(p))) {
    throw new ValueError(`p must be a number (Infinity included) or 'fro', got ${String(p)}`, { op: 'norm', hint: "'nuc' (the nuclear norm) is not supported" });
  }
  if (!isFloating(t.dtype)) {
    throw new DTypeError(`input dtype should be floating point, got ${t.dtype}`, { op: 'norm', hint: 'convert it with .float() first' });
  }
  const pn = p === 'fro' ? 2 : p;
  const dims = reductionDims(t, dim, 'norm');
  const keepdim = keepdimOf('norm', options);
  const a = runUnary('abs', t);
  let out: Tensor;
  if (pn === Infinity || pn === -Infinity) {
    if (t.numel === 0 && pn === -Infinity) throw new IndexError('cannot compute the -inf norm of an empty tensor', { op: 'norm' });
    out = t.numel === 0 ? alloc(reducedShape(t.shape, dims, keepdim), t.dtype) : reduceRaw(pn > 0 ? 'max' : 'min', a, dims, keepdim, t.dtype);
  } else if (pn === 0) {
    out = reduceRaw('sum', castRaw(runBinary('ne', a, scalarTensor(0, t.dtype), 'norm', 'bool'), t.dtype), dims, keepdim, t.dtype);
  } else if (pn === 1) {
    out = reduceRaw('sum', a, dims, keepdim, t.dtype);
  } else if (pn === 2) {
    out = runUnary('sqrt', reduceRaw('sum', runBinary('mul', a, a, 'norm'), dims, keepdim, t.dtype));
  } else {
    const powered = runBinary('pow', a, scalarTensor(pn, t.dtype), 'norm');
    out = runBinary('pow', reduceRaw('sum', powered, dims, keepdim, t.dtype), scalarTensor(1 / pn, t.dtype), 'norm');
  }
  return record(out, 'NormBackward1', [t], (g) => [normBackward(g, t, out, pn, dims, keepdim)], [t, out]);
}

function normBackward(g: Tensor, x: Tensor, out: Tensor, p: number, dims: readonly number[], keepdim: boolean): Tensor {
  const gu = unreduce(g, x.shape, dims, keepdim);
  const nu = unreduce(out, x.shape, dims, keepdim);
  if (p === 0) return alloc(x.shape, g.dtype);
  if (p === 1) return gu.mul(x.sign());
  if (p === Infinity || p === -Infinity) {
    // NOTE: ties for the extreme |x| share the gradient evenly (PyTorch's norm_backward for ±inf).
    const mask = x.abs().eq(nu);
    const count = mask.sum(dims, { keepdim: true });
    return mask.where(gu.mul(x.sign()).div(count), 0);
  }
  // NOTE: where the norm is 0 the gradient is defined as 0 (PyTorch masks it), not 0/0.
  const zeroNorm = nu.eq(0);
  if (p === 2) return zeroNorm.where(0, gu.mul(x).div(nu));
  // d/dx_i ‖x‖_p = sign(x_i)·|x_i|^(p-1) / ‖x‖_p^(p-1)
  const scaled = p < 2 ? x.sign().mul(x.abs().pow(p - 1)) : x.mul(x.abs().pow(p - 2));
  return zeroNorm.where(0, gu.mul(scaled).div(nu.pow(p - 1)));
}

// --- all / any ------------------------------------------------------------------------------

function logicalReduce(op: 'all' | 'any', t: Tensor, dim: Dims | null | undefined, options: ReduceOptions): Tensor {
  const dims = reductionDims(t, dim, op);
  const keepdim = keepdimOf(op, options);
  const b = castRaw(t, 'bool');
  if (countOf(t, dims) === 0) {
    // NOTE: all() of nothing is true and any() of nothing is false, as in PyTorch.
    const out = alloc(reducedShape(t.shape, dims, keepdim), 'bool');
    if (op === 'all') backend().fill(out.storage.data, 1, 0, out.numel);
    return out;
  }
  return reduceRaw(op === 'all' ? 'min' : 'max', b, dims, keepdim, 'bool');
}

/** Whether every element (over `dim`, or all) is non-zero; a bool tensor. */
export const all = (t: Tensor, dim?: Dims | null, o: ReduceOptions = {}): Tensor => logicalReduce('all', t, dim, o);
/** Whether any element (over `dim`, or all) is non-zero; a bool tensor. */
export const any = (t: Tensor, dim?: Dims | null, o: ReduceOptions = {}): Tensor => logicalReduce('any', t, dim, o);
