/**
 * `kd.backendInfo()` in every entry: the core (browsers) reports the js
 * backend; the Node entry supplies the native backend's details.
 */
import { backend } from './index.js';
import { wasmInfo, type WasmInfo } from './wasm/index.js';

/** The native kernel paths, best first. */
export type KernelPath = 'avx512' | 'avx2-fma' | 'portable';

/** What {@link backendInfo} reports. */
export interface BackendInfo {
  /** The backend ops run on now (`kd.setBackend` changes it). */
  readonly backend: 'js' | 'native' | 'wasm';
  /** Whether the native addon loaded (and so `setBackend('native')` works). */
  readonly nativeAvailable: boolean;
  /** The native kernels in use: chosen by CPU detection, or forced by `KINDLING_KERNELS`. */
  readonly kernelPath: KernelPath | null;
  /** Threads of the native pool (`KINDLING_NUM_THREADS`, else the available parallelism); 1 on js. */
  readonly threads: number;
  /** Why native is not available; null when it is. */
  readonly reason: string | null;
  /**
   * The wasm backend, once started (`setBackend('wasm')`): which kernels run
   * compiled and which run the js code, its threads and its heap.
   */
  readonly wasm: WasmInfo | null;
}

/** The native backend's side of the report, supplied by the Node entry when it loads. */
export interface NativeStatus {
  readonly available: boolean;
  readonly kernelPath: KernelPath | null;
  readonly threads: number;
  readonly reason: string | null;
}

let nativeStatus = (): NativeStatus => ({
  available: false,
  kernelPath: null,
  threads: 1,
  reason: "the native backend runs under Node.js only (this is kindling's browser entry)",
});

/** Called by the Node entry (src/node.ts) once it has tried to load the addon; read at each report. */
export function setNativeStatus(status: () => NativeStatus): void {
  nativeStatus = status;
}

/**
 * Which backend runs, which native kernels and how many threads it uses, and
 * why native is off when it is.
 *
 * ```ts
 * const info = kd.backendInfo();
 * if (!info.nativeAvailable) console.log(info.reason);
 * ```
 */
export function backendInfo(): BackendInfo {
  const name = backend().name;
  const native = nativeStatus();
  return {
    backend: name,
    nativeAvailable: native.available,
    kernelPath: native.kernelPath,
    threads: name === 'native' ? native.threads : 1,
    reason: native.reason,
    wasm: wasmInfo(),
  };
}
