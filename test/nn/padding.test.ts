/**
 * `kd.pad` (F.pad) in every mode and the conv layers' `paddingMode`, against
 * PyTorch (test/fixtures/pad.json: outputs and gradients) and gradcheck.
 */
import { describe, expect, it } from 'vitest';
import { expectClose, kd, leaf64, loadFixture } from '../helpers.js';
import { decode, type EncodedTensor } from '../fixtures.js';

const { nn } = kd;

interface PadCase { x: EncodedTensor; pad: number[]; mode: kd.PaddingMode; value: number; out: EncodedTensor; up: EncodedTensor; gradX: EncodedTensor }
interface ConvCase {
  n: 1 | 2; inChannels: number; outChannels: number; kernelSize: number | number[];
  options: { padding: number | number[] | 'same'; stride?: number; dilation?: number[] };
  paddingMode: kd.nn.ConvPaddingMode;
  weight: EncodedTensor; bias: EncodedTensor; x: EncodedTensor; out: EncodedTensor; up: EncodedTensor;
  gradX: EncodedTensor; gradWeight: EncodedTensor; gradBias: EncodedTensor;
}
const fixture = loadFixture<{ pads: PadCase[]; convs: ConvCase[] }>('pad');
const tol = { atol: 1e-10, rtol: 1e-10 };

describe('kd.pad against PyTorch F.pad', () => {
  it.each(fixture.pads.map((c, i) => [`${c.mode} ${JSON.stringify(c.pad)} on [${c.x.shape.join(', ')}] (${i})`, c] as const))('%s', (_, c) => {
    const x = decode(c.x, { requiresGrad: true });
    const out = kd.pad(x, c.pad, c.mode === 'constant' ? { mode: c.mode, value: c.value } : { mode: c.mode });
    expectClose(out, decode(c.out), { ...tol, shape: c.out.shape });
    out.mul(decode(c.up)).sum().backward();
    expectClose(x.grad!, decode(c.gradX), tol);
  });

  it.each(['constant', 'reflect', 'replicate', 'circular'] as const)('gradcheck, %s mode', (mode) => {
    expect(kd.gradcheck((x) => kd.pad(x, [2, 1, 1, 2], { mode }), [leaf64([1, 2, 3, 4], 7)])).toBe(true);
  });

  it('refuses bad calls with the op and the fix', () => {
    const x = kd.zeros([1, 1, 3]);
    expect(() => kd.pad(x, [3, 0], { mode: 'reflect' })).toThrow(/pad: reflect padding \(3, 0\) of dimension 2 is too large for its size 3 \(reflect padding must be smaller than the dimension\)/);
    expect(() => kd.pad(x, [1], { mode: 'reflect' })).toThrow(kd.ValueError);
    expect(() => kd.pad(x, [1, 1], { mode: 'mirror' as never })).toThrow(/unknown padding mode mirror/);
    expect(() => kd.pad(x, [1, 1], { mdoe: 'reflect' } as never)).toThrow(/pad: unknown option 'mdoe' \(did you mean 'mode'\?\)/);
  });
});

describe('Conv1d / Conv2d paddingMode against PyTorch', () => {
  it.each(fixture.convs.map((c, i) => [`Conv${c.n}d ${c.paddingMode} ${JSON.stringify(c.options)} (${i})`, c] as const))('%s', (_, c) => {
    const options = { ...c.options, paddingMode: c.paddingMode, dtype: 'float64' as const };
    const conv = c.n === 1
      ? new nn.Conv1d(c.inChannels, c.outChannels, c.kernelSize as number, options as kd.nn.ConvOptions<readonly [number]>)
      : new nn.Conv2d(c.inChannels, c.outChannels, c.kernelSize as number, options as kd.nn.ConvOptions<readonly [number, number]>);
    conv.loadStateDict({ weight: decode(c.weight), bias: decode(c.bias) });
    const x = decode(c.x, { requiresGrad: true });
    const out = conv.forward(x);
    expectClose(out, decode(c.out), { ...tol, shape: c.out.shape });
    out.mul(decode(c.up)).sum().backward();
    expectClose(x.grad!, decode(c.gradX), tol);
    expectClose(conv.weight.grad!, decode(c.gradWeight), tol);
    expectClose(conv.bias!.grad!, decode(c.gradBias), tol);
  });

  it.each(['reflect', 'replicate', 'circular'] as const)('gradcheck through Conv2d, %s mode', (paddingMode) => {
    kd.manualSeed(3);
    const conv = new nn.Conv2d(2, 2, 3, { padding: 1, paddingMode, dtype: 'float64' });
    expect(kd.gradcheck((x, w) => kd.conv2d(kd.pad(x, [1, 1, 1, 1], { mode: paddingMode }), w), [leaf64([1, 2, 4, 4], 9), leaf64([2, 2, 3, 3], 10)])).toBe(true);
    expect(kd.gradcheck((x) => conv.forward(x), [leaf64([1, 2, 4, 5], 11)])).toBe(true);
    expect(conv.toString()).toContain(`paddingMode=${paddingMode}`);
  });

  it('refuses an unknown paddingMode and misspelt options', () => {
    expect(() => new nn.Conv2d(1, 1, 3, { paddingMode: 'mirror' as never })).toThrow(/nn\.Conv2d: paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got .*mirror/);
    expect(() => new nn.Conv2d(1, 1, 3, { strid: 2 } as never)).toThrow(/nn\.Conv2d: unknown option 'strid' \(did you mean 'stride'\?\)/);
    expect(() => new nn.Conv1d(1, 1, 3, { bais: false } as never)).toThrow(kd.ArgumentTypeError);
    expect(() => new nn.Conv1d(1, 1, 3, { bais: false } as never)).toThrow(/did you mean 'bias'\?/);
  });
});
