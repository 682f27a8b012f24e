/**
 * The native norm and adaptive-pooling kernels on degenerate sizes that no
 * buffer bounds (an empty dimension beside a huge one): they must return at
 * once with the js kernel's 0 / 0 statistics instead of looping over the
 * huge dimension. Runs only where the addon loaded (the parity test fails
 * when it did not).
 */
import { describe, expect, it } from 'vitest';
import { jsBackend } from '../../src/backend/js/index.js';
import { loadNative, type NativeAddon } from '../../src/backend/native.js';

const native = loadNative();
const HUGE = 2 ** 49;

describe.runIf(native.addon !== null)('native norm and adaptive pooling: empty dimensions beside huge ones', () => {
  const addon = native.addon as NativeAddon;

  it('batchNorm and its backward with inner 0 and a huge batch', () => {
    const mean = new Float64Array(2);
    const rstd = new Float64Array(2);
    const t0 = performance.now();
    addon.batchNorm(new Float32Array(0), mean, rstd, new Float32Array(0), null, null, HUGE, 2, 0, true, 1e-5);
    expect([...mean].every(Number.isNaN)).toBe(true);
    expect([...rstd].every(Number.isNaN)).toBe(true);
    const dw = Float32Array.of(1, 2);
    addon.batchNormBackward(null, dw, null, new Float32Array(0), new Float32Array(0), mean, rstd, null, HUGE, 2, 0, true);
    expect([...dw]).toEqual([1, 2]);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('groupNorm and its backward with inner 0 and huge channels', () => {
    const mean = new Float64Array(1);
    const rstd = new Float64Array(1);
    const t0 = performance.now();
    addon.groupNorm(new Float64Array(0), mean, rstd, new Float64Array(0), null, null, 1, HUGE, 0, 1, 1e-5);
    expect(Number.isNaN(mean[0])).toBe(true);
    addon.groupNormBackward(null, null, null, new Float64Array(0), new Float64Array(0), mean, rstd, null, 1, HUGE, 0, 1);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('adaptiveAvgPool2d with a zero width and a huge height gives NaN as js', () => {
    const out = new Float32Array(2);
    const want = new Float32Array(2);
    jsBackend.adaptiveAvgPool2d(want, new Float32Array(0), 1, 3, 0, 1, 2);
    const t0 = performance.now();
    addon.adaptiveAvgPool2d(out, new Float32Array(0), 1, 2 ** 31 - 1, 0, 1, 2);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect([...out].every(Number.isNaN)).toBe(true);
    expect([...want].every(Number.isNaN)).toBe(true);
    const gx = new Float32Array(0);
    addon.adaptiveAvgPool2dBackward(gx, Float32Array.of(1, 2), 1, 2 ** 31 - 1, 0, 1, 2);
  });
});
