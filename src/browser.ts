/**
 * kindling's browser entry (the `default` condition of the package's
 * exports): everything the core exports, running on the `wasm` backend
 * (kindling's C++ kernels compiled to WebAssembly) when this JavaScript
 * engine can start it, else on `js` with one console warning that says why.
 * `kd.setBackend('js')` switches back; `kd.backendInfo()` says which runs.
 */
import { setBackend } from './backend/index.js';

export * from './index.js';

try {
  setBackend('wasm');
} catch (e) {
  console.warn(`kindling: the wasm backend did not start, running on js: ${(e as Error).message}`);
}
