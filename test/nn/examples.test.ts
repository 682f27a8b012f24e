/**
 * The examples in the TSDoc of src/nn, run as written (STYLE.md §14: every
 * public example is executed by a test), with the values their comments state.
 */
import { describe, expect, it } from 'vitest';
import { expectClose, kd } from '../helpers.js';

const { nn, optim } = kd;
type Tensor = kd.Tensor;

describe('Module and Parameter', () => {
  it('Module', () => {
    class MyModel extends nn.Module {
      base = new nn.Sequential(new nn.Linear(1, 512), new nn.ReLU());
      classifier = new nn.Linear(512, 10);
      forward(x: Tensor) { return this.classifier.forward(this.base.forward(x)); }
    }
    const model = new MyModel();
    expect([...model.namedParameters()].map(([n]) => n)).toEqual(['base.0.weight', 'base.0.bias', 'classifier.weight', 'classifier.bias']);
    expect(model.getSubmodule('base.0')).toBe(model.base.at(0));
    expect(model.getSubmodule('base.0', nn.Linear).weight.shape).toEqual([512, 1]);
    expect(model.forward(kd.randn([3, 1])).shape).toEqual([3, 10]);
  });

  it('Module.loadStateDict and numParameters', () => {
    class MyModel extends nn.Module {
      base = new nn.Sequential(new nn.Linear(1, 4), new nn.ReLU());
      classifier = new nn.Linear(4, 2);
    }
    const model = new MyModel();
    const copy = new MyModel();
    copy.loadStateDict(model.stateDict());
    expectClose(copy.classifier.weight, model.classifier.weight.dataSync());
    const w = kd.ones([2, 4]);
    expect(copy.loadStateDict({ 'classifier.weight': w }, { strict: false })).toEqual({
      missingKeys: ['base.0.weight', 'base.0.bias', 'classifier.bias'], unexpectedKeys: [],
    });
    expect(new nn.Linear(1, 512).numParameters()).toBe(1024);
  });

  it('IncompatibleStateDictError', () => {
    const model = new nn.Linear(2, 2);
    const sd = { weight: kd.ones([3, 2]) };
    const seen: unknown[] = [];
    try {
      model.loadStateDict(sd);
    } catch (e) {
      if (e instanceof nn.IncompatibleStateDictError) seen.push(e.missingKeys, e.unexpectedKeys, e.sizeMismatches);
    }
    expect(seen).toEqual([['bias'], [], [{ key: 'weight', got: [3, 2], expected: [2, 2] }]]);
  });

  it('Parameter', () => {
    class Scale extends nn.Module {
      gain = new nn.Parameter(kd.ones([3]));
      forward(x: Tensor) { return x.mul(this.gain); }
    }
    const s = new Scale();
    expect([...s.namedParameters()].map(([n]) => n)).toEqual(['gain']);
    expectClose(s.forward(kd.tensor([1, 2, 3])), [1, 2, 3]);
  });

  it('the nn namespace', () => {
    const model = new nn.Sequential(new nn.Linear(1, 512), new nn.ReLU(), new nn.Linear(512, 10));
    expect(model.forward(kd.ones([2, 1])).shape).toEqual([2, 10]);
  });
});

describe('containers', () => {
  it('Sequential', () => {
    const base = new nn.Sequential(new nn.Linear(1, 512), new nn.ReLU());
    expect([...base.at(0).namedParameters()].map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(base.at(-1)).toBeInstanceOf(nn.ReLU);
    expect(base.at(0, nn.Linear).weight.shape).toEqual([512, 1]);
    class Base extends nn.Sequential {
      constructor() { super(new nn.Linear(1, 512), new nn.ReLU(), new nn.Linear(512, 264), new nn.ReLU()); }
    }
    expect(new Base().length).toBe(4);
  });

  it('ModuleList', () => {
    class Net extends nn.Module {
      blocks = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
      forward(x: Tensor) { for (const b of this.blocks) x = b.forward(x).relu(); return x; }
    }
    const net = new Net();
    expect(net.forward(kd.randn([2, 4])).shape).toEqual([2, 4]);
    expect([...net.namedParameters()].map(([n]) => n)[0]).toBe('blocks.0.weight');
  });

  it('ModuleDict', () => {
    const [fc1, fc2, fc3, fc4] = [new nn.Linear(1, 2), new nn.Linear(2, 3), new nn.Linear(3, 4), new nn.Linear(4, 5)];
    const params = new nn.ModuleDict({ base: new nn.ModuleList([fc1, fc2]), classifier: new nn.ModuleList([fc3, fc4]) });
    expect([...params.base.parameters()]).toEqual([fc1.weight, fc1.bias, fc2.weight, fc2.bias]);
    expect(params.get('classifier')).toBe(params.classifier);
  });

  it('ParameterList and ParameterDict', () => {
    const [fc1, fc2] = [new nn.Linear(1, 2), new nn.Linear(2, 3)];
    const base = new nn.ParameterList([...fc1.parameters(), ...fc2.parameters()]);
    expect(base.length).toBe(4);
    const pd = new nn.ParameterDict({ scale: kd.ones([3]), shift: kd.zeros([3]) });
    expect(pd.scale).toBeInstanceOf(nn.Parameter);
    expect(Object.keys(pd.stateDict())).toEqual(['scale', 'shift']);
  });
});

describe('layers', () => {
  it('Identity, Linear, Bilinear, Flatten, Unflatten', () => {
    const useDropout = false;
    const head = useDropout ? new nn.Dropout(0.1) : new nn.Identity();
    expect(head).toBeInstanceOf(nn.Identity);
    expect(new nn.Linear(1, 512).forward(kd.randn([32, 1])).shape).toEqual([32, 512]);
    expect(new nn.Bilinear(3, 4, 2).forward(kd.randn([5, 3]), kd.randn([5, 4])).shape).toEqual([5, 2]);
    expect(new nn.Flatten().forward(kd.zeros([8, 16, 4, 4])).shape).toEqual([8, 256]);
    expect(new nn.Unflatten(1, [16, 4, 4]).forward(kd.zeros([8, 256])).shape).toEqual([8, 16, 4, 4]);
  });

  it('activations', () => {
    const act = new nn.Sequential(new nn.Linear(4, 4), new nn.LeakyReLU(0.2), new nn.Linear(4, 2), new nn.Softmax(1));
    expectClose(act.forward(kd.randn([3, 4])).sum(1), [1, 1, 1]);
    expectClose(new nn.ReLU().forward(kd.tensor([-1, 2])), [0, 2]);
    expectClose(new nn.LeakyReLU(0.2).forward(kd.tensor([-1, 2])), [-0.2, 2]);
    expect(new nn.GELU({ approximate: 'tanh' }).approximate).toBe('tanh');
    const x = kd.tensor([0]);
    expectClose(new nn.SiLU().forward(x), [0]);
    expectClose(new nn.Tanh().forward(x), [0]);
    expectClose(new nn.Sigmoid().forward(x), [0.5]);
    const logits = kd.tensor([[0, Math.log(3)]]);
    expectClose(new nn.Softmax(1).forward(logits), [[0.25, 0.75]]);
    expectClose(new nn.LogSoftmax(1).forward(logits), [[Math.log(0.25), Math.log(0.75)]]);
  });

  it('Conv1d, Conv2d, pooling', () => {
    expect(new nn.Conv1d(2, 6, 3, { stride: 2 }).forward(kd.randn([4, 2, 10])).shape).toEqual([4, 6, 4]);
    expect(new nn.Conv2d(3, 16, 3, { padding: 1 }).forward(kd.randn([8, 3, 32, 32])).shape).toEqual([8, 16, 32, 32]);
    expect(new nn.MaxPool2d(2).forward(kd.randn([1, 3, 8, 8])).shape).toEqual([1, 3, 4, 4]);
    expect(new nn.MaxPool2d(3, { stride: 2, padding: 1 }).forward(kd.randn([1, 3, 8, 8])).shape).toEqual([1, 3, 4, 4]);
    expectClose(new nn.AvgPool2d(2).forward(kd.ones([1, 1, 4, 4])), [[[[1, 1], [1, 1]]]], { shape: [1, 1, 2, 2] });
    expect(new nn.AdaptiveAvgPool2d(1).forward(kd.randn([2, 16, 7, 5])).shape).toEqual([2, 16, 1, 1]);
  });

  it('normalisation', () => {
    const bn = new nn.BatchNorm1d(3);
    const x = kd.randn([8, 3]);
    expectClose(bn.forward(x).mean(0), [0, 0, 0], { atol: 1e-5 });
    expectClose(bn.runningMean!, x.mean(0).mul(0.1).dataSync());
    bn.eval();
    expect(bn.training).toBe(false);
    expect(new nn.BatchNorm2d(16, { momentum: 0.01 }).forward(kd.randn([4, 16, 8, 8])).shape).toEqual([4, 16, 8, 8]);
    const ln = new nn.LayerNorm(8).forward(kd.randn([2, 5, 8]));
    expect(ln.shape).toEqual([2, 5, 8]);
    expectClose(ln.mean(-1), new Array(10).fill(0), { atol: 1e-5 });
    expect(new nn.GroupNorm(2, 6).forward(kd.randn([4, 6, 5, 5])).shape).toEqual([4, 6, 5, 5]);
  });

  it('Dropout and Embedding', () => {
    kd.manualSeed(0);
    const drop = new nn.Dropout(0.25);
    const y = Array.from(drop.forward(kd.ones([8])).dataSync());
    expect(y.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    expectClose(drop.eval().forward(kd.ones([8])), new Array(8).fill(1));
    const emb = new nn.Embedding(10, 3);
    expect(emb.forward(kd.tensor([[1, 2], [4, 1]], { dtype: 'int32' })).shape).toEqual([2, 2, 3]);
  });

  it('MultiheadAttention, multiHeadAttentionForward and TransformerEncoderLayer', () => {
    const x = kd.randn([2, 4, 8]);
    const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    const [y, w] = mha.forward(x, x, x);
    expect(y.shape).toEqual([2, 4, 8]);
    expect(w!.shape).toEqual([2, 4, 4]);
    const seqFirst = new nn.MultiheadAttention(8, 2);
    const xs = kd.randn([4, 2, 8]);
    const [yf, attn] = nn.functional.multiHeadAttentionForward(xs, xs, xs, {
      numHeads: 2, inProjWeight: seqFirst.inProjWeight, inProjBias: seqFirst.inProjBias,
      outProjWeight: seqFirst.outProj.weight, outProjBias: seqFirst.outProj.bias,
    });
    const [ym, am] = seqFirst.forward(xs, xs, xs);
    expectClose(yf, ym.dataSync());
    expectClose(attn!, am!.dataSync());
    const layer = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true });
    expect(layer.forward(kd.randn([2, 5, 16])).shape).toEqual([2, 5, 16]);
  });
});

describe('losses', () => {
  it('each loss example', () => {
    const model = new nn.Linear(4, 3);
    const x = kd.randn([5, 4]);
    const labels = kd.tensor([0, 2, 1, 1, 0], { dtype: 'int32' });
    const lossFn = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
    expect(lossFn.forward(model.forward(x), labels).ndim).toBe(0);
    const logits = model.forward(x);
    expectClose(new nn.NLLLoss().forward(new nn.LogSoftmax(1).forward(logits), labels), [new nn.CrossEntropyLoss().forward(logits, labels).item()]);
    expect(new nn.MSELoss().forward(kd.tensor([1, 2]), kd.tensor([1, 4])).item()).toBe(2);
    expect(new nn.L1Loss({ reduction: 'sum' }).forward(kd.tensor([1, 2]), kd.tensor([0, 4])).item()).toBe(3);
    expectClose(new nn.SmoothL1Loss({ reduction: 'none' }).forward(kd.tensor([0.5, 3]), kd.tensor([0, 0])), [0.125, 2.5]);
    expectClose(new nn.BCELoss().forward(kd.tensor([0.5, 0.5]), kd.tensor([0, 1])), [Math.LN2]);
    const bce = new nn.BCEWithLogitsLoss({ posWeight: kd.tensor([3]) });
    expectClose(bce.forward(kd.tensor([[0]]), kd.tensor([[1]])), [3 * Math.LN2]);
  });
});

describe('functional', () => {
  it('the nn.functional example', () => {
    const F = nn.functional;
    const [x, w, b] = [kd.randn([4, 3]), kd.randn([2, 3]), kd.randn([2])];
    const y = F.relu(F.linear(x, w, b));
    expect(y.shape).toEqual([4, 2]);
    const logits = kd.randn([4, 5]);
    const labels = kd.tensor([0, 1, 4, 2], { dtype: 'int32' });
    expect(F.crossEntropy(logits, labels).ndim).toBe(0);
  });
});

describe('init', () => {
  it('each init example', () => {
    const layer = new nn.Linear(5, 3);
    const conv = new nn.Conv2d(3, 8, 3);
    const emb = new nn.Embedding(10, 4);
    const norm = new nn.LayerNorm(3);
    expect(nn.init.calculateGain('relu')).toBeCloseTo(1.41421356, 7);
    expect(nn.init.calculateFanInAndFanOut(new nn.Conv2d(3, 8, 3).weight)).toEqual({ fanIn: 27, fanOut: 72 });
    nn.init.uniform_(layer.weight, -0.1, 0.1);
    nn.init.uniform_(layer.weight, -0.1, 0.1, { generator: new kd.Generator(0) });
    expect(Math.max(...Array.from(layer.weight.dataSync(), Math.abs))).toBeLessThanOrEqual(0.1);
    nn.init.normal_(emb.weight, 0, 0.02);
    nn.init.constant_(layer.bias!, 0.1);
    expectClose(layer.bias!, [0.1, 0.1, 0.1]);
    nn.init.zeros_(layer.bias!);
    nn.init.ones_(norm.weight!);
    nn.init.xavierUniform_(layer.weight, nn.init.calculateGain('tanh'));
    nn.init.xavierNormal_(layer.weight);
    nn.init.kaimingUniform_(layer.weight, { mode: 'fanIn', nonlinearity: 'relu' });
    nn.init.kaimingNormal_(conv.weight, { mode: 'fanOut', nonlinearity: 'relu' });
    nn.init.truncNormal_(layer.weight, { std: 0.02, a: -0.04, b: 0.04 });
    expect(Math.max(...Array.from(layer.weight.dataSync(), Math.abs))).toBeLessThanOrEqual(0.04);
    const w = nn.init.orthogonal_(kd.empty([3, 5]));
    expectClose(w.matmul(w.t()), kd.eye(3).dataSync(), { atol: 1e-5 });
  });
});

describe('utils', () => {
  it('clipping, vectors, freezing', () => {
    class Model extends nn.Module {
      base = new nn.Linear(3, 3);
      head = new nn.Linear(3, 1);
      forward(x: Tensor) { return this.head.forward(this.base.forward(x).relu()); }
    }
    const model = new Model();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const loss = model.forward(kd.randn([4, 3]).mul(10)).sum();
    loss.backward();
    nn.utils.clipGradNorm_(model.parameters(), 1.0);
    nn.utils.clipGradValue_(model.parameters(), 0.5);
    opt.step();
    const v = nn.utils.parametersToVector(model.parameters());
    expect(v.shape).toEqual([model.numParameters()]);
    nn.utils.vectorToParameters(v.mul(0.5).detach(), model.parameters());
    expectClose(nn.utils.parametersToVector(model.parameters()), v.mul(0.5).dataSync());

    nn.utils.freeze(model.base);
    const headOpt = new optim.SGD(model.head.parameters(), { lr: 0.05 });
    expect(model.numParameters({ trainableOnly: true })).toBe(4);
    nn.utils.unfreeze(model.base);
    headOpt.addParamGroup({ params: model.base.parameters(), lr: 0.005, name: 'base' });
    expect(headOpt.paramGroups.length).toBe(2);
  });
});
