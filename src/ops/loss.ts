/**
 * Loss functions, with PyTorch's reductions and options: cross-entropy
 * (class indices or probabilities), NLL, MSE, L1, smooth L1 and binary
 * cross-entropy (on probabilities or logits).
 */
import { backend } from '../backend/index.js';
import { record } from '../autograd/node.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { AutogradError, DTypeError, fmtShape, IndexError, ShapeError, ValueError } from '../errors.js';
import { alloc, allocUninit, scalarTensor } from '../tensor/creation.js';
import { isFloating } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { flatData, requireFloat } from './core.js';
import { checkOptions, checkReduction, requireSameFloat, type Reduction } from './nn-util.js';
import { logSoftmax } from './softmax.js';

export type { Reduction } from './nn-util.js';

/** Options of `nllLoss`. */
export interface NLLLossFunctionalOptions {
  /** A manual rescaling weight per class, `[C]`. */
  weight?: Tensor | null;
  /** Targets equal to this are skipped (no loss, no gradient, not counted in the mean). Default -100. */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends NLLLossFunctionalOptions {
  /** Mixes the target with the uniform distribution: `(1 - ε)·target + ε / C`. Default 0. */
  labelSmoothing?: number;
}

/** Options of the losses that take only a reduction (`mseLoss`, `l1Loss`; the base of every loss's options, `nn`'s modules too). */
export interface LossOptions {
  /** `'mean'` (default), `'sum'` or `'none'` (one loss per element). */
  reduction?: Reduction;
}

/** Options of `smoothL1Loss`. */
export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss changes from quadratic to linear (default 1; 0 gives L1). */
  beta?: number;
}

/** Options of `binaryCrossEntropy`. */
export interface BinaryCrossEntropyOptions extends LossOptions {
  /** A rescaling weight broadcast against the input. */
  weight?: Tensor | null;
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of positive examples per class, broadcast along the last dimension. */
  posWeight?: Tensor | null;
}

function reduce(per: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return per;
  // NOTE: the mean of no elements is NaN (0 / 0), as in PyTorch.
  return reduction === 'sum' ? per.sum() : per.mean();
}

function sameShape(op: string, input: Tensor, target: Tensor): void {
  if (input.ndim !== target.ndim || input.shape.some((d, i) => d !== target.shape[i])) {
    // NOTE: stricter than PyTorch, which broadcasts mse/l1 targets with a warning: [N] against [N, 1] is almost always a bug.
    throw new ShapeError(`target size ${fmtShape(target.shape)} must be the same as input size ${fmtShape(input.shape)}`, {
      op,
      hint: 'reshape the target (e.g. target.unsqueeze(1) or target.reshape(input.shape))',
    });
  }
}

// --- negative log-likelihood and cross-entropy -------------------------------------

interface NllParts {
  /** Per-element losses, shaped like the target. */
  loss: Tensor;
  /** Σ w[target] over non-ignored elements: the 'mean' denominator. */
  totalWeight: number;
}

/** Checks class-index targets against `input` `[C]`, `[N, C]` or `[N, C, d…]`; returns `[batch, classes, inner]`. */
function checkClassTarget(op: string, input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): [number, number, number] {
  requireFloat(input, op, 'input');
  if (target.dtype !== 'int32') {
    throw new DTypeError(`expected target to be an int32 tensor of class indices, got ${target.dtype}`, {
      op,
      hint: isFloating(target.dtype) ? 'convert class labels with .int(); for class probabilities use crossEntropy' : 'convert it with .int()',
    });
  }
  if (input.ndim === 0) throw new ShapeError('input must have at least 1 dimension [C] or [N, C, *], got a 0-d tensor', { op });
  const classes = input.ndim === 1 ? input.shape[0]! : input.shape[1]!;
  const expected = input.ndim === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
  if (target.ndim !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    const batchHint = input.ndim >= 2 && target.ndim >= 1 && target.shape[0] !== input.shape[0]
      ? ` (input batch size ${input.shape[0]} does not match target batch size ${target.shape[0]})`
      : '';
    throw new ShapeError(
      `expected target of shape ${fmtShape(expected)} for input of shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}${batchHint}`,
      { op, hint: 'class-index targets have the input shape without the class dimension (dim 1)' },
    );
  }
  if (weight !== null) {
    requireSameFloat(input, weight, op, 'input', 'weight');
    if (weight.ndim !== 1 || weight.shape[0] !== classes) {
      throw new ShapeError(`weight should have one entry per class (${classes}), but got weight of shape ${fmtShape(weight.shape)}`, { op });
    }
    if (weight.requiresGrad && isGradEnabled()) {
      // NOTE: as PyTorch, the class-index loss is not differentiable in the class weights.
      throw new AutogradError('the loss is not differentiable with respect to weight, which requires grad', {
        op,
        hint: 'pass weight.detach()',
      });
    }
  }
  if (!Number.isInteger(ignoreIndex)) throw new ValueError(`ignoreIndex must be an integer, got ${ignoreIndex}`, { op });
  const t = flatData(target);
  for (let i = 0; i < t.length; i++) {
    const v = t[i]!;
    if (v !== ignoreIndex && (v < 0 || v >= classes)) {
      throw new IndexError(`target ${v} is out of bounds for ${classes} classes (at flat position ${i} of target ${fmtShape(target.shape)})`, {
        op,
        hint: `class indices must be in [0, ${classes})${ignoreIndex < 0 || ignoreIndex >= classes ? ` or equal ignoreIndex (${ignoreIndex})` : ''}`,
      });
    }
  }
  const batch = input.ndim === 1 ? 1 : input.shape[0]!;
  return [batch, classes, input.numel / (batch * classes || 1)];
}

/** The per-element NLL (recorded) and the total weight, for validated arguments. */
function nllParts(logp: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, dims: [number, number, number]): NllParts {
  const [batch, classes, inner] = dims;
  const tData = flatData(target) as Int32Array;
  const wData = weight === null ? null : flatData(weight);
  const loss = allocUninit(target.shape, logp.dtype);
  const wOut = allocUninit(target.shape, logp.dtype);
  backend().nllLoss(loss.storage.data, wOut.storage.data, flatData(logp), tData, wData, batch, classes, inner, ignoreIndex);
  let totalWeight = 0;
  const wd = wOut.storage.data;
  for (let i = 0; i < wd.length; i++) totalWeight += wd[i]!;
  record(loss, 'NllLossBackward0', [logp], (g) => {
    const gx = alloc(logp.shape, logp.dtype);
    backend().nllLossBackward(gx.storage.data, flatData(g), tData, wData, batch, classes, inner, ignoreIndex);
    return [gx];
  });
  return { loss, totalWeight };
}

/** Sums a per-element loss and divides by the total weight: PyTorch's weighted 'mean'. */
function weightedMean(loss: Tensor, totalWeight: number): Tensor {
  // NOTE: 'mean' divides by Σ w[target] over non-ignored elements, not by the element count; all ignored gives 0 / 0 = NaN.
  return loss.sum().div(scalarTensor(totalWeight, loss.dtype));
}

/**
 * Negative log-likelihood of class indices `target` under log-probabilities
 * `input` (`[C]`, `[N, C]` or `[N, C, d…]`, target without the class
 * dimension). With `weight`, 'mean' divides by the summed weights of the
 * targets, as PyTorch.
 *
 * ```ts
 * kd.nllLoss(kd.logSoftmax(logits, 1), labels);
 * ```
 */
export function nllLoss(input: Tensor, target: Tensor, options: NLLLossFunctionalOptions = {}): Tensor {
  const op = 'nllLoss';
  checkOptions(op, options, ['weight', 'ignoreIndex', 'reduction']);
  const reduction = checkReduction(op, options.reduction);
  const weight = options.weight ?? null;
  const ignoreIndex = options.ignoreIndex ?? -100;
  const dims = checkClassTarget(op, input, target, weight, ignoreIndex);
  const { loss, totalWeight } = nllParts(input, target, weight, ignoreIndex, dims);
  if (reduction === 'mean') return weightedMean(loss, totalWeight);
  return reduce(loss, reduction);
}

/**
 * Cross-entropy between `input` logits (`[C]`, `[N, C]` or `[N, C, d…]`) and
 * either class indices (int32, the input shape without dim 1) or class
 * probabilities (float, the input's shape). `logSoftmax` followed by the
 * NLL, with PyTorch's `weight`, `ignoreIndex`, `labelSmoothing` and
 * `reduction` semantics.
 *
 * ```ts
 * kd.crossEntropy(logits, labels);                                   // labels: int32 [N]
 * kd.crossEntropy(logits, labels, { labelSmoothing: 0.1, ignoreIndex: 0 });
 * kd.crossEntropy(logits, probs);                                    // probs: float [N, C]
 * ```
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  checkOptions(op, options, ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing']);
  const reduction = checkReduction(op, options.reduction);
  const weight = options.weight ?? null;
  const ignoreIndex = options.ignoreIndex ?? -100;
  const eps = options.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) {
    throw new ValueError(`labelSmoothing must be between 0.0 and 1.0, got ${eps}`, { op });
  }
  requireFloat(input, op, 'input');
  if (input.ndim === 0) throw new ShapeError('input must have at least 1 dimension [C] or [N, C, *], got a 0-d tensor', { op });
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim]!;
  const weightView = (w: Tensor): Tensor => (input.ndim === 1 ? w : w.reshape([1, classes, ...new Array<number>(input.ndim - 2).fill(1)]));

  if (isFloating(target.dtype)) {
    // Class probabilities: -Σ_c w_c · target_c · log p_c per element.
    if (target.ndim !== input.ndim || target.shape.some((d, i) => d !== input.shape[i])) {
      throw new ShapeError(
        `class-probability target must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`,
        { op, hint: 'for class indices pass an int32 target without the class dimension' },
      );
    }
    requireSameFloat(input, target, op, 'input', 'target');
    if (options.ignoreIndex !== undefined && ignoreIndex >= 0) {
      throw new ValueError('ignoreIndex is not supported for class-probability targets', { op });
    }
    if (weight !== null) {
      requireSameFloat(input, weight, op, 'input', 'weight');
      if (weight.ndim !== 1 || weight.shape[0] !== classes) {
        throw new ShapeError(`weight should have one entry per class (${classes}), but got weight of shape ${fmtShape(weight.shape)}`, { op });
      }
    }
    const logp = logSoftmax(input, classDim);
    const tgt = eps > 0 ? target.mul(1 - eps).add(eps / classes) : target;
    let prod = logp.mul(tgt);
    if (weight !== null) prod = prod.mul(weightView(weight));
    if (reduction === 'none') return prod.sum(classDim).neg();
    if (reduction === 'sum') return prod.sum().neg();
    // NOTE: with probabilities, 'mean' divides by the number of elements N·d… (not by the weights).
    return prod.sum().neg().div(input.numel / classes);
  }

  const dims = checkClassTarget(op, input, target, weight, ignoreIndex);
  const logp = logSoftmax(input, classDim);
  const { loss, totalWeight } = nllParts(logp, target, weight, ignoreIndex, dims);
  const nll = reduction === 'mean' ? weightedMean(loss, totalWeight) : reduce(loss, reduction);
  if (eps === 0) return nll;
  // Label smoothing (PyTorch's formula): (1 - ε)·nll + ε/C · Σ_c -w_c·log p_c, masked where ignored.
  const smoothPer = (weight === null ? logp : logp.mul(weightView(weight))).sum(classDim).neg();
  const ignored = noGrad(() => target.eq(ignoreIndex));
  const smooth = ignored.where(0, smoothPer);
  // NOTE: the smoothing term's 'mean' shares the NLL's denominator Σ w[target] (the count of non-ignored targets without weights).
  const smoothRed = reduction === 'mean' ? weightedMean(smooth, totalWeight) : reduce(smooth, reduction);
  return nll.mul(1 - eps).add(smoothRed.mul(eps / classes));
}

// --- regression losses -----------------------------------------------------------

function elementwiseArgs(op: string, input: Tensor, target: Tensor, options: object | undefined, keys: string[]): Reduction {
  checkOptions(op, options, keys);
  const reduction = checkReduction(op, (options as LossOptions | undefined)?.reduction);
  requireSameFloat(input, target, op, 'input', 'target');
  sameShape(op, input, target);
  return reduction;
}

/**
 * Mean squared error `(input - target)²`, reduced.
 *
 * ```ts
 * kd.mseLoss(pred, y);                       // scalar
 * kd.mseLoss(pred, y, { reduction: 'none' }); // per element
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = elementwiseArgs('mseLoss', input, target, options, ['reduction']);
  const d = input.sub(target);
  return reduce(d.mul(d), reduction);
}

/**
 * Mean absolute error `|input - target|`, reduced. The gradient at 0 is 0.
 *
 * ```ts
 * kd.l1Loss(pred, y);
 * ```
 */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = elementwiseArgs('l1Loss', input, target, options, ['reduction']);
  return reduce(input.sub(target).abs(), reduction);
}

/**
 * Huber-style loss: `0.5·d²/beta` where `|d| < beta`, `|d| - 0.5·beta`
 * elsewhere (`d = input - target`); `beta = 0` is the L1 loss.
 *
 * ```ts
 * kd.smoothL1Loss(pred, y, { beta: 0.5 });
 * ```
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1LossOptions = {}): Tensor {
  const op = 'smoothL1Loss';
  const reduction = elementwiseArgs(op, input, target, options, ['reduction', 'beta']);
  const beta = options.beta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0)) {
    throw new ValueError(`beta must be a non-negative number, got ${beta}`, { op });
  }
  const d = input.sub(target);
  const ad = d.abs();
  if (beta === 0) {
    // NOTE: with beta = 0 PyTorch's gradient at d = 0 is -1 for input AND target
    // (its `x <= -beta` branch, evaluated with the arguments swapped for the
    // target), unlike l1Loss's 0; recorded explicitly to match.
    const per = noGrad(() => ad.detach());
    record(per, 'SmoothL1LossBackward0', [input, target], (g) => [
      input.requiresGrad ? g.mul(d.gt(0).where(1, -1)) : null,
      target.requiresGrad ? g.mul(d.lt(0).where(1, -1)) : null,
    ], [input, target]);
    return reduce(per, reduction);
  }
  const per = ad.lt(beta).where(d.mul(d).mul(0.5 / beta), ad.sub(0.5 * beta));
  return reduce(per, reduction);
}

// --- binary cross-entropy --------------------------------------------------------

function checkBroadcastWeight(op: string, name: string, input: Tensor, w: Tensor | null | undefined): Tensor | null {
  if (w === undefined || w === null) return null;
  requireSameFloat(input, w, op, 'input', name);
  // Throws a ShapeError naming the op when the weight does not broadcast to the input.
  const n = Math.max(w.ndim, input.ndim);
  for (let i = 0; i < n; i++) {
    const dw = w.shape[w.ndim - n + i] ?? 1;
    const di = input.shape[input.ndim - n + i] ?? 1;
    if (dw !== di && dw !== 1) {
      throw new ShapeError(`${name} of shape ${fmtShape(w.shape)} does not broadcast to the input's shape ${fmtShape(input.shape)}`, { op });
    }
  }
  return w;
}

/**
 * Binary cross-entropy between probabilities `input` (in [0, 1]) and
 * `target` of the same shape: `-(y·log x + (1 - y)·log(1 - x))`, each log
 * clamped at -100 as PyTorch does so that 0 and 1 give finite losses.
 *
 * ```ts
 * kd.binaryCrossEntropy(pred.sigmoid(), y);
 * ```
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const reduction = elementwiseArgs(op, input, target, options, ['reduction', 'weight']);
  const weight = checkBroadcastWeight(op, 'weight', input, options.weight);
  const xd = flatData(input);
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw new ValueError(`all elements of input should be between 0 and 1, but element ${i} is ${v}`, {
        op,
        hint: 'apply sigmoid() first, or use binaryCrossEntropyWithLogits on the raw scores',
      });
    }
  }
  const x = input;
  const y = target;
  // NOTE: log clamped to >= -100, so log(0) costs 100 instead of inf (PyTorch's rule).
  const per = noGrad(() => {
    const logX = x.log().clamp(-100);
    const log1mX = x.neg().add(1).log().clamp(-100);
    return y.mul(logX).add(y.neg().add(1).mul(log1mX)).neg();
  });
  record(per, 'BinaryCrossEntropyBackward0', [x, y], (g) => [
    // NOTE: PyTorch's gradient (x - y) / max(x·(1 - x), 1e-12): finite even at x = 0 or 1.
    x.requiresGrad ? g.mul(x.sub(y)).div(x.mul(x.neg().add(1)).clamp(1e-12)) : null,
    // d/dy = log(1 - x) - log(x), with the same clamps as the forward (PyTorch 2.x).
    y.requiresGrad ? g.mul(x.neg().add(1).log().clamp(-100).sub(x.log().clamp(-100))) : null,
  ], [x, y]);
  return reduce(weight === null ? per : per.mul(weight), reduction);
}

/**
 * Binary cross-entropy on logits: `sigmoid` and the loss in one stable
 * expression, `(1 - y)·x + lw·(log(1 + exp(-x)))` with
 * `lw = 1 + (posWeight - 1)·y`, computed with a max shift so no exp overflows.
 *
 * ```ts
 * kd.binaryCrossEntropyWithLogits(logits, y, { posWeight: kd.tensor([3]) });
 * ```
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const reduction = elementwiseArgs(op, input, target, options, ['reduction', 'weight', 'posWeight']);
  const weight = checkBroadcastWeight(op, 'weight', input, options.weight);
  const posWeight = checkBroadcastWeight(op, 'posWeight', input, options.posWeight);
  const x = input;
  const y = target;
  // NOTE: log(1 + e^-x) = m + log(e^-m + e^(-x-m)) with m = max(-x, 0): neither exponent is positive.
  const m = x.neg().clamp(0);
  const softplusNegX = m.neg().exp().add(x.neg().sub(m).exp()).log().add(m);
  const oneMinusY = y.neg().add(1);
  let per: Tensor;
  if (posWeight !== null) {
    const logWeight = posWeight.sub(1).mul(y).add(1);
    per = oneMinusY.mul(x).add(logWeight.mul(softplusNegX));
  } else {
    per = oneMinusY.mul(x).add(softplusNegX);
  }
  if (weight !== null) per = per.mul(weight);
  return reduce(per, reduction);
}
