/**
 * Loss modules over the functional losses of src/ops/loss.ts. As in
 * PyTorch, a class `weight` (and BCEWithLogitsLoss's `pos_weight`) is a
 * buffer of the module, so it moves with `stateDict()`.
 */
import { layerOptions } from './common.js';
import { ArgumentTypeError, optionKeys, ValueError } from '../../errors.js';
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, l1Loss, mseLoss, nllLoss, smoothL1Loss, type LossOptions, type Reduction,
} from '../../ops/loss.js';

import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { describeValue } from '../parameter.js';

export type { LossOptions };

function checkReduction(r: unknown, op: string): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new ValueError(`${describeValue(r)} is not a valid value for reduction`, { op, hint: "use 'mean', 'sum' or 'none'" });
  return r;
}

function checkWeight(w: unknown, op: string, name: string): Tensor | null {
  if (w === undefined || w === null) return null;
  if (!(w instanceof Tensor)) throw new ArgumentTypeError(`${name} must be a Tensor or null, got ${describeValue(w)}`, { op });
  return w;
}

/** The base of the loss modules: holds `reduction`. */
export abstract class Loss extends Module {
  readonly reduction: Reduction;

  constructor(op: string, options: LossOptions) {
    super();
    this.reduction = checkReduction(options.reduction ?? 'mean', op);
  }

  abstract forward(input: Tensor, target: Tensor): Tensor;

  override extraRepr(): string {
    return this.reduction === 'mean' ? '' : `reduction='${this.reduction}'`;
  }
}

export interface NLLLossOptions extends LossOptions {
  /** A rescaling weight per class, `[C]` (a buffer named `weight`). */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (default −100). */
  ignoreIndex?: number;
}

export interface CrossEntropyLossOptions extends NLLLossOptions {
  /** Mix the target with the uniform distribution: `(1 − ε)·target + ε / C` (default 0). */
  labelSmoothing?: number;
}

abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;

  constructor(op: string, options: NLLLossOptions) {
    super(op, options);
    this.registerBuffer('weight', checkWeight(options.weight, op, 'weight'));
    const ii = options.ignoreIndex ?? -100;
    if (!Number.isInteger(ii)) throw new ArgumentTypeError(`ignoreIndex must be an integer, got ${describeValue(ii)}`, { op });
    this.ignoreIndex = ii;
  }
}

/**
 * Cross-entropy between logits `[N, C]` (or `[N, C, d…]`) and class indices
 * (int32 `[N]`) or class probabilities (`[N, C]`): logSoftmax then NLL.
 *
 * ```ts
 * const lossFn = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = lossFn.forward(model.forward(x), labels);
 * ```
 */
export class CrossEntropyLoss extends WeightedLoss {
  readonly labelSmoothing: number;

  constructor(options: CrossEntropyLossOptions = {}) {
    super('nn.CrossEntropyLoss', layerOptions('nn.CrossEntropyLoss', options, optionKeys<CrossEntropyLossOptions>({ reduction: true, weight: true, ignoreIndex: true, labelSmoothing: true })));
    const ls = options.labelSmoothing ?? 0;
    if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) throw new ValueError(`labelSmoothing must be between 0.0 and 1.0, got ${describeValue(ls)}`, { op: 'nn.CrossEntropyLoss' });
    this.labelSmoothing = ls;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/**
 * Negative log-likelihood of log-probabilities `[N, C]` at class indices `[N]`.
 *
 * ```ts
 * const loss = new nn.NLLLoss().forward(new nn.LogSoftmax(1).forward(logits), labels);
 * ```
 */
export class NLLLoss extends WeightedLoss {
  constructor(options: NLLLossOptions = {}) {
    super('nn.NLLLoss', layerOptions('nn.NLLLoss', options, optionKeys<NLLLossOptions>({ reduction: true, weight: true, ignoreIndex: true })));
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * Mean squared error `(input − target)²`.
 *
 * ```ts
 * new nn.MSELoss().forward(kd.tensor([1, 2]), kd.tensor([1, 4])).item(); // 2
 * ```
 */
export class MSELoss extends Loss {
  constructor(options: LossOptions = {}) {
    super('nn.MSELoss', layerOptions('nn.MSELoss', options, optionKeys<LossOptions>({ reduction: true })));
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Mean absolute error `|input − target|`.
 *
 * ```ts
 * new nn.L1Loss({ reduction: 'sum' }).forward(kd.tensor([1, 2]), kd.tensor([0, 4])).item(); // 3
 * ```
 */
export class L1Loss extends Loss {
  constructor(options: LossOptions = {}) {
    super('nn.L1Loss', layerOptions('nn.L1Loss', options, optionKeys<LossOptions>({ reduction: true })));
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  beta?: number;
}

/**
 * Huber-like loss: `0.5·d²/beta` for |d| < beta, `|d| − 0.5·beta` beyond.
 *
 * ```ts
 * new nn.SmoothL1Loss({ reduction: 'none' }).forward(kd.tensor([0.5, 3]), kd.tensor([0, 0])); // [0.125, 2.5]
 * ```
 */
export class SmoothL1Loss extends Loss {
  readonly beta: number;

  constructor(options: SmoothL1LossOptions = {}) {
    super('nn.SmoothL1Loss', layerOptions('nn.SmoothL1Loss', options, optionKeys<SmoothL1LossOptions>({ reduction: true, beta: true })));
    const beta = options.beta ?? 1;
    if (typeof beta !== 'number' || !(beta >= 0)) throw new ValueError(`beta must be a non-negative number, got ${describeValue(beta)}`, { op: 'nn.SmoothL1Loss' });
    this.beta = beta;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

export interface BCELossOptions extends LossOptions {
  /** A rescaling weight broadcast against the input (a buffer named `weight`). */
  weight?: Tensor | null;
}

/**
 * Binary cross-entropy of probabilities in [0, 1] (log clamped at −100, as PyTorch).
 *
 * ```ts
 * new nn.BCELoss().forward(kd.tensor([0.5, 0.5]), kd.tensor([0, 1])).item(); // ln 2
 * ```
 */
export class BCELoss extends Loss {
  declare weight: Tensor | null;

  constructor(options: BCELossOptions = {}) {
    super('nn.BCELoss', layerOptions('nn.BCELoss', options, optionKeys<BCELossOptions>({ reduction: true, weight: true })));
    this.registerBuffer('weight', checkWeight(options.weight, 'nn.BCELoss', 'weight'));
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

export interface BCEWithLogitsLossOptions extends BCELossOptions {
  /** Weight of positive examples per class (a buffer named `pos_weight`, as PyTorch's). */
  posWeight?: Tensor | null;
}

/**
 * Sigmoid and binary cross-entropy in one numerically stable step, on logits.
 *
 * ```ts
 * const lossFn = new nn.BCEWithLogitsLoss({ posWeight: kd.tensor([3]) }); // positives weigh 3×
 * lossFn.forward(kd.tensor([[0]]), kd.tensor([[1]])).item();              // 3·ln 2
 * ```
 */
export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;

  constructor(options: BCEWithLogitsLossOptions = {}) {
    super('nn.BCEWithLogitsLoss', layerOptions('nn.BCEWithLogitsLoss', options, optionKeys<BCEWithLogitsLossOptions>({ reduction: true, weight: true, posWeight: true })));
    this.registerBuffer('weight', checkWeight(options.weight, 'nn.BCEWithLogitsLoss', 'weight'));
    this.registerBuffer('pos_weight', checkWeight(options.posWeight, 'nn.BCEWithLogitsLoss', 'posWeight'));
  }

  get posWeight(): Tensor | null {
    return this.pos_weight;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}
