import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { nonNegative, type HyperSchema } from './hyper.js';
import { launch, stateZeros } from './kernel.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './types.js';

/** ASGD's hyperparameters (PyTorch's `ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False)`). */
export interface ASGDOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Decay term (default 1e-4). */
  lambd?: number;
  /** Power of the η update (default 0.75). */
  alpha?: number;
  /** The step at which averaging starts (default 1e6). */
  t0?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Maximize the objective instead of minimizing it. */
  maximize?: boolean;
}

/** The state ASGD keeps for a parameter. */
export interface ASGDState {
  step: number;
  /** The current step size η. */
  eta: number;
  /** The current averaging coefficient μ. */
  mu: number;
  /** The averaged parameter. */
  ax: Tensor;
}

export const ASGD_SCHEMA: HyperSchema<Required<ASGDOptions>> = {
  optimizer: 'ASGD',
  keys: {
    lr: { kind: 'number', default: 1e-2, check: nonNegative('learning rate') },
    lambd: { kind: 'number', default: 1e-4 },
    alpha: { kind: 'number', default: 0.75 },
    t0: { kind: 'number', default: 1e6 },
    weightDecay: { kind: 'number', default: 0, check: nonNegative('weight_decay value') },
    maximize: { kind: 'boolean', default: false },
  },
};

/** One ASGD step over `params` (each with a grad); `states` are updated in place. */
export function asgd(params: Tensor[], states: ASGDState[], h: Required<ASGDOptions>): void {
  for (const s of states) s.step += 1;
  const steps = states.map((s) => s.step);
  const etas = states.map((s) => s.eta);
  const mus = states.map((s) => s.mu);
  launch(params, [states.map((s) => s.ax)], [etas, mus, steps], (ps, gs, [ax], [eta, mu, t]) =>
    backend().asgdStep(ps, gs, ax!, eta!, mu!, t!, { lr: h.lr, lambd: h.lambd, alpha: h.alpha, t0: h.t0, weightDecay: h.weightDecay, maximize: h.maximize }),
  );
  states.forEach((s, i) => {
    s.eta = etas[i]!;
    s.mu = mus[i]!;
  });
}

/**
 * Averaged SGD (Polyak & Juditsky), as PyTorch's `torch.optim.ASGD`; the
 * average is `opt.state.get(p).ax`.
 *
 * ```ts
 * const opt = new optim.ASGD(model.parameters(), { lr: 1e-2, t0: 100 });
 * ```
 */
export class ASGD extends Optimizer<Required<ASGDOptions>, ASGDState> {
  /** The hyperparameters' kinds, defaults and checks (read by `optim.paramGroups`). */
  static readonly schema = ASGD_SCHEMA;

  constructor(params: ParamsInput<ASGDOptions>, options: ASGDOptions = {}) {
    super(params, options, {
      schema: ASGD_SCHEMA,
      state: { step: { kind: 'number' }, eta: { kind: 'number' }, mu: { kind: 'number' }, ax: { kind: 'param' } },
    });
  }

  protected override updateGroup(group: ParamGroup<Required<ASGDOptions>>, params: Tensor[]): void {
    // NOTE: η starts at the group's lr rounded to float32 (PyTorch stores it in a float32 tensor).
    const init = (p: Tensor): ASGDState => ({ step: 0, eta: Math.fround(group.lr), mu: 1, ax: stateZeros(p) });
    asgd(params, params.map((p) => this.stateOf(p, () => init(p))), group);
  }
}
