/**
 * AveragedModel's copy of the model (PyTorch's `copy.deepcopy`): every
 * kindling module is copied (same class, same values and outputs, tensors and
 * state of its own), user modules with buffers and non-parameter state too; a
 * class with `#private` members is refused with an error naming it, and
 * `{ copy }` builds such a model instead.
 */
import { describe, expect, it } from 'vitest';
import { kd } from '../helpers.js';

const { nn, optim } = kd;
const { AveragedModel } = optim.swaUtils;

type Forward = (m: kd.nn.Module) => unknown;
const call = (...args: unknown[]): Forward => (m) => (m as unknown as { forward(...a: unknown[]): unknown }).forward(...args);

/** Every value of a forward's result (tensors, arrays of them, null) as plain numbers. */
function values(out: unknown): unknown {
  if (out instanceof kd.Tensor) return out.toArray();
  if (Array.isArray(out)) return out.map(values);
  return out;
}

kd.manualSeed(0);
const x2 = kd.randn([4, 6]);
const img = kd.randn([2, 4, 6, 6]);
const seq = kd.randn([2, 5, 8]);
const ids = kd.tensor([[0, 3], [2, 1]], { dtype: 'int32' });

// One instance of every nn module class, with an input its forward takes.
const MODULES: [string, () => kd.nn.Module, Forward][] = [
  ['Identity', () => new nn.Identity(), call(x2)],
  ['Linear', () => new nn.Linear(6, 3), call(x2)],
  ['Bilinear', () => new nn.Bilinear(6, 6, 2), call(x2, x2)],
  ['Flatten', () => new nn.Flatten(), call(img)],
  ['Unflatten', () => new nn.Unflatten(1, [2, 3]), call(x2)],
  ['ReLU', () => new nn.ReLU(), call(x2)],
  ['LeakyReLU', () => new nn.LeakyReLU(0.2), call(x2)],
  ['GELU', () => new nn.GELU({ approximate: 'tanh' }), call(x2)],
  ['SiLU', () => new nn.SiLU(), call(x2)],
  ['Tanh', () => new nn.Tanh(), call(x2)],
  ['Sigmoid', () => new nn.Sigmoid(), call(x2)],
  ['Softmax', () => new nn.Softmax(1), call(x2)],
  ['LogSoftmax', () => new nn.LogSoftmax(1), call(x2)],
  ['Conv1d', () => new nn.Conv1d(5, 3, 3, { padding: 1 }), call(seq)],
  ['Conv2d', () => new nn.Conv2d(4, 2, 3, { stride: 2 }), call(img)],
  ['MaxPool2d', () => new nn.MaxPool2d(2), call(img)],
  ['AvgPool2d', () => new nn.AvgPool2d(3, { stride: 1 }), call(img)],
  ['AdaptiveAvgPool2d', () => new nn.AdaptiveAvgPool2d(2), call(img)],
  ['BatchNorm1d', () => new nn.BatchNorm1d(6), call(x2)],
  ['BatchNorm2d', () => new nn.BatchNorm2d(4, { momentum: null }), call(img)],
  ['BatchNorm3d', () => new nn.BatchNorm3d(2), call(kd.randn([2, 2, 2, 3, 3]))],
  ['LayerNorm', () => new nn.LayerNorm(8), call(seq)],
  ['GroupNorm', () => new nn.GroupNorm(2, 4), call(img)],
  ['Dropout', () => new nn.Dropout(0.5).eval(), call(x2)],
  ['Embedding', () => new nn.Embedding(4, 3, { paddingIdx: 0 }), call(ids)],
  ['MultiheadAttention', () => new nn.MultiheadAttention(8, 2, { batchFirst: true }), call(seq, seq, seq)],
  ['TransformerEncoderLayer', () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true }), call(seq)],
  ['CrossEntropyLoss', () => new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }), call(x2, kd.tensor([0, 1, 2, 5], { dtype: 'int32' }))],
  ['MSELoss', () => new nn.MSELoss({ reduction: 'sum' }), call(x2, x2.neg())],
  ['Sequential', () => new nn.Sequential(new nn.Linear(6, 4), new nn.BatchNorm1d(4), new nn.ReLU(), new nn.Linear(4, 2)), call(x2)],
  ['Sequential of named modules', () => new nn.Sequential({ first: new nn.Linear(6, 4), act: new nn.Tanh() }), call(x2)],
];

describe('AveragedModel copies every kindling module', () => {
  it.each(MODULES)('%s', (_name, make, forward) => {
    const model = make();
    const swa = new AveragedModel(model);
    const copy = swa.module;
    expect(copy).not.toBe(model);
    expect(Object.getPrototypeOf(copy)).toBe(Object.getPrototypeOf(model));
    expect(String(copy)).toBe(String(model));
    expect(copy.training).toBe(model.training);
    const mine = copy.stateDict();
    const theirs = model.stateDict();
    expect(Object.keys(mine)).toEqual(Object.keys(theirs));
    for (const [k, t] of Object.entries(theirs)) {
      expect(mine[k], k).not.toBe(t);
      expect(mine[k]!.toArray(), k).toEqual(t.toArray());
      expect(mine[k]!.dtype, k).toBe(t.dtype);
    }
    expect([...copy.parameters()].every((p) => p instanceof nn.Parameter)).toBe(true);
    expect(values(forward(copy))).toEqual(values(forward(model)));
    // The copy is the model's no longer: changing the model's parameters leaves the copy's.
    const before = Object.fromEntries(Object.entries(copy.stateDict()).map(([k, t]) => [k, t.toArray()]));
    kd.noGrad(() => {
      for (const p of model.parameters()) p.add_(1);
    });
    for (const [k, t] of Object.entries(copy.stateDict())) expect(t.toArray(), k).toEqual(before[k]);
  });

  it('a tied parameter stays tied once in the copy', () => {
    const emb = new nn.Embedding(5, 4);
    const head = new nn.Linear(4, 5, { bias: false });
    head.weight = emb.weight;
    const model = new nn.Sequential(emb, head);
    const copy = new AveragedModel(model).module;
    expect(copy.at(1, nn.Linear).weight).toBe(copy.at(0, nn.Embedding).weight);
    expect(copy.at(1, nn.Linear).weight).not.toBe(emb.weight);
    expect([...copy.parameters()]).toHaveLength(1);
  });
});

describe('user modules', () => {
  class Stateful extends nn.Module {
    lin = new nn.Linear(3, 2);
    seen = new Map<string, number[]>([['a', [1, 2]]]);
    labels = new Set(['x']);
    table = new Float32Array([1, 2, 3]);
    config = { scale: 2, nested: { steps: [1, 2] } };
    created = new Date(0);
    calls = 0;
    constructor() {
      super();
      this.registerBuffer('offset', kd.full([2], 0.5));
      this.registerBuffer('scratch', kd.zeros([2]), { persistent: false });
    }

    forward(x: kd.Tensor): kd.Tensor {
      this.calls++;
      return this.lin.forward(x).mul(this.config.scale).add(this.getBuffer('offset'));
    }
  }

  it('buffers (persistent or not) and non-parameter state are copied, not shared', () => {
    const model = new Stateful();
    const copy = new AveragedModel(model).module;
    expect(copy).toBeInstanceOf(Stateful);
    expect(copy.getBuffer('offset')).not.toBe(model.getBuffer('offset'));
    expect(copy.getBuffer('scratch').toArray()).toEqual([0, 0]);
    expect(copy.getBuffer('scratch')).not.toBe(model.getBuffer('scratch'));
    expect(Object.keys(copy.stateDict())).toEqual(Object.keys(model.stateDict()));
    expect(copy.seen).toEqual(model.seen);
    expect(copy.seen).not.toBe(model.seen);
    expect(copy.seen.get('a')).not.toBe(model.seen.get('a'));
    expect(copy.labels).toEqual(model.labels);
    expect(copy.labels).not.toBe(model.labels);
    expect(copy.table).toEqual(model.table);
    expect(copy.table).not.toBe(model.table);
    expect(copy.config).toEqual(model.config);
    expect(copy.config.nested).not.toBe(model.config.nested);
    expect(copy.created.getTime()).toBe(0);
    expect(copy.created).not.toBe(model.created);
    const x = kd.randn([4, 3]);
    expect(copy.forward(x).toArray()).toEqual(model.forward(x).toArray());
    model.seen.set('b', [3]);
    model.table[0] = 9;
    model.config.nested.steps.push(3);
    expect([...copy.seen.keys()]).toEqual(['a']);
    expect(copy.table[0]).toBe(1);
    expect(copy.config.nested.steps).toEqual([1, 2]);
    expect(copy.calls).toBe(1);
  });

  class WithPrivate extends nn.Module {
    lin = new nn.Linear(3, 2);
    #scale = 2;

    forward(x: kd.Tensor): kd.Tensor {
      return this.lin.forward(x).mul(this.#scale);
    }
  }

  class Outer extends nn.Module {
    inner = new WithPrivate();

    forward(x: kd.Tensor): kd.Tensor {
      return this.inner.forward(x);
    }
  }

  it('a class with #private members is refused, naming it and what to do, before anything is copied', () => {
    const make = (): unknown => new AveragedModel(new Outer());
    expect(make).toThrow(kd.ArgumentTypeError);
    expect(make).toThrow(/AveragedModel: cannot copy WithPrivate: its class declares private members \(#scale\) that a copy cannot carry/);
    expect(make).toThrow(/pass \{ copy: \(model\) => … \}/);
  });

  it('{ copy } builds the copy instead; the model\'s values are copied in and averaged from there', () => {
    const model = new Outer();
    const swa = new AveragedModel(model, { copy: () => new Outer() });
    expect(swa.module.inner.lin.weight.toArray()).toEqual(model.inner.lin.weight.toArray());
    expect(swa.module.inner.lin.weight).not.toBe(model.inner.lin.weight);
    const x = kd.randn([2, 3]);
    expect(swa.forward(x).toArray()).toEqual(model.forward(x).toArray());
    swa.updateParameters(model);
    const w0 = model.inner.lin.weight.toArray() as number[][];
    kd.noGrad(() => model.inner.lin.weight.add_(2));
    swa.updateParameters(model);
    const avg = swa.module.inner.lin.weight.toArray() as number[][];
    avg.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(w0[i]![j]! + 1, 5)));
  });

  it('{ copy } must return a module of its own', () => {
    const model = new Outer();
    expect(() => new AveragedModel(model, { copy: (m) => m })).toThrow(/AveragedModel: copy returned the model itself; the average needs tensors of its own/);
    expect(() => new AveragedModel(model, {
      copy: () => {
        const o = new Outer();
        o.inner.lin = model.inner.lin;
        return o;
      },
    })).toThrow(/copy returned a module that shares inner\.lin\.weight, inner\.lin\.bias with the model/);
    expect(() => new AveragedModel(model, { copy: () => ({}) as never })).toThrow(/AveragedModel: copy must return a new Module, got/);
    expect(() => new AveragedModel(model, { copy: 3 as never })).toThrow(/AveragedModel: copy must be a function, got 3/);
  });
});
