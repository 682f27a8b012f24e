/**
 * `nn.init`: in-place initialisers with PyTorch's formulas (fan computation,
 * gains, bounds). They draw from kindling's generator (`kd.manualSeed`, or
 * the `generator` option), so values are reproducible but are not PyTorch's
 * random streams; load PyTorch's weights with `loadStateDict` to get those.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { ArgumentTypeError, checkKeys, nearest, optionKeys, ValueError } from '../errors.js';
import { allocate } from '../tensor/dtype.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { describeValue } from './parameter.js';
import { erf, erfinv } from './special.js';

export interface InitOptions {
  /** The random stream to draw from (default: the one `kd.manualSeed` seeds). */
  generator?: Generator;
}

const INIT_KEYS = optionKeys<InitOptions>({ generator: true });
const KAIMING_KEYS = optionKeys<KaimingOptions>({ generator: true, a: true, mode: true, nonlinearity: true });
const TRUNC_KEYS = optionKeys<TruncNormalOptions>({ generator: true, mean: true, std: true, a: true, b: true });

/** The non-linearities `calculateGain` knows. */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

const NONLINEARITIES: readonly Nonlinearity[] = [
  'linear', 'conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'selu',
];

/**
 * The recommended gain for a non-linearity (PyTorch's table): 1 for linear,
 * conv and sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for
 * leakyRelu (`param` is the slope, default 0.01), 3/4 for selu.
 *
 * ```ts
 * nn.init.calculateGain('relu'); // 1.4142…
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'convTranspose1d': case 'convTranspose2d': case 'convTranspose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new ValueError(`negative_slope ${String(param)} is not a valid number`, { op: 'calculateGain' });
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      // NOTE: PyTorch's value, chosen for self-normalising networks rather than derived.
      return 3 / 4;
    default: {
      const name = String(nonlinearity);
      const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      const guess = nearest(camel, NONLINEARITIES);
      throw new ValueError(`unsupported nonlinearity ${name}`, { op: 'calculateGain', hint: guess ? `did you mean '${guess}'?` : `one of ${NONLINEARITIES.join(', ')}` });
    }
  }
}

function checkTensor(t: unknown, op: string): Tensor {
  if (!(t instanceof Tensor)) throw new ArgumentTypeError(`expected a Tensor, got ${describeValue(t)}`, { op });
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new ArgumentTypeError(`expected a floating point tensor, got ${t.dtype}`, { op });
  return t;
}

/** Writes `sample(i)` for every element (row-major order) into `t`, in place and without autograd. */
function fill(t: Tensor, sample: (i: number) => number): Tensor {
  const data = allocate(t.dtype, t.numel);
  for (let i = 0; i < data.length; i++) data[i] = sample(i);
  const src = Tensor.fromData(data, [...t.shape], t.dtype);
  noGrad(() => t.copy_(src));
  return t;
}

/**
 * `fanIn` and `fanOut` of a weight `[out, in, ...kernel]` (PyTorch's `_calculate_fan_in_and_fan_out`).
 *
 * ```ts
 * nn.init.calculateFanInAndFanOut(new nn.Conv2d(3, 8, 3).weight); // { fanIn: 27, fanOut: 72 }
 * ```
 */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) {
    throw new ValueError(`fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape [${t.shape.join(', ')}])`, { op: 'nn.init' });
  }
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i]!;
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

/**
 * Fills `t` with samples from U(a, b); returns `t`.
 *
 * ```ts
 * nn.init.uniform_(layer.weight, -0.1, 0.1);
 * nn.init.uniform_(layer.weight, -0.1, 0.1, { generator: new kd.Generator(0) }); // a stream of its own
 * ```
 */
export function uniform_(t: Tensor, a = 0, b = 1, options: InitOptions = {}): Tensor {
  checkKeys('uniform_', options, INIT_KEYS);
  checkTensor(t, 'uniform_');
  if (!(a <= b)) throw new ValueError(`expects a <= b, got a=${a}, b=${b}`, { op: 'uniform_' });
  const g = options.generator ?? defaultGenerator;
  return fill(t, () => a + (b - a) * g.nextDouble());
}

/**
 * Fills `t` with samples from N(mean, std²); returns `t`.
 *
 * ```ts
 * nn.init.normal_(emb.weight, 0, 0.02);
 * ```
 */
export function normal_(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  checkKeys('normal_', options, INIT_KEYS);
  checkTensor(t, 'normal_');
  if (!(std >= 0)) throw new ValueError(`expects std >= 0.0, got ${std}`, { op: 'normal_' });
  const g = options.generator ?? defaultGenerator;
  return fill(t, () => mean + std * g.nextNormal());
}

/**
 * Fills `t` with `value`; returns `t`. `zeros_` and `ones_` are the usual cases.
 *
 * ```ts
 * nn.init.constant_(layer.bias!, 0.1);
 * nn.init.zeros_(layer.bias!);
 * ```
 */
export function constant_(t: Tensor, value: number): Tensor {
  checkTensor(t, 'constant_');
  noGrad(() => t.fill_(value));
  return t;
}

/** Fills `t` with zeros; returns `t` (`nn.init.zeros_(layer.bias!)`). */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills `t` with ones; returns `t` (`nn.init.ones_(norm.weight!)`). */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * Xavier/Glorot uniform: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)).
 *
 * ```ts
 * nn.init.xavierUniform_(layer.weight, nn.init.calculateGain('tanh'));
 * ```
 */
export function xavierUniform_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  checkKeys('xavierUniform_', options, INIT_KEYS);
  checkTensor(t, 'xavierUniform_');
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, options);
}

/**
 * Xavier/Glorot normal: N(0, std²) with std = gain·√(2 / (fanIn + fanOut)).
 *
 * ```ts
 * nn.init.xavierNormal_(layer.weight);
 * ```
 */
export function xavierNormal_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  checkKeys('xavierNormal_', options, INIT_KEYS);
  checkTensor(t, 'xavierNormal_');
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

export interface KaimingOptions extends InitOptions {
  /** The negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  /** Preserve the variance of the forward pass (`'fanIn'`, default) or of the backward pass (`'fanOut'`). */
  mode?: 'fanIn' | 'fanOut';
  /** Default `'leakyRelu'` (with slope `a`), as PyTorch. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, options: KaimingOptions, op: string): number {
  const mode = options.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new ValueError(`mode ${String(mode)} not supported, please use one of 'fanIn', 'fanOut'`, { op });
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  // NOTE: PyTorch warns and leaves a zero-element tensor alone; fan = 0 only happens then.
  const gain = calculateGain(options.nonlinearity ?? 'leakyRelu', options.a ?? 0);
  return gain / Math.sqrt(fan);
}

/**
 * Kaiming/He uniform: U(−b, b) with b = gain·√(3 / fan). `nn.Linear` and the
 * convolutions use it with `{ a: √5 }`, which gives b = 1/√fanIn.
 *
 * ```ts
 * nn.init.kaimingUniform_(layer.weight, { mode: 'fanIn', nonlinearity: 'relu' });
 * ```
 */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkKeys('kaimingUniform_', options, KAIMING_KEYS);
  checkTensor(t, 'kaimingUniform_');
  if (t.numel === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd(t, options, 'kaimingUniform_');
  return uniform_(t, -bound, bound, { generator: options.generator });
}

/**
 * Kaiming/He normal: N(0, std²) with std = gain / √fan.
 *
 * ```ts
 * nn.init.kaimingNormal_(conv.weight, { mode: 'fanOut', nonlinearity: 'relu' }); // torchvision's ResNet init
 * ```
 */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkKeys('kaimingNormal_', options, KAIMING_KEYS);
  checkTensor(t, 'kaimingNormal_');
  if (t.numel === 0) return t;
  return normal_(t, 0, kaimingStd(t, options, 'kaimingNormal_'), { generator: options.generator });
}

export interface TruncNormalOptions extends InitOptions {
  mean?: number;
  std?: number;
  /** Lower cut-off, in absolute terms (default −2). */
  a?: number;
  /** Upper cut-off, in absolute terms (default 2). */
  b?: number;
}

/**
 * Samples from N(mean, std²) truncated to [a, b] (PyTorch's `trunc_normal_`:
 * inverse-CDF sampling, then a clamp to [a, b]).
 *
 * ```ts
 * nn.init.truncNormal_(layer.weight, { std: 0.02, a: -0.04, b: 0.04 }); // ViT's init
 * ```
 */
export function truncNormal_(t: Tensor, options: TruncNormalOptions = {}): Tensor {
  checkKeys('truncNormal_', options, TRUNC_KEYS);
  checkTensor(t, 'truncNormal_');
  const { mean = 0, std = 1, a = -2, b = 2 } = options;
  if (!(std > 0) || !(a < b)) throw new ValueError(`expects std > 0 and a < b, got std=${std}, a=${a}, b=${b}`, { op: 'truncNormal_' });
  const cdf = (x: number): number => (1 + erf(x / Math.SQRT2)) / 2;
  const lo = 2 * cdf((a - mean) / std) - 1;
  const hi = 2 * cdf((b - mean) / std) - 1;
  const g = options.generator ?? defaultGenerator;
  return fill(t, () => {
    // NOTE: the uniform sample is kept strictly inside (−1, 1) so erfinv stays finite;
    // the clamp then absorbs the approximation error at the edges, as PyTorch's does.
    const u = Math.min(1 - 1e-12, Math.max(-1 + 1e-12, lo + (hi - lo) * g.nextDouble()));
    const v = mean + std * Math.SQRT2 * erfinv(u);
    return Math.min(b, Math.max(a, v));
  });
}

/**
 * A (semi-)orthogonal matrix, scaled by `gain`: the Q of a QR decomposition
 * of a normal matrix, with signs fixed by R's diagonal (PyTorch's method).
 * Dimensions after the first are flattened.
 *
 * ```ts
 * const w = nn.init.orthogonal_(kd.empty([3, 5]));
 * w.matmul(w.t()); // the 3×3 identity
 * ```
 */
export function orthogonal_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  checkKeys('orthogonal_', options, INIT_KEYS);
  checkTensor(t, 'orthogonal_');
  if (t.ndim < 2) throw new ValueError(`only tensors with 2 or more dimensions are supported, got shape [${t.shape.join(', ')}]`, { op: 'orthogonal_' });
  if (t.numel === 0) return t;
  const rows = t.shape[0]!;
  const cols = t.numel / rows;
  const g = options.generator ?? defaultGenerator;
  // Work on the tall orientation: n vectors of length m, m >= n.
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const flat = Array.from({ length: rows * cols }, () => g.nextNormal());
  // Column j of the tall matrix A (m × n).
  const colsOf: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = rows >= cols ? flat[i * cols + j]! : flat[j * cols + i]!;
    colsOf.push(c);
  }
  // Modified Gram–Schmidt: A = QR; Q's columns orthonormal, R's diagonal = the norms before normalising.
  for (let j = 0; j < n; j++) {
    const q = colsOf[j]!;
    for (let k = 0; k < j; k++) {
      const prev = colsOf[k]!;
      let dot = 0;
      for (let i = 0; i < m; i++) dot += prev[i]! * q[i]!;
      for (let i = 0; i < m; i++) q[i]! -= dot * prev[i]!;
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[i]! * q[i]!;
    norm = Math.sqrt(norm);
    // NOTE: R's diagonal from Gram–Schmidt is positive, so PyTorch's sign fix
    // (Q·sign(diag R)) is the identity here; the distribution is the same (Haar).
    for (let i = 0; i < m; i++) q[i] = q[i]! / norm;
  }
  return fill(t, (idx) => {
    const r = Math.floor(idx / cols);
    const c = idx % cols;
    return gain * (rows >= cols ? colsOf[c]![r]! : colsOf[r]![c]!);
  });
}
