/**
 * Indexing ops: indexSelect, gather, scatterAdd, oneHot and the embedding
 * lookup. Index tensors are int32 (kindling's integer dtype; PyTorch's int64
 * indices are read as int32), and every index value is range-checked here,
 * before a kernel uses it: a bad one is an `IndexError` naming the index,
 * the dimension and its size.
 */
import { backend } from '../backend/index.js';
import type { IndexView } from '../backend/backend.js';
import { record } from '../autograd/node.js';
import { ArgumentTypeError, checkKeys, DTypeError, fmtShape, IndexError, ShapeError, ValueError } from '../errors.js';
import { alloc, allocUninit } from '../tensor/creation.js';
import { isFloating } from '../tensor/dtype.js';
import { contiguousStrides, normalizeDim, Tensor } from '../tensor/tensor.js';
import { castRaw, contiguousRaw, flatData, prodOf, view } from './core.js';

function requireIndex(index: unknown, op: string, what = 'index'): Tensor {
  if (!(index instanceof Tensor)) {
    throw new ArgumentTypeError(`expected ${what} to be a Tensor, got ${typeof index}`, { op });
  }
  if (index.dtype !== 'int32') {
    throw new DTypeError(`expected ${what} to be an int32 tensor, but got ${index.dtype}`, {
      op,
      hint: 'convert it with .int(), or create it with { dtype: "int32" }',
    });
  }
  return index;
}

/** Throws an IndexError for the first value of `index` outside `[0, size)`. */
function checkRange(index: Int32Array, size: number, op: string, dim: number): void {
  for (let i = 0; i < index.length; i++) {
    const v = index[i]!;
    if (v < 0 || v >= size) {
      throw new IndexError(`index ${v} is out of bounds for dimension ${dim} with size ${size}`, {
        op,
        hint: size === 0 ? 'the dimension is empty' : `valid indices are 0 to ${size - 1}`,
      });
    }
  }
}

function indexView(t: Tensor): IndexView {
  return { data: t.storage.data as Int32Array, offset: t.offset, strides: t.strides };
}

/** A 0-d tensor seen as 1-D (gather/scatter treat a scalar as one element). */
function atLeast1d(t: Tensor): Tensor {
  return t.ndim === 0 ? new Tensor(t.storage, [1], [1], t.offset, t.dtype, t.base) : t;
}

// --- indexSelect ---------------------------------------------------------------

/** Raw indexSelect along `d` of a tensor with flat index values `idx` (checked). */
function indexSelectRaw(x: Tensor, d: number, idx: Int32Array): Tensor {
  const shape = x.ndim === 0 ? [] : [...x.shape];
  if (x.ndim > 0) shape[d] = idx.length;
  const out = allocUninit(shape, x.dtype);
  const xs = x.ndim === 0 ? [1] : x.shape;
  backend().indexSelect(out.storage.data, flatData(x), idx, prodOf(xs, 0, d), xs[d]!, prodOf(xs, d + 1));
  return out;
}

/** Raw adjoint of indexSelect: zeros of `shape` with `src`'s slices added at `idx` along `d`. */
function indexAddRaw(shape: readonly number[], d: number, idx: Int32Array, src: Tensor): Tensor {
  const out = alloc(shape, src.dtype);
  const s = shape.length === 0 ? [1] : shape;
  backend().indexAdd(out.storage.data, flatData(src), idx, prodOf(s, 0, d), s[d]!, prodOf(s, d + 1));
  return out;
}

/**
 * The slices of `x` at positions `index` (a 1-D int32 tensor) along `dim`;
 * the result has `index.numel` entries in that dimension. Differentiable in `x`.
 *
 * ```ts
 * kd.tensor([[1, 2], [3, 4], [5, 6]]).indexSelect(0, kd.tensor([2, 0], { dtype: 'int32' })); // [[5, 6], [1, 2]]
 * ```
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  requireIndex(index, 'indexSelect');
  if (index.ndim > 1) {
    throw new ShapeError(`index must be 0-D or 1-D, got shape ${fmtShape(index.shape)}`, { op: 'indexSelect', hint: 'flatten it first' });
  }
  const d = normalizeDim(dim, x.ndim, 'indexSelect');
  const size = x.ndim === 0 ? 1 : x.shape[d]!;
  const idx = flatData(index) as Int32Array;
  checkRange(idx, size, 'indexSelect', d);
  const out = indexSelectRaw(x, d, idx);
  return record(out, 'IndexSelectBackward0', [x], (g) => [indexAddRaw(x.shape, d, idx, g)], [index]);
}

// --- gather / scatterAdd -----------------------------------------------------------

function checkGatherShapes(op: string, x: Tensor, d: number, index: Tensor, src?: Tensor): void {
  const xn = Math.max(x.ndim, 1);
  const inN = Math.max(index.ndim, 1);
  if (inN !== xn && index.numel !== 0) {
    throw new ShapeError(`index tensor must have the same number of dimensions as the input (${index.ndim} vs ${x.ndim})`, { op });
  }
  const is = atLeast1d(index).shape;
  const xs = atLeast1d(x).shape;
  for (let i = 0; i < is.length && index.numel !== 0; i++) {
    if (i !== d && is[i]! > xs[i]!) {
      throw new ShapeError(
        `size of index ${fmtShape(index.shape)} does not fit the input ${fmtShape(x.shape)}: index.size(${i}) = ${is[i]} > input.size(${i}) = ${xs[i]}`,
        { op, hint: 'index may be smaller than the input in every dimension except dim' },
      );
    }
  }
  if (src !== undefined) {
    const ss = atLeast1d(src).shape;
    if (Math.max(src.ndim, 1) !== inN && index.numel !== 0) {
      throw new ShapeError(`src must have the same number of dimensions as index (${src.ndim} vs ${index.ndim})`, { op });
    }
    for (let i = 0; i < is.length && index.numel !== 0; i++) {
      if (is[i]! > ss[i]!) {
        throw new ShapeError(
          `size of index ${fmtShape(index.shape)} does not fit src ${fmtShape(src.shape)}: index.size(${i}) = ${is[i]} > src.size(${i}) = ${ss[i]}`,
          { op },
        );
      }
    }
  }
}

/** Raw gather along `d` (index values checked): the result has the index's shape. */
function gatherRaw(x: Tensor, d: number, index: Tensor): Tensor {
  const out = allocUninit(index.shape, x.dtype);
  const x1 = atLeast1d(x);
  const i1 = atLeast1d(index);
  backend().gather(out.storage.data, view(x1), indexView(i1), i1.shape, d);
  return out;
}

/** Raw scatter-add: a copy of `self` (converted to `dtype`) with `src` added at `index` along `d`. */
function scatterAddRaw(self: Tensor, d: number, index: Tensor, src: Tensor): Tensor {
  const out = allocUninit(self.shape, self.dtype);
  backend().copy(view(out), view(self), self.shape);
  const o1 = atLeast1d(out);
  const i1 = atLeast1d(index);
  const s1 = atLeast1d(castRaw(src, self.dtype));
  backend().scatterAdd(view(o1), indexView(i1), view(s1), i1.shape, d);
  return out;
}

/**
 * Gathers values along `dim`: `out[i][j] = x[index[i][j]][j]` for `dim = 0`,
 * `out[i][j] = x[i][index[i][j]]` for `dim = 1`. `index` (int32) has as many
 * dimensions as `x`; the result has its shape. Differentiable in `x`.
 *
 * ```ts
 * kd.tensor([[1, 2], [3, 4]]).gather(1, kd.tensor([[0, 0], [1, 0]], { dtype: 'int32' })); // [[1, 1], [4, 3]]
 * ```
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  requireIndex(index, 'gather');
  const d = normalizeDim(dim, x.ndim, 'gather');
  checkGatherShapes('gather', x, d, index);
  checkRange(flatData(index) as Int32Array, atLeast1d(x).shape[d]!, 'gather', d);
  const out = gatherRaw(x, d, index);
  return record(out, 'GatherBackward0', [x], (g) => [scatterAddRaw(alloc(x.shape, g.dtype), d, index, g)], [index]);
}

/**
 * `x` with `src`'s values added at positions `index` along `dim` (out of
 * place; PyTorch's `scatter_add`): `out[index[i][j]][j] += src[i][j]` for
 * `dim = 0`. Repeated indices accumulate. Differentiable in `x` and `src`.
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  requireIndex(index, 'scatterAdd');
  if (!(src instanceof Tensor)) throw new ArgumentTypeError(`expected src to be a Tensor, got ${typeof src}`, { op: 'scatterAdd' });
  if (src.dtype !== x.dtype) {
    throw new DTypeError(`expected src (${src.dtype}) to have the same dtype as self (${x.dtype})`, { op: 'scatterAdd', hint: `convert it with .to('${x.dtype}')` });
  }
  const d = normalizeDim(dim, x.ndim, 'scatterAdd');
  checkGatherShapes('scatterAdd', x, d, index, src);
  checkRange(flatData(index) as Int32Array, atLeast1d(x).shape[d]!, 'scatterAdd', d);
  const out = scatterAddRaw(x, d, index, src);
  const srcShape = src.shape;
  return record(
    out,
    'ScatterAddBackward0',
    [x, src],
    (g) => {
      if (!src.requiresGrad) return [g, null];
      // NOTE: src positions the index does not cover (index smaller than src) get 0.
      const gs = gatherRaw(g, d, index);
      const gsrc = gs.numel === src.numel ? gs.reshape(srcShape) : padTo(gs, srcShape);
      return [g, castRaw(gsrc, src.dtype)];
    },
    [index],
  );
}

/** `t` written into the leading corner of zeros of `shape` (t fits inside in every dimension). */
function padTo(t: Tensor, shape: readonly number[]): Tensor {
  const out = alloc(shape, t.dtype);
  const corner = new Tensor(out.storage, [...t.shape], out.strides.slice(0, t.ndim), 0, out.dtype);
  backend().copy(view(corner), view(t), t.shape);
  return out;
}

// --- oneHot / embedding --------------------------------------------------------------

/**
 * One-hot encoding of class labels (PyTorch's `one_hot`): an int32 tensor of
 * shape `[...labels.shape, numClasses]`. With `numClasses = -1` (default) it
 * is `labels.max() + 1`.
 *
 * ```ts
 * kd.oneHot(kd.tensor([0, 2], { dtype: 'int32' }), 3); // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot(labels: Tensor, numClasses = -1): Tensor {
  requireIndex(labels, 'oneHot', 'labels');
  if (!Number.isInteger(numClasses) || numClasses < -1) {
    throw new ValueError(`numClasses must be a positive integer or -1 (infer), got ${numClasses}`, { op: 'oneHot' });
  }
  const idx = flatData(labels) as Int32Array;
  let n = numClasses;
  if (n === -1) {
    if (idx.length === 0) {
      throw new ValueError('can not infer the number of classes from an empty tensor', { op: 'oneHot', hint: 'pass numClasses' });
    }
    let max = -1;
    for (let i = 0; i < idx.length; i++) if (idx[i]! > max) max = idx[i]!;
    n = max + 1;
  }
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (v < 0) throw new IndexError(`class values must be non-negative, got ${v}`, { op: 'oneHot' });
    if (v >= n) throw new IndexError(`class values must be smaller than numClasses (${n}), got ${v}`, { op: 'oneHot' });
  }
  const out = alloc([...labels.shape, n], 'int32');
  if (idx.length === 0 || n === 0) return out;
  // Scatter ones along the new last dimension: out[..., labels[...]] += 1.
  const ones = new Tensor(alloc([1], 'int32').storage, [...labels.shape, 1], new Array<number>(labels.ndim + 1).fill(0), 0, 'int32');
  ones.storage.data[0] = 1;
  const c = contiguousRaw(labels);
  const index = new Tensor(c.storage, [...labels.shape, 1], [...c.strides, 1], c.offset, 'int32');
  backend().scatterAdd(view(out), indexView(index), view(ones), index.shape, labels.ndim);
  return out;
}

/** Options of `embedding`. */
export interface EmbeddingFunctionalOptions {
  /** Rows at this index get no gradient (PyTorch's `padding_idx`); negative counts from the end. */
  paddingIdx?: number | null;
}

/**
 * Looks up rows of `weight` `[numEmbeddings, dim]` for every entry of the
 * int32 tensor `indices`: the result has shape `[...indices.shape, dim]`.
 * Differentiable with respect to `weight` (repeated indices accumulate).
 *
 * ```ts
 * const w = kd.randn([10, 3], { requiresGrad: true });
 * kd.embedding(kd.tensor([[1, 2], [4, 1]], { dtype: 'int32' }), w).shape; // [2, 2, 3]
 * ```
 */
export function embedding(indices: Tensor, weight: Tensor, options: EmbeddingFunctionalOptions = {}): Tensor {
  checkKeys('embedding', options, ['paddingIdx']);
  requireIndex(indices, 'embedding', 'indices');
  if (!(weight instanceof Tensor) || weight.ndim !== 2) {
    throw new ShapeError(`weight must be a 2-D tensor [numEmbeddings, embeddingDim], got ${weight instanceof Tensor ? fmtShape(weight.shape) : typeof weight}`, {
      op: 'embedding',
    });
  }
  if (!isFloating(weight.dtype)) {
    throw new DTypeError(`weight must be a floating point tensor, got ${weight.dtype}`, { op: 'embedding' });
  }
  const [rows, cols] = weight.shape as [number, number];
  let pad = options.paddingIdx ?? null;
  if (pad !== null) {
    if (!Number.isInteger(pad) || pad < -rows || pad >= rows) {
      throw new IndexError(`paddingIdx ${pad} must be within the number of embeddings (${rows})`, { op: 'embedding' });
    }
    if (pad < 0) pad += rows;
  }
  const idx = flatData(indices) as Int32Array;
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (v < 0 || v >= rows) {
      throw new IndexError(`index ${v} is out of range for a weight of ${rows} rows`, {
        op: 'embedding',
        hint: rows === 0 ? 'the weight has no rows' : `valid indices are 0 to ${rows - 1}`,
      });
    }
  }
  const flat = indexSelectRaw(weight, 0, idx);
  const outShape = [...indices.shape, cols];
  const out = new Tensor(flat.storage, outShape, contiguousStrides(outShape), 0, weight.dtype);
  const padRow = pad;
  return record(
    out,
    'EmbeddingBackward0',
    [weight],
    (g) => {
      const gw = indexAddRaw(weight.shape, 0, idx, g);
      // NOTE: the padding row's gradient is zero, as PyTorch's embedding_backward with padding_idx.
      if (padRow !== null) backend().fill(gw.storage.data, 0, padRow * cols, cols);
      return [gw];
    },
    [indices],
  );
}
