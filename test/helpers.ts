/**
 * Shared test utilities: closeness checks against plain arrays or fixtures,
 * and fixture loading. Fixtures are JSON files under test/fixtures/, written
 * by scripts/make_fixtures.py from PyTorch 1.13.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import * as kd from '../src/index.js';

export { kd };

const here = dirname(fileURLToPath(import.meta.url));

/** Reads `test/fixtures/<name>.json`. */
export function loadFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(here, 'fixtures', `${name}.json`), 'utf8')) as T;
}

export interface CloseOptions {
  atol?: number;
  rtol?: number;
  /** Prefix for the failure message (which case failed). */
  label?: string;
}

function flatten(x: unknown): number[] {
  if (x instanceof kd.Tensor) return Array.from(x.contiguous().dataSync(), Number);
  if (typeof x === 'number') return [x];
  if (typeof x === 'boolean') return [x ? 1 : 0];
  if (Array.isArray(x)) return x.flatMap(flatten);
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>, Number);
  throw new Error(`cannot compare ${String(x)}`);
}

/**
 * Asserts `actual` (a tensor) equals `expected` element-wise within
 * `atol + rtol·|expected|`; NaN matches NaN, ±inf must match exactly. When
 * `shape` is given it is checked too.
 */
export function expectClose(actual: kd.Tensor | number, expected: unknown, options: CloseOptions & { shape?: readonly number[] } = {}): void {
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-4;
  const label = options.label ? `${options.label}: ` : '';
  if (options.shape && actual instanceof kd.Tensor) {
    expect(actual.shape, `${label}shape`).toEqual([...options.shape]);
  }
  const a = flatten(actual);
  const e = flatten(expected);
  expect(a.length, `${label}number of elements`).toBe(e.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(y)) {
      expect(Number.isNaN(x), `${label}element ${i}: expected NaN, got ${x}`).toBe(true);
    } else if (!Number.isFinite(y)) {
      expect(x, `${label}element ${i}`).toBe(y);
    } else if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
      expect.fail(`${label}element ${i}: got ${x}, expected ${y} (|diff| ${Math.abs(x - y)} > ${atol} + ${rtol}·|expected|)`);
    }
  }
}

/** A float64 tensor that requires grad, for gradcheck. */
export function leaf64(shape: number[], seed?: number): kd.Tensor {
  const g = new kd.Generator(seed ?? 0);
  return kd.randn(shape, { dtype: 'float64', requiresGrad: true, generator: g });
}
