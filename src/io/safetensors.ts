/**
 * safetensors: an 8-byte little-endian header length N, N bytes of JSON
 * (`{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, …,
 * "__metadata__": {…}}`), then the packed little-endian tensor bytes. The
 * writer does what the reference writer does (tensors sorted by alignment
 * then name, the header padded with spaces to a multiple of 8); the reader
 * makes the reference loader's checks, and refuses duplicate names too.
 */
import { checkKeys, CheckpointError } from '../errors.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { decodeElements, littleEndianBytes } from './torch-format.js';

/** The dtype strings of the safetensors format that kindling reads. */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Options of {@link save}. */
export interface SafetensorsSaveOptions {
  /**
   * Write float32 tensors as this dtype instead (`'F16'` or `'BF16'`, rounded
   * to nearest even), e.g. to halve a file for inference. Default `'F32'`.
   */
  floatAs?: 'F32' | 'F16' | 'BF16';
}

/** What {@link loadWithMetadata} returns. */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings, or null when the file has none. */
  metadata: Record<string, string> | null;
}

// Bits per element and the PyTorch storage class whose decoding each dtype shares.
const READ: Readonly<Record<SafetensorsDType, { bytes: number; cls: string }>> = {
  F64: { bytes: 8, cls: 'DoubleStorage' },
  F32: { bytes: 4, cls: 'FloatStorage' },
  F16: { bytes: 2, cls: 'HalfStorage' },
  BF16: { bytes: 2, cls: 'BFloat16Storage' },
  I64: { bytes: 8, cls: 'LongStorage' },
  I32: { bytes: 4, cls: 'IntStorage' },
  I16: { bytes: 2, cls: 'ShortStorage' },
  I8: { bytes: 1, cls: 'CharStorage' },
  U8: { bytes: 1, cls: 'ByteStorage' },
  BOOL: { bytes: 1, cls: 'BoolStorage' },
};
/** Format dtypes kindling knows but cannot hold. */
const UNSUPPORTED = ['U16', 'U32', 'U64', 'C64', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ', 'F4', 'F6_E2M3', 'F6_E3M2'];
const WRITE: Readonly<Record<DType, SafetensorsDType>> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const MAX_HEADER = 100_000_000;

const utf8 = new TextEncoder();

/**
 * Writes tensors (by name) and optional string metadata as safetensors bytes.
 * Tensors are written contiguous (a view is copied), float32 as F32 unless
 * `floatAs` says otherwise, float64 as F64, int32 as I32, bool as BOOL.
 *
 * ```ts
 * const bytes = kd.io.safetensors.save(model.stateDict(), { epoch: '3' });
 * model.loadStateDict(kd.io.safetensors.load(bytes));
 * ```
 */
export function save(tensors: Record<string, Tensor> | Map<string, Tensor>, metadata?: Record<string, string>, options: SafetensorsSaveOptions = {}): Uint8Array {
  const op = 'safetensors.save';
  checkKeys(op, options, ['floatAs']);
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const floatAs = options.floatAs ?? 'F32';
  if (!['F32', 'F16', 'BF16'].includes(floatAs)) throw new CheckpointError(`floatAs must be 'F32', 'F16' or 'BF16', got ${String(floatAs)}`, { op });
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new CheckpointError(`'${name}' is not a Tensor`, { op, hint: 'safetensors holds tensors only; put other values in the metadata as strings' });
    if (name === '__metadata__') throw new CheckpointError("a tensor cannot be named '__metadata__'", { op });
  }
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new CheckpointError(`metadata '${k}' is ${typeof v}; safetensors metadata values are strings`, { op, hint: 'convert it with String() or JSON.stringify()' });
    }
  }
  const prepared = entries.map(([name, t]) => {
    const dtype = t.dtype === 'float32' ? floatAs : WRITE[t.dtype];
    return { name, shape: [...t.shape], dtype, bytes: encode(t.dataSync(), dtype) };
  });
  // As the reference writer: larger elements first (so every tensor is aligned to its itemsize), then by name.
  prepared.sort((a, b) => READ[b.dtype].bytes - READ[a.dtype].bytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header['__metadata__'] = metadata;
  let offset = 0;
  for (const p of prepared) {
    Object.defineProperty(header, p.name, {
      value: { dtype: p.dtype, shape: p.shape, data_offsets: [offset, offset + p.bytes.length] },
      enumerable: true, writable: true, configurable: true,
    });
    offset += p.bytes.length;
  }
  let json = utf8.encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of prepared) {
    out.set(p.bytes, at);
    at += p.bytes.length;
  }
  return out;
}

function encode(data: TypedArray, dtype: SafetensorsDType): Uint8Array {
  if (dtype === 'F16' || dtype === 'BF16') {
    const out = new Uint8Array(data.length * 2);
    const view = new DataView(out.buffer);
    for (let i = 0; i < data.length; i++) view.setUint16(i * 2, dtype === 'F16' ? floatToHalf(data[i]!) : floatToBFloat16(data[i]!), true);
    return out;
  }
  return littleEndianBytes(data);
}

/** Reads safetensors bytes into tensors by name (see {@link loadWithMetadata} for the metadata). */
export function load(bytes: Uint8Array): Record<string, Tensor> {
  return read(bytes, 'safetensors.load').tensors;
}

/**
 * Reads safetensors bytes: the tensors (F16 and BF16 into float32; I64, I16,
 * I8 and U8 into int32, I64 range-checked) and the `__metadata__` strings.
 * A malformed file (truncated, a header longer than the file, bad JSON, an
 * unknown dtype, offsets that overlap, leave holes or disagree with the
 * shape, duplicate names) is a `CheckpointError` naming the problem.
 */
export function loadWithMetadata(bytes: Uint8Array): SafetensorsContents {
  return read(bytes, 'safetensors.load');
}

/** Shared by the byte and file readers; `op` names the caller in errors. */
export function read(bytes: Uint8Array, op: string): SafetensorsContents {
  const fail = (message: string, hint?: string): never => {
    throw new CheckpointError(message, { op, hint });
  };
  if (bytes.length < 8) fail(`the file has ${bytes.length} bytes, too few for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) fail(`the header length ${n} is over the format's limit of ${MAX_HEADER} bytes`, 'is this a safetensors file?');
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) fail(`the header length ${headerLen} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail('the header does not start with \'{\'', 'is this a safetensors file?');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return fail('the header is not a JSON object');
  const dup = duplicateKey(text);
  if (dup !== undefined) fail(`the header names '${dup}' twice`);
  const buffer = bytes.subarray(8 + headerLen);
  let metadata: Record<string, string> | null = null;
  const specs: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null) continue;
      if (typeof entry !== 'object' || Array.isArray(entry) || Object.values(entry as object).some((v) => typeof v !== 'string')) {
        fail('__metadata__ must map strings to strings');
      }
      metadata = { ...(entry as Record<string, string>) };
      continue;
    }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return fail(`tensor '${name}' is not described by an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string') return fail(`tensor '${name}' has no dtype string`);
    if (!Object.hasOwn(READ, dtype)) {
      return fail(UNSUPPORTED.includes(dtype) ? `tensor '${name}' has dtype ${dtype}, which kindling cannot hold` : `tensor '${name}' has unknown dtype '${dtype}'`,
        'kindling reads F64, F32, F16, BF16, I64, I32, I16, I8, U8 and BOOL');
    }
    const nonNegInts = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && x >= 0);
    if (!nonNegInts(shape)) return fail(`tensor '${name}' has shape ${JSON.stringify(shape)}, not a list of non-negative integers`);
    if (!nonNegInts(offsets) || offsets.length !== 2) return fail(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}, not [begin, end]`);
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`tensor '${name}' has data_offsets [${begin}, ${end}] that end before they begin`);
    const want = shape.reduce((a, d) => a * BigInt(d), 1n) * BigInt(READ[dtype as SafetensorsDType].bytes);
    if (want !== BigInt(end - begin)) fail(`tensor '${name}' of dtype ${dtype} and shape [${shape.join(', ')}] needs ${want} bytes but its data_offsets give ${end - begin}`);
    specs.push({ name, dtype: dtype as SafetensorsDType, shape, begin, end });
  }
  // As the reference loader: sorted by offsets, the ranges must tile the buffer exactly (no holes, no overlaps).
  const sorted = [...specs].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const s of sorted) {
    if (s.begin !== expected) {
      fail(s.begin < expected
        ? `tensor '${s.name}' (bytes ${s.begin}..${s.end}) overlaps the tensor before it, which ends at ${expected}`
        : `tensor '${s.name}' starts at byte ${s.begin}, leaving a hole after byte ${expected}`);
    }
    expected = s.end;
  }
  if (expected !== buffer.length) fail(`the tensors cover ${expected} bytes of data but the file holds ${buffer.length}`, buffer.length < expected ? 'the file is truncated' : undefined);
  const tensors: Record<string, Tensor> = {};
  for (const s of specs) {
    const numel = (s.end - s.begin) / READ[s.dtype].bytes;
    const data = decodeElements(buffer.subarray(s.begin, s.end), READ[s.dtype].cls, numel, true, `tensor '${s.name}'`, op);
    const dtype: DType = data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : data instanceof Int32Array ? 'int32' : 'bool';
    Object.defineProperty(tensors, s.name, { value: Tensor.fromData(data, s.shape, dtype), enumerable: true, writable: true, configurable: true });
  }
  return { tensors, metadata };
}

/** The first top-level key that occurs twice in a JSON object's text (JSON.parse keeps the last silently). */
function duplicateKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (text[k] === ' ' || text[k] === '\n' || text[k] === '\r' || text[k] === '\t') k++;
        if (text[k] === ':') {
          const key = JSON.parse(text.slice(i, j + 1)) as string;
          if (seen.has(key)) return key;
          seen.add(key);
        }
      }
      i = j;
    }
  }
  return undefined;
}

/** float32 value to IEEE half bits, rounding to nearest even (overflow to infinity). */
export function floatToHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // NOTE: a carry out of the mantissa correctly bumps the exponent (and can reach infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** float32 value to bfloat16 bits (the top half of the float32, rounded to nearest even; NaN stays NaN). */
export function floatToBFloat16(v: number): number {
  const x = new Uint32Array(new Float32Array([v]).buffer)[0]!;
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}
