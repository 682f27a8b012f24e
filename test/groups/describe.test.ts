import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, optim } from './lib.js';
import { Net, SeedSequential, Tied } from './models.js';

function build(): { model: SeedSequential; specs: optim.ParamGroupSpecs<optim.SGDOptions> } {
  const model = new SeedSequential();
  const specs = optim.paramGroups<optim.SGDOptions>(model, [
    { name: 'backbone', select: model.base, lrMult: 0.1 },
    { name: 'noDecay', select: optim.select.bias, weightDecay: 0 },
  ], { defaults: { lr: 1e-2, weightDecay: 1e-4 } });
  return { model, specs };
}

describe('describeGroups', () => {
  it('a terminal table: per group its size and values; per parameter (group by group) each value and the rule that set it', () => {
    // Elements: base 8·1 + 6·8 weights, 8 + 6 biases; classifier 5·6 + 3·5 weights, 5 + 3 biases.
    expect(optim.describeGroups(build().specs).table()).toBe([
      'group             params  elements  lr    lrMult  weightDecay',
      'backbone          2       56        1e-3  0.1     1e-4',
      'backbone+noDecay  2       14        1e-3  0.1     0',
      'default           2       45        0.01  1       1e-4',
      'noDecay           2       8         0.01  1       0',
      '',
      'base.0.weight        backbone: lr 1e-3 = 0.01 × 0.1 (rule "backbone"); weightDecay 1e-4 (default)',
      'base.2.weight        backbone: lr 1e-3 = 0.01 × 0.1 (rule "backbone"); weightDecay 1e-4 (default)',
      'base.0.bias          backbone+noDecay: lr 1e-3 = 0.01 × 0.1 (rule "backbone"); weightDecay 0 (rule "noDecay")',
      'base.2.bias          backbone+noDecay: lr 1e-3 = 0.01 × 0.1 (rule "backbone"); weightDecay 0 (rule "noDecay")',
      'classifier.0.weight  default: lr 0.01 (default); weightDecay 1e-4 (default)',
      'classifier.2.weight  default: lr 0.01 (default); weightDecay 1e-4 (default)',
      'classifier.0.bias    noDecay: lr 0.01 (default); weightDecay 0 (rule "noDecay")',
      'classifier.2.bias    noDecay: lr 0.01 (default); weightDecay 0 (rule "noDecay")',
    ].join('\n'));
  });

  it("explains layer decay like the issue's example", () => {
    const specs = optim.paramGroups(new Net(), [
      { name: 'layers', select: '**', layerDecay: { rate: 0.5 } },
      { name: 'noDecay', select: optim.noDecay, weightDecay: 0 },
    ], { defaults: { lr: 1e-3, weightDecay: 0.05 } });
    const p = optim.describeGroups(specs).params.find((x) => x.name === 'blocks.1.fc.bias')!;
    // depth 2 of 4: 0.5^(4 − 2) = 0.25
    expect(p.group).toBe('layers[2]+noDecay');
    expect(p.values['lr']).toEqual({ value: 1e-3 * 0.25, why: '2.5e-4 = 1e-3 × layerDecay 0.25 (rule "layers", depth 2 of 4)' });
    expect(p.values['weightDecay']).toEqual({ value: 0, why: '0 (rule "noDecay")' });
  });

  it('stable JSON: sorted keys, plain numbers, the same text every time', () => {
    const d = optim.describeGroups(build().specs);
    const text = d.json();
    expect(text).toBe(optim.describeGroups(build().specs).json());
    const parsed = JSON.parse(text) as { groups: { name: string; values: object }[]; params: { name: string }[] };
    expect(Object.keys(parsed)).toEqual(['groups', 'params']);
    expect(parsed.groups[0]).toEqual({ name: 'backbone', numel: 56, params: ['base.0.weight', 'base.2.weight'], values: { lr: 1e-2 * 0.1, lrMult: 0.1, weightDecay: 1e-4 } });
    expect(parsed.params.find((p) => p.name === 'base.0.bias')).toEqual({
      aliases: [], frozen: false, group: 'backbone+noDecay', name: 'base.0.bias',
      values: { lr: { value: 1e-2 * 0.1, why: '1e-3 = 0.01 × 0.1 (rule "backbone")' }, weightDecay: { value: 0, why: '0 (rule "noDecay")' } },
    });
    expect(text).toContain('\n  "groups": [\n    {\n      "name": "backbone",');
  });

  it('Markdown: a table of groups and a table of parameters', () => {
    const md = optim.describeGroups(build().specs).markdown().split('\n');
    expect(md.slice(0, 3)).toEqual([
      '| group | params | elements | lr | lrMult | weightDecay |',
      '|---|---:|---:|---|---|---|',
      '| backbone | 2 | 56 | 1e-3 | 0.1 | 1e-4 |',
    ]);
    expect(md).toContain('| `classifier.2.bias` | noDecay | lr 0.01 (default); weightDecay 0 (rule "noDecay") |');
  });

  it("an optimizer's live groups: current values, and what changed since the rules", () => {
    const { specs } = build();
    const opt = new optim.SGD(specs, { lr: 1e-2, momentum: 0.9 });
    opt.paramGroups[0]!.lr = 5e-4;
    const d = optim.describeGroups(opt);
    expect(d.groups[0]).toMatchObject({ name: 'backbone', values: { lr: 5e-4, momentum: 0.9, lrMult: 0.1 } });
    expect(d.params[0]!.values['lr']!.why).toBe('5e-4 now (the rules gave 1e-3 = 0.01 × 0.1 (rule "backbone"))');
    // The optimizer's own printed form shows group names, as PyTorch's shows its keys.
    expect(String(opt)).toMatch(/Parameter Group 0\n(?: {4}.*\n)* {4}name: 'backbone'\n/);
  });

  it("an optimizer's values that every group shares are listed once, under the table", () => {
    const opt = new optim.SGD(build().specs, { lr: 1e-2, momentum: 0.9 });
    const d = optim.describeGroups(opt);
    expect(d.table().split('\n').slice(0, 6)).toEqual([
      'group             params  elements  lr    lrMult  weightDecay',
      'backbone          2       56        1e-3  0.1     1e-4',
      'backbone+noDecay  2       14        1e-3  0.1     0',
      'default           2       45        0.01  1       1e-4',
      'noDecay           2       8         0.01  1       0',
      'every group: dampening 0, maximize false, momentum 0.9, nesterov false',
    ]);
    expect(d.markdown().split('\n')).toContain('Every group: dampening 0, maximize false, momentum 0.9, nesterov false.');
    // The data keeps every value of every group.
    expect(d.groups[0]!.values).toEqual({ dampening: 0, lr: 1e-2 * 0.1, lrMult: 0.1, maximize: false, momentum: 0.9, nesterov: false, weightDecay: 1e-4 });
    // One group: every value is a column.
    const one = optim.describeGroups([{ params: [...build().model.base.parameters()].slice(0, 1), lr: 0.1, momentum: 0.9 }]);
    expect(one.table().split('\n')[0]).toBe('group    params  elements  lr   momentum');
  });

  it('hand-built groups are described too (without rules to cite)', () => {
    const model = new SeedSequential();
    const opt = new optim.SGD([{ params: model.base.namedParameters({ prefix: 'base' }), name: 'base' }, { params: model.classifier.namedParameters({ prefix: 'classifier' }), lr: 1e-3 }], { lr: 1e-2 });
    const d = optim.describeGroups(opt);
    expect(d.groups.map((g) => g.name)).toEqual(['base', 'group 1']);
    expect(d.params.find((p) => p.name === 'classifier.0.weight')!.values['lr']!.why).toBe("1e-3 (set by group 1; the optimizer's default is 0.01)");
    expect(d.params.find((p) => p.name === 'base.0.weight')!.values['lr']!.why).toBe("0.01 (the optimizer's default)");
    // Bare specs have no defaults to compare with.
    const bare = optim.describeGroups([{ params: [...model.base.parameters()], lr: 0.5 }]);
    expect(bare.params[0]!.values['lr']!.why).toBe('0.5 (given in the group spec)');
  });

  it('names the parameters of the seed\'s hand-built groups from the model', () => {
    const model = new SeedSequential();
    const opt = new optim.SGD([{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 });
    expect(optim.describeGroups(opt).params[0]!.name).toBe('group 0.params[0]');
    const d = optim.describeGroups(opt, { model });
    expect(d.params.map((p) => p.name)).toEqual([...model.namedParameters()].map(([n]) => n));
    expect(d.table()).toContain("classifier.2.bias    group 1: lr 1e-3 (set by group 1; the optimizer's default is 0.01); weightDecay 0 (the optimizer's default)");
  });

  it('tied parameters show their other names; frozen ones are marked', () => {
    const model = new Tied();
    const specs = optim.paramGroups(model, [{ name: 'all', select: '**', lr: 0.1 }], { frozen: 'include' });
    model.embed.weight.requiresGrad_(false);
    const text = optim.describeGroups(specs).table();
    expect(text).toContain('embed.weight (frozen)  all: lr 0.1 (rule "all") [also head.weight]');
  });

  it('refuses what is neither an optimizer nor specs', () => {
    expect(() => optim.describeGroups(42 as unknown as object[])).toThrow(ArgumentTypeError);
    expect(() => optim.describeGroups(42 as unknown as object[])).toThrow(/optim\.describeGroups: expected an optimizer or an array of group specs, got 42/);
    expect(() => optim.describeGroups([{ params: [1] }])).toThrow(/group "group 0"\.params\[0\] is 1, not a parameter or a \[name, parameter\] pair/);
  });
});
