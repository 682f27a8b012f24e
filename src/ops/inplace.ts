/**
 * The machinery behind every in-place op (`add_`, `mul_`, `zero_`, `copy_` …):
 * compute the out-of-place result with autograd recorded against the tensor's
 * history so far, check it fits, then write it into the tensor's memory and
 * bump the storage's version counter, so that any backward that saved the
 * old values refuses to run instead of computing a wrong gradient.
 */
import { backend } from '../backend/index.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { Node } from '../autograd/node.js';
import { AutogradError, DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { alloc } from '../tensor/creation.js';
import { isFloating } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { castRaw, copyRaw, view } from './core.js';
import { to } from './shape.js';

/** A tensor object standing for `t`'s current value and history: sharing its memory, or (`snapshot`) a copy of its values. */
function standIn(t: Tensor, snapshot: boolean): Tensor {
  const s = snapshot ? copyRaw(t) : new Tensor(t.storage, t.shape, t.strides, t.offset, t.dtype);
  s.gradFn = t.gradFn;
  return s;
}

/**
 * Runs the in-place op `op` on `t`. `compute(self)` returns the new value
 * (recorded against `self`, which stands for `t` before the op).
 * `cutName` names the node recorded when the new value does not depend on
 * any tensor that requires grad (`zero_` → `ZeroBackward0`): `t`'s old
 * history then receives a zero gradient, as in PyTorch.
 *
 * `direct()`, when given, is the fast path: called only when nothing is to be
 * recorded for `t` and `t` is contiguous (so no two of its elements share
 * memory), it runs the kernel with `t`'s own memory as the output and returns
 * true, or returns false (an operand that needs recording, a dtype change, a
 * broadcast that grows `t`, an operand reading other elements of `t`'s
 * memory) and the general path runs.
 */
export function applyInPlace(
  t: Tensor, op: string, compute: (self: Tensor) => Tensor, cutName = `${op}Backward0`, direct?: () => boolean,
): Tensor {
  if (hasInternalOverlap(t)) {
    throw new ValueError(
      `unsupported operation: more than one element of the written-to tensor (shape ${fmtShape(t.shape)}, strides ${fmtShape(t.strides)}) refers to a single memory location`,
      { op, hint: 'clone() the tensor before performing the operation' },
    );
  }
  const recording = isGradEnabled();
  const root = t.base;
  if (recording && t.isLeaf && t.requiresGrad) {
    throw new AutogradError('a leaf tensor that requires grad is being used in an in-place operation', {
      op,
      hint: 'wrap the update in kd.noGrad(() => …), or use the out-of-place op',
    });
  }
  if (recording && root !== null && root.isLeaf && root.requiresGrad) {
    throw new AutogradError('a view of a leaf tensor that requires grad is being used in an in-place operation', {
      op,
      hint: 'wrap the update in kd.noGrad(() => …), or clone() the tensor first',
    });
  }
  const tracked = recording && t.requiresGrad;
  if (!tracked && direct !== undefined && t.isContiguous() && direct()) {
    t.storage.version++;
    return t;
  }
  // Autograd must see the history *before* this op as the op's input; the
  // tensor object itself is about to get a new gradFn, so use a stand-in.
  let self = tracked ? standIn(t, false) : t;
  let r = compute(self);
  if (tracked && r.gradFn instanceof Node && r.gradFn.savesStorage(t.storage)) {
    // The backward reads the old values (clamp_, relu_ on a saved input …): keep a copy of them.
    self = standIn(t, true);
    r = compute(self);
  }
  if (r.shape.length !== t.shape.length || r.shape.some((d, i) => d !== t.shape[i])) {
    throw new ShapeError(`output with shape ${fmtShape(t.shape)} doesn't match the broadcast shape ${fmtShape(r.shape)}`, { op });
  }
  if (r.dtype !== t.dtype && isFloating(r.dtype) && !isFloating(t.dtype)) {
    throw new DTypeError(`result type ${r.dtype} can't be cast to the desired output type ${t.dtype}`, {
      op,
      hint: 'use the out-of-place op, or convert the tensor first',
    });
  }
  if (r.dtype !== t.dtype && (t.dtype === 'bool') !== (r.dtype === 'bool')) {
    throw new DTypeError(`result type ${r.dtype} can't be cast to the desired output type ${t.dtype}`, { op });
  }
  if (r.dtype !== t.dtype) r = to(r, t.dtype);
  if (tracked && !r.requiresGrad) {
    // NOTE: the new value does not depend on the old one: the old history gets a zero gradient.
    const old = self;
    r = recordCut(r, cutName, old);
  }
  const viewUpdate = recording && r.requiresGrad && root !== null;
  if (viewUpdate && !root.isContiguous()) {
    throw new AutogradError('an in-place operation on a view of a non-contiguous tensor is not differentiable in kindling', {
      op,
      hint: 'use the out-of-place op, or call contiguous() on the base tensor first',
    });
  }
  backend().copy(view(t), view(r), t.shape);
  t.storage.version++;
  if (recording && r.requiresGrad) {
    if (t.retainsGrad && t.gradFn !== null) t.gradFn.retainedBy = null;
    t.gradFn = r.gradFn;
    if (t.retainsGrad) t.gradFn!.retainedBy = t;
    if (viewUpdate) recordCopySlices(root, t, r);
  }
  return t;
}

/**
 * True when two elements of `t` share memory (an `expand`ed view): writing
 * into it would make the result depend on the order of the writes. Exact:
 * dimensions sorted by stride must each step past everything the smaller
 * ones span (a layout that fails that without a zero stride needs hand-made
 * strides, which kindling's views do not produce, and is refused too).
 */
export function hasInternalOverlap(t: Tensor): boolean {
  const dims: [number, number][] = [];
  for (let d = 0; d < t.shape.length; d++) {
    const size = t.shape[d]!;
    if (size === 0) return false;
    if (size > 1) dims.push([Math.abs(t.strides[d]!), size]);
  }
  dims.sort((a, b) => a[0] - b[0]);
  let span = 0;
  for (const [stride, size] of dims) {
    if (stride <= span) return true;
    span += stride * (size - 1);
  }
  return false;
}

function recordCut(r: Tensor, name: string, old: Tensor): Tensor {
  const shape = old.shape;
  const dtype = old.dtype;
  r.gradFn = new Node(name, [old], () => [alloc(shape, dtype)], []);
  return r;
}

/**
 * After an in-place op wrote `r` into the view `t` of `root`, `root`'s
 * value is its old value with `t`'s region replaced: record that as
 * `CopySlices` (PyTorch's name), whose backward sends the region of the
 * gradient to `r` and the rest to `root`'s old history.
 */
function recordCopySlices(root: Tensor, t: Tensor, r: Tensor): void {
  const oldRoot = new Tensor(root.storage, root.shape, root.strides, root.offset, root.dtype);
  oldRoot.gradFn = root.gradFn;
  const region = (g: Tensor): Tensor => new Tensor(g.storage, [...t.shape], [...t.strides], g.offset + t.offset - root.offset, g.dtype);
  root.gradFn = new Node(
    'CopySlices',
    [oldRoot.requiresGrad ? oldRoot : null, r],
    (g) => {
      const gc = copyRaw(g);
      const gr = copyRaw(region(gc));
      backend().copy(view(region(gc)), view(alloc(t.shape, g.dtype)), t.shape);
      return [oldRoot.requiresGrad ? gc : null, gr.dtype === r.dtype ? gr : castRaw(gr, r.dtype)];
    },
    [],
  );
}
