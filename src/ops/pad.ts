/**
 * Padding (PyTorch's `F.pad`): constant, reflect, replicate and circular
 * modes. The non-constant modes gather the input along each padded
 * dimension with an index map (`indexSelect`), so their gradient is the
 * index map's scatter-add and needs no kernel of its own.
 */
import { ArgumentTypeError, checkKeys, fmtShape, optionKeys, ShapeError, ValueError } from '../errors.js';
import { full } from '../tensor/creation.js';
import { indexSelect } from './indexing.js';
import { cat } from './shape.js';
import { Tensor } from '../tensor/tensor.js';

/** How `pad` fills the border. */
export type PaddingMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Options of {@link pad}. */
export interface PadOptions {
  /** `'constant'` (default), `'reflect'` (mirror without repeating the edge), `'replicate'` (repeat the edge) or `'circular'` (wrap around). */
  mode?: PaddingMode;
  /** The fill value of `'constant'` mode (default 0). */
  value?: number;
}

const PAD_KEYS = optionKeys<PadOptions>({ mode: true, value: true });
const MODES: readonly PaddingMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/**
 * Pads `input`: `padding` lists (before, after) pairs starting from the last
 * dimension, as PyTorch's `F.pad` (`[left, right]` pads the last dimension,
 * `[left, right, top, bottom]` the last two). Reflect, replicate and circular
 * modes pad at most the last three dimensions of a batched input, as PyTorch.
 *
 * ```ts
 * kd.pad(kd.tensor([[1, 2, 3]]), [2, 1], { mode: 'reflect' }); // [[3, 2, 1, 2, 3, 2]]
 * ```
 */
export function pad(input: Tensor, padding: readonly number[], options: PadOptions = {}): Tensor {
  const op = 'pad';
  const o = checkKeys(op, options, PAD_KEYS) as PadOptions;
  const mode = o.mode ?? 'constant';
  if (!MODES.includes(mode)) throw new ValueError(`unknown padding mode ${String(mode)}`, { op, hint: `use one of ${MODES.map((m) => `'${m}'`).join(', ')}` });
  if (!(input instanceof Tensor)) throw new ArgumentTypeError('input must be a tensor', { op });
  if (!Array.isArray(padding) || padding.length % 2 !== 0 || padding.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new ValueError(`padding must be an even-length list of non-negative integers, got ${JSON.stringify(padding)}`, {
      op,
      hint: '[left, right] for the last dimension, then [top, bottom] for the one before, …',
    });
  }
  const dims = padding.length / 2;
  if (dims > input.ndim) throw new ShapeError(`padding ${JSON.stringify(padding)} pads ${dims} dimensions, but the input has shape ${fmtShape(input.shape)}`, { op });
  if (mode !== 'constant' && (dims > 3 || input.ndim < dims + 1 || input.ndim > dims + 2)) {
    throw new ShapeError(`${mode} padding of ${dims} dimension(s) expects a ${dims + 1}-D or ${dims + 2}-D input, got shape ${fmtShape(input.shape)}`, { op });
  }
  if (mode === 'constant' && o.value !== undefined && typeof o.value !== 'number') throw new ValueError(`value must be a number, got ${String(o.value)}`, { op });
  let out = input;
  for (let k = 0; k < dims; k++) {
    const d = input.ndim - 1 - k;
    const before = padding[2 * k]!;
    const after = padding[2 * k + 1]!;
    if (before === 0 && after === 0) continue;
    out = mode === 'constant' ? padConstant(out, d, before, after, o.value ?? 0) : padByIndex(out, d, before, after, mode, op);
  }
  return out === input ? input.clone() : out;
}

function padConstant(x: Tensor, d: number, before: number, after: number, value: number): Tensor {
  const side = (n: number): Tensor => full(x.shape.map((s, i) => (i === d ? n : s)), value, { dtype: x.dtype });
  const parts = [...(before > 0 ? [side(before)] : []), x, ...(after > 0 ? [side(after)] : [])];
  return cat(parts, d);
}

function padByIndex(x: Tensor, d: number, before: number, after: number, mode: Exclude<PaddingMode, 'constant'>, op: string): Tensor {
  const n = x.shape[d]!;
  const limit = mode === 'reflect' ? n - 1 : mode === 'circular' ? n : Infinity;
  if (n === 0 || before > limit || after > limit) {
    throw new ValueError(
      `${mode} padding (${before}, ${after}) of dimension ${d} is too large for its size ${n}`,
      { op, hint: mode === 'reflect' ? 'reflect padding must be smaller than the dimension' : mode === 'circular' ? 'circular padding can be at most the dimension' : 'the dimension must not be empty' },
    );
  }
  const index = new Int32Array(n + before + after);
  for (let i = 0; i < index.length; i++) {
    const j = i - before;
    if (mode === 'replicate') index[i] = Math.min(Math.max(j, 0), n - 1);
    else if (mode === 'circular') index[i] = ((j % n) + n) % n;
    else index[i] = j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j;
  }
  return indexSelect(x, d, Tensor.fromData(index, [index.length], 'int32'));
}
