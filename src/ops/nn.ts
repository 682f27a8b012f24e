/**
 * Neural-network ops: convolution (im2col + GEMM), dropout, normalisation
 * (layer, group, batch) and bilinear; pooling lives in pool.ts and is
 * re-exported here. `nn.functional` is built
 * on these; option bags use PyTorch's keyword names in camelCase.
 */
import { backend, type MatrixView } from '../backend/index.js';
import type { Conv2dGeometry, Window2d } from '../backend/backend.js';
import { record } from '../autograd/node.js';
import { noGrad } from '../autograd/grad-mode.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { alloc, allocUninit, rand } from '../tensor/creation.js';
import { allocate } from '../tensor/dtype.js';
import { recycle, reuse } from '../tensor/recycle.js';
import type { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { flatData, prodOf, requireFloat } from './core.js';
import { checkInt, checkOptions, requireSameFloat } from './nn-util.js';

// --- convolution ---------------------------------------------------------------

/** Options of `conv2d` (PyTorch's keyword arguments). A number applies to both spatial dimensions. */
export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  /** Zero padding on each side, or `'valid'` (none) / `'same'` (output size = input size; stride 1 only). */
  padding?: number | readonly [number, number] | 'valid' | 'same';
  dilation?: number | readonly [number, number];
  /** Split channels into this many independent groups (in and out channels must divide by it). */
  groups?: number;
}

/** Options of `conv1d`. */
export interface Conv1dOptions {
  stride?: number | readonly [number];
  padding?: number | readonly [number] | 'valid' | 'same';
  dilation?: number | readonly [number];
  groups?: number;
}

const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups'];

/** Splits `conv2d(x, w, bias, options)` / `conv2d(x, w, options)`. */
function convArgs<O extends object>(bias: Tensor | null | undefined | O, options: O | undefined): [Tensor | null, O] {
  if (bias instanceof Tensor) return [bias, options ?? ({} as O)];
  if (bias === null || bias === undefined) return [null, options ?? ({} as O)];
  return [null, bias];
}

function spatialList(op: string, name: string, v: number | readonly number[] | undefined, dflt: number, n: number, min: number): number[] {
  if (v === undefined) return new Array<number>(n).fill(dflt);
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (arr.length !== n) throw new ValueError(`${name} must be a number or a list of ${n}, got [${arr.join(', ')}]`, { op });
  return arr.map((x) => checkInt(op, name, x, min));
}

/**
 * The shared front of conv1d/conv2d: checks everything about the arguments
 * (before anything is computed), and reduces the call to a batched 2-D
 * convolution of `x4` `[N, C, H, W]` with `w4` `[O, C/groups, kH, kW]`.
 */
function convolution(
  op: 'conv1d' | 'conv2d', input: Tensor, weight: Tensor, bias: Tensor | null,
  options: Conv2dOptions | Conv1dOptions, spatial: 1 | 2,
): Tensor {
  checkOptions(op, options, CONV_KEYS);
  requireFloat(input, op, 'input');
  requireSameFloat(input, weight, op, 'input', 'weight');
  if (bias !== null) requireSameFloat(input, bias, op, 'input', 'bias');
  if (input.ndim !== spatial + 1 && input.ndim !== spatial + 2) {
    throw new ShapeError(
      `expected ${spatial + 1}D (unbatched) or ${spatial + 2}D (batched) input, but got input of size ${fmtShape(input.shape)}`,
      { op },
    );
  }
  if (weight.ndim !== spatial + 2) {
    throw new ShapeError(
      `weight must be ${spatial + 2}-D [outChannels, inChannels / groups, ${spatial === 2 ? 'kH, kW' : 'kernel'}], got ${fmtShape(weight.shape)}`,
      { op },
    );
  }
  const groups = checkInt(op, 'groups', options.groups ?? 1, 1);
  const batched = input.ndim === spatial + 2;
  const x = batched ? input : input.unsqueeze(0);
  const outCh = weight.shape[0]!;
  const inCh = x.shape[1]!;
  if (outCh % groups !== 0) {
    throw new ValueError(`out channels (weight.shape[0] = ${outCh}) must be divisible by groups (${groups})`, { op });
  }
  if (weight.shape[1]! * groups !== inCh) {
    throw new ShapeError(
      `given groups=${groups}, weight of size ${fmtShape(weight.shape)}, expected input ${fmtShape(input.shape)} to have ` +
        `${weight.shape[1]! * groups} channels, but got ${inCh} channels instead`,
      { op, hint: 'the input channel dimension is dim 1 (dim 0 when unbatched): [N, C, ...]' },
    );
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outCh)) {
    throw new ShapeError(`expected bias to be 1-D with ${outCh} elements, but got bias of size ${fmtShape(bias.shape)}`, { op });
  }
  const inSize = x.shape.slice(2);
  const kernel = weight.shape.slice(2);
  const stride = spatialList(op, 'stride', options.stride, 1, spatial, 1);
  const dilation = spatialList(op, 'dilation', options.dilation, 1, spatial, 1);
  const effKernel = kernel.map((k, i) => dilation[i]! * (k - 1) + 1);
  let padBefore: number[];
  let outSize: number[];
  const padding = options.padding ?? 0;
  if (padding === 'same' || padding === 'valid') {
    if (padding === 'same' && stride.some((s) => s !== 1)) {
      throw new ValueError("padding='same' is not supported for strided convolutions", { op, hint: 'use stride 1 or a numeric padding' });
    }
    // NOTE: 'same' pads dilation·(k-1) in total; when that is odd the extra
    // row/column goes at the bottom/right, as PyTorch does.
    padBefore = padding === 'same' ? effKernel.map((k) => Math.floor((k - 1) / 2)) : inSize.map(() => 0);
    outSize = padding === 'same' ? [...inSize] : inSize.map((s, i) => s - effKernel[i]! + 1);
  } else if (typeof padding === 'string') {
    throw new ValueError(`invalid padding string '${String(padding)}'`, { op, hint: "use 'valid', 'same' or a number" });
  } else {
    padBefore = spatialList(op, 'padding', padding, 0, spatial, 0);
    outSize = inSize.map((s, i) => Math.floor((s + 2 * padBefore[i]! - effKernel[i]!) / stride[i]!) + 1);
  }
  const padded = inSize.map((s, i) => s + (padding === 'same' ? effKernel[i]! - 1 : 2 * padBefore[i]!));
  if (padded.some((p, i) => p < effKernel[i]!)) {
    throw new ShapeError(
      `calculated padded input size per channel: (${padded.join(' x ')}). Kernel size: (${effKernel.join(' x ')}). ` +
        'Kernel size can\'t be greater than actual input size',
      { op, hint: 'use a smaller kernel or dilation, more padding, or a larger input' },
    );
  }
  // conv1d is conv2d over a height of 1.
  const x4 = spatial === 1 ? x.unsqueeze(2) : x;
  const w4 = spatial === 1 ? weight.unsqueeze(2) : weight;
  const at = (a: number[], i: number, d: number): number => (spatial === 1 ? (i === 0 ? d : a[0]!) : a[i]!);
  const win: Window2d = {
    kernelH: w4.shape[2]!, kernelW: w4.shape[3]!,
    strideH: at(stride, 0, 1), strideW: at(stride, 1, 1),
    padH: at(padBefore, 0, 0), padW: at(padBefore, 1, 0),
    dilationH: at(dilation, 0, 1), dilationW: at(dilation, 1, 1),
  };
  let y = conv2dCore(x4, w4, bias, win, at(outSize, 0, 1), at(outSize, 1, 1), groups);
  if (spatial === 1) y = y.squeeze(2);
  return batched ? y : y.squeeze(0);
}

/**
 * A scratch array whose every element the caller writes before reading it
 * (not zero-filled); the caller hands it back with {@link done} when the op
 * no longer reads it, for the next op to reuse.
 */
function scratch(dtype: 'float32' | 'float64', size: number): Float32Array | Float64Array {
  const b = backend();
  return reuse(dtype, size) ?? (b.allocUninit === undefined ? allocate(dtype, size) : b.allocUninit(dtype, size));
}

/** Gives scratch arrays back (see {@link scratch}). */
function done(...arrays: (Float32Array | Float64Array | null)[]): void {
  for (const a of arrays) if (a !== null) recycle(a);
}

function mv(data: Float32Array | Float64Array, offset: number, batchStride: number, rowStride: number, colStride: number): MatrixView {
  return { data, offset, batchStride, rowStride, colStride };
}

/**
 * Elements of im2col columns built at once (1 MB of float32). The batch is
 * processed in chunks of samples whose columns fit: one scratch buffer, reused
 * while it is in cache, instead of columns for the whole batch (7 MB for conv
 * 16→32 3×3 at 64×14×14) that page-fault in fresh and stay alive until backward.
 */
const COLS_CHUNK = 1 << 18;

/**
 * The convolution itself, one recorded op, over chunks of samples. Forward:
 * `cols = im2col(x[chunk])` `[S, C·kH·kW, L]`, then per group
 * `out[n, g] = bias[g] + W[g] @ cols[n, g]` (the GEMM adds the bias).
 * Backward (columns rebuilt per chunk): `dCols = W[g]ᵀ @ dOut[n, g]` folded
 * back with col2im, `dW[g]ᵀ = Σₙ cols[n, g] @ dOut[n, g]ᵀ`, `dBias = Σ dOut`.
 */
function conv2dCore(x: Tensor, w: Tensor, bias: Tensor | null, win: Window2d, outH: number, outW: number, groups: number): Tensor {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const o = w.shape[0]!;
  const og = o / groups;
  if (groups > 1 && groups === c && og >= 1 && og <= DEPTHWISE_MAX_MULT) return depthwiseConv2dCore(x, w, bias, win, outH, outW, og);
  const kk = win.kernelH * win.kernelW;
  const k = (c / groups) * kk; // GEMM inner size per group
  const l = outH * outW;
  const dtype = x.dtype as 'float32' | 'float64';
  const colsPer = c * kk * l; // column elements per sample
  const xPer = c * h * wd;
  // NOTE: at least two chunks when n ≥ 2, so that every batched call (the
  // small test fixtures included) runs the chunk loop's hand-offs; at n = 64
  // that costs one more GEMM call for a small conv and nothing for a large one.
  // A 1×1 kernel with stride 1 and no padding reads each input element once,
  // where it lies: the columns are the input itself (no im2col, no buffer),
  // and the input gradient's columns are the input gradient (no col2im).
  const pointwise = kk === 1 && win.strideH === 1 && win.strideW === 1 && outH === h && outW === wd;
  const chunk = pointwise
    ? Math.max(1, Math.ceil(n / 2))
    : Math.max(1, Math.min(Math.ceil(n / 2), Math.floor(COLS_CHUNK / Math.max(1, colsPer))));
  const geomOf = (batch: number): Conv2dGeometry => ({ ...win, batch, channels: c, height: h, width: wd, outH, outW });
  /** Columns of samples [s0, s0 + sn) of `xd`, in (the front of) `buf`. */
  const columns = (buf: Float32Array | Float64Array, xd: Float32Array | Float64Array, s0: number, sn: number): Float32Array | Float64Array => {
    if (pointwise) return xd.subarray(s0 * xPer, (s0 + sn) * xPer);
    const cols = buf.subarray(0, sn * colsPer);
    backend().im2col(cols, xd.subarray(s0 * xPer, (s0 + sn) * xPer), geomOf(sn));
    return cols;
  };
  const xData = flatData(x) as Float32Array | Float64Array;
  const wData = flatData(w) as Float32Array | Float64Array;
  // Every element is written by the GEMM (accumulate off), which adds bias[o]
  // to every column of row o as it writes each block (no separate broadcast
  // pass over the fresh output: 1.4 ms of a 19 ms CNN step).
  const out = allocUninit([n, o, outH, outW], dtype);
  const od = out.storage.data as Float32Array | Float64Array;
  // The bias as a [groups, og, L] view: one value per output channel, broadcast along L.
  const groupBias = bias === null ? null : mv(bias.storage.data as Float32Array | Float64Array, bias.offset, og * bias.strides[0]!, bias.strides[0]!, 0);
  const buf = scratch(dtype, pointwise ? 0 : chunk * colsPer);
  for (let s0 = 0; s0 < n; s0 += chunk) {
    const sn = Math.min(chunk, n - s0);
    const cols = columns(buf, xData, s0, sn);
    if (groups === 1) {
      const sampleBias = groupBias === null ? null : { ...groupBias, batchStride: 0 };
      backend().matmul(od.subarray(s0 * o * l, (s0 + sn) * o * l), mv(wData, 0, 0, k, 1), mv(cols, 0, k * l, l, 1), sn, o, l, k, false, sampleBias);
      continue;
    }
    // Grouped: one call per sample, batched over the groups (out[b] is a
    // contiguous [groups, og, L]); a depthwise conv has one tiny product per
    // channel, and a call per (sample, group) cost more than the products.
    for (let b = 0; b < sn; b++) {
      const dst = od.subarray((s0 + b) * o * l, (s0 + b + 1) * o * l);
      backend().matmul(dst, mv(wData, 0, og * k, k, 1), mv(cols, b * groups * k * l, k * l, l, 1), groups, og, l, k, false, groupBias);
    }
  }
  done(buf);
  return record(
    out,
    'ConvolutionBackward0',
    [x, w, bias],
    (grad) => {
      const gd = flatData(grad) as Float32Array | Float64Array;
      const wNow = flatData(w) as Float32Array | Float64Array;
      const xNow = flatData(x) as Float32Array | Float64Array;
      // Pointwise: the GEMM writes every element of the input gradient; else col2im adds into zeros.
      const gx = x.requiresGrad ? (pointwise ? allocUninit(x.shape, dtype) : alloc(x.shape, dtype)) : null;
      const gxd = gx === null ? null : (gx.storage.data as Float32Array | Float64Array);
      const wantW = w.requiresGrad;
      // dW[g]ᵀ `[k, og]` per group: the columns are the GEMM's long side
      // (k ≥ og in the usual conv), which fills the register tiles better
      // than `[og, k]`; a tiny transposing copy then gives `[O, C/groups·kH·kW]`.
      const gwt = wantW ? allocate(dtype, groups * k * og) : null;
      const colBuf = wantW ? scratch(dtype, pointwise ? 0 : chunk * colsPer) : null;
      const dBuf = gxd !== null ? scratch(dtype, pointwise ? 0 : chunk * colsPer) : null;
      for (let s0 = 0; s0 < n; s0 += chunk) {
        const sn = Math.min(chunk, n - s0);
        if (gwt !== null && colBuf !== null) {
          const cols = columns(colBuf, xNow, s0, sn);
          if (groups > sn) {
            // Many groups, few samples (a depthwise conv's chunk is often one
            // sample): per sample, one call batched over the groups.
            for (let b = 0; b < sn; b++) {
              backend().matmul(gwt, mv(cols, b * groups * k * l, k * l, l, 1), mv(gd, (s0 + b) * o * l, og * l, 1, l), groups, k, og, l, s0 + b > 0);
            }
          } else {
            // NOTE: one call sums the chunk's per-sample products (small ones:
            // [144, 196] @ [196, 32] for conv 16→32 3×3 on 14×14), which the
            // native backend splits into groups of samples across threads.
            for (let g = 0; g < groups; g++) {
              const dst = gwt.subarray(g * k * og, (g + 1) * k * og);
              backend().matmulSum(dst, mv(cols, g * k * l, groups * k * l, l, 1), mv(gd, (s0 * o + g * og) * l, o * l, 1, l), sn, k, og, l, s0 > 0);
            }
          }
        }
        if (gxd !== null && dBuf !== null) {
          const dcols = pointwise ? gxd.subarray(s0 * xPer, (s0 + sn) * xPer) : dBuf.subarray(0, sn * colsPer);
          if (groups === 1) {
            backend().matmul(dcols, mv(wNow, 0, 0, 1, k), mv(gd, s0 * o * l, o * l, l, 1), sn, k, l, o);
          } else {
            for (let b = 0; b < sn; b++) {
              const dst = dcols.subarray(b * groups * k * l, (b + 1) * groups * k * l);
              backend().matmul(dst, mv(wNow, 0, og * k, 1, k), mv(gd, (s0 + b) * o * l, og * l, l, 1), groups, k, l, og);
            }
          }
          if (!pointwise) backend().col2im(gxd.subarray(s0 * xPer, (s0 + sn) * xPer), dcols, geomOf(sn));
        }
      }
      let gw: Tensor | null = null;
      if (gwt !== null) {
        done(colBuf);
        gw = allocUninit(w.shape, dtype);
        backend().copy({ data: gw.storage.data, offset: 0, strides: [og * k, 1, k] }, { data: gwt, offset: 0, strides: [k * og, og, 1] }, [groups, k, og]);
      }
      done(dBuf);
      const gb = bias !== null && bias.requiresGrad ? biasGrad(gd, n, o, l, dtype) : null;
      return [gx, gw, gb];
    },
    [x, w],
  );
}

/**
 * Largest channel multiplier (output channels per input channel) for which a
 * depthwise convolution runs as direct loops over the planes. Direct loops
 * read each input element once per tap and output channel; im2col + GEMM
 * builds the columns once and shares them among a group's output channels,
 * which wins as the multiplier grows.
 */
const DEPTHWISE_MAX_MULT = 2;

/**
 * A depthwise convolution (`groups` = input channels, `mult` output channels
 * each) with the backend's direct kernels, one recorded op like
 * {@link conv2dCore}: im2col would copy every input element kH·kW times for
 * a product of one output channel per group. Depthwise 3×3 on
 * `[64, 32, 28, 28]`, forward+backward, two threads: 10.7 ms, against 22.6 ms
 * through im2col and GEMMs.
 */
function depthwiseConv2dCore(x: Tensor, w: Tensor, bias: Tensor | null, win: Window2d, outH: number, outW: number, mult: number): Tensor {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const o = c * mult;
  const dtype = x.dtype as 'float32' | 'float64';
  const geom: Conv2dGeometry = { ...win, batch: n, channels: c, height: h, width: wd, outH, outW };
  const out = allocUninit([n, o, outH, outW], dtype);
  backend().depthwiseConv2d(out.storage.data, flatData(x), flatData(w), bias === null ? null : flatData(bias), geom, mult);
  return record(
    out,
    'ConvolutionBackward0',
    [x, w, bias],
    (grad) => {
      const gd = flatData(grad);
      const gx = x.requiresGrad ? alloc(x.shape, dtype) : null;
      if (gx !== null) backend().depthwiseConv2dBackwardInput(gx.storage.data, gd, flatData(w), geom, mult);
      const gw = w.requiresGrad ? allocUninit(w.shape, dtype) : null;
      if (gw !== null) backend().depthwiseConv2dBackwardWeight(gw.storage.data, gd, flatData(x), geom, mult);
      const gb = bias !== null && bias.requiresGrad ? biasGrad(gd as Float32Array | Float64Array, n, o, outH * outW, dtype) : null;
      return [gx, gw, gb];
    },
    [x, w],
  );
}

/**
 * `dBias[o] = Σₙ Σₗ dOut[n, o, l]` as two GEMMs against a ones vector: row
 * sums `t[n, o]`, then the column sums of `t`. A strided reduction over dims
 * (0, 2, 3) would first permute `dOut` into a copy.
 */
function biasGrad(gd: Float32Array | Float64Array, n: number, o: number, l: number, dtype: 'float32' | 'float64'): Tensor {
  const ones = allocate(dtype, Math.max(l, n, 1)).fill(1);
  const rows = scratch(dtype, n * o);
  // NOTE: float32 sums of length L (and then N) in the GEMM's accumulators, not
  // in double as `sum` does: the rounding differs within float32 tolerance.
  backend().matmul(rows, mv(gd, 0, 0, l, 1), mv(ones, 0, 0, 1, 0), 1, n * o, 1, l);
  const gb = allocUninit([o], dtype);
  backend().matmul(gb.storage.data, mv(ones, 0, 0, 0, 1), mv(rows, 0, 0, o, 1), 1, 1, o, n);
  done(rows);
  return gb;
}

/**
 * 2-D convolution (cross-correlation, as PyTorch) of `input` `[N, C, H, W]`
 * (or unbatched `[C, H, W]`) with `weight` `[O, C / groups, kH, kW]`, plus
 * `bias` `[O]`. The bias may be omitted: `conv2d(x, w, { padding: 1 })`.
 *
 * ```ts
 * const y = kd.conv2d(kd.randn([8, 3, 32, 32]), kd.randn([16, 3, 3, 3]), null, { padding: 1 }); // [8, 16, 32, 32]
 * ```
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor;
export function conv2d(input: Tensor, weight: Tensor, options: Conv2dOptions): Tensor;
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null | Conv2dOptions, options?: Conv2dOptions): Tensor {
  const [b, o] = convArgs(bias, options);
  return convolution('conv2d', input, weight, b, o, 2);
}

/**
 * 1-D convolution of `input` `[N, C, L]` (or `[C, L]`) with `weight`
 * `[O, C / groups, k]`, plus `bias` `[O]`.
 *
 * ```ts
 * const y = kd.conv1d(kd.randn([4, 2, 10]), kd.randn([6, 2, 3]), { stride: 2 }); // [4, 6, 4]
 * ```
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv1dOptions): Tensor;
export function conv1d(input: Tensor, weight: Tensor, options: Conv1dOptions): Tensor;
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null | Conv1dOptions, options?: Conv1dOptions): Tensor {
  const [b, o] = convArgs(bias, options);
  return convolution('conv1d', input, weight, b, o, 1);
}

// --- pooling (ops/pool.ts; re-exported so nn.functional finds every nn op here) ---

export { maxPool2d, avgPool2d, adaptiveAvgPool2d } from './pool.js';
export type { MaxPool2dFunctionalOptions, AvgPool2dFunctionalOptions } from './pool.js';

// --- dropout ---------------------------------------------------------------------

/** Options of `dropout`. */
export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** Only drop in training (default true, as `F.dropout`); in eval the input is returned unchanged. */
  training?: boolean;
  /** The random stream to draw from (default: the global one `manualSeed` seeds). */
  generator?: Generator;
}

/**
 * Zeroes each element with probability `p` and scales the survivors by
 * `1 / (1 - p)` (inverted dropout, as PyTorch), so the expected value is
 * unchanged and evaluation needs no rescaling.
 *
 * ```ts
 * const y = kd.dropout(x, 0.2);                          // training
 * const z = kd.dropout(x, { p: 0.2, training: false });  // returns x
 * ```
 */
export function dropout(input: Tensor, p?: number | DropoutOptions, options: DropoutOptions = {}): Tensor {
  const opts = typeof p === 'object' ? p : { ...options, p: p ?? options.p };
  checkOptions('dropout', opts, ['p', 'training', 'generator']);
  const prob = opts.p ?? 0.5;
  if (typeof prob !== 'number' || !(prob >= 0 && prob <= 1)) {
    throw new ValueError(`dropout probability has to be between 0 and 1, but got ${prob}`, { op: 'dropout' });
  }
  requireFloat(input, 'dropout', 'input');
  // NOTE: like PyTorch, eval mode and p = 0 return the input itself, not a copy.
  if (!(opts.training ?? true) || prob === 0) return input;
  if (prob === 1) return input.mul(0);
  // NOTE: keep an element when u < 1 - p for u uniform in [0, 1): a Bernoulli(1 - p) draw.
  const u = rand(input.shape, { dtype: input.dtype, generator: opts.generator });
  const mask = noGrad(() => u.lt(1 - prob).where(1 / (1 - prob), 0));
  return input.mul(mask);
}

// --- normalisation ---------------------------------------------------------------

/** Options of `layerNorm` and `groupNorm`: the affine parameters and the variance epsilon. */
export interface NormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/** Options of `batchNorm`. */
export interface BatchNormFunctionalOptions extends NormOptions {
  /** Use batch statistics and update the running ones (default false, as `F.batch_norm`). */
  training?: boolean;
  /** Weight of the new batch statistic in the running average (default 0.1). */
  momentum?: number;
}

type FloatData = Float32Array | Float64Array;

/**
 * One fused normalisation with ONE autograd node: `forward` fills `y` from the
 * contiguous input and affine data; the backward hands `backward` the arrays
 * to fill (null for an input that needs no gradient: the weight and bias
 * gradients are zeroed, the kernels accumulate into them).
 */
function fusedNorm(
  name: string, input: Tensor, weight: Tensor | null, bias: Tensor | null,
  forward: (y: FloatData, x: FloatData, w: FloatData | null, b: FloatData | null) => void,
  backward: (dx: FloatData | null, dw: FloatData | null, db: FloatData | null, dy: FloatData, x: FloatData, w: FloatData | null) => void,
): Tensor {
  const x = flatData(input) as FloatData;
  const w = weight === null ? null : (flatData(weight) as FloatData);
  const y = allocUninit(input.shape, input.dtype);
  forward(y.storage.data as FloatData, x, w, bias === null ? null : (flatData(bias) as FloatData));
  const [needX, needW, needB] = [input.requiresGrad, weight?.requiresGrad === true, bias?.requiresGrad === true];
  return record(
    y,
    name,
    [input, weight, bias],
    (g) => {
      const gx = needX ? allocUninit(input.shape, input.dtype) : null;
      const gw = needW ? alloc(weight!.shape, weight!.dtype) : null;
      const gb = needB ? alloc(bias!.shape, bias!.dtype) : null;
      const data = (t: Tensor | null): FloatData | null => (t === null ? null : (t.storage.data as FloatData));
      backward(data(gx), data(gw), data(gb), flatData(g) as FloatData, x, w);
      return [gx, gw, gb];
    },
    weight === null ? [input] : [input, weight],
  );
}

function checkAffine(op: string, input: Tensor, t: Tensor | null | undefined, name: string, shape: readonly number[]): Tensor | null {
  if (t === undefined || t === null) return null;
  requireSameFloat(input, t, op, 'input', name);
  if (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`expected ${name} of shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`, { op });
  }
  return t;
}

function checkEps(op: string, eps: number): number {
  if (typeof eps !== 'number' || !(eps >= 0)) throw new ValueError(`eps must be a non-negative number, got ${eps}`, { op });
  return eps;
}

/**
 * Layer normalisation over the last `normalizedShape.length` dimensions, then
 * `· weight + bias` (both of `normalizedShape`) when given.
 *
 * ```ts
 * kd.layerNorm(x, [x.shape[x.ndim - 1]!], { weight: gamma, bias: beta });
 * ```
 */
export function layerNorm(input: Tensor, normalizedShape: number | readonly number[], options: NormOptions = {}): Tensor {
  const op = 'layerNorm';
  checkOptions(op, options, ['weight', 'bias', 'eps']);
  requireFloat(input, op, 'input');
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const k = ns.length;
  if (k === 0 || input.ndim < k || input.shape.slice(input.ndim - k).some((d, i) => d !== ns[i])) {
    throw new ShapeError(
      `given normalizedShape=${fmtShape(ns)}, expected input with shape [*, ${ns.join(', ')}], but got input of size ${fmtShape(input.shape)}`,
      { op },
    );
  }
  const weight = checkAffine(op, input, options.weight, 'weight', ns);
  const bias = checkAffine(op, input, options.bias, 'bias', ns);
  const eps = checkEps(op, options.eps ?? 1e-5);
  // Rows of the normalised size: group norm's one-group, inner-1 case.
  const rows = prodOf(input.shape, 0, input.ndim - k);
  const size = prodOf(ns);
  const mean = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  return fusedNorm(
    'NativeLayerNormBackward0', input, weight, bias,
    (y, x, w, b) => backend().groupNorm(y, mean, rstd, x, w, b, rows, size, 1, 1, eps),
    (dx, dw, db, dy, x, w) => backend().groupNormBackward(dx, dw, db, dy, x, mean, rstd, w, rows, size, 1, 1),
  );
}

/**
 * Group normalisation: the `C` channels of `[N, C, *]` are split into
 * `numGroups` groups, each normalised over its channels and positions, then
 * `· weight + bias` (both `[C]`) when given.
 *
 * ```ts
 * kd.groupNorm(kd.randn([2, 6, 4, 4]), 3);
 * ```
 */
export function groupNorm(input: Tensor, numGroups: number, options: NormOptions = {}): Tensor {
  const op = 'groupNorm';
  checkOptions(op, options, ['weight', 'bias', 'eps']);
  requireFloat(input, op, 'input');
  if (input.ndim < 2) throw new ShapeError(`expected input of at least 2 dimensions [N, C, *], got ${fmtShape(input.shape)}`, { op });
  const c = input.shape[1]!;
  checkInt(op, 'numGroups', numGroups, 1);
  if (c % numGroups !== 0) {
    throw new ValueError(`expected the number of channels in input to be divisible by numGroups, but got input of shape ${fmtShape(input.shape)} and numGroups=${numGroups}`, { op });
  }
  const weight = checkAffine(op, input, options.weight, 'weight', [c]);
  const bias = checkAffine(op, input, options.bias, 'bias', [c]);
  const eps = checkEps(op, options.eps ?? 1e-5);
  const n = input.shape[0]!;
  const inner = prodOf(input.shape, 2);
  const mean = new Float64Array(n * numGroups);
  const rstd = new Float64Array(n * numGroups);
  return fusedNorm(
    'NativeGroupNormBackward0', input, weight, bias,
    (y, x, w, b) => backend().groupNorm(y, mean, rstd, x, w, b, n, c, inner, numGroups, eps),
    (dx, dw, db, dy, x, w) => backend().groupNormBackward(dx, dw, db, dy, x, mean, rstd, w, n, c, inner, numGroups),
  );
}

/**
 * Batch normalisation of `[N, C, *]` per channel. In training it normalises
 * with the batch statistics and updates `runningMean`/`runningVar` in place
 * (`running = (1 - momentum)·running + momentum·batch`, with the unbiased
 * batch variance, as PyTorch); in eval it uses the running statistics.
 *
 * ```ts
 * const y = kd.batchNorm(x, runningMean, runningVar, { weight, bias, training: true });
 * ```
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormFunctionalOptions = {}): Tensor {
  const op = 'batchNorm';
  checkOptions(op, options, ['weight', 'bias', 'eps', 'training', 'momentum']);
  requireFloat(input, op, 'input');
  if (input.ndim < 2) throw new ShapeError(`expected input of at least 2 dimensions [N, C, *], got ${fmtShape(input.shape)}`, { op });
  const c = input.shape[1]!;
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new ValueError(`momentum must be in [0, 1], got ${momentum}`, { op });
  }
  const eps = checkEps(op, options.eps ?? 1e-5);
  for (const [t, name] of [[runningMean, 'runningMean'], [runningVar, 'runningVar']] as const) {
    if (t === null) continue;
    requireFloat(t, op, name);
    if (t.ndim !== 1 || t.shape[0] !== c) {
      throw new ShapeError(`expected ${name} of shape [${c}] (one per channel of input ${fmtShape(input.shape)}), got ${fmtShape(t.shape)}`, { op });
    }
  }
  if ((runningMean === null) !== (runningVar === null)) {
    throw new ValueError('runningMean and runningVar must both be given or both be null', { op });
  }
  if (!training && (runningMean === null || runningVar === null)) {
    throw new ValueError('runningMean and runningVar must be defined in evaluation mode', { op, hint: 'pass the running statistics, or training: true' });
  }
  const weight = checkAffine(op, input, options.weight, 'weight', [c]);
  const bias = checkAffine(op, input, options.bias, 'bias', [c]);
  const count = input.numel / c;
  if (training && count <= 1) {
    throw new ValueError(`expected more than 1 value per channel when training, got input size ${fmtShape(input.shape)}`, { op });
  }
  const n = input.shape[0]!;
  const inner = prodOf(input.shape, 2);
  let mean: Float64Array;
  let rstd: Float64Array;
  if (training) {
    mean = new Float64Array(c);
    rstd = new Float64Array(c);
  } else {
    // NOTE: eval normalises with the running statistics as constants (no gradient reaches them, as in PyTorch).
    mean = Float64Array.from(flatData(runningMean!));
    rstd = Float64Array.from(flatData(runningVar!), (v) => 1 / Math.sqrt(v + eps));
  }
  const y = fusedNorm(
    'NativeBatchNormBackward0', input, weight, bias,
    (yd, x, w, b) => backend().batchNorm(yd, mean, rstd, x, w, b, n, c, inner, training, eps),
    (dx, dw, db, dy, x, w) => backend().batchNormBackward(dx, dw, db, dy, x, mean, rstd, w, n, c, inner, training),
  );
  if (training && runningMean !== null && runningVar !== null) {
    noGrad(() => {
      // NOTE: the running variance uses the unbiased batch variance (n / (n - 1)), while the output used the biased one.
      // The batch statistics are rounded to the input's dtype first, as they were when composed from tensor ops.
      const batchMean = alloc([c], input.dtype);
      const unbiased = alloc([c], input.dtype);
      for (let i = 0; i < c; i++) {
        const sd = 1 / rstd[i]!;
        batchMean.storage.data[i] = mean[i]!;
        unbiased.storage.data[i] = (sd * sd - eps) * (count / (count - 1));
      }
      runningMean.mul_(1 - momentum).add_(batchMean.mul(momentum));
      runningVar.mul_(1 - momentum).add_(unbiased.mul(momentum));
    });
  }
  return y;
}

// --- bilinear --------------------------------------------------------------------

/**
 * `y[..., o] = Σᵢⱼ x1[..., i] · weight[o, i, j] · x2[..., j] + bias[o]`, with
 * `x1` `[*, in1]`, `x2` `[*, in2]` (same leading dimensions) and `weight`
 * `[out, in1, in2]`.
 *
 * ```ts
 * kd.bilinear(kd.randn([5, 3]), kd.randn([5, 4]), kd.randn([2, 3, 4])); // [5, 2]
 * ```
 */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const op = 'bilinear';
  requireSameFloat(input1, input2, op, 'input1', 'input2');
  requireSameFloat(input1, weight, op, 'input1', 'weight');
  if (weight.ndim !== 3) throw new ShapeError(`weight must be 3-D [out, in1, in2], got ${fmtShape(weight.shape)}`, { op });
  const [out, in1, in2] = weight.shape as [number, number, number];
  if (input1.ndim === 0 || input1.shape[input1.ndim - 1] !== in1 || input2.ndim === 0 || input2.shape[input2.ndim - 1] !== in2) {
    throw new ShapeError(
      `inputs of size ${fmtShape(input1.shape)} and ${fmtShape(input2.shape)} do not fit weight ${fmtShape(weight.shape)}: ` +
        `the last dimensions must be ${in1} and ${in2}`,
      { op },
    );
  }
  const lead = input1.shape.slice(0, -1);
  if (lead.length !== input2.ndim - 1 || lead.some((d, i) => d !== input2.shape[i])) {
    throw new ShapeError(`input batch dimensions do not match: got ${fmtShape(input1.shape.slice(0, -1))} and ${fmtShape(input2.shape.slice(0, -1))}`, { op });
  }
  const b = checkAffine(op, input1, bias, 'bias', [out]);
  const x1 = input1.reshape([-1, in1]);
  const x2 = input2.reshape([-1, in2]);
  // (x1 @ W viewed as [in1, out·in2]) gives Σᵢ x1ᵢ·W[o, i, j] for every (o, j); then contract j with x2.
  const t = x1.matmul(weight.permute(1, 0, 2).reshape([in1, out * in2])).reshape([-1, out, in2]);
  let y = t.mul(x2.unsqueeze(1)).sum(2);
  if (b) y = y.add(b);
  return y.reshape([...lead, out]);
}
