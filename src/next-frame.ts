/**
 * Yielding to the event loop between training steps, so a page stays
 * responsive (and paints a live loss plot) while kindling trains on its
 * thread.
 *
 * ```ts
 * for (let step = 0; step < 1000; step++) {
 *   trainStep();
 *   if (step % 5 === 0) await kd.nextFrame(); // the page repaints and handles input
 * }
 * ```
 */

/** What {@link nextFrame} needs from its global scope (a page, a Worker, Node): both are optional. */
interface FrameScope {
  requestAnimationFrame?: (callback: () => void) => number;
  document?: { visibilityState?: string };
}

/**
 * Resolves at the next animation frame in a visible page (after the browser
 * has handled input and can paint), and after a zero-delay timeout elsewhere:
 * in Web Workers and Node, which have no frames, and in hidden tabs, where
 * frames stop (so training goes on in a background tab; browsers slow such
 * timeouts down to about one a second after a while, so train in a Worker
 * when that matters).
 */
export function nextFrame(): Promise<void> {
  const scope = globalThis as FrameScope;
  return new Promise((resolve) => {
    if (typeof scope.requestAnimationFrame === 'function' && scope.document?.visibilityState === 'visible') {
      scope.requestAnimationFrame(() => resolve());
    } else {
      setTimeout(resolve, 0);
    }
  });
}
