/**
 * kd.nextFrame(): an animation frame in a visible page, a timeout elsewhere
 * (Node, Workers, hidden tabs). The browser tests (test/browser/) run it in a
 * real page and Worker.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { kd } from '../helpers.js';

const scope = globalThis as { requestAnimationFrame?: unknown; document?: unknown };

afterEach(() => {
  delete scope.requestAnimationFrame;
  delete scope.document;
});

describe('nextFrame', () => {
  it('yields to the event loop: a timeout queued before it runs first', async () => {
    const order: string[] = [];
    setTimeout(() => order.push('timeout'), 0);
    await kd.nextFrame();
    order.push('after');
    expect(order).toEqual(['timeout', 'after']);
  });

  it('waits for an animation frame in a visible page, not in a hidden one', async () => {
    const raf = vi.fn((cb: () => void) => setTimeout(cb, 0));
    scope.requestAnimationFrame = raf;
    scope.document = { visibilityState: 'visible' };
    await kd.nextFrame();
    expect(raf).toHaveBeenCalledTimes(1);
    scope.document = { visibilityState: 'hidden' };
    await kd.nextFrame();
    expect(raf).toHaveBeenCalledTimes(1);
  });
});
