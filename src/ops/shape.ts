/**
 * Views and copies: view/reshape, transpose/permute, expand, squeeze,
 * narrow/select/slice, contiguous, clone, dtype conversion. A view shares the
 * storage of its input; its backward maps the gradient back to the input's shape.
 */
import { backend } from '../backend/index.js';
import { record } from '../autograd/node.js';
import { ArgumentTypeError, AutogradError, fmtShape, IndexError, ShapeError, ValueError } from '../errors.js';
import { alloc, allocUninit } from '../tensor/creation.js';
import { isFloating, promoteTypes, requireDType, type DType } from '../tensor/dtype.js';
import type { Dims, NestedArray, SliceSpec } from '../tensor/methods.js';
import { contiguousStrides, normalizeDim, shapeSize, Tensor } from '../tensor/tensor.js';
import { castRaw, sumToShape, view as sview } from './core.js';

/** A view of `t` with the given geometry, sharing its storage. */
export function makeView(t: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  return new Tensor(t.storage, shape, strides, offset, t.dtype, t.base ?? t);
}

/**
 * Accepts `f(2, 3)` and `f([2, 3])`; every entry must be an integer (each op
 * then checks the range it allows, e.g. `-1` to infer or keep a size).
 */
export function shapeArgs(args: readonly (number | readonly number[])[], op: string): number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : [...(args as number[])];
  for (const v of list) {
    if (!Number.isInteger(v)) {
      throw new ShapeError(`expected integer sizes, got [${list.map(String).join(', ')}]`, { op });
    }
  }
  return list;
}

/** Resolves one `-1` in a requested shape against `numel`. */
function inferShape(shape: readonly number[], numel: number, op: string): number[] {
  const out = [...shape];
  let infer = -1;
  let known = 1;
  out.forEach((d, i) => {
    if (d === -1) {
      if (infer !== -1) throw new ShapeError(`only one dimension can be inferred, got ${fmtShape(shape)}`, { op });
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`invalid shape dimension ${d} in ${fmtShape(shape)}`, { op });
    } else known *= d;
  });
  if (infer !== -1) {
    if (known === 0 || numel % known !== 0) throw new ShapeError(`shape ${fmtShape(shape)} is invalid for input of size ${numel}`, { op });
    out[infer] = numel / known;
  }
  if (shapeSize(out) !== numel) throw new ShapeError(`shape ${fmtShape(shape)} is invalid for input of size ${numel}`, { op });
  return out;
}

/**
 * Strides for viewing `t` as `shape` without a copy, or null when the memory
 * layout does not allow it (PyTorch's computeStride).
 */
function viewStrides(t: Tensor, shape: readonly number[]): number[] | null {
  if (t.numel === 0 || t.isContiguous()) return contiguousStrides(shape);
  const oldShape = t.shape;
  const oldStrides = t.strides;
  const newStrides = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d]!;
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

function reshapeBackward(input: Tensor) {
  return (g: Tensor): Tensor[] => [g.reshape(input.shape)];
}

/** A view with another shape over the same memory (one `-1` is inferred); a ShapeError when the strides do not allow it. */
export function viewOp(t: Tensor, ...args: (number | readonly number[])[]): Tensor {
  const shape = inferShape(shapeArgs(args, 'view'), t.numel, 'view');
  const strides = viewStrides(t, shape);
  if (strides === null) {
    throw new ShapeError(
      `view size ${fmtShape(shape)} is not compatible with input tensor's size ${fmtShape(t.shape)} and stride ${fmtShape(t.strides)} ` +
        '(at least one dimension spans across two contiguous subspaces)',
      { op: 'view', hint: 'use reshape() instead' },
    );
  }
  return record(makeView(t, shape, strides, t.offset), 'ViewBackward0', [t], reshapeBackward(t));
}

/** Like view, but copies when the memory layout does not allow a view. */
export function reshape(t: Tensor, ...args: (number | readonly number[])[]): Tensor {
  const shape = inferShape(shapeArgs(args, 'reshape'), t.numel, 'reshape');
  const strides = viewStrides(t, shape);
  if (strides !== null) return record(makeView(t, shape, strides, t.offset), 'ViewBackward0', [t], reshapeBackward(t));
  // Not viewable: copy into a fresh contiguous tensor of the new shape (one node, PyTorch's UnsafeViewBackward0).
  const out = allocUninit(shape, t.dtype);
  backend().copy(sview(new Tensor(out.storage, [...t.shape], contiguousStrides(t.shape), 0, t.dtype)), sview(t), t.shape);
  return record(out, 'UnsafeViewBackward0', [t], reshapeBackward(t));
}

/** Merges dims `startDim..endDim` into one (a view when possible). */
export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  if (t.ndim === 0) return reshape(t, [1]);
  const s = normalizeDim(startDim, t.ndim, 'flatten');
  const e = normalizeDim(endDim, t.ndim, 'flatten');
  if (s > e) throw new ValueError(`start_dim (${startDim}) cannot come after end_dim (${endDim})`, { op: 'flatten' });
  const shape = [...t.shape.slice(0, s), shapeSize(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)];
  return reshape(t, shape);
}

/** Splits `dim` into `sizes` (one `-1` is inferred). */
export function unflatten(t: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim(dim, t.ndim, 'unflatten');
  const inner = inferShape(sizes, t.shape[d]!, 'unflatten');
  return viewOp(t, [...t.shape.slice(0, d), ...inner, ...t.shape.slice(d + 1)]);
}

function permuted(t: Tensor, dims: readonly number[], name: string): Tensor {
  const out = makeView(t, dims.map((d) => t.shape[d]!), dims.map((d) => t.strides[d]!), t.offset);
  const inverse = new Array<number>(dims.length);
  dims.forEach((d, i) => (inverse[d] = i));
  return record(out, name, [t], (g) => [g.permute(inverse)]);
}

/** A view with the dims reordered. */
export function permute(t: Tensor, ...args: (number | readonly number[])[]): Tensor {
  const dims = shapeArgs(args, 'permute').map((d) => normalizeDim(d, t.ndim, 'permute'));
  if (dims.length !== t.ndim || new Set(dims).size !== dims.length) {
    throw new ShapeError(`number of dims don't match in permute: got ${fmtShape(dims)} for a tensor of ${t.ndim} dims (each dim exactly once)`, { op: 'permute' });
  }
  return permuted(t, dims, 'PermuteBackward0');
}

function swapped(t: Tensor, a: number, b: number, name: string): Tensor {
  const dims = t.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permuted(t, dims, name);
}

/** A view with `dim0` and `dim1` swapped. */
export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeDim(dim0, t.ndim, 'transpose');
  const b = normalizeDim(dim1, t.ndim, 'transpose');
  if (t.ndim === 0) return record(makeView(t, [], [], t.offset), 'TransposeBackward0', [t], (g) => [g]);
  return swapped(t, a, b, 'TransposeBackward0');
}

/** Transpose of a tensor with at most 2 dims. */
export function tOp(t: Tensor): Tensor {
  if (t.ndim > 2) throw new ShapeError(`t() expects a tensor with <= 2 dimensions, but self is ${t.ndim}D`, { op: 't', hint: 'use transpose(dim0, dim1) or permute' });
  if (t.ndim < 2) return record(makeView(t, [...t.shape], [...t.strides], t.offset), 'TBackward0', [t], (g) => [g]);
  return swapped(t, 0, 1, 'TBackward0');
}

/** A view broadcasting size-1 dims (and new leading dims) to `shape`; `-1` keeps a size. */
export function expand(t: Tensor, ...args: (number | readonly number[])[]): Tensor {
  const shape = shapeArgs(args, 'expand');
  const bad = shape.findIndex((s) => s < -1);
  if (bad >= 0) throw new ShapeError(`the expanded size ${shape[bad]} at dimension ${bad} is invalid: sizes are non-negative (or -1 to keep one)`, { op: 'expand' });
  if (shape.length < t.ndim) {
    throw new ShapeError(`the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${t.ndim})`, { op: 'expand' });
  }
  const lead = shape.length - t.ndim;
  const outShape: number[] = [];
  const strides: number[] = [];
  shape.forEach((s, i) => {
    const j = i - lead;
    const cur = j >= 0 ? t.shape[j]! : 1;
    const target = s === -1 ? cur : s;
    if (j < 0 && s === -1) throw new ShapeError(`the expanded size -1 isn't allowed in a leading, non-existing dimension ${i}`, { op: 'expand' });
    if (cur !== target && cur !== 1) {
      throw new ShapeError(
        `the expanded size of the tensor (${target}) must match the existing size (${cur}) at non-singleton dimension ${i}. Target sizes: ${fmtShape(shape)}. Tensor sizes: ${fmtShape(t.shape)}`,
        { op: 'expand' },
      );
    }
    outShape.push(target);
    strides.push(j < 0 || (cur === 1 && target !== 1) ? 0 : t.strides[j]!);
  });
  const inShape = t.shape;
  return record(makeView(t, outShape, strides, t.offset), 'ExpandBackward0', [t], (g) => [sumToShape(g, inShape)]);
}

/** A view without size-1 dims (all, or those listed). */
export function squeeze(t: Tensor, dim?: Dims): Tensor {
  const dims =
    dim === undefined ? t.shape.map((_, i) => i) : (typeof dim === 'number' ? [dim] : [...dim]).map((d) => normalizeDim(d, t.ndim, 'squeeze'));
  const keep = t.shape.map((s, i) => !(s === 1 && dims.includes(i)));
  const shape = t.shape.filter((_, i) => keep[i]);
  const strides = t.strides.filter((_, i) => keep[i]);
  const inShape = t.shape;
  return record(makeView(t, shape, strides, t.offset), 'SqueezeBackward0', [t], (g) => [g.reshape(inShape)]);
}

/** A view with a size-1 dim inserted at `dim`. */
export function unsqueeze(t: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, t.ndim + 1, 'unsqueeze');
  const shape = [...t.shape];
  const strides = [...t.strides];
  const stride = d < t.ndim ? t.shape[d]! * t.strides[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  return record(makeView(t, shape, strides, t.offset), 'UnsqueezeBackward0', [t], (g) => [g.squeeze(d)]);
}

/** Gradient of a view that selects a sub-block: zeros of the input's shape with `g` written into the block. */
function scatterIntoZeros(input: Tensor, g: Tensor, takeView: (z: Tensor) => Tensor): Tensor {
  const z = alloc(input.shape, g.dtype);
  const v = takeView(z);
  backend().copy(sview(v), sview(g), g.shape);
  return z;
}

/** A view of `length` entries of `dim` from `start` (negative counts from the end). */
export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  if (t.ndim === 0) throw new ShapeError('narrow() cannot be applied to a 0-dim tensor', { op: 'narrow' });
  const d = normalizeDim(dim, t.ndim, 'narrow');
  const size = t.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || s < 0 || s > size) throw new IndexError(`start (${start}) out of range for dimension ${d} of size ${size}`, { op: 'narrow' });
  if (!Number.isInteger(length) || length < 0 || s + length > size) {
    throw new IndexError(`start (${s}) + length (${length}) exceeds dimension size (${size})`, { op: 'narrow' });
  }
  const geometry = (x: Tensor): Tensor => {
    const shape = [...x.shape];
    shape[d] = length;
    return makeView(x, shape, [...x.strides], x.offset + s * x.strides[d]!);
  };
  return record(geometry(t), 'SliceBackward0', [t], (g) => [scatterIntoZeros(t, g, geometry)]);
}

/** A view of entry `index` of `dim`, without that dim. */
export function select(t: Tensor, dim: number, index: number): Tensor {
  if (t.ndim === 0) throw new IndexError('select() cannot be applied to a 0-dim tensor', { op: 'select' });
  const d = normalizeDim(dim, t.ndim, 'select');
  const size = t.shape[d]!;
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new IndexError(`index ${index} is out of bounds for dimension ${d} with size ${size}`, { op: 'select' });
  }
  const i = index < 0 ? index + size : index;
  const geometry = (x: Tensor): Tensor =>
    makeView(x, x.shape.filter((_, k) => k !== d), x.strides.filter((_, k) => k !== d), x.offset + i * x.strides[d]!);
  return record(geometry(t), 'SelectBackward0', [t], (g) => [scatterIntoZeros(t, g, geometry)]);
}

/** Python-style basic slicing: `x.slice(null, [1, 3])` is `x[:, 1:3]`; a number selects (and drops) a dimension. */
export function slice(t: Tensor, ...ranges: SliceSpec[]): Tensor {
  if (ranges.length > t.ndim) throw new IndexError(`too many indices for tensor of dimension ${t.ndim} (got ${ranges.length})`, { op: 'slice' });
  const specs: { dim: number; start: number; len: number; step: number }[] = [];
  const drop: { dim: number; index: number }[] = [];
  ranges.forEach((r, d) => {
    const size = t.shape[d]!;
    if (r === null) return;
    if (typeof r === 'number') {
      if (!Number.isInteger(r) || r < -size || r >= size) throw new IndexError(`index ${r} is out of bounds for dimension ${d} with size ${size}`, { op: 'slice' });
      drop.push({ dim: d, index: r < 0 ? r + size : r });
      return;
    }
    const step = r[2] ?? 1;
    if (!Number.isInteger(step) || step <= 0) throw new ValueError(`slice step must be a positive integer, got ${step}`, { op: 'slice' });
    const clampIdx = (v: number | null | undefined, dflt: number): number => {
      if (v === null || v === undefined) return dflt;
      if (!Number.isInteger(v)) throw new IndexError(`slice bounds must be integers (or null), got ${v} for dimension ${d}`, { op: 'slice' });
      const x = v < 0 ? v + size : v;
      return Math.min(Math.max(x, 0), size);
    };
    const start = clampIdx(r[0], 0);
    const end = clampIdx(r[1], size);
    const len = end > start ? Math.ceil((end - start) / step) : 0;
    specs.push({ dim: d, start, len, step });
  });
  const geometry = (x: Tensor): Tensor => {
    const shape = [...x.shape];
    const strides = [...x.strides];
    let offset = x.offset;
    for (const s of specs) {
      offset += s.start * x.strides[s.dim]!;
      shape[s.dim] = s.len;
      strides[s.dim] = x.strides[s.dim]! * s.step;
    }
    for (const { dim, index } of drop) offset += index * x.strides[dim]!;
    const keep = (_: number, k: number): boolean => !drop.some((e) => e.dim === k);
    return makeView(x, shape.filter(keep), strides.filter(keep), offset);
  };
  return record(geometry(t), 'SliceBackward0', [t], (g) => [scatterIntoZeros(t, g, geometry)]);
}

/** The tensor itself when contiguous, otherwise a contiguous copy (differentiable). */
export function contiguous(t: Tensor): Tensor {
  if (t.isContiguous()) return t;
  return cloneOp(t);
}

/** A contiguous copy (differentiable). */
export function cloneOp(t: Tensor): Tensor {
  const out = allocUninit(t.shape, t.dtype);
  backend().copy(sview(out), sview(t), t.shape);
  return record(out, 'CloneBackward0', [t], (g) => [g]);
}

/** The tensor converted to `dtype` (itself when it already is); differentiable between float dtypes. */
export function to(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  requireDType(dtype, 'to');
  const out = castRaw(t, dtype);
  if (!isFloating(dtype)) return out;
  return record(out, 'ToCopyBackward0', [t], (g) => [castRaw(g, t.dtype)]);
}

/** A tensor sharing `t`'s memory (and version counter) without its history. */
export function detach(t: Tensor): Tensor {
  // NOTE: not a view for autograd (base null): in-place ops on it never rewrite t's history.
  return new Tensor(t.storage, [...t.shape], [...t.strides], t.offset, t.dtype);
}

/** Cuts the tensor from the graph in place: it becomes a leaf that does not require grad. */
export function detach_(t: Tensor): Tensor {
  if (t.base !== null && t.requiresGrad) {
    throw new AutogradError('can\'t detach views in-place', { op: 'detach_', hint: 'use detach() instead' });
  }
  t.gradFn = null;
  t.requiresGrad_(false);
  return t;
}

/** The elements as a contiguous typed array (the storage itself when it already is one, so treat it as read-only). */
export function dataSync(t: Tensor): import('../tensor/dtype.js').TypedArray {
  if (t.isContiguous() && t.offset === 0 && t.storage.data.length === t.numel) return t.storage.data;
  const out = allocUninit(t.shape, t.dtype);
  backend().copy(sview(out), sview(t), t.shape);
  return out.storage.data;
}

/** The elements as nested arrays (booleans for bool tensors). */
export function toArray(t: Tensor): NestedArray {
  const data = dataSync(t);
  const isBool = t.dtype === 'bool';
  let pos = 0;
  const build = (dim: number): NestedArray => {
    if (dim === t.ndim) {
      const v = data[pos++]!;
      return isBool ? v !== 0 : v;
    }
    const out: NestedArray[] = [];
    for (let i = 0; i < t.shape[dim]!; i++) out.push(build(dim + 1));
    return out;
  };
  return build(0);
}

/** The value of a one-element tensor. */
export function item(t: Tensor): number {
  if (t.numel !== 1) {
    throw new ValueError(`a Tensor with ${t.numel} elements cannot be converted to Scalar`, { op: 'item', hint: 'item() needs exactly one element' });
  }
  return t.storage.data[t.offset]!;
}

// --- split, chunk, repeat, cat, stack ------------------------------------------------

/** A narrow view recorded under `name` (split/chunk pieces). */
function piece(t: Tensor, d: number, start: number, length: number, name: string): Tensor {
  const geometry = (x: Tensor): Tensor => {
    const shape = [...x.shape];
    shape[d] = length;
    return makeView(x, shape, [...x.strides], x.offset + start * x.strides[d]!);
  };
  // NOTE: each piece's backward writes its gradient into zeros of the full shape;
  // PyTorch's SplitBackward0 builds one gradient for all pieces instead.
  return record(geometry(t), name, [t], (g) => [scatterIntoZeros(t, g, geometry)]);
}

/**
 * Views of consecutive pieces along `dim`: pieces of `splitSize` (the last
 * may be smaller), or of the listed sizes, which must add up to the size of `dim`.
 */
export function split(t: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  if (t.ndim === 0) throw new ShapeError('split expects at least a 1-dimensional tensor', { op: 'split' });
  const d = normalizeDim(dim, t.ndim, 'split');
  const n = t.shape[d]!;
  if (typeof splitSize !== 'number') {
    const sizes = [...splitSize];
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== n) {
      throw new ShapeError(
        `split sizes ${fmtShape(sizes)} must be non-negative integers that add up to the size of dimension ${d} (${n})`,
        { op: 'split' },
      );
    }
    let start = 0;
    return sizes.map((len) => {
      const p = piece(t, d, start, len, 'SplitWithSizesBackward0');
      start += len;
      return p;
    });
  }
  if (!Number.isInteger(splitSize) || splitSize < 0 || (splitSize === 0 && n !== 0)) {
    throw new ValueError(`split size must be a positive integer, got ${splitSize}`, { op: 'split' });
  }
  if (n === 0) return [piece(t, d, 0, 0, 'SplitBackward0')];
  const out: Tensor[] = [];
  for (let start = 0; start < n; start += splitSize) out.push(piece(t, d, start, Math.min(splitSize, n - start), 'SplitBackward0'));
  return out;
}

/** Splits into `chunks` pieces of `ceil(size / chunks)` along `dim` (fewer when the size does not allow more, as in PyTorch). */
export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ValueError(`chunks must be a positive integer, got ${chunks}`, { op: 'chunk' });
  if (t.ndim === 0) throw new ShapeError('chunk expects at least a 1-dimensional tensor', { op: 'chunk' });
  const d = normalizeDim(dim, t.ndim, 'chunk');
  const n = t.shape[d]!;
  if (n === 0) return Array.from({ length: chunks }, () => piece(t, d, 0, 0, 'SplitBackward0'));
  return split(t, Math.ceil(n / chunks), d);
}

/** Tiles the tensor `sizes[i]` times along each dimension (extra leading sizes add dimensions), as PyTorch's `repeat`. */
export function repeat(t: Tensor, ...args: (number | readonly number[])[]): Tensor {
  const reps = shapeArgs(args, 'repeat');
  if (reps.length < t.ndim) {
    throw new ShapeError(
      `number of repeat sizes (${reps.length}) can not be smaller than the number of dimensions of the tensor (${t.ndim})`,
      { op: 'repeat', hint: `pass at least ${t.ndim} sizes` },
    );
  }
  if (reps.some((r) => !Number.isInteger(r) || r < 0)) throw new ValueError(`repeat sizes must be non-negative integers, got ${fmtShape(reps)}`, { op: 'repeat' });
  const lead = reps.length - t.ndim;
  const inShape = [...new Array<number>(lead).fill(1), ...t.shape];
  const inStrides = [...new Array<number>(lead).fill(0), ...t.strides];
  // Read the input as [r0, s0, r1, s1, …] with stride 0 on each repeat axis; one strided copy makes the result.
  const wideShape: number[] = [];
  const wideStrides: number[] = [];
  inShape.forEach((s, i) => {
    wideShape.push(reps[i]!, s);
    wideStrides.push(0, inStrides[i]!);
  });
  const outShape = inShape.map((s, i) => s * reps[i]!);
  const out = allocUninit(outShape, t.dtype);
  backend().copy(sview(new Tensor(out.storage, wideShape, contiguousStrides(wideShape), 0, t.dtype)), { data: t.storage.data, offset: t.offset, strides: wideStrides }, wideShape);
  const repeatAxes = inShape.map((_, i) => 2 * i);
  return record(out, 'RepeatBackward0', [t], (g) => [g.reshape(wideShape).sum(repeatAxes).reshape(t.shape)]);
}

/** Checks and prepares cat's inputs: the tensors that take part (legacy empty 1-D tensors are skipped, as in PyTorch) and the result dtype. */
function catInputs(tensors: readonly Tensor[], op: string): { parts: Tensor[]; dtype: DType } {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new ValueError('expected a non-empty list of tensors', { op, hint: `pass an array: kd.${op}([a, b])` });
  }
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ArgumentTypeError(`expected a list of tensors, but entry ${i} is ${typeof t}`, { op });
  });
  let dtype = tensors[0]!.dtype;
  for (const t of tensors) dtype = promoteTypes(dtype, t.dtype);
  return { parts: tensors.filter((t) => !isSkippedInCat(t)), dtype };
}

/** A legacy empty 1-D tensor, which cat skips whatever the other shapes (as PyTorch does). */
function isSkippedInCat(t: Tensor): boolean {
  return t.ndim === 1 && t.shape[0] === 0;
}

/** Raw concatenation along `d` of tensors already checked to fit. */
function catRaw(parts: readonly Tensor[], d: number, dtype: DType, shape: number[]): Tensor {
  const out = allocUninit(shape, dtype);
  let start = 0;
  for (const p of parts) {
    const len = p.shape[d]!;
    const dst = new Tensor(out.storage, [...p.shape], out.strides, start * out.strides[d]!, dtype);
    backend().copy(sview(dst), sview(p), p.shape);
    start += len;
  }
  return out;
}

/**
 * Concatenates tensors along an existing dimension `dim`; every other
 * dimension must match. dtypes are promoted. Differentiable.
 *
 * ```ts
 * kd.cat([kd.ones([2, 3]), kd.zeros([1, 3])]).shape; // [3, 3]
 * ```
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  const { parts, dtype } = catInputs(tensors, 'cat');
  if (parts.length === 0) return alloc([0], dtype);
  const first = parts[0]!;
  parts.forEach((t) => {
    if (t.ndim === 0) throw new ShapeError(`zero-dimensional tensor (at position ${tensors.indexOf(t)}) cannot be concatenated`, { op: 'cat', hint: 'use stack, or unsqueeze it first' });
    if (t.ndim !== first.ndim) {
      throw new ShapeError(`tensors must have the same number of dimensions: got ${first.ndim} and ${t.ndim} (tensor ${tensors.indexOf(t)})`, { op: 'cat' });
    }
  });
  const d = normalizeDim(dim, first.ndim, 'cat');
  for (const t of parts) {
    for (let k = 0; k < first.ndim; k++) {
      if (k !== d && t.shape[k] !== first.shape[k]) {
        throw new ShapeError(
          `sizes of tensors must match except in dimension ${d}: expected size ${first.shape[k]} but got size ${t.shape[k]} ` +
            `for tensor number ${tensors.indexOf(t)} in the list (shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)})`,
          { op: 'cat' },
        );
      }
    }
  }
  const shape = [...first.shape];
  shape[d] = parts.reduce((a, t) => a + t.shape[d]!, 0);
  const out = catRaw(parts, d, dtype, shape);
  // Start of each input along `d`, by position: the same tensor may appear twice (`cat([a, a])`).
  // The skipped empty tensors are inputs too: their gradient is empty (start -1).
  let next = 0;
  const starts = tensors.map((t) => {
    if (isSkippedInCat(t)) return -1;
    const s = next;
    next += t.shape[d]!;
    return s;
  });
  return record(out, 'CatBackward0', tensors, (g) =>
    tensors.map((t, i) => (starts[i]! < 0 ? alloc(t.shape, t.dtype) : castRaw(g.narrow(d, starts[i]!, t.shape[d]!), t.dtype))),
  );
}

/**
 * Stacks tensors of one shape along a new dimension `dim`. Differentiable.
 *
 * ```ts
 * kd.stack([kd.ones([3]), kd.zeros([3])], 1).shape; // [3, 2]
 * ```
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const { dtype } = catInputs(tensors, 'stack');
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s, k) => s !== first.shape[k])) {
      throw new ShapeError(`stack expects each tensor to be equal size, but got ${fmtShape(first.shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}`, { op: 'stack' });
    }
  });
  const d = normalizeDim(dim, first.ndim + 1, 'stack');
  const parts = tensors.map((t) => {
    const shape = [...t.shape];
    const strides = [...t.strides];
    shape.splice(d, 0, 1);
    strides.splice(d, 0, 0);
    return new Tensor(t.storage, shape, strides, t.offset, t.dtype);
  });
  const shape = [...first.shape];
  shape.splice(d, 0, tensors.length);
  const out = catRaw(parts, d, dtype, shape);
  return record(out, 'StackBackward0', tensors, (g) => tensors.map((t, i) => castRaw(g.select(d, i), t.dtype)));
}
