/**
 * kindling's Node entry (the `node` condition of the package's exports):
 * everything the core exports, plus the native backend.
 *
 * Loading this module loads the C++ addon, registers it as the `native`
 * backend and selects it, unless `KINDLING_BACKEND=js`. When the addon cannot
 * be loaded, kindling runs on the js backend and says why, once.
 *
 * ```ts
 * import * as kd from 'kindling';
 * kd.backendInfo(); // { backend: 'native', kernelPath: 'avx2-fma', threads: 2, … }
 * ```
 */
import { BackendError } from './errors.js';
import { backend, registerBackend, setBackend } from './backend/index.js';
import { loadNative, type KernelPath } from './backend/native.js';

export * from './index.js';
export type { KernelPath } from './backend/native.js';

/** What {@link backendInfo} reports. */
export interface BackendInfo {
  /** The backend ops run on now (`kd.setBackend` changes it). */
  readonly backend: 'js' | 'native';
  /** Whether the native addon loaded (and so `setBackend('native')` works). */
  readonly nativeAvailable: boolean;
  /** The native kernels in use: chosen by CPU detection, or forced by `KINDLING_KERNELS`. */
  readonly kernelPath: KernelPath | null;
  /** Threads of the native pool (`KINDLING_NUM_THREADS`, else the available parallelism); 1 on js. */
  readonly threads: number;
  /** Why native is not available; null when it is. */
  readonly reason: string | null;
}

const native = loadNative();
if (native.backend !== null) registerBackend(native.backend);

const requested = process.env.KINDLING_BACKEND;
if (requested === 'js') {
  setBackend('js');
} else if (requested === 'native' || requested === undefined || requested === '') {
  if (native.backend !== null) {
    setBackend('native');
  } else if (requested === 'native') {
    throw new BackendError(`KINDLING_BACKEND=native but the native backend is not available: ${native.reason}`, {
      op: 'kindling',
      hint: 'build the addon (npm rebuild kindling) or set KINDLING_BACKEND=js',
    });
  } else {
    // NOTE: said once, at load; backendInfo().reason keeps it.
    console.warn(`kindling: native backend off, running on js: ${native.reason}`);
  }
} else {
  throw new BackendError(`KINDLING_BACKEND='${requested}' is not a backend; use 'js' or 'native'`, { op: 'kindling' });
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
  return {
    backend: name,
    nativeAvailable: native.backend !== null,
    kernelPath: native.kernelPath,
    threads: name === 'native' ? native.threads : 1,
    reason: native.reason,
  };
}
