/** Argument checks shared by the layer constructors. */
import { ArgumentTypeError, checkKeys, ValueError } from '../../errors.js';
import { requireDType, type DType } from '../../tensor/dtype.js';
import { describeValue } from '../parameter.js';

/** Options every layer with parameters accepts. */
export interface FactoryOptions {
  /** dtype of the parameters and buffers (default float32; float64 for gradcheck). */
  dtype?: 'float32' | 'float64';
}

/** A layer's options after refusing keys not in `keys` (a misspelt `{ bais: false }` is an error, not a silent default). */
export function layerOptions<O extends object>(op: string, options: O | undefined, keys: readonly string[]): O {
  checkKeys(op, options, keys);
  return options ?? ({} as O);
}

export function checkDType(dtype: DType | undefined, op: string): 'float32' | 'float64' {
  const d = dtype === undefined ? 'float32' : requireDType(dtype, op);
  if (d !== 'float32' && d !== 'float64') throw new ArgumentTypeError(`parameters must be float32 or float64, got ${String(d)}`, { op });
  return d;
}

/** A non-negative (or, with `min`, at least `min`) integer argument. */
export function checkInt(value: unknown, name: string, op: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new ArgumentTypeError(`${name} must be an integer, got ${describeValue(value)}`, { op });
  if (value < min) throw new ValueError(`${name} must be ${min === 0 ? 'non-negative' : `at least ${min}`}, got ${value}`, { op });
  return value;
}

/** A probability in [0, 1]. */
export function checkProbability(p: unknown, op: string): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ValueError(`dropout probability has to be between 0 and 1, but got ${describeValue(p)}`, { op });
  return p;
}

/** `n` or `[n, m]` as a pair. */
export function pair(v: number | readonly [number, number], name: string, op: string, min = 0): [number, number] {
  const a = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(a) || a.length !== 2) throw new ArgumentTypeError(`${name} must be a number or a pair [h, w], got ${describeValue(v)}`, { op });
  return [checkInt(a[0], name, op, min), checkInt(a[1], name, op, min)];
}

/** A Python-like printout of an option value: `true`, `[2, 3]`, `'none'`. */
export function fmt(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(fmt).join(', ')}]`;
  return String(v);
}
