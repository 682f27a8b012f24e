import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { nonNegative, type HyperSchema } from './hyper.js';
import { stateFull, launch } from './kernel.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './types.js';

/** Adagrad's hyperparameters (PyTorch's `Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=False)`). */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** The lr is divided by 1 + (t − 1)·lrDecay (default 0). */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator (default 1e-10). */
  eps?: number;
  /** Maximize the objective instead of minimizing it. */
  maximize?: boolean;
}

/** The state Adagrad keeps for a parameter. */
export interface AdagradState {
  step: number;
  sum: Tensor;
}

export const ADAGRAD_SCHEMA: HyperSchema<Required<AdagradOptions>> = {
  optimizer: 'Adagrad',
  keys: {
    lr: { kind: 'number', default: 1e-2, check: nonNegative('learning rate') },
    lrDecay: { kind: 'number', default: 0, check: nonNegative('lr_decay value') },
    eps: { kind: 'number', default: 1e-10, check: nonNegative('epsilon value') },
    weightDecay: { kind: 'number', default: 0, check: nonNegative('weight_decay value') },
    initialAccumulatorValue: { kind: 'number', default: 0, check: nonNegative('initial_accumulator_value value') },
    maximize: { kind: 'boolean', default: false },
  },
};

/** One Adagrad step over `params` (each with a grad); `states` are updated in place. */
export function adagrad(params: Tensor[], states: AdagradState[], h: Required<AdagradOptions>): void {
  for (const s of states) s.step += 1;
  const steps = states.map((s) => s.step);
  launch(params, [states.map((s) => s.sum)], [steps], (ps, gs, [sums], [t]) =>
    backend().adagradStep(ps, gs, sums!, t!, { lr: h.lr, lrDecay: h.lrDecay, weightDecay: h.weightDecay, eps: h.eps, maximize: h.maximize }),
  );
}

/**
 * Adagrad (Duchi et al.), as PyTorch's `torch.optim.Adagrad`.
 *
 * ```ts
 * const opt = new optim.Adagrad(model.parameters(), { lr: 0.1, initialAccumulatorValue: 0.1 });
 * ```
 */
export class Adagrad extends Optimizer<Required<AdagradOptions>, AdagradState> {
  /** The hyperparameters' kinds, defaults and checks (read by `optim.paramGroups`). */
  static readonly schema = ADAGRAD_SCHEMA;

  constructor(params: ParamsInput<AdagradOptions>, options: AdagradOptions = {}) {
    super(params, options, { schema: ADAGRAD_SCHEMA, state: { step: { kind: 'number' }, sum: { kind: 'param' } } });
  }

  protected override updateGroup(group: ParamGroup<Required<AdagradOptions>>, params: Tensor[]): void {
    // NOTE: PyTorch 1.13 creates this state eagerly in the constructor, from the *constructor's*
    // initialAccumulatorValue, so groups added later fail (#53712). Here it is created on the
    // parameter's first step from its own group's value, like every other optimizer's state.
    const states = params.map((p) => this.stateOf(p, () => ({ step: 0, sum: stateFull(p, group.initialAccumulatorValue) })));
    adagrad(params, states, group);
  }
}
