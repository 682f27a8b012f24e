/**
 * Freezing and unfreezing, and the fine-tuning recipe end to end: train the
 * head with the base frozen, then unfreeze the base and add it as a new group
 * at a tenth of the lr with its own warm-up, under a schedule that runs
 * throughout. The trajectory is compared with the same recipe in PyTorch
 * (scripts/fixtures/sched.py `recipe()`), written there with per-group
 * LambdaLR factors since PyTorch cannot schedule a group added later.
 */
import { describe, expect, it } from 'vitest';
import { decode, type EncodedTensor } from '../fixtures.js';
import { expectClose, kd, loadFixture } from '../helpers.js';

const { nn, optim } = kd;
const S = optim.lrScheduler;

class Net extends nn.Module {
  base = new nn.Sequential(new nn.Linear(3, 8), new nn.Tanh());
  head = new nn.Linear(8, 2);
  forward(x: kd.Tensor): kd.Tensor {
    return this.head.forward(this.base.forward(x));
  }
}

describe('nn.utils.freeze / unfreeze', () => {
  it('a frozen module gets no grad, and the optimizer skips it without state', () => {
    const model = new Net();
    // Built before freezing (a stale grad to clear); the next test builds it after.
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const x = kd.randn([4, 3], { generator: new kd.Generator(1) });
    model.forward(x).sum().backward();
    expect(model.base.parameters().next().value!.grad).not.toBeNull();
    expect(nn.utils.freeze(model.base)).toBe(model.base);
    for (const p of model.base.parameters()) {
      expect(p.requiresGrad).toBe(false);
      expect(p.grad).toBeNull(); // NOTE: a stale grad is cleared (PyTorch keeps it)
    }
    const before = [...model.base.parameters()].map((p) => p.clone());
    const headBefore = model.head.weight.clone();
    opt.zeroGrad();
    model.forward(x).sum().backward();
    opt.step();
    [...model.base.parameters()].forEach((p, i) => {
      expect(p.grad).toBeNull();
      expect(opt.state.has(p)).toBe(false);
      expectClose(p, before[i]!, { atol: 0, rtol: 0 });
    });
    expect(opt.state.has(model.head.weight)).toBe(true);
    expect(model.head.weight.sub(headBefore).abs().sum().item()).toBeGreaterThan(0);
    nn.utils.unfreeze(model.base);
    expect([...model.base.parameters()].every((p) => p.requiresGrad)).toBe(true);
  });

  it('an optimizer made over a frozen module holds it without state until it is unfrozen', () => {
    const model = new Net();
    nn.utils.freeze(model.base);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const x = kd.randn([4, 3], { generator: new kd.Generator(2) });
    const base = [...model.base.parameters()];
    const before = base.map((p) => p.clone());
    const train = (): void => {
      opt.zeroGrad();
      model.forward(x).sum().backward();
      opt.step();
    };
    train();
    train();
    base.forEach((p, i) => {
      expect(p.grad).toBeNull();
      expect(opt.state.has(p)).toBe(false);
      expectClose(p, before[i]!, { atol: 0, rtol: 0 });
    });
    nn.utils.unfreeze(model.base);
    train();
    base.forEach((p, i) => {
      expect(opt.state.has(p)).toBe(true);
      expect(p.sub(before[i]!).abs().max().item()).toBeGreaterThan(0);
    });
    // Frozen again after stepping with momentum: its momentum does not move it any more.
    nn.utils.freeze(model.base);
    const frozenAt = base.map((p) => p.clone());
    train();
    base.forEach((p, i) => expectClose(p, frozenAt[i]!, { atol: 0, rtol: 0 }));
  });

  it('takes a module, parameters, or one parameter', () => {
    const model = new Net();
    nn.utils.freeze(model.head.parameters());
    expect(model.head.weight.requiresGrad).toBe(false);
    nn.utils.unfreeze(model.head.weight);
    expect([model.head.weight.requiresGrad, model.head.bias!.requiresGrad]).toEqual([true, false]);
    nn.utils.unfreeze([model.head.bias!]);
    expect(model.head.bias!.requiresGrad).toBe(true);
  });

  it.each([
    { call: () => nn.utils.freeze(3 as never), error: kd.ArgumentTypeError, match: /freeze: expected a Module, a parameter or an iterable of parameters, got number 3/ },
    { call: () => nn.utils.unfreeze([kd.ones([2]), 'w'] as never), error: kd.ArgumentTypeError, match: /unfreeze: element 1 is string w, not a parameter/ },
    { call: () => nn.utils.freeze([kd.ones([2], { requiresGrad: true }).mul(2)]), error: kd.ValueError, match: /freeze: element 0 is not a leaf tensor \(it was computed by MulBackward0\)/ },
    { call: () => nn.utils.unfreeze([kd.ones([2], { dtype: 'int32' })]), error: kd.ValueError, match: /unfreeze: element 0 has dtype int32; only floating point tensors can require gradients/ },
  ])('refuses $match', ({ call, error, match }) => {
    expect(call).toThrow(error);
    expect(call).toThrow(match);
  });

  it('a refused call changes nothing', () => {
    const p = kd.ones([2], { requiresGrad: true });
    expect(() => nn.utils.freeze([p, 'x'] as never)).toThrow(kd.ArgumentTypeError);
    expect(p.requiresGrad).toBe(true);
  });
});

interface RecipeFixture {
  config: {
    steps: number; unfreeze_at: number; head_lr: number; base_lr: number; warmup_steps: number; warmup_start: number;
    base_warmup_steps: number; base_warmup_start: number; cosine_t_max: number; momentum: number;
  };
  init: Record<string, EncodedTensor>;
  x: EncodedTensor;
  y: EncodedTensor;
  lr: [number, number][];
  loss: number[];
  final: Record<string, EncodedTensor>;
}

describe('the freeze / unfreeze recipe matches PyTorch', () => {
  it('head first with a warm-up under a cosine schedule, then the base joins at a tenth of the lr with its own warm-up', () => {
    const f = loadFixture<RecipeFixture>('sched_recipe');
    const r = f.config;
    const model = new Net();
    model.loadStateDict(Object.fromEntries(Object.entries(f.init).map(([k, v]) => [k, decode(v)])));
    const x = decode(f.x);
    const y = decode(f.y);

    nn.utils.freeze(model.base);
    const opt = new optim.SGD([{ params: model.head.parameters(), lr: r.head_lr, name: 'head' }], { lr: r.head_lr, momentum: r.momentum });
    // The schedule for the whole run: a warm-up and a cosine decay, on every group (also the ones added later).
    const sched = new S.ChainedScheduler([
      new S.LinearLR(opt, { startFactor: r.warmup_start, totalIters: r.warmup_steps }),
      new S.CosineAnnealingLR(opt, { tMax: r.cosine_t_max }),
    ]);
    let baseWarmup: InstanceType<typeof S.LinearLR> | undefined;
    const lrs: [number, number][] = [];
    const losses: number[] = [];
    for (let t = 0; t < r.steps; t++) {
      if (t === r.unfreeze_at) {
        nn.utils.unfreeze(model.base);
        // Joins at a tenth of the head's lr now (the lr given is kept), follows the running schedule
        // in proportion from there, and gets its own warm-up on top.
        expect(opt.paramGroups[0]!.lr / 10).toBeCloseTo(r.base_lr * (1 + Math.cos((Math.PI * t) / r.cosine_t_max)) / 2, 15);
        opt.addParamGroup({ params: model.base.parameters(), lr: opt.paramGroups[0]!.lr / 10, name: 'base' });
        baseWarmup = new S.LinearLR(opt, { startFactor: r.base_warmup_start, totalIters: r.base_warmup_steps, groups: ['base'] });
      }
      lrs.push([opt.paramGroups[0]!.lr, opt.paramGroups[1]?.lr ?? 0]);
      opt.zeroGrad();
      const loss = nn.functional.mseLoss(model.forward(x), y);
      loss.backward();
      opt.step();
      sched.step();
      baseWarmup?.step();
      losses.push(loss.item());
    }

    lrs.forEach((row, t) => expectClose(kd.tensor(row, { dtype: 'float64' }), f.lr[t]!, { atol: 1e-15, rtol: 1e-12, label: `lr at step ${t}` }));
    expectClose(kd.tensor(losses, { dtype: 'float64' }), f.loss, { atol: 1e-6, rtol: 1e-5, label: 'losses' });
    const sd = model.stateDict();
    for (const [k, v] of Object.entries(f.final)) expectClose(sd[k]!, decode(v), { atol: 1e-6, rtol: 1e-5, label: k });
    // The base really trained only after it was unfrozen: its weights moved from their initial values.
    expect(sd['base.0.weight']!.sub(decode(f.init['base.0.weight']!)).abs().max().item()).toBeGreaterThan(1e-4);
    expect(opt.paramGroups.map((g) => g.name)).toEqual(['head', 'base']);
  });
});
