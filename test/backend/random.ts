/**
 * Seeded random inputs for the backend tests (parity, fuzz): the same seed
 * gives the same arrays, so the js and native runs see identical inputs.
 */
import type { TypedArray } from '../../src/tensor/dtype.js';

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  f32(n: number, scale = 1): Float32Array {
    return Float32Array.from({ length: n }, () => this.normal() * scale);
  }
  f64(n: number, scale = 1): Float64Array {
    return Float64Array.from({ length: n }, () => this.normal() * scale);
  }
  positive32(n: number): Float32Array {
    return Float32Array.from({ length: n }, () => 0.05 + this.next() * 2);
  }
  i32(n: number, lo: number, hi: number): Int32Array {
    return Int32Array.from({ length: n }, () => this.int(lo, hi));
  }
  bool(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => (this.next() < 0.5 ? 1 : 0));
  }
}

export type FloatKind = 'float32' | 'float64';

export function floats(rng: Rng, kind: FloatKind, n: number, scale = 1): Float32Array | Float64Array {
  return kind === 'float32' ? rng.f32(n, scale) : rng.f64(n, scale);
}

export function zerosOf(kind: FloatKind, n: number): Float32Array | Float64Array {
  return kind === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

/** A deep copy of a typed array (same kind). */
export function clone<T extends TypedArray>(a: T): T {
  return a.slice() as T;
}
