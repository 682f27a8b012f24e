import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { betasCheck, nonNegative, type HyperSchema } from './hyper.js';
import { launch, stateZeros } from './kernel.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './types.js';

/** NAdam's hyperparameters (PyTorch's `NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3)`). */
export interface NAdamOptions {
  /** Learning rate (default 2e-3). */
  lr?: number;
  /** Decay rates of the running averages (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** ψ in the momentum schedule μ_t = β1·(1 − ½·0.96^(tψ)) (default 4e-3). */
  momentumDecay?: number;
  /** Maximize the objective instead of minimizing it (PyTorch 2.x; 1.13 has no maximize). */
  maximize?: boolean;
}

/** The state NAdam keeps for a parameter. */
export interface NAdamState {
  step: number;
  /** The product of the momentum coefficients μ_1…μ_t. */
  muProduct: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
}

export const NADAM_SCHEMA: HyperSchema<Required<NAdamOptions>> = {
  optimizer: 'NAdam',
  keys: {
    lr: { kind: 'number', default: 2e-3, check: nonNegative('learning rate') },
    betas: { kind: 'pair', default: [0.9, 0.999], check: betasCheck },
    eps: { kind: 'number', default: 1e-8, check: nonNegative('epsilon value') },
    weightDecay: { kind: 'number', default: 0, check: nonNegative('weight_decay value') },
    momentumDecay: { kind: 'number', default: 4e-3, check: nonNegative('momentum_decay value') },
    maximize: { kind: 'boolean', default: false },
  },
};

/**
 * One NAdam step over `params` (each with a grad); `states` are updated in place.
 * NOTE: PyTorch 2.x's formula, not 1.13's (see {@link NAdam}).
 */
export function nadam(params: Tensor[], states: NAdamState[], h: Required<NAdamOptions>): void {
  for (const s of states) s.step += 1;
  const steps = states.map((s) => s.step);
  const mus = states.map((s) => s.muProduct);
  launch(params, [states.map((s) => s.expAvg), states.map((s) => s.expAvgSq)], [mus, steps], (ps, gs, [m, v], [mp, t]) =>
    backend().nadamStep(ps, gs, m!, v!, mp!, t!, {
      lr: h.lr, beta1: h.betas[0], beta2: h.betas[1], eps: h.eps, weightDecay: h.weightDecay, momentumDecay: h.momentumDecay, maximize: h.maximize,
    }),
  );
  states.forEach((s, i) => (s.muProduct = mus[i]!));
}

/**
 * NAdam (Adam with Nesterov momentum, Dozat), as PyTorch's `torch.optim.NAdam`.
 *
 * The momentum term's bias correction is 1 − μ_1⋯μ_{t+1}, as in Dozat's paper
 * and PyTorch 2.x. PyTorch 1.13 multiplied μ_t in twice (1 − μ_1⋯μ_t·μ_t·μ_{t+1});
 * kindling deliberately follows the corrected formula, so its trajectories
 * match current PyTorch and differ from 1.13's in the first few steps only.
 *
 * ```ts
 * const opt = new optim.NAdam(model.parameters(), { lr: 2e-3 });
 * ```
 */
export class NAdam extends Optimizer<Required<NAdamOptions>, NAdamState> {
  /** The hyperparameters' kinds, defaults and checks (read by `optim.paramGroups`). */
  static readonly schema = NADAM_SCHEMA;

  constructor(params: ParamsInput<NAdamOptions>, options: NAdamOptions = {}) {
    super(params, options, {
      schema: NADAM_SCHEMA,
      state: { step: { kind: 'number' }, muProduct: { kind: 'number' }, expAvg: { kind: 'param' }, expAvgSq: { kind: 'param' } },
    });
  }

  protected override updateGroup(group: ParamGroup<Required<NAdamOptions>>, params: Tensor[]): void {
    nadam(params, params.map((p) => this.stateOf(p, () => ({ step: 0, muProduct: 1, expAvg: stateZeros(p), expAvgSq: stateZeros(p) }))), group);
  }
}
