/** Groups from rules under the learning-rate schedulers: per-group ratios survive, added groups are scheduled. */
import { describe, expect, it } from 'vitest';
import { optim } from './lib.js';
import { SeedSequential } from './models.js';

function setup(): { model: SeedSequential; opt: optim.SGD } {
  const model = new SeedSequential();
  const specs = optim.paramGroups<optim.SGDOptions>(model, [
    { name: 'backbone', select: model.base, lrMult: 0.1 },
  ], { defaults: { lr: 0.1 } });
  return { model, opt: new optim.SGD(specs, { lr: 0.1, momentum: 0.9 }) };
}

describe('schedulers keep per-group ratios', () => {
  it("an absolute etaMin scales with each group's lrMult, so the backbone stays at ×0.1 all the way", () => {
    const { opt } = setup();
    const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 10, etaMin: 1e-3 });
    for (let t = 1; t <= 10; t++) {
      opt.step();
      sched.step();
      const [backbone, head] = opt.paramGroups.map((g) => g.lr) as [number, number];
      expect(backbone / head, `step ${t}`).toBeCloseTo(0.1, 12);
    }
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([expect.closeTo(1e-4, 15), expect.closeTo(1e-3, 15)]);
  });

  it('scaleByLrMult: false takes etaMin as given for every group', () => {
    const { opt } = setup();
    const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 4, etaMin: 1e-3, scaleByLrMult: false });
    for (let t = 0; t < 4; t++) {
      opt.step();
      sched.step();
    }
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([expect.closeTo(1e-3, 15), expect.closeTo(1e-3, 15)]);
  });

  it('a group added later (a tenth of the head) is scheduled from the moment it arrives', () => {
    const model = new SeedSequential();
    for (const p of model.base.parameters()) p.requiresGrad_(false);
    const opt = new optim.SGD(optim.paramGroups<optim.SGDOptions>(model, [{ name: 'head', select: model.classifier }], { defaults: { lr: 0.1 } }), { lr: 0.1 });
    const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.5 });
    opt.step();
    sched.step(); // head: 0.1 · 0.5
    optim.addGroup(opt, { params: model.base, like: 'head', lrMult: 0.1, name: 'backbone' });
    // The backbone starts from a tenth of the head's initial lr, and StepLR schedules it from epoch 1 like the head.
    expect(opt.paramGroups.map((g) => [g.name, g.initialLr, g.lr])).toEqual([['head', 0.1, 0.05], ['backbone', expect.closeTo(0.01, 15), expect.closeTo(0.005, 15)]]);
    opt.step();
    sched.step();
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.025, expect.closeTo(0.0025, 15)]);
    expect(String(optim.describeGroups(opt))).toContain('backbone');
  });
});
