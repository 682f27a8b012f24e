/**
 * softmax, logSoftmax and logsumexp: the max-shifted exponential family,
 * each one backend kernel over an `[outer, size, inner]` layout with its
 * backward beside it.
 */
import { backend } from '../backend/index.js';
import { record } from '../autograd/node.js';
import { allocUninit } from '../tensor/creation.js';
import { isFloating } from '../tensor/dtype.js';
import type { Dims, ReduceOptions } from '../tensor/methods.js';
import { normalizeDim, type Tensor } from '../tensor/tensor.js';
import { castRaw, flatData, requireFloat } from './core.js';
import { keepdimOf, reducedShape, reductionDims, reductionLayout, unreduce } from './reduce.js';

/** `[outer, size, inner]` of `shape` around dimension `d` (a 0-d tensor is one element). */
function around(shape: readonly number[], d: number): [number, number, number] {
  if (shape.length === 0) return [1, 1, 1];
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < d; i++) outer *= shape[i]!;
  for (let i = d + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[d]!, inner];
}

function softmaxOp(x: Tensor, dim: number, log: boolean): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  requireFloat(x, op);
  const d = normalizeDim(dim, x.ndim, op);
  const [outer, size, inner] = around(x.shape, d);
  const out = allocUninit(x.shape, x.dtype);
  backend().softmax(out.storage.data, flatData(x), outer, size, inner, log);
  return record(
    out,
    log ? 'LogSoftmaxBackward0' : 'SoftmaxBackward0',
    [x],
    (g) => {
      const gx = allocUninit(x.shape, x.dtype);
      backend().softmaxBackward(gx.storage.data, flatData(g), out.storage.data, outer, size, inner, log);
      return [gx];
    },
    [out],
  );
}

/**
 * `exp(x) / Σ exp(x)` along `dim`, computed with the max subtracted so that
 * large inputs do not overflow.
 *
 * ```ts
 * kd.softmax(kd.tensor([[1, 2, 3]]), 1); // tensor([[0.0900, 0.2447, 0.6652]])
 * ```
 */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxOp(x, dim, false);
}

/**
 * `log(softmax(x))` along `dim`, computed directly as `x - max - log Σ exp(x - max)`
 * (more accurate than taking the log of softmax, which underflows to -inf).
 *
 * ```ts
 * kd.logSoftmax(kd.tensor([[1, 2, 3]]), 1); // tensor([[-2.4076, -1.4076, -0.4076]])
 * ```
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxOp(x, dim, true);
}

/**
 * `log Σ exp(x)` over `dim` (one or several dimensions), shifted by the max
 * for stability. Integer inputs give float32 (PyTorch 2.x).
 *
 * ```ts
 * kd.logsumexp(kd.tensor([[0, 0], [1, 1]]), 1); // tensor([0.6931, 1.6931])
 * ```
 */
export function logsumexp(x: Tensor, dim: Dims, options: ReduceOptions = {}): Tensor {
  // NOTE: PyTorch 1.13 refuses integer inputs; 2.x promotes them to the default float dtype, which we follow.
  const xf = isFloating(x.dtype) ? x : castRaw(x, 'float32');
  const dims = reductionDims(xf, dim, 'logsumexp');
  const keepdim = keepdimOf('logsumexp', options);
  const out = allocUninit(reducedShape(xf.shape, dims, keepdim), xf.dtype);
  const { src, outer, size, inner } = reductionLayout(xf, dims);
  backend().logsumexp(out.storage.data, flatData(src), outer, size, inner);
  // d/dx logsumexp = softmax = exp(x - out), broadcast back over the reduced dims.
  // NOTE: x - out <= 0, so the exp cannot overflow (no second max shift needed).
  return record(
    out,
    'LogsumexpBackward0',
    [x],
    (g) => [unreduce(g, xf.shape, dims, keepdim).mul(xf.sub(unreduce(out, xf.shape, dims, keepdim)).exp())],
    [xf, out],
  );
}
