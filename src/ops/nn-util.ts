/**
 * Small helpers shared by the neural-network op families (pool.ts, nn.ts,
 * loss.ts): option-bag checking, reductions, argument checks.
 */
import { checkKeys, DTypeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { requireFloat } from './core.js';

/**
 * Refuses option keys an op does not know, so that a PyTorch spelling
 * (`ignore_index`) or a typo is not silently ignored.
 */
export function checkOptions(op: string, options: object | undefined, known: readonly string[]): void {
  checkKeys(op, options, known);
}

/** How a loss combines its per-element values (PyTorch's `reduction`). */
export type Reduction = 'mean' | 'sum' | 'none';

/** A loss's `reduction` option, checked ('mean' when absent). */
export function checkReduction(op: string, reduction: unknown): Reduction {
  if (reduction === undefined) return 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ValueError(`${String(reduction)} is not a valid value for reduction`, { op, hint: "use 'mean', 'sum' or 'none'" });
  }
  return reduction;
}

/** Both tensors have one float dtype, or a DTypeError naming them. */
export function requireSameFloat(a: Tensor, b: Tensor, op: string, aName: string, bName: string): void {
  requireFloat(a, op, aName);
  if (a.dtype !== b.dtype) {
    throw new DTypeError(`${aName} (${a.dtype}) and ${bName} (${b.dtype}) should have the same dtype`, {
      op,
      hint: `convert one with .to('${a.dtype}')`,
    });
  }
}

/** A positive integer (or, with `min: 0`, non-negative) option value, or a ValueError naming it. */
export function checkInt(op: string, name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) {
    throw new ValueError(`${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${v}`, { op });
  }
  return v;
}

/** `v` as a pair for 2-D ops: a number is used for both dimensions. */
export function pair(op: string, name: string, v: number | readonly number[], min: number): [number, number] {
  const arr = typeof v === 'number' ? [v, v] : [...v];
  if (arr.length !== 2) {
    throw new ValueError(`${name} must be a number or a pair of numbers, got [${arr.join(', ')}]`, { op });
  }
  return [checkInt(op, name, arr[0]!, min), checkInt(op, name, arr[1]!, min)];
}
