import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import type { DType, DTypeArrays } from '../../src/tensor/dtype.js';
import { kd } from '../helpers.js';
import type { Tensor } from '../../src/index.js';

// Ops take their results from `allocUninit` (backend memory that may hold old
// values) only where a kernel overwrites every element; everywhere else they
// must use zeroed memory. This test runs each op on the current backend with
// `allocUninit` filling its arrays with garbage (NaN, a large integer, 171 for
// bool) and checks the results and gradients equal a run without the garbage.

const POISON: Record<DType, number> = { float32: NaN, float64: NaN, int32: -123456789, bool: 171 };

let original: Backend;
let poisoned: Backend;

beforeAll(() => {
  original = kd.backend();
  poisoned = {
    ...original,
    allocUninit<D extends DType>(dtype: D, size: number): DTypeArrays[D] {
      const a = original.allocUninit!(dtype, size);
      a.fill(POISON[dtype]);
      return a;
    },
  };
});

afterAll(() => {
  kd.registerBackend(original);
  kd.setBackend(original.name);
});

function runOn(b: Backend, f: () => Tensor[]): number[][] {
  kd.registerBackend(b);
  kd.setBackend(b.name);
  try {
    kd.manualSeed(5);
    return f().map((t) => Array.from(t.contiguous().dataSync(), Number));
  } finally {
    kd.registerBackend(original);
    kd.setBackend(original.name);
  }
}

/** `f` builds leaves, computes outputs, backpropagates; returns outputs and grads. */
function withGrads(f: (leaf: (shape: number[]) => Tensor) => Tensor[]): () => Tensor[] {
  return () => {
    const leaves: Tensor[] = [];
    const leaf = (shape: number[]) => {
      const t = kd.randn(shape).requiresGrad_();
      leaves.push(t);
      return t;
    };
    const outs = f(leaf);
    const floats = outs.filter((o) => o.requiresGrad);
    floats.reduce((acc, o) => acc.add(o.mul(kd.randn(o.shape)).sum()), kd.tensor(0)).backward();
    return [...outs.map((o) => o.detach()), ...leaves.map((l) => l.grad ?? kd.zeros(l.shape))];
  };
}

const cases: Record<string, () => Tensor[]> = {
  'matmul 2-D, batched broadcast, vector': withGrads((leaf) => [
    leaf([3, 4]).matmul(leaf([4, 5])),
    leaf([2, 1, 3, 4]).matmul(leaf([3, 4, 2])),
    leaf([4]).matmul(leaf([4, 3])),
    leaf([4, 3]).t().matmul(leaf([4, 2])),
  ]),
  'matmul with an empty inner dimension': () => [kd.zeros([3, 0]).matmul(kd.zeros([0, 4]))],
  'linear with bias (transposed weight gradient)': withGrads((leaf) => [kd.linear(leaf([5, 3]), leaf([4, 3]), leaf([4]))]),
  'element-wise, broadcast, comparisons, casts': withGrads((leaf) => {
    const a = leaf([3, 1, 4]);
    const b = leaf([2, 4]);
    return [a.add(b), a.mul(b).exp(), a.relu(), a.gt(b), a.gt(0).to('int32'), a.double(), b.t().contiguous()];
  }),
  'where, maskedFill, fill_, copy_': withGrads((leaf) => {
    const a = leaf([3, 4]);
    const c = a.detach().gt(0);
    const z = kd.zeros([2, 3, 4]);
    z.copy_(a.detach());
    return [kd.where(c, a, a.mul(2)), a.maskedFill(c, 7), kd.zeros([5]).fill_(3), z];
  }),
  'reductions, including over empty dimensions': withGrads((leaf) => {
    const a = leaf([3, 4, 5]);
    return [a.sum(1), a.mean([0, 2]), a.max(2).values, a.amax(0), a.argmax(1), kd.zeros([0, 3]).sum(0), kd.ones([3, 0]).prod(1)];
  }),
  'softmax family and cross-entropy with ignored targets': withGrads((leaf) => {
    const a = leaf([4, 6]);
    const target = kd.tensor([1, -100, 5, 0], { dtype: 'int32' });
    return [a.softmax(1), a.logSoftmax(0), a.logsumexp(1), kd.crossEntropy(a, target), kd.crossEntropy(a, target, { reduction: 'none' })];
  }),
  'shape ops that copy': withGrads((leaf) => {
    const a = leaf([3, 4]);
    return [a.t().reshape([12]), a.clone(), a.repeat(2, 3), kd.cat([a, a.mul(2)], 1), kd.stack([a, a], 0)];
  }),
  'indexing': withGrads((leaf) => {
    const a = leaf([4, 5]);
    const idx = kd.tensor([3, 0, 3], { dtype: 'int32' });
    const gi = kd.tensor([[0, 4], [1, 1], [2, 0], [4, 3]], { dtype: 'int32' });
    return [a.indexSelect(0, idx), a.indexSelect(1, idx), a.gather(1, gi), a.scatterAdd(1, gi, kd.ones([4, 2]))];
  }),
};

describe('allocUninit: no op reads memory it did not write', () => {
  for (const [name, f] of Object.entries(cases)) {
    it(name, () => {
      const want = runOn(original, f);
      const got = runOn(poisoned, f);
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => {
        const w = want[i]!;
        expect(g.length, `${name}: output ${i} length`).toBe(w.length);
        g.forEach((v, j) => {
          if (!(Object.is(v, w[j]) || v === w[j])) throw new Error(`${name}: output ${i} element ${j}: ${v} with garbage vs ${w[j]}`);
        });
      });
    });
  }

  it('poisons for real (the test would see a read of uninitialized memory)', () => {
    const got = runOn(poisoned, () => [kd.tensor([1, 2]).add(1)]);
    expect(got[0]).toEqual([2, 3]);
    kd.registerBackend(poisoned);
    kd.setBackend(poisoned.name);
    try {
      expect(Number.isNaN(kd.backend().allocUninit!('float32', 3)[0])).toBe(true);
    } finally {
      kd.registerBackend(original);
      kd.setBackend(original.name);
    }
  });
});
