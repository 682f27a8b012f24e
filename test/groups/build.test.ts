import { describe, expect, it } from 'vitest';
import { collectWarnings, Embedding, nn, optim } from './lib.js';
import { Net, SeedSequential, Segmenter } from './models.js';

const { paramGroups } = optim;

type Spec = optim.GroupSpec;
const byName = (specs: readonly Spec[]): Record<string, Spec> => Object.fromEntries(specs.map((g) => [g.name, g]));
const namesOf = (g: Spec): string[] => g.params.map(([n]) => n);
const quiet = { onWarning: false } as const;

describe('values and precedence', () => {
  it('multipliers compose by multiplying, in rule order', () => {
    const specs = paramGroups(new SeedSequential(), [
      { name: 'all', select: '**', lrMult: 0.5 },
      { name: 'head', select: 'classifier.**', lrMult: 0.1 },
    ], { defaults: { lr: 1 } });
    const g = byName(specs);
    expect(Object.keys(g)).toEqual(['all', 'all+head']);
    expect(g['all']!.lr).toBe(0.5);
    // 1 × 0.5 × 0.1, as the product of the factors
    expect(g['all+head']!.lr).toBe(1 * 0.5 * 0.1);
    expect(g['all+head']!.lrMult).toBe(0.5 * 0.1);
  });

  it('a later absolute value replaces what earlier rules gave, and the report says so', () => {
    const specs = paramGroups(new SeedSequential(), [
      { name: 'head', select: 'classifier.**', lrMult: 0.1 },
      { name: 'last', select: 'classifier.2.weight', lr: 0.3 },
    ], { defaults: { lr: 1 } });
    const g = byName(specs);
    expect(namesOf(g['head+last']!)).toEqual(['classifier.2.weight']);
    expect(g['head+last']!.lr).toBe(0.3);
    expect(g['head+last']!.lrMult).toBeCloseTo(0.3, 15);
    expect(specs.report.overridden).toEqual([{ key: 'lr', rule: 'last', replaced: ['head'], params: ['classifier.2.weight'] }]);
  });

  it('a multiplier after an absolute value multiplies it', () => {
    const g = byName(paramGroups(new SeedSequential(), [
      { name: 'head', select: 'classifier.**', lr: 0.2 },
      { name: 'half', select: '**', lrMult: 0.5 },
    ], { defaults: { lr: 1 } }));
    expect(g['head+half']!.lr).toBe(0.1);
    expect(g['half']!.lr).toBe(0.5);
  });

  it("mode 'replace' applies a rule's multipliers to the base value, discarding earlier ones", () => {
    const g = byName(paramGroups(new SeedSequential(), [
      { name: 'all', select: '**', lrMult: 0.5 },
      { name: 'head', select: 'classifier.**', lrMult: 0.1, mode: 'replace' },
    ], { defaults: { lr: 2 } }));
    expect(g['all+head']!.lr).toBeCloseTo(0.2, 15);
    expect(g['all']!.lr).toBe(1);
  });

  it('sets any hyperparameter, numeric or not, and keeps base values from defaults on every group', () => {
    const specs = paramGroups<optim.SGDOptions>(new SeedSequential(), [
      { name: 'head', select: 'classifier.**', nesterov: true, momentumMult: 0.5 },
    ], { defaults: { lr: 0.1, momentum: 0.9 } });
    const g = byName(specs);
    expect(g['default']).toMatchObject({ lr: 0.1, momentum: 0.9, lrMult: 1 });
    expect(g['head']).toMatchObject({ lr: 0.1, momentum: 0.45, nesterov: true });
    expect(Object.keys(g['head']!)).toEqual(['params', 'name', 'lr', 'momentum', 'nesterov', 'lrMult']);
  });

  it('the specs go straight into a kindling optimizer, names included', () => {
    const model = new SeedSequential();
    const specs = paramGroups<optim.SGDOptions>(model, [{ name: 'classifier', select: model.classifier, lrMult: 0.1 }], { defaults: { lr: 1e-2 } });
    const opt = new optim.SGD(specs, { lr: 1e-2, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => [g.name, g.lr, g.lrMult, g.momentum])).toEqual([['default', 1e-2, 1, 0.9], ['classifier', 1e-2 * 0.1, 0.1, 0.9]]);
    expect(opt.paramGroups[1]!.paramNames).toEqual(['classifier.0.weight', 'classifier.0.bias', 'classifier.2.weight', 'classifier.2.bias']);
  });
});

describe('merging and naming', () => {
  it('parameters with equal final values share one group, named after the rules that made them', () => {
    const specs = paramGroups(new Net(), [
      { name: 'noDecay', select: optim.noDecay, weightDecay: 0 },
      { name: 'head', select: 'head.**', lrMult: 10 },
    ], { defaults: { lr: 1e-3, weightDecay: 0.05 } });
    expect(specs.map((g) => [g.name, namesOf(g)])).toEqual([
      ['noDecay', ['embed.weight', 'blocks.0.norm.weight', 'blocks.0.norm.bias', 'blocks.0.fc.bias', 'blocks.1.norm.weight', 'blocks.1.norm.bias', 'blocks.1.fc.bias', 'blocks.2.norm.weight', 'blocks.2.norm.bias', 'blocks.2.fc.bias']],
      ['default', ['blocks.0.fc.weight', 'blocks.1.fc.weight', 'blocks.2.fc.weight']],
      ['head', ['head.weight']],
      ['noDecay+head', ['head.bias']],
    ]);
  });

  it('a rule that sets nothing names a group and keeps its parameters apart', () => {
    const model = new SeedSequential();
    const specs = paramGroups(model, [
      { name: 'base', select: model.base },
      { name: 'classifier', select: model.classifier },
    ], { defaults: { lr: 0.1 } });
    expect(specs.map((g) => [g.name, g.lr])).toEqual([['base', 0.1], ['classifier', 0.1]]);
  });

  it("merge: 'none' gives one group per parameter", () => {
    const specs = paramGroups(new SeedSequential(), [{ name: 'all', select: '**', lrMult: 1 }], { defaults: { lr: 1 }, merge: 'none' });
    expect(specs.map((g) => g.name)).toEqual(['all', 'all#2', 'all#3', 'all#4', 'all#5', 'all#6', 'all#7', 'all#8']);
  });

  it('rules without a name are named after their selector', () => {
    const specs = paramGroups(new SeedSequential(), [{ select: 'classifier.**', lr: 1 }, { select: optim.select.bias, weightDecay: 0 }], quiet);
    expect(specs.map((g) => g.name)).toEqual(['default', 'bias', 'classifier.**', 'classifier.**+bias']);
  });
});

describe('coverage', () => {
  it('parameters no rule selected go to the default group and are reported', () => {
    const model = new SeedSequential();
    const specs = paramGroups(model, [{ name: 'head', select: model.classifier, lr: 1e-3 }], { defaultGroup: 'rest' });
    expect(specs.map((g) => g.name)).toEqual(['rest', 'head']);
    expect(specs.report.unselected).toEqual(['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias']);
  });

  it('frozen parameters are left out and reported, or kept with frozen: include', () => {
    const model = new SeedSequential();
    for (const p of model.base.parameters()) p.requiresGrad_(false);
    const specs = paramGroups(model, [{ name: 'head', select: model.classifier, lr: 1e-3 }]);
    expect(specs.map((g) => g.name)).toEqual(['head']);
    expect(specs.report.frozen).toEqual({ names: ['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias'], included: false });
    const kept = paramGroups(model, [{ name: 'head', select: model.classifier, lr: 1e-3 }], { frozen: 'include' });
    expect(kept.map((g) => [g.name, g.params.length])).toEqual([['default', 4], ['head', 4]]);
    expect(kept.report.frozen.included).toBe(true);
  });

  it("a catch-all rule may be named 'default' (no parameter is left for the default group)", () => {
    const specs = paramGroups(new SeedSequential(), [{ name: 'head', select: 'classifier.**', lr: 1 }, { name: 'default', select: 'base.**', lr: 2 }]);
    expect(specs.map((g) => g.name)).toEqual(['default', 'head']);
  });

  it('a rule that selects only frozen parameters is not an empty rule', () => {
    const model = new SeedSequential();
    for (const p of model.base.parameters()) p.requiresGrad_(false);
    const specs = paramGroups(model, [{ name: 'base', select: model.base, lrMult: 0.1 }], { defaults: { lr: 1 } });
    expect(specs.map((g) => g.name)).toEqual(['default']);
    expect(specs.report.emptyRules).toEqual([]);
  });

  it('a rule that selects nothing warns (strict: false) with the nearest names, or is silent when optional', () => {
    const w = collectWarnings();
    const specs = paramGroups(new Segmenter(), [{ name: 'head', select: 'head.**', lr: 1 }, { name: 'opt', select: 'decoder.**', lr: 1, optional: true }], { strict: false, onWarning: w.onWarning });
    expect(w.warnings).toEqual(['rule "head" selects no parameter (select: head.**); nearest: "decode_head", "auxiliary_head", "decode_head.bias"']);
    expect(specs.report.emptyRules.map((e) => e.rule)).toEqual(['head', 'opt']);
  });

  it('overlaps are reported with what each rule contributed', () => {
    const specs = paramGroups(new SeedSequential(), [
      { name: 'head', select: 'classifier.**', lrMult: 0.1 },
      { name: 'noDecay', select: optim.select.bias, weightDecay: 0 },
    ], { defaults: { lr: 1, weightDecay: 0.01 } });
    expect(specs.report.overlaps).toEqual([{ rules: ['head', 'noDecay'], params: ['classifier.0.bias', 'classifier.2.bias'], contributions: { head: 'lr ×0.1', noDecay: 'weightDecay = 0' } }]);
  });
});

describe('layer-wise decay', () => {
  // Net: embed (depth 0), blocks.0..2 (depths 1..3), head (depth 4 = D).
  it('infers depth from the module tree: embeddings first, blocks of the ModuleList, head last', () => {
    const specs = paramGroups(new Net(), [{ name: 'layers', select: '**', layerDecay: { rate: 0.5 } }], { defaults: { lr: 1 } });
    expect(specs.map((g) => [g.name, g.lr])).toEqual([['layers[0]', 0.5 ** 4], ['layers[1]', 0.5 ** 3], ['layers[2]', 0.5 ** 2], ['layers[3]', 0.5], ['layers[4]', 1]]);
    expect(namesOf(specs[1]!)).toEqual(['blocks.0.norm.weight', 'blocks.0.norm.bias', 'blocks.0.fc.weight', 'blocks.0.fc.bias']);
  });

  it('a floor merges the deepest layers (timm min_scale)', () => {
    const specs = paramGroups(new Net(), [{ name: 'layers', select: '**', layerDecay: { rate: 0.5, floor: 0.2 } }], { defaults: { lr: 1 } });
    expect(specs.map((g) => [g.name, g.lr])).toEqual([['layers[0..1]', 0.2], ['layers[2]', 0.25], ['layers[3]', 0.5], ['layers[4]', 1]]);
  });

  it('the depth can be overridden by a function, and the blocks named', () => {
    const viaFn = paramGroups(new Net(), [{
      name: 'layers', select: '**',
      layerDecay: { rate: 0.5, depth: ({ name, inferred }) => (name.startsWith('head') ? 3 : inferred) },
    }], { defaults: { lr: 1 } });
    expect(viaFn.map((g) => [g.name, g.lr])).toEqual([['layers[0]', 0.125], ['layers[1]', 0.25], ['layers[2]', 0.5], ['layers[3]', 1]]);
    class Two extends nn.Module {
      a = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 2));
      b = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2), new nn.Linear(2, 2)]);
    }
    const named = paramGroups(new Two(), [{ name: 'ld', select: '**', layerDecay: { rate: 0.5, blocks: ['a', 'b'] } }], { defaults: { lr: 1 } });
    expect(named.map((g) => [g.name, g.lr])).toEqual([['ld[1]', 0.5 ** 5], ['ld[2]', 0.5 ** 4], ['ld[3]', 0.5 ** 3], ['ld[4]', 0.5 ** 2], ['ld[5]', 0.5]]);
  });

  it('decays only what the rule selects, on the key it names', () => {
    const specs = paramGroups(new Net(), [{ name: 'wd', select: 'blocks.**', layerDecay: { rate: 0.5, key: 'weightDecay' } }], { defaults: { lr: 1, weightDecay: 1 } });
    expect(specs.map((g) => [g.name, g.lr, g.weightDecay])).toEqual([['default', 1, 1], ['wd[1]', 1, 0.125], ['wd[2]', 1, 0.25], ['wd[3]', 1, 0.5]]);
  });
});

describe('discriminative rates (fastai)', () => {
  class Three extends nn.Module {
    body = new nn.Linear(2, 2);
    neck = new nn.Linear(2, 2);
    head = new nn.Linear(2, 2);
  }
  it('spreads [low, high] geometrically across parts (fastai even_mults)', () => {
    const m = new Three();
    const specs = paramGroups(m, [{ name: 'parts', parts: [m.body, m.neck, m.head], spread: { lr: [1e-5, 1e-3] } }]);
    // even_mults(1e-5, 1e-3, 3): step = (1e-3/1e-5)^(1/2) = 10 → 1e-5, 1e-5·10, 1e-5·10²
    expect(specs.map((g) => [g.name, g.lr])).toEqual([['parts[0]', 1e-5], ['parts[1]', 1e-5 * 10 ** 1], ['parts[2]', 1e-5 * 10 ** 2]]);
  });

  it('{ stop } gives stop/10 to all parts but the last (fastai slice(stop))', () => {
    const m = new Three();
    const specs = paramGroups(m, [{ name: 'parts', parts: [m.body, m.neck, m.head], spread: { lr: { stop: 1e-3 } } }]);
    expect(specs.map((g) => [g.name, g.lr])).toEqual([['parts[0]', 1e-3 / 10], ['parts[1]', 1e-3 / 10], ['parts[2]', 1e-3]]);
  });

  it('parts without a spread still make one group each; multipliers can be spread too', () => {
    const m = new Three();
    expect(paramGroups(m, [{ name: 'p', parts: [m.body, [m.neck, m.head]] }], { defaults: { lr: 1 } }).map((g) => g.name)).toEqual(['p[0]', 'p[1]']);
    const specs = paramGroups(m, [{ name: 'p', parts: [m.body, m.neck, m.head], spread: { lrMult: [0.01, 1] } }], { defaults: { lr: 2 } });
    expect(specs.map((g) => g.lrMult)).toEqual([0.01, 0.01 * 10, 0.01 * 10 ** 2]);
  });

  it('an Embedding stays at depth 0 wherever it is declared', () => {
    class Late extends nn.Module {
      blocks = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
      emb = new Embedding(3, 2);
    }
    const specs = paramGroups(new Late(), [{ name: 'l', select: '**', layerDecay: { rate: 0.5 } }], { defaults: { lr: 1 } });
    expect(specs.map((g) => [g.name, namesOf(g)])).toEqual([['l[1]', ['blocks.0.weight', 'blocks.0.bias']], ['l[2]', ['blocks.1.weight', 'blocks.1.bias']], ['l[0]', ['emb.weight']]]);
  });
});

describe('layer-depth inference', () => {
  const depthsOf = (model: optim.ModuleLike, blocks?: string): [string, string[]][] =>
    paramGroups(model, [{ name: 'l', select: '**', layerDecay: { rate: 0.5, ...(blocks ? { blocks } : {}) } }], { defaults: { lr: 1 } }).map((g) => [g.name, namesOf(g)]);

  it('the stack is the outermost container of blocks, even when an MLP inside each block has more layers', () => {
    class Blk extends nn.Module {
      mlp = new nn.Sequential(new nn.Linear(2, 2), new nn.GELU(), new nn.Linear(2, 2), new nn.Linear(2, 2));
    }
    class M extends nn.Module {
      embed = new Embedding(3, 2);
      blocks = new nn.ModuleList([new Blk(), new Blk()]);
      head = new nn.Linear(2, 2);
    }
    const blk = (i: number): string[] => [0, 2, 3].flatMap((j) => [`blocks.${i}.mlp.${j}.weight`, `blocks.${i}.mlp.${j}.bias`]);
    const model = new M();
    expect(depthsOf(model)).toEqual([['l[0]', ['embed.weight']], ['l[1]', blk(0)], ['l[2]', blk(1)], ['l[3]', ['head.weight', 'head.bias']]]);
    const specs = paramGroups(model, [{ name: 'l', select: '**', layerDecay: { rate: 0.5 } }], { defaults: { lr: 1 } });
    expect(specs.report.layerDecay).toEqual([{ rule: 'l', blocks: ['blocks'], numBlocks: 2, maxDepth: 3 }]);
  });

  it('a model that is a Sequential of [embedding, blocks, head] decays across the blocks, not its own three children', () => {
    const model = new nn.Sequential(new Embedding(3, 2), new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2), new nn.Linear(2, 2)]), new nn.Linear(2, 2));
    expect(depthsOf(model)).toEqual([
      ['l[0]', ['0.weight']], ['l[1]', ['1.0.weight', '1.0.bias']], ['l[2]', ['1.1.weight', '1.1.bias']], ['l[3]', ['1.2.weight', '1.2.bias']], ['l[4]', ['2.weight', '2.bias']],
    ]);
  });

  it('a plain Sequential MLP: each layer is a block', () => {
    const model = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 2));
    expect(depthsOf(model).map(([n, ps]) => [n, ps[0]])).toEqual([['l[1]', '0.weight'], ['l[2]', '2.weight'], ['l[3]', '4.weight']]);
    expect(paramGroups(model, [{ name: 'l', select: '**', layerDecay: { rate: 0.5 } }], { defaults: { lr: 1 } }).report.layerDecay)
      .toEqual([{ rule: 'l', blocks: [''], numBlocks: 3, maxDepth: 4 }]);
  });

  it('ResNet-like stages are not guessed across: name them with blocks', () => {
    class Stage extends nn.Sequential {
      constructor() {
        super(new nn.Linear(2, 2), new nn.Linear(2, 2));
      }
    }
    class R extends nn.Module {
      stem = new nn.Linear(2, 2);
      layer1 = new Stage();
      layer2 = new Stage();
      fc = new nn.Linear(2, 2);
    }
    const model = new R();
    // The guess takes the first stage as the stack (the report says so) …
    expect(paramGroups(model, [{ name: 'l', select: '**', layerDecay: { rate: 0.5 } }], { defaults: { lr: 1 } }).report.layerDecay[0]!.blocks).toEqual(['layer1']);
    // … naming both stages numbers their blocks one after the other.
    const named = paramGroups(model, [{ name: 'l', select: '**', layerDecay: { rate: 0.5, blocks: ['layer1', 'layer2'] } }], { defaults: { lr: 1 } });
    expect(named.map((g) => [g.name, namesOf(g)[0]])).toEqual([['l[0]', 'stem.weight'], ['l[1]', 'layer1.0.weight'], ['l[2]', 'layer1.1.weight'], ['l[3]', 'layer2.0.weight'], ['l[4]', 'layer2.1.weight'], ['l[5]', 'fc.weight']]);
  });
});

describe('edge cases', () => {
  it("a replace rule's own factors compose with each other", () => {
    const specs = paramGroups(new Net(), [
      { name: 'all', select: '**', lrMult: 0.1 },
      { name: 'ld', select: 'blocks.**', lrMult: 2, mode: 'replace', layerDecay: { rate: 0.5 } },
    ], { defaults: { lr: 1 } });
    // blocks.0 is depth 1 of 4: 1 × 2 × 0.5^3, the earlier ×0.1 discarded.
    expect(specs.find((g) => g.name === 'all+ld[1]')!.lr).toBe(2 * 0.125);
  });

  it('a model whose parameters are all frozen gives no groups, with a warning', () => {
    const model = new SeedSequential();
    model.requiresGrad_(false);
    const w = collectWarnings();
    expect(paramGroups(model, [], { onWarning: w.onWarning })).toEqual([]);
    expect(w.warnings[0]).toMatch(/^the model has no trainable parameter, so there are no groups \(8 frozen: base\.0\.weight/);
  });
});
