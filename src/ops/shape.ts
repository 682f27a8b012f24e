/**
 * Views and copies: view/reshape, transpose/permute, expand, squeeze,
 * narrow/select/slice, contiguous, clone, dtype conversion. A view shares the
 * storage of its input; its backward maps the gradient back to the input's shape.
 */
import { backend } from '../backend/index.js';
import { record } from '../autograd/node.js';
import { AutogradError, fmtShape, IndexError, ShapeError, ValueError } from '../errors.js';
import { alloc } from '../tensor/creation.js';
import { isFloating, type DType } from '../tensor/dtype.js';
import type { Dims, NestedArray, SliceSpec } from '../tensor/methods.js';
import { contiguousStrides, normalizeDim, shapeSize, Tensor } from '../tensor/tensor.js';
import { castRaw, view as sview } from './core.js';

/** A view of `t` with the given geometry, sharing its storage. */
export function makeView(t: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  return new Tensor(t.storage, shape, strides, offset, t.dtype, t.base ?? t);
}

/** Accepts `f(2, 3)` and `f([2, 3])`. */
export function shapeArgs(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as readonly number[])];
  return args as number[];
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

export function viewOp(t: Tensor, ...args: (number | readonly number[])[]): Tensor {
  const shape = inferShape(shapeArgs(args), t.numel, 'view');
  const strides = viewStrides(t, shape);
  if (strides === null) {
    throw new ShapeError(
      `view size ${fmtShape(shape)} is not compatible with input tensor's size ${fmtShape(t.shape)} and stride ${fmtShape(t.strides)} ` +
        `(at least one dimension spans across two contiguous subspaces)`,
      { op: 'view', hint: 'use reshape() instead' },
    );
  }
  return record(makeView(t, shape, strides, t.offset), 'ViewBackward0', [t], reshapeBackward(t));
}

export function reshape(t: Tensor, ...args: (number | readonly number[])[]): Tensor {
  const shape = inferShape(shapeArgs(args), t.numel, 'reshape');
  const strides = viewStrides(t, shape);
  if (strides !== null) return record(makeView(t, shape, strides, t.offset), 'ViewBackward0', [t], reshapeBackward(t));
  const c = contiguous(t);
  return record(makeView(c, shape, contiguousStrides(shape), c.offset), 'ReshapeAliasBackward0', [c], reshapeBackward(c));
}

export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  if (t.ndim === 0) return reshape(t, [1]);
  const s = normalizeDim(startDim, t.ndim, 'flatten');
  const e = normalizeDim(endDim, t.ndim, 'flatten');
  if (s > e) throw new ValueError(`start_dim (${startDim}) cannot come after end_dim (${endDim})`, { op: 'flatten' });
  const shape = [...t.shape.slice(0, s), shapeSize(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)];
  return reshape(t, shape);
}

export function unflatten(t: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim(dim, t.ndim, 'unflatten');
  const inner = inferShape(sizes, t.shape[d]!, 'unflatten');
  return viewOp(t, [...t.shape.slice(0, d), ...inner, ...t.shape.slice(d + 1)]);
}

export function permute(t: Tensor, ...args: (number | readonly number[])[]): Tensor {
  const dims = shapeArgs(args).map((d) => normalizeDim(d, t.ndim, 'permute'));
  if (dims.length !== t.ndim || new Set(dims).size !== dims.length) {
    throw new ShapeError(`number of dims don't match in permute: got ${fmtShape(dims)} for a tensor of ${t.ndim} dims (each dim exactly once)`, { op: 'permute' });
  }
  const out = makeView(t, dims.map((d) => t.shape[d]!), dims.map((d) => t.strides[d]!), t.offset);
  const inverse = new Array<number>(dims.length);
  dims.forEach((d, i) => (inverse[d] = i));
  return record(out, 'PermuteBackward0', [t], (g) => [g.permute(inverse)]);
}

export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  if (t.ndim === 0) return t;
  const a = normalizeDim(dim0, t.ndim, 'transpose');
  const b = normalizeDim(dim1, t.ndim, 'transpose');
  const dims = t.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(t, dims);
}

export function tOp(t: Tensor): Tensor {
  if (t.ndim > 2) throw new ShapeError(`t() expects a tensor with <= 2 dimensions, but self is ${t.ndim}D`, { op: 't', hint: 'use transpose(dim0, dim1) or permute' });
  return t.ndim < 2 ? t : transpose(t, 0, 1);
}

export function expand(t: Tensor, ...args: (number | readonly number[])[]): Tensor {
  const shape = shapeArgs(args);
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
  return record(makeView(t, outShape, strides, t.offset), 'ExpandBackward0', [t], (g) => {
    const dims: number[] = [];
    for (let i = 0; i < outShape.length; i++) if (i < lead || (inShape[i - lead] === 1 && outShape[i] !== 1)) dims.push(i);
    let r = dims.length ? g.sum(dims, { keepdim: true }) : g;
    if (lead) r = r.reshape(inShape);
    return [r];
  });
}

export function squeeze(t: Tensor, dim?: Dims): Tensor {
  const dims =
    dim === undefined ? t.shape.map((_, i) => i) : (typeof dim === 'number' ? [dim] : [...dim]).map((d) => normalizeDim(d, t.ndim, 'squeeze'));
  const keep = t.shape.map((s, i) => !(s === 1 && dims.includes(i)));
  const shape = t.shape.filter((_, i) => keep[i]);
  const strides = t.strides.filter((_, i) => keep[i]);
  const inShape = t.shape;
  return record(makeView(t, shape, strides, t.offset), 'SqueezeBackward0', [t], (g) => [g.reshape(inShape)]);
}

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
  return record(geometry(t), 'NarrowBackward0', [t], (g) => [scatterIntoZeros(t, g, geometry)]);
}

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

export function contiguous(t: Tensor): Tensor {
  if (t.isContiguous()) return t;
  return cloneOp(t);
}

export function cloneOp(t: Tensor): Tensor {
  const out = alloc(t.shape, t.dtype);
  backend().copy(sview(out), sview(t), t.shape);
  return record(out, 'CloneBackward0', [t], (g) => [g]);
}

export function to(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = castRaw(t, dtype);
  if (!isFloating(dtype)) return out;
  return record(out, 'ToCopyBackward0', [t], (g) => [castRaw(g, t.dtype)]);
}

export function detach(t: Tensor): Tensor {
  return new Tensor(t.storage, t.shape, t.strides, t.offset, t.dtype, t.base);
}

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
  const out = alloc(t.shape, t.dtype);
  backend().copy(sview(out), sview(t), t.shape);
  return out.storage.data;
}

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

export function item(t: Tensor): number {
  if (t.numel !== 1) {
    throw new ValueError(`a Tensor with ${t.numel} elements cannot be converted to Scalar`, { op: 'item', hint: 'item() needs exactly one element' });
  }
  return t.storage.data[t.offset]!;
}
