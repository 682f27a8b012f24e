import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { betasCheck, nonNegative, type HyperSchema } from './hyper.js';
import { launch, stateZeros } from './kernel.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './types.js';

/** Adamax's hyperparameters (PyTorch's `Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False)`). */
export interface AdamaxOptions {
  /** Learning rate (default 2e-3). */
  lr?: number;
  /** Decay rates of the first moment and of the infinity norm (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to |g| inside the infinity norm (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Maximize the objective instead of minimizing it. */
  maximize?: boolean;
}

/** The state Adamax keeps for a parameter. */
export interface AdamaxState {
  step: number;
  expAvg: Tensor;
  expInf: Tensor;
}

export const ADAMAX_SCHEMA: HyperSchema<Required<AdamaxOptions>> = {
  optimizer: 'Adamax',
  keys: {
    lr: { kind: 'number', default: 2e-3, check: nonNegative('learning rate') },
    betas: { kind: 'pair', default: [0.9, 0.999], check: betasCheck },
    eps: { kind: 'number', default: 1e-8, check: nonNegative('epsilon value') },
    weightDecay: { kind: 'number', default: 0, check: nonNegative('weight_decay value') },
    maximize: { kind: 'boolean', default: false },
  },
};

/** One Adamax step over `params` (each with a grad); `states` are updated in place. */
export function adamax(params: Tensor[], states: AdamaxState[], h: Required<AdamaxOptions>): void {
  for (const s of states) s.step += 1;
  const steps = states.map((s) => s.step);
  launch(params, [states.map((s) => s.expAvg), states.map((s) => s.expInf)], [steps], (ps, gs, [m, u], [t]) =>
    backend().adamaxStep(ps, gs, m!, u!, t!, { lr: h.lr, beta1: h.betas[0], beta2: h.betas[1], eps: h.eps, weightDecay: h.weightDecay, maximize: h.maximize }),
  );
}

/**
 * Adamax (Adam with the infinity norm), as PyTorch's `torch.optim.Adamax`.
 *
 * ```ts
 * const opt = new optim.Adamax(model.parameters(), { lr: 2e-3 });
 * ```
 */
export class Adamax extends Optimizer<Required<AdamaxOptions>, AdamaxState> {
  /** The hyperparameters' kinds, defaults and checks (read by `optim.paramGroups`). */
  static readonly schema = ADAMAX_SCHEMA;

  constructor(params: ParamsInput<AdamaxOptions>, options: AdamaxOptions = {}) {
    super(params, options, { schema: ADAMAX_SCHEMA, state: { step: { kind: 'number' }, expAvg: { kind: 'param' }, expInf: { kind: 'param' } } });
  }

  protected override updateGroup(group: ParamGroup<Required<AdamaxOptions>>, params: Tensor[]): void {
    adamax(params, params.map((p) => this.stateOf(p, () => ({ step: 0, expAvg: stateZeros(p), expInf: stateZeros(p) }))), group);
  }
}
