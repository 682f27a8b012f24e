/**
 * Layer behaviour beyond the PyTorch fixtures: gradcheck of the composed
 * layers in float64, training vs evaluation mode, printing, and the
 * constructor and forward errors.
 */
import { describe, expect, it } from 'vitest';
import { expectClose, kd, leaf64 } from '../helpers.js';

const { nn } = kd;

describe('gradcheck (float64) through composed layers', () => {
  it('MultiheadAttention with masks and separate k/v sizes', () => {
    kd.manualSeed(3);
    const mha = new nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 5, addBiasKv: true, dtype: 'float64' });
    const mask = kd.tensor([[false, true, false], [false, false, true]]);
    const f = (q: kd.Tensor, k: kd.Tensor, v: kd.Tensor): kd.Tensor => mha.forward(q, k, v, { attnMask: mask })[0];
    expect(kd.gradcheck(f, [leaf64([2, 1, 4], 1), leaf64([3, 1, 3], 2), leaf64([3, 1, 5], 3)])).toBe(true);
  });

  it('TransformerEncoderLayer (pre-norm, gelu)', () => {
    kd.manualSeed(4);
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, activation: 'gelu', normFirst: true, dtype: 'float64' });
    expect(kd.gradcheck((x) => layer.forward(x), [leaf64([3, 2, 4], 5)])).toBe(true);
  });

  it('Bilinear, Conv2d and BatchNorm1d in training', () => {
    kd.manualSeed(5);
    const bil = new nn.Bilinear(2, 3, 2, { dtype: 'float64' });
    expect(kd.gradcheck((a, b) => bil.forward(a, b), [leaf64([4, 2], 6), leaf64([4, 3], 7)])).toBe(true);
    const conv = new nn.Conv2d(2, 2, 2, { padding: 1, dtype: 'float64' });
    expect(kd.gradcheck((x) => conv.forward(x), [leaf64([1, 2, 3, 3], 8)])).toBe(true);
    const bn = new nn.BatchNorm1d(3, { dtype: 'float64', trackRunningStats: false });
    expect(kd.gradcheck((x) => bn.forward(x), [leaf64([4, 3], 9)])).toBe(true);
  });
});

describe('training and evaluation modes', () => {
  it('Dropout zeroes about p of the elements and rescales the rest in training, nothing in eval', () => {
    kd.manualSeed(0);
    const drop = new nn.Dropout(0.25);
    const y = Array.from(drop.forward(kd.ones([4000])).dataSync());
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros / y.length).toBeGreaterThan(0.22);
    expect(zeros / y.length).toBeLessThan(0.28);
    expect(y.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    drop.eval();
    expectClose(drop.forward(kd.ones([3])), [1, 1, 1]);
  });

  it('BatchNorm updates running statistics only in training, and uses them in eval', () => {
    const bn = new nn.BatchNorm1d(2);
    const x = kd.tensor([[1, 2], [3, 6]]);
    bn.forward(x);
    // running = 0.9·running + 0.1·batch (unbiased variance).
    expectClose(bn.runningMean!, [0.2, 0.4]);
    expectClose(bn.runningVar!, [0.9 + 0.1 * 2, 0.9 + 0.1 * 8]);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    bn.eval();
    bn.forward(x);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    expectClose(bn.forward(kd.tensor([[0.2, 0.4]])), [0, 0], { atol: 1e-6 });
  });
});

describe('printing', () => {
  it('prints layers with their settings', () => {
    expect(String(new nn.Conv2d(3, 16, 3, { padding: 1 }))).toBe('Conv2d(3, 16, kernelSize=[3, 3], stride=[1, 1], padding=[1, 1])');
    expect(String(new nn.BatchNorm2d(4))).toBe('BatchNorm2d(4, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)');
    expect(String(new nn.Embedding(10, 3, { paddingIdx: -1 }))).toBe('Embedding(10, 3, paddingIdx=9)');
    expect(String(new nn.Dropout(0.1))).toBe('Dropout(p=0.1)');
    expect(String(new nn.GELU({ approximate: 'tanh' }))).toBe("GELU(approximate='tanh')");
    expect(String(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 })).split('\n').slice(0, 3)).toEqual([
      'TransformerEncoderLayer(',
      '  (self_attn): MultiheadAttention(',
      '    embedDim=4, numHeads=2, batchFirst=false',
    ]);
  });

  it('exposes PyTorch’s snake_case members through camelCase accessors', () => {
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 });
    expect(layer.selfAttn).toBe(layer.self_attn);
    expect(layer.selfAttn.inProjWeight).toBe(layer.getParameter('self_attn.in_proj_weight'));
    expect(layer.selfAttn.outProj).toBe(layer.getSubmodule('self_attn.out_proj'));
  });
});

describe('layer errors', () => {
  const rows: { name: string; call: () => unknown; match: RegExp }[] = [
    { name: 'a fractional feature count', call: () => new nn.Linear(1.5, 2), match: /nn\.Linear: inFeatures must be an integer, got number 1\.5/ },
    { name: 'a negative feature count', call: () => new nn.Linear(-1, 2), match: /inFeatures must be non-negative, got -1/ },
    { name: 'an int32 dtype', call: () => new nn.Linear(1, 2, { dtype: 'int32' as 'float32' }), match: /parameters must be float32 or float64, got int32/ },
    { name: 'channels not divisible by groups', call: () => new nn.Conv2d(3, 4, 3, { groups: 2 }), match: /nn\.Conv2d: inChannels \(3\) must be divisible by groups \(2\)/ },
    { name: "padding 'same' with stride", call: () => new nn.Conv2d(3, 4, 3, { padding: 'same', stride: 2 }), match: /padding='same' is not supported for strided convolutions/ },
    { name: 'a kernel pair of the wrong length', call: () => new nn.Conv2d(3, 4, [3, 3, 3] as unknown as [number, number]), match: /kernelSize must be a number or an array of 2/ },
    { name: 'a dropout probability above 1', call: () => new nn.Dropout(1.5), match: /nn\.Dropout: dropout probability has to be between 0 and 1, but got number 1\.5/ },
    { name: 'embedDim not divisible by numHeads', call: () => new nn.MultiheadAttention(6, 4), match: /embedDim \(6\) must be divisible by numHeads \(4\)/ },
    { name: 'a paddingIdx out of range', call: () => new nn.Embedding(3, 2, { paddingIdx: 3 }), match: /paddingIdx must be within numEmbeddings \(3\), got number 3/ },
    { name: 'numChannels not divisible by numGroups', call: () => new nn.GroupNorm(3, 4), match: /numChannels \(4\) must be divisible by numGroups \(3\)/ },
    { name: 'a BatchNorm momentum above 1', call: () => new nn.BatchNorm1d(2, { momentum: 2 }), match: /momentum must be in \[0, 1\] or null, got number 2/ },
    { name: 'a 4-D input to BatchNorm1d', call: () => new nn.BatchNorm1d(2).forward(kd.ones([2, 2, 2, 2])), match: /BatchNorm1d: expected 2D or 3D input \(got 4D input\)/ },
    { name: 'the wrong channel count in GroupNorm', call: () => new nn.GroupNorm(2, 4).forward(kd.ones([2, 3, 2])), match: /GroupNorm: expected input \[N, 4, \*\], got \[2, 3, 2\]/ },
    { name: 'an unknown GELU approximation', call: () => new nn.GELU({ approximate: 'erf' as 'none' }), match: /approximate must be 'none' or 'tanh', got string erf/ },
    { name: 'Softmax without a dim', call: () => new (nn.Softmax as unknown as new () => kd.nn.Softmax)(), match: /dim must be an integer, got undefined \(usually the class dimension/ },
    { name: 'an unknown activation', call: () => new nn.TransformerEncoderLayer(4, 2, { activation: 'tanh' as 'relu' }), match: /activation should be 'relu' or 'gelu', a function or a Module, not string tanh/ },
    { name: 'MultiheadAttention with a 4-D query', call: () => new nn.MultiheadAttention(4, 2).forward(kd.ones([1, 1, 1, 4]), kd.ones([1, 1, 4]), kd.ones([1, 1, 4])), match: /multiheadAttention: expected query, key and value all 3-D/ },
    { name: 'a wrongly shaped attnMask', call: () => new nn.MultiheadAttention(4, 2).forward(kd.ones([2, 1, 4]), kd.ones([3, 1, 4]), kd.ones([3, 1, 4]), { attnMask: kd.zeros([2, 2]) }), match: /the shape of the 2D attnMask is \[2, 2\], but should be \[2, 3\]/ },
    { name: 'Unflatten with two -1', call: () => new nn.Unflatten(1, [-1, -1]), match: /only one dimension of unflattenedSize can be -1/ },
  ];
  for (const row of rows) it(`refuses ${row.name}`, () => expect(row.call).toThrow(row.match));
});
