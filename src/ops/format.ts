/**
 * Printing that looks like PyTorch's `repr`: `tensor([[1., 2.],\n        [3., 4.]], requiresGrad=true)`.
 * Follows torch/_tensor_str.py (PyTorch 1.13/2.x defaults: precision 4,
 * threshold 1000, edgeitems 3, linewidth 80):
 * - floats whose non-zero finite values are all integers print as `1.`;
 *   otherwise with 4 decimals; scientific notation (`1.0000e+05`) when the
 *   largest/smallest non-zero magnitude ratio exceeds 1000, the largest
 *   exceeds 1e8, or (non-integers) the smallest is below 1e-4;
 * - every element is right-aligned to the widest non-zero finite value;
 * - rows wrap at 80 columns; more than 1000 elements are summarised with
 *   `...`, keeping 3 items at each edge of every dimension;
 * - suffixes: `size=[2, 0]` for empty tensors, `dtype=…`, `gradFn=<…>` or
 *   `requiresGrad=true`, moved to a new line when they would pass column 80.
 *
 * NOTE: deliberate differences from PyTorch: kindling's names (`requiresGrad=true`,
 * `gradFn=<…>`, `dtype=float64`, `size=[2, 0]`); bools print as `true`/`false`; and
 * int32 tensors show `dtype=int32` (kindling's `tensor([1, 2])` is float32, so the
 * dtype cannot be left implicit as PyTorch does for its default int64).
 */
import type { Tensor } from '../tensor/tensor.js';
import { dataSync } from './shape.js';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE = 3;
const LINE_WIDTH = 80;

/** Formats one element and pads it to the common width. */
interface Formatter {
  width: number;
  format(v: number): string;
}

/** True when `v` lies exactly halfway between two decimals at `digits` fraction digits (`v·10^digits·2` is an odd integer). */
function isTie(v: number, digits: number): boolean {
  const a = Math.abs(v);
  if (digits >= 0) {
    // a = m·2^-j with m odd: a tie needs j == digits + 1 (the factor 5^digits is odd).
    const scaled = a * 2 ** (digits + 1);
    return Number.isInteger(scaled) && !Number.isInteger(a * 2 ** digits);
  }
  const q = 10 ** -digits / 2;
  return Number.isInteger(a) && a % q === 0 && (a / q) % 2 === 1;
}

/**
 * `v` with `p` decimals, rounding exact ties to even as Python's `'{:.4f}'`
 * does (JavaScript's `toFixed` rounds them up).
 */
export function toFixedEven(v: number, p: number): string {
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const a = Math.abs(v);
  let s = a.toFixed(p);
  if (isTie(a, p)) {
    const down = a.toFixed(p + 1).slice(0, -1); // exact: a tie has p + 1 decimals
    const lastDown = Number(down.replace('.', '').slice(-1));
    if (lastDown % 2 === 0) s = p === 0 ? down.replace(/\.$/, '') : down;
  }
  return sign + s;
}

/** `v` as Python's `'{:.4e}'` prints it: `1.2345e+05`, `-3.0000e-07` (ties to even). */
export function toExpEven(v: number, p: number): string {
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const a = Math.abs(v);
  let s = a.toExponential(p);
  const exp = Number(s.slice(s.indexOf('e') + 1));
  if (a !== 0 && isTie(a, p - exp)) {
    const longer = a.toExponential(p + 1);
    const mant = longer.slice(0, longer.indexOf('e')).slice(0, -1);
    const lastDown = Number(mant.slice(-1));
    if (lastDown % 2 === 0) s = `${mant.replace(/\.$/, '')}${longer.slice(longer.indexOf('e'))}`;
  }
  const e = s.indexOf('e');
  const expNum = Number(s.slice(e + 1));
  return `${sign}${s.slice(0, e)}e${expNum < 0 ? '-' : '+'}${String(Math.abs(expNum)).padStart(2, '0')}`;
}

function special(v: number): string | null {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return null;
}

/** PyTorch's `_Formatter` for floating point values (those that will be printed). */
function floatFormatter(values: ArrayLike<number>): Formatter {
  let intMode = true;
  let minA = Infinity;
  let maxA = 0;
  let any = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || v === 0) continue;
    any = true;
    const a = Math.abs(v);
    if (a < minA) minA = a;
    if (a > maxA) maxA = a;
    if (!Number.isInteger(v)) intMode = false;
  }
  let sci = false;
  let width = 1;
  if (any) {
    sci = maxA / minA > 1000 || maxA > 1e8 || (!intMode && minA < 1e-4);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v) || v === 0) continue;
      const len = sci ? toExpEven(v, PRECISION).length : intMode ? toFixedEven(v, 0).length + 1 : toFixedEven(v, PRECISION).length;
      if (len > width) width = len;
    }
  }
  const format = (v: number): string => {
    const s = special(v) ?? (sci ? toExpEven(v, PRECISION) : intMode ? `${toFixedEven(v, 0)}.` : toFixedEven(v, PRECISION));
    return s.padStart(width);
  };
  return { width, format };
}

function plainFormatter(values: ArrayLike<number>, str: (v: number) => string): Formatter {
  let width = 1;
  for (let i = 0; i < values.length; i++) width = Math.max(width, str(values[i]!).length);
  return { width, format: (v) => str(v).padStart(width) };
}

/** Row-major index lists per dimension: all indices, or the edges when summarising. */
function shownIndices(n: number, summarize: boolean): number[] {
  const out: number[] = [];
  if (summarize && n > 2 * EDGE) {
    for (let i = 0; i < EDGE; i++) out.push(i);
    out.push(-1);
    for (let i = n - EDGE; i < n; i++) out.push(i);
  } else {
    for (let i = 0; i < n; i++) out.push(i);
  }
  return out;
}

/** The values that will be printed (the edges of a summarised tensor), for the formatter's width. */
function printedValues(data: ArrayLike<number>, shape: readonly number[], strides: readonly number[], summarize: boolean): number[] {
  const out: number[] = [];
  const walk = (dim: number, base: number): void => {
    if (dim === shape.length) {
      out.push(data[base]!);
      return;
    }
    for (const i of shownIndices(shape[dim]!, summarize)) if (i !== -1) walk(dim + 1, base + i * strides[dim]!);
  };
  walk(0, 0);
  return out;
}

/** The value part of the repr (PyTorch's `_tensor_str`), for a prefix of `indent` characters. */
export function formatValues(t: Tensor, indent: number): string {
  if (t.numel === 0) return '[]';
  const data = dataSync(t);
  const shape = t.shape;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const summarize = t.numel > THRESHOLD;
  const shown = printedValues(data, shape, strides, summarize);
  const fmt =
    t.dtype === 'bool' ? plainFormatter(shown, (v) => (v !== 0 ? 'true' : 'false'))
    : t.dtype === 'int32' ? plainFormatter(shown, (v) => String(v))
    : floatFormatter(shown);
  if (t.ndim === 0) return fmt.format(data[0]!);

  const vector = (base: number, ind: number): string => {
    const n = shape[shape.length - 1]!;
    const items = shownIndices(n, summarize).map((i) => (i === -1 ? ' ...' : fmt.format(data[base + i]!)));
    const perLine = Math.max(1, Math.floor((LINE_WIDTH - ind) / (fmt.width + 2)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
    return `[${lines.join(`,\n${' '.repeat(ind + 1)}`)}]`;
  };
  const build = (dim: number, base: number, ind: number): string => {
    if (dim === shape.length - 1) return vector(base, ind);
    const slices = shownIndices(shape[dim]!, summarize).map((i) => (i === -1 ? '...' : build(dim + 1, base + i * strides[dim]!, ind + 1)));
    return `[${slices.join(`,${'\n'.repeat(shape.length - 1 - dim)}${' '.repeat(ind + 1)}`)}]`;
  };
  return build(0, 0, indent);
}

/** Appends `, suffix` items, moving one to a new line when the line would pass 80 columns (PyTorch's `_add_suffixes`). */
function addSuffixes(body: string, suffixes: readonly string[], indent: number): string {
  const parts = [body];
  let lastLineLen = body.length - body.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (lastLineLen + s.length + 2 > LINE_WIDTH) {
      parts.push(`,\n${' '.repeat(indent)}${s}`);
      lastLineLen = indent + s.length;
    } else {
      parts.push(`, ${s}`);
      lastLineLen += s.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/** The PyTorch-style repr of `t`. */
export function formatTensor(t: Tensor): string {
  const prefix = 'tensor(';
  const suffixes: string[] = [];
  if (t.numel === 0) {
    if (t.ndim !== 1) suffixes.push(`size=[${t.shape.join(', ')}]`);
    if (t.dtype !== 'float32') suffixes.push(`dtype=${t.dtype}`);
  } else if (t.dtype !== 'float32' && t.dtype !== 'bool') {
    suffixes.push(`dtype=${t.dtype}`);
  }
  if (t.gradFn !== null) suffixes.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push('requiresGrad=true');
  return addSuffixes(prefix + formatValues(t, prefix.length), suffixes, prefix.length);
}
