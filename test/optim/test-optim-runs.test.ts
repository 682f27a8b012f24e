/**
 * The rest of PyTorch 2.x's test/test_optim.py that applies to kindling, against
 * PyTorch's numbers (scripts/fixtures/test_optim.py):
 * - test_forloop_goes_right_direction with schedulers (common_optimizers.py's
 *   scheduler_inputs: SGD's seven sets, StepLR + ReduceLROnPlateau for the
 *   others), and with non-contiguous parameters;
 * - test_param_group_with_lrscheduler_goes_right_direction with those sets;
 * - the scenario of test_foreach_matches_forloop / test_fused_matches_forloop
 *   (a small model and a 0-dim parameter, a step where every grad is null, a
 *   layer frozen for two steps), which PyTorch compares between its
 *   implementations and here is compared with PyTorch's for-loop one;
 * - test_save_load_equality_with_weights_only, through kd.io.serialize /
 *   deserialize (PyTorch's file format).
 * test-optim.test.ts has the rest of the port and the list of what is left out.
 */
import { describe, expect, it } from 'vitest';
import * as io from '../../src/io/index.js';
import * as nn from '../../src/nn/index.js';
import { closureFor, decode, expectClose, loadFixture, noGrad, optim, tensor, zeros, type Encoded, type Tensor } from './lib.js';

type AnyOptimizer = optim.Optimizer<optim.BaseHyper, object>;
type Ctor = new (params: unknown, options?: Record<string, unknown>) => AnyOptimizer;
const CLASSES = {
  Adadelta: optim.Adadelta, Adagrad: optim.Adagrad, Adam: optim.Adam, AdamW: optim.AdamW, Adamax: optim.Adamax, ASGD: optim.ASGD,
  LBFGS: optim.LBFGS, NAdam: optim.NAdam, RAdam: optim.RAdam, RMSprop: optim.RMSprop, Rprop: optim.Rprop, SGD: optim.SGD,
} as unknown as Record<string, Ctor>;

const problem = loadFixture<{ weight: Encoded; bias: Encoded; input: Encoded; optimizers: Record<string, { desc: string; options: Record<string, unknown>; plain: { losses: number[]; final: number[] } }[]> }>('test_optim');

interface SchedRun { initial: number; last: number; lr: number[]; final: number[] }
const withScheds = loadFixture<{ steps: number; optimizers: Record<string, { desc: string; options: Record<string, unknown>; schedulers: [string, Record<string, unknown>][][]; runs: SchedRun[] }[]> }>('test_optim_lrsched');

type SchedulerLike = { step(metric?: number): void };
const S = optim.lrScheduler;
function makeSchedulers(opt: AnyOptimizer, specs: [string, Record<string, unknown>][]): SchedulerLike[] {
  return specs.map(([name, options]) => {
    const C = (S as unknown as Record<string, new (o: AnyOptimizer, options: Record<string, unknown>) => SchedulerLike>)[name];
    if (C === undefined) throw new Error(`no scheduler ${name}`);
    return new C(opt, options);
  });
}

/**
 * The weight and bias of PyTorch's problem, as parameters; `strided`: each a non-contiguous view (every other
 * element of a tensor twice as large, as the test's `randn(10, 5, 2)[..., 0]`).
 */
function params(strided: boolean): { weight: Tensor; bias: Tensor; loss: () => Tensor } {
  const input = decode(problem.input);
  const make = (e: Encoded): Tensor => {
    if (!strided) return decode(e, true);
    const values = decode(e);
    const wide = noGrad(() => values.unsqueeze(-1).expand([...values.shape, 2]).contiguous());
    const view = wide.select(-1, 0);
    expect(view.isContiguous()).toBe(false);
    return view.requiresGrad_();
  };
  const weight = make(problem.weight);
  const bias = make(problem.bias);
  return { weight, bias, loss: () => weight.matmul(input).add(bias).pow(2).sum() };
}

const tolerance = (name: string): [number, number] => (name === 'LBFGS' ? [2e-4, 1e-4] : [1e-5, 1e-4]);

describe('test_forloop_goes_right_direction with schedulers, against PyTorch\'s numbers', () => {
  for (const [name, cases] of Object.entries(withScheds.optimizers)) {
    for (const c of cases) {
      c.schedulers.forEach((set, k) => {
        it(`${name} ${c.desc}, ${set.map(([n]) => n).join(' + ')}`, () => {
          const { weight, bias, loss } = params(false);
          const opt = new CLASSES[name]!([weight, bias], c.options);
          const scheds = makeSchedulers(opt, set);
          const closure = closureFor(opt, loss);
          const expected = c.runs[k]!;
          expectClose([closure().item()], [expected.initial], 'initial loss');
          for (let t = 0; t < withScheds.steps; t++) {
            let l: Tensor;
            if (name === 'LBFGS') l = opt.step(closure) as Tensor;
            else {
              l = closure();
              opt.step();
            }
            for (const s of scheds) {
              if (s instanceof S.ReduceLROnPlateau) s.step(l.item());
              else s.step();
            }
          }
          const [atol, rtol] = tolerance(name);
          expectClose([...weight.dataSync(), ...bias.dataSync()], expected.final, 'parameters', atol, rtol);
          expectClose(opt.paramGroups.map((g) => g.lr), expected.lr, 'lrs', 0, 1e-12);
          const last = closure().item();
          expectClose([last], [expected.last], 'last loss', 1e-4, 1e-4);
          if (c.options['maximize'] === true) expect(last).toBeGreaterThan(expected.initial);
          else expect(last).toBeLessThan(expected.initial);
        });
      });
    }
  }
});

describe('test_forloop_goes_right_direction with non-contiguous parameters: the same numbers as contiguous ones', () => {
  for (const [name, cases] of Object.entries(problem.optimizers)) {
    it(`${name}: every configuration`, () => {
      for (const c of cases) {
        const { weight, bias, loss } = params(true);
        const opt = new CLASSES[name]!([weight, bias], c.options);
        const closure = closureFor(opt, loss);
        const losses = c.plain.losses.map(() => opt.step(closure).item());
        expectClose(losses, c.plain.losses, `${c.desc} losses`, 1e-4, 1e-4);
        const [atol, rtol] = tolerance(name);
        expectClose([...weight.contiguous().dataSync(), ...bias.contiguous().dataSync()], c.plain.final, `${c.desc} parameters`, atol, rtol);
        expect(weight.isContiguous()).toBe(false);
      }
    });
  }
});

describe('test_param_group_with_lrscheduler_goes_right_direction (common_optimizers.py\'s scheduler_inputs)', () => {
  for (const [name, cases] of Object.entries(withScheds.optimizers)) {
    if (name === 'LBFGS') continue; // LBFGS takes one parameter group (PyTorch: supports_param_groups=False)
    it(name, () => {
      for (const set of cases[0]!.schedulers) {
        const { weight, bias, loss } = params(false);
        const opt = new CLASSES[name]!([{ params: [weight] }, { params: [bias], lr: 0.01 }]);
        const scheds = makeSchedulers(opt, set);
        const closure = closureFor(opt, loss);
        const initial = loss().item();
        for (let t = 0; t < 20; t++) {
          const l = opt.step(closure) as Tensor;
          for (const s of scheds) {
            if (s instanceof S.ReduceLROnPlateau) s.step(l.item());
            else s.step();
          }
        }
        expect(loss().item(), set.map(([n]) => n).join(' + ')).toBeLessThan(initial);
      }
    });
  }
});

interface ModelCase { desc: string; options: Record<string, unknown>; init: Record<string, Encoded>; after: number[][]; stateKeys: string[][] }
const model = loadFixture<{ steps: number; input: number[][]; optimizers: Record<string, ModelCase[]> }>('test_optim_model');

describe('test_foreach_matches_forloop\'s scenario against PyTorch\'s for-loop numbers (null grads, a layer frozen, a 0-dim parameter)', () => {
  for (const [name, cases] of Object.entries(model.optimizers)) {
    it(`${name}: every configuration`, () => {
      for (const c of cases) {
        const net = new nn.Sequential(new nn.Linear(2, 3), new nn.Sigmoid(), new nn.Linear(3, 1), new nn.Sigmoid());
        net.loadStateDict(Object.fromEntries(Object.entries(c.init).map(([k, v]) => [k, decode(v)])));
        const empty = tensor(0.5, { requiresGrad: true });
        empty.grad = tensor(0.25);
        const all = [...net.parameters(), empty];
        const opt = new CLASSES[name]!(all, c.options);
        const x = tensor(model.input);
        for (let i = 0; i < model.steps; i++) {
          opt.zeroGrad();
          if (i === 3) net.at(2).requiresGrad_(false);
          if (i === 5) net.at(2).requiresGrad_(true);
          if (i !== 2) (net.forward(x) as Tensor).sum().backward();
          opt.step();
          const values = all.flatMap((p) => Array.from(p.dataSync(), Number));
          expectClose(values, c.after[i]!, `${c.desc} after step ${i}`);
        }
        // PyTorch also compares the state: every parameter that stepped has state, the others none. NOTE: PyTorch's
        // Adagrad makes state for every parameter in its constructor; kindling's at each parameter's first step
        // (docs/param-groups.md), so the 0-dim parameter, never given a grad, has none.
        all.forEach((p, k) => {
          const has = opt.state.get(p) !== undefined && Object.keys(opt.state.get(p)!).length > 0;
          expect(has, `${c.desc} state of parameter ${k}`).toBe(name === 'Adagrad' && p === empty ? false : c.stateKeys[k]!.length > 0);
        });
        if (name === 'Adagrad') expect(c.stateKeys[all.length - 1]).toEqual(['step', 'sum']);
        expect(empty.item()).toBe(0.5);
        expect(zeros([]).shape).toEqual(empty.shape);
      }
    });
  }
});

describe('test_save_load_equality_with_weights_only: a state dict written in PyTorch\'s format reads back equal and loads', () => {
  const values = (v: unknown): unknown => {
    if (v !== null && typeof v === 'object' && 'dataSync' in v) return { shape: (v as Tensor).shape, data: Array.from((v as Tensor).dataSync(), Number) };
    if (Array.isArray(v)) return v.map(values);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, values(x)]));
    return v;
  };
  for (const [name, C] of Object.entries(CLASSES)) {
    it.each([false, true])(`${name} (named parameters: %s)`, (named) => {
      const { weight, bias, loss } = params(false);
      const opt = new C(named ? [['name0', weight], ['name1', bias]] : [weight, bias], problem.optimizers[name]![0]!.options);
      const closure = closureFor(opt, loss);
      for (let t = 0; t < 3; t++) opt.step(closure);
      const sd = opt.stateDict();
      const back = io.deserialize(io.serialize(sd));
      expect(values(back)).toEqual(values(sd));
      const again = new C([weight, bias], problem.optimizers[name]![0]!.options);
      again.loadStateDict(back as never);
      // An optimizer built without names adopts the saved ones (PyTorch 2.x keeps param_names too).
      expect(values(again.stateDict())).toEqual(values(sd));
    });
  }
});
