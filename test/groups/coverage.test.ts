/** Coverage of an optimizer that already exists: parameters in no group, parameters not of the model. */
import { describe, expect, it } from 'vitest';
import { nn, optim, ParamGroupError } from './lib.js';
import { SeedSequential } from './models.js';

describe('checkCoverage', () => {
  it('a hand-built optimizer that forgot a layer: the trainable ones are named, the frozen ones apart', () => {
    const model = new SeedSequential();
    [...model.classifier.at(2).parameters()][1]!.requiresGrad_(false);
    // Hand-built groups that forget classifier.2 (the mistake of zjunlp/HVPNeT#5).
    const opt = new optim.SGD([
      { params: model.base.namedParameters({ prefix: 'base' }) },
      { params: model.classifier.at(0).namedParameters({ prefix: 'classifier.0' }), lr: 1e-3 },
    ], { lr: 1e-2 });
    expect(optim.checkCoverage(opt, model)).toEqual({ missing: ['classifier.2.weight'], frozenMissing: ['classifier.2.bias'], foreign: [] });
    expect(() => optim.checkCoverage(opt, model, { strict: true })).toThrow(ParamGroupError);
    expect(() => optim.checkCoverage(opt, model, { strict: true })).toThrow(
      /optim\.checkCoverage: 1 trainable parameter is in no group of the optimizer: classifier\.2\.weight \(add them with optim\.addGroup/,
    );
  });

  it('parameters of another model are foreign; groups from paramGroups cover the model', () => {
    const model = new SeedSequential();
    const other = new nn.Linear(2, 2);
    const opt = new optim.SGD([...optim.paramGroups<optim.SGDOptions>(model, [{ name: 'head', select: model.classifier, lr: 1e-3 }]), { params: other.namedParameters({ prefix: 'other' }), name: 'other' }], { lr: 1e-2 });
    expect(optim.checkCoverage(opt, model)).toEqual({ missing: [], frozenMissing: [], foreign: ['"other.weight" (group "other")', '"other.bias" (group "other")'] });
    expect(() => optim.checkCoverage(opt, model, { strict: true })).toThrow(/2 parameters of the optimizer are not part of the model: "other\.weight" \(group "other"\), "other\.bias" \(group "other"\)/);
  });

  it('unfreezing a module whose parameters no group holds is an error (they would never train), and changes nothing', () => {
    const model = new SeedSequential();
    for (const p of model.base.parameters()) p.requiresGrad_(false);
    // The frozen backbone was left out of the groups (frozen: 'exclude', the default).
    const opt = new optim.SGD(optim.paramGroups<optim.SGDOptions>(model, [{ name: 'head', select: model.classifier }], { defaults: { lr: 0.1 } }), { lr: 0.1 });
    expect(() => optim.unfreeze(opt, [model.classifier, model.base])).toThrow(
      /optim\.unfreeze: 4 parameters of the module given are in no group of this optimizer \("base\.0\.weight", "base\.0\.bias", "base\.2\.weight", "base\.2\.bias"\), so unfreezing would not train them \(add them to the optimizer with optim\.addGroup/,
    );
    expect([...model.base.parameters()].every((p) => !p.requiresGrad)).toBe(true);
    expect(optim.checkCoverage(opt, model).frozenMissing).toEqual(['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias']);
    optim.addGroup(opt, { params: model.base, like: 'head', lrMult: 0.1 });
    expect(optim.checkCoverage(opt, model, { strict: true })).toEqual({ missing: [], frozenMissing: [], foreign: [] });
  });
});
