/**
 * The browser test page's script (bundled by test/browser/bundle.ts): puts
 * the runs on `window.kdTest` for the test to call through Playwright.
 */
import { readmeExample, trainSeed, type TrainReport } from '../train.js';

/** A page run also counts the animation frames painted while it trained. */
interface PageReport extends TrainReport {
  readonly frames: number;
}

async function page(steps: number, batchSize: number, backend: 'js' | 'wasm', yieldEvery: number): Promise<PageReport> {
  let frames = 0;
  let counting = true;
  const tick = (): void => {
    frames++;
    if (counting) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const report = await trainSeed(steps, batchSize, backend, yieldEvery);
  counting = false;
  return { ...report, frames };
}

function worker(steps: number, batchSize: number, backend: 'js' | 'wasm'): Promise<TrainReport> {
  return new Promise((resolve, reject) => {
    const w = new Worker('./worker.js', { type: 'module' });
    w.onmessage = (e: MessageEvent<TrainReport>) => {
      resolve(e.data);
      w.terminate();
    };
    w.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
    w.postMessage({ steps, batchSize, backend });
  });
}

const api = { page, worker, readme: readmeExample };
(window as unknown as { kdTest: typeof api }).kdTest = api;
