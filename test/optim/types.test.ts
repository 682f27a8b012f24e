/**
 * The types carry the API (STYLE.md §9): hyperparameter keys are typed per
 * optimizer, so a misspelt or foreign key fails to compile (`tsc` checks the
 * `@ts-expect-error` lines: an expected error that disappears fails the
 * build), and the same mistakes are caught at run time for plain JavaScript.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ParamGroupError, optim, zeros, type Tensor } from './lib.js';

const p = (): Tensor => zeros([2], { requiresGrad: true });
function* parameters(ts: Tensor[]): Generator<Tensor> {
  yield* ts;
}
function* namedParameters(prefix: string, ts: Tensor[]): Generator<[string, Tensor]> {
  for (const [i, t] of ts.entries()) yield [`${prefix}.${i}`, t];
}

describe('typed hyperparameters', () => {
  it('the seed\'s call type-checks and behaves as PyTorch', () => {
    const base = { parameters: () => parameters([p(), p()]) };
    const classifier = { parameters: () => parameters([p()]) };
    const opt = new optim.SGD([{ params: base.parameters() }, { params: classifier.parameters(), lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 });
    expect(opt.paramGroups[1]!.lr).toBe(1e-3);
    expect(opt.paramGroups[1]!.momentum).toBe(0.9);
    expectTypeOf(opt.paramGroups[0]!.momentum).toEqualTypeOf<number>();
    expectTypeOf(opt.state.get(p())).toEqualTypeOf<optim.SGDState | undefined>();
  });

  it('named parameters, names and scheduler keys are typed too', () => {
    const opt = new optim.AdamW([{ params: namedParameters('head', [p()]), name: 'head', weightDecay: 0 }], { lr: 1e-3 });
    expectTypeOf(opt.paramGroups[0]!.betas).toEqualTypeOf<readonly [number, number]>();
    expectTypeOf(opt.paramGroups[0]!.paramNames).toEqualTypeOf<string[] | undefined>();
    expectTypeOf<ReturnType<typeof opt.state.get>>().toEqualTypeOf<optim.AdamState | undefined>();
    expectTypeOf<optim.AdamState['expAvg']>().toEqualTypeOf<Tensor>();
    expect(opt.paramGroups[0]!.paramNames).toEqual(['head.0']);
  });

  it('a misspelt or foreign key fails to compile, and fails at run time', () => {
    const q = p();
    // @ts-expect-error -- `learningRate` is not an SGD hyperparameter (it is `lr`).
    expect(() => new optim.SGD([{ params: [q], learningRate: 1e-3 }], { lr: 1e-2 })).toThrow(ParamGroupError);
    // @ts-expect-error -- misspelt option.
    expect(() => new optim.SGD([q], { lr: 1e-2, weightDecy: 1e-4 })).toThrow(/did you mean 'weightDecay'/);
    // @ts-expect-error -- Adam has no momentum.
    expect(() => new optim.Adam([{ params: [q], momentum: 0.9 }])).toThrow(/unknown key 'momentum'/);
    // SGD's lr is optional, with PyTorch 2.x's default 1e-3.
    expect(new optim.SGD([q], {}).paramGroups[0]!.lr).toBe(1e-3);
    expect(new optim.SGD([{ params: [q], lr: 0.1 }]).paramGroups[0]!.lr).toBe(0.1);
    // @ts-expect-error -- betas is a pair.
    expect(() => new optim.Adam([q], { betas: 0.9 })).toThrow(/betas must be a pair/);
    const sgd = new optim.SGD([q], { lr: 1e-2 });
    // @ts-expect-error -- addParamGroup's spec is typed like the constructor's.
    expect(() => sgd.addParamGroup({ params: [p()], momentm: 0.9 })).toThrow(/unknown key 'momentm' in parameter group 1 \(did you mean 'momentum'\?\)/);
    // @ts-expect-error -- a Set's order is not the user's: refused at compile time as at run time.
    expect(() => new optim.SGD(new Set([q]), { lr: 1e-2 })).toThrow(/a Set was given/);
    // @ts-expect-error -- inside a group too.
    expect(() => new optim.SGD([{ params: new Set([q]) }], { lr: 1e-2 })).toThrow(/a Set was given/);
    const opt = new optim.Adam([q]);
    // @ts-expect-error -- live groups are typed as well.
    opt.paramGroups[0]!.learningRate = 3;
    // At run time a live key is read by the rule of the constructor's keys: another spelling of lr is refused.
    expect(() => opt.step()).toThrow(/Adam\.step: unknown key 'learningRate' in parameter group 0 \(did you mean 'lr'\?\)/);
  });

  it('every optimizer is assignable to the base Optimizer type (what schedulers take)', () => {
    const opts: optim.Optimizer[] = [
      new optim.SGD([p()], { lr: 1 }), new optim.Adam([p()]), new optim.AdamW([p()]), new optim.RMSprop([p()]), new optim.Adagrad([p()]),
      new optim.Adadelta([p()]), new optim.Adamax([p()]), new optim.NAdam([p()]), new optim.RAdam([p()]), new optim.ASGD([p()]),
      new optim.Rprop([p()]), new optim.LBFGS([p()]),
    ];
    expect(opts.map((o) => o.name)).toEqual(['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'RAdam', 'ASGD', 'Rprop', 'LBFGS']);
  });
});
