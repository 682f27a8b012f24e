/**
 * Activation layers: thin Modules over the element-wise ops, printed as
 * PyTorch prints them.
 *
 * ```ts
 * const act = new nn.Sequential(new nn.Linear(4, 4), new nn.LeakyReLU(0.2), new nn.Linear(4, 2), new nn.Softmax(1));
 * act.forward(kd.randn([3, 4])).sum(1); // ones
 * ```
 */
import { layerOptions } from './common.js';
import { ArgumentTypeError, optionKeys } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { describeValue } from '../parameter.js';

/** max(0, x): `new nn.ReLU().forward(kd.tensor([-1, 2]))` is `[0, 2]`. */
export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return input.relu();
  }
}

/** x for x ≥ 0, `negativeSlope`·x otherwise (default slope 0.01): `new nn.LeakyReLU(0.2).forward(kd.tensor([-1, 2]))` is `[-0.2, 2]`. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(input: Tensor): Tensor {
    return input.leakyRelu(this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

export interface GELUOptions {
  /** `'none'` (exact, with erf; default) or `'tanh'` (the tanh approximation). */
  approximate?: 'none' | 'tanh';
}

/** x·Φ(x), exact or with the tanh approximation: `new nn.GELU({ approximate: 'tanh' })`. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: GELUOptions = {}) {
    super();
    layerOptions('nn.GELU', options, optionKeys<GELUOptions>({ approximate: true }));
    const a = options.approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') throw new ArgumentTypeError(`approximate must be 'none' or 'tanh', got ${describeValue(a)}`, { op: 'nn.GELU' });
    this.approximate = a;
  }

  forward(input: Tensor): Tensor {
    return input.gelu(this.approximate);
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** x·σ(x) (also called swish): `new nn.SiLU().forward(x)`. */
export class SiLU extends Module {
  forward(input: Tensor): Tensor {
    return input.silu();
  }
}

/** tanh(x), element-wise: `new nn.Tanh().forward(x)`. */
export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return input.tanh();
  }
}

/** σ(x) = 1 / (1 + e^−x), element-wise: `new nn.Sigmoid().forward(x)`. */
export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return input.sigmoid();
  }
}

function checkDim(dim: unknown, op: string): number {
  // NOTE: deliberate difference from PyTorch: no implicit dim (PyTorch's
  // dim=None guesses one and warns); the dimension must be given.
  if (typeof dim !== 'number' || !Number.isInteger(dim)) {
    throw new ArgumentTypeError(`dim must be an integer, got ${describeValue(dim)}`, { op, hint: 'usually the class dimension: new nn.Softmax(1) for [batch, classes]' });
  }
  return dim;
}

/** Softmax over dimension `dim`: `new nn.Softmax(1).forward(logits)` for logits `[N, C]`. */
export class Softmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkDim(dim, 'nn.Softmax');
  }

  forward(input: Tensor): Tensor {
    return input.softmax(this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax(x)) over dimension `dim`, computed stably: `new nn.LogSoftmax(1).forward(logits)`, the input `nn.NLLLoss` expects. */
export class LogSoftmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkDim(dim, 'nn.LogSoftmax');
  }

  forward(input: Tensor): Tensor {
    return input.logSoftmax(this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
