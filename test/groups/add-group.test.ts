/**
 * `optim.addGroup` on any optimizer: one built by hand from `parameters()`
 * (no names, no rules), from named parameters, or from rules; names come
 * from the model when it is given, and all groups end with names or none.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, nn, ones, optim } from './lib.js';
import { SeedSequential } from './models.js';

function frozenBase(): SeedSequential {
  const model = new SeedSequential();
  for (const p of model.base.parameters()) p.requiresGrad_(false);
  return model;
}

describe('addGroup on an optimizer built from model.head.parameters()', () => {
  it('without a model: the group is added without names, like group 0 at a tenth of its lr', () => {
    const model = frozenBase();
    const opt = new optim.SGD(model.classifier.parameters(), { lr: 0.1, momentum: 0.9 });
    expect(optim.addGroup(opt, { params: model.base, like: 'group 0', lrMult: 0.1 })).toEqual(['group 0+added']);
    expect(opt.paramGroups.map((g) => [g.name, g.lr, g.momentum, g.paramNames])).toEqual([[undefined, 0.1, 0.9, undefined], ['group 0+added', 0.1 * 0.1, 0.9, undefined]]);
    expect([...model.base.parameters()].every((p) => p.requiresGrad)).toBe(true);
    for (const p of model.parameters()) p.grad = ones(p.shape);
    opt.step();
    expect(opt.state.size).toBe(8);
  });

  it('with the model: every group is named from it, so state dicts can be loaded by name', () => {
    const model = frozenBase();
    const opt = new optim.Adam(model.classifier.parameters(), { lr: 1e-3 });
    optim.addGroup(opt, { params: model.base, like: 'group 0', lrMult: 0.1, model, name: 'backbone' });
    expect(opt.paramGroups.map((g) => g.paramNames)).toEqual([
      ['classifier.0.weight', 'classifier.0.bias', 'classifier.2.weight', 'classifier.2.bias'],
      ['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias'],
    ]);
    expect(opt.paramGroups[1]!.lr).toBeCloseTo(1e-4, 12);
    expect(optim.loadStateDictByName(opt, opt.stateDict()).newGroups).toEqual([]);
  });

  it('[name, tensor] pairs name the new group when the optimizer\'s groups have names', () => {
    const model = frozenBase();
    const opt = new optim.SGD([{ params: model.classifier.namedParameters({ prefix: 'classifier' }), name: 'head' }], { lr: 0.1 });
    optim.addGroup(opt, { params: model.base.namedParameters({ prefix: 'base' }), like: 'head', lrMult: 0.5 });
    expect(opt.paramGroups[1]!.paramNames).toEqual(['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias']);
  });

  it('named groups and plain new parameters without a model: an error that says what to pass', () => {
    const model = frozenBase();
    const opt = new optim.SGD([{ params: model.classifier.namedParameters({ prefix: 'classifier' }), name: 'head' }], { lr: 0.1 });
    const call = () => optim.addGroup(opt, { params: model.base.parameters(), like: 'head' });
    expect(call).toThrow(ArgumentTypeError);
    expect(call).toThrow(/cannot name the new parameters, and the optimizer's groups have parameter names .*pass model/);
    expect(opt.paramGroups).toHaveLength(1);
    expect([...model.base.parameters()].some((p) => p.requiresGrad)).toBe(false);
  });

  it('a refused group leaves the old groups unnamed and the parameters frozen', () => {
    const model = frozenBase();
    const opt = new optim.SGD(model.classifier.parameters(), { lr: 0.1 });
    expect(() => optim.addGroup(opt, { params: model.base, like: 'group 0', lr: -1, model })).toThrow(/Invalid learning rate: -1/);
    expect(opt.paramGroups).toHaveLength(1);
    expect(opt.paramGroups[0]!.paramNames).toBeUndefined();
    expect([...model.base.parameters()].some((p) => p.requiresGrad)).toBe(false);
  });

  it('an old group with parameters outside the model stays unnamed, and so does the new one', () => {
    const model = frozenBase();
    const extra = new nn.Linear(2, 2);
    const opt = new optim.SGD([...model.classifier.parameters(), ...extra.parameters()], { lr: 0.1 });
    optim.addGroup(opt, { params: model.base, like: 'group 0', model });
    expect(opt.paramGroups.map((g) => g.paramNames)).toEqual([undefined, undefined]);
  });
});
