import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, nn, optim, ParamGroupError } from './lib.js';
import { Net, SeedSequential, Segmenter } from './models.js';

const { paramGroups, ParamGroupRulesError } = optim;

class Outside extends nn.Module {
  fc = new nn.Linear(2, 2);
}

const seed = new SeedSequential();
const net = new Net();
const stranger = new Outside();
/** `paramGroups` as plain JavaScript or a JSON config calls it (no compile-time checks). */
const untyped = paramGroups as (model: unknown, rules: unknown, options?: unknown) => unknown;
const run = (rules: unknown, options: Record<string, unknown> = {}, model: optim.ModuleLike = seed) => (): unknown =>
  untyped(model, rules, { onWarning: false, ...options });

const table: { what: string; call: () => unknown; error: new (...a: never[]) => Error; match: RegExp }[] = [
  { what: 'a misspelt hyperparameter', call: run([{ select: '**', weightDecy: 0 }]), error: ParamGroupRulesError, match: /rule 0: unknown key "weightDecy" \(did you mean "weightDecay"\?\)/ },
  { what: 'a misspelt rule key', call: run([{ name: 'head', selct: 'classifier.**', lr: 1 }]), error: ParamGroupRulesError, match: /rule "head": unknown key "selct" \(did you mean "select"\?\)/ },
  { what: 'a hyperparameter the named optimizer lacks', call: run([{ select: '**', betas: [0.9, 0.99] }], { optimizer: optim.SGD }), error: ParamGroupRulesError, match: /unknown key "betas".*the hyperparameters of SGD/ },
  { what: 'a multiplier of a non-numeric key', call: run([{ select: '**', nesterovMult: 2 }]), error: ParamGroupRulesError, match: /unknown key "nesterovMult" \(nesterov is not numeric, so it has no multiplier\)/ },
  { what: 'a value of the wrong type (JSON typo)', call: run([{ name: 'head', select: '**', lr: '1e-3' }]), error: ParamGroupRulesError, match: /rule "head": lr must be a finite number, got "1e-3"/ },
  { what: 'an absolute value and a multiplier of the same key', call: run([{ name: 'x', select: '**', lr: 1, lrMult: 0.1 }]), error: ParamGroupRulesError, match: /rule "x": sets both lr and lrMult; give one/ },
  { what: 'a negative multiplier', call: run([{ name: 'x', select: '**', lrMult: -1 }], { defaults: { lr: 1 } }), error: ParamGroupRulesError, match: /rule "x": lrMult must be a finite number ≥ 0, got -1/ },
  { what: 'a typo in a module path (glob)', call: run([{ select: 'clasifier.**', lr: 1 }]), error: ParamGroupRulesError, match: /rule "clasifier\.\*\*" selects no parameter \(select: clasifier\.\*\*\); nearest: "classifier"/ },
  { what: 'head vs decode_head', call: run([{ name: 'head', select: 'head.**', lr: 1 }], {}, new Segmenter()), error: ParamGroupRulesError, match: /rule "head" selects no parameter \(select: head\.\*\*\); nearest: "decode_head", "auxiliary_head"/ },
  { what: 'a glob naming a module, not its parameters', call: run([{ name: 'c', select: 'classifier', lr: 1 }]), error: ParamGroupRulesError, match: /rule "c" selects no parameter .*"classifier" is a module: select its parameters with "classifier\.\*\*" or the module object/ },
  { what: 'overlapping replace rules', call: run([{ name: 'a', select: 'classifier.**', lrMult: 0.5, mode: 'replace' }, { name: 'b', select: 'classifier.0.*', lrMult: 0.1, mode: 'replace' }], { defaults: { lr: 1 } }), error: ParamGroupRulesError, match: /rules "a" and "b" both replace lr on "classifier\.0\.weight"; only one replace rule may set a key on a parameter/ },
  { what: 'a multiplier without a base value', call: run([{ name: 'backbone', select: 'base.**', lrMult: 0.1 }]), error: ParamGroupRulesError, match: /rule "backbone" multiplies lr of "base\.0\.weight", but it has no lr to multiply; pass options\.defaults\.lr/ },
  { what: 'strict coverage', call: run([{ name: 'head', select: 'classifier.**', lr: 1 }], { strict: true }), error: ParamGroupRulesError, match: /4 trainable parameters selected by no rule \(strict\): base\.0\.weight, base\.0\.bias, base\.2\.weight, base\.2\.bias/ },
  { what: 'strict: { unselected: true }', call: run([{ name: 'head', select: 'classifier.**', lr: 1 }], { strict: { unselected: true } }), error: ParamGroupRulesError, match: /selected by no rule \(strict\)/ },
  { what: 'a rule that selects nothing (default)', call: run([{ name: 'enc', select: /^encoder\./, lr: 1 }]), error: ParamGroupRulesError, match: /rule "enc" selects no parameter \(select: \/\^encoder\\\.\/\)/ },
  { what: 'two rules with one name', call: run([{ name: 'x', select: 'base.**', lr: 1 }, { name: 'x', select: 'classifier.**', lr: 2 }]), error: ParamGroupRulesError, match: /rules 0 and 1 are both named "x"/ },
  { what: 'a rule named like the default group', call: run([{ name: 'default', select: 'classifier.**', lr: 1 }]), error: ParamGroupRulesError, match: /rule 0 is named "default", the name of the group of the parameters no rule selected \(base\.0\.weight, base\.0\.bias, base\.2\.weight and 1 more\); rename the rule, or give that group another name with options\.defaultGroup/ },
  { what: 'a rule without select', call: run([{ name: 'x', lr: 1 }]), error: ParamGroupRulesError, match: /rule "x": says nothing about which parameters it applies to; give select \(or parts\)/ },
  { what: 'select and parts together', call: run([{ name: 'x', select: '**', parts: ['base.**'] }]), error: ParamGroupRulesError, match: /rule "x": give select or parts, not both/ },
  { what: 'an invalid regex in JSON', call: run([{ name: 'x', select: { regex: 'blocks.(' }, lr: 1 }]), error: ParamGroupRulesError, match: /rule "x"\.select: invalid regex "blocks\.\("/ },
  { what: 'a module that is not part of the model', call: run([{ name: 'x', select: stranger, lr: 1 }]), error: ParamGroupRulesError, match: /rule "x"\.select: the Outside given is not part of the model/ },
  { what: 'an unknown module path', call: run([{ name: 'x', select: { module: 'clasifier' }, lr: 1 }]), error: ParamGroupRulesError, match: /the model has no module at path "clasifier" \(nearest: "classifier"/ },
  { what: 'an unknown built-in', call: run([{ name: 'x', select: { builtin: 'noDecai' }, weightDecay: 0 }]), error: ParamGroupRulesError, match: /unknown built-in selector "noDecai" \(did you mean "noDecay"\?\)/ },
  { what: 'an unknown selector key', call: run([{ name: 'x', select: { tags: 'slow' }, lr: 1 }]), error: ParamGroupRulesError, match: /rule "x"\.select: a selector object has exactly one of .*; got key "tags" \(did you mean "tag"\?\)/ },
  { what: 'a bad glob', call: run([{ name: 'x', select: 'base..weight', lr: 1 }]), error: ParamGroupRulesError, match: /glob "base\.\.weight" has an empty segment/ },
  { what: "'**' inside a segment", call: run([{ name: 'x', select: 'base**', lr: 1 }]), error: ParamGroupRulesError, match: /'\*\*' must be a whole segment/ },
  { what: 'not a selector', call: run([{ name: 'x', select: 42, lr: 1 }]), error: ParamGroupRulesError, match: /rule "x"\.select: 42 is not a selector/ },
  { what: 'layerDecay without a rate', call: run([{ name: 'l', select: '**', layerDecay: { rat: 0.7 } }], { defaults: { lr: 1 } }), error: ParamGroupRulesError, match: /layerDecay has no key "rat" \(did you mean "rate"\?\).*layerDecay\.rate must be a number > 0/s },
  { what: 'layerDecay with no block stack to find', call: run([{ name: 'l', select: '**', layerDecay: { rate: 0.5 } }], { defaults: { lr: 1 } }, stranger), error: ParamGroupRulesError, match: /rule "l"\.layerDecay: found no block stack .*name it with layerDecay\.blocks, or give layerDecay\.depth/ },
  { what: 'a typo in the blocks of layerDecay', call: run([{ name: 'l', select: '**', layerDecay: { rate: 0.5, blocks: 'block' } }], { defaults: { lr: 1 } }, net), error: ParamGroupRulesError, match: /rule "l"\.layerDecay\.blocks: the model has no module at path "block" \(nearest: "blocks"/ },
  { what: 'a depth function returning a non-integer', call: run([{ name: 'l', select: '**', layerDecay: { rate: 0.5, depth: () => 1.5 } }], { defaults: { lr: 1 } }), error: ParamGroupRulesError, match: /layerDecay\.depth returned 1\.5 for "base\.0\.weight"; it must return a whole number/ },
  { what: 'spread without parts', call: run([{ name: 's', select: '**', spread: { lr: [1, 2] } }]), error: ParamGroupRulesError, match: /rule "s": spread needs parts to spread across/ },
  { what: 'a bad spread value', call: run([{ name: 's', parts: ['base.**', 'classifier.**'], spread: { lr: [0, 1] } }]), error: ParamGroupRulesError, match: /spread\.lr must be \[low, high\] \(both > 0\) or \{ stop \}, got \[0,1\]/ },
  { what: 'a parameter in two parts', call: run([{ name: 'p', parts: ['classifier.**', 'classifier.0.*'] }]), error: ParamGroupRulesError, match: /rule "p": "classifier\.0\.weight" is in parts 0 and 1; each parameter may be in one part only/ },
  { what: 'an empty part', call: run([{ name: 'p', parts: ['classifier.**', 'head.**'] }]), error: ParamGroupRulesError, match: /rule "p": parts\[1\] \(head\.\*\*\) selects no parameter/ },
  { what: 'an unknown default', call: run([{ select: '**', lr: 1 }], { defaults: { learningRate: 1 } }), error: ParamGroupRulesError, match: /options\.defaults: unknown hyperparameter "learningRate"/ },
  { what: 'a misspelt option', call: run([{ select: '**', lr: 1 }], { strcit: true }), error: ParamGroupRulesError, match: /unknown option "strcit" \(did you mean "strict"\?\)/ },
  { what: 'rules that are not an array', call: run({ select: '**', lr: 1 }), error: ArgumentTypeError, match: /optim\.paramGroups: rules must be an array of rules, got an object/ },
  { what: 'a model that is not a module', call: () => paramGroups({} as optim.ModuleLike, []), error: ArgumentTypeError, match: /optim\.paramGroups: expected a model \(an nn\.Module\), got an object/ },
  { what: 'an optimizer that is not a class', call: run([], { optimizer: 'AdamW' }), error: ArgumentTypeError, match: /options\.optimizer must be an optimizer class such as optim\.AdamW, got "AdamW"/ },
];

describe('bad rules: every problem named, with the fix', () => {
  for (const row of table) {
    it(row.what, () => {
      expect(row.call).toThrow(row.error);
      expect(row.call).toThrow(row.match);
    });
  }

  it('reports every problem at once, and is a ParamGroupError', () => {
    let err: unknown;
    try {
      run([{ name: 'a', select: '**', weightDecy: 0 }, { name: 'b', select: 'base.**', lrr: 1 }])();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParamGroupError);
    expect((err as optim.ParamGroupRulesError).problems).toEqual([
      expect.stringMatching(/^rule "a": unknown key "weightDecy"/),
      expect.stringMatching(/^rule "b": unknown key "lrr" \(did you mean "lr"\?\)/),
    ]);
    expect((err as Error).message).toMatch(/^optim\.paramGroups: 2 problems:\n {2}- rule "a"/);
  });
});
