/**
 * Small frictions a new user meets: a flat array with a shape, a parameter
 * in two groups reported once (with names when a model is known), and
 * `Sequential.at(i)` typed from the modules it was built with.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { nn, optim, ParamGroupError, ShapeError, tensor } from './lib.js';
import { SeedSequential } from './models.js';

describe('kd.tensor(number[], { shape })', () => {
  it('reads a flat array with a shape as the typed-array form does', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
    expect(t.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual(tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), { shape: [2, 3] }).toArray());
    expect(tensor([1, 0], { shape: [2, 1], dtype: 'float64' }).dtype).toBe('float64');
    expect(tensor([], { shape: [0, 3] }).shape).toEqual([0, 3]);
    expect(tensor([[1, 2], [3, 4]], { shape: [2, 2] }).shape).toEqual([2, 2]);
  });

  it('refuses a shape of another size, and a nested array given another shape', () => {
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(ShapeError);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/tensor: shape \[2, 2\] needs 4 elements, but the array has 3/);
    expect(() => tensor([[1, 2], [3, 4]], { shape: [4] })).toThrow(/a nested array of shape \[2, 2\] was given the shape option \[4\].*reshape/);
  });
});

describe('a parameter in two groups', () => {
  it('is reported once for all of them, with the names the model gives them', () => {
    const model = new SeedSequential();
    optim.paramGroups(model, []); // the toolkit has seen the model: it can name its parameters
    const call = () => new optim.SGD([{ params: model.parameters() }, { params: model.classifier.parameters(), name: 'head' }], { lr: 0.1 });
    expect(call).toThrow(ParamGroupError);
    let message = '';
    try {
      call();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      "SGD: some parameters appear in more than one parameter group: 4 parameters: 'classifier.0.weight', 'classifier.0.bias', 'classifier.2.weight', 'classifier.2.bias' " +
      "are in parameter group 0 and parameter group 1 ('head') (each parameter may belong to one group only; remove them from one of the groups)",
    );
  });

  it('without names: by position and shape, once, counting the rest', () => {
    const ps = Array.from({ length: 8 }, () => new nn.Linear(1, 1).weight);
    const at = (i: number) => `at element ${i} \\(shape \\[1, 1\\]\\)`;
    expect(() => new optim.SGD([{ params: ps }, { params: ps }], { lr: 0.1 })).toThrow(new RegExp(
      `^SGD: some parameters appear in more than one parameter group: 8 parameters: ${[0, 1, 2, 3, 4, 5].map(at).join(', ')} and 2 more are in parameter group 0 and parameter group 1 \\(`,
    ));
  });
});

describe('Sequential.at(i) keeps the types of a Sequential built from modules', () => {
  it('types each literal index, and checks at run time the class it is given', () => {
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    expectTypeOf(seq.at(0)).toEqualTypeOf<nn.Linear>();
    expectTypeOf(seq.at(1)).toEqualTypeOf<nn.ReLU>();
    expect(seq.at(2).outFeatures).toBe(1);
    const i = Number('1');
    expectTypeOf(seq.at(i)).toEqualTypeOf<nn.Linear | nn.ReLU>();
    // A negative index, or one past the modules it was built with (append may have put anything there), is a Module.
    expectTypeOf(seq.at(-1)).toEqualTypeOf<nn.Module>();
    // @ts-expect-error -- a ReLU has no weight
    expect(seq.at(1).weight).toBeUndefined();
    // A subclass of plain Sequential, or one built from a record, knows no element types: pass the class.
    class Base extends nn.Sequential {
      constructor() {
        super(new nn.Linear(1, 2), new nn.ReLU());
      }
    }
    expectTypeOf(new Base().at(0)).toEqualTypeOf<nn.Module>();
    expect(new Base().at(0, nn.Linear).inFeatures).toBe(1);
    // A typed Sequential is still an nn.Sequential (a field annotated with the plain type takes it).
    const plain: nn.Sequential = seq;
    expectTypeOf(plain.at(0)).toEqualTypeOf<nn.Module>();
  });
});
