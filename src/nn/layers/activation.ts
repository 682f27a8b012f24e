/**
 * Activation layers: thin Modules over the element-wise ops, printed as
 * PyTorch prints them.
 */
import { ArgumentTypeError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { describeValue } from '../parameter.js';

/** max(0, x). */
export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return input.relu();
  }
}

/** x for x ≥ 0, `negativeSlope`·x otherwise (default slope 0.01). */
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

/** x·Φ(x), exact or with the tanh approximation. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: GELUOptions = {}) {
    super();
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

/** x·σ(x) (also called swish). */
export class SiLU extends Module {
  forward(input: Tensor): Tensor {
    return input.silu();
  }
}

export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return input.tanh();
  }
}

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

/** Softmax over dimension `dim`. */
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

/** log(softmax(x)) over dimension `dim`, computed stably. */
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
