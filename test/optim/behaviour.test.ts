/**
 * How steps behave (PyTorch's TestOptim cases, §9.2 of the reference, ported
 * as tables over every optimizer): direction of travel, maximize, groups,
 * skipped parameters, zero grads, closures, hooks, live groups, printing,
 * non-contiguous and mixed-dtype parameters.
 */
import { describe, expect, it } from 'vitest';
import { backend, registerBackend, setBackend } from '../../src/backend/index.js';
import { CASES, problem, seeded, train, values, type Params } from './cases.js';
import { AutogradError, Generator, ParamGroupError, ValueError, noGrad, optim, randn, tensor, zeros, type Tensor } from './lib.js';

/** The backend entry points called while `run` runs, with their counts (a spy wrapped around the current backend). */
function backendCalls(run: () => void): Record<string, number> {
  const real = backend();
  const calls: Record<string, number> = {};
  const spy = new Proxy(real, {
    get(target, key, receiver) {
      if (key === 'name') return 'optim-spy';
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls[String(key)] = (calls[String(key)] ?? 0) + 1;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  registerBackend(spy);
  setBackend('optim-spy');
  try {
    run();
  } finally {
    setBackend(real.name);
  }
  return calls;
}

const KERNEL: Record<string, string> = {
  SGD: 'sgdStep', Adam: 'adamStep', AdamW: 'adamStep', RMSprop: 'rmspropStep', Adagrad: 'adagradStep', Adadelta: 'adadeltaStep',
  Adamax: 'adamaxStep', NAdam: 'nadamStep', RAdam: 'radamStep', ASGD: 'asgdStep', Rprop: 'rpropStep',
};

describe('one pass per group: each group is one call of the optimizer\'s fused kernel', () => {
  for (const [name, make] of CASES) {
    it(name, () => {
      const { weight, bias, loss } = problem();
      const extra = seeded([4], 9);
      const idle = seeded([2], 10);
      const opt = make([{ params: [weight] }, { params: [bias, extra], lr: 1e-3 }, { params: [idle] }]);
      loss().add(extra.pow(2).sum()).backward();
      opt.step(); // states are created on the first step; count the second
      const calls = backendCalls(() => opt.step());
      // Two groups with grads → two kernel calls, and no other backend work (no per-term op
      // dispatch); the group whose parameter has no grad costs nothing.
      expect(calls).toEqual({ [KERNEL[opt.name]!]: 2 });
    });
  }
});

describe('every optimizer, every configuration', () => {
  for (const [name, make] of CASES) {
    describe(name, () => {
      it('goes downhill on ‖Wx + b‖², with two groups (one a bare tensor)', () => {
        const { weight, bias, loss } = problem();
        const opt = make([{ params: [weight] }, { params: bias, lr: 1e-2 }]);
        const [before, after] = train(opt, loss, 30);
        expect(after).toBeLessThan(before);
      });

      it('goes uphill with maximize', () => {
        if (name.startsWith('ASGD t0')) return; // covered by the plain ASGD row
        const { weight, bias, loss } = problem();
        const [before, after] = train(make([weight, bias], { maximize: true }), loss, 10);
        expect(after).toBeGreaterThan(before);
      });

      it('maximize on f equals minimize on −f', () => {
        const a = problem();
        const b = problem();
        train(make([a.weight, a.bias], { maximize: true }), () => a.loss(), 5);
        train(make([b.weight, b.bias]), () => b.loss().neg(), 5);
        expect(values([a.weight, a.bias])).toEqual(values([b.weight, b.bias]));
      });

      it('leaves parameters without grad untouched and gives them no state', () => {
        const { weight, bias } = problem();
        const before = values([weight, bias]);
        const opt = make([weight, bias]);
        const loss = opt.step(() => tensor(1));
        expect(loss.item()).toBe(1);
        expect(values([weight, bias])).toEqual(before);
        expect(opt.state.size).toBe(0);
      });

      it('does not move parameters whose grads are zero (without weight decay)', () => {
        if (/weightDecay|AdamW/.test(name)) return; // decay moves parameters by design
        const { weight, bias } = problem();
        const before = values([weight, bias]);
        // NOTE: ASGD shrinks θ by (1 − λη) every step; λ = 0 makes a zero grad a no-op (as PyTorch's test does).
        const opt = make([weight, bias], name.startsWith('ASGD') ? { lambd: 0 } : {});
        for (let i = 0; i < 3; i++) {
          weight.grad = zeros(weight.shape);
          bias.grad = zeros(bias.shape);
          opt.step();
        }
        expect(values([weight, bias])).toEqual(before);
        expect(opt.state.size).toBe(name.startsWith('SGD') && !name.includes('momentum') ? 0 : 2);
      });

      it('keeps a parameter in a group with lr 0 bit-identical while the others move', () => {
        // NOTE: Rprop's lr is only its initial step size, which is clamped up to stepSizes[0]: lr 0 still moves.
        if (name.startsWith('Rprop')) return;
        const { weight, bias, loss } = problem();
        const before = values([bias]);
        const opt = make([{ params: [weight] }, { params: [bias], lr: 0 }]);
        const w0 = values([weight]);
        train(opt, loss, 5);
        expect(values([bias])).toEqual(before);
        expect(values([weight])).not.toEqual(w0);
      });

      it('updates a non-contiguous parameter exactly as its contiguous copy', () => {
        const base = seeded([5, 4], 7);
        const strided = noGrad(() => base.detach().t()).requiresGrad_();
        const dense = noGrad(() => strided.detach().contiguous().clone()).requiresGrad_();
        expect(strided.isContiguous()).toBe(false);
        const target = randn([4, 5], { generator: new Generator(8) });
        const loss = (p: Tensor) => (): Tensor => p.sub(target).pow(2).mul(p.add(1)).sum();
        train(make([strided]), loss(strided), 4);
        train(make([dense]), loss(dense), 4);
        expect(values([strided.contiguous()])).toEqual(values([dense]));
        expect(base.storage.data).toBe(strided.storage.data);
      });

      it('handles float32 and float64 parameters in one group like separate groups', () => {
        const a = [seeded([3], 11), seeded([2], 12, 'float64')];
        const b = [seeded([3], 11), seeded([2], 12, 'float64')];
        const loss = (ps: Tensor[]) => (): Tensor => ps[0]!.pow(2).sum().add(ps[1]!.sub(1).pow(2).sum().float());
        train(make(a), loss(a), 4);
        train(make([{ params: [b[0]!] }, { params: [b[1]!] }]), loss(b), 4);
        expect(values(a)).toEqual(values(b));
        expect(a[1]!.dtype).toBe('float64');
      });

      it('keeps state for every parameter that stepped, and none empty', () => {
        const { weight, bias, loss } = problem();
        const opt = make([weight, bias]);
        train(opt, loss, 1);
        const expected = name === 'SGD' ? 0 : 2;
        expect(opt.state.size).toBe(expected);
        for (const s of opt.state.values()) expect(Object.keys(s).length).toBeGreaterThan(0);
      });

      it('prints as PyTorch: class name, then each group\'s keys sorted', () => {
        const { weight, bias } = problem();
        const opt = make([{ params: [weight], name: 'body' }, { params: [bias] }]);
        const text = opt.toString();
        expect(text.startsWith(`${opt.name} (\nParameter Group 0\n`)).toBe(true);
        expect(text).toContain('    name: \'body\'');
        expect(text).toContain('\nParameter Group 1\n');
        expect(text.endsWith('\n)')).toBe(true);
        const keys = text.split('\n').filter((l) => l.startsWith('    ')).slice(0, Object.keys(opt.paramGroups[0]!).length - 1).map((l) => l.trim().split(':')[0]!);
        expect(keys).toEqual([...keys].sort());
      });

      it('bumps the parameters\' version counters, so a graph that saved them refuses to run', () => {
        const p = seeded([3], 5);
        const y = p.mul(p).sum();
        const opt = make([p]);
        p.grad = tensor([1, 1, 1]);
        opt.step();
        expect(() => y.backward()).toThrow(AutogradError);
      });
    });
  }
});

describe('with learning-rate schedulers stepped every iteration (PyTorch\'s test_*_with_lrscheduler)', () => {
  const schedulers: [string, (opt: optim.Optimizer) => () => void][] = [
    ['StepLR', (o) => { const s = new optim.lrScheduler.StepLR(o, { stepSize: 5, gamma: 0.5 }); return () => s.step(); }],
    ['ExponentialLR', (o) => { const s = new optim.lrScheduler.ExponentialLR(o, { gamma: 0.95 }); return () => s.step(); }],
    ['LinearLR', (o) => { const s = new optim.lrScheduler.LinearLR(o, { startFactor: 0.5, totalIters: 10 }); return () => s.step(); }],
    ['ConstantLR', (o) => { const s = new optim.lrScheduler.ConstantLR(o, { factor: 0.5, totalIters: 5 }); return () => s.step(); }],
  ];
  for (const [name, make] of CASES) {
    it(`${name}: two groups (one with its own lr) still go downhill, and the schedule reaches both groups`, () => {
      for (const [sched, attach] of schedulers) {
        const { weight, bias, loss } = problem();
        const opt = make([{ params: [weight] }, { params: [bias], lr: 5e-3 }]);
        const lrs0 = opt.paramGroups.map((g) => g.lr);
        const step = attach(opt);
        const first = loss().item();
        for (let i = 0; i < 20; i++) {
          opt.zeroGrad();
          loss().backward();
          opt.step();
          step();
        }
        expect(loss().item(), sched).toBeLessThan(first);
        const [r0, r1] = opt.paramGroups.map((g, i) => g.lr / lrs0[i]!);
        expect(r1!, sched).toBeCloseTo(r0!, 12);
      }
      const { weight, bias, loss } = problem();
      const opt = make([{ params: [weight] }, { params: [bias], lr: 5e-3 }]);
      const plateau = new optim.lrScheduler.ReduceLROnPlateau(opt, { patience: 1 });
      const first = loss().item();
      for (let i = 0; i < 20; i++) {
        opt.zeroGrad();
        const l = loss();
        l.backward();
        opt.step();
        plateau.step(l.item());
      }
      expect(loss().item(), 'ReduceLROnPlateau').toBeLessThan(first);
    });
  }
});

describe('a group without weight decay next to one with it (PyTorch\'s test_param_groups_weight_decay)', () => {
  for (const [name, make] of CASES) {
    if (name.startsWith('Rprop')) continue; // Rprop has no weight decay
    it(name, () => {
      const { weight, bias, loss } = problem();
      const opt = make([{ params: [weight], weightDecay: 0.1 }, { params: [bias], weightDecay: 0 }] as Params);
      expect(opt.paramGroups.map((g) => (g as unknown as { weightDecay: number }).weightDecay)).toEqual([0.1, 0]);
      const [before, after] = train(opt, loss, 20);
      expect(after).toBeLessThan(before);
    });
  }
});

describe('step', () => {
  it('returns the closure\'s result, runs it with grad enabled, and returns undefined without one', () => {
    const p = seeded([2], 1);
    const opt = new optim.SGD([p], { lr: 0.1 });
    const loss = noGrad(() =>
      opt.step(() => {
        opt.zeroGrad();
        const l = p.pow(2).sum();
        l.backward();
        return l;
      }),
    );
    expect(loss.requiresGrad).toBe(true);
    expect(opt.step()).toBeUndefined();
  });

  it('propagates an error thrown by the closure without updating anything', () => {
    const p = seeded([2], 1);
    p.grad = tensor([1, 1]);
    const opt = new optim.SGD([p], { lr: 0.1 });
    const before = values([p]);
    expect(() => opt.step(() => {
      throw new Error('closure failed');
    })).toThrow('closure failed');
    expect(values([p])).toEqual(before);
  });

  it('reads the live groups: an lr change takes effect on the next step', () => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.5 });
    p.grad = tensor([1]);
    opt.step();
    opt.paramGroups[0]!.lr = 0.25;
    opt.step();
    expect(values([p])).toEqual([[-0.75]]);
  });

  it('checks the live groups before stepping and changes nothing when one is bad', () => {
    const p = zeros([1], { requiresGrad: true });
    const q = zeros([1], { requiresGrad: true });
    const opt = new optim.SGD([{ params: [p] }, { params: [q], name: 'head' }], { lr: 0.5 });
    p.grad = tensor([1]);
    q.grad = tensor([1]);
    (opt.paramGroups[1] as unknown as Record<string, unknown>).lr = '0.1';
    expect(() => opt.step()).toThrow(/SGD\.step: lr must be a number, got '0\.1' in parameter group 1 \('head'\)/);
    opt.paramGroups[1]!.lr = -1;
    expect(() => opt.step()).toThrow(ValueError);
    delete (opt.paramGroups[1] as Partial<optim.ParamGroup<optim.SGDOptions>>).momentum;
    opt.paramGroups[1]!.lr = 0.1;
    expect(() => opt.step()).toThrow(/parameter group 1 \('head'\) didn't specify a value of required optimization parameter momentum/);
    expect(values([p, q])).toEqual([[0], [0]]);
  });

  it('LBFGS needs a closure', () => {
    const opt = new optim.LBFGS([seeded([2], 1)]);
    expect(() => opt.step()).toThrow(/LBFGS needs a closure that re-evaluates the model and returns the loss/);
  });

  it('LBFGS refuses a closure that does not return the loss', () => {
    const p = seeded([2], 1);
    const opt = new optim.LBFGS([p]);
    expect(() => opt.step(() => 'low')).toThrow(/LBFGS\.step: the closure must return the loss \(a number or a 1-element tensor\), got low/);
  });

  it('LBFGS returns the closure\'s first loss whatever the tolerance (PyTorch\'s test_lbfgs_returns_consistent_type)', () => {
    for (const toleranceGrad of [Infinity, -Infinity]) {
      const { weight, bias, loss } = problem();
      const before = values([weight, bias]);
      const opt = new optim.LBFGS([weight, bias], { toleranceGrad, toleranceChange: toleranceGrad, maxIter: 3 });
      const results: Tensor[] = [];
      const out = opt.step(() => {
        opt.zeroGrad();
        const l = loss();
        l.backward();
        results.push(l);
        return l;
      });
      expect(out).toBe(results[0]);
      // +∞: the gradient is already "small enough", nothing moves; −∞: it iterates.
      if (toleranceGrad === Infinity) expect(values([weight, bias])).toEqual(before);
      else expect(values([weight, bias])).not.toEqual(before);
    }
  });

  it('LBFGS minimizes a quadratic, with and without line search', () => {
    for (const lineSearchFn of [null, 'strong_wolfe'] as const) {
      const { weight, bias, loss } = problem();
      const opt = new optim.LBFGS([weight, bias], { lineSearchFn, maxIter: 10 });
      const first = loss().item();
      for (let i = 0; i < 3; i++) {
        opt.step(() => {
          opt.zeroGrad();
          const l = loss();
          l.backward();
          return l;
        });
      }
      expect(loss().item()).toBeLessThan(first * 1e-3);
    }
  });

  it('Adagrad: a group added later steps (PyTorch 1.13: KeyError \'sum\') and uses its own initialAccumulatorValue', () => {
    const p = zeros([1], { requiresGrad: true });
    const q = zeros([1], { requiresGrad: true });
    const opt = new optim.Adagrad([p], { lr: 1 });
    opt.addParamGroup({ params: [q], initialAccumulatorValue: 3 });
    p.grad = tensor([1]);
    q.grad = tensor([1]);
    opt.step();
    expect(opt.state.get(q)!.sum.item()).toBe(4);
    expect(opt.state.get(p)!.sum.item()).toBe(1);
    expect(values([q])).toEqual([[-0.5]]);
  });

  it('switching amsgrad on, or momentum on for RMSprop, mid-run starts the new buffer at zero', () => {
    const p = seeded([2], 3);
    const adam = new optim.Adam([p]);
    p.grad = tensor([1, 1]);
    adam.step();
    adam.paramGroups[0]!.amsgrad = true;
    adam.step();
    expect(adam.state.get(p)!.maxExpAvgSq).toBeDefined();
    const rms = new optim.RMSprop([p]);
    rms.step();
    rms.paramGroups[0]!.momentum = 0.5;
    rms.paramGroups[0]!.centered = true;
    rms.step();
    expect(Object.keys(rms.state.get(p)!).sort()).toEqual(['gradAvg', 'momentumBuffer', 'squareAvg', 'step']);
  });
});

describe('zeroGrad', () => {
  it('sets grads to null by default (PyTorch 2.x)', () => {
    const p = seeded([2], 1);
    p.grad = tensor([1, 2]);
    new optim.SGD([p], { lr: 0.1 }).zeroGrad();
    expect(p.grad).toBeNull();
  });

  it('fills grads with zeros in place with setToNone: false, and leaves null grads null', () => {
    const p = seeded([2], 1);
    const q = seeded([2], 2);
    const g = tensor([1, 2]);
    p.grad = g;
    new optim.SGD([p, q], { lr: 0.1 }).zeroGrad({ setToNone: false });
    expect(p.grad).toBe(g);
    expect(Array.from(g.dataSync())).toEqual([0, 0]);
    expect(q.grad).toBeNull();
  });

  it('a zeroed grad still steps (momentum moves the parameter), a null grad does not', () => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 1, momentum: 0.5 });
    p.grad = tensor([1]);
    opt.step();
    opt.zeroGrad({ setToNone: false });
    opt.step();
    expect(values([p])).toEqual([[-1.5]]);
    opt.zeroGrad();
    opt.step();
    expect(values([p])).toEqual([[-1.5]]);
  });
});

describe('step hooks', () => {
  it('run before and after each step, in registration order, until removed', () => {
    const p = seeded([1], 1);
    const opt = new optim.SGD([p], { lr: 0.1 });
    const log: string[] = [];
    const h1 = opt.registerStepPreHook((o) => log.push(`pre1:${o.stepCount}`));
    opt.registerStepPreHook(() => log.push('pre2'));
    const h3 = opt.registerStepPostHook((o) => log.push(`post:${o.stepCount}`));
    opt.step(() => log.push('closure'));
    h1.remove();
    h1.remove();
    h3.remove();
    opt.step();
    expect(log).toEqual(['pre1:0', 'pre2', 'closure', 'post:1', 'pre2']);
    expect(opt.stepCount).toBe(2);
  });

  it('refuse a hook that is not a function', () => {
    const opt = new optim.SGD([seeded([1], 1)], { lr: 0.1 });
    expect(() => opt.registerStepPreHook(42 as never)).toThrow(/a step hook must be a function, got 42/);
  });
});

describe('the optimizers share the Optimizer base', () => {
  it('every optimizer is an Optimizer with a name, and exposes its schema for the groups toolkit', () => {
    for (const [, make] of CASES) {
      const opt = make([seeded([1], 1)]);
      expect(opt).toBeInstanceOf(optim.Optimizer);
      expect((opt.constructor as unknown as { schema: { optimizer: string } }).schema.optimizer).toBe(opt.name);
    }
  });

  it('misuse of a group spec key at run time names the group (ParamGroupError)', () => {
    expect(() => new (optim.Adam as unknown as new (p: unknown) => unknown)([{ params: [seeded([1], 1)], lrr: 0.1 }])).toThrow(ParamGroupError);
  });
});
