/**
 * The seed's question, answered in kindling (model and data: seed-model.ts): the model with `base` and
 * `classifier` parts (1 → 512 → 264 → 128 → 964, ReLU), and the optimizer
 * from torch.optim's documentation with one learning rate per part —
 *
 *   optim.SGD([{ params: model.base.parameters() },
 *              { params: model.classifier.parameters(), lr: 1e-3 }],
 *             { lr: 1e-2, momentum: 0.9 })
 *
 * — trained with cross-entropy on a toy problem: the input is a number in
 * [-1, 1) and its class is which of 16 equal bins it falls in. Prints the
 * groups (`optim.describeGroups`), then falling losses.
 *
 *   npx tsx examples/seed-toy.ts
 */
import * as kd from '../src/node.js';
import { nn, optim } from '../src/node.js';
import { BINS, MyModel, seedOptimizer, toyBatch } from './seed-model.js';

kd.manualSeed(0);

const model = new MyModel();
const opt = seedOptimizer(model);
console.log(`backend: ${JSON.stringify(kd.backendInfo())}`);
console.log(String(optim.describeGroups(opt, { model })));

const lossFn = new nn.CrossEntropyLoss();
const steps = 200;
let running = 0;
for (let step = 1; step <= steps; step++) {
  const { x, y } = toyBatch(64);
  const loss = lossFn.forward(model.forward(x), y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  running += loss.item();
  if (step % 20 === 0) {
    console.log(`step ${String(step).padStart(3)}  loss ${(running / 20).toFixed(4)}`);
    running = 0;
  }
}

// Accuracy on fresh inputs.
const test = toyBatch(1000);
const predicted = kd.noGrad(() => model.forward(test.x).argmax(1));
const accuracy = predicted.eq(test.y).float().mean().item();
console.log(`accuracy on 1000 fresh inputs: ${(accuracy * 100).toFixed(1)}% (chance: ${(100 / BINS).toFixed(1)}%)`);
