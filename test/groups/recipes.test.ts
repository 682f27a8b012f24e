/**
 * Recipes of other tools, reproduced with rules and compared with what the
 * original algorithms give. Each expected result is computed here by a direct
 * transcription of the original's documented algorithm (cited in a comment),
 * never by the code under test.
 */
import { describe, expect, it } from 'vitest';
import { BatchNorm2d, Conv2d, Embedding, LayerNorm, nn, ones, optim, type Tensor, TransformerEncoderLayer, zeros } from './lib.js';

interface Expected {
  params: string[];
  values: Record<string, number>;
}

/** Our groups as { params, values } for the keys the original sets. */
function ours(specs: readonly optim.GroupSpec[], keys: readonly string[]): Expected[] {
  return specs.map((g) => ({
    params: g.params.map(([n]) => n),
    values: Object.fromEntries(keys.map((k) => [k, (g as Record<string, unknown>)[k] as number])),
  }));
}

// ---------------------------------------------------------------------------
// timm: no-decay + layer-wise decay on a small ViT-like model.

class PatchEmbed extends nn.Module {
  proj = new nn.Linear(12, 8);
}

/** A ViT shaped like timm's VisionTransformer: cls_token, pos_embed, patch_embed, blocks, norm, head. */
class TinyViT extends nn.Module {
  cls_token = new nn.Parameter(zeros([1, 1, 8]));
  pos_embed = new nn.Parameter(zeros([1, 5, 8]));
  patch_embed = new PatchEmbed();
  blocks = new nn.ModuleList([0, 1, 2, 3].map(() => new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 })));
  norm = new LayerNorm(8);
  head = new nn.Linear(8, 4);
  /** timm's `VisionTransformer.no_weight_decay()`. */
  noWeightDecay(): string[] {
    return ['pos_embed', 'cls_token'];
  }
}

/** timm's global-pool variant: `norm` is Identity and `fc_norm`, after the blocks, is the final LayerNorm. */
class TinyViTAvg extends nn.Module {
  cls_token = new nn.Parameter(zeros([1, 1, 8]));
  pos_embed = new nn.Parameter(zeros([1, 5, 8]));
  patch_embed = new PatchEmbed();
  blocks = new nn.ModuleList([0, 1, 2].map(() => new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 })));
  norm = new nn.Identity();
  fc_norm = new LayerNorm(8);
  head = new nn.Linear(8, 4);
  noWeightDecay(): string[] {
    return ['pos_embed', 'cls_token'];
  }
}

/**
 * timm `_manipulate.group_with_matcher(named_parameters, vit.group_matcher(), reverse=True)` with
 * ViT's matcher `stem=r'^cls_token|pos_embed|patch_embed'`, `blocks=[(r'^blocks\.(\d+)', None), (r'^norm', (99999,))]`:
 * each name gets an ordinal tuple (group index, captured numbers, suffix); unmatched names get (inf,);
 * sorted ordinals are renumbered 0, 1, … except that a suffix of 99999 (MATCH_PREV_GROUP) joins the previous id.
 */
function timmVitLayerMap(names: string[]): Map<string, number> {
  const ord = (n: string): number[] => {
    // `re.match` anchors every alternative at the start.
    if (/^(?:cls_token|pos_embed|patch_embed)/.test(n)) return [0];
    const b = /^blocks\.(\d+)/.exec(n);
    if (b) return [1, Number(b[1])];
    if (/^norm/.test(n)) return [1, 99999];
    return [Infinity];
  };
  const byKey = new Map<string, { key: number[]; names: string[] }>();
  for (const n of names) {
    const key = ord(n);
    const k = key.join(',');
    byKey.set(k, { key, names: [...(byKey.get(k)?.names ?? []), n] });
  }
  const sorted = [...byKey.values()].sort((a, b) => {
    for (let i = 0; i < Math.max(a.key.length, b.key.length); i++) {
      const d = (a.key[i] ?? -Infinity) - (b.key[i] ?? -Infinity);
      if (d !== 0) return d;
    }
    return 0;
  });
  const out = new Map<string, number>();
  let lid = -1;
  for (const { key, names: ns } of sorted) {
    if (lid < 0 || key[key.length - 1] !== 99999) lid++;
    for (const n of ns) out.set(n, lid);
  }
  return out;
}

/**
 * timm `optim._param_groups.param_groups_layer_decay(model, weight_decay, no_weight_decay_list, layer_decay, min_scale)`:
 * layer ids from the model's group_matcher; num_layers = max id + 1; scale_i = max(min_scale, decay^(num_layers − 1 − i));
 * a parameter has no decay if ndim ≤ 1 or its name matches no_weight_decay_list; groups keyed
 * `layer_<id>_<decay|no_decay>` in order of first parameter, each with lr_scale and weight_decay.
 */
function timmLayerDecay(model: TinyViT | TinyViTAvg, layerMap: (names: string[]) => Map<string, number>, wd: number, decay: number, minScale: number): Expected[] {
  const named = [...model.namedParameters()].filter(([, p]) => p.requiresGrad);
  const map = layerMap(named.map(([n]) => n));
  const numLayers = Math.max(...map.values()) + 1;
  const scales = Array.from({ length: numLayers }, (_, i) => Math.max(minScale, decay ** (numLayers - 1 - i)));
  const groups = new Map<string, Expected>();
  for (const [n, p] of named) {
    const noDecay = p.ndim <= 1 || model.noWeightDecay().includes(n);
    const id = map.get(n) ?? numLayers - 1;
    const key = `layer_${id}_${noDecay ? 'no_decay' : 'decay'}`;
    const g = groups.get(key) ?? { params: [], values: { lrScale: scales[id]!, weightDecay: noDecay ? 0 : wd } };
    g.params.push(n);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/**
 * timm `param_groups_weight_decay(model, weight_decay, no_weight_decay_list)`: no decay if ndim ≤ 1, the name
 * ends in ".bias" or matches no_weight_decay_list; groups [no_decay (wd 0), decay (wd)], empty ones left out.
 */
function timmWeightDecay(model: TinyViT | TinyViTAvg, wd: number): Expected[] {
  const noDecay: string[] = [];
  const decay: string[] = [];
  for (const [n, p] of model.namedParameters()) {
    if (!p.requiresGrad) continue;
    (p.ndim <= 1 || n.endsWith('.bias') || model.noWeightDecay().includes(n) ? noDecay : decay).push(n);
  }
  return [
    ...(noDecay.length ? [{ params: noDecay, values: { weightDecay: 0 } }] : []),
    ...(decay.length ? [{ params: decay, values: { weightDecay: wd } }] : []),
  ];
}

describe('timm recipes on a TransformerEncoderLayer ViT', () => {
  const noDecayRule = (m: TinyViT | TinyViTAvg): optim.Rule<optim.AdamWOptions> => ({ name: 'noDecay', select: [optim.select.oneD, ...m.noWeightDecay()], weightDecay: 0 });

  it('param_groups_layer_decay, with a depth function transcribing ViT.group_matcher', () => {
    const model = new TinyViT();
    const L = model.blocks.length;
    const depth = ({ name }: optim.DepthInfo): number => {
      if (/^(?:cls_token|pos_embed|patch_embed)/.test(name)) return 0;
      const b = /^blocks\.(\d+)/.exec(name);
      if (b) return Number(b[1]) + 1;
      return name.startsWith('norm') ? L : L + 1;
    };
    const specs = optim.paramGroups<optim.AdamWOptions>(model, [
      { name: 'layers', select: '**', layerDecay: { rate: 0.75, depth } },
      noDecayRule(model),
    ], { defaults: { lr: 1e-3, weightDecay: 0.05 }, strict: true });
    const expected = timmLayerDecay(model, timmVitLayerMap, 0.05, 0.75, 0);
    expect(ours(specs, ['lrMult', 'weightDecay']).map((g) => ({ params: g.params, values: { lrScale: g.values['lrMult']!, weightDecay: g.values['weightDecay']! } }))).toEqual(expected);
    // timm stores lr_scale for its schedulers; kindling writes the lr itself (and keeps lrMult for schedulers).
    for (const g of specs) expect(g.lr).toBeCloseTo(1e-3 * g.lrMult!, 15);
  });

  it('generic depth inference agrees with timm when the final norm is after the blocks (global-pool ViT)', () => {
    const model = new TinyViTAvg();
    const specs = optim.paramGroups<optim.AdamWOptions>(model, [
      { name: 'layers', select: '**', layerDecay: { rate: 0.65, floor: 0.1 } },
      noDecayRule(model),
    ], { defaults: { lr: 1e-3, weightDecay: 0.05 } });
    const expected = timmLayerDecay(model, timmVitLayerMap, 0.05, 0.65, 0.1);
    expect(ours(specs, ['lrMult', 'weightDecay']).map((g) => ({ params: g.params, values: { lrScale: g.values['lrMult']!, weightDecay: g.values['weightDecay']! } }))).toEqual(expected);
  });

  it('param_groups_weight_decay', () => {
    const model = new TinyViT();
    const specs = optim.paramGroups<optim.AdamWOptions>(model, [
      { name: 'noDecay', select: [optim.select.oneD, /\.bias$/, ...model.noWeightDecay()], weightDecay: 0 },
    ], { defaults: { weightDecay: 1e-5 } });
    expect(ours(specs, ['weightDecay'])).toEqual(timmWeightDecay(model, 1e-5));
  });
});

// ---------------------------------------------------------------------------
// detectron2: norm/bias settings on a CNN.

class CNN extends nn.Module {
  stem = new nn.Sequential(new Conv2d(3, 4, 3), new BatchNorm2d(4), new nn.ReLU());
  stage = new nn.Sequential(new Conv2d(4, 4, 3, { bias: false }), new nn.GroupNorm(2, 4), new nn.ReLU());
  fc = new nn.Linear(4, 2);
}

/**
 * detectron2 `solver.build.get_default_optimizer_params(model, base_lr, weight_decay, weight_decay_norm,
 * bias_lr_factor, weight_decay_bias)` then `reduce_param_groups`: per module (pre-order) and its own trainable,
 * not yet seen parameters, start from {lr: base_lr, weight_decay}; norm layers (BatchNorm*, GroupNorm, LayerNorm …)
 * get weight_decay_norm; the override for the attribute name "bias" sets lr = base_lr × bias_lr_factor and
 * weight_decay = weight_decay_bias; then parameters with identical settings merge, in order of first occurrence.
 */
function detectron2(model: nn.Module, baseLr: number, wd: number, wdNorm: number, biasLrFactor: number, wdBias: number): Expected[] {
  const isNorm = (m: nn.Module): boolean => m instanceof BatchNorm2d || m instanceof nn.GroupNorm || m instanceof LayerNorm;
  const seen = new Set<Tensor>();
  const groups = new Map<string, Expected>();
  for (const m of model.modules()) {
    for (const [local, p] of m.namedParameters({ recurse: false })) {
      if (!p.requiresGrad || seen.has(p)) continue;
      seen.add(p);
      const hp = { lr: baseLr, weightDecay: wd };
      if (isNorm(m)) hp.weightDecay = wdNorm;
      if (local === 'bias') Object.assign(hp, { lr: baseLr * biasLrFactor, weightDecay: wdBias });
      const key = JSON.stringify(hp);
      const g: Expected = groups.get(key) ?? { params: [], values: hp };
      const name = [...model.namedParameters()].find(([, q]) => q === p)![0];
      g.params.push(name);
      groups.set(key, g);
    }
  }
  return [...groups.values()];
}

describe('detectron2 recipe', () => {
  it('get_default_optimizer_params(weight_decay_norm=0, bias_lr_factor=2, weight_decay_bias=0)', () => {
    const model = new CNN();
    const specs = optim.paramGroups<optim.SGDOptions>(model, [
      { name: 'norm', select: optim.select.norm, weightDecay: 0 },
      { name: 'bias', select: '**.bias', lrMult: 2, weightDecay: 0 },
    ], { defaults: { lr: 0.02, weightDecay: 1e-4 } });
    expect(ours(specs, ['lr', 'weightDecay'])).toEqual(detectron2(model, 0.02, 1e-4, 0, 2, 0));
    expect(specs.map((g) => g.name)).toEqual(['default', 'norm+bias', 'norm']);
  });
});

// ---------------------------------------------------------------------------
// fastai: discriminative rates and gradual unfreezing.

/** fastai `even_mults(start, stop, n)`: start · (stop/start)^(i/(n−1)), written as fastai writes it. */
function evenMults(start: number, stop: number, n: number): number[] {
  const step = (stop / start) ** (1 / (n - 1));
  return Array.from({ length: n }, (_, i) => start * step ** i);
}

/** fastai `Optimizer.set_hyper(k, slice)`: slice(start, stop) → even_mults; slice(stop) → [stop/10]·(n−1) + [stop]. */
function fastaiSlice(n: number, stop: number, start?: number): number[] {
  return start !== undefined ? evenMults(start, stop, n) : [...Array<number>(n - 1).fill(stop / 10), stop];
}

/** fastai `freeze_to(n)`: groups before frozen_idx frozen (frozen_idx = n, or len + n when negative). */
function fastaiFrozen(n: number, len: number): boolean[] {
  const idx = n >= 0 ? n : len + n;
  return Array.from({ length: len }, (_, i) => i < idx);
}

class Splitted extends nn.Module {
  body = new nn.Sequential(new Conv2d(3, 4, 3), new BatchNorm2d(4));
  neck = new nn.Linear(4, 4);
  head = new nn.Linear(4, 2);
}

describe('fastai recipe', () => {
  it('fine_tune: freeze, train the head at slice(lr), unfreeze, train at slice(lr/2/100, lr/2)', () => {
    const model = new Splitted();
    const parts = [model.body, model.neck, model.head];
    const base = 2e-3;
    const opt = new optim.Adam(optim.paramGroups<optim.AdamOptions>(model, [{ name: 'split', parts, spread: { lr: { stop: base } } }]));
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(fastaiSlice(3, base));
    // Learner.freeze() = freeze_to(-1); fastai keeps norm layers training (train_bn=True).
    optim.freezeTo(opt, -1, { keep: optim.select.norm });
    const frozen = fastaiFrozen(-1, 3);
    opt.paramGroups.forEach((g, i) => {
      g.paramNames!.forEach((n, k) => expect(g.params[k]!.requiresGrad, n).toBe(!frozen[i] || n.startsWith('body.1.')));
    });
    const before = [...model.body.parameters()].map((p) => Array.from(p.dataSync()));
    for (const p of model.parameters()) p.grad = p.requiresGrad ? ones(p.shape) : null;
    opt.step();
    expect(Array.from(model.body.at(0).parameters().next().value!.dataSync())).toEqual(before[0]);
    // Phase 2: base_lr /= 2; unfreeze(); slice(base_lr / lr_mult, base_lr) with lr_mult 100.
    optim.freezeTo(opt, 0);
    const lr2 = base / 2;
    optim.setGroupValues(opt, optim.paramGroups<optim.AdamOptions>(model, [{ name: 'split', parts, spread: { lr: [lr2 / 100, lr2] } }]));
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(fastaiSlice(3, lr2, lr2 / 100));
    expect([...model.parameters()].every((p) => p.requiresGrad)).toBe(true);
  });

  it('gradual unfreezing (ULMFiT): freeze_to(-1), (-2), (-3) with slice(lr / 2.6^4, lr)', () => {
    const model = new Splitted();
    const parts = [model.body, model.neck, model.head];
    const opt = new optim.SGD(optim.paramGroups<optim.SGDOptions>(model, [{ name: 'split', parts, spread: { lr: [1e-2 / 2.6 ** 4, 1e-2] } }]), { lr: 1e-2 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(fastaiSlice(3, 1e-2, 1e-2 / 2.6 ** 4));
    for (const n of [-1, -2, -3]) {
      optim.freezeTo(opt, n);
      expect(opt.paramGroups.map((g) => !g.params[0]!.requiresGrad), `freeze_to(${n})`).toEqual(fastaiFrozen(n, 3));
    }
  });
});

// ---------------------------------------------------------------------------
// Hugging Face Trainer: decay / no-decay split.

class RMSNorm extends nn.Module {
  weight = new nn.Parameter(ones([8]));
}

class TinyBert extends nn.Module {
  embeddings = new (class Embeddings extends nn.Module {
    word_embeddings = new Embedding(20, 8);
    position_embeddings = new Embedding(6, 8);
    LayerNorm = new LayerNorm(8);
  })();
  encoder = new nn.ModuleList([new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 })]);
  final_norm = new RMSNorm();
  pooler = new nn.Linear(8, 8);
  classifier = new nn.Linear(8, 3);
}

/**
 * transformers `Trainer.get_decay_parameter_names(model)` (after PR #35927): recursing named_children, a
 * parameter decays unless it is inside an nn.LayerNorm or its lower-cased full name matches `bias`,
 * `layernorm`, `rmsnorm`, `(?:^|\.)norm(?:$|\.)` or `_norm(?:$|\.)`. `create_optimizer` then makes
 * [{decay params, weight_decay: args.weight_decay}, {the rest, weight_decay: 0.0}] over trainable parameters.
 */
function hfGroups(model: nn.Module, wd: number): Expected[] {
  const patterns = [/bias/, /layernorm/, /rmsnorm/, /(?:^|\.)norm(?:$|\.)/, /_norm(?:$|\.)/];
  const names = (m: nn.Module): string[] => {
    const out: string[] = [];
    for (const [cn, child] of m.namedChildren()) {
      for (const n of names(child)) {
        const full = `${cn}.${n}`;
        if (!(child instanceof LayerNorm) && !patterns.some((re) => re.test(full.toLowerCase()))) out.push(full);
      }
    }
    for (const [n] of m.namedParameters({ recurse: false })) out.push(n);
    return out;
  };
  const decay = new Set(names(model));
  const all = [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
  return [
    { params: all.filter((n) => decay.has(n)), values: { weightDecay: wd } },
    { params: all.filter((n) => !decay.has(n)), values: { weightDecay: 0 } },
  ];
}

describe('Hugging Face recipe', () => {
  it('decay / no-decay: biases and norm layers (LayerNorm and a custom RMSNorm) without weight decay', () => {
    const model = new TinyBert();
    const specs = optim.paramGroups<optim.AdamWOptions>(model, [
      { name: 'noDecay', select: [optim.select.bias, optim.select.norm], weightDecay: 0 },
    ], { defaults: { weightDecay: 0.01 } });
    const got = ours(specs, ['weightDecay']);
    // HF lists the decay group first; the parameters of each group are the same.
    expect(got.find((g) => g.values['weightDecay'] === 0.01)).toEqual(hfGroups(model, 0.01)[0]);
    expect(got.find((g) => g.values['weightDecay'] === 0)).toEqual(hfGroups(model, 0.01)[1]);
    expect(specs.length).toBe(2);
  });
});
