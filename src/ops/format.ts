/**
 * Printing that looks like PyTorch's: `tensor([[1., 2.],\n        [3., 4.]], requiresGrad=true)`.
 * Follows torch/_tensor_str.py's rules: integer-valued floats print as `1.`,
 * otherwise 4 decimals, scientific notation when the magnitudes span more than
 * 1000× or leave [1e-4, 1e8); columns share one width; more than 1000
 * elements are summarised with `...` keeping 3 items at each edge.
 */
import type { Tensor } from '../tensor/tensor.js';
import { dataSync } from './shape.js';

const THRESHOLD = 1000;
const EDGE = 3;
const PRECISION = 4;

type Fmt = (v: number) => string;

function floatFormatter(values: ArrayLike<number>): Fmt {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(Math.abs(values[i]!));
  const special = (v: number): string | null => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : null);
  if (finite.length === 0) return (v) => special(v) ?? String(v);
  const intMode = finite.every((v) => Number.isInteger(v));
  const nonzero = finite.filter((v) => v !== 0);
  const maxA = nonzero.length ? Math.max(...nonzero) : 0;
  const minA = nonzero.length ? Math.min(...nonzero) : 0;
  if (intMode) {
    if (maxA > 1e8) return (v) => special(v) ?? sci(v);
    return (v) => special(v) ?? `${v.toFixed(0)}.`;
  }
  if (nonzero.length && (maxA / minA > 1000 || maxA > 1e8 || minA < 1e-4)) return (v) => special(v) ?? sci(v);
  return (v) => special(v) ?? v.toFixed(PRECISION);
}

function sci(v: number): string {
  const [m, e] = v.toExponential(PRECISION).split('e');
  const exp = Number(e);
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** The value-part of the repr, e.g. `[[1., 2.],\n        [3., 4.]]`, indented for a prefix of `indent` characters. */
export function formatValues(t: Tensor, indent: number): string {
  const data = dataSync(t);
  const summarize = t.numel > THRESHOLD;
  let fmt: Fmt;
  if (t.dtype === 'bool') fmt = (v) => (v !== 0 ? 'true' : 'false');
  else if (t.dtype === 'int32') fmt = (v) => String(v);
  else fmt = floatFormatter(summarize ? sampleEdges(t, data) : data);
  const strs: string[] = [];
  // Width from every printed value (summarised tensors only print edges).
  const shape = t.shape;
  if (t.ndim === 0) return fmt(data[0]!);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const visit = (dim: number, base: number, cb: (pos: number) => void): void => {
    const n = shape[dim]!;
    const idx = summarize && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n);
    for (const i of idx) {
      if (i === -1) continue;
      if (dim === shape.length - 1) cb(base + i);
      else visit(dim + 1, base + i * strides[dim]!, cb);
    }
  };
  visit(0, 0, (p) => strs.push(fmt(data[p]!)));
  const width = Math.max(...strs.map((s) => s.length), 0);
  const pad = (s: string): string => s.padStart(width);
  const build = (dim: number, base: number, ind: number): string => {
    const n = shape[dim]!;
    const idx = summarize && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n);
    if (dim === shape.length - 1) {
      return `[${idx.map((i) => (i === -1 ? '...' : pad(fmt(data[base + i]!)))).join(', ')}]`;
    }
    const sep = `,${'\n'.repeat(shape.length - 1 - dim)}${' '.repeat(ind + 1)}`;
    return `[${idx.map((i) => (i === -1 ? '...' : build(dim + 1, base + i * strides[dim]!, ind + 1))).join(sep)}]`;
  };
  return build(0, 0, indent);
}

function sampleEdges(t: Tensor, data: ArrayLike<number>): number[] {
  const out: number[] = [];
  const n = data.length;
  for (let i = 0; i < Math.min(n, EDGE * 50); i++) out.push(data[i]!);
  for (let i = Math.max(0, n - EDGE * 50); i < n; i++) out.push(data[i]!);
  void t;
  return out;
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}

export function formatTensor(t: Tensor): string {
  const prefix = 'tensor(';
  let body = formatValues(t, prefix.length);
  const suffix: string[] = [];
  if (t.numel === 0 && t.ndim > 0) {
    body = '[]';
    if (t.ndim > 1 || t.shape[0] !== 0) suffix.push(`size=[${t.shape.join(', ')}]`);
  }
  if (t.dtype !== 'float32' && t.dtype !== 'bool' && !(t.dtype === 'int32' && false)) suffix.push(`dtype=${t.dtype}`);
  if (t.gradFn !== null) suffix.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffix.push('requiresGrad=true');
  return `${prefix}${body}${suffix.map((s) => `, ${s}`).join('')})`;
}
