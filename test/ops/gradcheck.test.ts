/**
 * gradcheck (float64 finite differences) for every differentiable op of the
 * elementwise, reduce, shape, indexing and matmul families, including broadcast and
 * non-contiguous (transposed, strided, offset) inputs. One row per case.
 */
import { describe, expect, it } from 'vitest';
import { kd } from '../helpers.js';

type Tensor = kd.Tensor;

let seed = 100;
/** A float64 leaf that requires grad (values from a fixed seed, per row). */
function leaf(shape: number[], kind: 'randn' | 'pos' | 'away' = 'randn'): Tensor {
  const g = new kd.Generator(seed++);
  let t = kd.randn(shape, { dtype: 'float64', generator: g });
  if (kind === 'pos') t = kd.rand(shape, { dtype: 'float64', generator: g }).mul(2).add(0.3);
  if (kind === 'away') t = t.sign().mul(kd.rand(shape, { dtype: 'float64', generator: g }).add(0.5));
  return t.detach().requiresGrad_();
}
const fixed = (values: number[][] | number[]): Tensor => kd.tensor(values, { dtype: 'float64', requiresGrad: true });
const i32 = (values: number[] | number[][] | number[][][]): Tensor => kd.tensor(values, { dtype: 'int32' });
const mask = (values: boolean[] | boolean[][]): Tensor => kd.tensor(values);
/** Non-contiguous views used inside the checked functions. */
const T = (t: Tensor): Tensor => t.transpose(-1, -2);
const step2 = (t: Tensor): Tensor => t.slice(...t.shape.slice(0, -1).map(() => null), [null, null, 2]);

interface Row {
  name: string;
  fn: (...xs: Tensor[]) => Tensor;
  inputs: () => Tensor[];
}

const rows: Row[] = [
  // arithmetic, with broadcasting and views
  { name: 'add broadcast', fn: (a, b) => a.add(b), inputs: () => [leaf([2, 3]), leaf([3])] },
  { name: 'add alpha transposed', fn: (a, b) => T(a).add(b, { alpha: -2 }), inputs: () => [leaf([3, 2]), leaf([2, 1])] },
  { name: 'sub broadcast both', fn: (a, b) => a.sub(b), inputs: () => [leaf([2, 1]), leaf([1, 3])] },
  { name: 'sub number', fn: (a) => a.sub(0.5, { alpha: 3 }), inputs: () => [leaf([2, 2])] },
  { name: 'mul strided', fn: (a, b) => step2(a).mul(b), inputs: () => [leaf([2, 6]), leaf([2, 3])] },
  { name: 'mul same tensor', fn: (a) => a.mul(a), inputs: () => [leaf([3])] },
  { name: 'div broadcast', fn: (a, b) => a.div(b), inputs: () => [leaf([2, 3]), leaf([2, 1], 'away')] },
  { name: 'div by number', fn: (a) => a.div(-4), inputs: () => [leaf([3])] },
  { name: 'pow tensor exponent', fn: (a, b) => a.pow(b), inputs: () => [leaf([2, 3], 'pos'), leaf([3])] },
  { name: 'pow number', fn: (a) => a.pow(3), inputs: () => [leaf([2, 3])] },
  { name: 'pow fractional', fn: (a) => a.pow(-1.5), inputs: () => [leaf([4], 'pos')] },
  { name: 'maximum broadcast', fn: (a, b) => a.maximum(b), inputs: () => [leaf([2, 3]), leaf([3])] },
  { name: 'minimum transposed', fn: (a, b) => T(a).minimum(b), inputs: () => [leaf([3, 2]), leaf([2, 3])] },
  // unary
  { name: 'neg', fn: (a) => a.neg(), inputs: () => [leaf([2, 3])] },
  { name: 'exp transposed', fn: (a) => T(a).exp(), inputs: () => [leaf([3, 2])] },
  { name: 'log', fn: (a) => a.log(), inputs: () => [leaf([2, 3], 'pos')] },
  { name: 'sqrt strided', fn: (a) => step2(a).sqrt(), inputs: () => [leaf([2, 4], 'pos')] },
  { name: 'rsqrt', fn: (a) => a.rsqrt(), inputs: () => [leaf([5], 'pos')] },
  { name: 'abs', fn: (a) => a.abs(), inputs: () => [leaf([2, 3], 'away')] },
  { name: 'sign (zero gradient)', fn: (a) => a.sign().mul(a), inputs: () => [leaf([2, 3], 'away')] },
  { name: 'reciprocal', fn: (a) => a.reciprocal(), inputs: () => [leaf([2, 3], 'away')] },
  { name: 'square', fn: (a) => a.square(), inputs: () => [leaf([2, 3])] },
  { name: 'sin', fn: (a) => a.sin(), inputs: () => [leaf([2, 3])] },
  { name: 'cos transposed', fn: (a) => T(a).cos(), inputs: () => [leaf([3, 2])] },
  { name: 'clamp both bounds', fn: (a) => a.clamp(-0.5, 0.5), inputs: () => [fixed([-1.3, -0.2, 0.1, 0.9, 2])] },
  { name: 'clamp min only', fn: (a) => a.clamp(0.2), inputs: () => [fixed([-1.3, -0.2, 0.5, 0.9])] },
  { name: 'relu', fn: (a) => a.relu(), inputs: () => [fixed([[-1.5, 0.3], [2, -0.1]])] },
  { name: 'leakyRelu', fn: (a) => a.leakyRelu(0.1), inputs: () => [fixed([-1.5, 0.3, 2, -0.1])] },
  { name: 'gelu', fn: (a) => a.gelu(), inputs: () => [fixed([-3, -0.7, 0, 0.4, 2.5])] },
  { name: 'gelu tanh', fn: (a) => a.gelu('tanh'), inputs: () => [fixed([-3, -0.7, 0, 0.4, 2.5])] },
  { name: 'silu', fn: (a) => a.silu(), inputs: () => [leaf([2, 3])] },
  { name: 'sigmoid strided', fn: (a) => step2(a).sigmoid(), inputs: () => [leaf([3, 4])] },
  { name: 'tanh', fn: (a) => a.tanh(), inputs: () => [leaf([2, 3])] },
  { name: 'softplus', fn: (a) => a.softplus(), inputs: () => [leaf([2, 3])] },
  { name: 'softplus beta threshold', fn: (a) => a.softplus(2, 3), inputs: () => [fixed([-2, 0.5, 1, 2.5])] },
  // selection
  { name: 'where broadcast', fn: (a, b) => kd.where(mask([true, false, true]), a, b), inputs: () => [leaf([2, 3]), leaf([2, 1])] },
  { name: 'where with a number', fn: (a) => kd.where(mask([[true, false], [false, true]]), T(a), 0.5), inputs: () => [leaf([2, 2])] },
  { name: 'maskedFill broadcast mask', fn: (a) => a.maskedFill(mask([false, true, false]), 2), inputs: () => [leaf([2, 3])] },
  // reductions
  { name: 'sum all', fn: (a) => a.sum(), inputs: () => [leaf([2, 3])] },
  { name: 'sum dims keepdim transposed', fn: (a) => T(a).sum([0, 2], { keepdim: true }), inputs: () => [leaf([2, 3, 2])] },
  { name: 'mean dim', fn: (a) => a.mean(1), inputs: () => [leaf([2, 3])] },
  { name: 'mean strided', fn: (a) => step2(a).mean(), inputs: () => [leaf([2, 6])] },
  { name: 'prod dim', fn: (a) => a.prod(1), inputs: () => [leaf([2, 3])] },
  { name: 'prod all', fn: (a) => a.prod(), inputs: () => [leaf([2, 2])] },
  { name: 'prod with one zero', fn: (a) => a.prod(1), inputs: () => [fixed([[1.5, 0, -2], [0.5, 2, 3]])] },
  { name: 'max all', fn: (a) => a.max(), inputs: () => [leaf([2, 3])] },
  { name: 'max dim values', fn: (a) => a.max(1).values, inputs: () => [leaf([2, 3])] },
  { name: 'min dim keepdim transposed', fn: (a) => T(a).min(0, { keepdim: true }).values, inputs: () => [leaf([3, 2])] },
  { name: 'amax dims', fn: (a) => a.amax([0, 2]), inputs: () => [leaf([2, 2, 3])] },
  { name: 'amin', fn: (a) => a.amin(1), inputs: () => [leaf([2, 3])] },
  { name: 'var dim', fn: (a) => a.var(1), inputs: () => [leaf([2, 4])] },
  { name: 'var all correction 0', fn: (a) => a.var(null, { correction: 0 }), inputs: () => [leaf([2, 3])] },
  { name: 'std dims keepdim', fn: (a) => T(a).std([0, 1], { keepdim: true }), inputs: () => [leaf([3, 2, 2])] },
  { name: 'std all', fn: (a) => a.std(), inputs: () => [leaf([5])] },
  { name: 'norm fro', fn: (a) => a.norm(), inputs: () => [leaf([2, 3])] },
  { name: 'norm 1 dim', fn: (a) => a.norm(1, 1), inputs: () => [leaf([2, 3], 'away')] },
  { name: 'norm 3 dim keepdim', fn: (a) => a.norm(3, 0, { keepdim: true }), inputs: () => [leaf([3, 2])] },
  { name: 'norm 0.5', fn: (a) => a.norm(0.5), inputs: () => [leaf([4], 'away')] },
  { name: 'norm inf', fn: (a) => a.norm(Infinity, 1), inputs: () => [leaf([2, 3])] },
  { name: 'norm -inf', fn: (a) => a.norm(-Infinity), inputs: () => [leaf([5])] },
  // shape
  { name: 'view', fn: (a) => a.view(3, 2), inputs: () => [leaf([2, 3])] },
  { name: 'reshape of transposed', fn: (a) => T(a).reshape(-1), inputs: () => [leaf([2, 3])] },
  { name: 'flatten and unflatten', fn: (a) => a.flatten().unflatten(0, [3, 2]), inputs: () => [leaf([2, 3])] },
  { name: 'permute', fn: (a) => a.permute(2, 0, 1), inputs: () => [leaf([2, 1, 3])] },
  { name: 't', fn: (a) => a.t(), inputs: () => [leaf([2, 3])] },
  { name: 'expand', fn: (a) => a.expand(2, 3, 2), inputs: () => [leaf([3, 1])] },
  { name: 'squeeze unsqueeze', fn: (a) => a.squeeze().unsqueeze(0), inputs: () => [leaf([1, 3, 1])] },
  { name: 'narrow', fn: (a) => a.narrow(1, 1, 2), inputs: () => [leaf([2, 4])] },
  { name: 'select', fn: (a) => a.select(0, -1), inputs: () => [leaf([3, 2])] },
  { name: 'slice with step', fn: (a) => a.slice([0, 3, 2], [1, null]), inputs: () => [leaf([3, 3])] },
  { name: 'split piece', fn: (a) => a.split([1, 2], 1)[1]!, inputs: () => [leaf([2, 3])] },
  { name: 'chunk pieces combined', fn: (a) => { const [p, q] = a.chunk(2); return p!.mul(q!); }, inputs: () => [leaf([4, 2])] },
  { name: 'repeat', fn: (a) => a.repeat(2, 1, 2), inputs: () => [leaf([2, 3])] },
  { name: 'cat mixed layouts', fn: (a, b) => kd.cat([T(a), b], 0), inputs: () => [leaf([3, 2]), leaf([1, 3])] },
  { name: 'cat dim 1 with a product of the input', fn: (a) => kd.cat([a, a.mul(2)], 1), inputs: () => [leaf([2, 2])] },
  { name: 'cat of the same tensor twice', fn: (a, b) => kd.cat([a, b, a], 0), inputs: () => [leaf([2, 2]), leaf([1, 2])] },
  { name: 'stack of the same tensor twice', fn: (a) => kd.stack([a, T(a)], 0), inputs: () => [leaf([2, 2])] },
  { name: 'stack dim 1', fn: (a, b) => kd.stack([a, step2(b)], 1), inputs: () => [leaf([2, 2]), leaf([2, 4])] },
  { name: 'contiguous and clone', fn: (a) => T(a).contiguous().clone(), inputs: () => [leaf([2, 3])] },
  // indexing
  { name: 'indexSelect repeated', fn: (a) => a.indexSelect(0, i32([2, 0, 2])), inputs: () => [leaf([3, 2])] },
  { name: 'indexSelect transposed', fn: (a) => T(a).indexSelect(1, i32([1])), inputs: () => [leaf([2, 3])] },
  { name: 'gather', fn: (a) => a.gather(1, i32([[0, 0], [2, 1]])), inputs: () => [leaf([2, 3])] },
  { name: 'gather strided', fn: (a) => step2(a).gather(0, i32([[1, 0, 1]])), inputs: () => [leaf([2, 6])] },
  { name: 'scatterAdd', fn: (a, b) => a.scatterAdd(0, i32([[1, 1, 0]]), b), inputs: () => [leaf([2, 3]), leaf([1, 3])] },
  { name: 'scatterAdd index smaller than src', fn: (a, b) => a.scatterAdd(1, i32([[2], [0]]), b), inputs: () => [leaf([2, 3]), leaf([2, 2])] },
  { name: 'embedding', fn: (w) => kd.embedding(i32([[1, 3], [1, 0]]), w), inputs: () => [leaf([4, 2])] },
  // matrix products: every rank rule of matmul, broadcast batches, views as operands
  { name: 'matmul 1-D . 1-D', fn: (a, b) => a.matmul(b), inputs: () => [leaf([4]), leaf([4])] },
  { name: 'matmul 1-D . 2-D', fn: (a, b) => a.matmul(b), inputs: () => [leaf([3]), leaf([3, 2])] },
  { name: 'matmul 2-D . 1-D', fn: (a, b) => a.matmul(b), inputs: () => [leaf([2, 3]), leaf([3])] },
  { name: 'matmul 2-D . 2-D transposed operands', fn: (a, b) => T(a).matmul(T(b)), inputs: () => [leaf([3, 5]), leaf([2, 3])] },
  { name: 'matmul strided lhs', fn: (a, b) => step2(a).matmul(b), inputs: () => [leaf([2, 6]), leaf([3, 2])] },
  { name: 'matmul batched', fn: (a, b) => a.matmul(b), inputs: () => [leaf([2, 2, 3]), leaf([2, 3, 2])] },
  { name: 'matmul batched . 2-D broadcast', fn: (a, b) => a.matmul(b), inputs: () => [leaf([3, 2, 3]), leaf([3, 2])] },
  { name: 'matmul batch dims broadcast both ways', fn: (a, b) => a.matmul(b), inputs: () => [leaf([2, 1, 2, 3]), leaf([3, 3, 2])] },
  { name: 'matmul 1-D . 3-D', fn: (a, b) => a.matmul(b), inputs: () => [leaf([3]), leaf([2, 3, 2])] },
  { name: 'matmul 3-D . 1-D transposed', fn: (a, b) => T(a).matmul(b), inputs: () => [leaf([2, 3, 2]), leaf([3])] },
  { name: 'mm', fn: (a, b) => kd.mm(a, b), inputs: () => [leaf([2, 3]), leaf([3, 4])] },
  { name: 'bmm transposed rhs', fn: (a, b) => a.bmm(T(b)), inputs: () => [leaf([2, 2, 3]), leaf([2, 4, 3])] },
  { name: 'linear with bias', fn: (x, w, b) => kd.linear(x, w, b), inputs: () => [leaf([4, 3]), leaf([2, 3]), leaf([2])] },
  { name: 'linear 3-D input without bias', fn: (x, w) => kd.linear(x, w), inputs: () => [leaf([2, 2, 3]), leaf([4, 3])] },
  { name: 'linear 1-D input, transposed weight', fn: (x, w, b) => kd.linear(x, T(w), b), inputs: () => [leaf([3]), leaf([3, 2]), leaf([2])] },
  // in place on non-leaf tensors and views
  { name: 'mul_ on a non-leaf', fn: (a, b) => a.mul(1).mul_(b), inputs: () => [leaf([2, 3]), leaf([3])] },
  { name: 'clamp_ and relu_ on a non-leaf', fn: (a) => a.mul(2).clamp_(-1, 1).relu_(), inputs: () => [fixed([-0.8, -0.2, 0.1, 0.4, 0.7])] },
  { name: 'in place on a view', fn: (a, b) => { const y = a.mul(1); y.narrow(1, 0, 2).mul_(b); return y; }, inputs: () => [leaf([2, 3]), leaf([2, 2])] },
  { name: 'copy_ into a view', fn: (a, b) => { const y = a.mul(3); y.select(0, 1).copy_(b); return y.exp(); }, inputs: () => [leaf([2, 3]), leaf([3])] },
  { name: 'add_ sub_ div_ with alpha and broadcasting', fn: (a, b) => a.mul(1).add_(b, { alpha: 2 }).sub_(T(a)).div_(b.add(3)), inputs: () => [leaf([2, 2]), leaf([2])] },
  { name: 'fill_ and maskedFill_ on views of a non-leaf', fn: (a) => { const y = a.mul(2); y.select(1, 0).fill_(0.5); y.narrow(0, 1, 1).maskedFill_(mask([true, false, true]), -1); return y.sin(); }, inputs: () => [leaf([2, 3])] },
  { name: 'expandAs and T', fn: (a, b) => a.expandAs(b).mul(b.T.T), inputs: () => [leaf([3, 1]), leaf([3, 2])] },
  { name: 'zero_ cuts the history', fn: (a) => { const y = a.mul(2); const z = y.exp(); y.zero_(); return z.add(y); }, inputs: () => [leaf([3])] },
];

describe('gradcheck (float64)', () => {
  for (const row of rows) {
    it(row.name, () => {
      expect(kd.gradcheck(row.fn, row.inputs())).toBe(true);
    });
  }

  it('perturbs non-contiguous leaf inputs through their storage', () => {
    // Leaves that are themselves transposed / strided views of a larger buffer.
    const g = new kd.Generator(7);
    const a = kd.randn([3, 2], { dtype: 'float64', generator: g }).t().requiresGrad_();
    const b = kd.randn([2, 6], { dtype: 'float64', generator: g }).slice(null, [0, 6, 2]).requiresGrad_();
    expect(a.isContiguous()).toBe(false);
    expect(b.isContiguous()).toBe(false);
    expect(kd.gradcheck((p, q) => p.mul(q).exp(), [a, b])).toBe(true);
  });
});
