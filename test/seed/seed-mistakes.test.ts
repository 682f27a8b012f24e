/**
 * The seed's own mistakes get a clear message in kindling: at compile time
 * where TypeScript can see them (kept so by `// @ts-expect-error`, which
 * fails the type check if the error ever disappears), and at run time for
 * plain JavaScript.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { kd } from '../helpers.js';
import { ModuleDictAnswer, QuestionModel, SequentialAnswer } from './models.js';

const { nn, optim } = kd;
type Tensor = kd.Tensor;

/** The interface answer exactly as the seed wrote it: `chain(m.parameters() for m in …)` yields generators, not parameters. */
class InterfaceAnswerAsWritten extends nn.Module {
  fc1 = new nn.Linear(1, 512);
  fc2 = new nn.Linear(512, 264);
  fc3 = new nn.Linear(264, 128);
  fc4 = new nn.Linear(128, 964);

  *baseParams(): Generator<Generator<kd.nn.Parameter>> {
    for (const m of [this.fc1, this.fc2]) yield m.parameters();
  }

  *classifierParams(): Generator<Generator<kd.nn.Parameter>> {
    for (const m of [this.fc3, this.fc4]) yield m.parameters();
  }

  forward(y0: Tensor): Tensor {
    // @ts-expect-error -- the seed calls this.relu, which this model never defines
    const y1 = this.relu(this.fc1.forward(y0));
    // @ts-expect-error -- same
    const y2 = this.relu(this.fc2.forward(y1));
    // @ts-expect-error -- same
    const y3 = this.relu(this.fc3.forward(y2));
    return this.fc4.forward(y3);
  }
}

/** The ModuleDict answer as the seed wrote it (no relu). */
class ModuleDictAnswerAsWritten extends nn.Module {
  fc1 = new nn.Linear(1, 512);
  fc2 = new nn.Linear(512, 264);
  fc3 = new nn.Linear(264, 128);
  fc4 = new nn.Linear(128, 964);
  params = new nn.ModuleDict({ base: new nn.ModuleList([this.fc1, this.fc2]), classifier: new nn.ModuleList([this.fc3, this.fc4]) });

  forward(y0: Tensor): Tensor {
    // @ts-expect-error -- the seed calls this.relu, which this model never defines
    const y1 = this.relu(this.fc1.forward(y0));
    // @ts-expect-error -- same
    return this.fc4.forward(this.relu(this.fc3.forward(this.relu(this.fc2.forward(y1)))));
  }
}

describe('a generator of generators as params (the interface answer’s chain)', () => {
  it('fails to compile, and in plain JavaScript throws naming the fix', () => {
    const model = new InterfaceAnswerAsWritten();
    const make = (): unknown =>
      // @ts-expect-error -- Generator<Generator<Parameter>> is not an iterable of tensors
      new optim.SGD([{ params: model.baseParams() }, { params: model.classifierParams(), lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 });
    expect(make).toThrow(/optimizer can only optimize Tensors, but element 0 of the params of parameter group 0 is an iterator .*spread it into the list: \[\.\.\.model\.parameters\(\)\]/);
  });

  it('the ModuleDict answer as written would call an undefined relu', () => {
    // Plain JavaScript's own error; TypeScript refuses both forwards at compile time (above).
    expect(() => new ModuleDictAnswerAsWritten().forward(kd.ones([1, 1]))).toThrow(/this\.relu is not a function/);
    expect(() => new InterfaceAnswerAsWritten().forward(kd.ones([1, 1]))).toThrow(/this\.relu is not a function/);
  });
});

describe('the question: base is a method, not a module', () => {
  it('model.base.parameters() does not compile', () => {
    const model = new QuestionModel();
    // @ts-expect-error -- `base` is a method that creates fc1 and fc2; it has no parameters()
    expect(() => model.base.parameters()).toThrow(/model\.base\.parameters is not a function/);
  });
});

describe('layers kept in a plain array', () => {
  it('are reported, naming the property and ModuleList', () => {
    class ArrayModel extends nn.Module {
      base = [new nn.Linear(1, 512), new nn.ReLU(), new nn.Linear(512, 264), new nn.ReLU()];
      classifier = new nn.Sequential(new nn.Linear(264, 128), new nn.ReLU(), new nn.Linear(128, 964));
    }
    expect(() => new ArrayModel()).toThrow(
      /ArrayModel: property 'base' is a plain Array holding 4 Modules that ArrayModel does not register, so their parameters would be missing from parameters\(\), stateDict\(\) and optimizers \(use nn\.ModuleList instead/,
    );
  });
});

describe('types carry the answers', () => {
  it('model.base.parameters() and model.params.base.parameters() are typed', () => {
    expectTypeOf(new SequentialAnswer().base.parameters()).toEqualTypeOf<Generator<kd.nn.Parameter, void, undefined>>();
    const md = new ModuleDictAnswer();
    expectTypeOf(md.params.base).toEqualTypeOf<kd.nn.ModuleList<kd.nn.Linear>>();
    expectTypeOf(md.params.base.at(0).weight).toEqualTypeOf<kd.nn.Parameter>();
    // @ts-expect-error -- a misspelt hyperparameter key fails to compile
    void (() => new optim.SGD([{ params: md.params.base.parameters(), learningRate: 1e-3 }], { lr: 1e-2 }));
  });
});
