/**
 * The benchmarked workloads in kindling: the seed's model (DESIGN.md), a
 * small CNN, and an AdamW step over many groups. bench/torch_bench.py builds
 * the same work in PyTorch.
 */
import * as kd from '../src/node.js';
import { nn, optim, type Tensor } from '../src/node.js';

/** The seed's model: base 1→512→264, classifier 264→128→964, ReLU between. */
class Base extends nn.Sequential {
  constructor() {
    super(new nn.Linear(1, 512), new nn.ReLU(), new nn.Linear(512, 264), new nn.ReLU());
  }
}

export class SeedModel extends nn.Module {
  base = new Base();
  classifier = new nn.Sequential(new nn.Linear(264, 128), new nn.ReLU(), new nn.Linear(128, 964));
  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.base.forward(x));
  }
}

export interface Workload {
  /** One training step (or optimizer step). */
  step(): void;
}

/** The seed's training step: two SGD groups with momentum, cross-entropy over 964 classes. */
export function mlpStep(batch: number): Workload {
  kd.manualSeed(0);
  const model = new SeedModel();
  const opt = new optim.SGD(
    [{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 1e-3 }],
    { lr: 1e-2, momentum: 0.9 },
  );
  const x = kd.randn([batch, 1]);
  const y = kd.randint(0, 964, [batch]);
  return {
    step() {
      opt.zeroGrad();
      const loss = kd.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
    },
  };
}

/** A small CNN on 1×28×28: two conv+ReLU+maxpool stages, two linear layers. */
export class SmallCnn extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  );
  head = new nn.Sequential(new nn.Flatten(), new nn.Linear(32 * 7 * 7, 128), new nn.ReLU(), new nn.Linear(128, 10));
  forward(x: Tensor): Tensor {
    return this.head.forward(this.features.forward(x));
  }
}

export function cnnStep(batch: number): Workload {
  kd.manualSeed(0);
  const model = new SmallCnn();
  const opt = new optim.SGD(model.parameters(), { lr: 1e-2, momentum: 0.9 });
  const x = kd.randn([batch, 1, 28, 28]);
  const y = kd.randint(0, 10, [batch]);
  return {
    step() {
      opt.zeroGrad();
      kd.crossEntropy(model.forward(x), y).backward();
      opt.step();
    },
  };
}

/** An AdamW step over `total` parameters split evenly into `groups` groups (one tensor each). */
export function adamwStep(total: number, groups: number): Workload {
  kd.manualSeed(0);
  const per = Math.floor(total / groups);
  const specs = Array.from({ length: groups }, (_, i) => {
    const p = new nn.Parameter(kd.randn([per]));
    p.grad = kd.randn([per]);
    return { params: [p], lr: 1e-3 * (1 + i / groups) };
  });
  const opt = new optim.AdamW(specs, { lr: 1e-3, weightDecay: 1e-2 });
  return { step: () => opt.step() };
}

/** sgemm through the public op (allocates its result, as user code does). */
export function sgemm(n: number): Workload {
  kd.manualSeed(0);
  const a = kd.randn([n, n]);
  const b = kd.randn([n, n]);
  return { step: () => void a.matmul(b) };
}
