import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { betasCheck, nonNegative, type HyperSchema } from './hyper.js';
import { launch, stateZeros } from './kernel.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './types.js';

/** Adam's and AdamW's hyperparameters (PyTorch's `Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False)`). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay factor (default 1e-2). */
  weightDecay?: number;
  /** Use the AMSGrad variant (the maximum of past second moments). */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize?: boolean;
}
export type AdamWOptions = AdamOptions;

/** The state Adam and AdamW keep for a parameter. */
export interface AdamState {
  /** Steps taken with this parameter. */
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** With `amsgrad`: the maximum of the second moments so far. */
  maxExpAvgSq?: Tensor;
}

function adamSchema(optimizer: string, weightDecay: number): HyperSchema<Required<AdamOptions>> {
  return {
    optimizer,
    keys: {
      lr: { kind: 'number', default: 1e-3, check: nonNegative('learning rate') },
      betas: { kind: 'pair', default: [0.9, 0.999], check: betasCheck },
      eps: { kind: 'number', default: 1e-8, check: nonNegative('epsilon value') },
      weightDecay: { kind: 'number', default: weightDecay, check: nonNegative('weight_decay value') },
      amsgrad: { kind: 'boolean', default: false },
      maximize: { kind: 'boolean', default: false },
    },
  };
}
export const ADAM_SCHEMA = adamSchema('Adam', 0);
export const ADAMW_SCHEMA = adamSchema('AdamW', 1e-2);

const ADAM_STATE = {
  step: { kind: 'number' },
  expAvg: { kind: 'param' },
  expAvgSq: { kind: 'param' },
  maxExpAvgSq: { kind: 'param', optional: true },
} as const;

/**
 * One Adam (or, with `decoupledWeightDecay`, AdamW) step over `params`, each
 * with a grad; `states` are updated in place (step counts, moments).
 */
export function adam(params: Tensor[], states: AdamState[], h: Required<AdamOptions>, decoupledWeightDecay = false): void {
  // NOTE: amsgrad switched on mid-run starts its maximum at zero (PyTorch raises KeyError).
  if (h.amsgrad) params.forEach((p, i) => (states[i]!.maxExpAvgSq ??= stateZeros(p)));
  for (const s of states) s.step += 1;
  const steps = states.map((s) => s.step);
  const buffers = [states.map((s) => s.expAvg), states.map((s) => s.expAvgSq), h.amsgrad ? states.map((s) => s.maxExpAvgSq!) : []];
  launch(params, buffers, [steps], (ps, gs, [m, v, vmax], [t]) =>
    backend().adamStep(ps, gs, m!, v!, vmax!, t!, {
      lr: h.lr, beta1: h.betas[0], beta2: h.betas[1], eps: h.eps, weightDecay: h.weightDecay,
      amsgrad: h.amsgrad, maximize: h.maximize, decoupledWeightDecay,
    }),
  );
}

function initAdam(p: Tensor, amsgrad: boolean): AdamState {
  const s: AdamState = { step: 0, expAvg: stateZeros(p), expAvgSq: stateZeros(p) };
  if (amsgrad) s.maxExpAvgSq = stateZeros(p);
  return s;
}

/**
 * Adam (Kingma & Ba), as PyTorch's `torch.optim.Adam`: weight decay is an L2
 * term added to the gradient.
 *
 * ```ts
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.99] });
 * ```
 */
export class Adam extends Optimizer<Required<AdamOptions>, AdamState> {
  /** The hyperparameters' kinds, defaults and checks (read by `optim.paramGroups`). */
  static readonly schema = ADAM_SCHEMA;

  constructor(params: ParamsInput<AdamOptions>, options: AdamOptions = {}) {
    super(params, options, { schema: ADAM_SCHEMA, state: ADAM_STATE });
  }

  protected override updateGroup(group: ParamGroup<Required<AdamOptions>>, params: Tensor[]): void {
    adam(params, params.map((p) => this.stateOf(p, () => initAdam(p, group.amsgrad))), group, false);
  }
}

/**
 * AdamW (Loshchilov & Hutter), as PyTorch's `torch.optim.AdamW`: decoupled
 * weight decay θ ← θ·(1 − lr·λ) before the Adam update; default λ = 1e-2.
 *
 * ```ts
 * const opt = new optim.AdamW([{ params: decay }, { params: noDecay, weightDecay: 0 }], { lr: 1e-3 });
 * ```
 */
export class AdamW extends Optimizer<Required<AdamWOptions>, AdamState> {
  /** The hyperparameters' kinds, defaults and checks (read by `optim.paramGroups`). */
  static readonly schema = ADAMW_SCHEMA;

  constructor(params: ParamsInput<AdamWOptions>, options: AdamWOptions = {}) {
    super(params, options, { schema: ADAMW_SCHEMA, state: ADAM_STATE });
  }

  protected override updateGroup(group: ParamGroup<Required<AdamWOptions>>, params: Tensor[]): void {
    adam(params, params.map((p) => this.stateOf(p, () => initAdam(p, group.amsgrad))), group, true);
  }
}
