/**
 * Vitest setup (vitest.config.ts `setupFiles`): every test file runs on the
 * backend named by KINDLING_BACKEND (default js). Loading the Node entry
 * registers the native backend; asking for native when it did not load fails
 * every test file loudly instead of silently testing js twice. Recycled
 * buffers are poisoned (see the end of this file).
 */
import { setBackend } from '../../src/backend/index.js';
import { backendInfo } from '../../src/node.js';
import { setRecyclePoison } from '../../src/tensor/recycle.js';

const want = process.env.KINDLING_BACKEND || 'js';
if (want === 'native' && !backendInfo().nativeAvailable) {
  throw new Error(`KINDLING_BACKEND=native but the native backend did not load: ${backendInfo().reason}`);
}
setBackend(want);
// Recycled memory (tensor/recycle.ts) is filled with NaN when it is handed
// back, so any tensor that still read it would fail its test.
setRecyclePoison(true);
