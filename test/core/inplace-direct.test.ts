/**
 * The in-place fast path: when nothing is recorded and the written-to tensor
 * is contiguous, add_/sub_/mul_/div_/clamp_/relu_/fill_/zero_/copy_ run their
 * kernel with the tensor's own memory as the output (no result tensor, no
 * copy). The values must be those of the out-of-place ops, views and
 * operands that read the same memory included, and the overlap checks stay.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { kd } from '../helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const grid = (): kd.Tensor => kd.arange(12, { dtype: 'float32' }).reshape([4, 3]).sub(5.5);

describe('in-place ops write straight into a contiguous tensor', () => {
  it('runs the kernel on the tensor\'s memory, without a copy', () => {
    const be = kd.backend();
    const binary = vi.spyOn(be, 'binary');
    const unary = vi.spyOn(be, 'unary');
    const copy = vi.spyOn(be, 'copy');
    const base = grid();
    const row = base.narrow(0, 1, 2); // contiguous, offset 3
    kd.noGrad(() => {
      row.add_(kd.ones([3]), { alpha: 2 });
      row.relu_();
    });
    const bytes = base.storage.data.BYTES_PER_ELEMENT;
    const addOut = binary.mock.calls.find((c) => c[0] === 'add')?.[1];
    expect(addOut?.buffer).toBe(base.storage.data.buffer);
    expect(addOut?.byteOffset).toBe(base.storage.data.byteOffset + 3 * bytes);
    expect(addOut?.length).toBe(6);
    expect(unary.mock.calls.find((c) => c[0] === 'relu')?.[1].buffer).toBe(base.storage.data.buffer);
    expect(copy).not.toHaveBeenCalled();
    expect(base.version).toBe(2);
  });

  it('gives the out-of-place values, neighbours untouched', () => {
    const other = kd.tensor([0.5, -2, 4]);
    const cases: [string, (t: kd.Tensor) => kd.Tensor, (t: kd.Tensor) => kd.Tensor][] = [
      ['add_ alpha', (t) => t.add_(other, { alpha: -1.5 }), (t) => t.add(other, { alpha: -1.5 })],
      ['sub_ scalar alpha', (t) => t.sub_(3, { alpha: 2 }), (t) => t.sub(3, { alpha: 2 })],
      ['mul_ broadcast column', (t) => t.mul_(kd.tensor([[2], [-1]])), (t) => t.mul(kd.tensor([[2], [-1]]))],
      ['div_ int operand', (t) => t.div_(kd.tensor([1, 2, 4], { dtype: 'int32' })), (t) => t.div(kd.tensor([1, 2, 4], { dtype: 'int32' }))],
      ['clamp_', (t) => t.clamp_(-1, 2), (t) => t.clamp(-1, 2)],
      ['relu_', (t) => t.relu_(), (t) => t.relu()],
      ['fill_', (t) => t.fill_(7), (t) => kd.full(t.shape, 7)],
      ['zero_', (t) => t.zero_(), (t) => kd.zeros(t.shape)],
      ['copy_ broadcast int', (t) => t.copy_(kd.tensor([1, 2, 3], { dtype: 'int32' })), (t) => kd.tensor([1, 2, 3]).expand(t.shape)],
      ['add_ itself', (t) => t.add_(t), (t) => t.mul(2)],
    ];
    for (const [name, inPlace, outOfPlace] of cases) {
      const base = grid();
      const row = base.narrow(0, 1, 2);
      const expected = outOfPlace(row.clone()).toArray();
      kd.noGrad(() => inPlace(row));
      expect(row.toArray(), name).toEqual(expected);
      expect(base.select(0, 0).toArray(), `${name}: row before`).toEqual([-5.5, -4.5, -3.5]);
      expect(base.select(0, 3).toArray(), `${name}: row after`).toEqual([3.5, 4.5, 5.5]);
    }
  });

  it('an operand reading other elements of the same memory sees the old values (the general path)', () => {
    const x = kd.tensor([1, 2, 3, 4]);
    x.narrow(0, 1, 3).add_(x.narrow(0, 0, 3));
    expect(x.toArray()).toEqual([1, 3, 5, 7]);
    const y = kd.tensor([1, 2, 3, 4]);
    y.narrow(0, 0, 3).copy_(y.narrow(0, 1, 3));
    expect(y.toArray()).toEqual([2, 3, 4, 4]);
  });

  it('keeps the general path where the result must be recorded or changes dtype', () => {
    const w = kd.tensor([1, 2], { requiresGrad: true });
    const buf = kd.zeros([2]);
    buf.add_(w.mul(3));
    buf.sum().backward();
    expect(w.grad?.toArray()).toEqual([3, 3]);
    const i = kd.tensor([1, 2], { dtype: 'int32' });
    i.mul_(3);
    expect(i.toArray()).toEqual([3, 6]);
    expect(() => i.div_(2)).toThrow(/can't be cast to the desired output type int32/);
    expect(() => kd.zeros([2]).add_(kd.ones([3, 2]))).toThrow(/doesn't match the broadcast shape/);
  });

  it('still refuses a written-to tensor whose elements share memory', () => {
    const base = kd.zeros([1]);
    kd.noGrad(() => {
      expect(() => base.expand([3]).mul_(2)).toThrow(/mul_: unsupported operation: more than one element .* refers to a single memory location/);
      expect(() => base.expand([3]).fill_(2)).toThrow(/fill_: unsupported operation: more than one element/);
    });
    expect(base.toArray()).toEqual([0]);
  });
});
