import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { fmtValue, nonNegative, type HyperSchema } from './hyper.js';
import { launch, stateZeros } from './kernel.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './types.js';

/** SGD's hyperparameters (PyTorch's `SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False)`). */
export interface SGDOptions {
  /** Learning rate (default 1e-3, as PyTorch 2.x; 1.13 required one). */
  lr?: number;
  /** Momentum factor (default 0: plain SGD). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize?: boolean;
}

/** The state SGD keeps for a parameter (only when momentum is non-zero, as PyTorch 2.x). */
export interface SGDState {
  momentumBuffer: Tensor;
}

export const SGD_SCHEMA: HyperSchema<Required<SGDOptions>> = {
  optimizer: 'SGD',
  keys: {
    // NOTE: PyTorch 2.x gives SGD a default lr of 1e-3; 1.13 required one (torch.optim.optimizer.required).
    lr: { kind: 'number', default: 1e-3, check: nonNegative('learning rate') },
    momentum: { kind: 'number', default: 0, check: nonNegative('momentum value') },
    dampening: { kind: 'number', default: 0 },
    weightDecay: { kind: 'number', default: 0, check: nonNegative('weight_decay value') },
    nesterov: { kind: 'boolean', default: false },
    maximize: { kind: 'boolean', default: false },
  },
  cross: (h) =>
    h.nesterov && (h.momentum <= 0 || h.dampening !== 0)
      ? `Nesterov momentum requires a momentum and zero dampening (momentum ${fmtValue(h.momentum)}, dampening ${fmtValue(h.dampening)})`
      : undefined,
};

/**
 * One SGD step over `params` (each with a grad): the pure function of the
 * group's update. `buffers[i]` is parameter i's momentum buffer or
 * `undefined` when it has none yet; new buffers are returned.
 */
export function sgd(params: Tensor[], buffers: (Tensor | undefined)[], h: Required<SGDOptions>): Tensor[] {
  const useMomentum = h.momentum !== 0;
  const bufs = useMomentum ? params.map((p, i) => buffers[i] ?? stateZeros(p)) : [];
  // A buffer made this step starts as the gradient itself (PyTorch's `buf = clone(grad)`), so the kernel is told which are fresh.
  const fresh = params.map((_, i) => (useMomentum && buffers[i] === undefined ? 1 : 0));
  launch(params, [bufs], [fresh], (ps, gs, [m], [f]) => backend().sgdStep(ps, gs, m ?? [], Uint8Array.from(f ?? []), h));
  return bufs;
}

/**
 * Stochastic gradient descent, optionally with momentum, as PyTorch's
 * `torch.optim.SGD`.
 *
 * ```ts
 * const opt = new optim.SGD([{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 });
 * ```
 */
export class SGD extends Optimizer<Required<SGDOptions>, SGDState> {
  /** The hyperparameters' kinds, defaults and checks (read by `optim.paramGroups`). */
  static readonly schema = SGD_SCHEMA;

  /** `options` are the defaults of every group; `lr` defaults to 1e-3 (PyTorch 2.x). */
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(params, options, { schema: SGD_SCHEMA, state: { momentumBuffer: { kind: 'param' } } });
  }

  protected override updateGroup(group: ParamGroup<Required<SGDOptions>>, params: Tensor[]): void {
    const bufs = sgd(params, params.map((p) => this.state.get(p)?.momentumBuffer), group);
    if (group.momentum !== 0) params.forEach((p, i) => this.state.set(p, { momentumBuffer: bufs[i]! }));
  }
}
