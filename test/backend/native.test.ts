/**
 * The Node entry and the addon's argument checks: backendInfo, backend
 * switching, and the messages the binding layer throws (one row per check).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backend, setBackend } from '../../src/backend/index.js';
import { loadNative, type NativeAddon } from '../../src/backend/native.js';
import { backendInfo } from '../../src/node.js';
import * as kd from '../../src/index.js';

const native = loadNative();
const addon = native.addon as NativeAddon;
const initial = backend().name;

afterEach(() => setBackend(initial));

describe('backendInfo', () => {
  it('reports the backend in use, the kernel path and the threads', () => {
    setBackend('native');
    const info = backendInfo();
    expect(info).toMatchObject({ backend: 'native', nativeAvailable: true, reason: null });
    expect(['avx512', 'avx2-fma', 'portable']).toContain(info.kernelPath);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    setBackend('js');
    expect(backendInfo()).toMatchObject({ backend: 'js', threads: 1 });
  });

  it('exists in the core (browser) entry too, reporting js and why native is off', async () => {
    vi.resetModules();
    const core = await import('../../src/index.js');
    expect(core.backendInfo()).toEqual({
      backend: 'js', nativeAvailable: false, kernelPath: null, threads: 1, reason: expect.stringMatching(/Node\.js only/), wasm: null,
    });
    vi.resetModules();
  });

  it('gives the same answers on both backends for a small training computation', () => {
    const run = (name: string) => {
      setBackend(name);
      kd.manualSeed(3);
      const w = kd.randn([5, 4]).requiresGrad_();
      const x = kd.randn([7, 5]);
      const loss = kd.crossEntropy(x.matmul(w).relu(), kd.tensor([0, 1, 2, 3, 0, 1, 2], { dtype: 'int32' }));
      loss.backward();
      return [loss.item(), ...Array.from(w.grad!.dataSync())];
    };
    const js = run('js');
    const nat = run('native');
    nat.forEach((v, i) => expect(v).toBeCloseTo(js[i]!, 5));
  });
});

const f32 = (n: number) => new Float32Array(n);
const f64 = (n: number) => new Float64Array(n);

describe('binding-layer checks', () => {
  const rows: { name: string; call: () => void; error: typeof TypeError | typeof RangeError; match: RegExp }[] = [
    {
      name: 'a matmul view past its array',
      call: () => addon.matmul(f32(4), f32(4), f32(4), Float64Array.of(1, 2, 2, 2, 0, 1, 0, 2, 1, 0, 0, 2, 1)),
      error: RangeError, match: /kindling native matmul: a view \(offset 1\) reaches elements \[1, 4\] of an array of length 4/,
    },
    {
      name: 'a negative size',
      call: () => addon.matmul(f32(4), f32(4), f32(4), Float64Array.of(1, -2, 2, 2, 0, 0, 0, 2, 1, 0, 0, 2, 1)),
      error: RangeError, match: /matmul: m must be an integer in \[0, \d+\], got -2/,
    },
    {
      name: 'a fractional stride',
      call: () => addon.copy(f32(4), f32(4), Float64Array.of(1, 4, 0, 1, 0, 0.5)),
      error: RangeError, match: /copy: stride must be an integer .* got 0\.5/,
    },
    {
      name: 'a huge shape',
      call: () => addon.copy(f32(4), f32(4), Float64Array.of(2, 2 ** 40, 2 ** 40, 0, 1, 1, 0, 1, 1)),
      error: RangeError, match: /copy: shape has 1\.20893e\+24 elements, more than any buffer holds/,
    },
    {
      name: 'mixed array kinds',
      call: () => addon.binary(0, f32(2), f32(2), new Float64Array(2), Float64Array.of(1, 2, 0, 1, 0, 1)),
      error: TypeError, match: /binary: b must be a Float32Array, got a Float64Array/,
    },
    {
      name: 'a plain array instead of a typed array',
      call: () => addon.softmax(f32(2), [1, 2] as unknown as Float32Array, 1, 2, 1, false),
      error: TypeError, match: /softmax: x must be a typed array/,
    },
    {
      name: 'a class index out of range',
      call: () => addon.nllLoss(f32(1), f32(1), f32(3), Int32Array.of(3), null, 1, 3, 1, -100),
      error: RangeError, match: /nllLoss: target\[0\] = 3 is outside \[0, 3\)/,
    },
    {
      name: 'a gather index past the end of x',
      call: () => addon.gather(f32(2), f32(3), Int32Array.of(0, 3), Float64Array.of(1, 2, 0, 1, 0, 1), 0),
      error: RangeError, match: /gather: index value 3 \(element 1 of the index view\) is outside \[0, 3\) for x/,
    },
    {
      name: 'a negative scatterAdd index',
      call: () => addon.scatterAdd(f64(4), Int32Array.of(1, -1), f64(2), Float64Array.of(1, 2, 0, 1, 0, 1, 0, 1), 0),
      error: RangeError, match: /scatterAdd: index value -1 \(element 1 of the index view\) is outside \[0, 4\) for out/,
    },
    {
      name: 'an avgPool2d input shorter than its geometry',
      call: () => addon.avgPool2d(f32(4), f32(8), Float64Array.of(1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 2, 2), false, 0),
      error: RangeError, match: /avgPool2d: x has 8 elements but 9 are needed/,
    },
    {
      name: 'a fractional avgPool2dBackward divisor',
      call: () => addon.avgPool2dBackward(f32(9), f32(4), Float64Array.of(1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 2, 2), true, 1.5),
      error: RangeError, match: /avgPool2dBackward: divisor must be an integer .* got 1\.5/,
    },
    {
      name: 'an argmax axis whose positions do not fit int32',
      call: () => addon.reduce(4, new Int32Array(1), f32(1), 1, 2 ** 31 + 1, 1),
      error: RangeError, match: /reduce: size 2147483649 has positions past 2\^31 - 1, which int32 indices cannot hold/,
    },
    {
      name: 'a maxPool2d plane whose positions do not fit int32',
      call: () => addon.maxPool2d(f32(1), new Int32Array(1), f32(1), Float64Array.of(1, 65536, 32769, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1)),
      error: RangeError, match: /maxPool2d: a plane of 65536 x 32769 has positions past 2\^31 - 1/,
    },
    {
      name: 'a gradient shorter than its parameter',
      call: () => addon.sgdStep([f32(3)], [f32(2)], [], new Uint8Array(1), Float64Array.of(0.1, 0, 0, 0, 0, 0)),
      error: RangeError, match: /sgdStep: grads\[0\] has 2 elements, params\[0\] 3/,
    },
    {
      name: 'an unknown kernel path',
      call: () => addon.init(1, 'sse9'),
      error: RangeError, match: /init: kernel path 'sse9' is not available on this CPU/,
    },
    {
      name: 'a negative heap pad',
      call: () => addon.init(1, 'auto', -1),
      error: RangeError, match: /init: heapTopPad must be an integer in \[0, 2147483647\], got -1/,
    },
    {
      name: 'a bias view past its array',
      call: () => addon.matmul(f32(4), f32(4), f32(4), Float64Array.of(1, 2, 2, 2, 0, 0, 0, 2, 1, 0, 0, 2, 1, 1, 0, 0, 1), f32(2)),
      error: RangeError, match: /matmul: bias view \(offset 1\) reaches elements \[1, 2\] of an array of length 2/,
    },
    {
      name: 'a bias without its four meta values',
      call: () => addon.matmul(f32(4), f32(4), f32(4), Float64Array.of(1, 2, 2, 2, 0, 0, 0, 2, 1, 0, 0, 2, 1), f32(2)),
      error: RangeError, match: /matmul: meta has 13 values, 17 are needed/,
    },
    {
      name: 'a depthwise multiplier of 0',
      call: () => addon.depthwiseConv2d(f32(4), f32(4), f32(1), null, Float64Array.of(1, 1, 2, 2, 1, 1, 1, 1, 0, 0, 1, 1, 2, 2), 0),
      error: RangeError, match: /depthwiseConv2d: multiplier must be an integer in \[1, 2147483647\], got 0/,
    },
    {
      name: 'depthwise weights shorter than channels * multiplier * kernel',
      call: () => addon.depthwiseConv2dBackwardWeight(f32(8), f32(32), f32(16), Float64Array.of(1, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 2, 2), 2),
      error: RangeError, match: /depthwiseConv2dBackwardWeight: gw has 8 elements but 16 are needed/,
    },
    {
      name: 'matmul flags past 3',
      call: () => addon.matmul(f32(4), f32(4), f32(4), Float64Array.of(1, 2, 2, 2, 4, 0, 0, 2, 1, 0, 0, 2, 1)),
      error: RangeError, match: /matmul: flags must be an integer in \[0, 3\], got 4/,
    },
    {
      name: 'a bias with a sum over the batch',
      call: () => addon.matmul(f32(4), f32(8), f32(8), Float64Array.of(2, 2, 2, 2, 2, 0, 4, 2, 1, 0, 4, 2, 1, 0, 0, 0, 1), f32(2)),
      error: RangeError, match: /matmul: a bias cannot be added to a sum over the batch/,
    },
    {
      name: 'a sum over the batch into an array shorter than [m, n]',
      call: () => addon.matmul(f32(3), f32(8), f32(8), Float64Array.of(2, 2, 2, 2, 2, 0, 4, 2, 1, 0, 4, 2, 1)),
      error: RangeError, match: /matmul: out/,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      expect(row.call).toThrow(row.error);
      expect(row.call).toThrow(row.match);
    });
  }

  it('checks every scatterAdd index before writing any', () => {
    const out = Float64Array.of(1, 2, 3, 4);
    const call = () => addon.scatterAdd(out, Int32Array.of(0, 1, 9), Float64Array.of(5, 5, 5), Float64Array.of(1, 3, 0, 1, 0, 1, 0, 1), 0);
    expect(call).toThrow(/scatterAdd: index value 9/);
    expect([...out]).toEqual([1, 2, 3, 4]);
  });
});
