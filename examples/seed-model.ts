/**
 * The seed's model and toy problem, shared by the examples (seed-toy.ts in
 * Node, browser/ in a page) and the browser tests.
 *
 * The model has `base` and `classifier` parts (1 → 512 → 264 → 128 → 964,
 * ReLU); the optimizer is the one from torch.optim's documentation, with one
 * learning rate per part. The toy problem: the input is a number in [-1, 1)
 * and its class is which of 16 equal bins it falls in.
 */
import * as kd from '../src/index.js';
import { nn, optim, type Tensor } from '../src/index.js';

export class MyModel extends nn.Module {
  base = new nn.Sequential(new nn.Linear(1, 512), new nn.ReLU(), new nn.Linear(512, 264), new nn.ReLU());
  classifier = new nn.Sequential(new nn.Linear(264, 128), new nn.ReLU(), new nn.Linear(128, 964));

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.base.forward(x));
  }
}

/** The seed's optimizer: SGD, `base` at the default lr 1e-2, `classifier` at 1e-3, momentum 0.9. */
export function seedOptimizer(model: MyModel): optim.SGD {
  return new optim.SGD(
    [{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 1e-3 }],
    { lr: 1e-2, momentum: 0.9 },
  );
}

/** How many equal bins [-1, 1) is cut into: the toy problem's classes. */
export const BINS = 16;

/** `n` random inputs in [-1, 1) and their bins. */
export function toyBatch(n: number): { x: Tensor; y: Tensor } {
  const x = kd.rand([n, 1]).mul(2).sub(1);
  const labels = Int32Array.from(x.dataSync(), (v) => Math.min(BINS - 1, Math.floor(((v + 1) / 2) * BINS)));
  return { x, y: kd.tensor(labels, { shape: [n] }) };
}
