/**
 * examples/browser: trains the seed's model in the page with two parameter
 * groups and plots the loss live. `npm run example:browser` bundles this file
 * with esbuild and serves the folder on http://127.0.0.1:8080/.
 *
 * The training loop awaits `kd.nextFrame()` after each step: the browser
 * paints the plot and handles clicks in between, so the page never freezes.
 */
import * as kd from '../../src/browser.js';
import { nn, optim } from '../../src/browser.js';
import { MyModel, seedOptimizer, toyBatch } from '../seed-model.js';

kd.manualSeed(0);

const model = new MyModel();
const opt = seedOptimizer(model);
const lossFn = new nn.CrossEntropyLoss();

/** The page's state, also read by the browser test (test/browser/browser.test.ts). */
const state = { step: 0, losses: [] as number[], running: true, msPerStep: 0 };
(window as unknown as { kindlingExample: typeof state }).kindlingExample = state;

const canvas = document.getElementById('plot') as HTMLCanvasElement;
const status = document.getElementById('status')!;
const toggle = document.getElementById('toggle') as HTMLButtonElement;
document.getElementById('groups')!.textContent = String(optim.describeGroups(opt, { model }));
toggle.onclick = () => {
  state.running = !state.running;
  toggle.textContent = state.running ? 'Pause' : 'Resume';
};

/** Draws every step's loss (light) and a 20-step moving average (dark) on a log-free linear axis. */
function plot(): void {
  const ctx = canvas.getContext('2d')!;
  const { width: w, height: h } = canvas;
  ctx.clearRect(0, 0, w, h);
  const losses = state.losses;
  if (losses.length < 2) return;
  const top = Math.max(...losses.slice(0, 50));
  const x = (i: number): number => 40 + (i / Math.max(losses.length - 1, 1)) * (w - 50);
  const y = (v: number): number => h - 20 - (Math.min(v, top) / top) * (h - 30);
  ctx.fillStyle = '#555';
  ctx.font = '11px sans-serif';
  ctx.fillText(top.toFixed(2), 2, y(top) + 4);
  ctx.fillText('0', 2, y(0));
  ctx.fillText(`step ${losses.length}`, w - 60, h - 4);
  const line = (values: number[], color: string): void => {
    ctx.strokeStyle = color;
    ctx.beginPath();
    values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v)) : ctx.lineTo(x(i), y(v))));
    ctx.stroke();
  };
  line(losses, '#9cc3e6');
  const avg = losses.map((_, i) => {
    const part = losses.slice(Math.max(0, i - 19), i + 1);
    return part.reduce((a, b) => a + b, 0) / part.length;
  });
  line(avg, '#1f5f99');
}

async function train(): Promise<void> {
  for (;;) {
    if (state.running) {
      const t0 = performance.now();
      const { x, y } = toyBatch(32);
      const loss = lossFn.forward(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      state.losses.push(loss.item());
      state.step++;
      state.msPerStep = 0.9 * state.msPerStep + 0.1 * (performance.now() - t0);
      plot();
      status.textContent = `step ${state.step}, loss ${state.losses.at(-1)!.toFixed(3)}, ${state.msPerStep.toFixed(1)} ms/step on ${kd.backendInfo().backend}`;
    }
    await kd.nextFrame();
  }
}

void train();
