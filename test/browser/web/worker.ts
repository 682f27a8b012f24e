/**
 * The browser test's Web Worker (bundled by test/browser/bundle.ts): trains
 * when asked and posts the report back.
 */
import { trainSeed } from '../train.js';

// The worker's global scope, typed structurally (this file is compiled with the DOM library, not WebWorker's).
const scope = globalThis as unknown as {
  onmessage: ((e: { data: { steps: number; batchSize: number; backend: 'js' | 'wasm' } }) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (e) => {
  void trainSeed(e.data.steps, e.data.batchSize, e.data.backend).then((report) => scope.postMessage(report));
};
