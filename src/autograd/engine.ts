import { AutogradError, checkKeys, fmtShape, InternalError, ShapeError } from '../errors.js';
import type { BackwardOptions } from '../tensor/methods.js';
import type { GradNode } from '../tensor/tensor.js';
import { recycle, recyclingResults } from '../tensor/recycle.js';
import { contiguousStrides, nextStorageSerial, type Storage, Tensor } from '../tensor/tensor.js';
import { onesLike } from '../tensor/creation.js';
import { noGrad } from './grad-mode.js';

/** A vertex of the backward graph: a recorded op, or a leaf tensor that requires grad. */
type Vertex = GradNode | Tensor;

/**
 * Runs backpropagation from `root`: walks the recorded graph in reverse
 * topological order, sums the gradients reaching each node, and accumulates
 * them into `.grad` of leaves that require grad (and of non-leaf tensors
 * that asked with `retainGrad()`).
 */
export function backward(root: Tensor, gradient?: Tensor, options: BackwardOptions = {}): void {
  checkKeys('backward', options, ['retainGraph']);
  if (!root.requiresGrad) {
    throw new AutogradError('element 0 of tensors does not require grad and does not have a gradFn', {
      op: 'backward',
      hint: 'call requiresGrad_() on the leaf tensors, and do not compute the loss inside noGrad()',
    });
  }
  let seed: Tensor;
  if (gradient === undefined) {
    if (root.numel !== 1) {
      throw new AutogradError(`grad can be implicitly created only for scalar outputs, but the output has shape ${fmtShape(root.shape)}`, {
        op: 'backward',
        hint: 'reduce it first (loss.sum() or loss.mean()), or pass the gradient: out.backward(kd.onesLike(out))',
      });
    }
    seed = onesLike(root);
  } else {
    if (!(gradient instanceof Tensor)) {
      throw new AutogradError(`gradient must be a Tensor, got ${typeof gradient}`, { op: 'backward' });
    }
    if (gradient.shape.length !== root.shape.length || gradient.shape.some((d, i) => d !== root.shape[i])) {
      throw new ShapeError(`gradient has shape ${fmtShape(gradient.shape)}, but the output has shape ${fmtShape(root.shape)}`, {
        op: 'backward',
      });
    }
    seed = gradient.dtype === root.dtype ? gradient.detach() : noGrad(() => gradient.to(root.dtype));
  }

  const start: Vertex = root.gradFn ?? root;
  const order = topologicalOrder(start);
  const retain = options.retainGraph ?? false;
  // Storages whose gradients must be copied, not taken, into a `.grad`: the
  // seed (the user's `gradient`, or the implicit ones) and every storage
  // already handed to a `.grad` in this pass (AddBackward passes one gradient
  // to both inputs unchanged). See `accumulate`.
  const pinned = new Set<Storage>([seed.storage]);
  if (gradient !== undefined) pinned.add(gradient.storage);
  const steal: StealState = { pinned, order, forward: null };
  const grads = new PendingGrads(nextStorageSerial(), pinned);
  grads.put(start, seed);

  noGrad(() => recyclingResults(() => {
    for (const v of order) {
      const g = grads.take(v);
      if (v instanceof Tensor) {
        if (g !== undefined) {
          accumulate(v, g, steal);
          grads.reclaim(g, NONE);
        }
        continue;
      }
      if (g === undefined) {
        if (!retain) v.release();
        continue;
      }
      if (v.retainedBy !== null) accumulate(v.retainedBy, g, steal);
      const inputGrads = v.apply(g);
      if (!retain) v.release();
      for (let i = 0; i < v.next.length; i++) {
        const target = v.next[i];
        const gi = inputGrads[i];
        if (target === null || target === undefined || gi === null || gi === undefined) continue;
        const input = v.inputs[i]!;
        if (gi.shape.length !== input.shape.length || gi.shape.some((d, k) => d !== input.shape[k])) {
          throw new InternalError(`${v.name} returned a gradient of shape ${fmtShape(gi.shape)} for an input of shape ${fmtShape(input.shape)}`);
        }
        const prev = grads.take(target);
        grads.put(target, prev === undefined ? gi : prev.add(gi));
        if (prev !== undefined) grads.reclaim(prev, inputGrads);
      }
      grads.reclaim(g, inputGrads);
    }
  }));
}

const NONE: readonly (Tensor | null)[] = [];

/**
 * The gradients waiting in a pass for their vertex, and how many live in
 * each storage, so that a gradient's memory goes back to the recycler
 * (tensor/recycle.ts) once its last reader is done: PyTorch frees it when
 * its last reference drops; here the engine is that last reference for the
 * gradients it makes. A storage is reclaimed
 * only when it was made during this pass (so no forward tensor, saved
 * tensor or user tensor lives in it: the graph was recorded before the pass,
 * and nothing records during it), no pending gradient and no gradient just
 * returned lives in it (AddBackward passes one gradient to two inputs;
 * view backwards return views), and it was not given to a `.grad` (pinned).
 * NOTE: this relies on backward closures being kindling's own, which never
 * keep the gradient they read; tensor hooks or user-defined autograd
 * functions (none exist yet) could, and would have to opt out of this.
 */
class PendingGrads {
  private readonly waiting = new Map<Vertex, Tensor>();
  private readonly count = new Map<Storage, number>();
  /** Storages already recycled (one gradient can be reached twice: as a node's input and as the sum it was part of). */
  private readonly recycled = new Set<Storage>();

  constructor(
    private readonly firstSerial: number,
    private readonly pinned: ReadonlySet<Storage>,
  ) {}

  /** Removes and returns the gradient waiting for `v`. */
  take(v: Vertex): Tensor | undefined {
    const g = this.waiting.get(v);
    if (g === undefined) return undefined;
    this.waiting.delete(v);
    const n = this.count.get(g.storage)! - 1;
    if (n === 0) this.count.delete(g.storage);
    else this.count.set(g.storage, n);
    return g;
  }

  put(v: Vertex, g: Tensor): void {
    this.waiting.set(v, g);
    this.count.set(g.storage, (this.count.get(g.storage) ?? 0) + 1);
  }

  /** Recycles `g`'s memory if nothing can read it again; `returned`: the gradients the node that read `g` returned. */
  reclaim(g: Tensor, returned: readonly (Tensor | null)[]): void {
    const s = g.storage;
    if (s.serial < this.firstSerial || this.pinned.has(s) || this.count.has(s) || this.recycled.has(s)) return;
    for (const r of returned) if (r !== null && r.storage === s) return;
    this.recycled.add(s);
    recycle(s.data);
  }
}

interface StealState {
  /** Storages that must not become (part of) a `.grad`. */
  readonly pinned: Set<Storage>;
  /** The pass's vertices, to check saved tensors against. */
  readonly order: readonly Vertex[];
  /** Storages of the graph's forward tensors (leaves and node inputs), built on first use. */
  forward: Set<Storage> | null;
}

/**
 * Adds `g` into `t.grad`. When `t.grad` is null, takes `g`'s storage instead
 * of copying it (PyTorch steals the incoming gradient the same way) when that
 * cannot alias anything: `g` is contiguous and owns its whole storage, and that
 * storage is not pinned (the seed, the user's `gradient`, a storage already
 * given to another `.grad`), not a forward tensor of the graph (an input of a
 * node, or a tensor a node saved), and not a tensor that requires grad.
 * Backward closures return fresh tensors or pass their gradient through, so
 * these checks cover every way a gradient can share memory.
 */
function accumulate(t: Tensor, g: Tensor, steal: StealState): void {
  const gt = g.dtype === t.dtype ? g : g.to(t.dtype);
  if (t.grad !== null) {
    t.grad.add_(gt);
    return;
  }
  if (canSteal(gt, steal)) {
    steal.pinned.add(gt.storage);
    // NOTE: a fresh Tensor over the taken storage: the grad is a leaf with no
    // base, whatever view of the storage the closure returned.
    t.grad = new Tensor(gt.storage, [...t.shape], contiguousStrides(t.shape), 0, t.dtype);
  } else {
    t.grad = gt.clone();
  }
}

function canSteal(g: Tensor, steal: StealState): boolean {
  const storage = g.storage;
  if (g.offset !== 0 || storage.data.length !== g.numel || !g.isContiguous()) return false;
  if (g.requiresGrad || steal.pinned.has(storage)) return false;
  if (steal.forward === null) {
    steal.forward = new Set();
    for (const v of steal.order) {
      if (v instanceof Tensor) steal.forward.add(v.storage);
      else for (const input of v.inputs) if (input !== null) steal.forward.add(input.storage);
    }
  }
  if (steal.forward.has(storage)) return false;
  for (const v of steal.order) {
    if (v instanceof Tensor) continue;
    const saves = (v as Partial<Pick<SavesStorage, 'savesStorage'>>).savesStorage;
    if (saves !== undefined && saves.call(v, storage)) return false;
  }
  return true;
}

/** Nodes made by `record` (autograd/node.ts) can say whether they saved a tensor over a storage. */
interface SavesStorage {
  savesStorage(storage: Storage): boolean;
}

/** Vertices reachable from `start`, each before the vertices it sends gradients to. */
function topologicalOrder(start: Vertex): Vertex[] {
  const post: Vertex[] = [];
  const visited = new Set<Vertex>([start]);
  // Iterative DFS: deep graphs (long RNN-style chains) must not overflow the stack.
  const stack: [Vertex, number][] = [[start, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [v, i] = top;
    const next = v instanceof Tensor ? [] : v.next;
    if (i < next.length) {
      top[1] = i + 1;
      const child = next[i];
      if (child && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      post.push(v);
      stack.pop();
    }
  }
  return post.reverse();
}
