/**
 * Writing pickle protocol 2 as `torch.save` writes it: the value tree of a
 * checkpoint (tensors, plain objects, arrays, Maps, numbers, strings,
 * booleans, null) with each tensor as `_rebuild_tensor_v2` over a persistent
 * storage id. No memo is written (a hand-made pickle without BINPUT loads in
 * PyTorch); tensors that share a storage name the same storage record.
 */
import { CheckpointError } from '../errors.js';
import { Parameter } from '../nn/parameter.js';
import type { DType } from '../tensor/dtype.js';
import { Storage, Tensor } from '../tensor/tensor.js';
import { OP } from './opcodes.js';

/** The storage class PyTorch names in the persistent id, per kindling dtype. */
export const STORAGE_CLASS_OF: Record<DType, string> = {
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  int32: 'IntStorage',
  bool: 'BoolStorage',
};

/** One storage the pickle refers to, to be written as record `data/<key>`. */
export interface StorageRecord {
  key: string;
  storage: Storage;
}

const utf8 = new TextEncoder();
const INDEX_KEY = /^(0|[1-9][0-9]{0,14})$/;

class ByteSink {
  buf = new Uint8Array(1024);
  length = 0;
  private readonly view8 = new DataView(new ArrayBuffer(8));

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Little-endian unsigned integer of `n` bytes. */
  uint(v: number, n: number): void {
    for (let i = 0; i < n; i++) this.byte(Math.floor(v / 2 ** (8 * i)) & 0xff);
  }

  /** Big-endian float64 (BINFLOAT's operand). */
  float64BE(v: number): void {
    this.view8.setFloat64(0, v, false);
    this.bytes(new Uint8Array(this.view8.buffer));
  }
}

/** Writes `value` as a protocol-2 pickle; returns the bytes and the storages it refers to, in the order first met. */
export function writePickle(value: unknown, op: string): { bytes: Uint8Array; storages: StorageRecord[] } {
  const out = new ByteSink();
  const storages = new Map<Storage, string>();
  const records: StorageRecord[] = [];
  const active = new Set<object>();

  const fail = (path: string, what: string, hint: string): never => {
    throw new CheckpointError(`${path === '' ? 'the value' : `the value at ${path}`} is ${what}`, { op, hint });
  };

  const str = (s: string): void => {
    const b = utf8.encode(s);
    out.byte(OP.BINUNICODE);
    out.uint(b.length, 4);
    out.bytes(b);
  };

  const int = (v: number | bigint): void => {
    if (typeof v === 'number' && v >= 0 && v < 256) {
      out.byte(OP.BININT1);
      out.byte(v);
    } else if (typeof v === 'number' && v >= 256 && v < 65536) {
      out.byte(OP.BININT2);
      out.uint(v, 2);
    } else if (typeof v === 'number' && v >= -(2 ** 31) && v < 2 ** 31) {
      out.byte(OP.BININT);
      out.uint(v >>> 0, 4);
    } else {
      long1(BigInt(v));
    }
  };

  const long1 = (v: bigint): void => {
    // Two's complement, little-endian, as few bytes as keep the sign.
    const bytes: number[] = [];
    let x = v;
    for (;;) {
      const b = Number(x & 0xffn);
      bytes.push(b);
      x >>= 8n;
      if ((x === 0n && (b & 0x80) === 0) || (x === -1n && (b & 0x80) !== 0)) break;
    }
    out.byte(OP.LONG1);
    out.byte(bytes.length);
    for (const b of bytes) out.byte(b);
  };

  const global = (module: string, name: string): void => {
    out.byte(OP.GLOBAL);
    out.bytes(utf8.encode(`${module}\n${name}\n`));
  };

  const tuple = (items: (() => void)[]): void => {
    if (items.length === 0) return out.byte(OP.EMPTY_TUPLE);
    if (items.length > 3) out.byte(OP.MARK);
    for (const item of items) item();
    out.byte(items.length > 3 ? OP.TUPLE : [OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][items.length - 1]!);
  };

  const emptyOrderedDict = (): void => {
    global('collections', 'OrderedDict');
    out.byte(OP.EMPTY_TUPLE);
    out.byte(OP.REDUCE);
  };

  const tensor = (t: Tensor): void => {
    let key = storages.get(t.storage);
    if (key === undefined) {
      key = String(records.length);
      storages.set(t.storage, key);
      records.push({ key, storage: t.storage });
    }
    const k = key;
    global('torch._utils', '_rebuild_tensor_v2');
    tuple([
      () => {
        tuple([() => str('storage'), () => global('torch', STORAGE_CLASS_OF[t.dtype]), () => str(k), () => str('cpu'), () => int(t.storage.data.length)]);
        out.byte(OP.BINPERSID);
      },
      () => int(t.offset),
      () => tuple(t.shape.map((d) => () => int(d))),
      () => tuple(t.strides.map((s) => () => int(s))),
      // NOTE: a Parameter's data is saved without requires_grad; _rebuild_parameter carries the flag.
      () => out.byte(t.requiresGrad && !(t instanceof Parameter) ? OP.NEWTRUE : OP.NEWFALSE),
      emptyOrderedDict,
    ]);
    out.byte(OP.REDUCE);
  };

  const key = (k: unknown, path: string): void => {
    if (typeof k === 'string') str(k);
    else if ((typeof k === 'number' && Number.isSafeInteger(k)) || typeof k === 'bigint') int(k);
    else if (typeof k === 'boolean') out.byte(k ? OP.NEWTRUE : OP.NEWFALSE);
    else if (k === null) out.byte(OP.NONE);
    else fail(path, `a Map with the key ${String(k)}`, 'keys must be strings, integers, booleans or null');
  };

  const entries = (pairs: [unknown, unknown, string][], writeKey: (k: unknown, path: string) => void): void => {
    out.byte(OP.EMPTY_DICT);
    for (let i = 0; i < pairs.length; i += 1000) {
      const batch = pairs.slice(i, i + 1000);
      if (batch.length > 1) out.byte(OP.MARK);
      for (const [k, v, p] of batch) {
        writeKey(k, p);
        write(v, p);
      }
      out.byte(batch.length > 1 ? OP.SETITEMS : OP.SETITEM);
    }
  };

  const write = (v: unknown, path: string): void => {
    if (v === null || v === undefined) return out.byte(OP.NONE);
    switch (typeof v) {
      case 'boolean':
        return out.byte(v ? OP.NEWTRUE : OP.NEWFALSE);
      case 'number':
        // NOTE: JavaScript has one number type; safe integers become Python ints (PyTorch accepts an int lr), the rest floats.
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) return int(v);
        out.byte(OP.BINFLOAT);
        return out.float64BE(v);
      case 'bigint':
        return int(v);
      case 'string':
        return str(v);
      case 'object':
        break;
      default:
        return fail(path, `a ${typeof v}`, 'only tensors, plain objects, arrays, Maps, numbers, strings, booleans and null can be saved');
    }
    if (v instanceof Tensor) {
      if (v instanceof Parameter) {
        global('torch._utils', '_rebuild_parameter');
        tensor(v);
        out.byte(v.requiresGrad ? OP.NEWTRUE : OP.NEWFALSE);
        emptyOrderedDict();
        out.byte(OP.TUPLE3);
        return out.byte(OP.REDUCE);
      }
      return tensor(v);
    }
    if (active.has(v)) return fail(path, 'a circular reference (it contains itself)', 'save a tree: break the cycle first');
    active.add(v);
    if (Array.isArray(v)) {
      out.byte(OP.EMPTY_LIST);
      for (let i = 0; i < v.length; i += 1000) {
        const n = Math.min(1000, v.length - i);
        if (n > 1) out.byte(OP.MARK);
        for (let j = i; j < i + n; j++) write(v[j], `${path}[${j}]`);
        out.byte(n > 1 ? OP.APPENDS : OP.APPEND);
      }
    } else if (v instanceof Map) {
      entries([...(v as Map<unknown, unknown>)].map(([k, x]) => [k, x, `${path}.get(${JSON.stringify(k) ?? String(k)})`]), key);
    } else if (isPlainObject(v)) {
      const pairs = Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]): [unknown, unknown, string] => [k, x, path === '' ? k : `${path}.${k}`]);
      // NOTE: JavaScript objects do not keep int and str keys apart; index-like keys ('0', '12') are written as
      // Python ints, since that is what PyTorch's optimizer state is keyed by. A Map keeps key types as given.
      entries(pairs, (k, p) => (INDEX_KEY.test(k as string) ? int(Number(k)) : key(k, p)));
    } else if (ArrayBuffer.isView(v)) {
      fail(path, 'a typed array', 'wrap it in a tensor: kd.tensor(array)');
    } else {
      const name = (v as { constructor?: { name?: string } }).constructor?.name ?? 'an object';
      fail(path, `an instance of ${name}`, 'only tensors, plain objects, arrays, Maps, numbers, strings, booleans and null can be saved; save its stateDict() or a plain object');
    }
    active.delete(v);
  };

  out.byte(OP.PROTO);
  out.byte(2);
  write(value, '');
  out.byte(OP.STOP);
  return { bytes: out.buf.slice(0, out.length), storages: records };
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
