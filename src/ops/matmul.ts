/**
 * Matrix products: matmul (PyTorch's 1-D/2-D/batched/broadcasting rules),
 * mm, bmm, linear. Everything lands in the backend's strided batched GEMM;
 * transposed operands are passed as strides, never copied.
 */
import { backend, type MatrixView } from '../backend/index.js';
import { record } from '../autograd/node.js';
import { ArgumentTypeError, describeArg, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { allocUninit } from '../tensor/creation.js';
import { isFloating } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, prodOf, sumToShape } from './core.js';
import { reduceRaw } from './reduce.js';

function checkOperands(op: string, a: Tensor, b: Tensor): void {
  for (const [which, t] of [['first', a], ['second', b]] as const) {
    if (!(t instanceof Tensor)) throw new ArgumentTypeError(`the ${which} operand must be a Tensor, got ${describeArg(t)}`, { op, hint: 'wrap values with kd.tensor(...)' });
  }
  if (a.dtype !== b.dtype) {
    throw new DTypeError(`expected both operands to have the same dtype, but got ${a.dtype} and ${b.dtype}`, { op, hint: 'convert one with .to()' });
  }
  // NOTE: deliberate difference from PyTorch, whose CPU matmul also multiplies integer
  // matrices: kindling's GEMM kernels (js and native) are floating point only.
  if (!isFloating(a.dtype)) throw new DTypeError(`expected floating point operands, got ${a.dtype}`, { op, hint: 'convert with .float()' });
}

/**
 * The raw batched product of `a` `[...batch, m, k]` and `b` `[...batch, k, n]`
 * (batch dims already broadcast-equal), without autograd.
 */
function bmmRaw(a: Tensor, b: Tensor): Tensor {
  const nd = a.ndim;
  const m = a.shape[nd - 2]!;
  const k = a.shape[nd - 1]!;
  const n = b.shape[nd - 1]!;
  const batchShape = a.shape.slice(0, nd - 2);
  const out = allocUninit([...batchShape, m, n], a.dtype);
  // Flatten batch dims when each operand walks them with one stride; otherwise loop.
  const batch = batchShape.reduce((x, y) => x * y, 1);
  const flatStride = (t: Tensor): number | null => {
    let stride: number | null = null;
    let expected = 0;
    for (let i = nd - 3; i >= 0; i--) {
      if (t.shape[i] === 1) continue;
      if (stride === null) {
        stride = t.strides[i]!;
        expected = stride * t.shape[i]!;
      } else if (t.strides[i] !== expected) return null;
      else expected *= t.shape[i]!;
    }
    return stride ?? 0;
  };
  const sa = flatStride(a);
  const sb = flatStride(b);
  const mv = (t: Tensor, off: number, bs: number): MatrixView => ({
    data: t.storage.data,
    offset: off,
    batchStride: bs,
    rowStride: t.strides[nd - 2]!,
    colStride: t.strides[nd - 1]!,
  });
  if (sa !== null && sb !== null) {
    backend().matmul(out.storage.data, mv(a, a.offset, sa), mv(b, b.offset, sb), batch, m, n, k);
    return out;
  }
  // General strided batches: one GEMM call per batch element.
  const idx = new Array<number>(nd - 2).fill(0);
  for (let bt = 0; bt < batch; bt++) {
    let oa = a.offset;
    let ob = b.offset;
    for (let i = 0; i < nd - 2; i++) {
      oa += idx[i]! * a.strides[i]!;
      ob += idx[i]! * b.strides[i]!;
    }
    const outView = out.storage.data.subarray(bt * m * n, (bt + 1) * m * n);
    backend().matmul(outView, mv(a, oa, 0), mv(b, ob, 0), 1, m, n, k);
    for (let i = nd - 3; i >= 0; i--) {
      if (++idx[i]! < batchShape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

/**
 * Matrix product with PyTorch's rules: 1-D·1-D is a dot product, a 1-D
 * operand is treated as a row (left) or column (right) vector and that
 * dimension removed afterwards, and batch dimensions broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkOperands('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`, { op: 'matmul' });
  }
  return product('matmul', a, b);
}

/** matmul for checked operands; `op` names the caller in errors. */
function product(op: string, a: Tensor, b: Tensor): Tensor {
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
  const k = a2.shape[a2.ndim - 1]!;
  if (b2.shape[b2.ndim - 2] !== k) {
    throw new ShapeError(
      `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${k} != ${b2.shape[b2.ndim - 2]})`,
      { op },
    );
  }
  if (a2.ndim > 2 && b2.ndim === 2) {
    // NOTE: a batch of rows times one matrix is one GEMM over the folded rows
    // (PyTorch's matmul folds too): expanding `b` instead made its gradient a
    // batch of products summed by a strided copy and a reduction.
    const lead = a2.shape.slice(0, -1);
    const out = mmRecorded(a2.reshape([prodOf(lead), k]), b2);
    return out.view(b.ndim === 1 ? lead : [...lead, b2.shape[1]!]);
  }
  const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), op);
  const ae = a2.expand([...batch, ...a2.shape.slice(-2)]);
  const be = b2.expand([...batch, ...b2.shape.slice(-2)]);
  let out = mmRecorded(ae, be);
  if (a.ndim === 1) out = out.squeeze(-2);
  if (b.ndim === 1) out = out.squeeze(-1);
  return out;
}

/**
 * `l·r`, laid out in memory like `like`: when `like` is a transposed matrix
 * (e.g. the `weight.t()` of linear), computes `(rᵀ·lᵀ)ᵀ` so that the
 * gradient, once the transpose's backward turns it around, is contiguous in
 * the weight's own layout (the engine can then take it as `.grad` without a copy).
 */
function productLike(like: Tensor, l: Tensor, r: Tensor): Tensor {
  const nd = like.ndim;
  const rows = like.shape[nd - 2]!;
  const cols = like.shape[nd - 1]!;
  const transposed = rows > 1 && cols > 1 && like.strides[nd - 2] === 1 && like.strides[nd - 1] === rows;
  return transposed ? bmmRaw(r.transpose(-1, -2), l.transpose(-1, -2)).transpose(-1, -2) : bmmRaw(l, r);
}

/** The batched product with its backward: dA = dC·Bᵀ, dB = Aᵀ·dC (summed over broadcast batches by the expand's backward). */
function mmRecorded(a: Tensor, b: Tensor): Tensor {
  const out = bmmRaw(a, b);
  return record(
    out,
    'MmBackward0',
    [a, b],
    (g) => [
      a.requiresGrad ? sumToShape(productLike(a, g, b.transpose(-1, -2)), a.shape) : null,
      b.requiresGrad ? sumToShape(productLike(b, a.transpose(-1, -2), g), b.shape) : null,
    ],
    [a, b],
  );
}

/**
 * The product of two matrices `[n, m]` and `[m, p]` (no broadcasting; `matmul` for other ranks).
 *
 * ```ts
 * kd.mm(kd.ones([2, 3]), kd.ones([3, 4])).shape; // [2, 4]
 * ```
 */
export function mm(a: Tensor, b: Tensor): Tensor {
  checkOperands('mm', a, b);
  if (a.ndim !== 2 || b.ndim !== 2) throw new ShapeError(`expected 2-D tensors, got ${a.ndim}D and ${b.ndim}D`, { op: 'mm', hint: 'use matmul for other ranks' });
  return product('mm', a, b);
}

/**
 * Batched matrix product of `[b, n, m]` and `[b, m, p]` (same batch size, no broadcasting).
 *
 * ```ts
 * kd.bmm(kd.ones([5, 2, 3]), kd.ones([5, 3, 4])).shape; // [5, 2, 4]
 * ```
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkOperands('bmm', a, b);
  if (a.ndim !== 3 || b.ndim !== 3) throw new ShapeError(`expected 3-D tensors, got ${a.ndim}D and ${b.ndim}D`, { op: 'bmm' });
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(`batch sizes differ: ${fmtShape(a.shape)} and ${fmtShape(b.shape)} (${a.shape[0]} != ${b.shape[0]})`, {
      op: 'bmm',
      hint: 'bmm does not broadcast; use matmul for broadcasting batches',
    });
  }
  return product('bmm', a, b);
}

/**
 * `x·Wᵀ + b` as nn.Linear computes it: `x` `[..., in]`, `weight` `[out, in]`, `bias` `[out]`.
 *
 * ```ts
 * kd.linear(kd.ones([8, 3]), kd.ones([4, 3]), kd.zeros([4])).shape; // [8, 4]
 * ```
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkOperands('linear', x, weight);
  if (weight.ndim !== 2) throw new ShapeError(`weight must be 2-D [out, in], got ${fmtShape(weight.shape)}`, { op: 'linear' });
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new ShapeError(
      `input shape ${fmtShape(x.shape)} and weight shape ${fmtShape(weight.shape)} cannot be multiplied (${x.shape[x.ndim - 1] ?? 0} != ${weight.shape[1]})`,
      { op: 'linear' },
    );
  }
  if (bias !== undefined && bias !== null) {
    const outShape = [...x.shape.slice(0, -1), weight.shape[0]!];
    const lead = outShape.length - bias.ndim;
    // The bias may broadcast to the output (as PyTorch's addmm allows) but not enlarge it.
    if (lead < 0 || bias.shape.some((d, i) => d !== 1 && d !== outShape[lead + i])) {
      throw new ShapeError(`bias of shape ${fmtShape(bias.shape)} does not broadcast to the output shape ${fmtShape(outShape)}`, {
        op: 'linear',
        hint: `use a bias of shape [${weight.shape[0]}], one per output feature`,
      });
    }
  }
  const b = bias ?? null;
  if (x.ndim >= 2 && (b === null || (b.ndim === 1 && b.dtype === x.dtype))) {
    if (x.ndim === 2) return linear2d(x, weight, b);
    // `[..., in]` is a batch of rows: one GEMM over the folded rows (a copy first when they do not fold as a view).
    const lead = x.shape.slice(0, -1);
    return linear2d(x.reshape([prodOf(lead), x.shape[x.ndim - 1]!]), weight, b).view([...lead, weight.shape[0]!]);
  }
  const y = product('linear', x, weight.t());
  return b === null ? y : y.add(b);
}

/**
 * linear for a 2-D input and a 1-D bias (checked), as one op and one graph
 * node (PyTorch's addmm): the GEMM adds the bias to `x·Wᵀ`; the backward
 * computes `g·W`, `gᵀ·x` (contiguous in the weight's layout) and the column
 * sums of `g`.
 */
function linear2d(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const rows = x.shape[0]!;
  const inF = x.shape[1]!;
  const outF = weight.shape[0]!;
  const out = allocUninit([rows, outF], x.dtype);
  const a: MatrixView = { data: x.storage.data, offset: x.offset, batchStride: 0, rowStride: x.strides[0]!, colStride: x.strides[1]! };
  // Wᵀ as a strided view: element (i, o) of Wᵀ is weight[o, i].
  const wt: MatrixView = { data: weight.storage.data, offset: weight.offset, batchStride: 0, rowStride: weight.strides[1]!, colStride: weight.strides[0]! };
  // NOTE: the GEMM adds the bias as it writes each block of the output (one
  // pass over fresh memory, not two), as PyTorch's addmm.
  const biasView: MatrixView | null = bias === null
    ? null
    : { data: bias.storage.data, offset: bias.offset, batchStride: 0, rowStride: 0, colStride: bias.strides[0]! };
  backend().matmul(out.storage.data, a, wt, 1, rows, outF, inF, false, biasView);
  return record(
    out,
    bias === null ? 'MmBackward0' : 'AddmmBackward0',
    [x, weight, bias],
    (g) => [
      x.requiresGrad ? bmmRaw(g, weight) : null,
      weight.requiresGrad ? bmmRaw(g.transpose(0, 1), x) : null,
      bias !== null && bias.requiresGrad ? reduceRaw('sum', g, [0], false, g.dtype) : null,
    ],
    [x, weight],
  );
}
