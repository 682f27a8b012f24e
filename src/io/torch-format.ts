/**
 * PyTorch's file format (torch.save since 1.6): a zip archive holding
 * `<prefix>/data.pkl` (the value, pickle protocol 2), one raw
 * little-endian record `<prefix>/data/<key>` per storage, and
 * `<prefix>/version`. `serialize` writes it, `deserialize` reads it through
 * the restricted unpickler; both work on bytes, so they run in browsers.
 */
import { checkKeys, CheckpointError } from '../errors.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { Storage } from '../tensor/tensor.js';
import { writePickle } from './pickle-write.js';
import { unpickle, type LoadedStorage } from './unpickle.js';
import { ZipReader, writeZip, type ZipEntry } from './zip.js';

/** Options of {@link serialize}. */
export interface SerializeOptions {
  /**
   * The folder name every record sits under (PyTorch uses the file's base
   * name without its extension, and `archive` for buffers). Default `archive`.
   */
  prefix?: string;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();

/**
 * Writes `value` in PyTorch's own file format (what `torch.save` writes), so
 * `torch.load` reads it: tensors (views and shared storages kept), plain
 * objects, arrays, Maps, numbers, strings, booleans and null. A value that
 * holds only tensors, ints, strings and containers (a model's `stateDict()`)
 * also loads with `torch.load(f, weights_only=True)`.
 *
 * Integral numbers are written as Python ints, other numbers as floats;
 * object keys that look like indices (`'0'`, `'12'`) as ints (PyTorch keys an
 * optimizer's state by int). `undefined` object entries are left out.
 *
 * ```ts
 * const bytes = kd.io.serialize({ w: kd.tensor([1, 2, 3]), step: 10 });
 * kd.io.deserialize(bytes); // { w: tensor([1., 2., 3.]), step: 10 }
 * ```
 */
export function serialize(value: unknown, options: SerializeOptions = {}): Uint8Array {
  const op = 'io.serialize';
  checkKeys(op, options, ['prefix']);
  const prefix = options.prefix ?? 'archive';
  if (prefix === '' || prefix.includes('/')) throw new CheckpointError(`the record prefix '${prefix}' must be a non-empty name without '/'`, { op });
  const { bytes, storages } = writePickle(value, op);
  const entries: ZipEntry[] = [{ name: `${prefix}/data.pkl`, data: bytes }];
  // NOTE: PyTorch writes the storage records sorted by key as strings (0, 1, 10, 2, …).
  for (const s of [...storages].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    entries.push({ name: `${prefix}/data/${s.key}`, data: littleEndianBytes(s.storage.data) });
  }
  entries.push({ name: `${prefix}/byteorder`, data: utf8.encode('little') });
  entries.push({ name: `${prefix}/version`, data: utf8.encode('3\n') });
  return writeZip(entries, op);
}

/**
 * Reads bytes in PyTorch's file format (from `torch.save`, or `serialize`).
 * A restricted unpickler reads them: only tensors, storages, (ordered) dicts,
 * lists, tuples, numbers, strings, booleans and None are accepted; anything
 * else (a class, a function, an unknown opcode) is refused with a
 * `CheckpointError` naming it, and no code from the file ever runs.
 *
 * Dicts become plain objects (or Maps when a key is neither a string nor an
 * int), tuples and lists arrays. Tensors come back in kindling's dtypes:
 * float16 and bfloat16 as float32, int64/int16/int8/uint8 as int32 (int64
 * values outside int32's range are an error), bool and float64 as they are.
 * `T` only states what the caller expects (nothing is checked against it):
 * `kd.io.deserialize<nn.StateDict>(bytes)`.
 */
export function deserialize<T = unknown>(bytes: Uint8Array): T {
  return readTorchFile(bytes, 'io.deserialize') as T;
}

/** {@link deserialize} with `op` naming the caller in errors. */
export function readTorchFile(bytes: Uint8Array, op: string): unknown {
  recognize(bytes, op);
  const zip = new ZipReader(bytes, op);
  const first = zip.names[0];
  const slash = first === undefined ? -1 : first.indexOf('/');
  if (first === undefined || slash <= 0) {
    throw new CheckpointError(first === undefined ? 'the archive is empty' : `the first record '${first}' is not in a folder, as torch.save's records are`, { op });
  }
  const prefix = first.slice(0, slash);
  const record = (name: string): Uint8Array | undefined => zip.read(`${prefix}/${name}`);
  if (zip.has(`${prefix}/constants.pkl`)) {
    throw new CheckpointError('this is a TorchScript archive (torch.jit.save), not a torch.save file', {
      op,
      hint: 'in PyTorch, torch.save(model.state_dict(), path) and load that',
    });
  }
  const versionBytes = record('version') ?? record('.data/version');
  if (versionBytes === undefined) throw new CheckpointError(`the archive has no '${prefix}/version' record`, { op, hint: 'is it a torch.save file?' });
  const versionText = new TextDecoder().decode(versionBytes).trim();
  const version = /^[0-9]{1,3}$/.test(versionText) ? Number(versionText) : NaN;
  if (!(version >= 1 && version <= 10)) {
    throw new CheckpointError(`unsupported format version '${versionText.slice(0, 20)}' (PyTorch writes 1 to 10)`, { op });
  }
  const order = record('byteorder');
  const orderText = order === undefined ? 'little' : new TextDecoder().decode(order).trim();
  if (orderText !== 'little' && orderText !== 'big') throw new CheckpointError(`unknown byteorder '${orderText.slice(0, 20)}'`, { op });
  const pkl = record('data.pkl');
  if (pkl === undefined) throw new CheckpointError(`the archive has no '${prefix}/data.pkl' record`, { op });
  const load = (key: string, cls: string, numel: number): LoadedStorage => {
    const name = `data/${key}`;
    const data = record(name);
    if (data === undefined) throw new CheckpointError(`the pickle refers to storage '${key}' but the archive has no '${prefix}/${name}' record`, { op });
    return readStorage(data, key, cls, numel, orderText === 'little', op);
  };
  return unpickle(pkl, load, op);
}

/** Refuses files that are not a torch.save zip with a message saying what they are. */
function recognize(b: Uint8Array, op: string): void {
  const starts = (sig: number[], at = 0): boolean => sig.every((x, i) => b[at + i] === x);
  if (starts([0x50, 0x4b, 0x03, 0x04])) return;
  const resave = 'load it with PyTorch >= 1.6 and torch.save it again';
  if (starts([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19])) {
    throw new CheckpointError('this is a legacy PyTorch (< 1.6) file, which kindling does not read', { op, hint: resave });
  }
  if (starts([0x75, 0x73, 0x74, 0x61, 0x72], 257)) throw new CheckpointError('this is a legacy tar-format PyTorch file, which kindling does not read', { op, hint: resave });
  if (starts([0x50, 0x59, 0x54, 0x4f, 0x52, 0x43, 0x48, 0x31])) throw new CheckpointError('this is a preview-release TorchScript file', { op, hint: resave });
  if (b.length >= 9 && b[8] === 0x7b && b[6] === 0 && b[7] === 0) {
    throw new CheckpointError('this looks like a safetensors file', { op, hint: 'read it with kd.io.safetensors.load' });
  }
  if (b.length === 0) throw new CheckpointError('the file is empty', { op });
  throw new CheckpointError(`not a PyTorch file: it starts with ${[...b.subarray(0, 4)].map((x) => x.toString(16).padStart(2, '0')).join(' ')}, not a zip header`, { op });
}

interface StorageKind {
  itemsize: number;
  dtype: DType;
  read(view: DataView, i: number, little: boolean): number;
}

const f16 = (v: DataView, i: number, le: boolean): number => halfToFloat(v.getUint16(i * 2, le));
const bf16Buf = new DataView(new ArrayBuffer(4));
const bf16 = (v: DataView, i: number, le: boolean): number => {
  bf16Buf.setUint32(0, v.getUint16(i * 2, le) << 16);
  return bf16Buf.getFloat32(0);
};

/** How each storage class is read into kindling's dtypes. */
const KINDS: Readonly<Record<string, StorageKind>> = {
  DoubleStorage: { itemsize: 8, dtype: 'float64', read: (v, i, le) => v.getFloat64(i * 8, le) },
  FloatStorage: { itemsize: 4, dtype: 'float32', read: (v, i, le) => v.getFloat32(i * 4, le) },
  HalfStorage: { itemsize: 2, dtype: 'float32', read: f16 },
  BFloat16Storage: { itemsize: 2, dtype: 'float32', read: bf16 },
  LongStorage: { itemsize: 8, dtype: 'int32', read: (v, i, le) => Number(v.getBigInt64(i * 8, le)) },
  IntStorage: { itemsize: 4, dtype: 'int32', read: (v, i, le) => v.getInt32(i * 4, le) },
  ShortStorage: { itemsize: 2, dtype: 'int32', read: (v, i, le) => v.getInt16(i * 2, le) },
  CharStorage: { itemsize: 1, dtype: 'int32', read: (v, i) => v.getInt8(i) },
  ByteStorage: { itemsize: 1, dtype: 'int32', read: (v, i) => v.getUint8(i) },
  BoolStorage: { itemsize: 1, dtype: 'bool', read: (v, i) => (v.getUint8(i) === 0 ? 0 : 1) },
};

/** Reads one storage record, requiring exactly `numel` elements' bytes (PyTorch 1.13 does not check). */
function readStorage(data: Uint8Array, key: string, cls: string, numel: number, little: boolean, op: string): LoadedStorage {
  const kind = KINDS[cls];
  if (kind === undefined) {
    throw new CheckpointError(`storage '${key}' is a ${cls}, which kindling cannot hold`, {
      op,
      hint: cls.startsWith('Complex') ? 'kindling has no complex dtype; save the real and imaginary parts as separate tensors' : 'convert it to a float or int tensor before saving',
    });
  }
  if (data.length !== numel * kind.itemsize) {
    throw new CheckpointError(`storage record 'data/${key}' has ${data.length} bytes, but ${numel} elements of ${cls} need ${numel * kind.itemsize}`, { op });
  }
  const out = new Storage(decodeElements(data, cls, numel, little, `storage '${key}'`, op));
  return { key, cls, numel, dtype: kind.dtype, storage: out };
}

/** The dtype kindling reads elements of PyTorch storage class `cls` into, or undefined when it cannot. */
export function dtypeOfStorageClass(cls: string): DType | undefined {
  return KINDS[cls]?.dtype;
}

/**
 * Decodes `numel` elements of PyTorch storage class `cls` (`FloatStorage`,
 * `LongStorage` …) from `data` into kindling's typed array for that class;
 * `what` names the source in errors. The caller has checked the length.
 */
export function decodeElements(data: Uint8Array, cls: string, numel: number, little: boolean, what: string, op: string): TypedArray {
  const kind = KINDS[cls]!;
  const native = little === LITTLE_ENDIAN;
  // Fast paths: a byte copy when the record already is kindling's layout.
  if (native && cls === 'FloatStorage') return new Float32Array(new Uint8Array(data).buffer);
  if (native && cls === 'DoubleStorage') return new Float64Array(new Uint8Array(data).buffer);
  if (native && cls === 'IntStorage') return new Int32Array(new Uint8Array(data).buffer);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (cls === 'LongStorage') {
    const out = new Int32Array(numel);
    for (let i = 0; i < numel; i++) {
      const lo = view.getUint32(i * 8 + (little ? 0 : 4), little);
      const hi = view.getUint32(i * 8 + (little ? 4 : 0), little);
      // NOTE: in int32's range exactly when the high word is the sign extension of the low word.
      if (hi !== (lo & 0x80000000 ? 0xffffffff : 0)) {
        throw new CheckpointError(`int64 ${what} holds ${view.getBigInt64(i * 8, little)} at element ${i}, outside int32's range`, {
          op,
          hint: 'kindling stores integers as int32; keep values within ±2147483647 or save them as float64',
        });
      }
      out[i] = lo | 0;
    }
    return out;
  }
  const out = kind.dtype === 'float32' ? new Float32Array(numel) : kind.dtype === 'float64' ? new Float64Array(numel) : kind.dtype === 'int32' ? new Int32Array(numel) : new Uint8Array(numel);
  for (let i = 0; i < numel; i++) out[i] = kind.read(view, i, little);
  return out;
}

/** IEEE half-precision bits to a number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The bytes of a typed array in little-endian order (a view when the platform already is). */
export function littleEndianBytes(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const n = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += n) for (let j = 0; j < n; j++) out[i + j] = bytes[i + n - 1 - j]!;
  return out;
}
