/**
 * Embedding and Dropout.
 */
import { ArgumentTypeError, IndexError, optionKeys } from '../../errors.js';
import { embedding } from '../../ops/indexing.js';
import { dropout } from '../../ops/nn.js';
import { empty } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { describeValue, Parameter } from '../parameter.js';
import { checkDType, checkInt, checkProbability, type FactoryOptions, layerOptions } from './common.js';

/**
 * Zeroes each element with probability `p` in training mode and scales the
 * rest by 1/(1−p); the identity after `eval()`.
 *
 * ```ts
 * const drop = new nn.Dropout(0.25);
 * drop.forward(kd.ones([8])); // about a quarter 0, the rest 4/3
 * drop.eval().forward(kd.ones([8])); // ones
 * ```
 */
export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    this.p = checkProbability(p, 'nn.Dropout');
  }

  forward(input: Tensor): Tensor {
    return dropout(input, { p: this.p, training: this.training });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

export interface EmbeddingOptions extends FactoryOptions {
  /** The row at this index is zero at first and gets no gradient (PyTorch's `padding_idx`). */
  paddingIdx?: number | null;
}

/**
 * A lookup table: `forward(indices)` (int32) returns `weight`'s rows,
 * `[...indices.shape, embeddingDim]`. Initialised N(0, 1), the padding row zero.
 *
 * ```ts
 * const emb = new nn.Embedding(10, 3);
 * emb.forward(kd.tensor([[1, 2], [4, 1]], { dtype: 'int32' })).shape; // [2, 2, 3]
 * ```
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    const op = 'nn.Embedding';
    layerOptions(op, options, optionKeys<EmbeddingOptions>({ paddingIdx: true, dtype: true }));
    this.numEmbeddings = checkInt(numEmbeddings, 'numEmbeddings', op);
    this.embeddingDim = checkInt(embeddingDim, 'embeddingDim', op);
    const pad = options.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings) {
        throw new IndexError(`paddingIdx must be within numEmbeddings (${numEmbeddings}), got ${describeValue(pad)}`, { op });
      }
    }
    // NOTE: as PyTorch, a negative paddingIdx is stored counted from the start.
    this.paddingIdx = pad === null ? null : pad < 0 ? pad + numEmbeddings : pad;
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim], { dtype: checkDType(options.dtype, op) }));
    this.resetParameters();
  }

  /**
   * An Embedding whose weight is (a Parameter sharing the memory of) `embeddings`
   * `[numEmbeddings, embeddingDim]`; frozen (no grad) unless `freeze: false`.
   */
  static fromPretrained(embeddings: Tensor, options: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    if (!(embeddings instanceof Tensor) || embeddings.ndim !== 2) {
      throw new ArgumentTypeError(`embeddings must be a 2-D Tensor, got ${embeddings instanceof Tensor ? `shape [${embeddings.shape.join(', ')}]` : describeValue(embeddings)}`, {
        op: 'nn.Embedding.fromPretrained',
      });
    }
    const dtype = embeddings.dtype === 'float64' ? 'float64' : 'float32';
    const emb = new Embedding(embeddings.shape[0]!, embeddings.shape[1]!, { paddingIdx: options.paddingIdx, dtype });
    emb.weight = new Parameter(embeddings, !(options.freeze ?? true));
    return emb;
  }

  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const row = this.weight.select(0, this.paddingIdx);
      noGrad(() => row.fill_(0));
    }
  }

  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}
