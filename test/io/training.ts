/**
 * A small training run used by the checkpoint tests, in this process and in
 * child processes (test/io/checkpoint-child.ts): a model with dropout, an
 * optimizer with three groups, a scheduler, and batches drawn from a
 * generator seeded by the step number (so any process draws the same data).
 */
import type * as KD from '../../src/node.js';

type Kd = typeof KD;

export type RunKind = 'sgd' | 'adam';

export interface Run {
  model: KD.nn.Sequential;
  opt: KD.optim.Optimizer;
  sched: KD.optim.lrScheduler.StepLR;
  /** One training step on batch `i`; returns the loss. */
  step(i: number): number;
}

export function makeRun(kd: Kd, kind: RunKind): Run {
  const { nn, optim } = kd;
  kd.manualSeed(1234);
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(8, 8), new nn.Tanh(), new nn.Linear(8, 3));
  const groups = [
    { params: model.at(0, nn.Linear).parameters(), name: 'first' },
    { params: model.at(3, nn.Linear).parameters(), lr: 0.02, name: 'middle' },
    { params: model.at(5, nn.Linear).parameters(), lr: 0.005, name: 'head', weightDecay: 0.01 },
  ];
  const opt: KD.optim.Optimizer = kind === 'sgd'
    ? new optim.SGD(groups, { lr: 0.05, momentum: 0.9, nesterov: true })
    : new optim.Adam(groups, { lr: 0.01, betas: [0.8, 0.95] });
  const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 3, gamma: 0.5 });
  const step = (i: number): number => {
    const g = new kd.Generator(10_000 + i);
    const x = kd.randn([16, 4], { generator: g });
    const y = kd.randint(0, 3, [16], { generator: g });
    opt.zeroGrad();
    const loss = kd.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    sched.step();
    return loss.item();
  };
  return { model, opt, sched, step };
}

/** Every parameter's values, flat, in model order (for bit-exact comparison). */
export function paramValues(run: Run): number[][] {
  return [...run.model.parameters()].map((p) => Array.from(p.dataSync()));
}
