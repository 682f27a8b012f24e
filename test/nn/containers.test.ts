/**
 * Containers: Sequential, ModuleList, ModuleDict, ParameterList,
 * ParameterDict — names, indexing, slicing, mutation, typing and errors.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { expectClose, kd } from '../helpers.js';

const { nn } = kd;
type Tensor = kd.Tensor;
const names = (it: Iterable<[string, unknown]>): string[] => [...it].map(([n]) => n);

describe('Sequential', () => {
  it('names modules by position, or by the record keys', () => {
    const a = new nn.Sequential(new nn.Linear(1, 2), new nn.ReLU(), new nn.Linear(2, 1));
    expect(names(a.namedParameters())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const b = new nn.Sequential({ fc: new nn.Linear(1, 2), act: new nn.ReLU() });
    expect(names(b.namedParameters())).toEqual(['fc.weight', 'fc.bias']);
    const c = new nn.Sequential(new Map([['z', new nn.ReLU()], ['a', new nn.Identity()]]));
    expect(names(c.namedChildren())).toEqual(['z', 'a']);
  });

  it('runs forward through each module in turn', () => {
    const fc = new nn.Linear(2, 2);
    const seq = new nn.Sequential(fc, new nn.ReLU());
    const x = kd.tensor([[1, -2]]);
    expectClose(seq.forward(x), fc.forward(x).relu().dataSync());
  });

  it('indexes (negative too), iterates, has length, and slices keeping names', () => {
    const mods = [new nn.Linear(1, 1), new nn.ReLU(), new nn.Tanh()];
    const seq = new nn.Sequential(...mods);
    expect(seq.length).toBe(3);
    expect(seq.at(-1)).toBe(mods[2]);
    expect([...seq]).toEqual(mods);
    const tail = seq.slice(1);
    expect(tail).toBeInstanceOf(nn.Sequential);
    expect(names(tail.namedChildren())).toEqual(['1', '2']);
    expect(seq.slice(-2, -1).at(0)).toBe(mods[1]);
  });

  it('appends, inserts, extends and pops (renumbering as PyTorch)', () => {
    const seq = new nn.Sequential(new nn.ReLU());
    const t = new nn.Tanh();
    seq.append(new nn.Sigmoid()).insert(0, t).extend([new nn.Identity()]);
    expect([...seq].map((m) => m.constructor.name)).toEqual(['Tanh', 'ReLU', 'Sigmoid', 'Identity']);
    expect(seq.pop(0)).toBe(t);
    expect(names(seq.namedChildren())).toEqual(['0', '1', '2']);
    expect(seq.at(0)).toBeInstanceOf(nn.ReLU);
  });

  it('at(i, cls) returns the module typed as cls, or names both classes', () => {
    const base = new nn.Sequential(new nn.Linear(1, 8), new nn.ReLU());
    expectTypeOf(base.at(0, nn.Linear)).toEqualTypeOf<kd.nn.Linear>();
    expect(base.at(0, nn.Linear).weight.shape).toEqual([8, 1]);
    expect(base.at(-1, nn.ReLU)).toBe(base.at(1));
    expect(() => base.at(1, nn.Linear)).toThrow(/Sequential\.at\(1\): expected a Linear, but found ReLU/);
  });

  it('appends under a free name after a slot was deleted', () => {
    const seq = new nn.Sequential(new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid());
    delete (seq as unknown as Record<string, unknown>)['1'];
    seq.append(new nn.Identity());
    expect(names(seq.namedChildren())).toEqual(['0', '2', '3']);
    expect(seq.at(-1)).toBeInstanceOf(nn.Identity);
  });

  it('is subclassable as in the seed', () => {
    class Base extends nn.Sequential {
      constructor() {
        super(new nn.Linear(1, 8), new nn.ReLU());
      }
    }
    const base = new Base();
    expect(base).toBeInstanceOf(nn.Sequential);
    expect(names(base.namedParameters())).toEqual(['0.weight', '0.bias']);
    expect(base.forward(kd.ones([2, 1])).shape).toEqual([2, 8]);
  });
});

describe('ModuleList', () => {
  it('holds modules by position; the same module twice is one set of parameters', () => {
    const lin = new nn.Linear(2, 2);
    const list = new nn.ModuleList([lin, new nn.ReLU(), lin]);
    expect(list.length).toBe(3);
    expect(list.at(-1)).toBe(lin);
    expect(names(list.namedParameters())).toEqual(['0.weight', '0.bias']);
    expect(Object.keys(list.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  });

  it('is typed by its elements, and supports set/append/insert/pop/slice', () => {
    const list = new nn.ModuleList([new nn.Linear(1, 2), new nn.Linear(2, 3)]);
    expectTypeOf(list.at(0)).toEqualTypeOf<kd.nn.Linear>();
    expect(list.at(1).outFeatures).toBe(3);
    const l3 = new nn.Linear(3, 4);
    list.append(l3).set(0, new nn.Linear(1, 5));
    expect(list.at(0).outFeatures).toBe(5);
    expect(list.slice(1).length).toBe(2);
    expect(list.pop()).toBe(l3);
    list.insert(0, l3);
    expect([...list].map((m) => m.outFeatures)).toEqual([4, 5, 3]);
  });
});

describe('ModuleDict', () => {
  it('is typed: each key is a property of its own type', () => {
    const fc1 = new nn.Linear(1, 4);
    const dict = new nn.ModuleDict({ base: new nn.ModuleList([fc1]), classifier: new nn.Linear(4, 2) });
    expectTypeOf(dict.base).toEqualTypeOf<kd.nn.ModuleList<kd.nn.Linear>>();
    expectTypeOf(dict.classifier).toEqualTypeOf<kd.nn.Linear>();
    expect(dict.base.at(0)).toBe(fc1);
    expect(dict.get('classifier')).toBe(dict.classifier);
    expect(names(dict.namedParameters())).toEqual(['base.0.weight', 'base.0.bias', 'classifier.weight', 'classifier.bias']);
    // @ts-expect-error -- not a key of this dict
    expect(() => dict.get('clasifier')).toThrow(/no entry named 'clasifier' \(did you mean 'classifier'\?\)/);
  });

  it('has keys/values/entries/has/set/pop/update in insertion order', () => {
    const dict = new nn.ModuleDict<Record<string, kd.nn.Module>>({ b: new nn.ReLU(), a: new nn.Tanh() });
    expect(dict.keys()).toEqual(['b', 'a']);
    expect([...dict]).toEqual(['b', 'a']);
    dict.set('c', new nn.Sigmoid());
    expect(dict.has('c')).toBe(true);
    expect(dict.values().map((m) => m.constructor.name)).toEqual(['ReLU', 'Tanh', 'Sigmoid']);
    expect(dict.pop('b')).toBeInstanceOf(nn.ReLU);
    dict.update([['d', new nn.Identity()]]);
    expect(dict.entries().map(([k]) => k)).toEqual(['a', 'c', 'd']);
    expect(dict.size).toBe(3);
    expect(dict).toBeInstanceOf(nn.ModuleDict);
    dict.clear();
    expect(dict.size).toBe(0);
  });
});

describe('ParameterList and ParameterDict', () => {
  it('wraps tensors into Parameters and names them by position', () => {
    const t = kd.zeros([2]);
    const pl = new nn.ParameterList([t, new nn.Parameter(kd.ones([3]))]);
    expect(pl.at(0)).toBeInstanceOf(nn.Parameter);
    expect(pl.at(0).requiresGrad).toBe(true);
    expect(names(pl.namedParameters())).toEqual(['0', '1']);
    pl.append(kd.ones([1]));
    expect(pl.length).toBe(3);
    expect(pl.slice(1).at(0)).toBe(pl.at(1));
    expect(String(pl)).toContain('(0): Parameter containing: [float32 of size 2]');
  });

  it('keeps a record in insertion order and types its keys', () => {
    const pd = new nn.ParameterDict({ w: kd.ones([2]), b: kd.zeros([2]) });
    expectTypeOf(pd.w).toEqualTypeOf<kd.nn.Parameter>();
    // NOTE: PyTorch sorts a plain dict's keys (b, w); kindling keeps the record's order.
    expect(names(pd.namedParameters())).toEqual(['w', 'b']);
    expect(pd.get('b')).toBe(pd.b);
    pd.set('b', kd.ones([2]));
    expectClose(pd.b, [1, 1]);
    expect(pd.keys()).toEqual(['w', 'b']);
  });
});

describe('container errors', () => {
  const rows: { name: string; call: () => unknown; match: RegExp }[] = [
    { name: 'a non-module in Sequential', call: () => new nn.Sequential(new nn.ReLU(), 3 as unknown as kd.nn.Module), match: /nn\.Sequential: number 3 is not a Module subclass/ },
    { name: 'an index out of range', call: () => new nn.Sequential(new nn.ReLU()).at(5), match: /Sequential\.at: index 5 is out of range \(it has 1 entries: use 0…0 or -1…-1\)/ },
    { name: 'a non-integer index', call: () => new nn.ModuleList([new nn.ReLU()]).at(0.5), match: /index must be an integer/ },
    { name: 'insert past the end', call: () => new nn.Sequential(new nn.ReLU()).insert(3, new nn.ReLU()), match: /index 3 is out of range/ },
    { name: 'append of a non-module', call: () => new nn.ModuleList().append(3 as unknown as kd.nn.Module), match: /ModuleList\.append: number 3 is not a Module subclass/ },
    { name: 'extend with a module instead of an iterable', call: () => new nn.ModuleList().extend(new nn.Linear(1, 1) as unknown as kd.nn.Module[]), match: /ModuleList\.extend: extend should be called with an iterable, but got Linear/ },
    { name: 'ParameterList.extend with a tensor', call: () => new nn.ParameterList().extend(kd.ones([2]) as unknown as Tensor[]), match: /extend should be called with an iterable, but got Tensor/ },
    { name: 'a non-tensor in a ParameterList', call: () => new nn.ParameterList([3 as unknown as Tensor]), match: /expected a Tensor or nn\.Parameter, got number 3/ },
    { name: 'a ModuleDict key that shadows a method', call: () => new nn.ModuleDict({ keys: new nn.ReLU() }), match: /attribute 'keys' already exists/ },
    { name: 'a dotted ModuleDict key', call: () => new nn.ModuleDict({ 'a.b': new nn.ReLU() }), match: /module name can't contain "\.", got "a\.b"/ },
    { name: 'a missing ParameterDict key', call: () => new nn.ParameterDict({ w: kd.ones([1]) }).get('x' as 'w'), match: /ParameterDict\.get: no entry named 'x'/ },
    { name: 'a bad update pair', call: () => new nn.ModuleDict().update([['a', new nn.ReLU(), 3]] as unknown as [string, kd.nn.Module][]), match: /ModuleDict update sequence element #0 is an Array, a \[key, value\] pair is required/ },
    { name: 'forward through a container without forward', call: () => new nn.Sequential(new nn.ModuleList()).forward(kd.ones([1])), match: /Sequential\.forward: module \[ModuleList\] is missing the required "forward" function/ },
  ];
  for (const row of rows) it(`refuses ${row.name}`, () => expect(row.call).toThrow(row.match));

  it('a failed ModuleDict or ParameterDict update changes nothing', () => {
    const dict = new nn.ModuleDict<Record<string, kd.nn.Module>>({ a: new nn.ReLU() });
    expect(() => dict.update({ b: new nn.Tanh(), 'c.d': new nn.ReLU() })).toThrow(/module name can't contain "\."/);
    expect(() => dict.update([['b', new nn.Tanh()], ['c', 3 as unknown as kd.nn.Module]])).toThrow(/number 3 is not a Module subclass/);
    expect(dict.keys()).toEqual(['a']);
    const pd = new nn.ParameterDict<string>({ w: kd.ones([1]) });
    expect(() => pd.update({ b: kd.ones([1]), 'x.y': kd.ones([1]) })).toThrow(/parameter name can't contain "\."/);
    expect(pd.keys()).toEqual(['w']);
  });

  it('a failed extend changes nothing', () => {
    const list = new nn.ModuleList([new nn.ReLU()]);
    expect(() => list.extend([new nn.Tanh(), 3 as unknown as kd.nn.ReLU])).toThrow(/not a Module subclass/);
    expect(list.length).toBe(1);
  });
});

// Type-level: a ModuleDict property has the entry's type, so a wrong member fails to compile.
export function typeChecks(): void {
  const dict = new nn.ModuleDict({ base: new nn.Linear(1, 2) });
  // @ts-expect-error -- Linear has no `inChannels`
  void dict.base.inChannels;
  const x: Tensor = dict.base.forward(kd.ones([1, 1]));
  void x;
}
