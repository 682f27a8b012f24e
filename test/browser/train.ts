/**
 * The training runs the browser tests compare: the same code runs in Node
 * (vitest) and, bundled by esbuild, in a Chromium page and a Web Worker.
 * It imports kindling's browser-safe core only.
 */
import * as kd from '../../src/index.js';
import { nn, optim } from '../../src/index.js';
import { MyModel, seedOptimizer, toyBatch } from '../../examples/seed-model.js';

/** What a training run reports: every step's loss, and the backend it ran on. */
export interface TrainReport {
  readonly backend: string;
  readonly losses: number[];
}

/**
 * Trains the seed model on the seed toy (which of 16 bins a number in [-1, 1)
 * falls in) with the seed's two parameter groups, from a fixed seed, on
 * `backend`;
 * `yieldEvery` > 0 awaits `kd.nextFrame()` every that many steps.
 */
export async function trainSeed(steps: number, batchSize: number, backend: 'js' | 'wasm', yieldEvery = 0): Promise<TrainReport> {
  kd.setBackend(backend);
  kd.manualSeed(0);
  const model = new MyModel();
  const opt = seedOptimizer(model);
  const lossFn = new nn.CrossEntropyLoss();
  const losses: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const { x, y } = toyBatch(batchSize);
    const loss = lossFn.forward(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.item());
    if (yieldEvery > 0 && step % yieldEvery === 0) await kd.nextFrame();
  }
  return { backend: kd.backendInfo().backend, losses };
}

/** The README's example, verbatim in substance: one step, then the groups' settings. */
export function readmeExample(backend: 'js' | 'wasm'): { loss: number; lr: number; momentum: number } {
  kd.setBackend(backend);
  kd.manualSeed(1);
  const model = new MyModel();
  const opt = new optim.SGD([
    { params: model.base.parameters() },
    { params: model.classifier.parameters(), lr: 1e-3 },
  ], { lr: 1e-2, momentum: 0.9 });
  const loss = kd.crossEntropy(model.forward(kd.randn([32, 1])), kd.randint(0, 964, [32]));
  opt.zeroGrad();
  loss.backward();
  opt.step();
  const group = opt.paramGroups[1]!;
  return { loss: loss.item(), lr: group.lr, momentum: group.momentum };
}
