/**
 * The benchmarked workloads in kindling: the seed's model (DESIGN.md), a
 * small CNN, a deeper VGG-style CNN, a Transformer encoder, and an AdamW step
 * over many groups. bench/torch_bench.py builds the same work in PyTorch.
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

/** A VGG-style CNN on 1×28×28: two 3×3 convolutions per stage (32 channels at 28×28, 64 at 14×14), a linear head. */
export class VggCnn extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(1, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(32, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(64, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  );
  head = new nn.Sequential(new nn.Flatten(), new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(), new nn.Linear(128, 10));
  forward(x: Tensor): Tensor {
    return this.head.forward(this.features.forward(x));
  }
}

/** A training step of the VGG-style CNN: SGD with momentum, cross-entropy over 10 classes. */
export function vggStep(batch: number): PhasedWorkload {
  kd.manualSeed(0);
  const model = new VggCnn();
  const opt = new optim.SGD(model.parameters(), { lr: 1e-2, momentum: 0.9 });
  const x = kd.randn([batch, 1, 28, 28]);
  const y = kd.randint(0, 10, [batch]);
  return phased(opt, () => kd.crossEntropy(model.forward(x), y));
}

/** Sizes of the Transformer encoder workload. */
export const TRANSFORMER = { dModel: 256, nhead: 4, dimFeedforward: 1024, layers: 3, seq: 32, classes: 10 } as const;

/**
 * A Transformer encoder classifier: `TRANSFORMER.layers` post-norm encoder
 * layers (GELU, dropout 0.1, batch first), mean over the sequence, a linear head.
 */
export class TransformerClassifier extends nn.Module {
  layers = new nn.ModuleList(Array.from({ length: TRANSFORMER.layers }, () => new nn.TransformerEncoderLayer(
    TRANSFORMER.dModel, TRANSFORMER.nhead, { dimFeedforward: TRANSFORMER.dimFeedforward, activation: 'gelu', batchFirst: true },
  )));
  head = new nn.Linear(TRANSFORMER.dModel, TRANSFORMER.classes);
  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) h = layer.forward(h);
    return this.head.forward(h.mean(1));
  }
}

/**
 * A training step of the Transformer encoder on `[batch, seq, dModel]`
 * inputs: AdamW with one group per depth (layer-wise lr decay 0.8 from the
 * head down), weight decay 0.01.
 */
export function transformerStep(batch: number): PhasedWorkload {
  kd.manualSeed(0);
  const model = new TransformerClassifier();
  const depth = TRANSFORMER.layers;
  const opt = new optim.AdamW([
    ...Array.from({ length: depth }, (_, i) => ({ params: model.layers.at(i).parameters(), lr: 1e-3 * 0.8 ** (depth - i) })),
    { params: model.head.parameters() },
  ], { lr: 1e-3, weightDecay: 0.01 });
  const x = kd.randn([batch, TRANSFORMER.seq, TRANSFORMER.dModel]);
  const y = kd.randint(0, TRANSFORMER.classes, [batch]);
  return phased(opt, () => kd.crossEntropy(model.forward(x), y));
}

/** A training step split in its three phases, for the per-phase profile (bench/op-profile.ts). */
export interface PhasedWorkload extends Workload {
  forward(): Tensor;
  backward(loss: Tensor): void;
  optimizerStep(): void;
}

function phased(opt: optim.Optimizer, loss: () => Tensor): PhasedWorkload {
  const w: PhasedWorkload = {
    forward: () => {
      opt.zeroGrad();
      return loss();
    },
    backward: (l) => l.backward(),
    optimizerStep: () => opt.step(),
    step: () => {
      w.backward(w.forward());
      w.optimizerStep();
    },
  };
  return w;
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
