/**
 * kd.io.safetensors: round trips, files written to the specification by
 * scripts/fixtures/io.py (loading a PyTorch model's weights into the same
 * kindling model), and hostile files refused with a CheckpointError.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FILES, expectDescribed, fixtureBytes, fixturePath, kd } from './lib.js';
import { decode } from '../fixtures.js';
import { expectClose } from '../helpers.js';

const { io, nn, CheckpointError } = kd;
const st = io.safetensors;
const dir = mkdtempSync(join(tmpdir(), 'kindling-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const utf8 = new TextEncoder();
/** A safetensors file from a header object and a data buffer, as a hostile writer would make it. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), headerText?: string): Uint8Array {
  const h = utf8.encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips every kindling dtype, views included, with metadata', () => {
    const base = kd.arange(6, { dtype: 'float64' });
    const tensors = {
      w: kd.tensor([[1, 2], [3, 4]]),
      d: base.view([2, 3]).transpose(0, 1),
      i: kd.tensor([-5, 7], { dtype: 'int32' }),
      b: kd.tensor([true, false]),
      s: kd.tensor(3),
      e: kd.zeros([0, 2]),
    };
    const bytes = st.save(tensors, { epoch: '3' });
    const back = st.loadWithMetadata(bytes);
    expect(back.metadata).toEqual({ epoch: '3' });
    for (const [k, t] of Object.entries(tensors)) {
      expect(back.tensors[k]!.dtype, k).toBe(t.dtype);
      expect(back.tensors[k]!.toArray(), k).toEqual(t.toArray());
    }
  });

  it('writes as the reference writer does: header padded with spaces to 8, tensors sorted by alignment then name, packed', () => {
    const bytes = st.save({ b: kd.tensor([1], { dtype: 'int32' }), a: kd.tensor([true]), c: kd.tensor([1], { dtype: 'float64' }) }, { k: 'v' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text).toBe('{"__metadata__":{"k":"v"},"c":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"BOOL","shape":[1],"data_offsets":[12,13]}}'.padEnd(n, ' '));
  });

  it('writes float32 as F16 or BF16 on request, rounding to nearest even', () => {
    const t = kd.tensor([1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 1e-8, -2.5]);
    const half = st.load(st.save({ t }, undefined, { floatAs: 'F16' }))['t']!;
    expect(half.dtype).toBe('float32');
    expect(half.toArray()).toEqual([1, 1, 1 + 2 * 2 ** -10, Infinity, 0, -2.5]);
    const bf = st.load(st.save({ t: kd.tensor([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -0]) }, undefined, { floatAs: 'BF16' }))['t']!;
    expect(bf.toArray()).toEqual([1, 1, 1 + 2 ** -6, -0]);
  });

  for (const name of ['dtypes.safetensors', 'module.safetensors']) {
    it(`reads ${name}, written to the specification from PyTorch tensors`, () => {
      const c = FILES[name]!;
      const got = st.loadWithMetadata(fixtureBytes(name));
      expectDescribed(got.tensors, c.value!);
      expect(got.metadata).toEqual(c.metadata ?? null);
    });
  }

  it('loads a PyTorch model\'s weights (module.safetensors) into the same kindling model, which computes what PyTorch did', () => {
    const c = FILES['module.safetensors']!;
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2), new nn.BatchNorm1d(2));
    model.loadStateDict(st.loadFile(fixturePath('module.safetensors')));
    model.eval();
    expectClose(model.forward(decode(c.input!)), decode(c.output!), { atol: 1e-6 });
  });

  it('saveFile and loadFile write and read a file', () => {
    const path = join(dir, 'w.safetensors');
    st.saveFile({ w: kd.tensor([1.5, 2]) }, path, { note: 'x' });
    expect(st.loadFile(path)['w']!.toArray()).toEqual([1.5, 2]);
  });

  const f32 = (n: number): Uint8Array => new Uint8Array(n * 4);
  const hostile: { what: string; bytes: () => Uint8Array; match: RegExp }[] = [
    { what: 'a file shorter than 8 bytes', bytes: () => new Uint8Array(5), match: /has 5 bytes, too few/ },
    { what: 'a huge header length', bytes: () => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 2n ** 60n, true); return b; }, match: /header length 1152921504606846976 is over the format's limit/ },
    { what: 'a header longer than the file', bytes: () => file({}).subarray(0, 9), match: /header length 2 runs past the end of the 9-byte file/ },
    { what: 'bad JSON', bytes: () => file(null, undefined, '{"a": '), match: /not valid JSON/ },
    { what: 'a header that is not an object', bytes: () => file(null, undefined, '{}').fill(0x5b, 8, 9).fill(0x5d, 9, 10), match: /does not start with '\{'/ },
    { what: 'NUL padding', bytes: () => file(null, undefined, '{}\0\0\0\0\0\0'), match: /not valid JSON/ },
    { what: 'an unknown dtype', bytes: () => file({ t: { dtype: 'f32', shape: [1], data_offsets: [0, 4] } }, f32(1)), match: /tensor 't' has unknown dtype 'f32'/ },
    { what: 'a dtype kindling cannot hold', bytes: () => file({ t: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), match: /tensor 't' has dtype C64, which kindling cannot hold/ },
    { what: 'a missing shape', bytes: () => file({ t: { dtype: 'F32', data_offsets: [0, 4] } }, f32(1)), match: /tensor 't' has shape undefined/ },
    { what: 'a negative shape', bytes: () => file({ t: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)), match: /shape \[-1\]/ },
    { what: 'float offsets', bytes: () => file({ t: { dtype: 'F32', shape: [1], data_offsets: [0, 4.5] } }, f32(1)), match: /data_offsets \[0,4\.5\]/ },
    { what: 'three offsets', bytes: () => file({ t: { dtype: 'F32', shape: [1], data_offsets: [0, 4, 8] } }, f32(2)), match: /not \[begin, end\]/ },
    { what: 'a shape and byte length that disagree', bytes: () => file({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2)), match: /shape \[3\] needs 12 bytes but its data_offsets give 8/ },
    { what: 'a shape whose size overflows', bytes: () => file({ t: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } }, f32(1)), match: /needs 4835703278458516698824704 bytes/ },
    { what: 'overlapping tensors', bytes: () => file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)), match: /tensor 'b' \(bytes 4\.\.8\) overlaps the tensor before it/ },
    { what: 'a hole between tensors', bytes: () => file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(3)), match: /tensor 'b' starts at byte 8, leaving a hole after byte 4/ },
    { what: 'offsets past the data', bytes: () => file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1)), match: /cover 8 bytes of data but the file holds 4.*truncated/ },
    { what: 'trailing bytes', bytes: () => file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2)), match: /cover 4 bytes of data but the file holds 8/ },
    { what: 'end before begin', bytes: () => file({ a: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, f32(1)), match: /end before they begin/ },
    { what: 'duplicate names', bytes: () => file(null, f32(1), '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "a" :{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'), match: /names 'a' twice/ },
    { what: 'non-string metadata', bytes: () => file({ __metadata__: { n: 1 } }), match: /__metadata__ must map strings to strings/ },
    { what: 'an int64 outside int32', bytes: () => file({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(new BigInt64Array([2n ** 33n]).buffer)), match: /int64 tensor 'a' holds 8589934592 at element 0, outside int32's range/ },
  ];
  for (const h of hostile) {
    it(`refuses ${h.what}`, () => {
      expect(() => st.load(h.bytes())).toThrow(CheckpointError);
      expect(() => st.load(h.bytes())).toThrow(h.match);
    });
  }

  it('accepts what the reference loader accepts: an empty file {}, unknown fields, a space-padded header, __metadata__: null', () => {
    expect(st.load(file({}))).toEqual({});
    expect(st.load(file({ a: { dtype: 'F32', shape: [], data_offsets: [0, 4], extra: 1 }, __metadata__: null }, f32(1)))['a']!.shape).toEqual([]);
    expect(Object.keys(st.load(file(null, f32(1), '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}   ')))).toEqual(['a']);
  });

  const badSaves: { what: string; call: () => unknown; match: RegExp }[] = [
    { what: 'a non-tensor value', call: () => st.save({ a: 1 } as never), match: /'a' is not a Tensor/ },
    { what: 'a tensor named __metadata__', call: () => st.save({ __metadata__: kd.tensor([1]) }), match: /cannot be named '__metadata__'/ },
    { what: 'non-string metadata', call: () => st.save({}, { n: 1 } as never), match: /metadata 'n' is number/ },
    { what: 'an unknown floatAs', call: () => st.save({}, undefined, { floatAs: 'F8' as never }), match: /floatAs must be/ },
  ];
  for (const b of badSaves) {
    it(`save refuses ${b.what}`, () => {
      expect(b.call).toThrow(CheckpointError);
      expect(b.call).toThrow(b.match);
    });
  }
});
