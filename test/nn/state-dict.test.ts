/**
 * stateDict() keys, order and shapes, and the iteration APIs, against
 * PyTorch 1.13 for nested models; loadStateDict's checks and atomicity.
 */
import { describe, expect, it } from 'vitest';
import { expectClose, kd, loadFixture } from '../helpers.js';
import { expectLayout, type Layout } from './layout.js';

const { nn } = kd;
const layouts = loadFixture<Record<string, Layout>>('nn_module_state_dicts');

class OwnParamAfterChildren extends nn.Module {
  enc = new nn.Linear(2, 3);
  dec = new nn.Linear(3, 2);
  w = new nn.Parameter(kd.zeros([2]));
  constructor() {
    super();
    this.registerBuffer('steps', kd.zeros([1]));
    this.registerBuffer('cache', kd.zeros([2]), { persistent: false });
  }
}

class Tied extends nn.Module {
  a = new nn.Linear(3, 3);
  b = new nn.Linear(3, 3);
  constructor() {
    super();
    this.b.weight = this.a.weight;
  }
}

class SharedChild extends nn.Module {
  blocks: kd.nn.ModuleList;
  head = new nn.Sequential({ fc: new nn.Linear(2, 1), act: new nn.Sigmoid() });
  constructor() {
    super();
    const lin = new nn.Linear(2, 2);
    // Assigned after the `head` field's initializer ran, so registered after it.
    this.blocks = new nn.ModuleList([lin, new nn.ReLU(), lin]);
  }
}

class SharedChildInOrder extends nn.Module {
  blocks = (() => {
    const lin = new nn.Linear(2, 2);
    return new nn.ModuleList([lin, new nn.ReLU(), lin]);
  })();
  head = new nn.Sequential({ fc: new nn.Linear(2, 1), act: new nn.Sigmoid() });
}

class ConvNet extends nn.Module {
  features = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2));
  norm = new nn.GroupNorm(2, 4);
  head = new nn.Linear(4, 2);
  emb = new nn.Embedding(5, 2);
  ln = new nn.LayerNorm(2);
}

class AttentionNet extends nn.Module {
  mha = new nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 5, addBiasKv: true });
  layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 });
  bil = new nn.Bilinear(2, 3, 4);
  pl = new nn.ParameterList([kd.zeros([2]), kd.ones([3])]);
  pd = new nn.ParameterDict({ scale: kd.ones([2]), shift: kd.zeros([2]) });
}

describe('layouts equal PyTorch’s', () => {
  it('own parameters before children; buffers (non-persistent ones outside stateDict)', () => expectLayout(new OwnParamAfterChildren(), layouts.ownParamAfterChildren!));
  it('tied parameters: once in parameters(), under every owner in stateDict()', () => expectLayout(new Tied(), layouts.tied!));
  it('a module twice in a ModuleList, and a Sequential from a record', () => expectLayout(new SharedChildInOrder(), layouts.sharedChild!));
  it('conv, batch norm buffers (num_batches_tracked), group/layer norm, embedding', () => expectLayout(new ConvNet(), layouts.convNet!));
  it('attention (snake_case names), bilinear, ParameterList and ParameterDict', () => expectLayout(new AttentionNet(), layouts.attentionNet!));

  it('follows assignment order, not declaration order', () => {
    // blocks is assigned in the constructor, after the head field: it comes second.
    expect([...new SharedChild().namedChildren()].map(([n]) => n)).toEqual(['head', 'blocks']);
  });
});

describe('stateDict', () => {
  it('returns detached tensors sharing memory (or the parameters with keepVars)', () => {
    const lin = new nn.Linear(2, 2);
    const sd = lin.stateDict();
    expect(sd.weight!.requiresGrad).toBe(false);
    expect(sd.weight!.storage).toBe(lin.weight.storage);
    expect(lin.stateDict({ keepVars: true }).weight).toBe(lin.weight);
    expect(Object.keys(lin.stateDict({ prefix: 'm.' }))).toEqual(['m.weight', 'm.bias']);
  });
});

describe('loadStateDict', () => {
  it('copies values in place, keeping tied parameters tied', () => {
    const src = new Tied();
    const dst = new Tied();
    const res = dst.loadStateDict(src.stateDict());
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expectClose(dst.a.weight, src.a.weight.dataSync());
    expect(dst.b.weight).toBe(dst.a.weight);
    // A Map works too.
    dst.loadStateDict(new Map(Object.entries(src.stateDict())));
  });

  it('reports every problem at once and changes nothing', () => {
    const m = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 3));
    const before = m.stateDict();
    const saved = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.clone()]));
    const bad: Record<string, kd.Tensor> = {
      '0.weight': kd.ones([2, 2]),
      '0.bais': kd.ones([2]),
      '1.weight': kd.ones([3, 3]),
      '1.bias': kd.ones([3]),
      extra: kd.ones([1]),
    };
    let err: unknown;
    try {
      m.loadStateDict(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(kd.StateDictError);
    expect(err).toBeInstanceOf(nn.IncompatibleStateDictError);
    const e = err as kd.nn.IncompatibleStateDictError;
    expect(e.message).toBe(
      'Sequential.loadStateDict: Error(s) in loading stateDict for Sequential:\n' +
        '\tMissing key(s) in stateDict: "0.bias".\n' +
        '\tUnexpected key(s) in stateDict: "0.bais" (did you mean "0.bias"?), "extra".\n' +
        '\tsize mismatch for 1.weight: copying a param with shape [3, 3] from checkpoint, the shape in current model is [3, 2].',
    );
    expect(e.missingKeys).toEqual(['0.bias']);
    expect(e.unexpectedKeys).toEqual(['0.bais', 'extra']);
    expect(e.sizeMismatches).toEqual([{ key: '1.weight', got: [3, 3], expected: [3, 2] }]);
    for (const [k, v] of Object.entries(m.stateDict())) expectClose(v, saved[k]!.dataSync(), { label: k });
  });

  it('with strict false returns missing and unexpected keys, but still refuses shape mismatches', () => {
    const m = new nn.Linear(2, 2);
    const res = m.loadStateDict({ weight: kd.ones([2, 2]), other: kd.ones([1]) }, { strict: false });
    expect(res).toEqual({ missingKeys: ['bias'], unexpectedKeys: ['other'] });
    expectClose(m.weight, [1, 1, 1, 1]);
    expect(() => m.loadStateDict({ weight: kd.ones([3]) }, { strict: false })).toThrow(/size mismatch for weight: copying a param with shape \[3\] from checkpoint, the shape in current model is \[2, 2\]/);
  });

  it('loads buffers, converting dtypes as PyTorch copies them', () => {
    const bn = new nn.BatchNorm1d(2);
    bn.loadStateDict({
      weight: kd.ones([2]), bias: kd.zeros([2]),
      running_mean: kd.tensor([1, 2], { dtype: 'float64' }), running_var: kd.ones([2]),
      num_batches_tracked: kd.tensor(7, { dtype: 'int32' }),
    });
    expectClose(bn.runningMean!, [1, 2]);
    expect(bn.numBatchesTracked!.item()).toBe(7);
    expect(bn.runningMean!.dtype).toBe('float32');
  });

  const rows: { name: string; call: () => unknown; match: RegExp }[] = [
    { name: 'an array', call: () => new nn.Linear(1, 1).loadStateDict([] as unknown as Record<string, kd.Tensor>), match: /Linear\.loadStateDict: expected stateDict to be a Record<string, Tensor> or a Map, got an Array/ },
    { name: 'a non-tensor value', call: () => new nn.Linear(1, 1).loadStateDict({ weight: [[1]] as unknown as kd.Tensor, bias: kd.ones([1]) }), match: /value for weight is an Array, expected a Tensor/ },
  ];
  for (const row of rows) it(`refuses ${row.name}`, () => expect(row.call).toThrow(row.match));
});
