/**
 * One validation path: every options object of the public API refuses
 * unknown keys with a did-you-mean; shapes are taken as PyTorch takes them
 * (one array or separate sizes); dtype strings and sizes get errors that name
 * the op, the value and the fix.
 */
import { describe, expect, it } from 'vitest';
import * as kd from '../../src/index.js';
import { ArgumentTypeError, DTypeError, ValueError, checkKeys, optionKeys } from '../../src/errors.js';

const { nn, optim } = kd;

describe('the validation toolkit', () => {
  it('checkKeys names every unknown key with its nearest known name', () => {
    expect(() => checkKeys('op', { strid: 1, bais: true }, ['stride', 'bias'])).toThrow(
      "op: 2 problems: (1) unknown option 'strid' (did you mean 'stride'?); (2) unknown option 'bais' (did you mean 'bias'?)",
    );
    expect(() => checkKeys('op', { zzz: 1 }, ['stride'])).toThrow("op: unknown option 'zzz' (valid options: stride)");
    expect(() => checkKeys('op', 3, ['stride'])).toThrow(ArgumentTypeError);
    expect(checkKeys('op', undefined, ['stride'])).toEqual({});
  });

  it('optionKeys lists the keys of an interface', () => {
    expect(optionKeys<{ a?: number; b?: string }>({ a: true, b: true })).toEqual(['a', 'b']);
  });
});

describe('unknown option keys are refused everywhere, with did-you-mean', () => {
  const x = kd.ones([2, 3]);
  const cases: [string, () => unknown, RegExp][] = [
    ['nn.Conv2d strid', () => new nn.Conv2d(1, 1, 3, { strid: 2 } as never), /nn\.Conv2d: unknown option 'strid' \(did you mean 'stride'\?\)/],
    ['nn.Linear bais', () => new nn.Linear(2, 2, { bais: false } as never), /nn\.Linear: unknown option 'bais' \(did you mean 'bias'\?\)/],
    ['kd.tensor dtyp', () => kd.tensor([1, 2], { dtyp: 'float64' } as never), /tensor: unknown option 'dtyp' \(did you mean 'dtype'\?\)/],
    ['sum keepDims', () => x.sum(0, { keepDims: true } as never), /sum: unknown option 'keepDims' \(did you mean 'keepdim'\?\)/],
    ['kd.sum keepDim', () => kd.sum(x, 0, { keepDim: true } as never), /sum: unknown option 'keepDim' \(did you mean 'keepdim'\?\)/],
    ['mean keepdims', () => x.mean(1, { keepdims: true } as never), /mean: unknown option 'keepdims'/],
    ['max keep_dim', () => x.max(1, { keep_dim: true } as never), /max: unknown option 'keep_dim'/],
    ['var correctoin', () => x.var(1, { correctoin: 0 } as never), /var: unknown option 'correctoin' \(did you mean 'correction'\?\)/],
    ['logsumexp keepDim', () => kd.logsumexp(x, 1, { keepDim: true } as never), /logsumexp: unknown option 'keepDim'/],
    ['zeros requires_grad', () => kd.zeros([2], { requires_grad: true } as never), /zeros: unknown option 'requires_grad' \(did you mean 'requiresGrad'\?\)/],
    ['randn generater', () => kd.randn([2], { generater: new kd.Generator(1) } as never), /randn: unknown option 'generater' \(did you mean 'generator'\?\)/],
    ['arange dtyp', () => kd.arange(3, { dtyp: 'int32' } as never), /arange: unknown option 'dtyp'/],
    ['zerosLike dtyp', () => kd.zerosLike(x, { dtyp: 'int32' } as never), /zerosLike: unknown option 'dtyp'/],
    ['nn.BatchNorm2d eps typo', () => new nn.BatchNorm2d(3, { esp: 1e-3 } as never), /nn\.BatchNorm2d: unknown option 'esp' \(did you mean 'eps'\?\)/],
    ['nn.LayerNorm elementwise_affine', () => new nn.LayerNorm(3, { elementwise_affine: false } as never), /nn\.LayerNorm: unknown option 'elementwise_affine' \(did you mean 'elementwiseAffine'\?\)/],
    ['nn.Embedding padding_idx', () => new nn.Embedding(3, 2, { padding_idx: 0 } as never), /nn\.Embedding: unknown option 'padding_idx' \(did you mean 'paddingIdx'\?\)/],
    ['nn.CrossEntropyLoss label_smoothing', () => new nn.CrossEntropyLoss({ label_smoothing: 0.1 } as never), /nn\.CrossEntropyLoss: unknown option 'label_smoothing' \(did you mean 'labelSmoothing'\?\)/],
    ['nn.MSELoss reduce', () => new nn.MSELoss({ reduce: 'sum' } as never), /nn\.MSELoss: unknown option 'reduce'/],
    ['nn.GELU approx', () => new nn.GELU({ aproximate: 'tanh' } as never), /nn\.GELU: unknown option 'aproximate' \(did you mean 'approximate'\?\)/],
    ['nn.MultiheadAttention batch_first', () => new nn.MultiheadAttention(4, 2, { batch_first: true } as never), /nn\.MultiheadAttention: unknown option 'batch_first' \(did you mean 'batchFirst'\?\)/],
    ['nn.TransformerEncoderLayer dim_feedforward', () => new nn.TransformerEncoderLayer(4, 2, { dim_feedforward: 8 } as never), /unknown option 'dim_feedforward' \(did you mean 'dimFeedforward'\?\)/],
    ['nn.MaxPool2d ceil_mode', () => new nn.MaxPool2d(2, { ceil_mode: true } as never), /nn\.MaxPool2d: unknown option 'ceil_mode' \(did you mean 'ceilMode'\?\)/],
    ['kaimingUniform_ nonlinearty', () => nn.init.kaimingUniform_(kd.zeros([2, 2]), { nonlinearty: 'relu' } as never), /kaimingUniform_: unknown option 'nonlinearty' \(did you mean 'nonlinearity'\?\)/],
    ['clipGradNorm_ norm_type', () => nn.utils.clipGradNorm_([], 1, { norm_type: 2 } as never), /clipGradNorm_: unknown option 'norm_type' \(did you mean 'normType'\?\)/],
    ['stateDict keep_vars', () => new nn.Linear(1, 1).stateDict({ keep_vars: true } as never), /stateDict: unknown option 'keep_vars' \(did you mean 'keepVars'\?\)/],
    ['loadStateDict strcit', () => new nn.Linear(1, 1).loadStateDict({}, { strcit: false } as never), /loadStateDict: unknown option 'strcit' \(did you mean 'strict'\?\)/],
    ['zeroGrad set_to_none', () => new nn.Linear(1, 1).zeroGrad({ set_to_none: false } as never), /zeroGrad: unknown option 'set_to_none' \(did you mean 'setToNone'\?\)/],
    ['backward retain_graph', () => kd.ones([1], { requiresGrad: true }).sum().backward(undefined, { retain_graph: true } as never), /backward: unknown option 'retain_graph' \(did you mean 'retainGraph'\?\)/],
    ['gradcheck atoll', () => kd.gradcheck((a) => a, [kd.ones([1], { dtype: 'float64', requiresGrad: true })], { atoll: 1 } as never), /gradcheck: unknown option 'atoll' \(did you mean 'atol'\?\)/],
    ['optim.SGD momentun', () => new optim.SGD([kd.ones([1], { requiresGrad: true })], { lr: 0.1, momentun: 0.9 } as never), /unknown key 'momentun' in the options \(did you mean 'momentum'\?\)/],
  ];
  it.each(cases)('%s', (_, call, match) => {
    expect(call).toThrow(match);
    expect(call).toThrow(kd.KindlingError);
  });

  it('user group keys stay allowed on optimizer groups (KindlingGroupKeys)', () => {
    const opt = new optim.SGD([{ params: [kd.ones([1], { requiresGrad: true })], myTag: 'head' } as never], { lr: 0.1 });
    expect((opt.paramGroups[0] as unknown as { myTag: string }).myTag).toBe('head');
  });
});

describe('shapes as PyTorch takes them: one array or separate sizes', () => {
  it.each([
    ['zeros', (...a: number[]) => kd.zeros(...a)],
    ['ones', (...a: number[]) => kd.ones(...a)],
    ['empty', (...a: number[]) => kd.empty(...a)],
    ['rand', (...a: number[]) => kd.rand(...a)],
    ['randn', (...a: number[]) => kd.randn(...a)],
  ] as const)('%s(2, 3) has shape [2, 3]', (_, f) => {
    expect(f(2, 3).shape).toEqual([2, 3]);
    expect(f(4).shape).toEqual([4]);
  });

  it('separate sizes take options after them', () => {
    const t = kd.zeros(2, 3, { dtype: 'int32' });
    expect([t.shape, t.dtype]).toEqual([[2, 3], 'int32']);
    const r = kd.rand(2, 2, { generator: new kd.Generator(5), dtype: 'float64' });
    const s = kd.rand([2, 2], { generator: new kd.Generator(5), dtype: 'float64' });
    expect(r.toArray()).toEqual(s.toArray());
    expect(kd.ones([2, 3], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(kd.zeros([]).shape).toEqual([]);
  });

  it('views take them both ways too', () => {
    const x = kd.arange(6);
    expect(x.view(2, 3).shape).toEqual([2, 3]);
    expect(x.reshape([3, 2]).permute(1, 0).shape).toEqual([2, 3]);
    expect(x.reshape(1, 6).expand(2, 6).shape).toEqual([2, 6]);
    expect(x.reshape(2, 3).repeat(2, 1).shape).toEqual([4, 3]);
  });

  it('refuses what is not a shape, naming the op', () => {
    expect(() => kd.zeros(undefined as never)).toThrow(/zeros: expected a shape \(an array of sizes, or sizes as separate numbers\), got undefined \(zeros\(\[2, 3\]\) or zeros\(2, 3\)\)/);
    expect(() => (kd.zeros as () => kd.Tensor)()).toThrow(/zeros: expected a shape .*got nothing/);
    expect(() => kd.ones([2, 3], 4 as never)).toThrow(/ones: after the shape, expected only an options object, got a number \(4\)/);
    expect(() => kd.zeros(2, 'x' as never)).toThrow(ArgumentTypeError);
    expect(() => kd.zeros(2.5)).toThrow(/zeros: invalid shape \[2\.5\]/);
    expect(() => kd.full(undefined as never, 1)).toThrow(/full: expected a shape/);
  });
});

describe('errors that help: dtypes, sizes, arange', () => {
  it.each([
    ['float16', /unsupported dtype 'float16' \(kindling computes in float32, float64, int32, bool; float16 tensors in checkpoint and safetensors files are read as float32: use 'float32'\)/],
    ['int64', /unsupported dtype 'int64' \(.*int64 tensors .* are read as int32: use 'int32'\)/],
    ['constructor', /unsupported dtype 'constructor' \(kindling's dtypes are float32, float64, int32, bool\)/],
    ['double', /unsupported dtype 'double' \(did you mean 'float64'\?\)/],
  ])('dtype %s is a DTypeError listing the supported dtypes', (dtype, match) => {
    for (const call of [
      () => kd.zeros([2], { dtype: dtype as never }),
      () => kd.tensor([1], { dtype: dtype as never }),
      () => kd.arange(3, { dtype: dtype as never }),
      () => kd.ones([1]).to(dtype as never),
      () => kd.full([1], 2, { dtype: dtype as never }),
    ]) {
      expect(call).toThrow(DTypeError);
      expect(call).toThrow(match);
    }
  });

  it('a layer with an unknown dtype says which are supported', () => {
    expect(() => new nn.Linear(2, 2, { dtype: 'float16' as never })).toThrow(DTypeError);
  });

  it('arange refuses NaN and infinite bounds', () => {
    expect(() => kd.arange(NaN)).toThrow(ValueError);
    expect(() => kd.arange(NaN)).toThrow(/arange: end must be a finite number, got a number \(NaN\)/);
    expect(() => kd.arange(0, Infinity)).toThrow(/arange: end must be a finite number/);
    expect(() => kd.arange(0, 3, NaN)).toThrow(/arange: step must be a finite non-zero number, got a number \(NaN\)/);
  });

  it('sizes larger than the runtime can allocate name the op and the shape', () => {
    expect(() => kd.zeros([1e6, 1e6])).toThrow(ValueError);
    expect(() => kd.zeros([1e6, 1e6])).toThrow(/zeros: a float32 tensor of shape \[1000000, 1000000\] has 1000000000000 elements, more than this runtime can allocate/);
    expect(() => kd.randn(1e6, 1e6)).toThrow(/randn: a float32 tensor of shape \[1000000, 1000000\]/);
  });

  it('requiresGrad must be a boolean', () => {
    expect(() => kd.zeros([1], { requiresGrad: 'yes' as never })).toThrow(/zeros: requiresGrad must be true or false, got a string \('yes'\)/);
  });
});

describe('errors that help: the same bad call gives the same error on every backend', () => {
  const x = kd.ones([2]);
  const cases: [string, () => unknown, new (...a: never[]) => Error, RegExp][] = [
    ['.grad set to a plain object', () => {
      (kd.ones([2], { requiresGrad: true }) as { grad: unknown }).grad = { data: [1, 2] };
    }, ArgumentTypeError, /grad: assigned grad must be a Tensor or null, got an Object/],
    ['.grad set to an array', () => {
      (kd.ones([2], { requiresGrad: true }) as { grad: unknown }).grad = [1, 2];
    }, ArgumentTypeError, /grad: assigned grad must be a Tensor or null, got an array/],
    ['add with a string alpha is blamed on add', () => kd.add(x, x, { alpha: '2' } as never), ArgumentTypeError, /^add: alpha must be a number, got a string \('2'\)$/],
    ['sub with a string alpha', () => x.sub(x, { alpha: '2' } as never), ArgumentTypeError, /^sub: alpha must be a number/],
    ['add with a misspelt option', () => kd.add(x, x, { alhpa: 2 } as never), ArgumentTypeError, /add: unknown option 'alhpa' \(did you mean 'alpha'\?\)/],
    ['matmul of a nested array', () => kd.matmul([[1]] as never, x), ArgumentTypeError, /matmul: the first operand must be a Tensor, got an array \(wrap values with kd\.tensor/],
    ['clamp with a string bound', () => x.clamp('2' as never), ArgumentTypeError, /^clamp: min must be a number, got a string \('2'\)$/],
    ['clamp with a string max', () => kd.clamp(x, undefined, '2' as never), ArgumentTypeError, /^clamp: max must be a number/],
  ];
  it.each(cases)('%s', (_, call, cls, match) => {
    expect(call).toThrow(cls);
    expect(call).toThrow(match);
  });
});

describe('errors that help: modules and backends', () => {
  it('a module registered inside itself is refused (it would overflow the stack in stateDict and toString)', () => {
    const m = new nn.Module();
    expect(() => m.registerModule('self', m)).toThrow(kd.ModuleError);
    expect(() => m.registerModule('self', m)).toThrow(/registering Module as 'self' would make a cycle/);
    const a = new nn.Sequential(new nn.Linear(1, 1));
    const b = new nn.Sequential(a);
    expect(() => a.registerModule('parent', b)).toThrow(/would make a cycle/);
    expect(Object.keys(a.stateDict())).toEqual(['0.weight', '0.bias']);
    // Sharing a layer between two parents is no cycle.
    const shared = new nn.Linear(1, 1);
    const p = new nn.Module();
    p.registerModule('x', shared);
    p.registerModule('y', new nn.Sequential(shared));
    expect(p.toString()).toContain('Linear');
  });

  it('a module class without forward says so when called', () => {
    class NoForward extends nn.Module {}
    const m = new NoForward() as unknown as { forward(x: kd.Tensor): unknown };
    expect(() => m.forward(kd.ones([1]))).toThrow(kd.ModuleError);
    expect(() => m.forward(kd.ones([1]))).toThrow('NoForward.forward: Module [NoForward] is missing the required "forward" function (define forward(input) in the class)');
  });

  it('registerBackend refuses an incomplete backend, above all in place of a built-in one', () => {
    const before = kd.backend();
    expect(() => kd.registerBackend({ name: 'js' } as never)).toThrow(kd.BackendError);
    expect(() => kd.registerBackend({ name: 'js' } as never)).toThrow(/registerBackend: backend 'js' lacks the kernels .*'js' is a built-in backend/);
    expect(() => kd.registerBackend({ name: '' } as never)).toThrow(kd.BackendError);
    expect(kd.backend()).toBe(before);
    kd.setBackend('js');
    expect(kd.ones([2]).add(1).toArray()).toEqual([2, 2]);
    kd.setBackend(before.name);
  });
});
