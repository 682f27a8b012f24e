import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { betasCheck, nonNegative, type HyperSchema } from './hyper.js';
import { launch, stateZeros } from './kernel.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './types.js';

/** RAdam's hyperparameters (PyTorch's `RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)`). */
export interface RAdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the running averages (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Maximize the objective instead of minimizing it (PyTorch 2.x; 1.13 has no maximize). */
  maximize?: boolean;
}

/** The state RAdam keeps for a parameter. */
export interface RAdamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
}

export const RADAM_SCHEMA: HyperSchema<Required<RAdamOptions>> = {
  optimizer: 'RAdam',
  keys: {
    lr: { kind: 'number', default: 1e-3, check: nonNegative('learning rate') },
    betas: { kind: 'pair', default: [0.9, 0.999], check: betasCheck },
    eps: { kind: 'number', default: 1e-8, check: nonNegative('epsilon value') },
    weightDecay: { kind: 'number', default: 0, check: nonNegative('weight_decay value') },
    maximize: { kind: 'boolean', default: false },
  },
};

/** One RAdam step over `params` (each with a grad); `states` are updated in place. */
export function radam(params: Tensor[], states: RAdamState[], h: Required<RAdamOptions>): void {
  for (const s of states) s.step += 1;
  const steps = states.map((s) => s.step);
  launch(params, [states.map((s) => s.expAvg), states.map((s) => s.expAvgSq)], [steps], (ps, gs, [m, v], [t]) =>
    backend().radamStep(ps, gs, m!, v!, t!, { lr: h.lr, beta1: h.betas[0], beta2: h.betas[1], eps: h.eps, weightDecay: h.weightDecay, maximize: h.maximize }),
  );
}

/**
 * RAdam (rectified Adam, Liu et al.), as PyTorch's `torch.optim.RAdam`.
 *
 * ```ts
 * const opt = new optim.RAdam(model.parameters(), { lr: 1e-3 });
 * ```
 */
export class RAdam extends Optimizer<Required<RAdamOptions>, RAdamState> {
  /** The hyperparameters' kinds, defaults and checks (read by `optim.paramGroups`). */
  static readonly schema = RADAM_SCHEMA;

  constructor(params: ParamsInput<RAdamOptions>, options: RAdamOptions = {}) {
    super(params, options, { schema: RADAM_SCHEMA, state: { step: { kind: 'number' }, expAvg: { kind: 'param' }, expAvgSq: { kind: 'param' } } });
  }

  protected override updateGroup(group: ParamGroup<Required<RAdamOptions>>, params: Tensor[]): void {
    radam(params, params.map((p) => this.stateOf(p, () => ({ step: 0, expAvg: stateZeros(p), expAvgSq: stateZeros(p) }))), group);
  }
}
