let enabled = true;

/** Whether ops record the autograd graph right now. */
export function isGradEnabled(): boolean {
  return enabled;
}

function withGradMode<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Runs `fn` without recording the autograd graph (PyTorch's
 * `with torch.no_grad():`). Results of ops inside do not require grad, and
 * in-place updates of parameters are allowed.
 *
 * ```ts
 * kd.noGrad(() => w.sub_(w.grad!.mul(0.1)));
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with graph recording on, also inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** Turns graph recording on or off until changed again (PyTorch's `torch.set_grad_enabled`). */
export function setGradEnabled(mode: boolean): void {
  enabled = mode;
}
