/**
 * State that must not be lost: prototype keys (`__proto__`, `constructor`,
 * `prototype`) in user objects that kindling copies key by key are refused,
 * never turned into a prototype; `Module.loadStateDict` checks every value
 * before it writes any.
 */
import { describe, expect, it } from 'vitest';
import * as kd from '../../src/index.js';
import { ArgumentTypeError, ParamGroupError, StateDictError } from '../../src/errors.js';
import { IncompatibleStateDictError } from '../../src/nn/state-dict.js';

const { nn, optim } = kd;

function model(): kd.nn.Linear {
  kd.manualSeed(0);
  return new nn.Linear(2, 2);
}

/** A JSON text parsed: `"__proto__"` stays an own key, as in any state read from a file. */
const json = <T>(text: string): T => JSON.parse(text) as T;

describe('prototype keys in optimizer state dicts', () => {
  const sgdGroup = (extra: string): string =>
    `{${extra}"momentum":0,"dampening":0,"weightDecay":0,"nesterov":false,"maximize":false,"params":[0,1]}`;

  it.each([
    ['kindling layout, __proto__ carrying lr', `{"state":{},"paramGroups":[${sgdGroup('"__proto__":{"lr":-5},')}]}`, /'__proto__' is not allowed as a key in saved parameter group 0/],
    ['PyTorch layout, __proto__ carrying lr', `{"state":{},"param_groups":[${sgdGroup('"__proto__":{"lr":-5},').replace('weightDecay', 'weight_decay')}]}`, /'__proto__' is not allowed as a key in saved parameter group 0/],
    ['a constructor key', `{"state":{},"paramGroups":[${sgdGroup('"lr":0.5,"constructor":1,')}]}`, /'constructor' is not allowed as a key/],
    ['a prototype key', `{"state":{},"paramGroups":[${sgdGroup('"lr":0.5,"prototype":{},')}]}`, /'prototype' is not allowed as a key/],
    ['a __proto__ state key', `{"state":{"__proto__":{"momentumBuffer":1}},"paramGroups":[${sgdGroup('"lr":0.5,')}]}`, /state key '__proto__' is not a parameter position/],
    ['a __proto__ key in PyTorch state', `{"state":{"0":{"__proto__":{"momentum_buffer":null}}},"param_groups":[${sgdGroup('"lr":0.5,').replace('weightDecay', 'weight_decay')}]}`, /has '__proto__', which SGD does not keep/],
  ])('%s is refused and nothing changes', (_, text, match) => {
    const m = model();
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const before = JSON.stringify(opt.stateDict());
    expect(() => opt.loadStateDict(json(text))).toThrow(StateDictError);
    expect(() => opt.loadStateDict(json(text))).toThrow(match);
    expect(JSON.stringify(opt.stateDict())).toBe(before);
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
    expect(Object.getPrototypeOf(opt.paramGroups[0])).toBe(Object.prototype);
  });

  it('fromPyTorchStateDict keeps a __proto__ key a key (not the prototype)', () => {
    const sd = optim.fromPyTorchStateDict(json('{"state":{},"param_groups":[{"__proto__":{"lr":-5},"params":[0]}]}'));
    const g = sd.paramGroups[0]!;
    expect(Object.getPrototypeOf(g)).toBe(Object.prototype);
    expect(Object.keys(g)).toContain('__proto__');
    expect((g as { lr?: number }).lr).toBeUndefined();
  });

  it('group specs and options with prototype keys are refused at construction', () => {
    const m = model();
    const spec = json<Record<string, unknown>>('{"__proto__":{"lr":-5}}');
    spec['params'] = [...m.parameters()];
    expect(() => new optim.SGD([spec as never], { lr: 0.1 })).toThrow(ParamGroupError);
    expect(() => new optim.SGD([spec as never], { lr: 0.1 })).toThrow(/'__proto__' is not allowed as a key in parameter group 0/);
    expect(() => new optim.SGD(m.parameters(), json('{"__proto__":{"lr":-5}}'))).toThrow(/'__proto__' is not allowed as a key in the options/);
    const withCtor = json<Record<string, unknown>>('{"constructor":5}');
    withCtor['params'] = [...m.parameters()];
    expect(() => new optim.Adam([withCtor as never])).toThrow(/'constructor' is not allowed as a key in parameter group 0/);
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    expect(() => opt.addParamGroup(Object.assign(json<Record<string, unknown>>('{"__proto__":{"lr":-5}}'), { params: [kd.zeros([1], { requiresGrad: true })] }) as never)).toThrow(/'__proto__' is not allowed/);
    expect(opt.paramGroups).toHaveLength(1);
  });

  it('optim.addGroup refuses a __proto__ key and adds nothing', () => {
    const m = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 1));
    const opt = new optim.SGD(m.at(1).parameters(), { lr: 0.1 });
    const spec = Object.assign(json<Record<string, unknown>>('{"__proto__":{"lr":-5}}'), { params: m.at(0), like: 'group 0' });
    expect(() => optim.addGroup(opt, spec as never)).toThrow(/'__proto__' is not allowed as a key/);
    expect(opt.paramGroups).toHaveLength(1);
  });
});

describe('prototype keys in scheduler state dicts and options', () => {
  it('a __proto__ key in a callable\'s saved fields is refused (it would replace the live lambda\'s prototype)', () => {
    const opt = new optim.SGD(model().parameters(), { lr: 0.1 });
    const lambda = Object.assign((e: number) => 0.9 ** e, { scale: 1 });
    const sched = new optim.lrScheduler.LambdaLR(opt, { lrLambda: lambda });
    const sd = sched.stateDict() as Record<string, unknown>;
    const bad = json<Record<string, unknown>>(JSON.stringify(sd).replace('"scale":1', '"__proto__":{"call":5},"scale":2'));
    expect(() => sched.loadStateDict(bad as never)).toThrow(StateDictError);
    expect(() => sched.loadStateDict(bad as never)).toThrow(/'lrLambdas' holds the key '__proto__'/);
    expect(Object.getPrototypeOf(lambda)).toBe(Function.prototype);
    expect(lambda.scale).toBe(1);
  });

  it('scheduler options with a __proto__ key are refused', () => {
    const opt = new optim.SGD(model().parameters(), { lr: 0.1 });
    expect(() => new optim.lrScheduler.StepLR(opt, json('{"stepSize":2,"__proto__":{"gamma":-1}}'))).toThrow(ArgumentTypeError);
    expect(() => new optim.lrScheduler.StepLR(opt, json('{"stepSize":2,"__proto__":{"gamma":-1}}'))).toThrow(/StepLR: '__proto__' is not allowed as a key in the options/);
  });
});

describe('Module.loadStateDict checks every value before writing any', () => {
  /** A tensor whose buffer was transferred away (as `postMessage(…, [buffer])` leaves it). */
  function detached(shape: number[]): kd.Tensor {
    const t = kd.ones(shape);
    structuredClone(t.storage.data.buffer, { transfer: [t.storage.data.buffer as ArrayBuffer] });
    return t;
  }

  it('a detached buffer in the middle leaves the module exactly as it was', () => {
    kd.manualSeed(1);
    const m = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 2));
    const before = Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.toArray()]));
    const sd: Record<string, kd.Tensor> = {
      '0.weight': kd.full([3, 2], 7),
      '0.bias': detached([3]),
      '1.weight': kd.full([2, 3], 7),
      '1.bias': kd.full([2], 7),
    };
    expect(() => m.loadStateDict(sd)).toThrow(IncompatibleStateDictError);
    expect(() => m.loadStateDict(sd)).toThrow(/value for 0\.bias cannot be read: its buffer is empty or detached/);
    const after = Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.toArray()]));
    expect(after).toEqual(before);
  });

  it('a value whose storage is shorter than its shape is refused before any write', () => {
    kd.manualSeed(2);
    const m = new nn.Linear(2, 2);
    const w = m.weight.toArray();
    const short = kd.zeros([4]);
    // A hand-built tensor that claims more elements than its storage holds.
    const lying = Object.assign(Object.create(kd.Tensor.prototype) as kd.Tensor, { ...short, shape: [2], strides: [4], offset: 0 });
    expect(() => m.loadStateDict({ weight: kd.full([2, 2], 3), bias: lying })).toThrow(/value for bias cannot be read: shape \[2\] with strides \[4\] and offset 0 reaches element 4, but the storage has 4 elements/);
    expect(m.weight.toArray()).toEqual(w);
  });
});

describe('the exported Tensor and Storage constructors check what they are given', () => {
  const data = (n: number): Float32Array => new Float32Array(n);

  it('a shape larger than the storage is refused', () => {
    expect(() => new kd.Tensor(new kd.Storage(data(4)), [2, 3], [3, 1], 0, 'float32')).toThrow(kd.ShapeError);
    expect(() => new kd.Tensor(new kd.Storage(data(4)), [2, 3], [3, 1], 0, 'float32')).toThrow(
      'Tensor: cannot make a tensor: shape [2, 3] with strides [3, 1] and offset 0 reaches element 5, but the storage has 4 elements',
    );
    expect(() => new kd.Tensor(new kd.Storage(data(6)), [2, 3], [3, 1], 1, 'float32')).toThrow(/reaches element 6/);
  });

  it('a detached buffer, bad strides, offsets and dtypes are refused', () => {
    const d = data(6);
    structuredClone(d.buffer, { transfer: [d.buffer as ArrayBuffer] });
    expect(() => new kd.Tensor(new kd.Storage(d), [2, 3], [3, 1], 0, 'float32')).toThrow(/its buffer is empty or detached/);
    const ok = new kd.Storage(data(6));
    expect(() => new kd.Tensor(ok, [2, 3], [3], 0, 'float32')).toThrow(/must be arrays of the same length/);
    expect(() => new kd.Tensor(ok, [2, 3], [3, -1], 0, 'float32')).toThrow(/strides \[3, -1\] must hold non-negative integers/);
    expect(() => new kd.Tensor(ok, [2, 3], [3, 1], 0.5, 'float32')).toThrow(/offset 0\.5 must be a non-negative integer/);
    expect(() => new kd.Tensor(ok, [2, 3], [3, 1], 0, 'int32')).toThrow(/dtype int32 is stored as Int32Array, got a Float32Array/);
    expect(() => new kd.Tensor({ data: data(6) } as never, [6], [1], 0, 'float32')).toThrow(/expected a Storage/);
    expect(() => new kd.Storage([1, 2] as never)).toThrow(kd.DTypeError);
  });

  it('valid layouts (views with zero strides, empty tensors) are accepted', () => {
    const s = new kd.Storage(data(3));
    expect(new kd.Tensor(s, [4, 3], [0, 1], 0, 'float32').shape).toEqual([4, 3]);
    expect(new kd.Tensor(new kd.Storage(data(0)), [0, 5], [5, 1], 0, 'float32').numel).toBe(0);
    expect(new kd.Tensor(s, [], [], 2, 'float32').item()).toBe(0);
  });
});
