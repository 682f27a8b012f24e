import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { nonNegative, type HyperSchema } from './hyper.js';
import { launch, stateZeros } from './kernel.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './types.js';

/** Adadelta's hyperparameters (PyTorch's `Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False)`). */
export interface AdadeltaOptions {
  /** Scales the delta before it is applied (default 1). */
  lr?: number;
  /** Decay rate of the running averages (default 0.9). */
  rho?: number;
  /** Added inside both square roots (default 1e-6). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Maximize the objective instead of minimizing it. */
  maximize?: boolean;
}

/** The state Adadelta keeps for a parameter. */
export interface AdadeltaState {
  step: number;
  squareAvg: Tensor;
  accDelta: Tensor;
}

export const ADADELTA_SCHEMA: HyperSchema<Required<AdadeltaOptions>> = {
  optimizer: 'Adadelta',
  keys: {
    lr: { kind: 'number', default: 1.0, check: nonNegative('learning rate') },
    rho: { kind: 'number', default: 0.9, check: (v) => (v >= 0 && v <= 1 ? undefined : `Invalid rho value: ${v}`) },
    eps: { kind: 'number', default: 1e-6, check: nonNegative('epsilon value') },
    weightDecay: { kind: 'number', default: 0, check: nonNegative('weight_decay value') },
    maximize: { kind: 'boolean', default: false },
  },
};

/** One Adadelta step over `params` (each with a grad); `states` are updated in place. */
export function adadelta(params: Tensor[], states: AdadeltaState[], h: Required<AdadeltaOptions>): void {
  for (const s of states) s.step += 1;
  launch(params, [states.map((s) => s.squareAvg), states.map((s) => s.accDelta)], [], (ps, gs, [v, u]) =>
    backend().adadeltaStep(ps, gs, v!, u!, { lr: h.lr, rho: h.rho, eps: h.eps, weightDecay: h.weightDecay, maximize: h.maximize }),
  );
}

/**
 * Adadelta (Zeiler), as PyTorch's `torch.optim.Adadelta`.
 *
 * ```ts
 * const opt = new optim.Adadelta(model.parameters(), { rho: 0.95 });
 * ```
 */
export class Adadelta extends Optimizer<Required<AdadeltaOptions>, AdadeltaState> {
  /** The hyperparameters' kinds, defaults and checks (read by `optim.paramGroups`). */
  static readonly schema = ADADELTA_SCHEMA;

  constructor(params: ParamsInput<AdadeltaOptions>, options: AdadeltaOptions = {}) {
    super(params, options, { schema: ADADELTA_SCHEMA, state: { step: { kind: 'number' }, squareAvg: { kind: 'param' }, accDelta: { kind: 'param' } } });
  }

  protected override updateGroup(group: ParamGroup<Required<AdadeltaOptions>>, params: Tensor[]): void {
    adadelta(params, params.map((p) => this.stateOf(p, () => ({ step: 0, squareAvg: stateZeros(p), accDelta: stateZeros(p) }))), group);
  }
}
