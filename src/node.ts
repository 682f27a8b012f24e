/**
 * kindling's Node entry (the `node` condition of the package's exports):
 * everything the core exports, plus the native backend.
 *
 * Loading this module loads the C++ addon, registers it as the `native`
 * backend and selects it, unless `KINDLING_BACKEND=js`. When the addon cannot
 * be loaded, kindling runs on the wasm backend (the same kernels compiled to
 * WebAssembly; js if that cannot start) and says why, once, through
 * `process.emitWarning` with the code {@link NATIVE_WARNING}.
 *
 * ```ts
 * import * as kd from 'kindling';
 * kd.backendInfo(); // { backend: 'native', kernelPath: 'avx2-fma', threads: 2, … }
 * ```
 */
import { BackendError } from './errors.js';
import { registerBackend, setBackend } from './backend/index.js';
import { setNativeStatus } from './backend/info.js';
import { loadNative } from './backend/native.js';

export * from './index.js';
// NOTE: this named export shadows the core's `data` (an explicit export wins
// over `export *`): on Node, kd.data also reads files by path.
export * as data from './data/node/index.js';
// These replace the core's stand-ins, which say that files need Node.
export * as io from './io/node/index.js';
export { save, load } from './io/node/files.js';

/** The code of the one warning kindling gives when the native addon is unavailable. */
export const NATIVE_WARNING = 'KINDLING_NATIVE_UNAVAILABLE';

const native = loadNative();
if (native.backend !== null) registerBackend(native.backend);
setNativeStatus(() => ({ available: native.backend !== null, kernelPath: native.kernelPath, threads: native.threads, reason: native.reason }));

const requested = process.env.KINDLING_BACKEND;
if (requested === 'js' || requested === 'wasm') {
  setBackend(requested);
} else if (requested === 'native' || requested === undefined || requested === '') {
  if (native.backend !== null) {
    setBackend('native');
  } else if (requested === 'native') {
    throw new BackendError(`KINDLING_BACKEND=native but the native backend is not available: ${native.reason}`, {
      op: 'kindling',
      hint: `${native.fix ?? ''}; or set KINDLING_BACKEND=js`,
    });
  } else {
    // The fallback is the same C++ kernels compiled to WebAssembly; js when even that cannot start.
    let fallback = 'wasm';
    try {
      setBackend('wasm');
    } catch (e) {
      fallback = `js (the wasm backend did not start either: ${(e as Error).message})`;
    }
    // Said once, at load, with a code so it can be filtered (`node --disable-warning=${NATIVE_WARNING}`,
    // or a process.on('warning') listener); backendInfo().reason keeps it.
    process.emitWarning(`the native backend is off, running on ${fallback}: ${native.reason}`, {
      type: 'KindlingWarning',
      code: NATIVE_WARNING,
      detail: `To get the native backend: ${native.fix ?? ''}`,
    });
  }
} else {
  throw new BackendError(`KINDLING_BACKEND='${requested}' is not a backend; use 'js', 'wasm' or 'native'`, { op: 'kindling' });
}
