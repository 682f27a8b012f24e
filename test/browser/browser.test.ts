/**
 * kindling in a real browser: the test pages and the example page are
 * bundled with esbuild (no Node built-ins allowed), served from 127.0.0.1,
 * and run in Debian's Chromium, headless, through playwright-core. Training
 * in the page and in a Web Worker must give exactly the losses Node gives on
 * the same backend, with the loss falling, and the page must keep painting
 * while it trains (kd.nextFrame).
 *
 * `npm run test:browser`; bundle sizes land in build/browser-test/sizes.json.
 */
import { mkdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser, type BundleSize } from '../../scripts/browser-bundle.js';
import { serveStatic, type StaticServer } from '../../scripts/static-server.js';
import { browserAvailable, launchChromium } from '../browser.js';
import { readmeExample, trainSeed, type TrainReport } from './train.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(repo, 'build', 'browser-test');
const STEPS = 30;
const BATCH = 32;

let server: StaticServer;
let browser: Browser;
let page: Page;
let sizes: BundleSize[] = [];
const pageErrors: string[] = [];

type BackendName = 'js' | 'wasm';

interface PageApi {
  page(steps: number, batchSize: number, backend: BackendName, yieldEvery: number): Promise<TrainReport & { frames: number }>;
  worker(steps: number, batchSize: number, backend: BackendName): Promise<TrainReport>;
  readme(backend: BackendName): ReturnType<typeof readmeExample>;
}

const call = <K extends keyof PageApi>(name: K, ...args: Parameters<PageApi[K]>): Promise<Awaited<ReturnType<PageApi[K]>>> =>
  page.evaluate(([n, a]) => {
    const api = (globalThis as unknown as { kdTest: Record<string, (...x: unknown[]) => unknown> }).kdTest;
    return api[n]!(...a);
  }, [name, args] as const) as Promise<Awaited<ReturnType<PageApi[K]>>>;

/** What the tests read from the example page (this file is compiled for Node, without the DOM library). */
interface ExampleWindow {
  kindlingExample: { step: number; losses: number[] };
  document: {
    getElementById(id: string): {
      width: number;
      height: number;
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    };
  };
}

function falling(losses: number[]): void {
  const head = losses.slice(0, 4).reduce((a, b) => a + b, 0) / 4;
  const tail = losses.slice(-4).reduce((a, b) => a + b, 0) / 4;
  expect(tail).toBeLessThan(head - 0.15);
}

describe.skipIf(!browserAvailable())('in Chromium', () => {
  beforeAll(async () => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(join(out, 'example'), { recursive: true });
    sizes = [
      ...await bundleForBrowser({ page: join(repo, 'test/browser/web/page.ts'), worker: join(repo, 'test/browser/web/worker.ts') }, out),
      ...await bundleForBrowser({ main: join(repo, 'examples/browser/main.ts') }, join(out, 'example')),
    ];
    copyFileSync(join(repo, 'test/browser/web/index.html'), join(out, 'index.html'));
    copyFileSync(join(repo, 'examples/browser/index.html'), join(out, 'example', 'index.html'));
    writeFileSync(join(out, 'sizes.json'), JSON.stringify(Object.fromEntries(sizes.map((s) => [s.file.slice(s.file.indexOf('build/')), s.bytes])), null, 2));
    for (const s of sizes) console.log(`bundle ${s.file.slice(s.file.indexOf('build/'))}: ${(s.bytes / 1024).toFixed(1)} kB (minified)`);
    server = await serveStatic(out);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}index.html`);
    await page.waitForFunction(() => 'kdTest' in globalThis);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the bundles hold no Node built-ins and stay small', () => {
    // bundleForBrowser already failed on any unresolvable (Node) import; the size is a guard against bloat.
    const pageBundle = sizes.find((s) => s.file.endsWith('page.js'));
    expect(pageBundle?.bytes).toBeGreaterThan(50_000);
    // The js core is about 290 kB; the wasm module adds its base64 (about 760 kB).
    expect(pageBundle?.bytes).toBeLessThan(1_200_000);
  });

  describe.each(['js', 'wasm'] as const)('on the %s backend', (name) => {
    it('the README example gives the same step as in Node', async () => {
      expect(await call('readme', name)).toEqual(readmeExample(name));
    });

    it('trains the seed model in the page exactly as Node does, and keeps painting (kd.nextFrame)', async () => {
      const node = await trainSeed(STEPS, BATCH, name);
      const inPage = await call('page', STEPS, BATCH, name, 1);
      expect(inPage.backend).toBe(name);
      expect(inPage.losses).toEqual(node.losses);
      falling(inPage.losses);
      // A frame was painted at (nearly) every yield; without yielding the loop would block them all.
      expect(inPage.frames).toBeGreaterThanOrEqual(STEPS / 2);
    });

    it('trains in a Web Worker exactly as Node does', async () => {
      const node = await trainSeed(STEPS, BATCH, name);
      const inWorker = await call('worker', STEPS, BATCH, name);
      expect(inWorker.backend).toBe(name);
      expect(inWorker.losses).toEqual(node.losses);
    });
  });

  it('the example page trains with two groups on wasm (the browser default) and plots the loss live', async () => {
    const example = await browser.newPage();
    example.on('pageerror', (e) => pageErrors.push(e.message));
    await example.goto(`${server.url}example/index.html`);
    await example.waitForFunction(() => (globalThis as unknown as ExampleWindow).kindlingExample.step >= 60, undefined, { timeout: 60_000 });
    const state = await example.evaluate(() => (globalThis as unknown as ExampleWindow).kindlingExample);
    falling(state.losses);
    expect(await example.textContent('#groups')).toMatch(/group 1 .* 1e-3/);
    // The browser entry runs on wasm by default.
    expect(await example.textContent('#status')).toMatch(/ms\/step on wasm$/);
    // The plot has drawn: some pixels of the canvas are not blank.
    const inked = await example.evaluate(() => {
      const c = (globalThis as unknown as ExampleWindow).document.getElementById('plot');
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(500);
    await example.screenshot({ path: join(out, 'example.png') });
    await example.close();
    expect(pageErrors).toEqual([]);
  });
});
