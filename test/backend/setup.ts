/**
 * Vitest setup (vitest.config.ts `setupFiles`): every test file runs on the
 * backend named by KINDLING_BACKEND (default js). Loading the Node entry
 * registers the native backend; asking for native when it did not load fails
 * every test file loudly instead of silently testing js twice. Recycled
 * buffers are poisoned (see the end of this file).
 */
import { afterEach } from 'vitest';
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

// NOTE: a file of synchronous tests never returns to the event loop between
// them, so vitest's replies to the worker wait; after 60 s the worker's RPC
// timer fires first and reports "Timeout calling onTaskUpdate" although every
// test passed. Yielding once after each test lets the replies through.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
