/**
 * The seed's model (1 → 512 → 264 → 128 → 964, ReLU, cross-entropy) trained
 * on a toy problem with raw tensors and a hand-written SGD loop: the input is
 * a number in [-1, 1) and its class is which of 16 equal bins it falls in
 * (so 16 of the 964 outputs are ever right). Prints falling losses.
 *
 *   npx tsx examples/seed-toy.ts
 *
 * The update keeps two parameter groups as in the seed's question — `base`
 * (the first two layers) and `classifier` (the last two), each with its own
 * learning rate and a shared momentum — written by hand here; `optim.SGD`
 * with param groups does the same bookkeeping.
 */
import * as kd from '../src/index.js';

kd.manualSeed(0);

const sizes = [1, 512, 264, 128, 964];
const BINS = 16;

/** One linear layer as nn.Linear stores it: weight [out, in] (Kaiming-normal for ReLU), bias [out]. */
function layer(inF: number, outF: number): { weight: kd.Tensor; bias: kd.Tensor } {
  return {
    weight: kd.randn([outF, inF]).mul(Math.sqrt(2 / inF)).requiresGrad_(),
    bias: kd.zeros([outF]).requiresGrad_(),
  };
}

const layers = sizes.slice(1).map((out, i) => layer(sizes[i]!, out));

function forward(x: kd.Tensor): kd.Tensor {
  let h = x;
  layers.forEach((l, i) => {
    h = kd.linear(h, l.weight, l.bias);
    if (i < layers.length - 1) h = h.relu();
  });
  return h;
}

// A fixed toy batch: x uniform in [-1, 1), label = its bin.
const N = 32;
const x = kd.rand([N, 1]).mul(2).sub(1);
const y = kd.tensor(Int32Array.from(x.dataSync(), (v) => Math.min(BINS - 1, Math.floor(((v + 1) / 2) * BINS))), { shape: [N] });

// Hand-written SGD with momentum 0.9, two groups: base (layers 0-1) and classifier (layers 2-3).
const groups = [
  { params: layers.slice(0, 2).flatMap((l) => [l.weight, l.bias]), lr: 0.02 },
  { params: layers.slice(2).flatMap((l) => [l.weight, l.bias]), lr: 0.05 },
];
const momentum = 0.9;
const velocity = new Map<kd.Tensor, kd.Tensor>();

for (let step = 0; step <= 30; step++) {
  const loss = kd.crossEntropy(forward(x), y);
  loss.backward();
  kd.noGrad(() => {
    for (const g of groups) {
      for (const p of g.params) {
        const v = velocity.get(p);
        const next = v === undefined ? p.grad!.clone() : v.mul_(momentum).add_(p.grad!);
        velocity.set(p, next);
        p.sub_(next.mul(g.lr));
        p.grad = null;
      }
    }
  });
  if (step % 5 === 0) console.log(`step ${String(step).padStart(2)}  loss ${loss.item().toFixed(4)}`);
}
