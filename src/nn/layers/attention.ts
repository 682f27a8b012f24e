/**
 * MultiheadAttention and TransformerEncoderLayer, composed of linear,
 * softmax, dropout and layerNorm (autograd derives the composition's
 * backward from theirs).
 *
 * Registered names are PyTorch's, snake_case included (`in_proj_weight`,
 * `out_proj.weight`, `self_attn.in_proj_bias`), so that state dicts load from
 * and into PyTorch unchanged; the objects are properties of those names, and
 * each also has a camelCase accessor for TypeScript (`inProjWeight`,
 * `outProj`, `selfAttn`).
 */
import { ArgumentTypeError, checkKeys, fmtShape, optionKeys, ShapeError, ValueError } from '../../errors.js';
import { where } from '../../ops/elementwise.js';
import { linear } from '../../ops/matmul.js';
import { dropout } from '../../ops/nn.js';
import { cat } from '../../ops/shape.js';
import { softmax } from '../../ops/softmax.js';
import { empty, zeros } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';
import { constant_, xavierNormal_, xavierUniform_ } from '../init.js';
import { Module } from '../module.js';
import { describeValue, Parameter } from '../parameter.js';
import { isModule } from '../registry.js';
import { checkDType, checkInt, checkProbability, type FactoryOptions, layerOptions } from './common.js';
import { Linear } from './linear.js';
import { Dropout } from './sparse.js';
import { LayerNorm } from './normalization.js';

/** The weights `multiHeadAttentionForward` uses (the parameters of a MultiheadAttention). */
export interface MultiheadAttentionWeights {
  numHeads: number;
  /** `[3E, E]` packed q/k/v projection, or null when `qProjWeight`… are given. */
  inProjWeight: Tensor | null;
  inProjBias: Tensor | null;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  biasK?: Tensor | null;
  biasV?: Tensor | null;
  addZeroAttn?: boolean;
  outProjWeight: Tensor;
  outProjBias: Tensor | null;
  dropout?: number;
  training?: boolean;
}

export interface AttentionOptions {
  /** `[N, S]`: true (or −inf when float) where a key is padding and must be ignored. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** `[L, S]` or `[N·numHeads, L, S]`: true (or −inf when float) where attention is not allowed; a float mask is added to the scores. */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true). */
  averageAttnWeights?: boolean;
}

const ATTENTION_KEYS = optionKeys<AttentionOptions>({ keyPaddingMask: true, needWeights: true, attnMask: true, averageAttnWeights: true });

/** A bool mask as an additive float mask (−inf where true); a float mask as is. */
function additiveMask(mask: Tensor, dtype: 'float32' | 'float64', what: string): Tensor {
  if (mask.dtype === 'bool') return where(mask, -Infinity, 0).to(dtype);
  if (mask.dtype !== dtype) {
    throw new ArgumentTypeError(`${what} must be bool or ${dtype} (the query's dtype), got ${mask.dtype}`, { op: 'multiheadAttention' });
  }
  return mask;
}

/** Appends `n` zero columns to the last dimension of a mask. */
function padLast(mask: Tensor, n: number): Tensor {
  return cat([mask, zeros([...mask.shape.slice(0, -1), n], { dtype: mask.dtype })], -1);
}

/**
 * The multi-head attention of PyTorch's `F.multi_head_attention_forward`, on
 * sequence-first inputs: `query` `[L, N, E]` (or unbatched `[L, E]`), `key`
 * `[S, N, Ek]`, `value` `[S, N, Ev]`. Returns the output `[L, N, E]` and, with
 * `needWeights`, the attention weights `[N, L, S]` (per head `[N, H, L, S]`
 * without `averageAttnWeights`). The weights are given as an object, not
 * PyTorch's fourteen positional arguments.
 *
 * ```ts
 * const mha = new nn.MultiheadAttention(8, 2);
 * const [y, attn] = nn.functional.multiHeadAttentionForward(x, x, x, {
 *   numHeads: 2, inProjWeight: mha.inProjWeight, inProjBias: mha.inProjBias,
 *   outProjWeight: mha.outProj.weight, outProjBias: mha.outProj.bias,
 * }); // the same as mha.forward(x, x, x) for x [L, N, 8]
 * ```
 */
export function multiHeadAttentionForward(
  query: Tensor, key: Tensor, value: Tensor, w: MultiheadAttentionWeights, options: AttentionOptions = {},
): [Tensor, Tensor | null] {
  const op = 'multiheadAttention';
  checkKeys(op, options, ATTENTION_KEYS);
  const batched = query.ndim === 3;
  if ((query.ndim !== 3 && query.ndim !== 2) || key.ndim !== query.ndim || value.ndim !== query.ndim) {
    throw new ShapeError(`expected query, key and value all 3-D [seq, batch, embed] (or 2-D unbatched), got ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)}`, { op });
  }
  let q0 = batched ? query : query.unsqueeze(1);
  let k0 = batched ? key : key.unsqueeze(1);
  let v0 = batched ? value : value.unsqueeze(1);
  let kpm = options.keyPaddingMask ?? null;
  if (kpm !== null && !batched) kpm = kpm.unsqueeze(0);
  const [tgtLen, bsz, embedDim] = q0.shape as [number, number, number];
  const h = w.numHeads;
  const headDim = embedDim / h;
  if (!Number.isInteger(headDim)) throw new ValueError(`embedDim ${embedDim} not divisible by numHeads ${h}`, { op });
  if (k0.shape[0] !== v0.shape[0] || k0.shape[1] !== bsz || v0.shape[1] !== bsz) {
    throw new ShapeError(`key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must share the sequence length, and the batch size of query ${fmtShape(query.shape)}`, { op });
  }
  const dtype = q0.dtype === 'float64' ? 'float64' : 'float32';

  // In-projection: rows [0, E), [E, 2E), [2E, 3E) of the packed weight are q, k, v.
  const part = (t: Tensor | null, i: number): Tensor | null => (t === null ? null : t.narrow(0, i * embedDim, embedDim));
  const wq = w.inProjWeight !== null ? part(w.inProjWeight, 0)! : w.qProjWeight!;
  const wk = w.inProjWeight !== null ? part(w.inProjWeight, 1)! : w.kProjWeight!;
  const wv = w.inProjWeight !== null ? part(w.inProjWeight, 2)! : w.vProjWeight!;
  q0 = linear(q0, wq, part(w.inProjBias, 0));
  k0 = linear(k0, wk, part(w.inProjBias, 1));
  v0 = linear(v0, wv, part(w.inProjBias, 2));

  let mask: Tensor | null = null;
  if (options.attnMask !== undefined && options.attnMask !== null) {
    const am = options.attnMask;
    const srcLen = key.shape[0]!;
    if (am.ndim === 2) {
      if (am.shape[0] !== tgtLen || am.shape[1] !== srcLen) throw new ShapeError(`the shape of the 2D attnMask is ${fmtShape(am.shape)}, but should be [${tgtLen}, ${srcLen}]`, { op });
      mask = additiveMask(am, dtype, 'attnMask').unsqueeze(0);
    } else if (am.ndim === 3) {
      if (am.shape[0] !== bsz * h || am.shape[1] !== tgtLen || am.shape[2] !== srcLen) {
        throw new ShapeError(`the shape of the 3D attnMask is ${fmtShape(am.shape)}, but should be [${bsz * h}, ${tgtLen}, ${srcLen}]`, { op });
      }
      mask = additiveMask(am, dtype, 'attnMask');
    } else {
      throw new ShapeError(`attnMask's dimension ${am.ndim} is not supported (2-D [L, S] or 3-D [N·numHeads, L, S])`, { op });
    }
  }
  if (kpm !== null) {
    if (kpm.ndim !== 2 || kpm.shape[0] !== bsz || kpm.shape[1] !== key.shape[0]) {
      throw new ShapeError(`expected keyPaddingMask of shape [${bsz}, ${key.shape[0]}], got ${fmtShape(kpm.shape)}`, { op });
    }
    kpm = additiveMask(kpm, dtype, 'keyPaddingMask');
  }

  if (w.biasK && w.biasV) {
    k0 = cat([k0, w.biasK.expand([1, bsz, embedDim])]);
    v0 = cat([v0, w.biasV.expand([1, bsz, embedDim])]);
    if (mask !== null) mask = padLast(mask, 1);
    if (kpm !== null) kpm = padLast(kpm, 1);
  }

  // [L, N, E] → [N·H, L, headDim]
  const heads = (t: Tensor): Tensor => t.contiguous().view([t.shape[0]!, bsz * h, headDim]).transpose(0, 1);
  let q = heads(q0);
  let k = heads(k0);
  let v = heads(v0);
  if (w.addZeroAttn) {
    k = cat([k, zeros([bsz * h, 1, headDim], { dtype })], 1);
    v = cat([v, zeros([bsz * h, 1, headDim], { dtype })], 1);
    if (mask !== null) mask = padLast(mask, 1);
    if (kpm !== null) kpm = padLast(kpm, 1);
  }
  const srcLen = k.shape[1]!;
  if (kpm !== null) {
    const expanded = kpm.view([bsz, 1, 1, srcLen]).expand([bsz, h, 1, srcLen]).reshape([bsz * h, 1, srcLen]);
    mask = mask === null ? expanded : mask.add(expanded);
  }

  // NOTE: q is scaled before the product (PyTorch's order), which rounds
  // differently from scaling the scores afterwards.
  q = q.div(Math.sqrt(headDim));
  let scores = q.bmm(k.transpose(1, 2));
  if (mask !== null) scores = scores.add(mask);
  let attn = softmax(scores, -1);
  const p = w.dropout ?? 0;
  if (p > 0 && (w.training ?? true)) attn = dropout(attn, { p, training: true });
  const out = attn.bmm(v).transpose(0, 1).contiguous().view([tgtLen * bsz, embedDim]);
  let output = linear(out, w.outProjWeight, w.outProjBias).view([tgtLen, bsz, embedDim]);
  if (!batched) output = output.squeeze(1);
  if (!(options.needWeights ?? true)) return [output, null];
  let weights = attn.view([bsz, h, tgtLen, srcLen]);
  if (options.averageAttnWeights ?? true) weights = weights.mean(1);
  if (!batched) weights = weights.squeeze(0);
  return [output, weights];
}

export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout on the attention weights (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Learn a bias appended to the keys and values (default false). */
  addBiasKv?: boolean;
  /** Append a zero key and value (default false). */
  addZeroAttn?: boolean;
  /** Feature size of the keys (default embedDim); a different size gives separate q/k/v projections. */
  kdim?: number;
  /** Feature size of the values (default embedDim). */
  vdim?: number;
  /** Inputs and outputs are `[N, L, E]` instead of `[L, N, E]` (default false, as PyTorch). */
  batchFirst?: boolean;
}

/**
 * Multi-head attention (Vaswani et al.) with PyTorch's parameters and names:
 * `in_proj_weight` `[3E, E]` (or `q_proj_weight`/`k_proj_weight`/`v_proj_weight`
 * with `kdim`/`vdim`), `in_proj_bias` `[3E]`, `out_proj` (a Linear),
 * `bias_k`/`bias_v` with `addBiasKv`.
 *
 * ```ts
 * const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
 * const [y, w] = mha.forward(x, x, x); // self-attention over x [N, L, 8]
 * ```
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: Linear;
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const op = 'nn.MultiheadAttention';
    layerOptions(op, options, optionKeys<MultiheadAttentionOptions>({
      dropout: true, bias: true, addBiasKv: true, addZeroAttn: true, kdim: true, vdim: true, batchFirst: true, dtype: true,
    }));
    this.embedDim = checkInt(embedDim, 'embedDim', op, 1);
    this.numHeads = checkInt(numHeads, 'numHeads', op, 1);
    if (embedDim % numHeads !== 0) throw new ValueError(`embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`, { op });
    this.headDim = embedDim / numHeads;
    this.kdim = checkInt(options.kdim ?? embedDim, 'kdim', op, 1);
    this.vdim = checkInt(options.vdim ?? embedDim, 'vdim', op, 1);
    this.dropout = checkProbability(options.dropout ?? 0, op);
    this.batchFirst = options.batchFirst ?? false;
    this.addZeroAttn = options.addZeroAttn ?? false;
    const dtype = checkDType(options.dtype, op);
    const bias = options.bias ?? true;
    // Registration order as PyTorch's __init__, so stateDict() lists keys in its order.
    if (this.kdim === embedDim && this.vdim === embedDim) {
      this.registerParameter('in_proj_weight', new Parameter(empty([3 * embedDim, embedDim], { dtype })));
      this.registerParameter('q_proj_weight', null);
      this.registerParameter('k_proj_weight', null);
      this.registerParameter('v_proj_weight', null);
    } else {
      this.registerParameter('q_proj_weight', new Parameter(empty([embedDim, embedDim], { dtype })));
      this.registerParameter('k_proj_weight', new Parameter(empty([embedDim, this.kdim], { dtype })));
      this.registerParameter('v_proj_weight', new Parameter(empty([embedDim, this.vdim], { dtype })));
      this.registerParameter('in_proj_weight', null);
    }
    this.registerParameter('in_proj_bias', bias ? new Parameter(empty([3 * embedDim], { dtype })) : null);
    this.registerModule('out_proj', new Linear(embedDim, embedDim, { bias, dtype }));
    const addBiasKv = options.addBiasKv ?? false;
    this.registerParameter('bias_k', addBiasKv ? new Parameter(empty([1, 1, embedDim], { dtype })) : null);
    this.registerParameter('bias_v', addBiasKv ? new Parameter(empty([1, 1, embedDim], { dtype })) : null);
    this.resetParameters();
  }

  get inProjWeight(): Parameter | null {
    return this.in_proj_weight;
  }

  get inProjBias(): Parameter | null {
    return this.in_proj_bias;
  }

  get outProj(): Linear {
    return this.out_proj;
  }

  /** PyTorch's initialisation: Xavier-uniform projections, zero biases, Xavier-normal `bias_k`/`bias_v`. */
  resetParameters(): void {
    if (this.in_proj_weight !== null) xavierUniform_(this.in_proj_weight);
    else for (const t of [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) xavierUniform_(t!);
    if (this.in_proj_bias !== null) {
      constant_(this.in_proj_bias, 0);
      if (this.out_proj.bias !== null) constant_(this.out_proj.bias, 0);
    }
    if (this.bias_k !== null) xavierNormal_(this.bias_k);
    if (this.bias_v !== null) xavierNormal_(this.bias_v);
  }

  /**
   * Attention of `query` over `key`/`value`: `[L, N, E]`, `[S, N, kdim]`,
   * `[S, N, vdim]` (`[N, L, E]`… with `batchFirst`; or unbatched `[L, E]`).
   * Returns `[output, weights]`; `weights` is null with `needWeights: false`.
   */
  forward(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions = {}): [Tensor, Tensor | null] {
    for (const [t, name] of [[query, 'query'], [key, 'key'], [value, 'value']] as const) {
      if (!(t instanceof Tensor)) throw new ArgumentTypeError(`${name} must be a Tensor, got ${describeValue(t)}`, { op: 'MultiheadAttention.forward' });
    }
    const bf = this.batchFirst && query.ndim === 3;
    const [q, k, v] = bf ? [query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)] : [query, key, value];
    const [out, weights] = multiHeadAttentionForward(q, k, v, {
      numHeads: this.numHeads,
      inProjWeight: this.in_proj_weight,
      inProjBias: this.in_proj_bias,
      qProjWeight: this.q_proj_weight,
      kProjWeight: this.k_proj_weight,
      vProjWeight: this.v_proj_weight,
      biasK: this.bias_k,
      biasV: this.bias_v,
      addZeroAttn: this.addZeroAttn,
      outProjWeight: this.out_proj.weight,
      outProjBias: this.out_proj.bias,
      dropout: this.dropout,
      training: this.training,
    }, options);
    return [bf ? out.transpose(0, 1) : out, weights];
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, batchFirst=${this.batchFirst}`;
  }
}

/** What TransformerEncoderLayer applies between its two linear layers. */
export type Activation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

export interface TransformerEncoderLayerOptions extends FactoryOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability everywhere (default 0.1). */
  dropout?: number;
  /** Default `'relu'`; a Module is registered as the child `activation`. */
  activation?: Activation;
  /** LayerNorm eps (default 1e-5). */
  layerNormEps?: number;
  /** `[N, L, E]` inputs instead of `[L, N, E]` (default false). */
  batchFirst?: boolean;
  /** Pre-norm (normalise before attention/feed-forward) instead of post-norm (default false). */
  normFirst?: boolean;
}

/**
 * One Transformer encoder block: self-attention and a feed-forward block,
 * each with a residual connection, dropout and LayerNorm. Children named as
 * PyTorch's: `self_attn`, `linear1`, `dropout`, `linear2`, `norm1`, `norm2`,
 * `dropout1`, `dropout2` (accessor `selfAttn` for the first).
 *
 * ```ts
 * const layer = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true });
 * layer.forward(kd.randn([2, 5, 16])).shape; // [2, 5, 16]
 * ```
 */
export class TransformerEncoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  readonly normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  activation: ((x: Tensor) => Tensor) | Module;

  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const op = 'nn.TransformerEncoderLayer';
    layerOptions(op, options, optionKeys<TransformerEncoderLayerOptions>({
      dimFeedforward: true, dropout: true, activation: true, layerNormEps: true, batchFirst: true, normFirst: true, dtype: true,
    }));
    const p = checkProbability(options.dropout ?? 0.1, op);
    const dff = checkInt(options.dimFeedforward ?? 2048, 'dimFeedforward', op, 1);
    const dtype = options.dtype;
    const eps = options.layerNormEps ?? 1e-5;
    // Registration order as PyTorch's __init__.
    this.registerModule('self_attn', new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: options.batchFirst, dtype }));
    this.linear1 = new Linear(dModel, dff, { dtype });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(dff, dModel, { dtype });
    this.normFirst = options.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, { eps, dtype });
    this.norm2 = new LayerNorm(dModel, { eps, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    const act = options.activation ?? 'relu';
    if (act === 'relu') this.activation = (x: Tensor) => x.relu();
    else if (act === 'gelu') this.activation = (x: Tensor) => x.gelu();
    else if (typeof act === 'function' || isModule(act)) this.activation = act;
    else throw new ValueError(`activation should be 'relu' or 'gelu', a function or a Module, not ${describeValue(act)}`, { op });
  }

  get selfAttn(): MultiheadAttention {
    return this.self_attn;
  }

  private act(x: Tensor): Tensor {
    const a = this.activation;
    return isModule(a) ? (a as unknown as { forward(x: Tensor): Tensor }).forward(x) : (a as (x: Tensor) => Tensor)(x);
  }

  private saBlock(x: Tensor, options: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null }): Tensor {
    const [y] = this.self_attn.forward(x, x, x, { attnMask: options.srcMask, keyPaddingMask: options.srcKeyPaddingMask, needWeights: false });
    return this.dropout1.forward(y);
  }

  private ffBlock(x: Tensor): Tensor {
    return this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.act(this.linear1.forward(x)))));
  }

  /** `src` `[L, N, E]` (`[N, L, E]` with `batchFirst`); masks as MultiheadAttention's `attnMask` and `keyPaddingMask`. */
  forward(src: Tensor, options: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null } = {}): Tensor {
    let x = src;
    if (this.normFirst) {
      x = x.add(this.saBlock(this.norm1.forward(x), options));
      x = x.add(this.ffBlock(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(this.saBlock(x, options)));
      x = this.norm2.forward(x.add(this.ffBlock(x)));
    }
    return x;
  }
}
