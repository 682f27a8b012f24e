/**
 * Values and defaults: an optimizer made from `optim.paramGroups` specs
 * reports the defaults its groups carry; `paramGroups`' defaults belong to
 * the default optimizer of a `MultiOptimizer`, not to groups routed to
 * another; an empty group is warned about (a Node process warning with a
 * code, `console.warn` where there is no `process`).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nn, ones, optim, ParamGroupError, warn } from './lib.js';
import { SeedSequential } from './models.js';

afterEach(() => vi.restoreAllMocks());

/** Catches kindling's process warnings for the duration of `f`. */
function warningsOf(f: () => unknown): { code: string; message: string }[] {
  const seen: { code: string; message: string }[] = [];
  vi.spyOn(process, 'emitWarning').mockImplementation(((message: string, options: { code: string }) => {
    seen.push({ code: options.code, message });
  }) as typeof process.emitWarning);
  f();
  return seen;
}

describe('opt.defaults reflects what the groups get', () => {
  it('the defaults given to paramGroups, not the optimizer class\'s', () => {
    const model = new SeedSequential();
    const specs = optim.paramGroups<optim.AdamWOptions>(model, [{ name: 'noDecay', select: optim.select.bias, weightDecay: 0 }], { defaults: { lr: 1e-3, weightDecay: 0.05 } });
    const opt = new optim.AdamW(specs);
    expect(opt.paramGroups.map((g) => g.weightDecay)).toEqual([0.05, 0]);
    expect(opt.defaults.weightDecay).toBe(0.05);
    expect(opt.defaults.lr).toBe(1e-3);
    // A group added later takes them too.
    opt.addParamGroup({ params: new nn.Linear(1, 1).namedParameters({ prefix: 'extra' }) });
    expect(opt.paramGroups[2]!.weightDecay).toBe(0.05);
  });

  it('an option that no group uses is warned about', () => {
    const model = new SeedSequential();
    const specs = optim.paramGroups<optim.AdamWOptions>(model, [], { defaults: { weightDecay: 0.05 } });
    const seen = warningsOf(() => new optim.AdamW(specs, { weightDecay: 0.01, lr: 1e-3 }));
    expect(seen).toEqual([{ code: 'KINDLING_UNUSED_OPTION', message: expect.stringMatching(/^AdamW: options weightDecay 0\.01 \(they carry 0\.05\) reach no group/) }]);
    expect(warningsOf(() => new optim.AdamW(specs, { weightDecay: 0.05 }))).toEqual([]);
  });
});

describe('MultiOptimizer.fromGroups: defaults belong to the default optimizer', () => {
  class LM extends nn.Module {
    embed = new nn.Embedding(10, 4);
    head = new nn.Linear(4, 2);
  }

  it('AdamW\'s decoupled weightDecay does not reach the group routed to SGD as an L2 term', () => {
    const model = new LM();
    const specs = optim.paramGroups(model, [{ name: 'embeddings', select: nn.Embedding, optimizer: 'sgd', lr: 0.1 }], { defaults: { lr: 1e-3, weightDecay: 0.01 } });
    const multi = optim.MultiOptimizer.fromGroups(specs, {
      adamw: (groups) => new optim.AdamW(groups),
      sgd: (groups) => new optim.SGD(groups, { lr: 0.1, momentum: 0.9 }),
    }, { default: 'adamw' });
    expect(multi.paramGroups.map((g) => [g.name, multi.optimizerOf(g), g.lr, g.weightDecay])).toEqual([['default', 'adamw', 1e-3, 0.01], ['embeddings', 'sgd', 0.1, 0]]);
    expect((multi.optimizers['adamw']!.defaults as Record<string, unknown>)['weightDecay']).toBe(0.01);
    expect((multi.optimizers['sgd']!.defaults as Record<string, unknown>)['weightDecay']).toBe(0);
    for (const p of model.parameters()) p.grad = ones(p.shape);
    multi.step();
  });

  it('a routed rule sets its values itself: a multiplier with no value to multiply says so', () => {
    const model = new LM();
    const call = () => optim.paramGroups(model, [{ name: 'embeddings', select: nn.Embedding, optimizer: 'sgd', lrMult: 10 }], { defaults: { lr: 1e-3 } });
    expect(call).toThrow(ParamGroupError);
    expect(call).toThrow(/rule "embeddings" multiplies lr of "embed\.weight", but it has no lr to multiply; it is routed to optimizer "sgd", which does not take options\.defaults \(they are the default optimizer's\): set lr in the rule/);
  });
});

describe('an empty group is warned about', () => {
  it('{ params: [] }: a process warning with a code, naming the group', () => {
    const model = new SeedSequential();
    const seen = warningsOf(() => new optim.SGD([{ params: model.parameters() }, { params: [], name: 'head' }], { lr: 0.1 }));
    expect(seen).toEqual([{ code: 'KINDLING_EMPTY_GROUP', message: expect.stringMatching(/^SGD: parameter group 1 \('head'\) has no parameters\. .*a generator can be read only once/) }]);
  });

  it('an already-consumed generator, in the constructor and in addParamGroup', () => {
    const model = new SeedSequential();
    const gen = model.parameters();
    const seen = warningsOf(() => {
      const opt = new optim.SGD([{ params: gen }], { lr: 0.1 });
      opt.addParamGroup({ params: gen });
    });
    expect(seen.map((w) => [w.code, w.message.split(' has')[0]])).toEqual([['KINDLING_EMPTY_GROUP', 'SGD.addParamGroup: parameter group 1']]);
  });

  it('where there is no process.emitWarning (a browser), on console.warn', () => {
    const emit = process.emitWarning;
    const logged = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      (process as { emitWarning?: unknown }).emitWarning = undefined;
      warn('KINDLING_TEST', 'a message');
    } finally {
      process.emitWarning = emit;
    }
    expect(logged).toHaveBeenCalledWith('KindlingWarning [KINDLING_TEST]: a message');
  });
});
