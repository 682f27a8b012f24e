/**
 * What optimizers accept and refuse (PyTorch's construction cases, §9.1 of
 * the reference, plus kindling's stricter rules of its Appendix B). Each
 * error row checks the class and that the message names what is wrong.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src/nn/index.js';
import {
  ArgumentTypeError, DTypeError, ParamGroupError, ValueError, optim, tensor, zeros, type KindlingError, type Tensor,
} from './lib.js';

const leaf = (n = 2): Tensor => zeros([n], { requiresGrad: true });

type ErrorClass = abstract new (...args: never[]) => KindlingError;
interface ErrorRow {
  name: string;
  call: () => unknown;
  error: ErrorClass;
  match: RegExp;
}

function expectErrors(rows: ErrorRow[]): void {
  for (const row of rows) {
    it(row.name, () => {
      let thrown: unknown;
      try {
        row.call();
      } catch (e) {
        thrown = e;
      }
      expect(thrown, 'it should throw').toBeInstanceOf(row.error);
      expect((thrown as Error).message).toMatch(row.match);
    });
  }
}

// Untyped entry points, as plain JavaScript or a JSON config would call them.
const SGD = optim.SGD as unknown as new (params: unknown, options?: unknown) => optim.SGD;
const Adam = optim.Adam as unknown as new (params: unknown, options?: unknown) => optim.Adam;

function* gen(ts: Tensor[]): Generator<Tensor> {
  yield* ts;
}

describe('accepted inputs', () => {
  it('a list of tensors is one group, filled from the defaults in PyTorch\'s key order', () => {
    const [p, q] = [leaf(), leaf()];
    const opt = new optim.SGD([p, q], { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups).toHaveLength(1);
    expect(opt.paramGroups[0]!.params).toEqual([p, q]);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
  });

  it('the seed\'s groups: missing values come from the defaults, given values win', () => {
    const base = [leaf(), leaf()];
    const head = [leaf(), leaf()];
    const opt = new optim.SGD([{ params: gen(base) }, { params: gen(head), lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([[1e-2, 0.9], [1e-3, 0.9]]);
    expect(opt.paramGroups[1]!.params).toEqual(head);
  });

  it('named parameters ([name, tensor] pairs) keep their names', () => {
    const [w, b] = [leaf(), leaf()];
    const opt = new optim.Adam([['fc.weight', w], ['fc.bias', b]]);
    expect(opt.paramGroups[0]!.params).toEqual([w, b]);
    expect(opt.paramGroups[0]!.paramNames).toEqual(['fc.weight', 'fc.bias']);
    const opt2 = new optim.Adam([{ params: new Map([['w', w]]), name: 'head' }]);
    expect(opt2.paramGroups[0]!.paramNames).toEqual(['w']);
  });

  it('a single tensor as a group\'s params, and an empty group, are accepted (as PyTorch)', () => {
    const p = leaf();
    const opt = new optim.SGD([{ params: p }, { params: [] }], { lr: 0.1 });
    expect(opt.paramGroups[0]!.params).toEqual([p]);
    expect(opt.paramGroups[1]!.params).toEqual([]);
  });

  it('SGD without an lr anywhere takes PyTorch 2.x\'s default, 1e-3 (1.13 required one)', () => {
    const opt = new SGD([{ params: [leaf()], lr: 0.5 }, { params: [leaf()], name: 'head' }]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.5, 1e-3]);
    expect(opt.defaults.lr).toBe(1e-3);
  });

  it('lr given only in the groups is enough for SGD', () => {
    const opt = new SGD([{ params: [leaf()], lr: 0.5 }]);
    expect(opt.paramGroups[0]!.lr).toBe(0.5);
  });

  it('group names and scheduler keys are kept on the group', () => {
    const opt = new optim.SGD([{ params: [leaf()], name: 'body', initialLr: 0.3, lrMult: 2 }], { lr: 0.1 });
    expect(opt.paramGroups[0]).toMatchObject({ name: 'body', initialLr: 0.3, lrMult: 2 });
  });

  it('does not change the caller\'s specs, and keeps its own copy of them', () => {
    const p = leaf();
    const spec = { params: [p], lr: 0.3 };
    const betas: [number, number] = [0.8, 0.9];
    const opt = new optim.Adam([spec], { betas });
    expect(spec).toEqual({ params: [p], lr: 0.3 });
    expect(opt.paramGroups[0]).not.toBe(spec);
    opt.paramGroups[0]!.params.push(leaf());
    expect(spec.params).toHaveLength(1);
    expect(opt.paramGroups[0]!.betas).not.toBe(betas);
  });

  it('reads each iterable once, in order (the top-level list and each group\'s params)', () => {
    const [p, q, r] = [leaf(), leaf(), leaf()];
    const reads: string[] = [];
    const once = <T>(label: string, items: T[]): Iterable<T> => ({
      [Symbol.iterator]() {
        reads.push(label);
        return items[Symbol.iterator]();
      },
    });
    const opt = new optim.SGD(once('specs', [{ params: once('body', [q, p]) }, { params: once('head', [r]), lr: 0.5 }]), { lr: 0.1 });
    expect(reads).toEqual(['specs', 'body', 'head']);
    expect(opt.paramGroups.map((g) => g.params)).toEqual([[q, p], [r]]);
  });

  it('takes a real model\'s namedParameters(), whole or per group with a prefix', () => {
    class Model extends nn.Module {
      base = new nn.Sequential(new nn.Linear(1, 3), new nn.ReLU());
      classifier = new nn.Linear(3, 2);
    }
    const model = new Model();
    const whole = new optim.SGD(model.namedParameters(), { lr: 0.1 });
    expect(whole.paramGroups[0]!.paramNames).toEqual(['base.0.weight', 'base.0.bias', 'classifier.weight', 'classifier.bias']);
    const grouped = new optim.SGD([
      { params: model.base.namedParameters({ prefix: 'base' }) },
      { params: model.classifier.namedParameters({ prefix: 'classifier' }), lr: 1e-3 },
    ], { lr: 1e-2 });
    expect(grouped.paramGroups.map((g) => g.paramNames)).toEqual([['base.0.weight', 'base.0.bias'], ['classifier.weight', 'classifier.bias']]);
    expect(grouped.stateDict().paramGroups[1]!.paramNames).toEqual(['classifier.weight', 'classifier.bias']);
  });

  it('a ParameterList is a list of parameters (it iterates over them), at the top level or as a group\'s params', () => {
    const list = new nn.ParameterList([new nn.Parameter(zeros([2])), new nn.Parameter(zeros([3]))]);
    expect(new optim.SGD(list, { lr: 0.1 }).paramGroups[0]!.params).toEqual([...list]);
    expect(new optim.SGD([{ params: list, lr: 0.5 }], { lr: 0.1 }).paramGroups[0]!.params).toHaveLength(2);
  });

  it('a failed constructor leaves the caller\'s specs and options as they were', () => {
    const p = leaf();
    const betas: [number, number] = [0.9, 0.999];
    const specs = [{ params: [p], lr: 0.1, name: 'body' }, { params: [p], eps: -1 }];
    const options = { betas, weightDecay: 0.1 };
    expect(() => new optim.Adam(specs, options)).toThrow(ValueError);
    expect(specs).toEqual([{ params: [p], lr: 0.1, name: 'body' }, { params: [p], eps: -1 }]);
    expect(options).toEqual({ betas: [0.9, 0.999], weightDecay: 0.1 });
    expect(options.betas).toBe(betas);
  });

  it('defaults are the options filled with the optimizer\'s defaults', () => {
    expect(new optim.AdamW([leaf()]).defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false });
    expect(new optim.LBFGS([leaf()], { maxIter: 8 }).defaults).toMatchObject({ maxIter: 8, maxEval: 10 });
  });
});

describe('refused inputs (each error names what is wrong)', () => {
  const p = leaf();
  const q = leaf(3);
  class Model extends nn.Module {
    base = new nn.Sequential(new nn.Linear(1, 2), new nn.ReLU());
    classifier = new nn.Linear(2, 2);
    head = new nn.Sequential(new nn.Linear(2, 2));
  }
  const model = new Model();
  expectErrors([
    { name: 'a single tensor instead of a list', call: () => new SGD(p, { lr: 0.1 }), error: ArgumentTypeError, match: /should be an iterable of Tensors or group specs, but got a Tensor of shape \[2\].*wrap it in an array: \[p\]/ },
    { name: 'an empty list', call: () => new SGD([], { lr: 0.1 }), error: ValueError, match: /optimizer got an empty parameter list/ },
    {
      name: 'an exhausted generator (read by a previous optimizer)',
      call: () => {
        const g = gen([p]);
        new optim.SGD(g, { lr: 0.1 });
        return new optim.SGD(g, { lr: 0.1 });
      },
      error: ValueError,
      match: /empty parameter list.*can be read only once/,
    },
    { name: 'a Set at the top level (stricter than PyTorch)', call: () => new SGD(new Set([p]), { lr: 0.1 }), error: ArgumentTypeError, match: /ordered collections, but a Set was given.*\[\.\.\.set\]/ },
    { name: 'a Set inside a group', call: () => new SGD([{ params: new Set([p]) }], { lr: 0.1 }), error: ArgumentTypeError, match: /a Set was given \(the params of parameter group 0\)/ },
    { name: 'a Set as an element of the list (stricter than PyTorch)', call: () => new SGD([new Set([p])], { lr: 0.1 }), error: ArgumentTypeError, match: /element 0 of params is a Set of 1 \(pass an array instead \(\[\.\.\.set\]\)/ },
    { name: 'a Set inside a group\'s list', call: () => new SGD([{ params: [new Set([p])] }], { lr: 0.1 }), error: ArgumentTypeError, match: /element 0 of the params of parameter group 0 is a Set of 1 \(pass an array instead \(\[\.\.\.set\]\)/ },
    { name: 'a Set of named parameters inside a group', call: () => new SGD([{ params: new Set([['w', p]]) }], { lr: 0.1 }), error: ArgumentTypeError, match: /a Set was given \(the params of parameter group 0\)/ },
    { name: 'a group spec not wrapped in a list', call: () => new SGD({ params: [p] }, { lr: 0.1 }), error: ArgumentTypeError, match: /got a plain object.*wrap the group spec in an array/ },
    { name: 'a list of lists', call: () => new SGD([[p], [q]], { lr: 0.1 }), error: ArgumentTypeError, match: /element 0 of params is an array of 1 tensor.*one group spec per list/ },
    { name: 'a list of generators', call: () => new SGD([gen([p]), gen([q])], { lr: 0.1 }), error: ArgumentTypeError, match: /element 0 of params is an iterator.*make it a group: \{ params: model\.parameters\(\) \}/ },
    { name: 'a number among the tensors', call: () => new SGD([p, 1.5], { lr: 0.1 }), error: ArgumentTypeError, match: /element 1 of params is a number \(1\.5\)/ },
    { name: 'a nested list inside a group', call: () => new SGD([{ params: [p, [q]] }], { lr: 0.1 }), error: ArgumentTypeError, match: /element 1 of the params of parameter group 0 is an array of 1 tensor.*one flat list/ },
    { name: 'group specs mixed with tensors', call: () => new SGD([{ params: [p] }, q], { lr: 0.1 }), error: ArgumentTypeError, match: /mixes group specs and parameters \(element 0 is a group spec, element 1 is a Tensor of shape \[3\]\)/ },
    { name: 'a group whose params is a number', call: () => new SGD([{ params: 3 }], { lr: 0.1 }), error: ArgumentTypeError, match: /the params of parameter group 0 must be a tensor or an iterable of tensors or \[name, tensor\] pairs, but got a number \(3\)/ },
    { name: 'a group name that is not a string', call: () => new SGD([{ params: [p], name: 3 }], { lr: 0.1 }), error: ArgumentTypeError, match: /name must be a string, got 3 in parameter group 0/ },
    { name: 'a module instead of its parameters', call: () => new SGD(model.classifier, { lr: 0.1 }), error: ArgumentTypeError, match: /but got a Module \(Linear\) \(an optimizer takes a module's parameters, not the module: pass module\.parameters\(\)/ },
    { name: 'an iterable module (Sequential) instead of its parameters', call: () => new SGD(model.base, { lr: 0.1 }), error: ArgumentTypeError, match: /but got a Module \(Sequential\)/ },
    { name: 'a list of modules', call: () => new SGD([model.base, model.classifier], { lr: 0.1 }), error: ArgumentTypeError, match: /element 0 of params is a Module \(Sequential\) \(make one group per module: \[\{ params: a\.parameters\(\) \}/ },
    { name: 'a list of plain modules (not iterable)', call: () => new SGD([model.classifier], { lr: 0.1 }), error: ArgumentTypeError, match: /element 0 of params is a Module \(Linear\)/ },
    { name: 'a module as a group\'s params', call: () => new SGD([{ params: model.base }], { lr: 0.1 }), error: ArgumentTypeError, match: /the params of parameter group 0 must be tensors, but got a Module \(Sequential\) \(.*pass module\.parameters\(\)/ },
    { name: 'modules inside a group\'s list', call: () => new SGD([{ params: [model.classifier] }], { lr: 0.1 }), error: ArgumentTypeError, match: /element 0 of the params of parameter group 0 is a Module \(Linear\) \(a group's params are tensors: spread the module's parameters/ },
    { name: 'a group without params', call: () => new SGD([{ lr: 0.1 }], { lr: 0.1 }), error: ParamGroupError, match: /parameter group 0 has no 'params' key/ },
    { name: 'a non-leaf tensor', call: () => new SGD([p.mul(2)], { lr: 0.1 }), error: ParamGroupError, match: /can't optimize a non-leaf Tensor: element 0 of parameter group 0 \(shape \[2\]\) was computed by MulBackward0/ },
    { name: 'a tensor that does not require grad (stricter than PyTorch)', call: () => new SGD([tensor([1, 2])], { lr: 0.1 }), error: ParamGroupError, match: /element 0 of parameter group 0 \(shape \[2\]\) is a plain tensor that does not require grad.*nn\.Parameter/ },
    { name: 'a duplicate inside a group (PyTorch only warns)', call: () => new SGD([p, q, p], { lr: 0.1 }), error: ParamGroupError, match: /parameter group 0 contains the parameter at element 2 twice \(elements 0 and 2\)/ },
    { name: 'a named duplicate inside a group', call: () => new SGD([['w', p], ['w2', p]], { lr: 0.1 }), error: ParamGroupError, match: /contains the parameter 'w2' twice/ },
    {
      name: 'a parameter in two groups names it and both groups',
      call: () => new SGD([{ params: [q], name: 'a' }, { params: [p] }, { params: [q, p], name: 'c' }], { lr: 0.1 }),
      error: ParamGroupError,
      match: /some parameters appear in more than one parameter group: the parameter at element 0 \(shape \[3\]\) is in parameter group 0 \('a'\) and parameter group 2 \('c'\); the parameter at element 1 \(shape \[2\]\) is in parameter group 1 and parameter group 2 \('c'\)/,
    },
    {
      name: 'a named parameter in two groups is named',
      call: () => new SGD([{ params: [['base.w', p]] }, { params: [['head.w', p]] }], { lr: 0.1 }),
      error: ParamGroupError,
      match: /the parameter 'head\.w' is in parameter group 0 and parameter group 1/,
    },
    {
      name: 'per-group namedParameters() without a prefix (the names clash)',
      call: () => new SGD([{ params: model.base.namedParameters() }, { params: model.head.namedParameters() }], { lr: 0.1 }),
      error: ParamGroupError,
      match: /the name '0\.weight' is given to two different parameters \(in parameter group 0 and parameter group 1\).*namedParameters\(\{ prefix: 'base' \}\)/,
    },
    { name: 'one name for two parameters', call: () => new SGD([{ params: [['w', p]] }, { params: [['w', q]] }], { lr: 0.1 }), error: ParamGroupError, match: /the name 'w' is given to two different parameters/ },
    { name: 'named and unnamed parameters in one group', call: () => new SGD([['w', p], q], { lr: 0.1 }), error: ParamGroupError, match: /all params of parameter group 0 should be with or without names, but 1 of 2/ },
    { name: 'a named group next to an unnamed one', call: () => new SGD([{ params: [p] }, { params: [['w', q]] }], { lr: 0.1 }), error: ParamGroupError, match: /all optimizer param groups should be with or without names/ },
    { name: 'a misspelt option, with the nearest valid key', call: () => new SGD([p], { lr: 0.1, weightDecy: 0.1 }), error: ParamGroupError, match: /unknown key 'weightDecy' in the options \(did you mean 'weightDecay'\?\)/ },
    { name: 'a misspelt group key, with the nearest valid key', call: () => new SGD([{ params: [p], learningRate: 1e-3 }], { lr: 0.1 }), error: ParamGroupError, match: /unknown key 'learningRate' in parameter group 0/ },
    { name: 'PyTorch\'s snake_case key', call: () => new SGD([{ params: [p], weight_decay: 1e-3 }], { lr: 0.1 }), error: ParamGroupError, match: /unknown key 'weight_decay' in parameter group 0 \(did you mean 'weightDecay'\?\)/ },
    { name: 'a key of another optimizer', call: () => new Adam([{ params: [p], momentum: 0.9 }]), error: ParamGroupError, match: /unknown key 'momentum' in parameter group 0 .*Adam accepts lr, betas, eps, weightDecay, amsgrad, maximize/ },
    { name: 'a group key in the options', call: () => new SGD([p], { lr: 0.1, name: 'x' }), error: ParamGroupError, match: /'name' is a key of a parameter group, not an option in the options/ },
    { name: 'a tensor lr (PyTorch 2.x accepts a 1-element tensor)', call: () => new SGD([p], { lr: tensor(0.1) }), error: ArgumentTypeError, match: /lr must be a number, got a Tensor in the options/ },
    { name: 'a scheduler key of the wrong kind', call: () => new SGD([{ params: [p], initialLr: '0.1' }], { lr: 0.1 }), error: ArgumentTypeError, match: /initialLr must be a number, got '0\.1' in parameter group 0/ },
    { name: 'a string lr (from a JSON config)', call: () => new SGD([p], { lr: '0.1' }), error: ArgumentTypeError, match: /lr must be a number, got '0\.1' in the options/ },
    { name: 'a negative lr in a group (PyTorch checks only the options)', call: () => new SGD([{ params: [p], lr: -1, name: 'head' }], { lr: 0.1 }), error: ValueError, match: /Invalid learning rate: -1 in parameter group 0 \('head'\)/ },
    { name: 'a NaN lr (PyTorch\'s SGD lets it through)', call: () => new SGD([p], { lr: NaN }), error: ValueError, match: /Invalid learning rate: NaN in the options/ },
    { name: 'several problems at once', call: () => new SGD([{ params: [p], lr: -1, momentum: -2, nesterovv: true }], { lr: 0.1 }), error: ValueError, match: /3 problems: \(1\) Invalid learning rate: -1.*\(2\) Invalid momentum value: -2.*\(3\) unknown key 'nesterovv'.*did you mean 'nesterov'/ },
    { name: 'options that are not an object', call: () => new SGD([p], 0.1), error: ArgumentTypeError, match: /options must be an object such as \{ lr: 0\.01 \}, got 0\.1/ },
  ]);
});

describe('hyperparameter checks (PyTorch\'s constructor checks, applied to every group)', () => {
  const p = leaf();
  const make = (cls: unknown, options: Record<string, unknown>) => (): unknown =>
    new (cls as new (params: unknown, options: unknown) => unknown)([{ params: [p], ...options }], { lr: 0.01 });
  expectErrors([
    { name: 'SGD momentum', call: make(optim.SGD, { momentum: -0.5 }), error: ValueError, match: /Invalid momentum value: -0\.5 in parameter group 0/ },
    { name: 'SGD weightDecay', call: make(optim.SGD, { weightDecay: -1 }), error: ValueError, match: /Invalid weight_decay value: -1/ },
    { name: 'SGD nesterov without momentum', call: make(optim.SGD, { nesterov: true }), error: ValueError, match: /Nesterov momentum requires a momentum and zero dampening \(momentum 0, dampening 0\)/ },
    { name: 'SGD nesterov with dampening', call: make(optim.SGD, { nesterov: true, momentum: 0.9, dampening: 0.1 }), error: ValueError, match: /Nesterov momentum requires a momentum and zero dampening/ },
    { name: 'SGD nesterov in the options', call: () => new optim.SGD([p], { lr: 0.1, nesterov: true }), error: ValueError, match: /Nesterov momentum requires a momentum and zero dampening \(momentum 0, dampening 0\) in the options/ },
    { name: 'SGD nesterov as a string', call: make(optim.SGD, { nesterov: 'yes' }), error: ArgumentTypeError, match: /nesterov must be a boolean, got 'yes'/ },
    { name: 'Adam beta 0', call: make(optim.Adam, { betas: [1.0, 0.0] }), error: ValueError, match: /Invalid beta parameter at index 0: 1 / },
    { name: 'AdamW beta 0', call: make(optim.AdamW, { betas: [1.0, 0.0] }), error: ValueError, match: /Invalid beta parameter at index 0: 1 / },
    { name: 'NAdam beta 0', call: make(optim.NAdam, { betas: [1.0, 0.0] }), error: ValueError, match: /Invalid beta parameter at index 0: 1 / },
    { name: 'RAdam beta 0', call: make(optim.RAdam, { betas: [-0.1, 0.0] }), error: ValueError, match: /Invalid beta parameter at index 0: -0\.1/ },
    { name: 'Adamax beta 1', call: make(optim.Adamax, { betas: [0.0, 1.0] }), error: ValueError, match: /Invalid beta parameter at index 1: 1 / },
    { name: 'betas of the wrong length', call: make(optim.Adam, { betas: [0.9] }), error: ArgumentTypeError, match: /betas must be a pair of numbers \[a, b\], got \[0\.9\]/ },
    { name: 'Adam eps', call: make(optim.Adam, { eps: -1e-7 }), error: ValueError, match: /Invalid epsilon value: -1e-7/ },
    { name: 'Adam weightDecay', call: make(optim.Adam, { weightDecay: -1 }), error: ValueError, match: /Invalid weight_decay value: -1/ },
    { name: 'AdamW weightDecay', call: make(optim.AdamW, { weightDecay: -1 }), error: ValueError, match: /Invalid weight_decay value: -1/ },
    { name: 'RAdam weightDecay', call: make(optim.RAdam, { weightDecay: -1 }), error: ValueError, match: /Invalid weight_decay value: -1/ },
    { name: 'ASGD weightDecay', call: make(optim.ASGD, { weightDecay: -0.5 }), error: ValueError, match: /Invalid weight_decay value: -0\.5/ },
    { name: 'NAdam momentumDecay', call: make(optim.NAdam, { momentumDecay: -0.2 }), error: ValueError, match: /Invalid momentum_decay value: -0\.2/ },
    { name: 'RMSprop momentum', call: make(optim.RMSprop, { momentum: -1.0 }), error: ValueError, match: /Invalid momentum value: -1/ },
    { name: 'RMSprop alpha', call: make(optim.RMSprop, { alpha: -1 }), error: ValueError, match: /Invalid alpha value: -1/ },
    { name: 'Adagrad lrDecay', call: make(optim.Adagrad, { lrDecay: -1 }), error: ValueError, match: /Invalid lr_decay value: -1/ },
    { name: 'Adagrad initialAccumulatorValue', call: make(optim.Adagrad, { initialAccumulatorValue: -1 }), error: ValueError, match: /Invalid initial_accumulator_value value: -1/ },
    { name: 'Adadelta rho', call: make(optim.Adadelta, { rho: 1.1 }), error: ValueError, match: /Invalid rho value: 1\.1/ },
    { name: 'Rprop etas', call: make(optim.Rprop, { etas: [1.0, 0.5] }), error: ValueError, match: /Invalid eta values: 1, 0\.5/ },
    { name: 'LBFGS lineSearchFn', call: () => new optim.LBFGS([p], { lineSearchFn: 'wolfe' as 'strong_wolfe' }), error: ArgumentTypeError, match: /lineSearchFn must be one of 'strong_wolfe', null, got 'wolfe'/ },
    { name: 'LBFGS maxIter', call: () => new optim.LBFGS([p], { maxIter: 2.5 }), error: ArgumentTypeError, match: /maxIter must be an integer, got 2\.5/ },
    { name: 'LBFGS with parameters of two dtypes', call: () => new optim.LBFGS([p, zeros([2], { dtype: 'float64', requiresGrad: true })]), error: DTypeError, match: /LBFGS: all parameters must have one dtype, got float32 and float64/ },
    { name: 'LBFGS with two groups', call: () => new optim.LBFGS([{ params: [p] }, { params: [leaf()] }]), error: ValueError, match: /LBFGS doesn't support per-parameter options \(parameter groups\)/ },
  ]);
});

describe('each of PyTorch 1.13\'s constructor checks, in the options and in a group', () => {
  // [optimizer, key, bad value, PyTorch's reason] — one row per `if not …: raise ValueError` of 1.13's constructors.
  const checks: [unknown, string, unknown, RegExp][] = [
    [optim.SGD, 'lr', -0.1, /Invalid learning rate: -0\.1/],
    [optim.SGD, 'momentum', -1, /Invalid momentum value: -1/],
    [optim.SGD, 'weightDecay', -1, /Invalid weight_decay value: -1/],
    ...[optim.Adam, optim.AdamW, optim.Adamax, optim.NAdam, optim.RAdam].flatMap((cls): [unknown, string, unknown, RegExp][] => [
      [cls, 'lr', -1, /Invalid learning rate: -1/],
      [cls, 'eps', -1, /Invalid epsilon value: -1/],
      [cls, 'betas', [1, 0.5], /Invalid beta parameter at index 0: 1/],
      [cls, 'betas', [0.5, -0.5], /Invalid beta parameter at index 1: -0\.5/],
      [cls, 'weightDecay', -1, /Invalid weight_decay value: -1/],
    ]),
    [optim.NAdam, 'momentumDecay', -1, /Invalid momentum_decay value: -1/],
    ...(['lr', 'eps', 'momentum', 'weightDecay', 'alpha'] as const).map((k): [unknown, string, unknown, RegExp] => [
      optim.RMSprop, k, -1, new RegExp(`Invalid ${{ lr: 'learning rate', eps: 'epsilon value', momentum: 'momentum value', weightDecay: 'weight_decay value', alpha: 'alpha value' }[k]}: -1`),
    ]),
    [optim.Adagrad, 'lr', -1, /Invalid learning rate: -1/],
    [optim.Adagrad, 'lrDecay', -1, /Invalid lr_decay value: -1/],
    [optim.Adagrad, 'weightDecay', -1, /Invalid weight_decay value: -1/],
    [optim.Adagrad, 'initialAccumulatorValue', -1, /Invalid initial_accumulator_value value: -1/],
    [optim.Adagrad, 'eps', -1, /Invalid epsilon value: -1/],
    [optim.Adadelta, 'lr', -1, /Invalid learning rate: -1/],
    [optim.Adadelta, 'rho', -0.1, /Invalid rho value: -0\.1/],
    [optim.Adadelta, 'eps', -1, /Invalid epsilon value: -1/],
    [optim.Adadelta, 'weightDecay', -1, /Invalid weight_decay value: -1/],
    [optim.ASGD, 'lr', -1, /Invalid learning rate: -1/],
    [optim.ASGD, 'weightDecay', -1, /Invalid weight_decay value: -1/],
    [optim.Rprop, 'lr', -1, /Invalid learning rate: -1/],
    [optim.Rprop, 'etas', [0, 1.2], /Invalid eta values: 0, 1\.2/],
    [optim.Rprop, 'etas', [0.5, 1], /Invalid eta values: 0\.5, 1/],
  ];
  const p = leaf();
  for (const [cls, key, bad, reason] of checks) {
    const ctor = cls as new (params: unknown, options: unknown) => optim.Optimizer;
    const name = (cls as { schema: { optimizer: string } }).schema.optimizer;
    expectErrors([
      { name: `${name} ${key} ${JSON.stringify(bad)} in the options`, call: () => new ctor([p], { lr: 0.01, [key]: bad }), error: ValueError, match: new RegExp(`^${name}: ${reason.source} in the options$`) },
      { name: `${name} ${key} ${JSON.stringify(bad)} in a group`, call: () => new ctor([{ params: [p] }, { params: [leaf()], name: 'head', [key]: bad }], { lr: 0.01 }), error: ValueError, match: new RegExp(`^${name}: ${reason.source} in parameter group 1 \\('head'\\)$`) },
    ]);
  }
});

describe('addParamGroup', () => {
  it('adds a group filled from the defaults, and later steps update it', () => {
    const [p, q] = [leaf(), leaf()];
    const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    opt.addParamGroup({ params: [q], lr: 0.5, name: 'unfrozen' });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.5, momentum: 0.9, name: 'unfrozen' });
    q.grad = tensor([1, 1]);
    opt.step();
    expect(Array.from(q.dataSync())).toEqual([-0.5, -0.5]);
  });

  it('refuses a parameter that is already in a group, and changes nothing', () => {
    const [p, q] = [leaf(), leaf()];
    const opt = new optim.SGD([{ params: [p], name: 'body' }], { lr: 0.1 });
    const spec = { params: [q, p], lr: 0.2 };
    expect(() => opt.addParamGroup(spec)).toThrow(/the parameter at element 1 \(shape \[2\]\) is in parameter group 0 \('body'\) and parameter group 1/);
    expect(opt.paramGroups).toHaveLength(1);
    expect(spec).toEqual({ params: [q, p], lr: 0.2 });
  });

  it('refuses a Set (stricter than PyTorch), a module, and a spec whose params are missing, changing nothing', () => {
    const opt = new optim.SGD([leaf()], { lr: 0.1 });
    const q = leaf();
    expect(() => opt.addParamGroup({ params: new Set([q]) as never })).toThrow(/SGD\.addParamGroup: optimizer parameters need to be organized in ordered collections, but a Set was given \(the params of parameter group 1\)/);
    expect(() => opt.addParamGroup(new nn.Linear(1, 1) as never)).toThrow(/param group must be an object \{ params, … \}, but got a Module \(Linear\) \(wrap its parameters in a group spec: \{ params: module\.parameters\(\) \}\)/);
    expect(() => opt.addParamGroup({ lr: 0.1 } as never)).toThrow(/parameter group 1 has no 'params' key/);
    expect(opt.paramGroups).toHaveLength(1);
  });

  it('refuses a bad value atomically, and a group that is not a spec', () => {
    const opt = new optim.SGD([leaf()], { lr: 0.1 });
    const spec = { params: [leaf()], lr: -0.2, name: 'late' };
    expect(() => opt.addParamGroup(spec)).toThrow(/Invalid learning rate: -0\.2 in parameter group 1 \('late'\)/);
    expect(opt.paramGroups).toHaveLength(1);
    expect(spec.lr).toBe(-0.2);
    expect(() => opt.addParamGroup([leaf()] as never)).toThrow(/param group must be an object \{ params, … \}, but got an array of 1 tensor.*wrap the parameters in a group spec/);
  });

  it('lets a hook refuse a group before it is added, and tells hooks about added groups', () => {
    const opt = new optim.SGD([leaf()], { lr: 0.1 });
    const seen: number[] = [];
    const handle = opt.registerParamGroupHook({
      check: (g) => {
        if (g.lr > 1) throw new ValueError('too fast');
      },
      added: (_, i) => seen.push(i),
    });
    expect(() => opt.addParamGroup({ params: [leaf()], lr: 2 })).toThrow(/too fast/);
    opt.addParamGroup({ params: [leaf()], lr: 0.5 });
    handle.remove();
    opt.addParamGroup({ params: [leaf()], lr: 0.5 });
    expect(seen).toEqual([1]);
    expect(opt.paramGroups).toHaveLength(3);
  });

  it('LBFGS refuses it', () => {
    const opt = new optim.LBFGS([leaf()]);
    expect(() => opt.addParamGroup({ params: [leaf()] })).toThrow(/LBFGS doesn't support per-parameter options/);
  });
});

describe('frozen parameters', () => {
  it('accepts a frozen nn.Parameter, skips it without state, and updates it once unfrozen', async () => {
    const { nn } = await import('../../src/index.js');
    const p = new nn.Parameter(tensor([1, 2]), false);
    const q = new nn.Parameter(tensor([3, 4]));
    const opt = new SGD([p, q], { lr: 0.5, momentum: 0.9 });
    q.grad = tensor([1, 1]);
    opt.step();
    expect(opt.state.has(p)).toBe(false);
    expect(Array.from(p.dataSync())).toEqual([1, 2]);
    p.requiresGrad_(true);
    p.grad = tensor([2, 2]);
    opt.step();
    expect(Array.from(p.dataSync())).toEqual([0, 1]);
    expect(opt.state.has(p)).toBe(true);
  });
});

describe('a group that names an optimizer', () => {
  it('points at MultiOptimizer instead of a did-you-mean', () => {
    const p = zeros([2], { requiresGrad: true });
    const spec = { params: [p], optimizer: 'sgd' } as unknown as { params: Tensor[] };
    expect(() => new SGD([spec], { lr: 0.1 })).toThrow(/unknown key 'optimizer' in parameter group 0: a group cannot choose its optimizer here.*MultiOptimizer\.fromGroups/);
  });
});
