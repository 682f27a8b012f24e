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

const native = loadNative();
if (native.backend !== null) registerBackend(native.backend);
setNativeStatus(() => ({ available: native.backend !== null, kernelPath: native.kernelPath, threads: native.threads, reason: native.reason }));

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
