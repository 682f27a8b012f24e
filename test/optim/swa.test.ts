/**
 * optim.swaUtils against PyTorch (scripts/fixtures/swa.py): averaged models
 * (SWA, EMA, with and without buffers), updateBn, SWALR's lrs, and a whole
 * SWA run that switches from a cosine schedule to SWALR with two groups.
 */
import { describe, expect, it } from 'vitest';
import { decode, type EncodedTensor } from '../fixtures.js';
import { expectClose, kd, loadFixture } from '../helpers.js';
import { expectTable, makeOptimizer } from './lrScheduler/cases.js';

const { nn, optim } = kd;
const { AveragedModel, SWALR, updateBn } = optim.swaUtils;

type State = Record<string, EncodedTensor>;
const load = (sd: State): Record<string, kd.Tensor> => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, decode(v)]));

function smallModel(): kd.nn.Sequential {
  return new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.ReLU(), new nn.Linear(4, 2));
}

function expectState(actual: Record<string, kd.Tensor>, expected: State, label: string, tol = { atol: 1e-6, rtol: 1e-5 }): void {
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  for (const [k, v] of Object.entries(expected)) expectClose(actual[k]!, decode(v), { ...tol, label: `${label} ${k}` });
}

describe('AveragedModel matches PyTorch', () => {
  const f = loadFixture<{ cases: { name: string; decay: number | null; useBuffers: boolean; snapshots: State[]; states: State[] }[] }>('swa_averaged');

  it.each(f.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const model = smallModel();
    const swa = new AveragedModel(model, { ...(c.decay !== null ? { decay: c.decay } : {}), useBuffers: c.useBuffers });
    c.snapshots.forEach((snap, i) => {
      model.loadStateDict(load(snap));
      swa.updateParameters(model);
      expectState(swa.stateDict(), c.states[i]!, `${c.name} update ${i}`);
      expect(swa.nAveraged).toBe(i + 1);
    });
  });

  it('copies the model (its own tensors) and keeps PyTorch\'s state dict layout', () => {
    const model = smallModel();
    const swa = new AveragedModel(model);
    expect(Object.keys(swa.stateDict())).toEqual(['n_averaged', ...Object.keys(model.stateDict()).map((k) => `module.${k}`)]);
    const w = (model.at(0) as kd.nn.Linear).weight;
    const sw = (swa.module.at(0) as kd.nn.Linear).weight;
    expect(sw).not.toBe(w);
    expect(sw.toArray()).toEqual(w.toArray());
    kd.noGrad(() => w.add_(1));
    expect(sw.toArray()).not.toEqual(w.toArray());
    expect(swa.forward(kd.ones([2, 3])).shape).toEqual([2, 2]);
  });

  it('avgFn, multiAvgFn and decay are the same EMA', () => {
    const runs = [{ decay: 0.8 }, { avgFn: optim.swaUtils.getEmaAvgFn(0.8) }, { multiAvgFn: optim.swaUtils.getEmaMultiAvgFn(0.8) }].map((options) => {
      const model = new nn.Linear(2, 2);
      kd.noGrad(() => model.weight.fill_(1));
      const swa = new AveragedModel(model, options);
      swa.updateParameters(model);
      kd.noGrad(() => model.weight.fill_(2));
      swa.updateParameters(model);
      return swa.module.weight.toArray();
    });
    expect(runs[0]).toEqual([[1.2000000476837158, 1.2000000476837158], [1.2000000476837158, 1.2000000476837158]]);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });

  it.each([
    { name: 'two averaging rules', call: () => new AveragedModel(smallModel(), { decay: 0.9, avgFn: optim.swaUtils.getSwaAvgFn() }), error: kd.ArgumentTypeError, match: /AveragedModel: give only one of avgFn, multiAvgFn and decay, got avgFn and decay/ },
    { name: 'a decay outside [0, 1]', call: () => new AveragedModel(smallModel(), { decay: 1.5 }), error: kd.ValueError, match: /AveragedModel: Invalid decay value 1\.5 provided\. Please provide a value in \[0,1\] range\./ },
    { name: 'a misspelt option', call: () => new AveragedModel(smallModel(), { usebuffers: true } as never), error: kd.ArgumentTypeError, match: /AveragedModel: unknown option 'usebuffers' \(did you mean 'useBuffers'\?\)/ },
    { name: 'not a module', call: () => new AveragedModel({} as never), error: kd.ArgumentTypeError, match: /AveragedModel: expected a Module to average/ },
    { name: 'another model', call: () => new AveragedModel(smallModel()).updateParameters(new nn.Sequential(new nn.Linear(3, 5)) as never), error: kd.ValueError, match: /AveragedModel\.updateParameters: the model does not match the averaged one: 2 tensors to average into 6/ },
  ])('refuses $name', ({ call, error, match }) => {
    expect(call).toThrow(error);
    expect(call).toThrow(match);
  });
});

describe('updateBn matches PyTorch', () => {
  const f = loadFixture<{ init: State; batches: EncodedTensor[]; tensors: State; pairs: State }>('swa_update_bn');

  it.each(['tensors', 'pairs'] as const)('a loader of %s: statistics recomputed, momentum and mode put back', (kind) => {
    const model = smallModel();
    const bn = model.at(1) as kd.nn.BatchNorm1d;
    (bn as { momentum: number | null }).momentum = 0.3;
    model.loadStateDict(load(f.init));
    model.eval();
    const batches = f.batches.map((b) => decode(b));
    updateBn(kind === 'tensors' ? batches : batches.map((b) => [b, kd.zeros([5])] as [kd.Tensor, kd.Tensor]), model);
    expectState(model.stateDict(), f[kind], kind);
    expect(bn.momentum).toBe(0.3);
    expect(model.training).toBe(false);
  });

  it('covers BatchNorm3d (every BatchNorm layer, as PyTorch\'s _BatchNorm check): forward and statistics as PyTorch', () => {
    const g = loadFixture<{ batches: EncodedTensor[]; x: EncodedTensor; train_output: EncodedTensor; eval_before: EncodedTensor; eval_after: EncodedTensor; state: State }>('swa_update_bn_3d');
    const model = new nn.Sequential(new nn.BatchNorm3d(2, { momentum: 0.2 }), new nn.Tanh(), new nn.BatchNorm3d(2, { affine: false }));
    const first = model.at(0, nn.BatchNorm3d);
    kd.noGrad(() => {
      first.weight!.copy_(kd.tensor([1.5, -0.5]));
      first.bias!.copy_(kd.tensor([0.1, 0.2]));
    });
    const x = decode(g.x);
    expectClose(model.forward(x), decode(g.train_output), { atol: 1e-6, rtol: 1e-5, label: 'train output' });
    model.eval();
    expectClose(model.forward(x), decode(g.eval_before), { atol: 1e-6, rtol: 1e-5, label: 'eval before' });
    updateBn(g.batches.map((b) => decode(b)), model);
    expectState(model.stateDict(), g.state, 'after updateBn');
    expectClose(model.forward(x), decode(g.eval_after), { atol: 1e-6, rtol: 1e-5, label: 'eval after' });
    expect(first.momentum).toBe(0.2);
    expect(model.training).toBe(false);
    expect(() => first.forward(kd.zeros([2, 2, 3]))).toThrow(/BatchNorm3d: expected 5D input \(got 3D input\)/);
  });

  it('takes a DataLoader, and refuses batches it cannot read', () => {
    const model = smallModel();
    const data = new kd.data.TensorDataset(kd.randn([12, 3]), kd.zeros([12]));
    updateBn(new kd.data.DataLoader(data, { batchSize: 4 }), model);
    expect((model.at(1) as kd.nn.BatchNorm1d).numBatchesTracked!.item()).toBe(3);
    expect(() => updateBn([['x']] as never, model)).toThrow(/swaUtils\.updateBn: batch 0 is \['x'\]; a batch must be a tensor or an array whose first element is the input tensor/);
    expect(() => updateBn(3 as never, model)).toThrow(/swaUtils\.updateBn: the loader must be an iterable/);
    expect((model.at(1) as kd.nn.BatchNorm1d).momentum).toBe(0.1);
  });
});

describe('SWALR matches PyTorch', () => {
  const f = loadFixture<{ cases: { name: string; kwargs: Record<string, unknown>; steps: number; lr: number[][] }[] }>('swa_swalr');

  it.each(f.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const opt = makeOptimizer('sgd');
    const k = c.kwargs;
    const sched = new SWALR(opt, { swaLr: k['swa_lr'] as number, annealEpochs: k['anneal_epochs'] as number, ...(k['anneal_strategy'] !== undefined ? { annealStrategy: k['anneal_strategy'] as 'linear' } : {}) });
    const lrs = [opt.paramGroups.map((g) => g.lr)];
    for (let t = 0; t < c.steps; t++) {
      opt.step();
      sched.step();
      lrs.push(opt.paramGroups.map((g) => g.lr));
    }
    expectTable(lrs, c.lr, c.name);
    expect(String(sched)).toMatch(/^SWALR \(\n {4}swaLrs: /);
  });

  it('refuses a bad anneal strategy or epochs', () => {
    expect(() => new SWALR(makeOptimizer('sgd'), { swaLr: 0.1, annealStrategy: 'exp' as never })).toThrow(/SWALR: annealStrategy must be one of 'cos', 'linear', got 'exp'/);
    expect(() => new SWALR(makeOptimizer('sgd'), { swaLr: 0.1, annealEpochs: -1 })).toThrow(/SWALR: annealEpochs must be a non-negative integer, got -1/);
    expect(() => new SWALR(makeOptimizer('sgd'), { swaLr: [0.1] })).toThrow(/SWALR: expected 3 values for swaLr/);
  });
});

describe('a whole SWA run matches PyTorch', () => {
  interface Run {
    config: { epochs: number; swa_start: number; batch: number; samples: number; lrs: number[]; momentum: number; t_max: number; eta_min: number; swa_lrs: number[]; anneal_epochs: number };
    init: State; x: EncodedTensor; y: EncodedTensor; lr: number[][]; loss: number[]; model: State; swa: State;
  }

  it('cosine then SWALR at the SWA epoch, two groups, the averaged model and updateBn at the end', () => {
    const f = loadFixture<Run>('swa_run');
    const r = f.config;
    const model = new nn.Sequential(new nn.Linear(3, 8), new nn.BatchNorm1d(8), new nn.Tanh(), new nn.Linear(8, 2));
    model.loadStateDict(load(f.init));
    const x = decode(f.x);
    const y = decode(f.y);
    const batches: [kd.Tensor, kd.Tensor][] = [];
    for (let i = 0; i < r.samples; i += r.batch) batches.push([x.narrow(0, i, r.batch), y.narrow(0, i, r.batch)]);
    const opt = new optim.SGD([
      { params: model.at(0).parameters(), lr: r.lrs[0]! },
      { params: [...model.at(1).parameters(), ...model.at(3).parameters()], lr: r.lrs[1]! },
    ], { lr: r.lrs[1]!, momentum: r.momentum });
    const swaModel = new AveragedModel(model);
    const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: r.t_max, etaMin: r.eta_min, scaleByLrMult: false });
    const swaSched = new SWALR(opt, { swaLr: r.swa_lrs, annealEpochs: r.anneal_epochs });
    const lrs: number[][] = [];
    const losses: number[] = [];
    for (let epoch = 0; epoch < r.epochs; epoch++) {
      lrs.push(opt.paramGroups.map((g) => g.lr));
      for (const [xb, yb] of batches) {
        opt.zeroGrad();
        const loss = nn.functional.mseLoss(model.forward(xb) as kd.Tensor, yb);
        loss.backward();
        opt.step();
        losses.push(loss.item());
      }
      if (epoch >= r.swa_start) {
        swaModel.updateParameters(model);
        swaSched.step();
      } else sched.step();
    }
    lrs.push(opt.paramGroups.map((g) => g.lr));
    updateBn(batches, swaModel);
    expectTable(lrs, f.lr, 'lr', 1e-12, 1e-15);
    expectClose(kd.tensor(losses, { dtype: 'float64' }), f.loss, { atol: 1e-6, rtol: 1e-5, label: 'losses' });
    expectState(model.stateDict(), f.model, 'model', { atol: 1e-5, rtol: 1e-4 });
    expectState(swaModel.stateDict(), f.swa, 'swa', { atol: 1e-5, rtol: 1e-4 });
    expect(swaModel.nAveraged).toBe(r.epochs - r.swa_start);
  });
});
