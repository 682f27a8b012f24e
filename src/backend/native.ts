/**
 * The native backend: loads the C++ addon built from `native/` (prebuilt in
 * the package, or built from source; `native-locate.ts` finds the file) and
 * wraps it as a {@link Backend}.
 *
 * Each entry handles the dtype combinations the addon implements and hands
 * every other case to the js backend (the specification), so the native
 * backend is always complete. The addon checks every argument it receives
 * against its buffers and throws a JavaScript error for anything out of
 * bounds; this module only packs arguments.
 *
 * Node-only (it uses `node:module`); the browser-safe core never imports it.
 */
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { Backend, Conv2dGeometry, Pool2dGeometry } from './backend.js';
import { jsBackend } from './js/index.js';
import { BackendError, didYouMean, warn } from '../errors.js';
import type { DType, DTypeArrays, TypedArray } from '../tensor/dtype.js';
import { arrayOver, bytesPerElement } from './arrays.js';
import { buildCommand, locateAddon } from './native-locate.js';
import {
  BINARY_CODES, BOOL_BINARY, BOOL_UNARY, MAX_DIMS, MetaPacker, REDUCE_CODES, UNARY_CODES, allOfKind, isFloat, sameKind, unaryParams,
} from './addon-args.js';

/** Which compiled kernels the addon runs: chosen at load time by CPU detection. */
import type { KernelPath } from './info.js';

export type { KernelPath };

/** The outcome of loading the addon. */
export interface NativeLoad {
  /** The backend, or null when the addon could not be loaded. */
  readonly backend: Backend | null;
  readonly kernelPath: KernelPath | null;
  readonly threads: number;
  /** Why the native backend is off (null when it loaded). */
  readonly reason: string | null;
  /** What to do about it: the command that builds the addon, or the setting to change (null when it loaded). */
  readonly fix: string | null;
  /** The addon file that loaded. */
  readonly file?: string;
  /** Switches the addon's kernels (tests run every path the CPU has); returns the path now in use. */
  readonly setKernelPath: (path: KernelPath | 'auto') => KernelPath;
  /** The kernel paths this CPU can run. */
  readonly availablePaths: readonly KernelPath[];
  /** The raw addon (tests only), null when it did not load. */
  readonly addon: NativeAddon | null;
}

/** The addon's raw functions (native/src/binding.cc); exported for the fuzz test, not part of the public API. */
/** The raw addon: the norm and adaptive-pooling kernels take exactly the Backend's arguments. */
export interface NativeAddon extends Pick<
  Backend, 'groupNorm' | 'groupNormBackward' | 'batchNorm' | 'batchNormBackward' | 'adaptiveAvgPool2d' | 'adaptiveAvgPool2dBackward'
> {
  /** `heapTopPad`: bytes of freed heap memory the C library keeps mapped (glibc's M_TOP_PAD); 0 leaves it alone. */
  init(threads: number, path: string, heapTopPad?: number): { path: KernelPath; threads: number; avx2Fma: boolean; avx512f: boolean };
  copy(out: TypedArray, x: TypedArray, meta: Float64Array): void;
  unary(op: number, out: TypedArray, x: TypedArray, meta: Float64Array, p0: number, p1: number): void;
  binary(op: number, out: TypedArray, a: TypedArray, b: TypedArray, meta: Float64Array): void;
  where(out: TypedArray, cond: TypedArray, a: TypedArray, b: TypedArray, meta: Float64Array): void;
  reluBackward(out: TypedArray, grad: TypedArray, y: TypedArray, n: number): void;
  geluBackward(out: TypedArray, grad: TypedArray, x: TypedArray, n: number, tanh: boolean): void;
  reduce(op: number, out: TypedArray, x: TypedArray, outer: number, size: number, inner: number): void;
  matmul(out: TypedArray, a: TypedArray, b: TypedArray, meta: Float64Array, bias?: TypedArray): void;
  softmax(out: TypedArray, x: TypedArray, outer: number, size: number, inner: number, log: boolean): void;
  softmaxBackward(out: TypedArray, grad: TypedArray, y: TypedArray, outer: number, size: number, inner: number, log: boolean): void;
  im2col(out: TypedArray, x: TypedArray, geometry: Float64Array): void;
  col2im(out: TypedArray, cols: TypedArray, geometry: Float64Array): void;
  depthwiseConv2d(out: TypedArray, x: TypedArray, w: TypedArray, bias: TypedArray | null, geometry: Float64Array, mult: number): void;
  depthwiseConv2dBackwardInput(gx: TypedArray, grad: TypedArray, w: TypedArray, geometry: Float64Array, mult: number): void;
  depthwiseConv2dBackwardWeight(gw: TypedArray, grad: TypedArray, x: TypedArray, geometry: Float64Array, mult: number): void;
  maxPool2d(out: TypedArray, indices: Int32Array, x: TypedArray, geometry: Float64Array): void;
  maxPool2dBackward(out: TypedArray, grad: TypedArray, indices: Int32Array, planes: number, inPlane: number, outPlane: number): void;
  gather(out: TypedArray, x: TypedArray, index: Int32Array, meta: Float64Array, dim: number): void;
  scatterAdd(out: TypedArray, index: Int32Array, src: TypedArray, meta: Float64Array, dim: number): void;
  avgPool2d(out: TypedArray, x: TypedArray, geometry: Float64Array, countIncludePad: boolean, divisor: number): void;
  avgPool2dBackward(out: TypedArray, grad: TypedArray, geometry: Float64Array, countIncludePad: boolean, divisor: number): void;
  indexSelect(out: TypedArray, x: TypedArray, index: Int32Array, outer: number, size: number, inner: number): void;
  indexAdd(out: TypedArray, src: TypedArray, index: Int32Array, outer: number, size: number, inner: number): void;
  nllLoss(
    outLoss: TypedArray, outWeight: TypedArray, logp: TypedArray, target: Int32Array, weight: TypedArray | null,
    batch: number, classes: number, inner: number, ignoreIndex: number,
  ): void;
  nllLossBackward(
    out: TypedArray, grad: TypedArray, target: Int32Array, weight: TypedArray | null,
    batch: number, classes: number, inner: number, ignoreIndex: number,
  ): void;
  logsumexp(out: TypedArray, x: TypedArray, outer: number, size: number, inner: number): void;
  sgdStep(params: TypedArray[], grads: TypedArray[], momentumBuffers: TypedArray[], fresh: Uint8Array, hyper: Float64Array): void;
  adamStep(params: TypedArray[], grads: TypedArray[], expAvgs: TypedArray[], expAvgSqs: TypedArray[], maxExpAvgSqs: TypedArray[], steps: Float64Array, hyper: Float64Array): void;
  rmspropStep(params: TypedArray[], grads: TypedArray[], squareAvgs: TypedArray[], gradAvgs: TypedArray[], momentumBuffers: TypedArray[], hyper: Float64Array): void;
  adagradStep(params: TypedArray[], grads: TypedArray[], sums: TypedArray[], steps: Float64Array, hyper: Float64Array): void;
}

/** True when every parameter of a group is a float array of one kind (the addon's fused steps need that). */
function uniformFloat(params: readonly TypedArray[]): boolean {
  const first = params[0];
  if (first === undefined) return true;
  if (!isFloat(first)) return false;
  for (const p of params) if (p.constructor !== first.constructor) return false;
  return true;
}

/** The addon takes integer divisors (PyTorch's divisor_override is an int); any other value stays on js. */
const isInt32 = (v: number): boolean => Number.isInteger(v) && Math.abs(v) < 2 ** 31;

const b01 = (v: boolean): number => (v ? 1 : 0);

function convGeometry(g: Conv2dGeometry): Float64Array {
  return Float64Array.of(g.batch, g.channels, g.height, g.width, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padH, g.padW,
    g.dilationH, g.dilationW, g.outH, g.outW);
}

function poolGeometry(g: Pool2dGeometry): Float64Array {
  return Float64Array.of(g.planes, g.height, g.width, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padH, g.padW,
    g.dilationH, g.dilationW, g.outH, g.outW);
}

/** Below this many bytes a zeroed typed array is as cheap as uninitialized memory. */
const UNINIT_MIN_BYTES = 4096;

/**
 * Op results that kernels overwrite entirely: memory that is not zero-filled
 * (`Buffer.allocUnsafeSlow`, malloc without the memset), so that the kernel's
 * writes are the only pass over it. Each array owns its whole ArrayBuffer.
 */
function allocUninit<D extends DType>(dtype: D, size: number): DTypeArrays[D] {
  const bytes = size * bytesPerElement(dtype);
  if (bytes < UNINIT_MIN_BYTES) return jsBackend.allocUninit!(dtype, size);
  return arrayOver(dtype, Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer, size);
}

/** Wraps the raw addon as a Backend; cases the addon does not implement go to the js backend. */
export function makeNativeBackend(addon: NativeAddon): Backend {
  const meta = new MetaPacker();
  const js = jsBackend;
  return {
    ...js,
    name: 'native',
    allocUninit,

    copy(out, x, shape) {
      if (shape.length > MAX_DIMS) return js.copy(out, x, shape);
      addon.copy(out.data, x.data, meta.views(shape, [out, x]));
    },

    unary(op, out, x, shape, params) {
      const xd = x.data;
      const ok = isFloat(xd) && shape.length <= MAX_DIMS && (BOOL_UNARY.has(op) ? out instanceof Uint8Array : sameKind(out, xd));
      if (!ok) return js.unary(op, out, x, shape, params);
      const [p0, p1] = unaryParams(op, params);
      addon.unary(UNARY_CODES[op], out, xd, meta.views(shape, [x]), p0, p1);
    },

    binary(op, out, a, b, shape) {
      const ad = a.data;
      const ok = isFloat(ad) && sameKind(ad, b.data) && shape.length <= MAX_DIMS
        && (BOOL_BINARY.has(op) ? out instanceof Uint8Array : sameKind(out, ad));
      if (!ok) return js.binary(op, out, a, b, shape);
      addon.binary(BINARY_CODES[op], out, ad, b.data, meta.views(shape, [a, b]));
    },

    where(out, cond, a, b, shape) {
      const ok = cond.data instanceof Uint8Array && sameKind(out, a.data) && sameKind(out, b.data) && shape.length <= MAX_DIMS;
      if (!ok) return js.where(out, cond, a, b, shape);
      addon.where(out, cond.data, a.data, b.data, meta.views(shape, [cond, a, b]));
    },

    reluBackward(out, grad, y, n) {
      if (!isFloat(y) || !sameKind(out, y) || !sameKind(grad, y)) return js.reluBackward(out, grad, y, n);
      addon.reluBackward(out, grad, y, n);
    },

    geluBackward(out, grad, x, n, tanh) {
      if (!isFloat(x) || !sameKind(out, x) || !sameKind(grad, x)) return js.geluBackward(out, grad, x, n, tanh);
      addon.geluBackward(out, grad, x, n, tanh);
    },

    reduce(op, out, x, outer, size, inner) {
      const arg = op === 'argmax' || op === 'argmin';
      const ok = isFloat(x) && (sameKind(out, x) || (arg && out instanceof Int32Array));
      if (!ok) return js.reduce(op, out, x, outer, size, inner);
      addon.reduce(REDUCE_CODES[op], out, x, outer, size, inner);
    },

    matmul(out, a, b, batch, m, n, k, accumulate = false, bias = null) {
      const ok = isFloat(out) && sameKind(out, a.data) && sameKind(out, b.data) && (bias === null || sameKind(out, bias.data));
      if (!ok) return js.matmul(out, a, b, batch, m, n, k, accumulate, bias);
      const packed = meta.matmul(a, b, batch, m, n, k, accumulate, bias);
      if (bias === null) addon.matmul(out, a.data, b.data, packed);
      else addon.matmul(out, a.data, b.data, packed, bias.data);
    },

    matmulSum(out, a, b, batch, m, n, k, accumulate = false) {
      if (!isFloat(out) || !allOfKind(out, a.data, b.data)) return js.matmulSum(out, a, b, batch, m, n, k, accumulate);
      addon.matmul(out, a.data, b.data, meta.matmul(a, b, batch, m, n, k, accumulate, null, true));
    },

    softmax(out, x, outer, size, inner, log) {
      if (!isFloat(x) || !sameKind(out, x)) return js.softmax(out, x, outer, size, inner, log);
      addon.softmax(out, x, outer, size, inner, log);
    },

    softmaxBackward(out, grad, y, outer, size, inner, log) {
      if (!isFloat(y) || !sameKind(out, y) || !sameKind(grad, y)) return js.softmaxBackward(out, grad, y, outer, size, inner, log);
      addon.softmaxBackward(out, grad, y, outer, size, inner, log);
    },

    logsumexp(out, x, outer, size, inner) {
      if (!isFloat(x) || !sameKind(out, x)) return js.logsumexp(out, x, outer, size, inner);
      addon.logsumexp(out, x, outer, size, inner);
    },

    nllLoss(outLoss, outWeight, logp, target, weight, batch, classes, inner, ignoreIndex) {
      const ok = isFloat(logp) && sameKind(outLoss, logp) && sameKind(outWeight, logp) && (weight === null || sameKind(weight, logp))
        && Number.isInteger(ignoreIndex) && Math.abs(ignoreIndex) < 2 ** 31;
      if (!ok) return js.nllLoss(outLoss, outWeight, logp, target, weight, batch, classes, inner, ignoreIndex);
      addon.nllLoss(outLoss, outWeight, logp, target, weight, batch, classes, inner, ignoreIndex);
    },

    nllLossBackward(out, grad, target, weight, batch, classes, inner, ignoreIndex) {
      const ok = isFloat(grad) && sameKind(out, grad) && (weight === null || sameKind(weight, grad))
        && Number.isInteger(ignoreIndex) && Math.abs(ignoreIndex) < 2 ** 31;
      if (!ok) return js.nllLossBackward(out, grad, target, weight, batch, classes, inner, ignoreIndex);
      addon.nllLossBackward(out, grad, target, weight, batch, classes, inner, ignoreIndex);
    },

    gather(out, x, index, shape, dim) {
      if (!isFloat(x.data) || !sameKind(out, x.data) || shape.length > MAX_DIMS) return js.gather(out, x, index, shape, dim);
      addon.gather(out, x.data, index.data, meta.views(shape, [x, index]), dim);
    },

    scatterAdd(out, index, src, shape, dim) {
      const ok = isFloat(out.data) && sameKind(src.data, out.data) && shape.length <= MAX_DIMS;
      if (!ok) return js.scatterAdd(out, index, src, shape, dim);
      addon.scatterAdd(out.data, index.data, src.data, meta.views(shape, [out, index, src]), dim);
    },

    indexSelect(out, x, index, outer, size, inner) {
      if (!isFloat(x) || !sameKind(out, x)) return js.indexSelect(out, x, index, outer, size, inner);
      addon.indexSelect(out, x, index, outer, size, inner);
    },

    indexAdd(out, src, index, outer, size, inner) {
      if (!isFloat(src) || !sameKind(out, src)) return js.indexAdd(out, src, index, outer, size, inner);
      addon.indexAdd(out, src, index, outer, size, inner);
    },

    im2col(out, x, g) {
      if (!isFloat(x) || !sameKind(out, x)) return js.im2col(out, x, g);
      addon.im2col(out, x, convGeometry(g));
    },

    depthwiseConv2d(out, x, w, bias, g, mult) {
      if (!isFloat(x) || !allOfKind(x, out, w, bias)) return js.depthwiseConv2d(out, x, w, bias, g, mult);
      addon.depthwiseConv2d(out, x, w, bias, convGeometry(g), mult);
    },

    depthwiseConv2dBackwardInput(gx, grad, w, g, mult) {
      if (!isFloat(grad) || !allOfKind(grad, gx, w)) return js.depthwiseConv2dBackwardInput(gx, grad, w, g, mult);
      addon.depthwiseConv2dBackwardInput(gx, grad, w, convGeometry(g), mult);
    },

    depthwiseConv2dBackwardWeight(gw, grad, x, g, mult) {
      if (!isFloat(grad) || !allOfKind(grad, gw, x)) return js.depthwiseConv2dBackwardWeight(gw, grad, x, g, mult);
      addon.depthwiseConv2dBackwardWeight(gw, grad, x, convGeometry(g), mult);
    },

    col2im(out, cols, g) {
      if (!isFloat(cols) || !sameKind(out, cols)) return js.col2im(out, cols, g);
      addon.col2im(out, cols, convGeometry(g));
    },

    maxPool2d(out, indices, x, g) {
      if (!isFloat(x) || !sameKind(out, x)) return js.maxPool2d(out, indices, x, g);
      addon.maxPool2d(out, indices, x, poolGeometry(g));
    },

    maxPool2dBackward(out, grad, indices, planes, inPlane, outPlane) {
      if (!isFloat(grad) || !sameKind(out, grad)) return js.maxPool2dBackward(out, grad, indices, planes, inPlane, outPlane);
      addon.maxPool2dBackward(out, grad, indices, planes, inPlane, outPlane);
    },

    avgPool2d(out, x, g, countIncludePad, divisor) {
      if (!isFloat(x) || !sameKind(out, x) || !isInt32(divisor)) return js.avgPool2d(out, x, g, countIncludePad, divisor);
      addon.avgPool2d(out, x, poolGeometry(g), countIncludePad, divisor);
    },

    avgPool2dBackward(out, grad, g, countIncludePad, divisor) {
      if (!isFloat(grad) || !sameKind(out, grad) || !isInt32(divisor)) return js.avgPool2dBackward(out, grad, g, countIncludePad, divisor);
      addon.avgPool2dBackward(out, grad, poolGeometry(g), countIncludePad, divisor);
    },

    adaptiveAvgPool2d(out, x, planes, height, width, outH, outW) {
      if (!isFloat(x) || !sameKind(out, x)) return js.adaptiveAvgPool2d(out, x, planes, height, width, outH, outW);
      addon.adaptiveAvgPool2d(out, x, planes, height, width, outH, outW);
    },

    adaptiveAvgPool2dBackward(out, grad, planes, height, width, outH, outW) {
      if (!isFloat(grad) || !sameKind(out, grad)) return js.adaptiveAvgPool2dBackward(out, grad, planes, height, width, outH, outW);
      addon.adaptiveAvgPool2dBackward(out, grad, planes, height, width, outH, outW);
    },

    groupNorm(y, mean, rstd, x, weight, bias, batch, channels, inner, groups, eps) {
      if (!isFloat(x) || !allOfKind(x, y, weight, bias)) return js.groupNorm(y, mean, rstd, x, weight, bias, batch, channels, inner, groups, eps);
      addon.groupNorm(y, mean, rstd, x, weight, bias, batch, channels, inner, groups, eps);
    },

    groupNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight, batch, channels, inner, groups) {
      if (!isFloat(x) || !allOfKind(x, dx, dweight, dbias, dy, weight)) {
        return js.groupNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight, batch, channels, inner, groups);
      }
      addon.groupNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight, batch, channels, inner, groups);
    },

    batchNorm(y, mean, rstd, x, weight, bias, batch, channels, inner, training, eps) {
      if (!isFloat(x) || !allOfKind(x, y, weight, bias)) return js.batchNorm(y, mean, rstd, x, weight, bias, batch, channels, inner, training, eps);
      addon.batchNorm(y, mean, rstd, x, weight, bias, batch, channels, inner, training, eps);
    },

    batchNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight, batch, channels, inner, training) {
      if (!isFloat(x) || !allOfKind(x, dx, dweight, dbias, dy, weight)) {
        return js.batchNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight, batch, channels, inner, training);
      }
      addon.batchNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight, batch, channels, inner, training);
    },

    sgdStep(params, grads, momentumBuffers, fresh, h) {
      if (!uniformFloat(params)) return js.sgdStep(params, grads, momentumBuffers, fresh, h);
      addon.sgdStep(params, grads, momentumBuffers, fresh,
        Float64Array.of(h.lr, h.momentum, h.dampening, h.weightDecay, b01(h.nesterov), b01(h.maximize)));
    },

    adamStep(params, grads, expAvgs, expAvgSqs, maxExpAvgSqs, steps, h) {
      if (!uniformFloat(params)) return js.adamStep(params, grads, expAvgs, expAvgSqs, maxExpAvgSqs, steps, h);
      addon.adamStep(params, grads, expAvgs, expAvgSqs, maxExpAvgSqs, steps, Float64Array.of(
        h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, b01(h.amsgrad), b01(h.maximize), b01(h.decoupledWeightDecay)));
    },

    rmspropStep(params, grads, squareAvgs, gradAvgs, momentumBuffers, h) {
      if (!uniformFloat(params)) return js.rmspropStep(params, grads, squareAvgs, gradAvgs, momentumBuffers, h);
      addon.rmspropStep(params, grads, squareAvgs, gradAvgs, momentumBuffers, Float64Array.of(
        h.lr, h.alpha, h.eps, h.weightDecay, h.momentum, b01(h.centered), b01(h.maximize)));
    },

    adagradStep(params, grads, sums, steps, h) {
      if (!uniformFloat(params)) return js.adagradStep(params, grads, sums, steps, h);
      addon.adagradStep(params, grads, sums, steps, Float64Array.of(h.lr, h.lrDecay, h.weightDecay, h.eps, b01(h.maximize)));
    },
  };
}

/** An integer setting from the environment in [lo, hi], else `fallback` (and what was wrong with it). */
function envInt(name: string, lo: number, hi: number, fallback: number): { value: number; problem: string | null } {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return { value: fallback, problem: null };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < lo || n > hi) {
    return { value: fallback, problem: `${name}='${raw}' is not an integer in [${lo}, ${hi}]; using ${fallback}` };
  }
  return { value: n, problem: null };
}

/** The values `KINDLING_KERNELS` takes. */
export const KERNEL_SETS: readonly (KernelPath | 'auto')[] = ['auto', 'avx512', 'avx2-fma', 'portable'];

/**
 * The kernel set `KINDLING_KERNELS` asks for: unset or empty means `'auto'`
 * (as an empty `KINDLING_NUM_THREADS` means the default); an unknown name is
 * warned about, with the known ones, and `'auto'` is used.
 */
export function kernelSetFromEnv(raw: string | undefined): KernelPath | 'auto' {
  const v = (raw ?? '').trim();
  if (v === '') return 'auto';
  if ((KERNEL_SETS as readonly string[]).includes(v)) return v as KernelPath | 'auto';
  const guess = didYouMean(v, KERNEL_SETS);
  warn('KINDLING_KERNELS', `KINDLING_KERNELS='${v}' is an unknown kernel set, known: ${KERNEL_SETS.join(', ')}${guess === undefined ? '' : ` (${guess})`}; using auto`);
  return 'auto';
}

/** Default of `KINDLING_HEAP_PAD_MB`: see native/src/heap.cc for why. */
const HEAP_PAD_MB = 64;

function off(reason: string, fix: string): NativeLoad {
  return {
    backend: null, kernelPath: null, threads: 1, reason, fix, availablePaths: [], addon: null,
    setKernelPath: () => {
      throw new BackendError(`the native backend is not available: ${reason}`, { op: 'setKernelPath' });
    },
  };
}

/** Loads the addon once, configuring threads (`KINDLING_NUM_THREADS`) and kernels (`KINDLING_KERNELS`: auto, avx512, avx2-fma, portable). */
export function loadNative(): NativeLoad {
  const where = locateAddon();
  if (where.file === null) return off(where.reason, where.fix);
  const file = where.file;
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (e) {
    // A prebuilt addon that exists but does not load is usually an older C library (dlopen names the missing GLIBC_ version).
    return off(`the addon ${file} failed to load: ${(e as Error).message.split('\n')[0]}`, `${buildCommand(where.root)}; the prebuilt linux-x64 addon needs glibc >= 2.34 and GCC 12's libstdc++ (GLIBCXX_3.4.30)`);
  }
  const cores = Math.max(1, availableParallelism());
  const { value: asked, problem } = envInt('KINDLING_NUM_THREADS', 1, 1024, cores);
  // More threads than cores only makes the pool fight over them (a 1024-thread pool on 2 cores ran 20x slower).
  const threads = Math.min(asked, cores);
  if (asked > cores) warn('KINDLING_NUM_THREADS', `KINDLING_NUM_THREADS=${asked} is more than the ${cores} cores available; using ${cores} threads`);
  const pad = envInt('KINDLING_HEAP_PAD_MB', 0, 2047, HEAP_PAD_MB);
  const want = kernelSetFromEnv(process.env.KINDLING_KERNELS);
  let info: ReturnType<NativeAddon['init']>;
  try {
    info = addon.init(threads, want, pad.value * 2 ** 20);
  } catch (e) {
    return off(`KINDLING_KERNELS='${want}': ${(e as Error).message}`, 'set KINDLING_KERNELS to auto, avx512, avx2-fma or portable');
  }
  if (problem !== null) console.warn(`kindling: ${problem}`);
  if (pad.problem !== null) console.warn(`kindling: ${pad.problem}`);
  const paths: KernelPath[] = ['portable'];
  if (info.avx2Fma) paths.push('avx2-fma');
  if (info.avx512f) paths.push('avx512');
  const result = {
    backend: makeNativeBackend(addon),
    kernelPath: info.path,
    threads: info.threads,
    reason: null,
    fix: null,
    file,
    availablePaths: paths,
    addon,
    setKernelPath(path: KernelPath | 'auto'): KernelPath {
      result.kernelPath = addon.init(threads, path).path;
      return result.kernelPath;
    },
  };
  return result;
}
