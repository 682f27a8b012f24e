/** Groups from rules under the learning-rate schedulers: per-group ratios survive, added groups are scheduled. */
import { describe, expect, it } from 'vitest';
import { optim } from './lib.js';
import { Net, SeedSequential } from './models.js';

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

  // Every scheduler that takes an absolute lr, and warm-up followed by decay: at every step the backbone's lr is
  // exactly 0.1 × the head's, because each absolute endpoint is multiplied by the group's lrMult.
  const { lrScheduler: S } = optim;
  const cases: { what: string; make: (opt: optim.SGD) => { step(metric: number): void } | { step(): void }; steps: number; metric?: boolean }[] = [
    {
      what: 'warm-up (LinearLR) then CosineAnnealingLR to an absolute etaMin (SequentialLR)',
      make: (opt) => new S.SequentialLR(opt, {
        schedulers: [new S.LinearLR(opt, { startFactor: 0.1, totalIters: 3 }), new S.CosineAnnealingLR(opt, { tMax: 7, etaMin: 1e-3 })],
        milestones: [3],
      }),
      steps: 10,
    },
    { what: 'OneCycleLR (absolute maxLr)', make: (opt) => new S.OneCycleLR(opt, { maxLr: 0.5, totalSteps: 12 }), steps: 11 },
    { what: 'CyclicLR (absolute baseLr and maxLr)', make: (opt) => new S.CyclicLR(opt, { baseLr: 1e-3, maxLr: 0.2, stepSizeUp: 2 }), steps: 9 },
    { what: 'CosineAnnealingWarmRestarts (absolute etaMin)', make: (opt) => new S.CosineAnnealingWarmRestarts(opt, { t0: 3, etaMin: 2e-3 }), steps: 8 },
    { what: 'ReduceLROnPlateau (absolute minLr)', make: (opt) => new S.ReduceLROnPlateau(opt, { factor: 0.5, patience: 0, minLr: 0.02 }), steps: 6, metric: true },
    { what: 'ExponentialLR (multiplicative)', make: (opt) => new S.ExponentialLR(opt, { gamma: 0.7 }), steps: 5 },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const { opt } = setup();
      const sched = c.make(opt);
      const seen = new Set<number>();
      for (let t = 1; t <= c.steps; t++) {
        opt.step();
        // ReduceLROnPlateau's metric never improves, so it reduces at every step until minLr.
        if (c.metric === true) (sched as { step(metric: number): void }).step(1);
        else (sched as { step(): void }).step();
        const [backbone, head] = opt.paramGroups.map((g) => g.lr) as [number, number];
        expect(backbone / head, `step ${t}`).toBeCloseTo(0.1, 12);
        seen.add(Number(head.toPrecision(8)));
      }
      // The schedule really moved the lr.
      expect(seen.size).toBeGreaterThan(2);
    });
  }

  it('layer decay: every depth keeps its own ratio to the top through OneCycleLR', () => {
    const model = new Net();
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'layers', select: '**', layerDecay: { rate: 0.5 } }], { defaults: { lr: 0.1 } });
    const opt = new optim.SGD(specs, { lr: 0.1, momentum: 0.9 });
    const sched = new optim.lrScheduler.OneCycleLR(opt, { maxLr: 1, totalSteps: 8 });
    for (let t = 0; t < 7; t++) {
      opt.step();
      sched.step();
      const top = opt.paramGroups.at(-1)!.lr;
      // depth d of 4 is at 0.5^(4 − d) of the top
      expect(opt.paramGroups.map((g) => g.lr / top)).toEqual([0.0625, 0.125, 0.25, 0.5, 1].map((r) => expect.closeTo(r, 12)));
    }
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
