import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { nonNegative, type HyperSchema } from './hyper.js';
import { stateFull, launch, stateZeros } from './kernel.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './types.js';

/** Rprop's hyperparameters (PyTorch's `Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False)`). */
export interface RpropOptions {
  /** The initial step size (default 1e-2; changing it later has no effect, as in PyTorch). */
  lr?: number;
  /** [η−, η+]: step-size factors after a sign change and after no change (default [0.5, 1.2]). */
  etas?: readonly [number, number];
  /** [min, max] step size (default [1e-6, 50]). */
  stepSizes?: readonly [number, number];
  /** Maximize the objective instead of minimizing it. */
  maximize?: boolean;
}

/** The state Rprop keeps for a parameter. */
export interface RpropState {
  step: number;
  /** The previous (sign-masked) gradient. */
  prev: Tensor;
  /** Per-element step sizes. */
  stepSize: Tensor;
}

export const RPROP_SCHEMA: HyperSchema<Required<RpropOptions>> = {
  optimizer: 'Rprop',
  keys: {
    lr: { kind: 'number', default: 1e-2, check: nonNegative('learning rate') },
    etas: { kind: 'pair', default: [0.5, 1.2], check: ([a, b]) => (a > 0 && a < 1 && b > 1 ? undefined : `Invalid eta values: ${a}, ${b}`) },
    stepSizes: { kind: 'pair', default: [1e-6, 50] },
    maximize: { kind: 'boolean', default: false },
  },
};

/** One Rprop step over `params` (each with a grad); `states` are updated in place. */
export function rprop(params: Tensor[], states: RpropState[], h: Required<RpropOptions>): void {
  for (const s of states) s.step += 1;
  launch(params, [states.map((s) => s.prev), states.map((s) => s.stepSize)], [], (ps, gs, [prev, size]) =>
    backend().rpropStep(ps, gs, prev!, size!, {
      etaMinus: h.etas[0], etaPlus: h.etas[1], stepSizeMin: h.stepSizes[0], stepSizeMax: h.stepSizes[1], maximize: h.maximize,
    }),
  );
}

/**
 * Resilient backpropagation, as PyTorch's `torch.optim.Rprop`.
 *
 * ```ts
 * const opt = new optim.Rprop(model.parameters(), { lr: 0.01, etas: [0.5, 1.2] });
 * ```
 */
export class Rprop extends Optimizer<Required<RpropOptions>, RpropState> {
  /** The hyperparameters' kinds, defaults and checks (read by `optim.paramGroups`). */
  static readonly schema = RPROP_SCHEMA;

  constructor(params: ParamsInput<RpropOptions>, options: RpropOptions = {}) {
    super(params, options, { schema: RPROP_SCHEMA, state: { step: { kind: 'number' }, prev: { kind: 'param' }, stepSize: { kind: 'param' } } });
  }

  protected override updateGroup(group: ParamGroup<Required<RpropOptions>>, params: Tensor[]): void {
    rprop(params, params.map((p) => this.stateOf(p, () => ({ step: 0, prev: stateZeros(p), stepSize: stateFull(p, group.lr) }))), group);
  }
}
