import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { nonNegative, type HyperSchema } from './hyper.js';
import { launch, stateZeros } from './kernel.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './types.js';

/** RMSprop's hyperparameters (PyTorch's `RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False)`). */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant of the running average of squared gradients (default 0.99). */
  alpha?: number;
  /** Added to the denominator, outside the square root (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalize by the estimated variance instead of the uncentered second moment. */
  centered?: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize?: boolean;
}

/** The state RMSprop keeps for a parameter. */
export interface RMSpropState {
  step: number;
  squareAvg: Tensor;
  /** With momentum > 0. */
  momentumBuffer?: Tensor;
  /** With `centered`. */
  gradAvg?: Tensor;
}

export const RMSPROP_SCHEMA: HyperSchema<Required<RMSpropOptions>> = {
  optimizer: 'RMSprop',
  keys: {
    lr: { kind: 'number', default: 1e-2, check: nonNegative('learning rate') },
    momentum: { kind: 'number', default: 0, check: nonNegative('momentum value') },
    alpha: { kind: 'number', default: 0.99, check: nonNegative('alpha value') },
    eps: { kind: 'number', default: 1e-8, check: nonNegative('epsilon value') },
    centered: { kind: 'boolean', default: false },
    weightDecay: { kind: 'number', default: 0, check: nonNegative('weight_decay value') },
    maximize: { kind: 'boolean', default: false },
  },
};

/** One RMSprop step over `params` (each with a grad); `states` are updated in place. */
export function rmsprop(params: Tensor[], states: RMSpropState[], h: Required<RMSpropOptions>): void {
  // NOTE: a buffer that a configuration change needs mid-run starts at zero (PyTorch raises KeyError).
  params.forEach((p, i) => {
    const s = states[i]!;
    if (h.momentum > 0) s.momentumBuffer ??= stateZeros(p);
    if (h.centered) s.gradAvg ??= stateZeros(p);
    s.step += 1;
  });
  const buffers = [
    states.map((s) => s.squareAvg),
    h.centered ? states.map((s) => s.gradAvg!) : [],
    h.momentum > 0 ? states.map((s) => s.momentumBuffer!) : [],
  ];
  launch(params, buffers, [], (ps, gs, [sq, ga, mb]) =>
    backend().rmspropStep(ps, gs, sq!, ga!, mb!, {
      lr: h.lr, alpha: h.alpha, eps: h.eps, weightDecay: h.weightDecay, momentum: h.momentum, centered: h.centered, maximize: h.maximize,
    }),
  );
}

/**
 * RMSprop (Hinton), as PyTorch's `torch.optim.RMSprop`.
 *
 * ```ts
 * const opt = new optim.RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 * ```
 */
export class RMSprop extends Optimizer<Required<RMSpropOptions>, RMSpropState> {
  /** The hyperparameters' kinds, defaults and checks (read by `optim.paramGroups`). */
  static readonly schema = RMSPROP_SCHEMA;

  constructor(params: ParamsInput<RMSpropOptions>, options: RMSpropOptions = {}) {
    super(params, options, {
      schema: RMSPROP_SCHEMA,
      state: { step: { kind: 'number' }, squareAvg: { kind: 'param' }, momentumBuffer: { kind: 'param', optional: true }, gradAvg: { kind: 'param', optional: true } },
    });
  }

  protected override updateGroup(group: ParamGroup<Required<RMSpropOptions>>, params: Tensor[]): void {
    rmsprop(params, params.map((p) => this.stateOf(p, () => ({ step: 0, squareAvg: stateZeros(p) }))), group);
  }
}
