/**
 * Keys on a group: one rule for the constructor, `addParamGroup`, live groups
 * (checked before a step and by `stateDict()`) and `loadStateDict`. The
 * user's own keys are kept, saved and read back; a key that looks like a
 * mistake for a known one is refused everywhere with the fix. Also how an
 * optimizer prints.
 */
import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { seeded } from './cases.js';
import { ParamGroupError, StateDictError, optim, tensor } from './lib.js';

// The typed way in for keys of one's own: declared once, for every optimizer's groups.
declare global {
  interface KindlingGroupKeys {
    lrScale?: number;
    layerId?: number;
  }
}

const pair = () => [seeded([2], 1), seeded([3], 2)] as const;

describe('the user\'s own keys', () => {
  it('are kept from construction and addParamGroup, saved, and read back', () => {
    const [a, b] = pair();
    const opt = new optim.AdamW([{ params: [a], lrScale: 0.5, layerId: 3 }], { lr: 1e-3 });
    opt.addParamGroup({ params: [b], lrScale: 1 });
    expect(opt.paramGroups.map((g) => g.lrScale)).toEqual([0.5, 1]);
    expectTypeOf(opt.paramGroups[0]!.lrScale).toEqualTypeOf<number | undefined>();
    const sd = opt.stateDict();
    expect(sd.paramGroups[0]).toMatchObject({ lrScale: 0.5, layerId: 3 });
    const [c, d] = pair();
    const fresh = new optim.AdamW([{ params: [c] }, { params: [d] }], { lr: 1e-3 });
    fresh.loadStateDict(sd);
    expect(fresh.paramGroups.map((g) => [g.lrScale, g.layerId])).toEqual([[0.5, 3], [1, undefined]]);
    // PyTorch's names on the way out, and back.
    expect(optim.toPyTorchStateDict(sd).param_groups[0]).toMatchObject({ lr_scale: 0.5, layer_id: 3 });
  });

  it('set on a live group: a step keeps them, stateDict saves them, loadStateDict reads them back', () => {
    const [a] = pair();
    const opt = new optim.SGD([a], { lr: 0.1 });
    const g = opt.paramGroups[0] as unknown as Record<string, unknown>;
    g['maxNorm'] = 1;
    g['id'] = 7; // short keys of one's own are not taken for `lr`
    a.grad = tensor([1, 1]);
    opt.step();
    const sd = opt.stateDict();
    const fresh = new optim.SGD([seeded([2], 1)], { lr: 0.1 });
    fresh.loadStateDict(sd);
    expect(fresh.paramGroups[0]).toMatchObject({ maxNorm: 1, id: 7 });
  });

  it('a PyTorch state dict with timm\'s lr_scale and a group name loads and keeps them', () => {
    // What torch.optim.AdamW(param_groups).state_dict() holds for timm's param_groups_layer_decay, in PyTorch 2.x's layout.
    const pytorch = {
      state: {},
      param_groups: [
        { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, foreach: null, capturable: false,
          differentiable: false, fused: null, lr_scale: 0.75, name: 'layer_0_no_decay', params: [0] },
        { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.05, amsgrad: false, maximize: false, foreach: null, capturable: false,
          differentiable: false, fused: null, lr_scale: 1, name: 'layer_1_decay', params: [1] },
      ],
    };
    const [a, b] = pair();
    const opt = new optim.AdamW([{ params: [a] }, { params: [b] }]);
    opt.loadStateDict(pytorch);
    expect(opt.paramGroups.map((g) => [g.name, g.lrScale, g.weightDecay])).toEqual([['layer_0_no_decay', 0.75, 0], ['layer_1_decay', 1, 0.05]]);
    expect(optim.toPyTorchStateDict(opt.stateDict()).param_groups.map((g) => g['lr_scale'])).toEqual([0.75, 1]);
  });

  it('loading replaces a group\'s keys with the saved group\'s, as PyTorch', () => {
    const [a] = pair();
    const saved = new optim.SGD([{ params: [a] }], { lr: 0.1 }).stateDict();
    const opt = new optim.SGD([{ params: [seeded([2], 1)], lrScale: 0.5 }], { lr: 0.2 });
    opt.loadStateDict(saved);
    expect(opt.paramGroups[0]!.lrScale).toBeUndefined();
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
  });
});

describe('keys that look like mistakes are refused everywhere, with the fix', () => {
  const rows: { where: string; call: () => unknown; error: typeof ParamGroupError | typeof StateDictError; match: RegExp }[] = [
    {
      where: 'the constructor (a misspelling)',
      call: () => new optim.SGD([{ params: [seeded([2], 1)], weightDecy: 0.1 } as never], { lr: 0.1 }),
      error: ParamGroupError,
      match: /SGD: unknown key 'weightDecy' in parameter group 0 \(did you mean 'weightDecay'\?\)/,
    },
    {
      where: 'the constructor (PyTorch\'s snake_case)',
      call: () => new optim.SGD([{ params: [seeded([2], 1)], weight_decay: 0.1 } as never], { lr: 0.1 }),
      error: ParamGroupError,
      match: /unknown key 'weight_decay' in parameter group 0 \(did you mean 'weightDecay'\?\)/,
    },
    {
      where: 'the constructor (another library\'s name for lr)',
      call: () => new optim.Adam([{ params: [seeded([2], 1)], learning_rate: 0.1 } as never]),
      error: ParamGroupError,
      match: /unknown key 'learning_rate' in parameter group 0 \(did you mean 'lr'\?\)/,
    },
    {
      where: 'the constructor (another optimizer\'s hyperparameter)',
      call: () => new optim.Adam([{ params: [seeded([2], 1)], nesterov: true } as never]),
      error: ParamGroupError,
      match: /unknown key 'nesterov' in parameter group 0 \(Adam accepts lr, betas, eps, weightDecay, amsgrad, maximize\)/,
    },
    {
      where: 'the options (they hold hyperparameters only)',
      call: () => new optim.SGD([seeded([2], 1)], { lr: 0.1, lrScale: 0.5 } as optim.SGDOptions),
      error: ParamGroupError,
      match: /unknown key 'lrScale' in the options \(SGD accepts .*; a key of your own goes on a group: \{ params, lrScale: … \}\)/,
    },
    {
      where: 'addParamGroup',
      call: () => new optim.SGD([seeded([2], 1)], { lr: 0.1 }).addParamGroup({ params: [seeded([3], 2)], momentun: 0.9 } as never),
      error: ParamGroupError,
      match: /SGD\.addParamGroup: unknown key 'momentun' in parameter group 1 \(did you mean 'momentum'\?\)/,
    },
    {
      where: 'a live group, before a step',
      call: () => {
        const p = seeded([2], 1);
        const opt = new optim.SGD([p], { lr: 0.1 });
        (opt.paramGroups[0] as unknown as Record<string, unknown>)['weightdecay'] = 0.1;
        p.grad = tensor([1, 1]);
        opt.step();
      },
      error: ParamGroupError,
      match: /SGD\.step: unknown key 'weightdecay' in parameter group 0 \(did you mean 'weightDecay'\?\)/,
    },
    {
      where: 'a live group, by stateDict (it writes nothing loadStateDict would refuse)',
      call: () => {
        const opt = new optim.SGD([seeded([2], 1)], { lr: 0.1 });
        (opt.paramGroups[0] as unknown as Record<string, unknown>)['lrr'] = 0.1;
        return opt.stateDict();
      },
      error: ParamGroupError,
      match: /SGD\.stateDict: unknown key 'lrr' in parameter group 0 \(did you mean 'lr'\?\)/,
    },
    {
      where: 'loadStateDict',
      call: () => {
        const opt = new optim.SGD([seeded([2], 1)], { lr: 0.1 });
        const sd = opt.stateDict();
        sd.paramGroups[0]!['nesterow'] = true;
        opt.loadStateDict(sd);
      },
      error: StateDictError,
      match: /SGD\.loadStateDict: unknown key 'nesterow' in saved parameter group 0 \(did you mean 'nesterov'\?\)/,
    },
  ];
  for (const r of rows) {
    it(r.where, () => {
      expect(r.call).toThrow(r.error);
      expect(r.call).toThrow(r.match);
    });
  }

  it('a refused load leaves the groups as they were', () => {
    const opt = new optim.SGD([{ params: [seeded([2], 1)], lrScale: 0.5 }], { lr: 0.1 });
    const sd = opt.stateDict();
    sd.paramGroups[0]!['lr'] = 0.3;
    sd.paramGroups[0]!['lrScale'] = 2;
    sd.paramGroups[0]!['dampenin'] = 0;
    expect(() => opt.loadStateDict(sd)).toThrow(/did you mean 'dampening'/);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.1, lrScale: 0.5 });
  });

  it('a misspelt user key fails to compile once keys are declared', () => {
    const p = seeded([2], 1);
    // @ts-expect-error -- lrScal is neither a hyperparameter nor a declared key (at run time it is a key of one's own).
    const opt = new optim.SGD([{ params: [p], lrScal: 0.5 }], { lr: 0.1 });
    expect((opt.paramGroups[0] as unknown as Record<string, unknown>)['lrScal']).toBe(0.5);
  });
});

describe('printing', () => {
  it('String(opt) is PyTorch\'s repr: the class, then each group\'s keys sorted', () => {
    const [a, b] = pair();
    const opt = new optim.SGD([{ params: [['fc.weight', a]], name: 'head' }, { params: [['fc.bias', b]], lr: 0.5, lrScale: 2 }], { lr: 0.1, momentum: 0.9 });
    expect(String(opt)).toBe([
      'SGD (',
      'Parameter Group 0',
      '    dampening: 0', '    lr: 0.1', '    maximize: false', '    momentum: 0.9', '    name: \'head\'', '    nesterov: false',
      '    paramNames: [\'fc.weight\']', '    weightDecay: 0',
      'Parameter Group 1',
      '    dampening: 0', '    lr: 0.5', '    lrScale: 2', '    maximize: false', '    momentum: 0.9', '    nesterov: false',
      '    paramNames: [\'fc.bias\']', '    weightDecay: 0',
      ')',
    ].join('\n'));
  });

  it('console.log (Node\'s inspector) shows the same text, not hooks and counters', () => {
    const opt = new optim.Adam([seeded([2], 1)]);
    opt.registerStepPreHook(() => undefined);
    expect(inspect(opt)).toBe(String(opt));
    expect(inspect({ opt })).toContain('Parameter Group 0');
    expect(inspect(opt)).not.toMatch(/Hooks|nextHookId|steps/);
  });

  it('cuts long parameter-name lists', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => [n, seeded([1], i + 1)] as const);
    const opt = new optim.SGD(names, { lr: 0.1 });
    expect(String(opt)).toContain('    paramNames: [\'a\', \'b\', \'c\', \'d\', … (6 in all)]');
  });
});

describe('the list of every optimizer\'s hyperparameters', () => {
  it('covers each optimizer\'s schema (a key of another optimizer is a mistake, never a user key)', async () => {
    const { KNOWN_HYPERPARAMETERS } = await import('../../src/optim/hyper.js');
    const classes = [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad, optim.Adadelta, optim.Adamax, optim.NAdam, optim.RAdam, optim.ASGD, optim.Rprop, optim.LBFGS];
    const missing = classes.flatMap((C) => Object.keys(C.schema.keys).filter((k) => !KNOWN_HYPERPARAMETERS.has(k)).map((k) => `${C.name}.${k}`));
    expect(missing).toEqual([]);
  });
});
