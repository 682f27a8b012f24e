/**
 * Installs the op methods on `Tensor.prototype`, once. The method types are
 * declared in tensor/methods.ts; the `satisfies` check below makes a declared
 * method that no op implements a compile error.
 */
import { backward } from '../autograd/engine.js';
import type { TensorMethods } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';
import * as ew from './elementwise.js';
import * as ix from './indexing.js';
import * as mmops from './matmul.js';
import * as red from './reduce.js';
import * as sh from './shape.js';
import * as sm from './softmax.js';
import { formatTensor } from './format.js';

type Methods = Omit<TensorMethods, 'T'>;

const methods = {
  backward(this: Tensor, gradient, options) {
    backward(this, gradient, options);
  },
  retainGrad(this: Tensor) {
    if (this.gradFn === null) return;
    this.retainsGrad = true;
    this.gradFn.retainedBy = this;
  },
  detach(this: Tensor) {
    return sh.detach(this);
  },
  detach_(this: Tensor) {
    return sh.detach_(this);
  },

  toArray(this: Tensor) {
    return sh.toArray(this);
  },
  item(this: Tensor) {
    return sh.item(this);
  },
  toString(this: Tensor) {
    return formatTensor(this);
  },
  contiguous(this: Tensor) {
    return sh.contiguous(this);
  },
  clone(this: Tensor) {
    return sh.cloneOp(this);
  },
  to(this: Tensor, dtype) {
    return sh.to(this, dtype);
  },
  float(this: Tensor) {
    return sh.to(this, 'float32');
  },
  double(this: Tensor) {
    return sh.to(this, 'float64');
  },
  int(this: Tensor) {
    return sh.to(this, 'int32');
  },
  bool(this: Tensor) {
    return sh.to(this, 'bool');
  },
  dataSync(this: Tensor) {
    return sh.dataSync(this);
  },

  view(this: Tensor, ...shape) {
    return sh.viewOp(this, ...shape);
  },
  reshape(this: Tensor, ...shape) {
    return sh.reshape(this, ...shape);
  },
  flatten(this: Tensor, startDim, endDim) {
    return sh.flatten(this, startDim, endDim);
  },
  unflatten(this: Tensor, dim, sizes) {
    return sh.unflatten(this, dim, sizes);
  },
  transpose(this: Tensor, dim0, dim1) {
    return sh.transpose(this, dim0, dim1);
  },
  t(this: Tensor) {
    return sh.tOp(this);
  },
  permute(this: Tensor, ...dims) {
    return sh.permute(this, ...dims);
  },
  expand(this: Tensor, ...shape) {
    return sh.expand(this, ...shape);
  },
  expandAs(this: Tensor, other) {
    return sh.expand(this, other.shape);
  },
  squeeze(this: Tensor, dim) {
    return sh.squeeze(this, dim);
  },
  unsqueeze(this: Tensor, dim) {
    return sh.unsqueeze(this, dim);
  },
  narrow(this: Tensor, dim, start, length) {
    return sh.narrow(this, dim, start, length);
  },
  select(this: Tensor, dim, index) {
    return sh.select(this, dim, index);
  },
  slice(this: Tensor, ...ranges) {
    return sh.slice(this, ...ranges);
  },
  split(this: Tensor, splitSize, dim) {
    return sh.split(this, splitSize, dim);
  },
  chunk(this: Tensor, chunks, dim) {
    return sh.chunk(this, chunks, dim);
  },
  repeat(this: Tensor, ...sizes) {
    return sh.repeat(this, ...sizes);
  },

  add(this: Tensor, other, options) {
    return ew.add(this, other, options);
  },
  sub(this: Tensor, other, options) {
    return ew.sub(this, other, options);
  },
  mul(this: Tensor, other) {
    return ew.mul(this, other);
  },
  div(this: Tensor, other) {
    return ew.div(this, other);
  },
  pow(this: Tensor, e) {
    return ew.pow(this, e);
  },
  neg(this: Tensor) {
    return ew.neg(this);
  },
  exp(this: Tensor) {
    return ew.exp(this);
  },
  log(this: Tensor) {
    return ew.log(this);
  },
  sqrt(this: Tensor) {
    return ew.sqrt(this);
  },
  rsqrt(this: Tensor) {
    return ew.rsqrt(this);
  },
  abs(this: Tensor) {
    return ew.abs(this);
  },
  sign(this: Tensor) {
    return ew.sign(this);
  },
  reciprocal(this: Tensor) {
    return ew.reciprocal(this);
  },
  square(this: Tensor) {
    return ew.square(this);
  },
  sin(this: Tensor) {
    return ew.sin(this);
  },
  cos(this: Tensor) {
    return ew.cos(this);
  },
  clamp(this: Tensor, lo, hi) {
    return ew.clamp(this, lo, hi);
  },
  minimum(this: Tensor, other) {
    return ew.minimum(this, other);
  },
  maximum(this: Tensor, other) {
    return ew.maximum(this, other);
  },
  relu(this: Tensor) {
    return ew.relu(this);
  },
  gelu(this: Tensor, approximate) {
    return ew.gelu(this, approximate);
  },
  silu(this: Tensor) {
    return ew.silu(this);
  },
  sigmoid(this: Tensor) {
    return ew.sigmoid(this);
  },
  tanh(this: Tensor) {
    return ew.tanh(this);
  },
  softplus(this: Tensor, beta, threshold) {
    return ew.softplus(this, beta, threshold);
  },
  leakyRelu(this: Tensor, slope) {
    return ew.leakyRelu(this, slope);
  },
  eq(this: Tensor, o) {
    return ew.eq(this, o);
  },
  ne(this: Tensor, o) {
    return ew.ne(this, o);
  },
  lt(this: Tensor, o) {
    return ew.lt(this, o);
  },
  le(this: Tensor, o) {
    return ew.le(this, o);
  },
  gt(this: Tensor, o) {
    return ew.gt(this, o);
  },
  ge(this: Tensor, o) {
    return ew.ge(this, o);
  },
  logicalAnd(this: Tensor, o) {
    return ew.logicalAnd(this, o);
  },
  logicalOr(this: Tensor, o) {
    return ew.logicalOr(this, o);
  },
  logicalXor(this: Tensor, o) {
    return ew.logicalXor(this, o);
  },
  logicalNot(this: Tensor) {
    return ew.logicalNot(this);
  },
  isnan(this: Tensor) {
    return ew.isnan(this);
  },
  isfinite(this: Tensor) {
    return ew.isfinite(this);
  },
  where(this: Tensor, a, b) {
    return ew.where(this, a, b);
  },
  maskedFill(this: Tensor, mask, value) {
    return ew.maskedFill(this, mask, value);
  },

  add_(this: Tensor, o, options) {
    return ew.add_(this, o, options);
  },
  sub_(this: Tensor, o, options) {
    return ew.sub_(this, o, options);
  },
  mul_(this: Tensor, o) {
    return ew.mul_(this, o);
  },
  div_(this: Tensor, o) {
    return ew.div_(this, o);
  },
  clamp_(this: Tensor, lo, hi) {
    return ew.clamp_(this, lo, hi);
  },
  zero_(this: Tensor) {
    return ew.zero_(this);
  },
  fill_(this: Tensor, v) {
    return ew.fill_(this, v);
  },
  copy_(this: Tensor, src) {
    return ew.copy_(this, src);
  },
  maskedFill_(this: Tensor, mask, v) {
    return ew.maskedFill_(this, mask, v);
  },
  relu_(this: Tensor) {
    return ew.relu_(this);
  },

  sum(this: Tensor, dim, options) {
    return red.sum(this, dim, options);
  },
  mean(this: Tensor, dim, options) {
    return red.mean(this, dim, options);
  },
  max(this: Tensor, dim?: number, options?: { keepdim?: boolean }) {
    return red.max(this, dim, options) as Tensor & { values: Tensor; indices: Tensor };
  },
  min(this: Tensor, dim?: number, options?: { keepdim?: boolean }) {
    return red.min(this, dim, options) as Tensor & { values: Tensor; indices: Tensor };
  },
  amax(this: Tensor, dim, options) {
    return red.amax(this, dim, options);
  },
  amin(this: Tensor, dim, options) {
    return red.amin(this, dim, options);
  },
  argmax(this: Tensor, dim, options) {
    return red.argmax(this, dim, options);
  },
  argmin(this: Tensor, dim, options) {
    return red.argmin(this, dim, options);
  },
  prod(this: Tensor, dim, options) {
    return red.prod(this, dim, options);
  },
  var(this: Tensor, dim, options) {
    return red.variance(this, dim, options);
  },
  std(this: Tensor, dim, options) {
    return red.std(this, dim, options);
  },
  norm(this: Tensor, p, dim, options) {
    return red.norm(this, p, dim, options);
  },
  all(this: Tensor, dim, options) {
    return red.all(this, dim, options);
  },
  any(this: Tensor, dim, options) {
    return red.any(this, dim, options);
  },
  softmax(this: Tensor, dim) {
    return sm.softmax(this, dim);
  },
  logSoftmax(this: Tensor, dim) {
    return sm.logSoftmax(this, dim);
  },
  logsumexp(this: Tensor, dim, options) {
    return sm.logsumexp(this, dim, options);
  },

  matmul(this: Tensor, other) {
    return mmops.matmul(this, other);
  },
  mm(this: Tensor, other) {
    return mmops.mm(this, other);
  },
  bmm(this: Tensor, other) {
    return mmops.bmm(this, other);
  },

  indexSelect(this: Tensor, dim, index) {
    return ix.indexSelect(this, dim, index);
  },
  gather(this: Tensor, dim, index) {
    return ix.gather(this, dim, index);
  },
  scatterAdd(this: Tensor, dim, index, src) {
    return ix.scatterAdd(this, dim, index, src);
  },
} satisfies Methods & ThisType<Tensor>;

let installed = false;

/** Puts the op methods on Tensor.prototype (idempotent). */
export function installTensorMethods(): void {
  if (installed) return;
  installed = true;
  Object.assign(Tensor.prototype, methods);
  // console.log / util.inspect in Node print the PyTorch-style repr (a registry symbol: no Node import).
  Object.defineProperty(Tensor.prototype, Symbol.for('nodejs.util.inspect.custom'), {
    value(this: Tensor) {
      return formatTensor(this);
    },
    configurable: true,
  });
  Object.defineProperty(Tensor.prototype, 'T', {
    get(this: Tensor) {
      return sh.tOp(this);
    },
    configurable: true,
  });
}

installTensorMethods();
