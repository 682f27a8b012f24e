/**
 * nn.Module: what gets registered and in which order, the walks over the
 * tree, modes, gradients, printing, and every refusal with its message.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { expectClose, kd } from '../helpers.js';

const { nn } = kd;
type Tensor = kd.Tensor;

const names = (it: Iterable<[string, unknown]>): string[] => [...it].map(([n]) => n);

describe('registration', () => {
  it('registers class fields and constructor assignments in assignment order', () => {
    class Net extends nn.Module {
      enc = new nn.Linear(2, 3);
      dec: kd.nn.Linear;
      scale = new nn.Parameter(kd.ones([1]));
      constructor() {
        super();
        this.dec = new nn.Linear(3, 2);
      }
    }
    const net = new Net();
    // Own parameters first, then children in registration order (PyTorch's order).
    expect(names(net.namedParameters())).toEqual(['scale', 'enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
    expect(names(net.namedChildren())).toEqual(['enc', 'dec']);
  });

  it('keeps `this`, instanceof, getters and #private fields working behind the Proxy', () => {
    class Net extends nn.Module {
      #calls = 0;
      fc = new nn.Linear(2, 2);
      get calls(): number {
        return this.#calls;
      }
      forward(x: Tensor): Tensor {
        this.#calls++;
        return this.fc.forward(x);
      }
    }
    const net = new Net();
    net.forward(kd.ones([1, 2]));
    expect(net.calls).toBe(1);
    expect(net instanceof Net && net instanceof nn.Module).toBe(true);
    expect(net.fc).toBeInstanceOf(nn.Linear);
  });

  it('replaces a registration on reassignment, keeping its place', () => {
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 2));
    const lin = net.at(0) as kd.nn.Linear;
    const w = new nn.Parameter(kd.zeros([2, 2]));
    lin.weight = w;
    expect([...lin.parameters()][0]).toBe(w);
    expect(names(lin.namedParameters())).toEqual(['weight', 'bias']);
  });

  it('empties a slot on null and forgets it on delete', () => {
    class Net extends nn.Module {
      a: kd.nn.Linear | null = new nn.Linear(1, 1);
      b = new nn.Linear(1, 1);
    }
    const net = new Net();
    net.a = null;
    expect(names(net.namedParameters())).toEqual(['b.weight', 'b.bias']);
    expect(Object.keys(net.stateDict())).toEqual(['b.weight', 'b.bias']);
    // The slot is still a module slot (PyTorch's None): a non-module is refused there.
    expect(() => ((net as unknown as { a: number }).a = 3)).toThrow(/cannot assign number 3 as child module 'a' \(nn\.Module or null expected\)/);
    net.a = new nn.Linear(1, 1);
    expect(names(net.namedChildren())).toEqual(['a', 'b']);
    delete (net as { a?: unknown }).a;
    expect(names(net.namedChildren())).toEqual(['b']);
  });

  it('does not register a plain tensor, but registerBuffer does (persistent or not)', () => {
    class Net extends nn.Module {
      plain = kd.ones([2]);
      constructor() {
        super();
        this.registerBuffer('steps', kd.zeros([1]));
        this.registerBuffer('cache', kd.zeros([2]), { persistent: false });
      }
    }
    const net = new Net();
    expect([...net.parameters()]).toEqual([]);
    expect(names(net.namedBuffers())).toEqual(['steps', 'cache']);
    expect(Object.keys(net.stateDict())).toEqual(['steps']);
    // Assigning a tensor to a buffer's property replaces the buffer.
    const t = kd.ones([1]);
    (net as unknown as { steps: Tensor }).steps = t;
    expect(net.getBuffer('steps')).toBe(t);
  });

  it('registers names chosen at run time', () => {
    const net = new nn.Module();
    for (let i = 0; i < 3; i++) net.registerModule(`layer${i}`, new nn.Linear(1, 1));
    net.addModule('head', new nn.Linear(1, 2));
    net.registerParameter('temperature', new nn.Parameter(kd.ones([])));
    expect(names(net.namedParameters()).slice(0, 3)).toEqual(['temperature', 'layer0.weight', 'layer0.bias']);
    expect((net as unknown as Record<string, unknown>).head).toBeInstanceOf(nn.Linear);
  });

  it('registers under the name of a declared TypeScript field (`x!: T`, undefined until assigned)', () => {
    class Net extends nn.Module {
      runningMean!: Tensor;
      scale!: kd.nn.Parameter;
      constructor() {
        super();
        this.registerBuffer('runningMean', kd.zeros([3]));
        this.registerParameter('scale', new nn.Parameter(kd.ones([1])));
      }
    }
    const net = new Net();
    expect(net.runningMean.shape).toEqual([3]);
    expect(Object.keys(net.stateDict())).toEqual(['scale', 'runningMean']);
    // An attribute that holds a value is still refused, as in PyTorch.
    class Taken extends nn.Module {
      note = 'x';
      constructor() {
        super();
        this.registerBuffer('note', kd.zeros([1]));
      }
    }
    expect(() => new Taken()).toThrow(/Taken\.registerBuffer: attribute 'note' already exists/);
  });

  it('shares the tensor’s memory in a Parameter', () => {
    const t = kd.zeros([2]);
    const p = new nn.Parameter(t);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    kd.noGrad(() => p.add_(1));
    expectClose(t, [1, 1]);
    expect(new nn.Parameter(t, false).requiresGrad).toBe(false);
    expect(String(p)).toMatch(/^Parameter containing:\ntensor\(\[1\., 1\.\], requiresGrad=true\)$/);
  });
});

describe('plain containers are not silently dropped', () => {
  it('refuses a plain Array of Modules at assignment, naming the property and ModuleList', () => {
    class Net extends nn.Module {
      layers = [new nn.Linear(1, 2), new nn.Linear(2, 1)];
    }
    expect(() => new Net()).toThrow(/Net: property 'layers' is a plain Array holding 2 Modules that Net does not register.*use nn\.ModuleList instead/);
  });

  it('refuses a Map/object of Modules (ModuleDict) and an Array of Parameters (ParameterList)', () => {
    class A extends nn.Module {
      heads = new Map([['a', new nn.Linear(1, 1)]]);
    }
    class B extends nn.Module {
      parts = { base: new nn.Linear(1, 1) };
    }
    class C extends nn.Module {
      ws = [new nn.Parameter(kd.ones([1]))];
    }
    expect(() => new A()).toThrow(/property 'heads' is a plain Map holding 1 Module .*use nn\.ModuleDict/);
    expect(() => new B()).toThrow(/property 'parts' is a plain object holding 1 Module .*use nn\.ModuleDict/);
    expect(() => new C()).toThrow(/property 'ws' is a plain Array holding 1 Parameter .*use nn\.ParameterList/);
  });

  it('catches modules pushed into an array after assignment when the tree is walked', () => {
    class Net extends nn.Module {
      layers: kd.nn.Linear[] = [];
      constructor() {
        super();
        this.layers.push(new nn.Linear(1, 2));
      }
    }
    const outer = new nn.Sequential(new Net());
    const calls: [string, () => unknown][] = [
      ['parameters', () => [...outer.parameters()]],
      ['namedModules', () => [...outer.namedModules()]],
      ['stateDict', () => outer.stateDict()],
      ['loadStateDict', () => outer.loadStateDict({})],
      ['zeroGrad', () => outer.zeroGrad()],
    ];
    for (const [what, call] of calls) expect(call, what).toThrow(/Net: property 'layers' is a plain Array holding 1 Module/);
  });

  it('accepts a plain array of modules that are registered elsewhere (the interface answer)', () => {
    class Net extends nn.Module {
      fc1 = new nn.Linear(1, 2);
      fc2 = new nn.Linear(2, 1);
      baseLayers = [this.fc1];
    }
    const net = new Net();
    expect(names(net.namedParameters())).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
  });
});

describe('walking the tree', () => {
  class Tied extends nn.Module {
    a = new nn.Linear(3, 3);
    b = new nn.Linear(3, 3);
    constructor() {
      super();
      this.b.weight = this.a.weight;
    }
  }

  it('yields a shared parameter once, under its first name, unless removeDuplicate is false', () => {
    const m = new Tied();
    expect(names(m.namedParameters())).toEqual(['a.weight', 'a.bias', 'b.bias']);
    expect([...m.parameters()].length).toBe(3);
    expect(names(m.namedParameters({ removeDuplicate: false }))).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
    expect(m.numParameters()).toBe(9 + 3 + 3);
  });

  it('honours prefix and recurse', () => {
    const m = new Tied();
    expect(names(m.namedParameters({ prefix: 'model' }))[0]).toBe('model.a.weight');
    expect(names(m.namedParameters({ recurse: false }))).toEqual([]);
    expect(names(m.a.namedParameters({ recurse: false }))).toEqual(['weight', 'bias']);
  });

  it('lists each module once (memoised), children once, and every name with removeDuplicate false', () => {
    const lin = new nn.Linear(2, 2);
    const m = new nn.Sequential(lin, new nn.ReLU(), lin);
    expect(names(m.namedModules())).toEqual(['', '0', '1']);
    expect(names(m.namedModules({ removeDuplicate: false, prefix: 'm' }))).toEqual(['m', 'm.0', 'm.1', 'm.2']);
    expect(names(m.namedChildren())).toEqual(['0', '1']);
    expect([...m.modules()].length).toBe(3);
  });

  it('getSubmodule / getParameter / getBuffer follow dotted paths', () => {
    const m = new nn.Sequential({ features: new nn.Sequential(new nn.Linear(1, 2), new nn.BatchNorm1d(2)) });
    expect(m.getSubmodule('')).toBe(m);
    expect(m.getSubmodule('features.1')).toBeInstanceOf(nn.BatchNorm1d);
    expect(m.getParameter('features.0.bias').shape).toEqual([2]);
    expect(m.getBuffer('features.1.running_var').shape).toEqual([2]);
  });

  it('getSubmodule with a class returns the submodule typed as it, or names both classes', () => {
    const m = new nn.Sequential({ features: new nn.Sequential(new nn.Linear(1, 2), new nn.ReLU()) });
    const lin = m.getSubmodule('features.0', nn.Linear);
    expectTypeOf(lin).toEqualTypeOf<kd.nn.Linear>();
    expect(lin.weight.shape).toEqual([2, 1]);
    expectTypeOf(m.getSubmodule('features.0')).toEqualTypeOf<kd.nn.Module>();
    expect(() => m.getSubmodule('features.1', nn.Linear)).toThrow(/Sequential\.getSubmodule\('features\.1'\): expected a Linear, but found ReLU/);
  });

  it('apply visits children first, then the module (post-order)', () => {
    const m = new nn.Sequential(new nn.Linear(1, 1), new nn.Sequential(new nn.ReLU()));
    const seen: string[] = [];
    expect(m.apply((x) => seen.push(x.constructor.name))).toBe(m);
    expect(seen).toEqual(['Linear', 'ReLU', 'Sequential', 'Sequential']);
  });
});

describe('modes and gradients', () => {
  it('train/eval set training on the whole tree', () => {
    const m = new nn.Sequential(new nn.Linear(1, 1), new nn.Sequential(new nn.Dropout()));
    expect(m.eval()).toBe(m);
    expect([...m.modules()].every((x) => !x.training)).toBe(true);
    m.train();
    expect([...m.modules()].every((x) => x.training)).toBe(true);
  });

  it('zeroGrad sets grads to null by default, or to zeros', () => {
    const m = new nn.Linear(2, 1);
    m.forward(kd.ones([3, 2])).sum().backward();
    expect(m.weight.grad).not.toBeNull();
    m.zeroGrad({ setToNone: false });
    expectClose(m.weight.grad!, [0, 0]);
    m.zeroGrad();
    expect(m.weight.grad).toBeNull();
    expect(m.bias!.grad).toBeNull();
  });

  it('requiresGrad_ freezes and unfreezes every parameter', () => {
    const m = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 1));
    m.requiresGrad_(false);
    expect([...m.parameters()].some((p) => p.requiresGrad)).toBe(false);
    expect(m.numParameters({ trainableOnly: true })).toBe(0);
    m.requiresGrad_();
    expect(m.numParameters({ trainableOnly: true })).toBe(9);
  });
});

describe('printing', () => {
  it('prints nested modules as PyTorch does', () => {
    class Net extends nn.Module {
      base = new nn.Sequential(new nn.Linear(1, 4), new nn.ReLU());
      head = new nn.Linear(4, 2, { bias: false });
    }
    expect(String(new Net())).toBe(
      [
        'Net(',
        '  (base): Sequential(',
        '    (0): Linear(inFeatures=1, outFeatures=4, bias=true)',
        '    (1): ReLU()',
        '  )',
        '  (head): Linear(inFeatures=4, outFeatures=2, bias=false)',
        ')',
      ].join('\n'),
    );
  });
});

describe('printing an empty child slot', () => {
  it('lists it, as PyTorch lists None', () => {
    class Net extends nn.Module {
      head: kd.nn.Linear | null = new nn.Linear(1, 1);
      act = new nn.ReLU();
    }
    const net = new Net();
    net.head = null;
    // PyTorch 1.13: `(head): None`.
    expect(String(net)).toBe('Net(\n  (head): null\n  (act): ReLU()\n)');
  });
});

describe('module errors', () => {
  const rows: { name: string; call: () => unknown; match: RegExp }[] = [
    { name: 'plain tensor into a parameter slot', call: () => ((new nn.Linear(1, 1) as unknown as { weight: Tensor }).weight = kd.ones([1, 1])), match: /Linear: cannot assign Tensor as parameter 'weight' \(nn\.Parameter or null expected\).*new nn\.Parameter\(tensor\)/ },
    { name: 'registerParameter with a plain tensor', call: () => new nn.Module().registerParameter('w', kd.ones([1]) as kd.nn.Parameter), match: /Module\.registerParameter: cannot assign Tensor to parameter 'w' \(nn\.Parameter or null required\)/ },
    { name: 'a dotted name', call: () => new nn.Module().registerParameter('a.b', null), match: /parameter name can't contain "\.", got "a\.b"/ },
    { name: 'an empty name', call: () => new nn.Module().registerBuffer('', null), match: /buffer name can't be empty string ""/ },
    { name: 'a name that is already an attribute', call: () => new nn.Module().registerModule('train', new nn.ReLU()), match: /attribute 'train' already exists/ },
    { name: 'a buffer under a parameter’s name', call: () => new nn.Linear(1, 1).registerBuffer('bias', kd.ones([1])), match: /Linear\.registerBuffer: attribute 'bias' \(a parameter\) already exists \(delete it first: delete module\.bias\)/ },
    { name: 'a non-module to registerModule', call: () => new nn.Module().registerModule('x', 3 as unknown as kd.nn.Module), match: /number 3 is not a Module subclass/ },
    { name: 'a non-tensor buffer', call: () => new nn.Module().registerBuffer('b', [1] as unknown as Tensor), match: /cannot assign an Array to buffer 'b' \(Tensor or null required\)/ },
    { name: 'a non-leaf parameter', call: () => {
      const p = new nn.Parameter(kd.ones([1]), false);
      kd.enableGrad(() => p.add_(kd.ones([1], { requiresGrad: true })));
      new nn.Module().registerParameter('p', p);
    }, match: /cannot assign non-leaf Tensor to parameter 'p'/ },
    { name: 'a field redeclared over a base-class registration', call: () => {
      class Sub extends nn.Linear {
        // @ts-expect-error -- TypeScript refuses the redeclaration too (TS2612: add 'declare')
        weight!: kd.nn.Parameter;
      }
      return new Sub(1, 1);
    }, match: /cannot assign undefined as parameter 'weight'.*declare weight/ },
    { name: 'getSubmodule with a missing atom', call: () => new nn.Sequential(new nn.ReLU()).getSubmodule('5'), match: /getSubmodule\('5'\): Sequential has no attribute `5` \(its submodules are 0\)/ },
    { name: 'getSubmodule through a parameter', call: () => new nn.Linear(1, 1).getSubmodule('weight'), match: /`weight` is not an nn\.Module/ },
    { name: 'getParameter of a missing name', call: () => new nn.Linear(1, 1).getParameter('foo'), match: /getParameter\('foo'\): Linear has no attribute `foo` \(its parameters are weight, bias\)/ },
    { name: 'getBuffer of a parameter', call: () => new nn.Linear(1, 1).getBuffer('weight'), match: /`weight` is not a buffer/ },
    { name: 'train with a non-boolean', call: () => new nn.Linear(1, 1).train('yes' as unknown as boolean), match: /training mode is expected to be boolean, got string yes/ },
    { name: 'Parameter of a non-tensor', call: () => new nn.Parameter([1, 2] as unknown as Tensor), match: /nn\.Parameter: expected a Tensor, got an Array/ },
  ];
  for (const row of rows) it(`refuses ${row.name}`, () => expect(row.call).toThrow(row.match));

  it('leaves the module unchanged after a refused assignment', () => {
    const lin = new nn.Linear(1, 1);
    const w = lin.weight;
    expect(() => ((lin as unknown as { weight: number }).weight = 3)).toThrow(kd.ModuleError);
    expect(lin.weight).toBe(w);
    expect([...lin.parameters()][0]).toBe(w);
  });
});
