/**
 * kd.io.serialize / deserialize: round trips of everything torch.save holds
 * in practice, what cannot be saved, and hostile files: each refused with a
 * CheckpointError that names the problem, and nothing from the file run or
 * allocated from an unchecked number.
 */
import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { writeZip } from '../../src/io/zip.js';
import { kd } from './lib.js';

const { io, CheckpointError } = kd;

function roundTrip(v: unknown): unknown {
  return io.deserialize(io.serialize(v));
}

describe('serialize → deserialize', () => {
  it('keeps tensors of every kindling dtype, with their values, shapes and requiresGrad', () => {
    const src = {
      f32: kd.tensor([[1.5, -2], [3, 4]]),
      f64: kd.tensor([0.1, 1e-300], { dtype: 'float64' }),
      i32: kd.tensor([-(2 ** 31), 2 ** 31 - 1], { dtype: 'int32' }),
      b: kd.tensor([true, false, true]),
      scalar: kd.tensor(7),
      empty: kd.zeros([0, 3]),
      special: kd.tensor([NaN, Infinity, -Infinity, -0]),
      grad: kd.randn([2], { requiresGrad: true }),
    };
    const back = roundTrip(src) as Record<string, kd.Tensor>;
    for (const [k, t] of Object.entries(src)) {
      expect(back[k]!.dtype, k).toBe(t.dtype);
      expect(back[k]!.shape, k).toEqual(t.shape);
      expect(Array.from(back[k]!.dataSync()), k).toEqual(Array.from(t.dataSync()));
      expect(back[k]!.requiresGrad, k).toBe(t.requiresGrad);
    }
  });

  it('keeps views and shared storages: one storage record, the views over it', () => {
    const base = kd.arange(12);
    const bytes = io.serialize({ base, t: base.view([3, 4]).transpose(0, 1), tail: base.narrow(0, 5, 4) });
    const back = io.deserialize(bytes) as Record<string, kd.Tensor>;
    expect(back['t']!.storage).toBe(back['base']!.storage);
    expect(back['tail']!.storage).toBe(back['base']!.storage);
    expect(back['t']!.toArray()).toEqual(base.view([3, 4]).transpose(0, 1).toArray());
    expect(back['tail']!.offset).toBe(5);
    const text = new TextDecoder().decode(bytes);
    expect(text.match(/archive\/data\/\d+/g)?.filter((n, i, a) => a.indexOf(n) === i)).toEqual(['archive/data/0']);
  });

  it('keeps Parameters as Parameters, with requiresGrad', () => {
    const lin = new kd.nn.Linear(2, 3);
    lin.bias!.requiresGrad_(false);
    const back = roundTrip({ w: lin.weight, b: lin.bias }) as Record<string, kd.Tensor>;
    expect(back['w']).toBeInstanceOf(kd.nn.Parameter);
    expect(back['w']!.requiresGrad).toBe(true);
    expect(back['b']!.requiresGrad).toBe(false);
  });

  it('keeps plain values: nested objects, arrays, numbers, bigints, strings, booleans, null, Maps', () => {
    const v = {
      a: [1, 2.5, -3, 2 ** 40, -(2 ** 40), 1e300, -0, 'x', null, true, false],
      nested: { deep: { deeper: [{ k: 'v' }] } },
      unicode: 'héllo ✓ \u{1F600}',
      big: 2n ** 80n,
      '0': 'index-like key',
      __proto__key: { ['__proto__']: 1 },
      map: new Map<unknown, unknown>([['s', 1], [2, 'two'], [null, 'none'], [true, 'yes']]),
    };
    const back = roundTrip(v) as Record<string, unknown>;
    expect(back['a']).toEqual([1, 2.5, -3, 2 ** 40, -(2 ** 40), 1e300, -0, 'x', null, true, false]);
    expect(Object.is((back['a'] as number[])[6], -0)).toBe(true);
    expect(back['nested']).toEqual(v.nested);
    expect(back['unicode']).toBe(v.unicode);
    expect(back['big']).toBe(2n ** 80n);
    expect(back['0']).toBe('index-like key');
    expect(Object.getPrototypeOf(back['__proto__key'])).toBe(Object.prototype);
    expect(Object.keys(back['__proto__key'] as object)).toEqual(['__proto__']);
    // A Map whose keys are not all strings and ints stays a Map (None and True keys).
    expect(back['map']).toEqual(new Map<unknown, unknown>([['s', 1], [2, 'two'], [null, 'none'], [true, 'yes']]));
  });

  it('leaves undefined object entries out and writes undefined array items as null, as JSON does', () => {
    expect(roundTrip({ a: undefined, b: [undefined] })).toEqual({ b: [null] });
  });

  it('writes the records PyTorch writes: data.pkl first, storages sorted as strings, version last, 64-byte aligned', () => {
    const tensors: Record<string, kd.Tensor> = {};
    for (let i = 0; i < 11; i++) tensors[`t${i}`] = kd.tensor([i]);
    const bytes = io.serialize(tensors, { prefix: 'model' });
    // eslint-disable-next-line no-control-regex -- the local header signature is binary
    const names = [...new TextDecoder('latin1').decode(bytes).matchAll(/PK\x03\x04[\s\S]{26}(model\/[a-z.0-9/]+)/g)].map((m) => m[1]);
    expect(names).toEqual(['model/data.pkl', 'model/data/0', 'model/data/1', 'model/data/10', ...[2, 3, 4, 5, 6, 7, 8, 9].map((i) => `model/data/${i}`), 'model/byteorder', 'model/version']);
    // Each record's data starts at a multiple of 64: the record after data/0's header holds 0.0 at an aligned offset.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let p = 0; view.getUint32(p, true) === 0x04034b50;) {
      const start = p + 30 + view.getUint16(p + 26, true) + view.getUint16(p + 28, true);
      expect(start % 64).toBe(0);
      p = start + view.getUint32(p + 18, true);
    }
  });

  it('JSON.stringify of a tensor (a model\'s stateDict) throws, pointing at kd.save and safetensors, instead of dumping storage internals', () => {
    const sd = new kd.nn.Linear(2, 3).stateDict();
    expect(() => JSON.stringify(sd)).toThrow(CheckpointError);
    expect(() => JSON.stringify(sd)).toThrow(/Tensor\.toJSON: a float32 tensor of shape \[3, 2\] cannot be turned into JSON \(save tensors with kd\.save\(value, path\).*safetensors.*toArray\(\)\)/);
  });

  const bad: { what: string; value: () => unknown; match: RegExp }[] = [
    { what: 'a function', value: () => ({ f: () => 1 }), match: /value at f is a function/ },
    { what: 'a symbol', value: () => ({ s: Symbol('x') }), match: /value at s is a symbol/ },
    { what: 'a cycle', value: () => { const o: Record<string, unknown> = {}; o['self'] = o; return o; }, match: /value at self is a circular reference/ },
    { what: 'a typed array', value: () => ({ a: [new Float32Array(2)] }), match: /value at a\[0\] is a typed array.*kd\.tensor/ },
    { what: 'a class instance', value: () => ({ m: new kd.nn.Linear(1, 1) }), match: /value at m is an instance of Linear.*stateDict/ },
    { what: 'a Map with an object key', value: () => new Map([[{}, 1]]), match: /a Map with the key/ },
  ];
  for (const b of bad) {
    it(`refuses ${b.what}, naming where it is`, () => {
      expect(() => io.serialize(b.value())).toThrow(CheckpointError);
      expect(() => io.serialize(b.value())).toThrow(b.match);
    });
  }
});

// --- hostile files ----------------------------------------------------------

const utf8 = new TextEncoder();
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const str = (s: string): number[] => [0x58, ...u32(utf8.encode(s).length), ...utf8.encode(s)];
const global = (m: string, n: string): number[] => [0x63, ...utf8.encode(`${m}\n${n}\n`)];
/** The pickle of a float tensor of `numel` elements over storage '0', with the given size/stride/offset operands. */
const tensorOps = (numel: number, size: number[], stride: number[], offset = 0): number[] => [
  ...global('torch._utils', '_rebuild_tensor_v2'), 0x28,
  0x28, ...str('storage'), ...global('torch', 'FloatStorage'), ...str('0'), ...str('cpu'), 0x4a, ...u32(numel), 0x74, 0x51,
  0x4a, ...u32(offset), 0x28, ...size.flatMap((d) => [0x4a, ...u32(d)]), 0x74, 0x28, ...stride.flatMap((d) => [0x4a, ...u32(d)]), 0x74,
  0x89, ...global('collections', 'OrderedDict'), 0x29, 0x52, 0x74, 0x52,
];
const pickle = (ops: number[]): number[] => [0x80, 0x02, ...ops, 0x2e];

function archive(pkl: number[], records: Record<string, Uint8Array> = {}, version = '3\n'): Uint8Array {
  return writeZip([
    { name: 'a/data.pkl', data: new Uint8Array(pkl) },
    ...Object.entries(records).map(([name, data]) => ({ name: `a/${name}`, data })),
    ...(version === '' ? [] : [{ name: 'a/version', data: utf8.encode(version) }]),
  ], 'test');
}

const floats = (n: number): Uint8Array => new Uint8Array(new Float32Array(n).buffer);

describe('deserialize refuses hostile files', () => {
  const cases: { what: string; bytes: () => Uint8Array; match: RegExp }[] = [
    { what: 'a GLOBAL for os.system', bytes: () => archive(pickle([...global('os', 'system'), ...str('echo hi'), 0x85, 0x52])), match: /refusing global 'os\.system'/ },
    { what: 'a GLOBAL for builtins.eval', bytes: () => archive(pickle([...global('builtins', 'eval')])), match: /refusing global 'builtins\.eval'/ },
    { what: 'a dotted-join trick', bytes: () => archive(pickle([...global('torch', '_utils._rebuild_tensor_v2')])), match: /refusing global 'torch\._utils\._rebuild_tensor_v2'/ },
    { what: 'REDUCE of a storage class', bytes: () => archive(pickle([...global('torch', 'FloatStorage'), 0x29, 0x52])), match: /REDUCE of torch\.FloatStorage, which is not a callable/ },
    { what: 'REDUCE of a non-global', bytes: () => archive(pickle([0x4e, 0x29, 0x52])), match: /REDUCE calls None/ },
    { what: 'BUILD on a plain dict', bytes: () => archive(pickle([0x7d, 0x7d, 0x62])), match: /BUILD on a dict/ },
    { what: 'INST', bytes: () => archive(pickle([0x69, ...utf8.encode('os\nsystem\n')])), match: /opcode INST is not allowed/ },
    { what: 'NEWOBJ', bytes: () => archive(pickle([...global('collections', 'OrderedDict'), 0x29, 0x81])), match: /opcode NEWOBJ is not allowed/ },
    { what: 'an unknown opcode byte', bytes: () => archive(pickle([0xff])), match: /unknown opcode byte 0xff/ },
    { what: 'a persistent id that is not a storage', bytes: () => archive(pickle([...str('module'), 0x85, 0x51])), match: /persistent id a tuple of 1 is not \('storage'/ },
    { what: 'a BINUNICODE longer than the file', bytes: () => archive(pickle([0x58, ...u32(0xfffffff0)])), match: /needs 4294967280 more bytes but only \d+ remain/ },
    { what: 'a LONG4 longer than the file', bytes: () => archive(pickle([0x8b, ...u32(0x7fffffff)])), match: /needs 2147483647 more bytes/ },
    { what: 'stack underflow', bytes: () => archive(pickle([0x73])), match: /stack underflow/ },
    { what: 'SETITEMS without a MARK', bytes: () => archive(pickle([0x7d, 0x75])), match: /no MARK to close/ },
    { what: 'SETITEM on a list', bytes: () => archive(pickle([0x5d, 0x4e, 0x4e, 0x73])), match: /SETITEM\(S\) on a list, not a dict/ },
    { what: 'APPEND on a dict', bytes: () => archive(pickle([0x7d, 0x4e, 0x61])), match: /APPEND to a dict/ },
    { what: 'an unset memo index', bytes: () => archive(pickle([0x68, 7])), match: /memo entry 7 was never set/ },
    { what: 'bytes after STOP', bytes: () => archive([0x80, 0x02, 0x4e, 0x2e, 0x4e]), match: /1 bytes follow STOP/ },
    { what: 'no STOP', bytes: () => archive([0x80, 0x02, 0x4e]), match: /ends without STOP/ },
    { what: 'two values left at STOP', bytes: () => archive(pickle([0x4e, 0x4e])), match: /STOP with 2 values/ },
    { what: 'a missing storage record', bytes: () => archive(pickle(tensorOps(2, [2], [1]))), match: /no 'a\/data\/0' record/ },
    { what: 'a storage record shorter than numel', bytes: () => archive(pickle(tensorOps(4, [4], [1])), { 'data/0': floats(3) }), match: /has 12 bytes, but 4 elements of FloatStorage need 16/ },
    { what: 'a storage record longer than numel', bytes: () => archive(pickle(tensorOps(2, [2], [1])), { 'data/0': floats(3) }), match: /has 12 bytes, but 2 elements/ },
    { what: 'a view past its storage', bytes: () => archive(pickle(tensorOps(4, [2, 2], [2, 1], 1)), { 'data/0': floats(4) }), match: /reaches past storage '0' of 4 elements/ },
    { what: 'a huge size on a tiny storage', bytes: () => archive(pickle(tensorOps(1, [0x7fffffff, 0x7fffffff], [1, 1])), { 'data/0': floats(1) }), match: /reaches past storage/ },
    { what: 'a size/stride length mismatch', bytes: () => archive(pickle(tensorOps(4, [4], [1, 1])), { 'data/0': floats(4) }), match: /differ in length/ },
    { what: 'a storage used under two element counts', bytes: () => archive(pickle([0x5d, 0x28, ...tensorOps(4, [4], [1]), ...tensorOps(2, [2], [1]), 0x65]), { 'data/0': floats(4) }), match: /storage '0' is used as FloatStorage of 4 elements and as FloatStorage of 2/ },
    { what: 'nesting 2000 deep', bytes: () => archive(pickle([...Array<number>(2000).fill(0x5d), ...Array<number>(1999).fill(0x61)])), match: /nested more than 1000 deep/ },
    { what: 'no version record', bytes: () => archive(pickle([0x4e]), {}, ''), match: /no 'a\/version' record/ },
    { what: 'version 11', bytes: () => archive(pickle([0x4e]), {}, '11\n'), match: /unsupported format version '11'/ },
    { what: 'a record outside any folder', bytes: () => writeZip([{ name: 'data.pkl', data: new Uint8Array(pickle([0x4e])) }], 't'), match: /not in a folder/ },
    { what: 'a file that is not a zip', bytes: () => utf8.encode('hello world'), match: /not a PyTorch file: it starts with 68 65 6c 6c/ },
    { what: 'an empty file', bytes: () => new Uint8Array(0), match: /the file is empty/ },
    { what: 'a safetensors file', bytes: () => io.safetensors.save({ w: kd.tensor([1]) }), match: /safetensors file.*safetensors\.load/ },
    { what: 'a truncated archive', bytes: () => io.serialize({ w: kd.tensor([1, 2]) }).subarray(0, 300), match: /no zip end-of-central-directory record/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.what}`, () => {
      const bytes = c.bytes();
      expect(() => io.deserialize(bytes)).toThrow(CheckpointError);
      expect(() => io.deserialize(bytes)).toThrow(c.match);
    });
  }

  it('refuses a flipped byte in a storage record (CRC-32), which PyTorch 1.13 does not notice', () => {
    const bytes = io.serialize({ w: kd.tensor([1, 2, 3]) });
    const at = new TextDecoder('latin1').decode(bytes).indexOf('archive/data/0');
    const dataStart = Math.ceil((at + 'archive/data/0'.length + 4) / 64) * 64;
    const byte = bytes[dataStart + 1];
    if (byte === undefined) throw new Error(`record data expected at byte ${dataStart + 1} of ${bytes.length}`);
    bytes[dataStart + 1] = byte ^ 0xff;
    expect(() => io.deserialize(bytes)).toThrow(/record 'archive\/data\/0' is damaged: its CRC-32/);
  });

  it('refuses a central directory that claims more records than it can hold, before allocating for them', () => {
    const bytes = io.serialize({ w: kd.tensor([1]) });
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setUint16(bytes.length - 12, 0xfffe, true);
    view.setUint16(bytes.length - 14, 0xfffe, true);
    expect(() => io.deserialize(bytes)).toThrow(/claims 65534 records but its central directory holds at most \d+/);
  });

  describe('deflated archives (as ordinary zip tools write them)', () => {
    const deflated = (): Uint8Array => zipSync({ 'a/data.pkl': new Uint8Array(pickle([...str('x'.repeat(5000))])), 'a/version': utf8.encode('3\n') }, { level: 6 });
    /** Sets the declared size of the first central-directory entry (a/data.pkl). */
    const declare = (bytes: Uint8Array, size: number): Uint8Array => {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let p = bytes.length - 22; p >= 0; p--) {
        if (view.getUint32(p, true) === 0x02014b50 && new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + 10)) === 'a/data.pkl') {
          view.setUint32(p + 24, size, true);
          return bytes;
        }
      }
      throw new Error('no central entry');
    };

    it('reads them', () => {
      expect(io.deserialize(deflated())).toBe('x'.repeat(5000));
    });

    it('refuses a declared size beyond what DEFLATE can expand to, before allocating it', () => {
      expect(() => io.deserialize(declare(deflated(), 0xfffffff0))).toThrow(/claims to inflate from \d+ to 4294967280 bytes, more than DEFLATE can/);
    });

    it('refuses a record that inflates to more or fewer bytes than declared', () => {
      const size = 5 + 5000 + 3;
      expect(() => io.deserialize(declare(deflated(), size - 100))).toThrow(CheckpointError);
      expect(() => io.deserialize(declare(deflated(), size + 100))).toThrow(/inflates to 5008 bytes, not the declared 5108/);
    });
  });

  it('reads int64 storages into int32 and refuses values outside int32 with the value named', () => {
    const long = (vals: bigint[]): Uint8Array => new Uint8Array(new BigInt64Array(vals).buffer);
    const withLong = (n: number): number[] => {
      const o = tensorOps(n, [n], [1]);
      const s = new TextDecoder('latin1').decode(new Uint8Array(o)).replace('FloatStorage', 'LongStorage');
      return Array.from(s, (ch) => ch.charCodeAt(0));
    };
    const ok = io.deserialize(archive(pickle(withLong(2)), { 'data/0': long([-(2n ** 31n), 2n ** 31n - 1n]) })) as kd.Tensor;
    expect(ok.dtype).toBe('int32');
    expect(ok.toArray()).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    expect(() => io.deserialize(archive(pickle(withLong(2)), { 'data/0': long([0n, 2n ** 31n]) }))).toThrow(/int64 storage '0' holds 2147483648 at element 1, outside int32's range/);
  });
});
