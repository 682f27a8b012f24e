/**
 * The seed's answers (../../../shared/seed/parameter-groups-question.txt),
 * written in TypeScript as a user would, with the seed's layer sizes.
 * Each is the answer's own code, fixed only where the seed itself is wrong
 * (its `this.relu` is never defined; seed-mistakes.test.ts keeps that a
 * compile error).
 */
import { kd } from '../helpers.js';

const { nn } = kd;
type Tensor = kd.Tensor;

/**
 * The question's own model: helper methods create fc1…fc4, so `base` is a
 * method, not a module, and there is no `model.base.parameters()` (the question).
 */
export class QuestionModel extends nn.Module {
  fc1!: kd.nn.Linear;
  fc2!: kd.nn.Linear;
  fc3!: kd.nn.Linear;
  fc4!: kd.nn.Linear;
  relu: kd.nn.ReLU;

  constructor() {
    super();
    this.base();
    this.classifier();
    this.relu = new nn.ReLU();
  }

  base(): void {
    this.fc1 = new nn.Linear(1, 512);
    this.fc2 = new nn.Linear(512, 264);
  }

  classifier(): void {
    this.fc3 = new nn.Linear(264, 128);
    this.fc4 = new nn.Linear(128, 964);
  }

  forward(y0: Tensor): Tensor {
    const y1 = this.relu.forward(this.fc1.forward(y0));
    const y2 = this.relu.forward(this.fc2.forward(y1));
    const y3 = this.relu.forward(this.fc3.forward(y2));
    return this.fc4.forward(y3);
  }
}

/** Answer 1: `base` and `classifier` are Sequentials. */
export class SequentialAnswer extends nn.Module {
  base = new nn.Sequential(new nn.Linear(1, 512), new nn.ReLU(), new nn.Linear(512, 264), new nn.ReLU());
  classifier = new nn.Sequential(new nn.Linear(264, 128), new nn.ReLU(), new nn.Linear(128, 964));

  forward(y0: Tensor): Tensor {
    return this.classifier.forward(this.base.forward(y0));
  }
}

/** Answer 2: the layers stay as they are; a ModuleDict of ModuleLists groups them again. */
export class ModuleDictAnswer extends nn.Module {
  fc1 = new nn.Linear(1, 512);
  fc2 = new nn.Linear(512, 264);
  fc3 = new nn.Linear(264, 128);
  fc4 = new nn.Linear(128, 964);
  params = new nn.ModuleDict({
    base: new nn.ModuleList([this.fc1, this.fc2]),
    classifier: new nn.ModuleList([this.fc3, this.fc4]),
  });
  // The seed calls this.relu without defining it (seed-mistakes.test.ts).
  relu = new nn.ReLU();

  forward(y0: Tensor): Tensor {
    const y1 = this.relu.forward(this.fc1.forward(y0));
    const y2 = this.relu.forward(this.fc2.forward(y1));
    const y3 = this.relu.forward(this.fc3.forward(y2));
    return this.fc4.forward(y3);
  }
}

/** Answer 3: an interface that yields each group's parameters. */
export class InterfaceAnswer extends nn.Module {
  fc1 = new nn.Linear(1, 512);
  fc2 = new nn.Linear(512, 264);
  fc3 = new nn.Linear(264, 128);
  fc4 = new nn.Linear(128, 964);
  relu = new nn.ReLU();

  forward(y0: Tensor): Tensor {
    const y1 = this.relu.forward(this.fc1.forward(y0));
    const y2 = this.relu.forward(this.fc2.forward(y1));
    const y3 = this.relu.forward(this.fc3.forward(y2));
    return this.fc4.forward(y3);
  }

  /** `chain.from_iterable(m.parameters() for m in [fc1, fc2])`: `yield*` flattens, where the seed's `chain(...)` did not. */
  *baseParams(): Generator<kd.nn.Parameter> {
    for (const m of [this.fc1, this.fc2]) yield* m.parameters();
  }

  *classifierParams(): Generator<kd.nn.Parameter> {
    for (const m of [this.fc3, this.fc4]) yield* m.parameters();
  }
}

/** Answer 4 (the seed's "best practice"): child module classes. */
export class Base extends nn.Sequential {
  constructor() {
    super(new nn.Linear(1, 512), new nn.ReLU(), new nn.Linear(512, 264), new nn.ReLU());
  }
}

export class Classifier extends nn.Sequential {
  constructor() {
    super(new nn.Linear(264, 128), new nn.ReLU(), new nn.Linear(128, 964));
  }
}

export class ChildModulesAnswer extends nn.Module {
  base = new Base();
  classifier = new Classifier();

  forward(y0: Tensor): Tensor {
    const features = this.base.forward(y0);
    return this.classifier.forward(features);
  }
}

/** The alternative the question asks about: ParameterLists of the layers' weights and biases. */
export class ParameterListAnswer extends nn.Module {
  fc1 = new nn.Linear(1, 512);
  fc2 = new nn.Linear(512, 264);
  fc3 = new nn.Linear(264, 128);
  fc4 = new nn.Linear(128, 964);
  relu = new nn.ReLU();
  base = new nn.ParameterList([this.fc1.weight, this.fc1.bias!, this.fc2.weight, this.fc2.bias!]);
  classifier = new nn.ParameterList([this.fc3.weight, this.fc3.bias!, this.fc4.weight, this.fc4.bias!]);

  forward(y0: Tensor): Tensor {
    const y1 = this.relu.forward(this.fc1.forward(y0));
    const y2 = this.relu.forward(this.fc2.forward(y1));
    const y3 = this.relu.forward(this.fc3.forward(y2));
    return this.fc4.forward(y3);
  }
}
