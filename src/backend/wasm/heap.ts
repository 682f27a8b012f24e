/**
 * The wasm backend's module instance and its heap. Browser-safe (no Node
 * built-ins).
 *
 * Tensors stay ordinary JavaScript arrays; a kernel call copies the arrays it
 * reads into the module's heap, runs there, copies its output back and frees
 * the heap memory before it returns. Keeping tensors resident in the heap was
 * tried and dropped: their heap blocks could only be freed when the collector
 * finalised their views, and finalisers run between tasks, never inside a
 * synchronous training loop (the seed model leaked 5 MB of heap per step).
 * Freed per call, the heap holds only one call's arguments, so it starts
 * small and grows when a call needs more, up to {@link WASM_MAX_HEAP_BYTES};
 * views of it are taken afresh after every allocation, since growing the
 * memory detaches the old ones.
 */
import { BackendError } from '../../errors.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { WASM_MODULE } from './module.js';

/** The most heap memory the module may grow to (wasm32 with Emscripten's default limit: 2 GiB). */
export const WASM_MAX_HEAP_BYTES = 2 ** 31;

/** The module's exports (native/wasm/shim.cc and the C library). */
export interface WasmExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  _initialize(): void;
  malloc(bytes: number): number;
  free(ptr: number): void;
  kd_init(): void;
  kd_error(): number;
  kd_unary(op: number, out: number, outLen: number, outType: number, x: number, xLen: number, xType: number,
    meta: number, count: number, p0: number, p1: number): number;
  kd_binary(op: number, out: number, outLen: number, outType: number, a: number, aLen: number, aType: number,
    b: number, bLen: number, bType: number, meta: number, count: number): number;
  kd_relu_backward(out: number, outLen: number, outType: number, g: number, gLen: number, gType: number,
    y: number, yLen: number, yType: number, n: number): number;
  kd_matmul(out: number, outLen: number, outType: number, a: number, aLen: number, aType: number, b: number, bLen: number,
    bType: number, bias: number, biasLen: number, biasType: number, meta: number, count: number): number;
  kd_softmax(out: number, outLen: number, outType: number, x: number, xLen: number, xType: number,
    outer: number, size: number, inner: number, log: number): number;
  kd_softmax_backward(out: number, outLen: number, outType: number, g: number, gLen: number, gType: number,
    y: number, yLen: number, yType: number, outer: number, size: number, inner: number, log: number): number;
}

/** The part of the WebAssembly JS API used here (typed locally: the core compiles without the DOM library). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}

/** The element-type codes of native/src/kernels.h (DType). */
export function typeCode(a: TypedArray): number {
  if (a instanceof Float32Array) return 0;
  if (a instanceof Float64Array) return 1;
  if (a instanceof Int32Array) return 2;
  return 3;
}

/** The heap's size and use. */
export interface WasmHeapStats {
  /** The heap's current size in bytes (it grows when a call needs more). */
  readonly heapBytes: number;
  /** Bytes allocated now (between calls: only the backend's own small blocks). */
  readonly usedBytes: number;
  /** The most bytes held at once (one call's arguments and the backend's own blocks), since the backend started. */
  readonly peakBytes: number;
}

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

export class WasmHeap {
  readonly exports: WasmExports;
  private used = 0;
  private peak = 0;
  private readonly sizes = new Map<number, number>();

  constructor() {
    const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (api === undefined) throw new BackendError('the wasm backend needs WebAssembly, which this JavaScript engine lacks', { op: 'wasm' });
    // Compiled synchronously: allowed in Node and Workers at any size, and on a page's main thread in Chromium up to 8 MB.
    const module = new api.Module(decodeBase64(WASM_MODULE));
    const instance = new api.Instance(module, {
      wasi_snapshot_preview1: {
        proc_exit: (code: number) => {
          throw new BackendError(`the wasm module aborted (exit code ${code})`, { op: 'wasm' });
        },
      },
      // Called after memory.grow; the views are taken afresh from `memory.buffer` anyway.
      env: { emscripten_notify_memory_growth: () => undefined },
    });
    this.exports = instance.exports as WasmExports;
    this.exports._initialize();
    this.exports.kd_init();
  }

  /** The heap's memory now (a new buffer after every growth). */
  get buffer(): ArrayBuffer {
    return this.exports.memory.buffer;
  }

  /**
   * `bytes` of heap memory (at least 1), growing the heap if needed. Throws a
   * BackendError naming the sizes when it cannot grow that far.
   */
  malloc(bytes: number, what = 'a kernel call'): number {
    const ptr = bytes < WASM_MAX_HEAP_BYTES ? this.exports.malloc(Math.max(bytes, 1)) : 0;
    if (ptr === 0) {
      throw new BackendError(
        `wasm: ${what} needs ${bytes} bytes of heap, and the heap cannot grow that far ` +
        `(${this.used} bytes in use of ${this.buffer.byteLength}; it grows to at most ${WASM_MAX_HEAP_BYTES})`,
        { op: 'wasm', hint: 'use smaller batches or tensors, or the native backend in Node' },
      );
    }
    this.sizes.set(ptr, bytes);
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
    return ptr;
  }

  release(ptr: number): void {
    this.used -= this.sizes.get(ptr) ?? 0;
    this.sizes.delete(ptr);
    this.exports.free(ptr);
  }

  stats(): WasmHeapStats {
    return { heapBytes: this.buffer.byteLength, usedBytes: this.used, peakBytes: this.peak };
  }

  /** The message of the module's last failed check. */
  lastError(): string {
    const start = this.exports.kd_error();
    const bytes = new Uint8Array(this.buffer, start);
    let end = 0;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(0, end));
  }
}
