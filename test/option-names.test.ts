/**
 * Option type names: one name means one thing across `kd`, `nn.functional`,
 * `nn` and `optim`. A functional op whose PyTorch-style name would equal a
 * module's takes the `…FunctionalOptions` name (`kd.maxPool2d` vs
 * `nn.MaxPool2d`); options that mean the same thing are one type exported
 * under one name. `tsc` checks the `@ts-expect-error` lines: a name that comes
 * back fails the build.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { kd } from './helpers.js';

import nn = kd.nn;
import optim = kd.optim;

describe('option type names', () => {
  it('the functional pooling, embedding, batch-norm and NLL options are not the modules\' options', () => {
    expectTypeOf<kd.MaxPool2dFunctionalOptions>().toHaveProperty('returnIndices');
    expectTypeOf<'returnIndices' extends keyof nn.MaxPool2dOptions ? true : false>().toEqualTypeOf<false>();
    expectTypeOf<'dtype' extends keyof kd.EmbeddingFunctionalOptions ? true : false>().toEqualTypeOf<false>();
    expectTypeOf<nn.EmbeddingOptions>().toHaveProperty('paddingIdx');
    expectTypeOf<kd.BatchNormFunctionalOptions>().toHaveProperty('training');
    expectTypeOf<nn.BatchNormOptions>().toHaveProperty('trackRunningStats');
    expectTypeOf<nn.functional.NLLLossFunctionalOptions>().toEqualTypeOf<kd.NLLLossFunctionalOptions>();
    expectTypeOf<nn.NLLLossOptions>().toHaveProperty('ignoreIndex');
    expectTypeOf<nn.functional.AvgPool2dFunctionalOptions>().toEqualTypeOf<kd.AvgPool2dFunctionalOptions>();

    // @ts-expect-error the functional options are not under the module's name
    type OldMaxPool = kd.MaxPool2dOptions;
    // @ts-expect-error the functional options are not under the module's name
    type OldEmbedding = kd.EmbeddingOptions;
    // @ts-expect-error the functional options are not under the module's name
    type OldBatchNorm = kd.BatchNormOptions;
    // @ts-expect-error `NllLossOptions` differed from `nn.NLLLossOptions` only in case
    type OldNll = kd.NllLossOptions;
    expectTypeOf<OldMaxPool | OldEmbedding | OldBatchNorm | OldNll>().toBeAny();

    const { values, indices } = kd.maxPool2d(kd.arange(16).reshape([1, 1, 4, 4]), 2, { returnIndices: true });
    expect(values.toArray()).toEqual([[[[5, 7], [13, 15]]]]);
    expect(indices.toArray()).toEqual([[[[5, 7], [13, 15]]]]);
  });

  it('options that mean the same thing are one type', () => {
    expectTypeOf<nn.LossOptions>().toEqualTypeOf<kd.LossOptions>();
    expectTypeOf<optim.ZeroGradOptions>().toEqualTypeOf<nn.ZeroGradOptions>();
    const lin = new nn.Linear(2, 1);
    const opt = new optim.SGD(lin.parameters(), { lr: 0.1 });
    lin.forward(kd.ones([1, 2])).sum().backward();
    const keep: optim.ZeroGradOptions = { setToNone: false };
    opt.zeroGrad(keep);
    expect(lin.weight.grad?.toArray()).toEqual([[0, 0]]);
    lin.zeroGrad(keep satisfies nn.ZeroGradOptions);
    expect(lin.bias?.grad?.toArray()).toEqual([0]);
  });
});
