/**
 * Gradient clipping: `clipGradNorm_` and `clipGradValue_` (PyTorch's
 * `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`).
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { ArgumentTypeError, checkKeys, optionKeys, ValueError } from '../../errors.js';
import { scalarTensor } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';
import { describeValue } from '../parameter.js';

export interface ClipGradNormOptions {
  /** The p of the p-norm (default 2); `Infinity` for the largest absolute value. */
  normType?: number;
  /** Throw when the total norm is NaN or infinite, instead of scaling by it (default false). */
  errorIfNonfinite?: boolean;
}

/** The tensors of a `parameters` argument: one tensor, or any iterable of them (read once). */
function tensorsOf(parameters: Tensor | Iterable<Tensor>, op: string): Tensor[] {
  if (parameters instanceof Tensor) return [parameters];
  if (typeof parameters !== 'object' || parameters === null || !(Symbol.iterator in parameters)) {
    throw new ArgumentTypeError(`parameters must be a Tensor or an iterable of Tensors, got ${describeValue(parameters)}`, { op, hint: 'pass model.parameters()' });
  }
  const list = [...parameters];
  for (const p of list) {
    if (!(p instanceof Tensor)) {
      throw new ArgumentTypeError(`parameters must be Tensors, but one of them is ${describeValue(p)}`, {
        op,
        hint: typeof p === 'object' && p !== null && Symbol.iterator in p ? 'flatten nested iterables first: [...a.parameters(), ...b.parameters()]' : undefined,
      });
    }
  }
  return list;
}

/** The p-norm of a list of numbers, as torch.norm computes it for each p. */
function pNorm(values: Iterable<number>, p: number): number {
  if (p === Infinity) {
    let m = 0;
    for (const v of values) m = Number.isNaN(v) || Number.isNaN(m) ? NaN : Math.max(m, Math.abs(v));
    return m;
  }
  if (p === -Infinity) {
    let m = Infinity;
    for (const v of values) m = Number.isNaN(v) || Number.isNaN(m) ? NaN : Math.min(m, Math.abs(v));
    return m;
  }
  // NOTE: p = 0 "norm" counts non-zero entries, as PyTorch does (a faithful quirk).
  if (p === 0) {
    let n = 0;
    for (const v of values) if (v !== 0) n++;
    return n;
  }
  let s = 0;
  for (const v of values) s += Math.abs(v) ** p;
  return p === 1 ? s : s ** (1 / p);
}

/**
 * Scales the gradients of `parameters` in place so that their total p-norm
 * (the norm of the per-tensor norms, equal to the norm of all of them
 * concatenated) is at most `maxNorm`; returns the total norm before
 * clipping, as a 0-d tensor. Parameters without a gradient are skipped.
 *
 * ```ts
 * loss.backward();
 * nn.utils.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 * ```
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): Tensor {
  const op = 'clipGradNorm_';
  checkKeys(op, options, optionKeys<ClipGradNormOptions>({ normType: true, errorIfNonfinite: true }));
  const normType = options.normType ?? 2;
  if (typeof maxNorm !== 'number') throw new ArgumentTypeError(`maxNorm must be a number, got ${describeValue(maxNorm)}`, { op });
  if (typeof normType !== 'number' || Number.isNaN(normType)) throw new ArgumentTypeError(`normType must be a number (Infinity for the max norm), got ${describeValue(normType)}`, { op });
  const grads = tensorsOf(parameters, op).map((p) => p.grad).filter((g): g is Tensor => g !== null);
  if (grads.length === 0) return scalarTensor(0, 'float32');
  // NOTE: accumulated in float64 over each tensor, then over the per-tensor norms as PyTorch does.
  const norms = grads.map((g) => pNorm(g.contiguous().dataSync(), normType));
  const total = pNorm(norms, normType);
  if (options.errorIfNonfinite && !Number.isFinite(total)) {
    throw new ValueError(
      `the total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped`,
      { op, hint: 'to scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false' },
    );
  }
  // NOTE: the 1e-6 guards against division by zero; coef is applied even when
  // it clamps to 1 (as PyTorch's, so an inf gradient becomes NaN, not skipped).
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  noGrad(() => {
    for (const g of grads) g.mul_(coef);
  });
  return scalarTensor(total, grads[0]!.dtype);
}

/**
 * Clamps every gradient of `parameters` to [−clipValue, clipValue], in place.
 *
 * ```ts
 * loss.backward();
 * nn.utils.clipGradValue_(model.parameters(), 0.5);
 * ```
 *
 * NOTE: as PyTorch, a negative `clipValue` is not refused (every element then
 * becomes `clipValue`), but it must be a finite number.
 */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue_';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) throw new ArgumentTypeError(`clipValue must be a number, got ${describeValue(clipValue)}`, { op });
  const grads = tensorsOf(parameters, op).map((p) => p.grad).filter((g): g is Tensor => g !== null);
  noGrad(() => {
    for (const g of grads) g.clamp_(-clipValue, clipValue);
  });
}
