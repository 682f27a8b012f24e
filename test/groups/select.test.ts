import { describe, expect, it } from 'vitest';
import { Embedding, LayerNorm, nn, ones, type Tensor, optim } from './lib.js';
import { Net, SmallCNN, Tied } from './models.js';
import { isNormModule } from '../../src/groups/tags.js';

const { paramGroups, select, tag, markNorm, markEmbedding } = optim;

/** The names a single rule selects (everything else lands in `default`). */
function selected(model: optim.ModuleLike, sel: optim.Selector | readonly optim.Selector[], exclude?: optim.Selector): string[] {
  const specs = paramGroups(model, [{ name: 'r', select: sel, exclude, weightDecay: 0 }], { onWarning: false });
  return specs.filter((g) => g.name === 'r').flatMap((g) => g.params.map(([n]) => n));
}

describe('selectors', () => {
  const net = new Net();
  const cases: { what: string; sel: optim.Selector | readonly optim.Selector[]; want: string[] }[] = [
    { what: 'glob: * is one segment', sel: '*.weight', want: ['embed.weight', 'head.weight'] },
    { what: 'glob: ** is any number of segments', sel: 'blocks.**', want: [0, 1, 2].flatMap((i) => [`blocks.${i}.norm.weight`, `blocks.${i}.norm.bias`, `blocks.${i}.fc.weight`, `blocks.${i}.fc.bias`]) },
    { what: 'glob: ** in the middle', sel: 'blocks.**.bias', want: ['blocks.0.norm.bias', 'blocks.0.fc.bias', 'blocks.1.norm.bias', 'blocks.1.fc.bias', 'blocks.2.norm.bias', 'blocks.2.fc.bias'] },
    { what: 'glob: * inside a segment and ?', sel: 'blocks.?.f*.weight', want: ['blocks.0.fc.weight', 'blocks.1.fc.weight', 'blocks.2.fc.weight'] },
    { what: 'glob: ** matches zero segments too', sel: '**.head.**', want: ['head.weight', 'head.bias'] },
    { what: 'regex (unanchored)', sel: /^blocks\.[12]\.fc\./, want: ['blocks.1.fc.weight', 'blocks.1.fc.bias', 'blocks.2.fc.weight', 'blocks.2.fc.bias'] },
    { what: 'regex as JSON', sel: { regex: 'norm\\.WEIGHT$', flags: 'i' }, want: ['blocks.0.norm.weight', 'blocks.1.norm.weight', 'blocks.2.norm.weight'] },
    { what: 'module object', sel: net.blocks.at(1), want: ['blocks.1.norm.weight', 'blocks.1.norm.bias', 'blocks.1.fc.weight', 'blocks.1.fc.bias'] },
    { what: 'module path (JSON)', sel: { module: 'blocks.2.fc' }, want: ['blocks.2.fc.weight', 'blocks.2.fc.bias'] },
    { what: 'module class', sel: LayerNorm, want: ['blocks.0.norm.weight', 'blocks.0.norm.bias', 'blocks.1.norm.weight', 'blocks.1.norm.bias', 'blocks.2.norm.weight', 'blocks.2.norm.bias'] },
    { what: 'module class by name (JSON)', sel: { moduleClass: 'Embedding' }, want: ['embed.weight'] },
    { what: 'ndim', sel: { ndim: { max: 1 } }, want: ['blocks.0.norm.weight', 'blocks.0.norm.bias', 'blocks.0.fc.bias', 'blocks.1.norm.weight', 'blocks.1.norm.bias', 'blocks.1.fc.bias', 'blocks.2.norm.weight', 'blocks.2.norm.bias', 'blocks.2.fc.bias', 'head.bias'] },
    { what: 'shape with -1', sel: { shape: [-1, 4] }, want: ['embed.weight', 'blocks.0.fc.weight', 'blocks.1.fc.weight', 'blocks.2.fc.weight', 'head.weight'] },
    { what: 'predicate (name, param, module)', sel: (name: string, p: Tensor, m: optim.ModuleLike) => m === net.head && p.ndim === 2 && name === 'head.weight', want: ['head.weight'] },
    { what: 'a list means any', sel: ['head.*', { module: 'embed' }], want: ['embed.weight', 'head.weight', 'head.bias'] },
    { what: 'all / not', sel: { all: ['blocks.**', { not: select.oneD }] }, want: ['blocks.0.fc.weight', 'blocks.1.fc.weight', 'blocks.2.fc.weight'] },
    { what: 'built-in bias', sel: select.bias, want: ['blocks.0.norm.bias', 'blocks.0.fc.bias', 'blocks.1.norm.bias', 'blocks.1.fc.bias', 'blocks.2.norm.bias', 'blocks.2.fc.bias', 'head.bias'] },
    { what: 'built-in norm', sel: select.norm, want: ['blocks.0.norm.weight', 'blocks.0.norm.bias', 'blocks.1.norm.weight', 'blocks.1.norm.bias', 'blocks.2.norm.weight', 'blocks.2.norm.bias'] },
    { what: 'built-in embedding', sel: select.embedding, want: ['embed.weight'] },
    { what: 'built-in all', sel: select.all, want: [...net.namedParameters()].map(([n]) => n) },
  ];
  for (const c of cases) {
    it(c.what, () => expect(selected(net, c.sel)).toEqual(c.want));
  }

  it('exclude takes parameters out of select', () => {
    expect(selected(net, 'blocks.0.**', select.oneD)).toEqual(['blocks.0.fc.weight']);
  });

  it('noDecay = biases, norms, embeddings, 1-D parameters and the noDecay tag', () => {
    class WithPos extends nn.Module {
      pos = tag(new nn.Parameter(ones([1, 3, 4])), 'noDecay');
      proj = new nn.Linear(4, 4);
      scale = new nn.Parameter(ones([1]));
    }
    // NOTE: a module's own parameters come before its children's, as in PyTorch.
    expect(selected(new WithPos(), select.noDecay)).toEqual(['pos', 'scale', 'proj.bias']);
    expect(selected(net, optim.noDecay)).toEqual(['embed.weight', ...selected(net, { ndim: { max: 1 } })]);
  });

  it('biases include in_proj_bias-style names', () => {
    class Attn extends nn.Module {
      in_proj_bias = new nn.Parameter(ones([12]));
      inProjBias = new nn.Parameter(ones([12]));
      relative_position_bias_table = new nn.Parameter(ones([3, 2]));
    }
    expect(selected(new Attn(), select.bias)).toEqual(['in_proj_bias', 'inProjBias']);
  });

  it('norm layers: kindling norms, classes named …Norm, and classes marked with markNorm', () => {
    class RMSNorm extends nn.Module {
      weight = new nn.Parameter(ones([4]));
    }
    class ScaleLayer extends nn.Module {
      gain = new nn.Parameter(ones([4, 4]));
    }
    class M extends nn.Module {
      a = new RMSNorm();
      b = new ScaleLayer();
      c = new SmallCNN();
    }
    const m = new M();
    expect(selected(m, select.norm)).toEqual(['a.weight', 'c.stem.1.weight', 'c.stem.1.bias', 'c.body.1.weight', 'c.body.1.bias']);
    markNorm(ScaleLayer);
    expect(selected(m, select.norm)).toContain('b.gain');
  });

  it("every normalisation layer kindling's nn exports is a norm for the built-in selector", () => {
    const norms = Object.values(nn).filter((c): c is new (...a: never[]) => nn.Module => typeof c === 'function' && /Norm/.test(c.name));
    expect(norms.map((c) => c.name).sort()).toEqual(expect.arrayContaining(['BatchNorm1d', 'BatchNorm2d', 'GroupNorm', 'LayerNorm']));
    for (const C of norms) expect(isNormModule(Object.create(C.prototype) as nn.Module), C.name).toBe(true);
    expect(isNormModule(new nn.Linear(2, 2))).toBe(false);
  });

  it('embeddings: nn.Embedding, classes marked with markEmbedding, modules tagged embedding', () => {
    class PosEmbed extends nn.Module {
      table = new nn.Parameter(ones([5, 4]));
    }
    class Patch extends nn.Module {
      proj = new nn.Linear(4, 4);
    }
    class M extends nn.Module {
      tok = new Embedding(5, 4);
      pos = new PosEmbed();
      patch = tag(new Patch(), 'embedding');
    }
    const m = new M();
    expect(selected(m, select.embedding)).toEqual(['tok.weight', 'patch.proj.weight', 'patch.proj.bias']);
    markEmbedding(PosEmbed);
    expect(selected(m, select.embedding)).toEqual(['tok.weight', 'pos.table', 'patch.proj.weight', 'patch.proj.bias']);
  });

  it('tags on a module apply to the parameters below it; tagsOf and untag', () => {
    const m = new Net();
    tag(m.blocks.at(0), 'slow', 'early');
    expect(selected(m, { tag: 'slow' })).toEqual(['blocks.0.norm.weight', 'blocks.0.norm.bias', 'blocks.0.fc.weight', 'blocks.0.fc.bias']);
    expect(optim.tagsOf(m.blocks.at(0))).toEqual(['early', 'slow']);
    optim.untag(m.blocks.at(0), 'slow');
    expect(optim.tagsOf(m.blocks.at(0))).toEqual(['early']);
  });

  it('a tied parameter is selected through any of its names, and lands once under its first', () => {
    const m = new Tied();
    expect(selected(m, 'head.*')).toEqual(['embed.weight']);
    const specs = paramGroups(m, [{ select: 'head.weight', lr: 0.5 }], { onWarning: false });
    expect(specs.report.tied).toEqual([{ names: ['embed.weight', 'head.weight'], group: 'head.weight' }]);
  });
});
