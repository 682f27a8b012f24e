/**
 * What the optimizer tests use, imported from the modules themselves (not
 * the package entry), so that these tests do not depend on unrelated layers.
 */
import '../../src/ops/install.js';
import { expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';

export * as optim from '../../src/optim/index.js';
export { Tensor } from '../../src/tensor/tensor.js';
export { tensor, zeros, ones, randn, full } from '../../src/tensor/creation.js';
export { Generator } from '../../src/tensor/random.js';
export { noGrad } from '../../src/autograd/grad-mode.js';
export * from '../../src/errors.js';

/** Element-wise |a − e| ≤ atol + rtol·|e|, with a message naming the case and element. */
export function expectClose(actual: Tensor | number[], expected: ArrayLike<number>, label: string, atol = 1e-5, rtol = 1e-4): void {
  const a = actual instanceof Tensor ? Array.from(actual.contiguous().dataSync(), Number) : actual;
  expect(a.length, `${label}: number of elements`).toBe(expected.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = expected[i]!;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y)) && !(Number.isNaN(x) && Number.isNaN(y))) {
      expect.fail(`${label}: element ${i}: got ${x}, expected ${y} (|diff| ${Math.abs(x - y)})`);
    }
  }
}

/** PyTorch's closure: zero the grads, compute the loss, backward, return it. */
export function closureFor(opt: { zeroGrad(): void }, loss: () => Tensor): () => Tensor {
  return () => {
    opt.zeroGrad();
    const l = loss();
    l.backward();
    return l;
  };
}

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor } from '../../src/tensor/creation.js';
import type { DType } from '../../src/tensor/dtype.js';

/** A tensor as scripts/fixtures/common.py encodes it. */
export interface Encoded {
  shape: number[];
  dtype: DType;
  data: (number | boolean | string)[];
}

export function isEncoded(x: unknown): x is Encoded {
  return x !== null && typeof x === 'object' && 'shape' in x && 'data' in x && 'dtype' in x;
}

/** The tensor a fixture describes. */
export function decode(e: Encoded, requiresGrad = false): Tensor {
  const values = e.data.map((v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v)));
  const data = e.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  return tensor(data, { shape: e.shape, dtype: e.dtype, requiresGrad });
}

/** Decodes every encoded tensor inside a JSON value. */
export function decodeDeep(x: unknown): unknown {
  if (isEncoded(x)) return decode(x);
  if (Array.isArray(x)) return x.map(decodeDeep);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, decodeDeep(v)]));
  return x;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Reads `test/fixtures/<name>.json`. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, '..', 'fixtures', `${name}.json`), 'utf8')) as T;
}
