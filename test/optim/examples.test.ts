/**
 * The examples in the TSDoc of src/optim (not lrScheduler/), run as written
 * (STYLE.md §14: every public example is executed by a test), with the
 * values their comments state. `model`, `loss`, `lossFn` and `f` are the
 * small stand-ins the examples assume.
 */
import { describe, expect, it } from 'vitest';
import { kd } from '../helpers.js';

const { nn, optim } = kd;
type Tensor = kd.Tensor;

class Model extends nn.Module {
  base = new nn.Sequential(new nn.Linear(1, 4), new nn.ReLU());
  classifier = new nn.Sequential(new nn.Linear(4, 3));
  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.base.forward(x));
  }
}

function setup(): { model: Model; lossFn: () => Tensor } {
  kd.manualSeed(0);
  const model = new Model();
  const x = kd.randn([5, 1]);
  const y = kd.tensor(Int32Array.from([0, 1, 2, 1, 0]), { shape: [5], dtype: 'int32' });
  return { model, lossFn: () => kd.crossEntropy(model.forward(x), y) };
}

/** Takes a few steps with `opt` and returns [first loss, last loss]. */
function trainWith(opt: { zeroGrad(): void; step(): unknown }, lossFn: () => Tensor, steps = 20): [number, number] {
  const first = lossFn().item();
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    lossFn().backward();
    opt.step();
  }
  return [first, lossFn().item()];
}

describe('the optim namespace and Optimizer', () => {
  it('optim (index.ts): the seed\'s call', () => {
    const { model } = setup();
    const opt = new optim.SGD([{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([[1e-2, 0.9], [1e-3, 0.9]]);
  });

  it('Optimizer', () => {
    const { model, lossFn } = setup();
    const [base, head] = [model.base.parameters(), model.classifier.parameters()];
    const opt = new optim.SGD([{ params: base }, { params: head, lr: 1e-3, name: 'head' }], { lr: 1e-2, momentum: 0.9 });
    const loss = lossFn();
    opt.zeroGrad(); loss.backward(); opt.step();
    expect(opt.paramGroups[1]!.lr).toBe(1e-3);
    expect(opt.paramGroups[1]!.name).toBe('head');
  });

  it('ParamGroupSpec', () => {
    const { model } = setup();
    const head = model.classifier.parameters();
    const opt = new optim.SGD([{ params: model.base.parameters() }, { params: head, lr: 1e-3, name: 'head' }], { lr: 1e-2, momentum: 0.9 });
    expect(opt.toString()).toContain('    name: \'head\'');
  });

  it('Optimizer.addParamGroup', () => {
    const { model } = setup();
    const opt = new optim.SGD(model.classifier.parameters(), { lr: 1e-2 });
    opt.addParamGroup({ params: model.base.parameters(), lr: 1e-4, name: 'base' });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 1e-4, name: 'base', momentum: 0 });
  });

  it('Optimizer.zeroGrad', () => {
    const { model, lossFn } = setup();
    const opt = new optim.SGD(model.parameters(), { lr: 1e-2 });
    const p = model.classifier.at(0, nn.Linear).weight;
    lossFn().backward();
    opt.zeroGrad();
    expect(p.grad).toBeNull();
    lossFn().backward();
    const g = p.grad;
    opt.zeroGrad({ setToNone: false });
    expect(p.grad).toBe(g);
    expect(Array.from(p.grad!.dataSync()).every((v) => v === 0)).toBe(true);
  });

  it('Optimizer.step', () => {
    const { model, lossFn } = setup();
    const opt = new optim.SGD(model.parameters(), { lr: 1e-1 });
    const first = lossFn().item();
    const loss = opt.step(() => { opt.zeroGrad(); const l = lossFn(); l.backward(); return l; });
    expect(loss.item()).toBeCloseTo(first, 6);
    expect(lossFn().item()).toBeLessThan(first);
  });

  it('Optimizer.registerStepPreHook', () => {
    const { model } = setup();
    const opt = new optim.SGD(model.parameters(), { lr: 1e-2 });
    const log: string[] = [];
    const console = { log: (s: string) => log.push(s) };
    const handle = opt.registerStepPreHook((o) => console.log(`step ${o.stepCount}`));
    opt.step();
    handle.remove();
    opt.step();
    expect(log).toEqual(['step 0']);
  });

  it('Optimizer.stateDict / loadStateDict', () => {
    const { model, lossFn } = setup();
    const opt = new optim.SGD(model.parameters(), { lr: 1e-2, momentum: 0.9 });
    trainWith(opt, lossFn, 3);
    const saved = opt.stateDict();
    const resumed = new optim.SGD(model.parameters(), { lr: 1e-2, momentum: 0.9 });
    resumed.loadStateDict(saved); // continues exactly where opt stopped
    const p = [...model.parameters()][0]!;
    expect(Array.from(resumed.state.get(p)!.momentumBuffer.dataSync())).toEqual(Array.from(opt.state.get(p)!.momentumBuffer.dataSync()));
  });

  it('fromPyTorchStateDict / toPyTorchStateDict', () => {
    expect(optim.fromPyTorchStateDict({ state: {}, param_groups: [{ lr: 0.1, weight_decay: 0, foreach: null, params: [0] }] }))
      .toEqual({ state: {}, paramGroups: [{ lr: 0.1, weightDecay: 0, params: [0] }] });
    const { model } = setup();
    const opt = new optim.SGD(model.parameters(), { lr: 1e-2, weightDecay: 1e-4 });
    expect(optim.toPyTorchStateDict(opt.stateDict()).param_groups[0]!['weight_decay']).toBe(1e-4);
  });
});

describe('each optimizer\'s example trains the model', () => {
  const examples: [string, (model: Model) => { zeroGrad(): void; step(): unknown }][] = [
    ['SGD', (model) => new optim.SGD([{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 })],
    ['Adam', (model) => new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.99] })],
    ['AdamW', (model) => {
      const decay = [...model.parameters()].filter((p) => p.ndim > 1);
      const noDecay = [...model.parameters()].filter((p) => p.ndim <= 1);
      return new optim.AdamW([{ params: decay }, { params: noDecay, weightDecay: 0 }], { lr: 1e-3 });
    }],
    ['RMSprop', (model) => new optim.RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true })],
    ['Adagrad', (model) => new optim.Adagrad(model.parameters(), { lr: 0.1, initialAccumulatorValue: 0.1 })],
    ['Adadelta', (model) => new optim.Adadelta(model.parameters(), { rho: 0.95 })],
    ['Adamax', (model) => new optim.Adamax(model.parameters(), { lr: 2e-3 })],
    ['NAdam', (model) => new optim.NAdam(model.parameters(), { lr: 2e-3 })],
    ['RAdam', (model) => new optim.RAdam(model.parameters(), { lr: 1e-3 })],
    ['ASGD', (model) => new optim.ASGD(model.parameters(), { lr: 1e-2, t0: 100 })],
    ['Rprop', (model) => new optim.Rprop(model.parameters(), { lr: 0.01, etas: [0.5, 1.2] })],
  ];
  for (const [name, make] of examples) {
    it(name, () => {
      const { model, lossFn } = setup();
      const [first, last] = trainWith(make(model), lossFn);
      expect(last).toBeLessThan(first);
    });
  }

  it('LBFGS', () => {
    const { model, lossFn: f } = setup();
    const first = f().item();
    const opt = new optim.LBFGS(model.parameters(), { lineSearchFn: 'strong_wolfe' });
    opt.step(() => { opt.zeroGrad(); const loss = f(); loss.backward(); return loss; });
    expect(f().item()).toBeLessThan(first);
  });
});
