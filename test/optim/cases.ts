/** Optimizers × configurations shared by the behaviour and state-dict tests. */
import { Generator, optim, randn, type Tensor } from './lib.js';

export type AnyOptimizer = optim.Optimizer<optim.BaseHyper, object>;
export type Params = optim.ParamsInput<{ lr?: number }>;
export type Factory = (params: Params, extra?: Record<string, unknown>) => AnyOptimizer;

/** Optimizers × their main configurations (PyTorch's OptimizerInfo configs, in kindling's names). */
export const CASES: [string, Factory][] = [
  ['SGD', (p, x) => new optim.SGD(p, { lr: 1e-2, ...x })],
  ['SGD momentum dampening', (p, x) => new optim.SGD(p, { lr: 1e-2, momentum: 0.9, dampening: 0.1, ...x })],
  ['SGD nesterov weightDecay', (p, x) => new optim.SGD(p, { lr: 1e-2, momentum: 0.9, nesterov: true, weightDecay: 0.1, ...x })],
  ['Adam', (p, x) => new optim.Adam(p, { lr: 1e-2, ...x })],
  ['Adam amsgrad weightDecay', (p, x) => new optim.Adam(p, { lr: 1e-2, amsgrad: true, weightDecay: 0.1, ...x })],
  ['AdamW', (p, x) => new optim.AdamW(p, { lr: 1e-2, ...x })],
  ['AdamW amsgrad', (p, x) => new optim.AdamW(p, { lr: 1e-2, amsgrad: true, ...x })],
  ['RMSprop', (p, x) => new optim.RMSprop(p, { lr: 1e-2, ...x })],
  ['RMSprop centered momentum weightDecay', (p, x) => new optim.RMSprop(p, { lr: 1e-2, centered: true, momentum: 0.5, weightDecay: 0.1, ...x })],
  ['Adagrad', (p, x) => new optim.Adagrad(p, { lr: 1e-1, ...x })],
  ['Adagrad lrDecay weightDecay', (p, x) => new optim.Adagrad(p, { lr: 1e-1, lrDecay: 1e-3, weightDecay: 0.1, initialAccumulatorValue: 0.1, ...x })],
  ['Adadelta', (p, x) => new optim.Adadelta(p, { lr: 1, ...x })],
  ['Adadelta rho weightDecay', (p, x) => new optim.Adadelta(p, { lr: 1, rho: 0.95, weightDecay: 0.1, ...x })],
  ['Adamax', (p, x) => new optim.Adamax(p, { lr: 1e-2, ...x })],
  ['NAdam', (p, x) => new optim.NAdam(p, { lr: 1e-2, ...x })],
  ['NAdam momentumDecay weightDecay', (p, x) => new optim.NAdam(p, { lr: 1e-2, momentumDecay: 6e-3, weightDecay: 0.1, ...x })],
  ['RAdam', (p, x) => new optim.RAdam(p, { lr: 1e-2, ...x })],
  ['RAdam weightDecay', (p, x) => new optim.RAdam(p, { lr: 1e-2, weightDecay: 0.1, ...x })],
  ['ASGD', (p, x) => new optim.ASGD(p, { lr: 1e-2, ...x })],
  ['ASGD t0 weightDecay', (p, x) => new optim.ASGD(p, { lr: 1e-2, t0: 5, weightDecay: 0.1, ...x })],
  ['Rprop', (p, x) => new optim.Rprop(p, { lr: 1e-3, ...x })],
];

export function seeded(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  return randn(shape, { generator: new Generator(seed), dtype, requiresGrad: true });
}

/** PyTorch's `_test_basic_cases` problem: ‖W·x + b‖². */
export function problem(): { weight: Tensor; bias: Tensor; loss: () => Tensor } {
  const weight = seeded([10, 5], 1);
  const bias = seeded([10], 2);
  const input = randn([5, 1], { generator: new Generator(3) });
  return { weight, bias, loss: () => weight.matmul(input).reshape([10]).add(bias).pow(2).sum() };
}

export function train(opt: AnyOptimizer, loss: () => Tensor, steps: number): [number, number] {
  const first = loss().item();
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    loss().backward();
    opt.step();
  }
  return [first, loss().item()];
}

export const values = (ts: Tensor[]): number[][] => ts.map((t) => Array.from(t.dataSync(), Number));
