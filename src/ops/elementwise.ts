/**
 * Element-wise ops: arithmetic, activations, comparisons, logical ops,
 * `where`, `maskedFill`, and their in-place forms. Each op's forward and
 * backward sit together (STYLE.md §1).
 */
import { backend } from '../backend/index.js';
import type { BinaryOp, UnaryOp } from '../backend/index.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { ArgumentTypeError, checkKeys, describeArg, DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { alloc, allocUninit, scalarTensor } from '../tensor/creation.js';
import { isFloating, type DType, type TypedArray } from '../tensor/dtype.js';
import type { TensorLike } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';
import { asTensor, broadcastShapes, broadcastStrides, castRaw, flatData, requireFloat, resultType, runBinary, runUnary, sumToShape, view } from './core.js';
import { applyInPlace } from './inplace.js';

type GradPair = [Tensor | null, Tensor | null];

/**
 * A broadcasting binary op: promotes both operands to the result dtype, runs
 * the kernel and records `backward`, whose gradients are summed back to each
 * operand's shape and dtype here (so each op's backward can ignore broadcasting).
 */
function binaryOp(
  name: string,
  kernel: BinaryOp,
  aIn: Tensor,
  bIn: TensorLike,
  backward: ((g: Tensor, a: Tensor, b: Tensor, out: Tensor) => GradPair) | null,
  save: 'inputs' | 'output' | 'all' | 'none' | 'crossed' = 'inputs',
): Tensor {
  const bT = asTensor(bIn, aIn, name);
  const dtype = resultType(aIn, bT);
  const a = castRaw(aIn, dtype);
  const b = castRaw(bT, dtype);
  const out = runBinary(kernel, a, b, name);
  if (backward === null) return out;
  // 'crossed': each operand's gradient reads only the other operand (mul), so
  // save just those; `y.mul_(2)` on a non-leaf then stays differentiable.
  const saved =
    save === 'inputs' ? [a, b]
    : save === 'output' ? [out]
    : save === 'all' ? [a, b, out]
    : save === 'crossed' ? [...(aIn.requiresGrad ? [b] : []), ...(bT.requiresGrad ? [a] : [])]
    : [];
  return record(
    out,
    `${capitalize(name)}Backward0`,
    [aIn, bT],
    (g) => {
      const [ga, gb] = backward(g, a, b, out);
      return [ga && castRaw(sumToShape(ga, aIn.shape), aIn.dtype), gb && castRaw(sumToShape(gb, bT.shape), bT.dtype)];
    },
    saved,
  );
}

type Saved = 'input' | 'output' | 'both' | 'none';

function savedOf(save: Saved, x: Tensor, out: Tensor): Tensor[] {
  return save === 'input' ? [x] : save === 'output' ? [out] : save === 'both' ? [x, out] : [];
}

/**
 * A unary op that computes in floating point: int32/bool inputs give float32,
 * as PyTorch's exp/log/sigmoid… do. `save` names what `backward` reads, so
 * that in-place changes to exactly those tensors are caught.
 */
function unaryFloat(
  name: string,
  kernel: UnaryOp,
  x: Tensor,
  backward: (g: Tensor, x: Tensor, out: Tensor) => Tensor,
  save: Saved,
  params?: readonly number[],
): Tensor {
  const xf = isFloating(x.dtype) ? x : castRaw(x, 'float32');
  const out = runUnary(kernel, xf, xf.dtype, params);
  return record(out, `${capitalize(name)}Backward0`, [x], (g) => [backward(g, xf, out)], savedOf(save, xf, out));
}

/** A unary activation PyTorch only implements for floating point (gelu, silu, softplus, leakyRelu). */
function unaryFloatOnly(
  name: string,
  kernel: UnaryOp,
  x: Tensor,
  backward: (g: Tensor, x: Tensor, out: Tensor) => Tensor,
  save: Saved,
  params?: readonly number[],
): Tensor {
  requireFloat(x, name);
  return unaryFloat(name, kernel, x, backward, save, params);
}

/** A unary op that keeps integer dtypes (neg, abs, relu …); bool is refused. */
function unarySame(
  name: string,
  kernel: UnaryOp,
  x: Tensor,
  backward: ((g: Tensor, x: Tensor, out: Tensor) => Tensor) | null,
  save: Saved,
  params?: readonly number[],
): Tensor {
  if (x.dtype === 'bool') {
    throw new DTypeError('not supported for bool tensors', { op: name, hint: 'convert it with .int() or .float() first' });
  }
  const out = runUnary(kernel, x, x.dtype, params);
  if (backward === null) return out;
  return record(out, `${capitalize(name)}Backward0`, [x], (g) => [backward(g, x, out)], savedOf(save, x, out));
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// --- arithmetic --------------------------------------------------------------

/** `a + alpha·b`, broadcasting. Two bool tensors give their logical or, as in PyTorch. */
export function add(a: Tensor, b: TensorLike, options: { alpha?: number } = {}): Tensor {
  const alpha = alphaOf('add', options);
  if (alpha !== 1) return add(a, mul(asTensor(b, a, 'add'), alpha));
  const bT = asTensor(b, a, 'add');
  // NOTE: bool + bool stays bool (true + true is true); the add kernel would write 2 into the bool storage.
  if (a.dtype === 'bool' && bT.dtype === 'bool') return compare('add', 'logicalOr', a, bT);
  return binaryOp('add', 'add', a, bT, (g) => [g, g], 'none');
}

/** The `alpha` of add/sub (1 when absent), checked so that a bad one is blamed on `op`, not on the `mul` inside. */
function alphaOf(op: string, options: unknown): number {
  const alpha = checkKeys(op, options, ['alpha'])['alpha'] ?? 1;
  if (typeof alpha !== 'number') throw new ArgumentTypeError(`alpha must be a number, got ${describeArg(alpha)}`, { op });
  return alpha;
}

/** `a - alpha·b`, broadcasting. */
export function sub(a: Tensor, b: TensorLike, options: { alpha?: number } = {}): Tensor {
  const bT = asTensor(b, a, 'sub');
  if (a.dtype === 'bool' && bT.dtype === 'bool') {
    throw new DTypeError('subtraction with two bool tensors is not supported', { op: 'sub', hint: 'use logicalXor, or convert with .int()' });
  }
  const alpha = alphaOf('sub', options);
  if (alpha !== 1) return sub(a, mul(bT, alpha));
  return binaryOp('sub', 'sub', a, bT, (g) => [g, g.neg()], 'none');
}

/** `a · b`, broadcasting. */
export function mul(a: Tensor, b: TensorLike): Tensor {
  return binaryOp('mul', 'mul', a, b, (g, x, y) => [g.mul(y), g.mul(x)], 'crossed');
}

/** True division `a / b` (PyTorch's `/`): integer and bool operands give float32. */
export function div(a: Tensor, b: TensorLike): Tensor {
  const bT = asTensor(b, a, 'div');
  let aa = a;
  let bb = bT;
  if (!isFloating(resultType(a, bT))) {
    aa = castRaw(a, 'float32');
    bb = castRaw(bT, 'float32');
  }
  // d/db (a/b) = -a/b², from the saved inputs (not the output, which may later be modified in place).
  return binaryOp('div', 'div', aa, bb, (g, x, y) => [g.div(y), g.mul(x).div(y).div(y).neg()], 'inputs');
}

/** `a ** exponent`, broadcasting. Integer tensors to negative integer powers are refused, as in PyTorch. */
export function pow(a: Tensor, exponent: TensorLike): Tensor {
  if (!isFloating(a.dtype)) {
    const negative = typeof exponent === 'number' ? exponent < 0 && Number.isInteger(exponent) : !isFloating(exponent.dtype) && exponent.lt(0).any().item() !== 0;
    if (negative) {
      throw new DTypeError('integers to negative integer powers are not allowed', { op: 'pow', hint: 'convert the base with .float() first' });
    }
  }
  if (typeof exponent === 'number') {
    const e = exponent;
    return binaryOp('pow', 'pow', a, e, (g, x) => {
      // NOTE: d/dx x^0 is 0 everywhere (also at x = 0, where e·x^(e-1) would be 0·inf).
      if (e === 0) return [g.mul(0), null];
      return [g.mul(x.pow(e - 1).mul(e)), null];
    }, 'inputs');
  }
  return binaryOp('pow', 'pow', a, exponent, (g, x, y, out) => {
    // NOTE: the x-gradient is 0 where y == 0 (PyTorch's pow_backward_self), not 0·x^-1 = NaN at x = 0.
    const gx = y.eq(0).where(0, g.mul(y).mul(x.pow(y.sub(1))));
    // NOTE: d/dy x^y = x^y·log x; PyTorch defines it as 0 where x == 0 and y >= 0, instead of NaN.
    const safeLog = x.eq(0).logicalAnd(y.ge(0)).where(0, x.log());
    return [gx, g.mul(out).mul(safeLog)];
  }, 'all');
}

/** `-x`; bool tensors are refused (use logicalNot). */
export function neg(x: Tensor): Tensor {
  return unarySame('neg', 'neg', x, (g) => g.neg(), 'none');
}

/** `e^x`; int32/bool give float32. */
export function exp(x: Tensor): Tensor {
  return unaryFloat('exp', 'exp', x, (g, _x, out) => g.mul(out), 'output');
}

/** Natural logarithm; int32/bool give float32. */
export function log(x: Tensor): Tensor {
  return unaryFloat('log', 'log', x, (g, xf) => g.div(xf), 'input');
}

/** Square root; int32/bool give float32. */
export function sqrt(x: Tensor): Tensor {
  // NOTE: the gradient at x = 0 is +inf (g / 0), as in PyTorch.
  return unaryFloat('sqrt', 'sqrt', x, (g, _x, out) => g.div(out.mul(2)), 'output');
}

/** `1 / sqrt(x)`; int32/bool give float32. */
export function rsqrt(x: Tensor): Tensor {
  // d/dx x^(-1/2) = -1/2 · x^(-3/2) = -1/2 · out³
  return unaryFloat('rsqrt', 'rsqrt', x, (g, _x, out) => g.mul(out.pow(3)).mul(-0.5), 'output');
}

/** `|x|`, keeping integer dtypes. */
export function abs(x: Tensor): Tensor {
  // NOTE: the gradient of |x| at 0 is 0 (sign(0) = 0), as in PyTorch.
  return unarySame('abs', 'abs', x, (g, xs) => g.mul(xs.sign()), 'input');
}

/** -1, 0 or 1 by the sign of each element (bool stays bool, as in PyTorch). Its gradient is 0. */
export function sign(x: Tensor): Tensor {
  if (x.dtype === 'bool') return castRaw(castRaw(x, 'int32'), 'bool');
  return unarySame('sign', 'sign', x, (g) => g.mul(0), 'none');
}

/** `1 / x`; int32/bool give float32. */
export function reciprocal(x: Tensor): Tensor {
  return unaryFloat('reciprocal', 'reciprocal', x, (g, _x, out) => g.mul(out.square()).neg(), 'output');
}

/** `x²`; bool gives int32 (PyTorch: int64). */
export function square(x: Tensor): Tensor {
  const xs = x.dtype === 'bool' ? castRaw(x, 'int32') : x;
  // NOTE: recorded as PowBackward0, as PyTorch's square is pow(x, 2).
  const out = runUnary('square', xs);
  return record(out, 'PowBackward0', [x], (g) => [g.mul(xs).mul(2)], [xs]);
}

/** Sine (radians); int32/bool give float32. */
export function sin(x: Tensor): Tensor {
  return unaryFloat('sin', 'sin', x, (g, xf) => g.mul(xf.cos()), 'input');
}

/** Cosine (radians); int32/bool give float32. */
export function cos(x: Tensor): Tensor {
  return unaryFloat('cos', 'cos', x, (g, xf) => g.mul(xf.sin()).neg(), 'input');
}

/**
 * Limits every element to `[min, max]` (either may be null). An integer
 * tensor with a non-integer bound gives float32, as in PyTorch.
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const [lo, hi] = clampBounds(x, min, max);
  const xs = !isFloating(x.dtype) && ((min != null && !Number.isInteger(min)) || (max != null && !Number.isInteger(max))) ? castRaw(x, 'float32') : x;
  const out = runUnary('clamp', xs, xs.dtype, [lo, hi]);
  // NOTE: the gradient passes where min <= x <= max (boundaries included), as PyTorch's clamp_backward.
  return record(out, min != null && max != null ? 'ClampBackward1' : max == null ? 'ClampMinBackward0' : 'ClampMaxBackward0', [x], (g) => {
    let mask = xs.eq(xs); // true except NaN
    if (!Number.isNaN(lo)) mask = mask.logicalAnd(xs.ge(lo));
    if (!Number.isNaN(hi)) mask = mask.logicalAnd(xs.le(hi));
    return [mask.where(g, 0)];
  }, [xs]);
}

/** Element-wise maximum, broadcasting; NaN propagates. Ties split the gradient evenly, as in PyTorch. */
export function maximum(a: Tensor, b: Tensor): Tensor {
  return binaryOp('maximum', 'maximum', a, b, (g, x, y) => {
    const half = x.eq(y).where(0.5, 1);
    return [x.ge(y).where(g.mul(half), 0), y.ge(x).where(g.mul(half), 0)];
  });
}

/** Element-wise minimum, broadcasting; NaN propagates. Ties split the gradient evenly, as in PyTorch. */
export function minimum(a: Tensor, b: Tensor): Tensor {
  return binaryOp('minimum', 'minimum', a, b, (g, x, y) => {
    const half = x.eq(y).where(0.5, 1);
    return [x.le(y).where(g.mul(half), 0), y.le(x).where(g.mul(half), 0)];
  });
}

// --- activations -------------------------------------------------------------

/** ReLU's gradient from its output, one fused kernel pass over contiguous operands. */
function reluBackward(g: Tensor, _x: Tensor, out: Tensor): Tensor {
  const gx = allocUninit(out.shape, out.dtype);
  const gd = g.dtype === out.dtype ? g : castRaw(g, out.dtype);
  backend().reluBackward(gx.storage.data, flatData(gd), flatData(out), out.numel);
  return gx;
}

/** clamp's checked bounds (NaN where absent), shared by `clamp` and `clamp_`. */
function clampBounds(x: Tensor, min: number | null | undefined, max: number | null | undefined): [number, number] {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new ValueError('at least one of min or max must not be null', { op: 'clamp' });
  }
  for (const [what, v] of [['min', min], ['max', max]] as const) {
    if (v !== undefined && v !== null && typeof v !== 'number') throw new ArgumentTypeError(`${what} must be a number, got ${describeArg(v)}`, { op: 'clamp' });
  }
  if (x.dtype === 'bool') throw new DTypeError('not supported for bool tensors', { op: 'clamp', hint: 'convert it with .int() or .float() first' });
  return [min ?? NaN, max ?? NaN];
}

/** `max(x, 0)`, keeping integer dtypes. */
export function relu(x: Tensor): Tensor {
  if (x.dtype === 'bool') throw new DTypeError('boolean inputs are not supported', { op: 'relu', hint: 'convert it with .float() first' });
  // NOTE: the gradient at exactly 0 is 0 and a NaN output passes the gradient
  // through, both as PyTorch's threshold_backward (see Backend.reluBackward).
  return unarySame('relu', 'relu', x, reluBackward, 'output');
}

/** `x` where positive, `negativeSlope·x` elsewhere; floating point only. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return unaryFloatOnly('leakyRelu', 'leakyRelu', x, (g, xs) => xs.gt(0).where(g, g.mul(negativeSlope)), 'input', [negativeSlope]);
}

/** `1 / (1 + e^-x)`; int32/bool give float32. */
export function sigmoid(x: Tensor): Tensor {
  return unaryFloat('sigmoid', 'sigmoid', x, (g, _x, out) => g.mul(out).mul(out.neg().add(1)), 'output');
}

/** Hyperbolic tangent; int32/bool give float32. */
export function tanh(x: Tensor): Tensor {
  return unaryFloat('tanh', 'tanh', x, (g, _x, out) => g.mul(out.square().neg().add(1)), 'output');
}

/** `x·sigmoid(x)` (swish); floating point only. */
export function silu(x: Tensor): Tensor {
  // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))
  return unaryFloatOnly('silu', 'silu', x, (g, xf) => {
    const s = xf.sigmoid();
    return g.mul(s.mul(xf.mul(s.neg().add(1)).add(1)));
  }, 'input');
}

/** GELU, exact (`'none'`, with erf) or with PyTorch's tanh approximation (`'tanh'`). */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ValueError(`approximate argument must be either 'none' or 'tanh', got '${String(approximate)}'`, { op: 'gelu' });
  }
  const tanh = approximate === 'tanh';
  return unaryFloatOnly('gelu', tanh ? 'geluTanh' : 'gelu', x, (g, xf) => {
    // One fused kernel pass (PyTorch's gelu_backward): Φ(x) + x·φ(x), or the tanh approximation's derivative.
    const gx = allocUninit(xf.shape, xf.dtype);
    const gd = g.dtype === xf.dtype ? g : castRaw(g, xf.dtype);
    backend().geluBackward(gx.storage.data, flatData(gd), flatData(xf), xf.numel, tanh);
    return gx;
  }, 'input');
}

/** `log(1 + e^(beta·x)) / beta`, the identity where `beta·x > threshold`; floating point only. */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  // NOTE: above the threshold softplus is linear, and so is its gradient (1), as in PyTorch.
  return unaryFloatOnly('softplus', 'softplus', x, (g, xf) => {
    const z = xf.mul(beta);
    return z.gt(threshold).where(g, g.mul(z.sigmoid()));
  }, 'input', [beta, threshold]);
}

// --- comparisons and logic (no gradient) -------------------------------------

function compare(name: string, op: BinaryOp, a: Tensor, b: TensorLike): Tensor {
  const bT = asTensor(b, a, name);
  const dtype = resultType(a, bT);
  return runBinary(op, castRaw(a, dtype), castRaw(bT, dtype), name, 'bool');
}

/** `a == b` element-wise, broadcasting, compared in the promoted dtype; a bool tensor. */
export const eq = (a: Tensor, b: TensorLike): Tensor => compare('eq', 'eq', a, b);
/** `a != b` element-wise (bool). */
export const ne = (a: Tensor, b: TensorLike): Tensor => compare('ne', 'ne', a, b);
/** `a < b` element-wise (bool). */
export const lt = (a: Tensor, b: TensorLike): Tensor => compare('lt', 'lt', a, b);
/** `a <= b` element-wise (bool). */
export const le = (a: Tensor, b: TensorLike): Tensor => compare('le', 'le', a, b);
/** `a > b` element-wise (bool). */
export const gt = (a: Tensor, b: TensorLike): Tensor => compare('gt', 'gt', a, b);
/** `a >= b` element-wise (bool). */
export const ge = (a: Tensor, b: TensorLike): Tensor => compare('ge', 'ge', a, b);
/** Both non-zero, element-wise (bool). */
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => compare('logicalAnd', 'logicalAnd', a, b);
/** Either non-zero, element-wise (bool). */
export const logicalOr = (a: Tensor, b: Tensor): Tensor => compare('logicalOr', 'logicalOr', a, b);
/** Exactly one non-zero, element-wise (bool). */
export const logicalXor = (a: Tensor, b: Tensor): Tensor => compare('logicalXor', 'logicalXor', a, b);
/** Zero, element-wise (bool). */
export const logicalNot = (x: Tensor): Tensor => runUnary('logicalNot', x, 'bool');
/** NaN, element-wise (bool). */
export const isnan = (x: Tensor): Tensor => runUnary('isnan', x, 'bool');
/** Neither NaN nor ±inf, element-wise (bool). */
export const isfinite = (x: Tensor): Tensor => runUnary('isfinite', x, 'bool');

/**
 * `cond ? a : b` element-wise, broadcasting all three. Differentiable in `a`
 * and `b`. Two numbers give int32 when both are integers, float32 otherwise
 * (PyTorch 2.x's rule, with kindling's int32 for int64).
 *
 * ```ts
 * kd.where(x.gt(0), x, 0); // relu
 * ```
 */
export function where(cond: Tensor, aIn: TensorLike, bIn: TensorLike): Tensor {
  if (!(cond instanceof Tensor) || cond.dtype !== 'bool') {
    throw new DTypeError(`expected condition to be a bool tensor, but got ${cond instanceof Tensor ? `dtype ${cond.dtype}` : typeof cond}`, {
      op: 'where',
      hint: 'build the condition with a comparison such as x.gt(0)',
    });
  }
  const ref =
    aIn instanceof Tensor ? aIn
    : bIn instanceof Tensor ? bIn
    : scalarTensor(0, Number.isInteger(aIn) && Number.isInteger(bIn) ? 'int32' : 'float32');
  const a0 = asTensor(aIn, ref, 'where');
  const b0 = asTensor(bIn, ref, 'where');
  const dtype: DType = resultType(a0, b0);
  const a = castRaw(a0, dtype);
  const b = castRaw(b0, dtype);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const out = allocUninit(shape, dtype);
  backend().where(
    out.storage.data,
    { data: cond.storage.data, offset: cond.offset, strides: broadcastStrides(cond, shape) },
    { data: a.storage.data, offset: a.offset, strides: broadcastStrides(a, shape) },
    { data: b.storage.data, offset: b.offset, strides: broadcastStrides(b, shape) },
    shape,
  );
  return record(
    out,
    'WhereBackward0',
    [a0, b0],
    (g) => [
      a0.requiresGrad ? castRaw(sumToShape(cond.where(g, 0), a0.shape), a0.dtype) : null,
      b0.requiresGrad ? castRaw(sumToShape(cond.where(0, g), b0.shape), b0.dtype) : null,
    ],
    [cond],
  );
}

/**
 * `x` with `value` where `mask` (bool, broadcastable to `x`'s shape) is true.
 * The result keeps `x`'s dtype (the value is converted, as in PyTorch).
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (!(mask instanceof Tensor) || mask.dtype !== 'bool') {
    throw new DTypeError(`only bool masks are supported, but got ${mask instanceof Tensor ? `a mask with dtype ${mask.dtype}` : typeof mask}`, {
      op: 'maskedFill',
      hint: 'build the mask with a comparison such as x.lt(0)',
    });
  }
  if (typeof value !== 'number') throw new DTypeError(`value must be a number, got ${typeof value}`, { op: 'maskedFill' });
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedFill');
  if (shape.length !== x.shape.length || shape.some((d, i) => d !== x.shape[i])) {
    throw new ShapeError(`mask of shape ${fmtShape(mask.shape)} must broadcast to the tensor's shape ${fmtShape(x.shape)}`, { op: 'maskedFill' });
  }
  // NOTE: the value is converted to x's dtype first (2.5 into an int32 tensor is 2), as PyTorch does.
  const fill = scalarTensor(value, x.dtype);
  const out = allocUninit(shape, x.dtype);
  backend().where(
    out.storage.data,
    { data: mask.storage.data, offset: mask.offset, strides: broadcastStrides(mask, shape) },
    { data: fill.storage.data, offset: 0, strides: broadcastStrides(fill, shape) },
    { data: x.storage.data, offset: x.offset, strides: x.strides },
    shape,
  );
  return record(out, 'MaskedFillBackward0', [x], (g) => [mask.where(0, g)], [mask]);
}

// --- in place ----------------------------------------------------------------

// Each in-place op gives applyInPlace a `direct` write: when nothing is
// recorded and `t` is contiguous (so no two elements share memory), the
// kernel writes straight into `t` instead of into a result that is then
// copied. `direct` returns false where the general path must run (it gives
// the same value, or the same error).

/** `t`'s elements as the contiguous array a kernel writes (`t` must be contiguous). */
function ownData(t: Tensor): TypedArray {
  return t.storage.data.subarray(t.offset, t.offset + t.numel);
}

/** Whether `b` reads memory of `t` other than element for element (a shifted view of the same storage). */
function readsAcross(t: Tensor, b: Tensor): boolean {
  if (b.storage !== t.storage) return false;
  return b.offset !== t.offset || b.shape.length !== t.shape.length || b.shape.some((d, i) => d !== t.shape[i] || b.strides[i] !== t.strides[i]);
}

/** Whether `shape` broadcasts to `target` without growing it. */
function broadcastsTo(shape: readonly number[], target: readonly number[]): boolean {
  const lead = target.length - shape.length;
  return lead >= 0 && shape.every((d, i) => d === 1 || d === target[lead + i]);
}

/** The direct write of `t = t kernel alpha·o` for a floating `t` (see above). */
function binaryInto(t: Tensor, kernel: 'add' | 'sub' | 'mul' | 'div', o: TensorLike, alpha: number): boolean {
  if (!isFloating(t.dtype) || !(o instanceof Tensor || typeof o === 'number')) return false;
  const b = asTensor(o, t, kernel);
  if (isGradEnabled() && b.requiresGrad) return false;
  if (resultType(t, b) !== t.dtype || !broadcastsTo(b.shape, t.shape) || readsAcross(t, b)) return false;
  const scaled = castRaw(alpha === 1 ? b : mul(b, alpha), t.dtype);
  backend().binary(kernel, ownData(t), view(t), { data: scaled.storage.data, offset: scaled.offset, strides: broadcastStrides(scaled, t.shape) }, t.shape);
  return true;
}

/** In-place `t += alpha·o` (see applyInPlace for the autograd rules). */
export function add_(t: Tensor, o: TensorLike, opt?: { alpha?: number }): Tensor {
  return applyInPlace(t, 'add_', (s) => add(s, o, opt), undefined, () => binaryInto(t, 'add', o, alphaOf('add', opt ?? {})));
}
/** In-place `t -= alpha·o`. */
export function sub_(t: Tensor, o: TensorLike, opt?: { alpha?: number }): Tensor {
  return applyInPlace(t, 'sub_', (s) => sub(s, o, opt), undefined, () => binaryInto(t, 'sub', o, alphaOf('sub', opt ?? {})));
}
/** In-place `t *= o`. */
export const mul_ = (t: Tensor, o: TensorLike): Tensor => applyInPlace(t, 'mul_', (s) => mul(s, o), undefined, () => binaryInto(t, 'mul', o, 1));
/** In-place `t /= o` (refused on integer tensors: true division gives floats). */
export const div_ = (t: Tensor, o: TensorLike): Tensor => applyInPlace(t, 'div_', (s) => div(s, o), undefined, () => binaryInto(t, 'div', o, 1));
/** In-place clamp. */
export function clamp_(t: Tensor, lo?: number | null, hi?: number | null): Tensor {
  return applyInPlace(t, 'clamp_', (s) => clamp(s, lo, hi), undefined, () => {
    if (!isFloating(t.dtype)) return false;
    backend().unary('clamp', ownData(t), view(t), t.shape, clampBounds(t, lo, hi));
    return true;
  });
}
/** In-place relu. */
export function relu_(t: Tensor): Tensor {
  return applyInPlace(t, 'relu_', (s) => relu(s), undefined, () => {
    if (!isFloating(t.dtype)) return false;
    backend().unary('relu', ownData(t), view(t), t.shape);
    return true;
  });
}
/** In-place maskedFill. */
export const maskedFill_ = (t: Tensor, mask: Tensor, value: number): Tensor => applyInPlace(t, 'maskedFill_', (s) => maskedFill(s, mask, value));

/** Fills the tensor with `value`; under autograd its history gets a zero gradient (PyTorch's FillBackward0). */
export function fill_(t: Tensor, value: number): Tensor {
  if (typeof value !== 'number') throw new DTypeError(`value must be a number, got ${typeof value}`, { op: 'fill_' });
  const write = (): boolean => {
    backend().fill(t.storage.data, value, t.offset, t.numel);
    return true;
  };
  return applyInPlace(t, 'fill_', (s) => {
    const out = allocUninit(s.shape, s.dtype);
    backend().fill(out.storage.data, value, 0, out.numel);
    return out;
  }, 'FillBackward0', write);
}

/** Fills the tensor with zeros; under autograd its history gets a zero gradient (ZeroBackward0). */
export function zero_(t: Tensor): Tensor {
  const write = (): boolean => {
    backend().fill(t.storage.data, 0, t.offset, t.numel);
    return true;
  };
  return applyInPlace(t, 'zero_', (s) => alloc(s.shape, s.dtype), 'ZeroBackward0', write);
}

/** Copies `src` (broadcast to this shape, converted to this dtype) into the tensor. Differentiable in `src`. */
export function copy_(t: Tensor, src: Tensor): Tensor {
  if (!(src instanceof Tensor)) throw new DTypeError(`src must be a Tensor, got ${typeof src}`, { op: 'copy_', hint: 'use fill_ for a number' });
  return applyInPlace(t, 'copy_', () => {
    const shape = broadcastShapes(t.shape, src.shape, 'copy_');
    const out = allocUninit(shape, t.dtype);
    backend().copy(view(out), { data: src.storage.data, offset: src.offset, strides: broadcastStrides(src, shape) }, shape);
    if (!isFloating(t.dtype)) return out;
    return record(out, 'CopyBackwards', [src], (g) => [castRaw(sumToShape(g, src.shape), src.dtype)]);
  }, 'CopyBackwards', () => {
    if ((isGradEnabled() && src.requiresGrad) || !broadcastsTo(src.shape, t.shape) || src.storage === t.storage) return false;
    backend().copy(view(t), { data: src.storage.data, offset: src.offset, strides: broadcastStrides(src, t.shape) }, t.shape);
    return true;
  });
}
