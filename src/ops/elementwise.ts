/**
 * Element-wise ops: arithmetic, activations, comparisons, logical ops,
 * `where`, `maskedFill`, and their in-place forms. Each op's forward and
 * backward sit together (STYLE.md §1).
 */
import { backend } from '../backend/index.js';
import type { BinaryOp, UnaryOp } from '../backend/index.js';
import { record } from '../autograd/node.js';
import { DTypeError, ValueError } from '../errors.js';
import { alloc, scalarTensor } from '../tensor/creation.js';
import { isFloating, type DType } from '../tensor/dtype.js';
import type { TensorLike } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';
import { asTensor, broadcastShapes, broadcastStrides, castRaw, requireFloat, resultType, runBinary, runUnary, sumToShape, view } from './core.js';
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
  save: 'inputs' | 'output' | 'none' | 'crossed' = 'inputs',
): Tensor {
  const bT = asTensor(bIn, aIn);
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

/** A unary op on floats (ints are promoted to float32, as PyTorch does for exp/log/…). */
function unaryFloat(
  name: string,
  kernel: UnaryOp,
  x: Tensor,
  backward: (g: Tensor, x: Tensor, out: Tensor) => Tensor,
  params?: readonly number[],
): Tensor {
  const xf = isFloating(x.dtype) ? x : castRaw(x, 'float32');
  const out = runUnary(kernel, xf, xf.dtype, params);
  return record(out, `${capitalize(name)}Backward0`, [x], (g) => [backward(g, xf, out)], [xf, out]);
}

/** A unary op that keeps integer dtypes (neg, abs, relu …). */
function unarySame(name: string, kernel: UnaryOp, x: Tensor, backward: ((g: Tensor, x: Tensor, out: Tensor) => Tensor) | null, params?: readonly number[]): Tensor {
  if (x.dtype === 'bool' && kernel !== 'logicalNot') {
    throw new DTypeError(`not supported for bool tensors`, { op: name, hint: 'convert with .int() or .float() first' });
  }
  const out = runUnary(kernel, x, x.dtype, params);
  if (backward === null) return out;
  return record(out, `${capitalize(name)}Backward0`, [x], (g) => [backward(g, x, out)], [x, out]);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// --- arithmetic --------------------------------------------------------------

export function add(a: Tensor, b: TensorLike, options: { alpha?: number } = {}): Tensor {
  const alpha = options.alpha ?? 1;
  if (alpha !== 1) return add(a, mul(asTensor(b, a), alpha));
  return binaryOp('add', 'add', a, b, (g) => [g, g], 'none');
}

export function sub(a: Tensor, b: TensorLike, options: { alpha?: number } = {}): Tensor {
  const alpha = options.alpha ?? 1;
  if (alpha !== 1) return sub(a, mul(asTensor(b, a), alpha));
  if (a.dtype === 'bool') throw new DTypeError('subtraction with two bool tensors is not supported', { op: 'sub', hint: 'use logicalXor' });
  return binaryOp('sub', 'sub', a, b, (g) => [g, g.neg()], 'none');
}

export function mul(a: Tensor, b: TensorLike): Tensor {
  return binaryOp('mul', 'mul', a, b, (g, x, y) => [g.mul(y), g.mul(x)], 'crossed');
}

export function div(a: Tensor, b: TensorLike): Tensor {
  // NOTE: true division, as PyTorch's `/`: integer operands give float32.
  let aa = a;
  let bb = asTensor(b, a);
  if (!isFloating(resultType(aa, bb))) {
    aa = castRaw(aa, 'float32');
    bb = castRaw(bb, 'float32');
    if (a.requiresGrad || bb.requiresGrad) throw new DTypeError('integer tensors cannot require grad', { op: 'div' });
  }
  return binaryOp('div', 'div', aa, bb, (g, x, y, out) => [g.div(y), g.mul(out).div(y).neg()], 'inputs');
}

export function pow(a: Tensor, exponent: TensorLike): Tensor {
  if (typeof exponent === 'number') {
    const e = exponent;
    return binaryOp('pow', 'pow', a, e, (g, x) => {
      // NOTE: d/dx x^0 is 0 everywhere (also at x = 0, where e·x^(e-1) would be 0·inf).
      if (e === 0) return [g.mul(0), null];
      return [g.mul(x.pow(e - 1).mul(e)), null];
    });
  }
  return binaryOp('pow', 'pow', a, exponent, (g, x, y, out) => {
    const gx = g.mul(y).mul(x.pow(y.sub(1)));
    // NOTE: d/dy x^y = x^y·log x; PyTorch defines it as 0 where x == 0 and y >= 0, instead of NaN.
    const logx = x.log();
    const safeLog = x.eq(0).logicalAnd(y.ge(0)).where(0, logx);
    return [gx, g.mul(out).mul(safeLog)];
  });
}

export function neg(x: Tensor): Tensor {
  return unarySame('neg', 'neg', x, (g) => g.neg());
}

export function exp(x: Tensor): Tensor {
  return unaryFloat('exp', 'exp', x, (g, _x, out) => g.mul(out));
}

export function log(x: Tensor): Tensor {
  return unaryFloat('log', 'log', x, (g, xf) => g.div(xf));
}

export function sqrt(x: Tensor): Tensor {
  return unaryFloat('sqrt', 'sqrt', x, (g, _x, out) => g.div(out.mul(2)));
}

export function rsqrt(x: Tensor): Tensor {
  // d/dx x^(-1/2) = -1/2 · x^(-3/2) = -1/2 · out³
  return unaryFloat('rsqrt', 'rsqrt', x, (g, _x, out) => g.mul(out.pow(3)).mul(-0.5));
}

export function abs(x: Tensor): Tensor {
  // NOTE: the gradient of |x| at 0 is 0 (sign(0) = 0), as in PyTorch.
  return unarySame('abs', 'abs', x, (g, xs) => g.mul(xs.sign()));
}

export function sign(x: Tensor): Tensor {
  return unarySame('sign', 'sign', x, (g) => g.mul(0));
}

export function reciprocal(x: Tensor): Tensor {
  return unaryFloat('reciprocal', 'reciprocal', x, (g, _x, out) => g.mul(out.square()).neg());
}

export function square(x: Tensor): Tensor {
  return unarySame('square', 'square', x, (g, xs) => g.mul(xs).mul(2));
}

export function sin(x: Tensor): Tensor {
  return unaryFloat('sin', 'sin', x, (g, xf) => g.mul(xf.cos()));
}

export function cos(x: Tensor): Tensor {
  return unaryFloat('cos', 'cos', x, (g, xf) => g.mul(xf.sin()).neg());
}

export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new ValueError('at least one of min or max must not be null', { op: 'clamp' });
  }
  const lo = min ?? NaN;
  const hi = max ?? NaN;
  // NOTE: the gradient passes where min <= x <= max (boundaries included), as PyTorch's clamp_backward.
  return unarySame('clamp', 'clamp', x, (g, xs) => {
    let mask = xs.eq(xs); // true except NaN
    if (!Number.isNaN(lo)) mask = mask.logicalAnd(xs.ge(lo));
    if (!Number.isNaN(hi)) mask = mask.logicalAnd(xs.le(hi));
    return mask.where(g, 0);
  }, [lo, hi]);
}

export function maximum(a: Tensor, b: Tensor): Tensor {
  // NOTE: where a == b the gradient is split evenly between the two, as PyTorch does.
  return binaryOp('maximum', 'maximum', a, b, (g, x, y) => {
    const half = x.eq(y).where(0.5, 1);
    return [x.gt(y).logicalOr(x.eq(y)).where(g.mul(half), 0), y.gt(x).logicalOr(x.eq(y)).where(g.mul(half), 0)];
  });
}

export function minimum(a: Tensor, b: Tensor): Tensor {
  return binaryOp('minimum', 'minimum', a, b, (g, x, y) => {
    const half = x.eq(y).where(0.5, 1);
    return [x.lt(y).logicalOr(x.eq(y)).where(g.mul(half), 0), y.lt(x).logicalOr(x.eq(y)).where(g.mul(half), 0)];
  });
}

// --- activations -------------------------------------------------------------

export function relu(x: Tensor): Tensor {
  // NOTE: the gradient at exactly 0 is 0 (PyTorch's threshold_backward uses out > 0).
  return unarySame('relu', 'relu', x, (g, _x, out) => out.gt(0).where(g, 0));
}

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  requireFloat(x, 'leakyRelu');
  return unarySame('leakyRelu', 'leakyRelu', x, (g, xs) => xs.gt(0).where(g, g.mul(negativeSlope)), [negativeSlope]);
}

export function sigmoid(x: Tensor): Tensor {
  return unaryFloat('sigmoid', 'sigmoid', x, (g, _x, out) => g.mul(out).mul(out.neg().add(1)));
}

export function tanh(x: Tensor): Tensor {
  return unaryFloat('tanh', 'tanh', x, (g, _x, out) => g.mul(out.square().neg().add(1)));
}

export function silu(x: Tensor): Tensor {
  // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))
  return unaryFloat('silu', 'silu', x, (g, xf) => {
    const s = xf.sigmoid();
    return g.mul(s.mul(xf.mul(s.neg().add(1)).add(1)));
  });
}

export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ValueError(`approximate argument must be either none or tanh, got '${String(approximate)}'`, { op: 'gelu' });
  }
  if (approximate === 'tanh') {
    const k = Math.sqrt(2 / Math.PI);
    return unaryFloat('gelu', 'geluTanh', x, (g, xf) => {
      // u = k(x + 0.044715x³); d/dx 0.5x(1 + tanh u) = 0.5(1 + tanh u) + 0.5x(1 − tanh²u)·k(1 + 3·0.044715x²)
      const x2 = xf.square();
      const t = xf.add(xf.mul(x2).mul(0.044715)).mul(k).tanh();
      const left = t.add(1).mul(0.5);
      const right = xf.mul(0.5).mul(t.square().neg().add(1)).mul(x2.mul(3 * 0.044715).add(1).mul(k));
      return g.mul(left.add(right));
    });
  }
  return unaryFloat('gelu', 'gelu', x, (g, xf) => {
    // d/dx x·Φ(x) = Φ(x) + x·φ(x)
    const cdf = runUnary('gelu', xf).div(xf); // Φ(x) = gelu(x)/x, but not at 0:
    const phi = xf.square().mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI));
    const safeCdf = xf.eq(0).where(0.5, cdf);
    return g.mul(safeCdf.add(xf.mul(phi)));
  });
}

export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  // NOTE: above the threshold softplus is linear, and so is its gradient (1), as in PyTorch.
  return unaryFloat('softplus', 'softplus', x, (g, xf) => {
    const z = xf.mul(beta);
    return z.gt(threshold).where(g, g.mul(z.sigmoid()));
  }, [beta, threshold]);
}

// --- comparisons and logic (no gradient) -------------------------------------

function compare(name: string, op: BinaryOp, a: Tensor, b: TensorLike): Tensor {
  const bT = asTensor(b, a);
  const dtype = resultType(a, bT);
  return runBinary(op, castRaw(a, dtype), castRaw(bT, dtype), name, 'bool');
}

export const eq = (a: Tensor, b: TensorLike): Tensor => compare('eq', 'eq', a, b);
export const ne = (a: Tensor, b: TensorLike): Tensor => compare('ne', 'ne', a, b);
export const lt = (a: Tensor, b: TensorLike): Tensor => compare('lt', 'lt', a, b);
export const le = (a: Tensor, b: TensorLike): Tensor => compare('le', 'le', a, b);
export const gt = (a: Tensor, b: TensorLike): Tensor => compare('gt', 'gt', a, b);
export const ge = (a: Tensor, b: TensorLike): Tensor => compare('ge', 'ge', a, b);
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => compare('logicalAnd', 'logicalAnd', a, b);
export const logicalOr = (a: Tensor, b: Tensor): Tensor => compare('logicalOr', 'logicalOr', a, b);
export const logicalXor = (a: Tensor, b: Tensor): Tensor => compare('logicalXor', 'logicalXor', a, b);
export const logicalNot = (x: Tensor): Tensor => runUnary('logicalNot', x, 'bool');
export const isnan = (x: Tensor): Tensor => runUnary('isnan', x, 'bool');
export const isfinite = (x: Tensor): Tensor => runUnary('isfinite', x, 'bool');

/**
 * `cond ? a : b` element-wise, broadcasting all three. Differentiable in `a`
 * and `b`.
 */
export function where(cond: Tensor, aIn: TensorLike, bIn: TensorLike): Tensor {
  if (cond.dtype !== 'bool') {
    throw new DTypeError(`where expected condition to be a bool tensor, but got a tensor with dtype ${cond.dtype}`, {
      op: 'where',
      hint: 'build the condition with a comparison such as x.gt(0)',
    });
  }
  const ref = aIn instanceof Tensor ? aIn : bIn instanceof Tensor ? bIn : scalarTensor(0, 'float32');
  const a0 = asTensor(aIn, ref);
  const b0 = asTensor(bIn, ref);
  const dtype: DType = resultType(a0, b0);
  const a = castRaw(a0, dtype);
  const b = castRaw(b0, dtype);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const out = alloc(shape, dtype);
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
      castRaw(sumToShape(cond.where(g, 0), a0.shape), a0.dtype),
      castRaw(sumToShape(cond.where(0, g), b0.shape), b0.dtype),
    ],
    [cond],
  );
}

export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (mask.dtype !== 'bool') {
    throw new DTypeError(`masked_fill only supports boolean masks, but got mask with dtype ${mask.dtype}`, { op: 'maskedFill' });
  }
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedFill');
  if (shape.length !== x.shape.length || shape.some((d, i) => d !== x.shape[i])) {
    throw new DTypeError(`mask of shape [${mask.shape.join(', ')}] must broadcast to the tensor's shape [${x.shape.join(', ')}]`, { op: 'maskedFill' });
  }
  return where(mask, scalarTensor(value, isFloating(x.dtype) || Number.isInteger(value) ? x.dtype : 'float32'), x);
}

// --- in place ----------------------------------------------------------------

export const add_ = (t: Tensor, o: TensorLike, opt?: { alpha?: number }): Tensor => applyInPlace(t, 'add_', (s) => add(s, o, opt));
export const sub_ = (t: Tensor, o: TensorLike, opt?: { alpha?: number }): Tensor => applyInPlace(t, 'sub_', (s) => sub(s, o, opt));
export const mul_ = (t: Tensor, o: TensorLike): Tensor => applyInPlace(t, 'mul_', (s) => mul(s, o));
export const div_ = (t: Tensor, o: TensorLike): Tensor => applyInPlace(t, 'div_', (s) => div(s, o));
export const clamp_ = (t: Tensor, lo?: number | null, hi?: number | null): Tensor => applyInPlace(t, 'clamp_', (s) => clamp(s, lo, hi));
export const relu_ = (t: Tensor): Tensor => applyInPlace(t, 'relu_', (s) => relu(s));
export const maskedFill_ = (t: Tensor, mask: Tensor, value: number): Tensor => applyInPlace(t, 'maskedFill_', (s) => maskedFill(s, mask, value));

export function fill_(t: Tensor, value: number): Tensor {
  return applyInPlace(t, 'fill_', (s) => {
    const out = alloc(s.shape, s.dtype);
    backend().fill(out.storage.data, value, 0, out.numel);
    return out;
  });
}

export const zero_ = (t: Tensor): Tensor => fill_(t, 0);

/** Copies `src` (broadcast to this shape, converted to this dtype) into the tensor. */
export function copy_(t: Tensor, src: Tensor): Tensor {
  return applyInPlace(t, 'copy_', () => {
    const shape = broadcastShapes(t.shape, src.shape, 'copy_');
    const out = alloc(shape, t.dtype);
    backend().copy(view(out), { data: src.storage.data, offset: src.offset, strides: broadcastStrides(src, shape) }, shape);
    if (!isFloating(src.dtype) || !src.requiresGrad) return out;
    return record(out, 'CopyBackwards', [src], (g) => [castRaw(sumToShape(g, src.shape), src.dtype)]);
  });
}
