import { expect, it } from 'vitest';
import { kd } from '../helpers.js';

it('relu passes the gradient through a NaN output and stops it at 0, as PyTorch', () => {
  // PyTorch 1.13: x = tensor([nan, 1, -1, 0], requires_grad=True); x.relu().sum().backward(); x.grad -> [1, 1, 0, 0]
  const x = kd.tensor([NaN, 1, -1, 0], { requiresGrad: true });
  x.relu().sum().backward();
  expect(Array.from(x.grad!.dataSync())).toEqual([1, 1, 0, 0]);
});
