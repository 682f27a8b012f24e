import { arrayOver, bytesPerElement } from '../backend/arrays.js';
import type { DType, DTypeArrays, TypedArray } from './dtype.js';

/**
 * Memory kindling knows to be dead, kept for the next op result of the same
 * byte length: what PyTorch's caching allocator does with the block of a
 * tensor whose last reference went away.
 *
 * JavaScript frees an ArrayBuffer only when the collector runs, and V8 starts
 * a collection for about every 32 MB of new ArrayBuffer memory. A training
 * step of a small CNN (batch 64) made 29 MB of op results and scratch arrays,
 * so every step paid a scavenge and every other step a full mark-compact
 * whose concurrent marking ran on the core the thread pool's worker needed.
 * Arrays whose last use kindling can see — scratch arrays of an op, and the
 * gradients the autograd engine passes from one node to the next — come back
 * here and are handed out again instead of allocating: scratch arrays to any
 * op, op results only during a backward pass ({@link recyclingResults}).
 * Forward results get fresh memory because the user may keep them for any
 * time; they usually die young, which the collector's young generation frees
 * cheaply, whereas a recycled (old) buffer that a forward result kept would
 * need a full mark-compact to free. Measured on that CNN step, two threads,
 * under tsx's loader (which made V8 collect often, docs/PERFORMANCE.md):
 * recycling into backward only, 67 mark-compacts in 250 steps; into forward
 * results too, 80; no recycling, 113.
 *
 * Only whole ArrayBuffers are kept (an array that is a window into a larger
 * buffer is left to the collector), at least {@link MIN_BYTES} each, and at
 * most {@link CAP_BYTES} in all: past that the oldest lengths are dropped.
 */
const MIN_BYTES = 4096;
const CAP_BYTES = 64 * 1024 * 1024;

/** Free buffers by byte length; the Map's order is the order lengths were first kept (oldest first). */
const free = new Map<number, ArrayBuffer[]>();
let held = 0;
let reused = 0;
let poison = false;

/**
 * Takes `data` back for reuse. The caller guarantees that nothing reads or
 * writes `data`, or any other view of its buffer, again.
 */
export function recycle(data: TypedArray): void {
  const buf = data.buffer;
  const bytes = buf.byteLength;
  if (bytes < MIN_BYTES || bytes > CAP_BYTES || data.byteOffset !== 0 || data.byteLength !== bytes || !(buf instanceof ArrayBuffer)) return;
  // Kept already: handing it out twice would give two tensors one memory.
  if (free.get(bytes)?.includes(buf) === true) return;
  while (held + bytes > CAP_BYTES) {
    const [oldest, list] = free.entries().next().value as [number, ArrayBuffer[]];
    held -= oldest * list.length;
    free.delete(oldest);
  }
  if (poison) new Float32Array(buf, 0, bytes >> 2).fill(NaN);
  const list = free.get(bytes);
  if (list === undefined) free.set(bytes, [buf]);
  else list.push(buf);
  held += bytes;
}

/** A recycled array of `size` elements of `dtype` (contents unspecified), or undefined when none is kept. */
export function reuse<D extends DType>(dtype: D, size: number): DTypeArrays[D] | undefined {
  const bytes = size * bytesPerElement(dtype);
  if (bytes < MIN_BYTES) return undefined;
  const list = free.get(bytes);
  const buf = list?.pop();
  if (buf === undefined) return undefined;
  held -= bytes;
  reused++;
  return arrayOver(dtype, buf, size);
}

let inBackward = 0;

/** Runs `fn` (a backward pass) with op results drawn from the recycled buffers. */
export function recyclingResults<T>(fn: () => T): T {
  inBackward++;
  try {
    return fn();
  } finally {
    inBackward--;
  }
}

/** {@link reuse} for an op's result: only during a backward pass (see the top of this file). */
export function reuseResult<D extends DType>(dtype: D, size: number): DTypeArrays[D] | undefined {
  return inBackward > 0 ? reuse(dtype, size) : undefined;
}

/** What the recycler holds and has handed out (for tests and profiling). */
export function recycleStats(): { heldBytes: number; reused: number } {
  return { heldBytes: held, reused };
}

/**
 * Makes every hand-back fill the buffer with NaN (the test suite turns it on):
 * a tensor that still read memory after it was recycled would show NaN.
 */
export function setRecyclePoison(on: boolean): void {
  poison = on;
}

/** Drops every kept buffer (the collector frees them). */
export function emptyRecycled(): void {
  free.clear();
  held = 0;
}
