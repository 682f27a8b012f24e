import { ArgumentTypeError, CheckpointError, describeArg, DTypeError, IndexError, InternalError, ShapeError, ValueError } from '../errors.js';
import { dtypeOfArray, type DType, type TypedArray } from './dtype.js';
import type { TensorMethods } from './methods.js';

let nextSerial = 0;

/**
 * The memory behind one or more tensors. Views share a storage, and so share
 * its version counter: every in-place op bumps it, and autograd compares the
 * version it saved with the current one before it uses a saved tensor.
 */
export class Storage {
  version = 0;
  /** Storages are numbered in the order they were made (the autograd engine recycles only those made during its pass). */
  readonly serial = nextSerial++;
  constructor(public readonly data: TypedArray) {
    if (dtypeOfArray(data as ArrayBufferView) === undefined) {
      throw new DTypeError(`a Storage holds a Float32Array, Float64Array, Int32Array or Uint8Array, got ${describeArg(data)}`, { op: 'Storage' });
    }
  }
}

/** The serial number the next Storage will get. */
export function nextStorageSerial(): number {
  return nextSerial;
}

/**
 * A node of the autograd graph as the tensor layer sees it. The autograd
 * layer implements it; ops create one per differentiable result.
 */
export interface GradNode {
  /** PyTorch-style name, e.g. `MulBackward0`. */
  readonly name: string;
  /** The op's differentiable inputs, in order; `null` where an input needs no grad. */
  readonly inputs: readonly (Tensor | null)[];
  /**
   * Where each input's gradient goes, fixed when the op ran: the node that
   * had produced that input, or the input itself when it is a leaf; `null`
   * where it needs no grad. (An in-place op later gives the input tensor a
   * new `gradFn`; edges recorded before it keep pointing at the old history.)
   */
  readonly next: readonly (GradNode | Tensor | null)[];
  /** The non-leaf tensor whose `.grad` receives this node's incoming gradient (`retainGrad()`), or null. */
  retainedBy: Tensor | null;
  /** Gradients of the inputs given the gradient of the output (same order as `inputs`). */
  apply(gradOutput: Tensor): (Tensor | null)[];
  /** Drops saved tensors after a backward pass without `retainGraph`. */
  release(): void;
}

/** Row-major strides of a contiguous tensor of `shape`, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * Why a tensor of this layout cannot read `data`, or `undefined` when it can:
 * sizes, strides and offset must be non-negative integers (one stride per
 * size), the typed array must be `dtype`'s, and every element the layout
 * reaches must lie inside `data` (a detached buffer has no elements).
 */
export function layoutProblem(data: unknown, shape: readonly number[], strides: readonly number[], offset: number, dtype: DType): string | undefined {
  if (!ArrayBuffer.isView(data)) return 'its data is not a typed array';
  const kind = dtypeOfArray(data);
  if (kind !== dtype) return `dtype ${String(dtype)} is stored as ${DTYPE_ARRAY[dtype] ?? 'a typed array of a kindling dtype'}, got ${describeArg(data)}`;
  if (!Array.isArray(shape) || !Array.isArray(strides) || shape.length !== strides.length) {
    return `shape ${fmtList(shape)} and strides ${fmtList(strides)} must be arrays of the same length`;
  }
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) return `shape ${fmtList(shape)} must hold non-negative integers`;
  if (strides.some((d) => !Number.isSafeInteger(d) || d < 0)) return `strides ${fmtList(strides)} must hold non-negative integers`;
  if (!Number.isSafeInteger(offset) || offset < 0) return `offset ${String(offset)} must be a non-negative integer`;
  if (shape.includes(0)) return undefined;
  let extent = offset + 1;
  shape.forEach((d, i) => {
    extent += (d - 1) * strides[i]!;
  });
  const length = (data as TypedArray).length;
  if (extent <= length) return undefined;
  if (data.buffer.byteLength === 0) return `its buffer is empty or detached (transferred to a worker?), and shape ${fmtList(shape)} needs ${extent} elements`;
  return `shape ${fmtList(shape)} with strides ${fmtList(strides)} and offset ${offset} reaches element ${extent - 1}, but the storage has ${length} elements`;
}

const DTYPE_ARRAY: Partial<Record<string, string>> = { float32: 'Float32Array', float64: 'Float64Array', int32: 'Int32Array', bool: 'Uint8Array' };

function fmtList(v: unknown): string {
  return Array.isArray(v) ? `[${v.map(String).join(', ')}]` : String(v);
}

/** Number of elements of a tensor of `shape` (1 for `[]`). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * An n-dimensional array with autograd. Data lives in a typed array
 * (`storage`); `shape`, `strides` and `offset` (in elements) say which part
 * of it this tensor sees, so views share memory with their base.
 *
 * ```ts
 * const x = kd.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * x.grad; // tensor([[2., 4.], [6., 8.]])
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- methods are declared in methods.ts (STYLE.md §4)
export class Tensor {
  readonly storage: Storage;
  readonly shape: number[];
  readonly strides: number[];
  readonly offset: number;
  readonly dtype: DType;
  /** The tensor this one is a view of (the root of the view chain), or null. */
  readonly base: Tensor | null;

  /** The op that made this tensor, for non-leaf tensors that require grad. */
  gradFn: GradNode | null = null;
  /** Whether `.grad` is kept for this non-leaf tensor (see `retainGrad`). */
  retainsGrad = false;
  private _grad: Tensor | null = null;
  private _requiresGrad = false;

  constructor(storage: Storage, shape: number[], strides: number[], offset: number, dtype: DType, base: Tensor | null = null) {
    // Checked here, for every tensor: js kernels index the typed array directly, so a layout that reaches
    // past the storage (or a detached buffer) would compute on undefined values instead of failing.
    const problem = storage instanceof Storage ? layoutProblem(storage.data, shape, strides, offset, dtype) : `expected a Storage, got ${describeArg(storage)}`;
    if (problem !== undefined) throw new ShapeError(`cannot make a tensor: ${problem}`, { op: 'Tensor' });
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtype;
    this.base = base;
  }

  /** A contiguous tensor over `data` (which it takes ownership of). */
  static fromData(data: TypedArray, shape: number[], dtype: DType): Tensor {
    if (data.length !== shapeSize(shape)) {
      throw new InternalError(`fromData: ${data.length} elements for shape [${shape.join(', ')}]`);
    }
    return new Tensor(new Storage(data), shape, contiguousStrides(shape), 0, dtype);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get numel(): number {
    return shapeSize(this.shape);
  }

  /** `size()` is the shape; `size(d)` one dimension (negative counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[normalizeDim(dim, this.ndim, 'size')]!;
  }

  /** Number of dimensions (PyTorch's `dim()`). */
  dim(): number {
    return this.shape.length;
  }

  /** True when the elements are laid out row-major without gaps from `offset`. */
  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      const n = this.shape[i]!;
      if (n !== 1 && this.strides[i] !== expected) return false;
      expected *= n;
    }
    return true;
  }

  /** Autograd: a leaf is a tensor no recorded op produced. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Whether autograd records ops on this tensor: a leaf that asked for it, or any result of such a tensor. */
  get requiresGrad(): boolean {
    return this._requiresGrad || this.gradFn !== null;
  }

  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }

  /** Sets whether autograd records ops on this (leaf) tensor; returns `this`. */
  requiresGrad_(flag = true): this {
    if (this.gradFn !== null) {
      if (!flag) {
        throw new ValueError(
          'you can only change requiresGrad flags of leaf tensors',
          { op: 'requiresGrad_', hint: 'use detach() to get a tensor that does not require grad' },
        );
      }
      return this;
    }
    if (flag && this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new DTypeError(`only floating point tensors can require gradients, got ${this.dtype}`, {
        op: 'requiresGrad_',
        hint: "create it with { dtype: 'float32' } or convert it with .float()",
      });
    }
    this._requiresGrad = flag;
    return this;
  }

  /** The accumulated gradient: `null` until a backward pass writes it. Settable. */
  get grad(): Tensor | null {
    return this._grad;
  }

  set grad(g: Tensor | null) {
    if (g !== null && !(g instanceof Tensor)) {
      throw new ArgumentTypeError(`assigned grad must be a Tensor or null, got ${describeArg(g)}`, { op: 'grad', hint: 'wrap values with kd.tensor(...)' });
    }
    if (g !== null) {
      if (g.dtype !== this.dtype) {
        throw new DTypeError(`assigned grad has dtype ${g.dtype}, but the tensor has dtype ${this.dtype}`, { op: 'grad' });
      }
      if (g.shape.length !== this.shape.length || g.shape.some((d, i) => d !== this.shape[i])) {
        throw new ShapeError(
          `assigned grad has shape [${g.shape.join(', ')}], but the tensor has shape [${this.shape.join(', ')}]`,
          { op: 'grad' },
        );
      }
    }
    this._grad = g;
  }

  /**
   * Refuses to become JSON: `JSON.stringify(model.stateDict())` would dump
   * storage internals that nothing reads back. Says what to use instead.
   */
  toJSON(): never {
    throw new CheckpointError(`a ${this.dtype} tensor of shape [${this.shape.join(', ')}] cannot be turned into JSON`, {
      op: 'Tensor.toJSON',
      hint: 'save tensors with kd.save(value, path) or kd.io.serialize(value) (PyTorch\'s format), or kd.io.safetensors.save(tensors); for plain numbers use t.toArray()',
    });
  }

  /** The version counter shared by this tensor and its views. */
  get version(): number {
    return this.storage.version;
  }
}

// The op methods (add, matmul, backward …) are declared in methods.ts and
// installed on the prototype once by ops/install.ts.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface Tensor extends TensorMethods {}

/** `dim` in `[-ndim, ndim)` made non-negative, or a clear error. */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new IndexError(`dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`, { op });
  }
  return dim < 0 ? dim + n : dim;
}
