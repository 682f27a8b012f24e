/**
 * The `wasm` backend: kindling's C++ kernels (native/src) compiled to
 * WebAssembly with SIMD128 (native/wasm/build.mjs), behind the same
 * {@link Backend} contract as `native`, with the same dispatch (which dtype
 * combinations go to the compiled kernels, addon-args.ts) and the same
 * argument checks (native/wasm/shim.cc mirrors binding.cc). Browser-safe.
 *
 * Tensors are ordinary JavaScript arrays; a compiled kernel's arguments are
 * copied into the module's heap for the call (heap.ts says why). The kernels
 * compiled so far are listed in {@link WASM_KERNELS}; every other kernel runs
 * the js backend's code, and `kd.backendInfo().wasm` lists both, so nothing
 * runs elsewhere unannounced. A compiled kernel also runs the js code where
 * the copies would outweigh the work (a few elements of a large array) or the
 * dtypes are ones the addon does not take. One thread.
 */
import type { Backend } from '../backend.js';
import { jsBackend } from '../js/index.js';
import type { TypedArray } from '../../tensor/dtype.js';
import {
  BINARY_CODES, BOOL_BINARY, BOOL_UNARY, MAX_DIMS, MetaPacker, UNARY_CODES, allOfKind, isFloat, sameKind, unaryParams,
} from '../addon-args.js';
import { WasmHeap, typeCode, type WasmHeapStats } from './heap.js';

/** The Backend kernels the wasm module implements (for the dtypes native implements); the rest run the js code. */
export const WASM_KERNELS = ['unary', 'binary', 'reluBackward', 'matmul', 'matmulSum', 'softmax', 'softmaxBackward'] as const;

/** Doubles in the meta block: ndim, 16 sizes, four views of offset and 16 strides (matmul needs 17). */
const META_DOUBLES = 1 + MAX_DIMS + 4 * (1 + MAX_DIMS);

/**
 * One kernel call's arrays, copied into heap memory for the call (each array
 * once, so an output that is also an input keeps one address, as in the
 * addon); outputs are copied back when the call ran, and all of it is freed.
 */
class Marshal {
  private readonly temps = new Map<TypedArray, { ptr: number; output: boolean }>();

  constructor(private readonly heap: WasmHeap) {}

  address(a: TypedArray, output: boolean): number {
    const known = this.temps.get(a);
    if (known !== undefined) {
      known.output ||= output;
      return known.ptr;
    }
    const ptr = this.heap.malloc(a.byteLength, `an argument of ${a.length} elements`);
    new Uint8Array(this.heap.buffer, ptr, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    this.temps.set(a, { ptr, output });
    return ptr;
  }

  /** Copies outputs back (when the call ran) and frees the heap memory. */
  done(ran: boolean): void {
    for (const [array, t] of this.temps) {
      if (ran && t.output) {
        new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(new Uint8Array(this.heap.buffer, t.ptr, array.byteLength));
      }
      this.heap.release(t.ptr);
    }
    this.temps.clear();
  }
}

/**
 * Whether copying `arrays` whole into the heap is in proportion to the
 * `touched` elements a call reads and writes: a view of a few elements of a
 * large array (a slice of a dataset) runs the js code in place instead.
 */
function elements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function worthCopying(touched: number, ...arrays: (TypedArray | null)[]): boolean {
  let total = 0;
  for (const a of arrays) if (a !== null) total += a.length;
  return total <= 4 * touched + 4096;
}

/** Makes the wasm backend over a fresh module instance. */
export function makeWasmBackend(heap: WasmHeap): Backend {
  const js = jsBackend;
  const ex = heap.exports;
  const packer = new MetaPacker();
  const metaPtr = heap.malloc(META_DOUBLES * 8, 'the argument block');

  /** Runs one call: `fn` gets a marshal for its arrays and the packed meta's address; a failed check throws its message. */
  function call(meta: Float64Array | null, fn: (m: Marshal) => number): void {
    // A view taken now: the memory may have grown since the last call.
    if (meta !== null) new Float64Array(heap.buffer, metaPtr, META_DOUBLES).set(meta.subarray(0, META_DOUBLES));
    const m = new Marshal(heap);
    let status = 1;
    try {
      status = fn(m);
    } finally {
      m.done(status === 0);
    }
    if (status !== 0) throw new RangeError(heap.lastError());
  }

  return {
    ...js,
    name: 'wasm',

    unary(op, out, x, shape, params) {
      const xd = x.data;
      const ok = isFloat(xd) && shape.length <= MAX_DIMS && (BOOL_UNARY.has(op) ? out instanceof Uint8Array : sameKind(out, xd))
        && worthCopying(2 * elements(shape), out, xd);
      if (!ok) return js.unary(op, out, x, shape, params);
      const [p0, p1] = unaryParams(op, params);
      call(packer.views(shape, [x]), (m) => ex.kd_unary(UNARY_CODES[op], m.address(out, true), out.length, typeCode(out),
        m.address(xd, false), xd.length, typeCode(xd), metaPtr, META_DOUBLES, p0, p1));
    },

    binary(op, out, a, b, shape) {
      const ad = a.data;
      const bd = b.data;
      const ok = isFloat(ad) && sameKind(ad, bd) && shape.length <= MAX_DIMS
        && (BOOL_BINARY.has(op) ? out instanceof Uint8Array : sameKind(out, ad)) && worthCopying(3 * elements(shape), out, ad, bd);
      if (!ok) return js.binary(op, out, a, b, shape);
      call(packer.views(shape, [a, b]), (m) => ex.kd_binary(BINARY_CODES[op], m.address(out, true), out.length, typeCode(out),
        m.address(ad, false), ad.length, typeCode(ad), m.address(bd, false), bd.length, typeCode(bd), metaPtr, META_DOUBLES));
    },

    reluBackward(out, grad, y, n) {
      if (!isFloat(y) || !sameKind(out, y) || !sameKind(grad, y) || !worthCopying(3 * n, out, grad, y)) return js.reluBackward(out, grad, y, n);
      call(null, (m) => ex.kd_relu_backward(m.address(out, true), out.length, typeCode(out), m.address(grad, false), grad.length,
        typeCode(grad), m.address(y, false), y.length, typeCode(y), n));
    },

    matmul(out, a, b, batch, mRows, n, k, accumulate = false, bias = null) {
      const ok = isFloat(out) && allOfKind(out, a.data, b.data, bias === null ? null : bias.data)
        && worthCopying(batch * (mRows * k + k * n + mRows * n), out, a.data, b.data, bias === null ? null : bias.data);
      if (!ok) return js.matmul(out, a, b, batch, mRows, n, k, accumulate, bias);
      call(packer.matmul(a, b, batch, mRows, n, k, accumulate, bias), (m) => ex.kd_matmul(
        m.address(out, true), out.length, typeCode(out), m.address(a.data, false), a.data.length, typeCode(a.data),
        m.address(b.data, false), b.data.length, typeCode(b.data),
        bias === null ? 0 : m.address(bias.data, false), bias === null ? 0 : bias.data.length, bias === null ? 0 : typeCode(bias.data),
        metaPtr, META_DOUBLES));
    },

    matmulSum(out, a, b, batch, mRows, n, k, accumulate = false) {
      const ok = isFloat(out) && allOfKind(out, a.data, b.data) && worthCopying(batch * (mRows * k + k * n) + mRows * n, out, a.data, b.data);
      if (!ok) return js.matmulSum(out, a, b, batch, mRows, n, k, accumulate);
      call(packer.matmul(a, b, batch, mRows, n, k, accumulate, null, true), (m) => ex.kd_matmul(
        m.address(out, true), out.length, typeCode(out), m.address(a.data, false), a.data.length, typeCode(a.data),
        m.address(b.data, false), b.data.length, typeCode(b.data), 0, 0, 0, metaPtr, META_DOUBLES));
    },

    softmax(out, x, outer, size, inner, log) {
      if (!isFloat(x) || !sameKind(out, x) || !worthCopying(2 * outer * size * inner, out, x)) return js.softmax(out, x, outer, size, inner, log);
      call(null, (m) => ex.kd_softmax(m.address(out, true), out.length, typeCode(out), m.address(x, false), x.length, typeCode(x),
        outer, size, inner, log ? 1 : 0));
    },

    softmaxBackward(out, grad, y, outer, size, inner, log) {
      const ok = isFloat(y) && sameKind(out, y) && sameKind(grad, y) && worthCopying(3 * outer * size * inner, out, grad, y);
      if (!ok) return js.softmaxBackward(out, grad, y, outer, size, inner, log);
      call(null, (m) => ex.kd_softmax_backward(m.address(out, true), out.length, typeCode(out), m.address(grad, false), grad.length,
        typeCode(grad), m.address(y, false), y.length, typeCode(y), outer, size, inner, log ? 1 : 0));
    },
  };
}

/** What `kd.backendInfo().wasm` reports once the wasm backend has started. */
export interface WasmInfo {
  /** The kernels that run compiled in the wasm module. */
  readonly kernels: readonly string[];
  /** The kernels that run the js backend's code because they are not compiled yet. */
  readonly onJs: readonly string[];
  /** Threads of the wasm kernels. */
  readonly threads: number;
  readonly heap: WasmHeapStats;
}

let started: { backend: Backend; heap: WasmHeap } | null = null;

/** The wasm backend, started on first use (compiling and instantiating the module takes a few milliseconds). */
export function wasmBackend(): Backend {
  if (started === null) {
    const heap = new WasmHeap();
    started = { backend: makeWasmBackend(heap), heap };
  }
  return started.backend;
}

/** The wasm backend's coverage and heap, or null before it has started. */
export function wasmInfo(): WasmInfo | null {
  if (started === null) return null;
  const compiled = new Set<string>(WASM_KERNELS);
  const all = Object.keys(jsBackend).filter((k) => k !== 'name' && typeof (jsBackend as unknown as Record<string, unknown>)[k] === 'function');
  return {
    kernels: [...WASM_KERNELS],
    onJs: all.filter((k) => !compiled.has(k) && k !== 'allocUninit').sort(),
    threads: 1,
    heap: started.heap.stats(),
  };
}
