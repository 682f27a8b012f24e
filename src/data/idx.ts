/**
 * The IDX format of MNIST and Fashion-MNIST: a 4-byte magic `00 00 <type>
 * <ndims>`, `ndims` big-endian u32 sizes, then the elements in row-major
 * order (big-endian when wider than a byte). Files are usually gzipped.
 */
import { gunzipSync } from 'fflate';
import { ArgumentTypeError, DataError } from '../errors.js';

/** The element types an IDX file can hold. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The array an IDX file holds, for each element type. */
export interface IdxArrays {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** What `readIdx` returns: the element type, the sizes and the elements (row-major). */
export interface IdxData<K extends IdxType = IdxType> {
  type: K;
  shape: number[];
  data: IdxArrays[K];
}

const TYPES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: 'uint8', size: 1 },
  0x09: { type: 'int8', size: 1 },
  0x0b: { type: 'int16', size: 2 },
  0x0c: { type: 'int32', size: 4 },
  0x0d: { type: 'float32', size: 4 },
  0x0e: { type: 'float64', size: 8 },
};

/** Whether `bytes` start with gzip's magic number (`1f 8b 08`). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

/**
 * Decompresses gzip data (with fflate, which runs in browsers too),
 * turning a corrupt or truncated stream into a `DataError` naming `what`.
 */
export function gunzip(bytes: Uint8Array, what: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new DataError(`${what}: the gzip data is corrupt or truncated (${(e as Error).message})`, {
      op: 'readIdx',
      hint: 'download the file again',
    });
  }
}

/**
 * Parses an IDX file (MNIST, Fashion-MNIST), gzipped or plain: gzip is
 * recognised by its magic bytes, not by a file name. On Node, the `node`
 * entry's `kd.data.readIdx` also takes a file path.
 *
 * ```ts
 * const labels = kd.data.readIdx(bytes); // { type: 'uint8', shape: [10000], data: Uint8Array }
 * ```
 *
 * Throws a `DataError` for a bad magic number, an unknown element type, or
 * a length that disagrees with the sizes in the header.
 */
export function readIdx(bytes: Uint8Array, name = 'IDX data'): IdxData {
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentTypeError(`expected the file's bytes as a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`, {
      op: 'readIdx',
      hint: 'on Node, import kindling\'s node entry to pass a file path',
    });
  }
  const plain = isGzip(bytes) ? gunzip(bytes, name) : bytes;
  return parseIdx(plain, name);
}

function parseIdx(bytes: Uint8Array, name: string): IdxData {
  const op = 'readIdx';
  if (bytes.length < 4) {
    throw new DataError(`${name}: ${bytes.length} bytes is too short for an IDX header (4-byte magic number, then the sizes)`, { op, hint: 'the file is truncated' });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const hex = `0x${magic.toString(16).padStart(8, '0')}`;
  const ndims = bytes[3]!;
  const kind = TYPES[bytes[2]!];
  if (bytes[0] !== 0 || bytes[1] !== 0 || kind === undefined || ndims === 0) {
    throw new DataError(`${name}: bad magic number ${hex}; an IDX file starts with 00 00, a type code (08 09 0b 0c 0d 0e) and the number of dimensions (>= 1), e.g. 0x00000803 for images`, {
      op,
      hint: 'is this an IDX file (e.g. train-images-idx3-ubyte), and not an HTML error page or another format?',
    });
  }
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new DataError(`${name}: the header declares ${ndims} dimensions (${headerLength} bytes) but the file has ${bytes.length} bytes`, { op, hint: 'the file is truncated' });
  }
  const shape = Array.from({ length: ndims }, (_, d) => view.getUint32(4 + 4 * d));
  // NOTE: sizes are multiplied as doubles and compared with the real length
  // before anything is allocated, so a corrupt header cannot ask for a huge array.
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerLength + count * kind.size;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'is truncated' : 'has extra bytes at the end';
    throw new DataError(`${name}: sizes [${shape.join(', ')}] of ${kind.type} need ${expected} bytes but the file has ${bytes.length}; it ${what}`, {
      op,
      hint: 'download the file again',
    });
  }
  return { type: kind.type, shape, data: elements(bytes, headerLength, count, kind.type, view) };
}

function elements(bytes: Uint8Array, start: number, count: number, type: IdxType, view: DataView): IdxArrays[IdxType] {
  switch (type) {
    // NOTE: copies into fresh arrays: a Node Buffer's slice is a view into a shared pool.
    case 'uint8': return new Uint8Array(bytes.subarray(start, start + count));
    case 'int8': return new Int8Array(new Int8Array(bytes.buffer, bytes.byteOffset + start, count));
    case 'int16': return Int16Array.from({ length: count }, (_, i) => view.getInt16(start + 2 * i));
    case 'int32': return Int32Array.from({ length: count }, (_, i) => view.getInt32(start + 4 * i));
    case 'float32': return Float32Array.from({ length: count }, (_, i) => view.getFloat32(start + 4 * i));
    case 'float64': return Float64Array.from({ length: count }, (_, i) => view.getFloat64(start + 8 * i));
  }
}
