import { describe, expect, it } from 'vitest';
import { expectClose, kd, leaf64 } from '../helpers.js';

describe('autograd engine', () => {
  it('accumulates gradients on leaves across backward calls', () => {
    const x = kd.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(2).sum().backward();
    x.mul(x).sum().backward();
    // d/dx (2x) + d/dx x² = 2 + 2x
    expectClose(x.grad!, [4, 6, 8]);
  });

  it('sums gradients of a tensor used twice (diamond graph)', () => {
    const x = kd.tensor([3], { requiresGrad: true });
    const y = x.mul(x);
    y.add(y.mul(y)).backward();
    // y = x², f = y + y² → df/dx = (1 + 2y)·2x = (1 + 18)·6
    expectClose(x.grad!, [114]);
  });

  it('leaves .grad null until a backward pass writes it, and lets it be set', () => {
    const x = kd.ones([2], { requiresGrad: true });
    expect(x.grad).toBeNull();
    x.grad = kd.tensor([5, 6]);
    expectClose(x.grad!, [5, 6]);
    expect(() => (x.grad = kd.ones([3]))).toThrow(/assigned grad has shape \[3\], but the tensor has shape \[2\]/);
    x.grad = null;
    expect(x.grad).toBeNull();
  });

  it('keeps grads of non-leaves only with retainGrad', () => {
    const x = kd.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    const z = x.mul(4);
    y.retainGrad();
    y.add(z).sum().backward();
    expectClose(y.grad!, [1, 1]);
    expect(z.grad).toBeNull();
    expect(y.isLeaf).toBe(false);
    expect(x.isLeaf).toBe(true);
    expect(y.gradFn?.name).toBe('MulBackward0');
  });

  it('noGrad records nothing and enableGrad turns recording back on', () => {
    const x = kd.ones([2], { requiresGrad: true });
    const y = kd.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    const z = kd.noGrad(() => kd.enableGrad(() => x.mul(2)));
    expect(z.requiresGrad).toBe(true);
  });

  it('detach cuts the graph but shares memory', () => {
    const x = kd.tensor([1, 2], { requiresGrad: true });
    const d = x.mul(1).detach();
    expect(d.requiresGrad).toBe(false);
    const e = x.detach();
    kd.noGrad(() => e.add_(1));
    expectClose(x, [2, 3]);
  });

  it('runs backward through a long chain without overflowing the stack', () => {
    const x = kd.tensor([1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20000; i++) y = y.add(1);
    y.sum().backward();
    expectClose(x.grad!, [1]);
  });

  it('checks gradients numerically (gradcheck) through a composite graph', () => {
    const a = leaf64([3, 4], 1);
    const b = leaf64([4, 2], 2);
    expect(kd.gradcheck((p, q) => p.matmul(q).tanh().mul(p.sum(1, { keepdim: true })), [a, b])).toBe(true);
  });

  it('gradcheck reports a wrong gradient', () => {
    const a = leaf64([3], 3);
    // A function whose recorded backward is deliberately wrong: detach hides one factor.
    const wrong = (p: kd.Tensor): kd.Tensor => p.mul(p.detach());
    expect(() => kd.gradcheck(wrong, [a])).toThrow(/Jacobian mismatch/);
    expect(kd.gradcheck(wrong, [a], { raiseException: false })).toBe(false);
  });
});

describe('autograd errors', () => {
  const rows: { name: string; call: () => unknown; error: typeof kd.KindlingError; match: RegExp }[] = [
    {
      name: 'backward on a non-scalar without a gradient',
      call: () => kd.ones([2], { requiresGrad: true }).mul(2).backward(),
      error: kd.AutogradError,
      match: /grad can be implicitly created only for scalar outputs.*shape \[2\]/,
    },
    {
      name: 'backward on a tensor that does not require grad',
      call: () => kd.ones([1]).backward(),
      error: kd.AutogradError,
      match: /does not require grad/,
    },
    {
      name: 'backward twice without retainGraph',
      call: () => {
        const x = kd.ones([2], { requiresGrad: true });
        const y = x.mul(x).sum();
        y.backward();
        y.backward();
      },
      error: kd.AutogradError,
      match: /backward through the graph a second time.*retainGraph/,
    },
    {
      name: 'in-place change of a saved tensor',
      call: () => {
        const x = kd.ones([2], { requiresGrad: true });
        const y = x.mul(2);
        const z = y.mul(y);
        y.add_(1);
        z.sum().backward();
      },
      error: kd.AutogradError,
      match: /modified by an inplace operation.*version 1; expected version 0/,
    },
    {
      name: 'in-place op on a leaf that requires grad',
      call: () => kd.ones([2], { requiresGrad: true }).add_(1),
      error: kd.AutogradError,
      match: /add_: a leaf tensor that requires grad is being used in an in-place operation/,
    },
    {
      name: 'gradient of the wrong shape',
      call: () => kd.ones([2], { requiresGrad: true }).mul(2).backward(kd.ones([3])),
      error: kd.ShapeError,
      match: /gradient has shape \[3\], but the output has shape \[2\]/,
    },
    {
      name: 'requiresGrad on an integer tensor',
      call: () => kd.tensor([1, 2], { dtype: 'int32', requiresGrad: true }),
      error: kd.DTypeError,
      match: /only floating point tensors can require gradients/,
    },
  ];
  rows.push(
    {
      name: 'gradcheck of a float32 input',
      call: () => kd.gradcheck((a) => a.exp(), [kd.ones([2], { requiresGrad: true })]),
      error: kd.DTypeError,
      match: /gradcheck: gradcheck inputs that require grad must be float64, got float32 \[2\]/,
    },
    {
      name: 'gradcheck of a non-leaf input',
      call: () => kd.gradcheck((a) => a.exp(), [leaf64([2], 4).mul(2)]),
      error: kd.AutogradError,
      match: /gradcheck: gradcheck inputs that require grad must be leaves, got one made by MulBackward0/,
    },
    {
      name: 'gradcheck of a wrong gradient',
      call: () => kd.gradcheck((p) => p.mul(p.detach()), [leaf64([3], 3)]),
      error: kd.AutogradError,
      match: /gradcheck: Jacobian mismatch for output 0 with respect to input 0, element 0/,
    },
  );
  for (const row of rows) {
    it(row.name, () => {
      expect(row.call).toThrow(row.error);
      expect(row.call).toThrow(row.match);
    });
  }

  it('gradcheck puts back the gradients the inputs held', () => {
    const a = leaf64([2], 5);
    a.grad = kd.tensor([7, 8], { dtype: 'float64' });
    expect(kd.gradcheck((p) => p.sin(), [a])).toBe(true);
    expectClose(a.grad!, [7, 8]);
  });

  it('retainGraph allows a second backward', () => {
    const x = kd.tensor([2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expectClose(x.grad!, [8]);
  });

  it('an in-place op on a non-leaf is differentiable', () => {
    const x = kd.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    y.add_(1);
    y.mul_(2);
    y.sum().backward();
    expectClose(x.grad!, [6, 6]);
    expect(y.version).toBe(2);
  });
});
