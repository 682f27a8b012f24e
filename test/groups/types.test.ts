/**
 * Type tests: rules are typed by the optimizer the groups are for, so a
 * misspelt hyperparameter fails to compile (each `@ts-expect-error` below
 * must stay an error for `tsc` to pass) — and, for plain JavaScript, fails at
 * run time too.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { optim } from './lib.js';
import { SeedSequential } from './models.js';

const { paramGroups } = optim;
const model = new SeedSequential();

describe('rule types', () => {
  it('a misspelt hyperparameter fails to compile when the optimizer is named by a type argument', () => {
    // @ts-expect-error weightDecy is not a hyperparameter of SGD
    const bad = () => paramGroups<optim.SGDOptions>(model, [{ select: '**', weightDecy: 0 }]);
    expect(bad).toThrow(/unknown key "weightDecy" \(did you mean "weightDecay"\?\)/);
  });

  it('… and when it is named by options.optimizer (the class)', () => {
    // @ts-expect-error betas is not an option of SGD
    const bad = () => paramGroups(model, [{ select: '**', betas: [0.9, 0.99] }], { optimizer: optim.SGD });
    expect(bad).toThrow(/unknown key "betas"/);
    const ok = paramGroups(model, [{ name: 'head', select: 'classifier.**', momentum: 0.5, lrMult: 0.1 }], { optimizer: optim.SGD, defaults: { lr: 0.1 } });
    expectTypeOf(ok).toEqualTypeOf<optim.ParamGroupSpecs<optim.SGDOptions>>();
  });

  it('without an optimizer, rules take the hyperparameters of any kindling optimizer', () => {
    // @ts-expect-error learningRate is no optimizer's hyperparameter
    const bad = () => paramGroups(model, [{ select: '**', learningRate: 1e-3 }]);
    expect(bad).toThrow(/unknown key "learningRate"/);
    const rule: optim.Rule = { select: '**', betas: [0.9, 0.99], weightDecayMult: 0 };
    expect(rule.weightDecayMult).toBe(0);
  });

  it('only numeric hyperparameters have multipliers; values are typed', () => {
    // @ts-expect-error nesterov is a boolean, so there is no nesterovMult
    const r1: optim.Rule<optim.SGDOptions> = { select: '**', nesterovMult: 2 };
    // @ts-expect-error lr is a number
    const r2: optim.Rule<optim.SGDOptions> = { select: '**', lr: '1e-3' };
    // @ts-expect-error a mode is 'compose' or 'replace'
    const r3: optim.Rule = { select: '**', lrMult: 2, mode: 'multiply' };
    expect([r1, r2, r3]).toHaveLength(3);
  });

  it('defaults are typed by the same optimizer and do not widen the rules', () => {
    // @ts-expect-error momentom is not an option of SGD
    const bad = () => paramGroups<optim.SGDOptions>(model, [], { defaults: { lr: 0.1, momentom: 0.9 } });
    expect(bad).toThrow(/options\.defaults: unknown hyperparameter "momentom"/);
  });

  it('selectors are typed: a misspelt built-in fails to compile', () => {
    // @ts-expect-error 'noDecai' is not a built-in selector
    const bad = () => paramGroups(model, [{ select: { builtin: 'noDecai' }, weightDecay: 0 }]);
    expect(bad).toThrow(/did you mean "noDecay"/);
    expectTypeOf(optim.select.noDecay).toMatchTypeOf<optim.Selector>();
  });
});

describe('rule types by optimizer class', () => {
  it('infers the options of a class whose options are optional (AdamW)', () => {
    // @ts-expect-error momentum is not an AdamW option
    const bad = () => paramGroups(model, [{ select: '**', momentum: 0.9 }], { optimizer: optim.AdamW });
    expect(bad).toThrow(/unknown key "momentum"/);
    const ok = paramGroups(model, [{ select: '**', weightDecay: 0.1, betas: [0.9, 0.95] }], { optimizer: optim.AdamW });
    expectTypeOf(ok).toEqualTypeOf<optim.ParamGroupSpecs<optim.AdamWOptions>>();
  });
});

describe('addGroup types', () => {
  it("a group added to an optimizer is typed by that optimizer's hyperparameters", () => {
    const m = new SeedSequential();
    const opt = new optim.SGD(paramGroups<optim.SGDOptions>(m, [{ name: 'head', select: m.classifier }], { defaults: { lr: 0.1 } }), { lr: 0.1 });
    // @ts-expect-error betas is not a hyperparameter of SGD
    const bad = () => optim.addGroup(opt, { params: m.base, like: 'head', betas: [0.9, 0.99] });
    expect(bad).toThrow(/unknown key "betas"/);
    // @ts-expect-error likee is not a key of addGroup
    const typo = () => optim.addGroup(opt, { params: m.base, likee: 'head' });
    expect(typo).toThrow(/unknown key "likee" \(did you mean "like"\?\)/);
    expectTypeOf<Parameters<typeof optim.addGroup<optim.SGD>>[1]>().toHaveProperty('momentumMult');
  });
});
