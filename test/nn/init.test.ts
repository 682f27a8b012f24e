/**
 * nn.init and the layers' default initialisation: formulas (gains, fans,
 * bounds) against PyTorch 1.13's values; distributions checked statistically.
 */
import { describe, expect, it } from 'vitest';
import { values, type EncodedTensor } from '../fixtures.js';
import { expectClose, kd, loadFixture } from '../helpers.js';
import { erfinv } from '../../src/nn/special.js';
import { construct } from './cases.js';

const { nn } = kd;
const init = nn.init;
const fx = loadFixture<{
  gains: Record<string, number>;
  fans: { shape: number[]; fanIn: number; fanOut: number }[];
  default_init: { cls: string; args: unknown[]; options: Record<string, unknown>; param: string; n: number; kind: 'uniform' | 'normal'; max_abs: number; mean: number; std: number }[];
  erfinv_x: EncodedTensor;
  erfinv_y: EncodedTensor;
}>('nn_module_init');

function stats(t: kd.Tensor): { mean: number; std: number; maxAbs: number } {
  const d = Array.from(t.dataSync(), Number);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return { mean, std, maxAbs: Math.max(...d.map(Math.abs)) };
}

describe('gains and fans equal PyTorch’s', () => {
  it('calculateGain', () => {
    const g = fx.gains;
    expect(init.calculateGain('linear')).toBeCloseTo(g.linear!, 7);
    expect(init.calculateGain('conv2d')).toBeCloseTo(g.conv2d!, 7);
    expect(init.calculateGain('sigmoid')).toBeCloseTo(g.sigmoid!, 7);
    expect(init.calculateGain('tanh')).toBeCloseTo(g.tanh!, 7);
    expect(init.calculateGain('relu')).toBeCloseTo(g.relu!, 7);
    expect(init.calculateGain('leakyRelu')).toBeCloseTo(g.leakyRelu!, 7);
    expect(init.calculateGain('leakyRelu', 0.2)).toBeCloseTo(g['leakyRelu0.2']!, 7);
    expect(init.calculateGain('selu')).toBeCloseTo(g.selu!, 7);
  });

  it('calculateFanInAndFanOut', () => {
    for (const f of fx.fans) expect(init.calculateFanInAndFanOut(kd.zeros(f.shape))).toEqual({ fanIn: f.fanIn, fanOut: f.fanOut });
  });

  it('the erfinv behind truncNormal_', () => {
    const x = values(fx.erfinv_x);
    expectClose(kd.tensor(x.map(erfinv), { dtype: 'float64' }), fx.erfinv_y.data, { atol: 1e-6, rtol: 1e-6 });
  });
});

describe('default initialisation of the layers (PyTorch’s bounds)', () => {
  // PyTorch's sample statistics for each layer parameter (scripts/fixtures/nn.py): the same
  // distribution drawn by kindling has the same largest |value| (uniform: the bound b, Kaiming-
  // uniform with a = √5 for the weights and the fan-in bound for the biases), mean and spread.
  for (const d of fx.default_init) {
    it(`${d.cls}(${d.args.join(', ')}${Object.keys(d.options).length ? ', …' : ''}).${d.param}: ${d.kind} as PyTorch's`, () => {
      kd.manualSeed(11);
      const values: number[] = [];
      while (values.length < d.n) {
        const layer = construct(d.cls, d.args, d.options);
        values.push(...Array.from(layer.getParameter(d.param).dataSync(), Number));
      }
      const s = stats(kd.tensor(values.slice(0, d.n), { dtype: 'float64' }));
      // Sampling error of the standard deviation over n values is about std/√(2n) (1 %); allow 4 %.
      expect(Math.abs(s.std - d.std) / d.std, `std ${s.std} vs PyTorch's ${d.std}`).toBeLessThan(0.04);
      expect(Math.abs(s.mean - d.mean), `mean ${s.mean} vs PyTorch's ${d.mean}`).toBeLessThan((8 * d.std) / Math.sqrt(d.n));
      // A uniform's sample maximum is within b/n of b for both; a normal has no bound.
      if (d.kind === 'uniform') expect(Math.abs(s.maxAbs - d.max_abs) / d.max_abs, `max |value| ${s.maxAbs} vs PyTorch's ${d.max_abs}`).toBeLessThan(0.005);
    });
  }

  it('is reproducible with manualSeed', () => {
    kd.manualSeed(42);
    const a = new nn.Linear(3, 4);
    kd.manualSeed(42);
    const b = new nn.Linear(3, 4);
    expectClose(a.weight, b.weight.dataSync(), { atol: 0, rtol: 0 });
  });

  it('norms start at ones/zeros, Embedding at N(0, 1) with a zero padding row, attention biases at zero', () => {
    const bn = new nn.BatchNorm2d(3);
    expectClose(bn.weight!, [1, 1, 1]);
    expectClose(bn.runningVar!, [1, 1, 1]);
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    const emb = new nn.Embedding(2000, 2, { paddingIdx: 3 });
    expectClose(emb.weight.select(0, 3), [0, 0]);
    const s = stats(emb.weight);
    expect(Math.abs(s.mean)).toBeLessThan(0.05);
    expect(s.std).toBeCloseTo(1, 1);
    const mha = new nn.MultiheadAttention(8, 2);
    expectClose(mha.inProjBias!, new Array(24).fill(0));
    expectClose(mha.outProj.bias!, new Array(8).fill(0));
    expect(stats(mha.inProjWeight!).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / (8 + 24)));
  });
});

describe('nn.init functions', () => {
  const g = (): kd.Generator => new kd.Generator(7);

  it('uniform_, normal_, constant_, zeros_, ones_ write in place and return the tensor', () => {
    const t = kd.zeros([400, 50]);
    expect(init.uniform_(t, -2, 3, { generator: g() })).toBe(t);
    const u = stats(t);
    expect(u.mean).toBeCloseTo(0.5, 1);
    expect(u.maxAbs).toBeLessThanOrEqual(3);
    init.normal_(t, 1, 2, { generator: g() });
    const n = stats(t);
    expect(n.mean).toBeCloseTo(1, 1);
    expect(n.std).toBeCloseTo(2, 1);
    init.constant_(t, 0.5);
    expect(stats(t)).toEqual({ mean: 0.5, std: 0, maxAbs: 0.5 });
    init.zeros_(t);
    expect(stats(t).maxAbs).toBe(0);
    init.ones_(t);
    expect(stats(t).mean).toBe(1);
  });

  it('works on parameters that require grad, and bumps their version', () => {
    const p = new nn.Parameter(kd.zeros([3]));
    const v = p.version;
    init.ones_(p);
    expect(p.version).toBeGreaterThan(v);
    expect(p.requiresGrad).toBe(true);
  });

  it('xavier and kaiming scale by the fans', () => {
    const w = kd.zeros([300, 200]);
    init.xavierUniform_(w, 1, { generator: g() });
    expect(stats(w).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 500));
    init.xavierNormal_(w, 2, { generator: g() });
    expect(stats(w).std).toBeCloseTo(2 * Math.sqrt(2 / 500), 2);
    init.kaimingNormal_(w, { generator: g(), nonlinearity: 'relu' });
    expect(stats(w).std).toBeCloseTo(Math.SQRT2 / Math.sqrt(200), 2);
    init.kaimingUniform_(w, { generator: g(), mode: 'fanOut', nonlinearity: 'relu' });
    expect(stats(w).maxAbs).toBeLessThanOrEqual(Math.sqrt(2) * Math.sqrt(3 / 300));
  });

  it('truncNormal_ stays in [a, b] with the truncated normal’s spread', () => {
    const t = kd.zeros([20000], { dtype: 'float64' });
    init.truncNormal_(t, { generator: g() });
    const s = stats(t);
    expect(s.maxAbs).toBeLessThanOrEqual(2);
    // Standard normal truncated to [−2, 2]: std = √(1 − 2·2·φ(2) / (Φ(2) − Φ(−2))) ≈ 0.8796.
    expect(s.std).toBeCloseTo(0.8796, 1);
    init.truncNormal_(t, { mean: 5, std: 0.1, a: 4.9, b: 5.3, generator: g() });
    const d = Array.from(t.dataSync());
    expect(Math.min(...d)).toBeGreaterThanOrEqual(4.9);
    expect(Math.max(...d)).toBeLessThanOrEqual(5.3);
  });

  it('orthogonal_ gives orthonormal rows (or columns), scaled by gain', () => {
    for (const shape of [[3, 5], [5, 3], [4, 2, 2]]) {
      const w = kd.zeros(shape, { dtype: 'float64' });
      init.orthogonal_(w, 2, { generator: g() });
      const m = w.reshape([shape[0]!, -1]);
      const gram = m.shape[0]! <= m.shape[1]! ? m.matmul(m.t()) : m.t().matmul(m);
      const n = gram.shape[0]!;
      expectClose(gram, kd.eye(n).mul(4).dataSync(), { atol: 1e-9, label: `shape [${shape.join(', ')}]` });
    }
  });

  const rows: { name: string; call: () => unknown; match: RegExp }[] = [
    { name: 'fans of a 1-D tensor', call: () => init.xavierUniform_(kd.zeros([3])), match: /fan in and fan out can not be computed for tensor with fewer than 2 dimensions \(shape \[3\]\)/ },
    { name: 'an integer tensor', call: () => init.normal_(kd.zeros([2], { dtype: 'int32' })), match: /normal_: expected a floating point tensor, got int32/ },
    { name: 'a non-tensor', call: () => init.ones_([1, 2] as unknown as kd.Tensor), match: /ones_|constant_: expected a Tensor, got an Array/ },
    { name: 'a > b', call: () => init.uniform_(kd.zeros([2]), 1, 0), match: /uniform_: expects a <= b, got a=1, b=0/ },
    { name: 'a negative std', call: () => init.normal_(kd.zeros([2]), 0, -1), match: /expects std >= 0\.0, got -1/ },
    { name: 'a snake_case nonlinearity', call: () => init.calculateGain('leaky_relu' as 'leakyRelu'), match: /unsupported nonlinearity leaky_relu \(did you mean 'leakyRelu'\?\)/ },
    { name: 'an unknown kaiming mode', call: () => init.kaimingUniform_(kd.zeros([2, 2]), { mode: 'fan_in' as 'fanIn' }), match: /mode fan_in not supported, please use one of 'fanIn', 'fanOut'/ },
    { name: 'orthogonal_ of a vector', call: () => init.orthogonal_(kd.zeros([3])), match: /only tensors with 2 or more dimensions are supported/ },
  ];
  for (const row of rows) it(`refuses ${row.name}`, () => expect(row.call).toThrow(row.match));
});

