/**
 * Bad input to the tensor ops: every row names the call, the error class and
 * a message pattern that must name the op and the offending values.
 */
import { describe, expect, it } from 'vitest';
import { kd } from '../helpers.js';

const i32 = (values: number[] | number[][]): kd.Tensor => kd.tensor(values, { dtype: 'int32' });
const f = (shape: number[]): kd.Tensor => kd.ones(shape);
const grad = (shape: number[]): kd.Tensor => kd.ones(shape, { requiresGrad: true });

interface Row {
  name: string;
  call: () => unknown;
  error: typeof kd.KindlingError;
  match: RegExp;
}

const shapeRows: Row[] = [
  { name: 'shapes that do not broadcast', call: () => f([2, 3]).add(f([4])), error: kd.ShapeError, match: /add: shapes \[2, 3\] and \[4\] cannot be broadcast together \(dimension 1: 3 vs 4/ },
  ...(
    [
      ['sub', (a: kd.Tensor, b: kd.Tensor) => a.sub(b)],
      ['mul', (a: kd.Tensor, b: kd.Tensor) => a.mul(b)],
      ['div', (a: kd.Tensor, b: kd.Tensor) => a.div(b)],
      ['pow', (a: kd.Tensor, b: kd.Tensor) => a.pow(b)],
      ['maximum', (a: kd.Tensor, b: kd.Tensor) => a.maximum(b)],
      ['minimum', (a: kd.Tensor, b: kd.Tensor) => a.minimum(b)],
      ['lt', (a: kd.Tensor, b: kd.Tensor) => a.lt(b)],
      ['eq', (a: kd.Tensor, b: kd.Tensor) => a.eq(b)],
      ['logicalAnd', (a: kd.Tensor, b: kd.Tensor) => a.logicalAnd(b)],
      ['logicalXor', (a: kd.Tensor, b: kd.Tensor) => a.logicalXor(b)],
    ] as const
  ).map(([op, call]): Row => ({
    name: `${op} of shapes that do not broadcast`,
    call: () => call(f([2, 3]), f([2])),
    error: kd.ShapeError,
    match: new RegExp(`^${op}: shapes \\[2, 3\\] and \\[2\\] cannot be broadcast together \\(dimension 1: 3 vs 2`),
  })),
  { name: 'where operands that do not broadcast', call: () => kd.where(f([3]).gt(0), f([2]), 0), error: kd.ShapeError, match: /where: shapes \[3\] and \[2\] cannot be broadcast/ },
  { name: 'maskedFill mask larger than the tensor', call: () => f([2, 3]).maskedFill(f([2, 1, 3]).gt(0), 1), error: kd.ShapeError, match: /maskedFill: mask of shape \[2, 1, 3\] must broadcast to the tensor's shape \[2, 3\]/ },
  { name: 'in-place result of a larger shape', call: () => f([3]).add_(f([2, 3])), error: kd.ShapeError, match: /add_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]/ },
  { name: 'view across non-contiguous strides', call: () => f([2, 3]).t().view(6), error: kd.ShapeError, match: /view: view size \[6\] is not compatible with input tensor's size \[3, 2\] and stride \[1, 3\].*use reshape\(\) instead/ },
  { name: 'view of the wrong size', call: () => f([2, 3]).view(4), error: kd.ShapeError, match: /view: shape \[4\] is invalid for input of size 6/ },
  { name: 'view with two inferred dims', call: () => f([2, 3]).view(-1, -1), error: kd.ShapeError, match: /view: only one dimension can be inferred/ },
  { name: 'expand to a different size', call: () => f([2, 3]).expand(3, 3), error: kd.ShapeError, match: /expand: the expanded size of the tensor \(3\) must match the existing size \(2\) at non-singleton dimension 0/ },
  { name: 'permute with a repeated dim', call: () => f([2, 3]).permute(0, 0), error: kd.ShapeError, match: /permute: number of dims don't match in permute: got \[0, 0\]/ },
  { name: 't() of a 3-D tensor', call: () => f([2, 3, 4]).t(), error: kd.ShapeError, match: /t: t\(\) expects a tensor with <= 2 dimensions, but self is 3D/ },
  { name: 'cat of mismatched sizes', call: () => kd.cat([f([2, 3]), f([2, 2])]), error: kd.ShapeError, match: /cat: sizes of tensors must match except in dimension 0: expected size 3 but got size 2 for tensor number 1/ },
  { name: 'cat of different ranks', call: () => kd.cat([f([2, 3]), f([3])]), error: kd.ShapeError, match: /cat: tensors must have the same number of dimensions: got 2 and 1/ },
  { name: 'cat of a 0-d tensor', call: () => kd.cat([kd.tensor(1)]), error: kd.ShapeError, match: /cat: zero-dimensional tensor \(at position 0\) cannot be concatenated/ },
  { name: 'stack of unequal shapes', call: () => kd.stack([f([2]), f([3])]), error: kd.ShapeError, match: /stack: stack expects each tensor to be equal size, but got \[2\] at entry 0 and \[3\] at entry 1/ },
  { name: 'split sizes that do not add up', call: () => f([3, 2]).split([1, 1]), error: kd.ShapeError, match: /split: split sizes \[1, 1\] must be non-negative integers that add up to the size of dimension 0 \(3\)/ },
  { name: 'repeat with too few sizes', call: () => f([2, 3]).repeat(2), error: kd.ShapeError, match: /repeat: number of repeat sizes \(1\) can not be smaller than the number of dimensions of the tensor \(2\)/ },
  { name: 'indexSelect with a 2-D index', call: () => f([3]).indexSelect(0, i32([[0]])), error: kd.ShapeError, match: /indexSelect: index must be 0-D or 1-D, got shape \[1, 1\]/ },
  { name: 'gather index of another rank', call: () => f([2, 3]).gather(1, i32([0, 1])), error: kd.ShapeError, match: /gather: index tensor must have the same number of dimensions as the input \(1 vs 2\)/ },
  { name: 'gather index larger than the input', call: () => f([2, 3]).gather(1, i32([[0], [0], [0]])), error: kd.ShapeError, match: /gather: size of index \[3, 1\] does not fit the input \[2, 3\]: index.size\(0\) = 3 > input.size\(0\) = 2/ },
  { name: 'scatterAdd index larger than src', call: () => f([2, 3]).scatterAdd(0, i32([[0, 1]]), f([1, 1])), error: kd.ShapeError, match: /scatterAdd: size of index \[1, 2\] does not fit src \[1, 1\]/ },
  { name: 'matmul of mismatched inner sizes', call: () => f([2, 3]).matmul(f([4, 5])), error: kd.ShapeError, match: /matmul: shapes \[2, 3\] and \[4, 5\] cannot be multiplied \(3 != 4\)/ },
  { name: 'matmul 1-D vectors of different lengths', call: () => f([3]).matmul(f([4])), error: kd.ShapeError, match: /matmul: shapes \[3\] and \[4\] cannot be multiplied \(3 != 4\)/ },
  { name: 'matmul batch dims that do not broadcast', call: () => f([2, 2, 3]).matmul(f([3, 3, 2])), error: kd.ShapeError, match: /matmul: shapes \[2\] and \[3\] cannot be broadcast together/ },
  { name: 'matmul of a 0-d tensor', call: () => kd.tensor(1).matmul(f([3])), error: kd.ShapeError, match: /matmul: both arguments to matmul need to be at least 1D, but they are 0D and 1D/ },
  { name: 'mm of a 1-D tensor', call: () => kd.mm(f([3]), f([3, 2])), error: kd.ShapeError, match: /mm: expected 2-D tensors, got 1D and 2D \(use matmul for other ranks\)/ },
  { name: 'mm of mismatched inner sizes', call: () => kd.mm(f([2, 3]), f([4, 2])), error: kd.ShapeError, match: /^mm: shapes \[2, 3\] and \[4, 2\] cannot be multiplied \(3 != 4\)/ },
  { name: 'bmm of different batch sizes', call: () => kd.bmm(f([2, 2, 3]), f([3, 3, 2])), error: kd.ShapeError, match: /bmm: batch sizes differ: \[2, 2, 3\] and \[3, 3, 2\] \(2 != 3\).*use matmul/ },
  { name: 'bmm of 2-D tensors', call: () => kd.bmm(f([2, 3]), f([3, 2])), error: kd.ShapeError, match: /bmm: expected 3-D tensors, got 2D and 2D/ },
  { name: 'linear of mismatched features', call: () => kd.linear(f([4, 3]), f([5, 2])), error: kd.ShapeError, match: /linear: input shape \[4, 3\] and weight shape \[5, 2\] cannot be multiplied \(3 != 2\)/ },
  { name: 'linear with a 1-D weight', call: () => kd.linear(f([4, 3]), f([3])), error: kd.ShapeError, match: /linear: weight must be 2-D \[out, in\], got \[3\]/ },
  { name: 'linear with a bias of the wrong size', call: () => kd.linear(f([4, 3]), f([5, 3]), f([4])), error: kd.ShapeError, match: /linear: bias of shape \[4\] does not broadcast to the output shape \[4, 5\] \(use a bias of shape \[5\]/ },
  { name: 'embedding weight that is not 2-D', call: () => kd.embedding(i32([0]), f([3])), error: kd.ShapeError, match: /embedding: weight must be a 2-D tensor \[numEmbeddings, embeddingDim\], got \[3\]/ },
];

const dtypeRows: Row[] = [
  { name: 'mean of int32', call: () => i32([1, 2]).mean(), error: kd.DTypeError, match: /mean: .*floating point dtype, got int32.*\.float\(\)/ },
  { name: 'var of int32', call: () => i32([1, 2]).var(), error: kd.DTypeError, match: /var: std and var only support floating point dtypes, got int32/ },
  { name: 'std of bool', call: () => kd.tensor([true]).std(), error: kd.DTypeError, match: /std: std and var only support floating point dtypes, got bool/ },
  { name: 'norm of int32', call: () => i32([3, 4]).norm(), error: kd.DTypeError, match: /norm: input dtype should be floating point, got int32/ },
  { name: 'bool minus bool', call: () => kd.tensor([true]).sub(kd.tensor([false])), error: kd.DTypeError, match: /sub: subtraction with two bool tensors is not supported \(use logicalXor/ },
  { name: 'negation of bool', call: () => kd.tensor([true]).neg(), error: kd.DTypeError, match: /neg: not supported for bool tensors/ },
  { name: 'abs of bool', call: () => kd.tensor([true]).abs(), error: kd.DTypeError, match: /abs: not supported for bool tensors/ },
  { name: 'relu of bool', call: () => kd.tensor([true]).relu(), error: kd.DTypeError, match: /relu: boolean inputs are not supported/ },
  { name: 'gelu of int32', call: () => i32([1]).gelu(), error: kd.DTypeError, match: /gelu: expected a floating point tensor, got int32/ },
  { name: 'silu of int32', call: () => i32([1]).silu(), error: kd.DTypeError, match: /silu: expected a floating point tensor, got int32/ },
  { name: 'softplus of int32', call: () => i32([1]).softplus(), error: kd.DTypeError, match: /softplus: expected a floating point tensor, got int32/ },
  { name: 'int32 to a negative integer power', call: () => i32([2]).pow(-1), error: kd.DTypeError, match: /pow: integers to negative integer powers are not allowed/ },
  { name: 'where with a float condition', call: () => kd.where(f([2]), f([2]), 0), error: kd.DTypeError, match: /where: expected condition to be a bool tensor, but got dtype float32/ },
  { name: 'maskedFill with a float mask', call: () => f([2]).maskedFill(f([2]), 0), error: kd.DTypeError, match: /maskedFill: only bool masks are supported, but got a mask with dtype float32/ },
  { name: 'float result into an int32 tensor in place', call: () => i32([1]).add_(1.5), error: kd.DTypeError, match: /add_: result type float32 can't be cast to the desired output type int32/ },
  { name: 'true division in place on int32', call: () => i32([4]).div_(2), error: kd.DTypeError, match: /div_: result type float32 can't be cast to the desired output type int32/ },
  { name: 'int result into a bool tensor in place', call: () => kd.tensor([true]).add_(2), error: kd.DTypeError, match: /add_: result type int32 can't be cast to the desired output type bool/ },
  { name: 'gather with a float index', call: () => f([3]).gather(0, f([1])), error: kd.DTypeError, match: /gather: expected index to be an int32 tensor, but got float32.*\.int\(\)/ },
  { name: 'indexSelect with a bool index', call: () => f([3]).indexSelect(0, kd.tensor([true])), error: kd.DTypeError, match: /indexSelect: expected index to be an int32 tensor, but got bool/ },
  { name: 'scatterAdd with src of another dtype', call: () => f([3]).scatterAdd(0, i32([0]), kd.ones([1], { dtype: 'float64' })), error: kd.DTypeError, match: /scatterAdd: expected src \(float64\) to have the same dtype as self \(float32\)/ },
  { name: 'oneHot of float labels', call: () => kd.oneHot(f([2])), error: kd.DTypeError, match: /oneHot: expected labels to be an int32 tensor, but got float32/ },
  { name: 'embedding of float indices', call: () => kd.embedding(f([2]), f([3, 2])), error: kd.DTypeError, match: /embedding: expected indices to be an int32 tensor, but got float32/ },
  { name: 'embedding with an int32 weight', call: () => kd.embedding(i32([0]), kd.ones([2, 2], { dtype: 'int32' })), error: kd.DTypeError, match: /embedding: weight must be a floating point tensor, got int32/ },
  { name: 'argmax of bool', call: () => kd.tensor([true, false]).argmax(), error: kd.DTypeError, match: /argmax: not implemented for bool tensors/ },
  { name: 'matmul of int32 matrices', call: () => i32([[1, 2]]).matmul(i32([[1], [2]])), error: kd.DTypeError, match: /matmul: expected floating point operands, got int32 \(convert with \.float\(\)\)/ },
  { name: 'matmul of mixed float dtypes', call: () => f([2, 3]).matmul(kd.ones([3, 2], { dtype: 'float64' })), error: kd.DTypeError, match: /matmul: expected both operands to have the same dtype, but got float32 and float64/ },
  { name: 'linear with a float64 weight', call: () => kd.linear(f([2, 3]), kd.ones([4, 3], { dtype: 'float64' })), error: kd.DTypeError, match: /linear: expected both operands to have the same dtype, but got float32 and float64/ },
  { name: 'rand with an integer dtype', call: () => kd.rand([2], { dtype: 'int32' }), error: kd.DTypeError, match: /rand: expects a floating point dtype, got int32/ },
];

const indexRows: Row[] = [
  { name: 'reduction dim out of range', call: () => f([2, 3]).sum(2), error: kd.IndexError, match: /sum: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/ },
  { name: 'repeated reduction dim', call: () => f([2, 3]).sum([0, -2]), error: kd.IndexError, match: /sum: dim 0 appears multiple times in the list of dims/ },
  { name: 'transpose dim out of range', call: () => f([2, 3]).transpose(0, 2), error: kd.IndexError, match: /transpose: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/ },
  { name: 'cat dim out of range', call: () => kd.cat([f([2]), f([2])], 1), error: kd.IndexError, match: /cat: dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)/ },
  { name: 'select index out of range', call: () => f([3, 2]).select(0, 3), error: kd.IndexError, match: /select: index 3 is out of bounds for dimension 0 with size 3/ },
  { name: 'narrow past the end', call: () => f([3]).narrow(0, 1, 3), error: kd.IndexError, match: /narrow: start \(1\) \+ length \(3\) exceeds dimension size \(3\)/ },
  { name: 'slice with too many indices', call: () => f([3]).slice(0, 0), error: kd.IndexError, match: /slice: too many indices for tensor of dimension 1 \(got 2\)/ },
  { name: 'gather index out of range', call: () => f([2, 3]).gather(1, i32([[0, 5], [1, 1]])), error: kd.IndexError, match: /gather: index 5 is out of bounds for dimension 1 with size 3 \(valid indices are 0 to 2\)/ },
  { name: 'gather negative index', call: () => f([2, 3]).gather(0, i32([[-1, 0, 0]])), error: kd.IndexError, match: /gather: index -1 is out of bounds for dimension 0 with size 2/ },
  { name: 'indexSelect index out of range', call: () => f([4, 2]).indexSelect(0, i32([0, 4])), error: kd.IndexError, match: /indexSelect: index 4 is out of bounds for dimension 0 with size 4/ },
  { name: 'scatterAdd index out of range', call: () => f([3]).scatterAdd(0, i32([3]), f([1])), error: kd.IndexError, match: /scatterAdd: index 3 is out of bounds for dimension 0 with size 3/ },
  { name: 'embedding index out of range', call: () => kd.embedding(i32([1, 7]), f([5, 2])), error: kd.IndexError, match: /embedding: index 7 is out of range for a weight of 5 rows \(valid indices are 0 to 4\)/ },
  { name: 'embedding paddingIdx out of range', call: () => kd.embedding(i32([1]), f([5, 2]), { paddingIdx: 5 }), error: kd.IndexError, match: /embedding: paddingIdx 5 must be within the number of embeddings \(5\)/ },
  { name: 'oneHot negative class', call: () => kd.oneHot(i32([0, -1]), 3), error: kd.IndexError, match: /oneHot: class values must be non-negative, got -1/ },
  { name: 'oneHot class too large', call: () => kd.oneHot(i32([0, 3]), 3), error: kd.IndexError, match: /oneHot: class values must be smaller than numClasses \(3\), got 3/ },
  { name: 'max of an empty tensor', call: () => f([0]).max(), error: kd.IndexError, match: /max: expected a non-empty tensor.*use max\(dim\)/ },
  { name: 'min over an empty dim', call: () => f([2, 0]).min(1), error: kd.IndexError, match: /min: expected reduction dim 1 to have non-zero size/ },
  { name: 'amax over an empty dim', call: () => f([2, 0]).amax(1), error: kd.IndexError, match: /max: cannot reduce over a zero-size dimension/ },
];

const valueRows: Row[] = [
  { name: 'item of several elements', call: () => f([2, 3]).item(), error: kd.ValueError, match: /item: a Tensor with 6 elements cannot be converted to Scalar/ },
  { name: 'clamp without bounds', call: () => f([2]).clamp(), error: kd.ValueError, match: /clamp: at least one of min or max must not be null/ },
  { name: 'gelu with an unknown approximation', call: () => f([2]).gelu('fast' as 'tanh'), error: kd.ValueError, match: /gelu: approximate argument must be either 'none' or 'tanh', got 'fast'/ },
  { name: "norm 'nuc'", call: () => f([2, 2]).norm('nuc' as 'fro'), error: kd.ValueError, match: /norm: p must be a number \(Infinity included\) or 'fro', got nuc/ },
  { name: 'var with a negative correction', call: () => f([3]).var(0, { correction: -1 }), error: kd.ValueError, match: /var: correction must be a non-negative number, got -1/ },
  { name: 'chunk into 0 pieces', call: () => f([4]).chunk(0), error: kd.ValueError, match: /chunk: chunks must be a positive integer, got 0/ },
  { name: 'split size 0', call: () => f([4]).split(0), error: kd.ValueError, match: /split: split size must be a positive integer, got 0/ },
  { name: 'cat of nothing', call: () => kd.cat([]), error: kd.ValueError, match: /cat: expected a non-empty list of tensors/ },
  { name: 'oneHot of nothing without numClasses', call: () => kd.oneHot(kd.zeros([0], { dtype: 'int32' })), error: kd.ValueError, match: /oneHot: can not infer the number of classes from an empty tensor/ },
  { name: 'arange with step 0', call: () => kd.arange(0, 1, 0), error: kd.ValueError, match: /arange: step must be a finite non-zero number, got a number \(0\)/ },
  { name: 'arange with the wrong step sign', call: () => kd.arange(0, 5, -1), error: kd.ValueError, match: /arange: upper bound and larger bound inconsistent with step sign/ },
  { name: 'linspace with negative steps', call: () => kd.linspace(0, 1, -2), error: kd.ValueError, match: /linspace: number of steps must be a non-negative integer, got -2/ },
  { name: 'randint with low >= high', call: () => kd.randint(3, 3, [2]), error: kd.ValueError, match: /randint: .*from=3 >= to=3/ },
];

const argumentRows: Row[] = [
  { name: 'add of a string', call: () => f([2]).add('1' as unknown as number), error: kd.ArgumentTypeError, match: /^add: expected a Tensor or a number, got string \(wrap values with kd\.tensor/ },
  { name: 'lt of null', call: () => f([2]).lt(null as unknown as number), error: kd.ArgumentTypeError, match: /^lt: expected a Tensor or a number, got null/ },
  { name: 'where of an array', call: () => kd.where(f([2]).gt(0), [1, 2] as unknown as number, 0), error: kd.ArgumentTypeError, match: /^where: expected a Tensor or a number, got object/ },
  { name: 'cat of a non-tensor', call: () => kd.cat([f([2]), [1] as unknown as kd.Tensor]), error: kd.ArgumentTypeError, match: /cat: expected a list of tensors, but entry 1 is object/ },
];

const creationRows: Row[] = [
  { name: 'negative dimension', call: () => kd.zeros([2, -1]), error: kd.ShapeError, match: /zeros: invalid shape \[2, -1\]: every dimension must be a non-negative integer/ },
  { name: 'ragged nested arrays', call: () => kd.tensor([[1, 2], [3]]), error: kd.ShapeError, match: /tensor: expected sequence of length 2 at dim 1 \(got 1\)/ },
  { name: 'typed array of the wrong length', call: () => kd.tensor(new Float32Array(5), { shape: [2, 3] }), error: kd.ShapeError, match: /tensor: shape \[2, 3\] needs 6 elements, but the array has 5/ },
];

const autogradRows: Row[] = [
  {
    name: 'in place on a view of a leaf that requires grad',
    call: () => grad([2, 3]).narrow(0, 0, 1).mul_(2),
    error: kd.AutogradError,
    match: /mul_: a view of a leaf tensor that requires grad is being used in an in-place operation/,
  },
  {
    name: 'a saved input modified in place (names the node)',
    call: () => {
      const y = grad([3]).mul(2);
      const z = y.sin();
      y.add_(1);
      z.sum().backward();
    },
    error: kd.AutogradError,
    match: /one of the variables needed for gradient computation has been modified by an inplace operation: \[float32 \[3\]\], which is saved by SinBackward0, is at version 1; expected version 0/,
  },
  {
    name: 'a saved output modified in place',
    call: () => {
      const y = grad([3]).exp();
      y.mul_(2);
      y.sum().backward();
    },
    error: kd.AutogradError,
    match: /saved by ExpBackward0, is at version 1; expected version 0/,
  },
  {
    name: 'a view of a saved tensor modified in place',
    call: () => {
      const y = grad([2, 2]).mul(1);
      const z = y.log();
      kd.noGrad(() => y.select(0, 0).fill_(3));
      z.sum().backward();
    },
    error: kd.AutogradError,
    match: /saved by LogBackward0, is at version 1/,
  },
  {
    name: 'requiresGrad_(false) on a non-leaf',
    call: () => grad([2]).mul(2).requiresGrad_(false),
    error: kd.ValueError,
    match: /requiresGrad_: you can only change requiresGrad flags of leaf tensors/,
  },
];

describe.each([
  ['shapes', shapeRows],
  ['dtypes', dtypeRows],
  ['dims and indices', indexRows],
  ['values', valueRows],
  ['argument types', argumentRows],
  ['creation', creationRows],
  ['autograd and in place', autogradRows],
])('errors: %s', (_family, rows) => {
  for (const row of rows) {
    it(row.name, () => {
      expect(row.call).toThrow(row.error);
      expect(row.call).toThrow(row.match);
    });
  }
});

describe('a failed call leaves the tensor unchanged', () => {
  it('in-place ops that throw do not write or bump the version', () => {
    const t = kd.tensor([1, 2, 3], { dtype: 'int32' });
    expect(() => t.add_(0.5)).toThrow(kd.DTypeError);
    expect(() => t.add_(kd.ones([2, 3], { dtype: 'int32' }))).toThrow(kd.ShapeError);
    expect(t.toArray()).toEqual([1, 2, 3]);
    expect(t.version).toBe(0);
  });
});
