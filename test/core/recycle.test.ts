import { afterEach, describe, expect, it } from 'vitest';
import { expectClose, kd } from '../helpers.js';
import type { Tensor } from '../../src/index.js';
import { emptyRecycled, recycle, recycleStats, reuse, setRecyclePoison } from '../../src/tensor/recycle.js';

// The autograd engine hands a gradient's memory back (tensor/recycle.ts) once
// the node that read it is done, and ops hand back their scratch arrays; the
// next backward pass and the next op take them instead of allocating. These
// tests check that no tensor a user can reach ever shares memory with a
// recycled buffer: every visible tensor keeps its values while later passes
// reuse (and scribble over) everything the recycler holds.

afterEach(() => {
  emptyRecycled();
  setRecyclePoison(true); // as test/backend/setup.ts leaves it
});

const N = 2048; // 8 KB of float32: above the recycler's 4 KB minimum

function values(t: Tensor): number[] {
  return Array.from(t.contiguous().dataSync(), Number);
}

/** Takes every kept buffer of `bytes` out of the recycler, fills it with NaN, and puts it back. */
function poisonRecycled(...elementCounts: number[]): number {
  let n = 0;
  for (const count of elementCounts) {
    const taken: Float32Array[] = [];
    for (let a = reuse('float32', count); a !== undefined; a = reuse('float32', count)) taken.push(a);
    for (const a of taken) {
      a.fill(NaN);
      recycle(a);
    }
    n += taken.length;
  }
  return n;
}

/** No two tensors in `ts` share an ArrayBuffer unless they share a storage (views of one another). */
function expectNoForeignSharing(ts: readonly Tensor[]): void {
  for (let i = 0; i < ts.length; i++) {
    for (let j = i + 1; j < ts.length; j++) {
      const a = ts[i]!.storage;
      const b = ts[j]!.storage;
      if (a !== b) expect(a.data.buffer === b.data.buffer, `tensors ${i} and ${j} share memory`).toBe(false);
    }
  }
}

describe('recycler', () => {
  it('hands a buffer back once, as a whole array of the asked length', () => {
    const a = new Float32Array(N);
    recycle(a);
    recycle(a); // a second hand-back of the same memory is ignored
    expect(recycleStats().heldBytes).toBe(N * 4);
    const b = reuse('float32', N)!;
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(N);
    expect(reuse('float32', N)).toBeUndefined();
    // The same bytes serve another dtype of the same byte length.
    recycle(b);
    const c = reuse('float64', N / 2)!;
    expect(c).toBeInstanceOf(Float64Array);
    expect(c.buffer).toBe(a.buffer);
  });

  it('keeps only whole, large-enough ArrayBuffers', () => {
    recycle(new Float32Array(N).subarray(1)); // a window into a larger buffer
    recycle(new Float32Array(N).subarray(0, N / 2));
    recycle(new Float32Array(16)); // below the minimum
    expect(recycleStats().heldBytes).toBe(0);
    expect(reuse('float32', N - 1)).toBeUndefined();
  });

  it('drops the oldest lengths past its cap', () => {
    const big = 6 * 1024 * 1024; // 24 MB each; the cap is 64 MB
    recycle(new Float32Array(big));
    recycle(new Float32Array(big + 1));
    expect(recycleStats().heldBytes).toBe(4 * (2 * big + 1));
    recycle(new Float32Array(big + 2)); // 72 MB: the first goes
    expect(recycleStats().heldBytes).toBe(4 * (2 * big + 3));
    expect(reuse('float32', big)).toBeUndefined();
    expect(reuse('float32', big + 1)).toBeDefined();
    expect(reuse('float32', big + 2)).toBeDefined();
  });
});

describe('autograd engine: recycling gradients', () => {
  it('reuses gradient memory on the next pass and gets the same gradients', () => {
    const x = kd.linspace(-2, 2, N).requiresGrad_();
    const w = kd.linspace(0.5, 1.5, N);
    const run = (): number[] => {
      x.grad = null;
      x.mul(w).relu().mul(x).sum().backward();
      return values(x.grad!);
    };
    const first = run();
    const before = recycleStats().reused;
    expect(recycleStats().heldBytes).toBeGreaterThan(0);
    const second = run();
    expect(recycleStats().reused).toBeGreaterThan(before);
    expect(second).toEqual(first);
    // d/dx (relu(x·w)·x) = relu(x·w) + x·w·[x·w > 0]
    const xs = values(x);
    const ws = values(w);
    expectClose(x.grad!, xs.map((v, i) => (v * ws[i]! > 0 ? 2 * v * ws[i]! : 0)), { atol: 1e-5 });
  });

  it('never recycles a tensor the user can still reach', () => {
    // Intermediates, the output, a retained grad, the user's gradient, leaf grads.
    const x = kd.linspace(-1, 1, N).reshape([32, 64]).requiresGrad_();
    const w = kd.linspace(-0.5, 0.5, 64 * 64).reshape([64, 64]).requiresGrad_();
    const h = x.matmul(w);
    h.retainGrad();
    const a = h.relu();
    const b = a.add(h); // AddBackward passes one gradient to both branches
    const out = b.mul(a);
    const seed = kd.onesLike(out).mul(0.5);
    const visible = [x, w, h, a, b, out, seed];
    const snapshot = visible.map(values);
    out.backward(seed);
    const grads = [x.grad!, w.grad!, h.grad!];
    const gradSnapshot = grads.map(values);
    expectNoForeignSharing([...visible, ...grads]);

    // Scribble over everything the recycler holds, and let another pass reuse it.
    expect(poisonRecycled(32 * 64, 64 * 64)).toBeGreaterThan(0);
    const y = kd.linspace(1, 2, N).reshape([32, 64]).requiresGrad_();
    y.matmul(w.detach()).relu().mul(y).sum().backward();
    expect(values(y.grad!).some(Number.isNaN)).toBe(false);

    visible.forEach((t, i) => expect(values(t)).toEqual(snapshot[i]));
    grads.forEach((t, i) => expect(values(t)).toEqual(gradSnapshot[i]));
  });

  it('keeps a gradient that two nodes read until both are done', () => {
    // AddBackward hands one gradient to ReluBackward and SigmoidBackward; the
    // first to finish must not give it back while the other still waits for it.
    setRecyclePoison(true);
    const x = kd.linspace(-3, 3, N).requiresGrad_();
    const c = kd.linspace(1, 2, N);
    x.relu().add(x.sigmoid()).mul(c).sum().backward();
    const xs = values(x);
    const cs = values(c);
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    expectClose(x.grad!, xs.map((v, i) => cs[i]! * ((v > 0 ? 1 : 0) + sig(v) * (1 - sig(v)))), { atol: 1e-5 });
  });

  it('gives back a gradient once when it is read as an input and summed into another', () => {
    // AddBackward sends g to ReluBackward and MulBackward; ReluBackward's own
    // output joins g at MulBackward, so g is done twice in one step.
    setRecyclePoison(false);
    const x = kd.linspace(-3, 3, N).requiresGrad_();
    const t = x.mul(2);
    t.relu().add(t).sum().backward();
    const before = recycleStats().heldBytes;
    const taken = [reuse('float32', N), reuse('float32', N), reuse('float32', N)].filter((a) => a !== undefined);
    expect(new Set(taken.map((a) => a.buffer)).size).toBe(taken.length);
    expect(before).toBe(taken.length * N * 4);
    expectClose(x.grad!, values(x).map((v) => 2 * ((v > 0 ? 1 : 0) + 1)));
  });

  it('gives a CNN the same gradients from recycled (NaN-poisoned) memory as from fresh memory', () => {
    kd.manualSeed(3);
    const conv = new kd.nn.Conv2d(2, 4, 3, { padding: 1 });
    const lin = new kd.nn.Linear(4 * 8 * 8, 10);
    const x = kd.randn([8, 2, 16, 16]);
    const y = kd.randint(0, 10, [8]);
    const step = (): number[][] => {
      for (const p of [...conv.parameters(), ...lin.parameters()]) p.grad = null;
      const f = kd.maxPool2d(conv.forward(x).relu(), 2).flatten(1);
      kd.crossEntropy(lin.forward(f), y).backward();
      return [...conv.parameters(), ...lin.parameters()].map((p) => values(p.grad!));
    };
    emptyRecycled();
    const clean = step(); // fresh memory throughout
    expect(recycleStats().heldBytes).toBeGreaterThan(0);
    const reusedBefore = recycleStats().reused;
    const again = step(); // gradients and scratch arrays from the recycler, poisoned with NaN
    expect(recycleStats().reused).toBeGreaterThan(reusedBefore);
    again.forEach((g, i) => expect(g).toEqual(clean[i]));
  });

  it('accumulates into existing .grad over several passes (the leaf add path) without losing values', () => {
    const x = kd.linspace(-1, 1, N).requiresGrad_();
    const c = kd.linspace(2, 3, N);
    for (let i = 0; i < 3; i++) x.mul(c).tanh().sum().backward();
    const once = kd.linspace(-1, 1, N).requiresGrad_();
    once.mul(c).tanh().sum().backward();
    expectClose(x.grad!, values(once.grad!).map((v) => 3 * v), { atol: 1e-5 });
  });

  it('runs a retained graph twice with the same result', () => {
    const x = kd.linspace(-1, 1, N).requiresGrad_();
    const loss = x.exp().mul(x).sin().sum();
    loss.backward(undefined, { retainGraph: true });
    const first = values(x.grad!);
    x.grad = null;
    loss.backward();
    expect(values(x.grad!)).toEqual(first);
  });
});
