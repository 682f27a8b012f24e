/**
 * `stateDict()` / `loadStateDict()`: PyTorch's layout with camelCase keys,
 * deterministic resumption for every optimizer, names, older and PyTorch
 * dicts, dtype casts, and every refusal (with nothing changed after it).
 */
import { describe, expect, it } from 'vitest';
import { CASES, problem, seeded, train, values, type AnyOptimizer } from './cases.js';
import { StateDictError, optim, tensor, zeros, type Tensor } from './lib.js';

function snapshot(opt: AnyOptimizer): unknown {
  const sd = opt.stateDict();
  const plain = (v: unknown): unknown =>
    v instanceof Object && 'dataSync' in v ? Array.from((v as Tensor).dataSync(), Number) : Array.isArray(v) ? v.map(plain) : v;
  return {
    paramGroups: sd.paramGroups,
    state: Object.fromEntries(Object.entries(sd.state).map(([k, s]) => [k, Object.fromEntries(Object.entries(s).map(([kk, v]) => [kk, plain(v)]))])),
  };
}

describe('stateDict layout', () => {
  it('numbers parameters across groups, lists every hyperparameter, and keeps names', () => {
    const [a, b, c] = [seeded([2], 1), seeded([3], 2), seeded([1], 3)];
    const opt = new optim.SGD([{ params: [a, b], name: 'body' }, { params: [c], lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
    b.grad = tensor([1, 1, 1]);
    c.grad = tensor([1]);
    opt.step();
    const sd = opt.stateDict();
    expect(sd.paramGroups).toEqual([
      { name: 'body', lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, params: [0, 1] },
      { lr: 0.5, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, params: [2] },
    ]);
    // As PyTorch: the hyperparameters in the group's order, then params.
    expect(Object.keys(sd.paramGroups[0]!)).toEqual(['name', 'lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize', 'params']);
    expect(Object.keys(sd.state)).toEqual(['1', '2']);
    // NOTE: the first momentum buffer is the gradient itself (PyTorch).
    expect(Array.from((sd.state[1]!['momentumBuffer'] as Tensor).dataSync())).toEqual([1, 1, 1]);
    expect(Array.from((sd.state[2]!['momentumBuffer'] as Tensor).dataSync())).toEqual([1]);
  });

  it('records parameter names when the optimizer has them', () => {
    const opt = new optim.Adam([{ params: [['fc.weight', seeded([2], 1)], ['fc.bias', seeded([1], 2)]], name: 'fc' }]);
    expect(opt.stateDict().paramGroups[0]).toMatchObject({ name: 'fc', params: [0, 1], paramNames: ['fc.weight', 'fc.bias'] });
  });

  it('is a snapshot: later steps do not change it, and editing it does not change the optimizer', () => {
    const p = seeded([2], 1);
    const opt = new optim.Adam([p]);
    p.grad = tensor([1, 1]);
    opt.step();
    const sd = opt.stateDict();
    const saved = Array.from((sd.state[0]!['expAvg'] as Tensor).dataSync());
    opt.step();
    expect(Array.from((sd.state[0]!['expAvg'] as Tensor).dataSync())).toEqual(saved);
    sd.paramGroups[0]!['lr'] = 99;
    expect(opt.paramGroups[0]!.lr).toBe(1e-3);
    expect(sd.state[0]!['step']).toBe(1);
  });
});

describe('loading resumes training exactly (every optimizer and configuration)', () => {
  for (const [name, make] of CASES) {
    it(name, () => {
      const a = problem();
      const first = make([{ params: [a.weight] }, { params: [a.bias], lr: 5e-3 }]);
      train(first, a.loss, 7);
      const sd = first.stateDict();
      const before = snapshot(first);

      const b = problem();
      noGradCopy(b.weight, a.weight);
      noGradCopy(b.bias, a.bias);
      const second = make([{ params: [b.weight] }, { params: [b.bias], lr: 1 }]);
      second.loadStateDict(sd);
      expect(second.paramGroups[1]!.lr).toBe(5e-3);
      expect(snapshot(second)).toEqual(before);

      train(first, a.loss, 5);
      train(second, b.loss, 5);
      expect(values([b.weight, b.bias])).toEqual(values([a.weight, a.bias]));
      expect(snapshot(second)).toEqual(snapshot(first));
      // The loaded dict was copied, not aliased or changed.
      expect(snapshot({ stateDict: () => sd } as AnyOptimizer)).toEqual(before);
    });
  }
});

/** A deep copy with tensors as number arrays, to compare a dict before and after a call. */
function plainDeep(x: unknown): unknown {
  if (x instanceof Object && 'dataSync' in x) return Array.from((x as Tensor).dataSync(), Number);
  if (Array.isArray(x)) return x.map(plainDeep);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plainDeep(v)]));
  return x;
}

function noGradCopy(dst: Tensor, src: Tensor): void {
  dst.storage.data.set(src.storage.data);
}

describe('loading', () => {
  it('takes the saved hyperparameters (PyTorch) but keeps the group\'s own name', () => {
    const p = seeded([2], 1);
    const saved = new optim.SGD([{ params: [p], name: 'old' }], { lr: 0.3, momentum: 0.5 }).stateDict();
    const opt = new optim.SGD([{ params: [p], name: 'new' }], { lr: 0.1 });
    opt.loadStateDict(saved);
    expect(opt.paramGroups[0]).toMatchObject({ name: 'new', lr: 0.3, momentum: 0.5 });
    const unnamed = new optim.SGD([p], { lr: 0.1 });
    unnamed.loadStateDict(saved);
    expect(unnamed.paramGroups[0]!.name).toBe('old');
  });

  it('fills keys missing from an older dict from the current group, and accepts a plain-number or tensor step', () => {
    const p = seeded([2], 1);
    const opt = new optim.Adam([p], { amsgrad: true });
    p.grad = tensor([1, 1]);
    opt.step();
    const sd = opt.stateDict();
    delete sd.paramGroups[0]!['maximize'];
    delete sd.paramGroups[0]!['amsgrad'];
    const fresh = new optim.Adam([p], { amsgrad: true, maximize: true });
    fresh.loadStateDict(sd);
    expect(fresh.paramGroups[0]).toMatchObject({ amsgrad: true, maximize: true });
    sd.state[0]!['step'] = tensor(1);
    fresh.loadStateDict(sd);
    expect(fresh.state.get(p)!.step).toBe(1);
    fresh.step();
    expect(fresh.state.get(p)!.step).toBe(2);
  });

  it('casts state to the parameter\'s dtype and copies it', () => {
    const p32 = seeded([2], 1);
    const sgd = new optim.SGD([p32], { lr: 0.1, momentum: 0.9 });
    p32.grad = tensor([1, 2]);
    sgd.step();
    const sd = sgd.stateDict();
    const p64 = seeded([2], 1, 'float64');
    const opt = new optim.SGD([p64], { lr: 0.1, momentum: 0.9 });
    opt.loadStateDict(sd);
    const buf = opt.state.get(p64)!.momentumBuffer;
    expect(buf.dtype).toBe('float64');
    expect(Array.from(buf.dataSync())).toEqual([1, 2]);
    expect(buf).not.toBe(sd.state[0]!['momentumBuffer']);
  });

  it('matches state by name when both sides have names, whatever the order', () => {
    const [w, b] = [seeded([3], 1), seeded([1], 2)];
    const opt = new optim.Adam([['fc.weight', w], ['fc.bias', b]]);
    w.grad = tensor([1, 2, 3]);
    b.grad = tensor([5]);
    opt.step();
    const sd = opt.stateDict();
    const reordered = new optim.Adam([['fc.bias', b], ['fc.weight', w]]);
    reordered.loadStateDict(sd);
    expect(reordered.state.get(w)!.expAvg.shape).toEqual([3]);
    expect(Array.from(reordered.state.get(b)!.expAvg.dataSync())).toEqual(Array.from(opt.state.get(b)!.expAvg.dataSync()));
  });

  it('loads between named and unnamed optimizers by position; an unnamed one adopts the saved names', () => {
    const [w, b] = [seeded([3], 1), seeded([1], 2)];
    const named = new optim.SGD([['w', w], ['b', b]], { lr: 0.1, momentum: 0.9 });
    w.grad = tensor([1, 1, 1]);
    named.step();
    const unnamed = new optim.SGD([w, b], { lr: 0.1, momentum: 0.9 });
    unnamed.loadStateDict(named.stateDict());
    expect(unnamed.paramGroups[0]!.paramNames).toEqual(['w', 'b']);
    expect(unnamed.state.has(w)).toBe(true);
    const named2 = new optim.SGD([['w', w], ['b', b]], { lr: 0.1 });
    named2.loadStateDict(new optim.SGD([w, b], { lr: 0.2 }).stateDict());
    expect(named2.paramGroups[0]).toMatchObject({ lr: 0.2, paramNames: ['w', 'b'] });
  });

  it('reads PyTorch\'s snake_case layout and writes it back', () => {
    const p = seeded([2], 1);
    const torchSd = {
      state: { '0': { step: tensor(3), exp_avg: tensor([0.1, 0.2]), exp_avg_sq: tensor([0.01, 0.02]) } },
      param_groups: [{
        lr: 0.01, betas: [0.8, 0.9], eps: 1e-8, weight_decay: 0.1, amsgrad: false, maximize: false,
        foreach: null, capturable: false, differentiable: false, fused: false, initial_lr: 0.02, params: [0],
      }],
    };
    const opt = new optim.Adam([p]);
    opt.loadStateDict(torchSd);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.01, betas: [0.8, 0.9], weightDecay: 0.1, initialLr: 0.02 });
    expect(opt.state.get(p)!.step).toBe(3);
    const back = optim.toPyTorchStateDict(opt.stateDict());
    expect(back.param_groups[0]).toMatchObject({ lr: 0.01, weight_decay: 0.1, initial_lr: 0.02, params: [0] });
    expect(Object.keys(back.state[0]!)).toEqual(['step', 'exp_avg', 'exp_avg_sq']);
    expect(optim.toPyTorchStateDict({ state: { 0: { HDiag: 1, oldDirs: [] } }, paramGroups: [{ params: [0], paramNames: ['w'] }] })).toEqual({
      state: { 0: { H_diag: 1, old_dirs: [] } }, param_groups: [{ param_names: ['w'], params: [0] }],
    });
  });

  it('drops PyTorch 1.13\'s empty SGD state (momentum_buffer: None)', () => {
    const p = seeded([2], 1);
    const opt = new optim.SGD([p], { lr: 0.1 });
    opt.loadStateDict({
      state: { 0: { momentum_buffer: null } },
      param_groups: [{ lr: 0.1, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false, maximize: false, foreach: null, differentiable: false, params: [0] }],
    });
    expect(opt.state.size).toBe(0);
  });
});

function primedLbfgs(): { opt: optim.LBFGS; sd: optim.OptimizerStateDict; loss: () => Tensor; params: Tensor[] } {
  const { weight, bias, loss } = problem();
  const closure = (o: optim.LBFGS) => (): Tensor => {
    o.zeroGrad();
    const l = loss();
    l.backward();
    return l;
  };
  const opt = new optim.LBFGS([weight, bias], { maxIter: 3, historySize: 2 });
  opt.step(closure(opt));
  opt.step(closure(opt));
  return { opt, sd: opt.stateDict(), loss, params: [weight, bias] };
}

describe('LBFGS state', () => {
  it('round-trips: a fresh LBFGS continues exactly as the original', () => {
    const a = primedLbfgs();
    const b = problem();
    noGradCopy(b.weight, a.params[0]!);
    noGradCopy(b.bias, a.params[1]!);
    const fresh = new optim.LBFGS([b.weight, b.bias], { maxIter: 3, historySize: 2 });
    fresh.loadStateDict(a.sd);
    expect(snapshot(fresh)).toEqual(snapshot(a.opt));
    const step = (o: optim.LBFGS, loss: () => Tensor): void => {
      o.step(() => {
        o.zeroGrad();
        const l = loss();
        l.backward();
        return l;
      });
    };
    step(a.opt, a.loss);
    step(fresh, b.loss);
    expect(values([b.weight, b.bias])).toEqual(values(a.params));
    expect(a.opt.state.get(a.params[0]!)!.oldDirs).toHaveLength(2);
  });
});

describe('refusals leave the optimizer unchanged', () => {
  function primed(): { opt: optim.Adam; p: Tensor; q: Tensor } {
    const p = seeded([2], 1);
    const q = seeded([3], 2);
    const opt = new optim.Adam([{ params: [p], name: 'body' }, { params: [q], lr: 0.5 }]);
    p.grad = tensor([1, 1]);
    q.grad = tensor([1, 2, 3]);
    opt.step();
    return { opt, p, q };
  }
  const adamSd = (): optim.OptimizerStateDict => primed().opt.stateDict();

  const rows: { name: string; sd: () => unknown; match: RegExp }[] = [
    { name: 'not an object', sd: () => 3, match: /expected a state dict \{ state, paramGroups \}, got a number \(3\)/ },
    { name: 'no paramGroups', sd: () => ({ state: {} }), match: /a state dict has 'state' \(an object\) and 'paramGroups' \(an array\).*got keys 'state'/ },
    { name: 'a different number of groups', sd: () => ({ ...adamSd(), paramGroups: adamSd().paramGroups.slice(0, 1) }), match: /loaded state dict has a different number of parameter groups \(it has 1, this optimizer has 2\)/ },
    {
      name: 'a group of a different size',
      sd: () => {
        const sd = adamSd();
        sd.paramGroups[1]!.params = [1, 2];
        return sd;
      },
      match: /loaded state dict contains a parameter group that doesn't match the size of optimizer's group \(parameter group 1: saved 2 parameters, this optimizer has 1\)/,
    },
    {
      name: 'state saved by another optimizer (SGD into Adam)',
      sd: () => {
        const [p, q] = [seeded([2], 1), seeded([3], 2)];
        const sgd = new optim.SGD([{ params: [p] }, { params: [q] }], { lr: 0.1, momentum: 0.9 });
        p.grad = tensor([1, 1]);
        sgd.step();
        return sgd.stateDict();
      },
      match: /unknown key 'momentum' in saved parameter group 0.*the state of parameter at position 0 has 'momentumBuffer', which Adam does not keep/,
    },
    {
      name: 'a state tensor of the wrong shape',
      sd: () => {
        const sd = adamSd();
        sd.state[1]!['expAvg'] = zeros([4]);
        return sd;
      },
      match: /the state 'expAvg' of parameter at position 1 should be a tensor of the parameter's shape \[3\], got a Tensor of shape \[4\]/,
    },
    {
      name: 'a missing state entry',
      sd: () => {
        const sd = adamSd();
        delete sd.state[0]!['expAvgSq'];
        return sd;
      },
      match: /the state of parameter at position 0 has no 'expAvgSq'/,
    },
    {
      name: 'a misspelt state entry, with the nearest one',
      sd: () => {
        const sd = adamSd();
        sd.state[0]!['expAvgSqq'] = sd.state[0]!['expAvgSq']!;
        delete sd.state[0]!['expAvgSq'];
        return sd;
      },
      match: /the state of parameter at position 0 has 'expAvgSqq', which Adam does not keep \(did you mean 'expAvgSq'\?\)/,
    },
    {
      name: 'a misspelt hyperparameter',
      sd: () => {
        const sd = adamSd();
        sd.paramGroups[0]!['weightDecy'] = 0.1;
        return sd;
      },
      match: /unknown key 'weightDecy' in saved parameter group 0 \('body'\) \(did you mean 'weightDecay'\?\)/,
    },
    {
      name: 'an invalid hyperparameter',
      sd: () => {
        const sd = adamSd();
        sd.paramGroups[1]!['betas'] = [1.5, 0.9];
        return sd;
      },
      match: /Invalid beta parameter at index 0: 1\.5 in saved parameter group 1/,
    },
    {
      name: 'state for a position no group lists',
      sd: () => {
        const sd = adamSd();
        sd.state[7] = sd.state[0]!;
        return sd;
      },
      match: /the saved state has an entry for parameter position 7, which no saved group lists/,
    },
    { name: 'a group that is not { params }', sd: () => ({ ...adamSd(), paramGroups: [adamSd().paramGroups[0], { lr: 1 }] }), match: /saved parameter group 1 is not \{ params: number\[\], … \}/ },
    {
      name: 'a position that is not a non-negative integer',
      sd: () => {
        const sd = adamSd();
        sd.paramGroups[1]!.params = [-1];
        return sd;
      },
      match: /saved parameter group 1 lists -1 as a parameter position/,
    },
    {
      name: 'paramNames that do not fit params',
      sd: () => {
        const sd = adamSd();
        sd.paramGroups[1]!.paramNames = ['a', 'b'];
        return sd;
      },
      match: /saved parameter group 1 has paramNames that are not one string per parameter/,
    },
    { name: 'a state key that is not a position', sd: () => ({ ...adamSd(), state: { first: {} } }), match: /state key 'first' is not a parameter position/ },
    { name: 'a state entry that is not an object', sd: () => ({ ...adamSd(), state: { 0: 5 } }), match: /state of parameter position 0 is a number \(5\), not an object/ },
    {
      name: 'a step that is not a number',
      sd: () => {
        const sd = adamSd();
        sd.state[0]!['step'] = zeros([2]);
        return sd;
      },
      match: /the state 'step' of parameter at position 0 should be a number, got a Tensor of shape \[2\]/,
    },
    {
      name: 'a position listed twice',
      sd: () => {
        const sd = adamSd();
        sd.paramGroups[1]!.params = [0];
        return sd;
      },
      match: /saved parameter position 0 stands for two different parameters/,
    },
  ];

  for (const row of rows) {
    it(row.name, () => {
      const { opt, p } = primed();
      const before = snapshot(opt);
      const sd = row.sd();
      const given = plainDeep(sd);
      let thrown: unknown;
      try {
        opt.loadStateDict(sd as optim.OptimizerStateDict);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(StateDictError);
      expect((thrown as Error).message).toMatch(/^Adam\.loadStateDict: /);
      expect((thrown as Error).message).toMatch(row.match);
      expect(snapshot(opt)).toEqual(before);
      expect(opt.state.get(p)!.step).toBe(1);
      // Nor is the caller's dict changed.
      expect(plainDeep(sd)).toEqual(given);
    });
  }

  it('LBFGS: a history of the wrong length is refused', () => {
    const { opt, sd } = primedLbfgs();
    const bad = { ...sd, state: { 0: { ...sd.state[0]!, d: zeros([3]), oldDirs: [zeros([2])], ro: ['x'] } } };
    expect(() => opt.loadStateDict(bad)).toThrow(/3 problems: \(1\) the state 'd' of parameter at position 0 should be a 1-D tensor of 60 elements, got a Tensor of shape \[3\]; \(2\) the state 'oldDirs' .* should be an array of 1-D tensors of 60 elements.*\(3\) the state 'ro' .* should be an array of numbers/);
  });

  it('names on both sides that do not match are listed per group', () => {
    const [w, b] = [seeded([3], 1), seeded([1], 2)];
    const saved = new optim.Adam([['fc.weight', w], ['fc.bias', b]]).stateDict();
    const opt = new optim.Adam([{ params: [['head.weight', w], ['fc.bias', b]], name: 'head' }]);
    expect(() => opt.loadStateDict(saved)).toThrow(/parameter group 0 \('head'\) does not have the saved group's parameters \(not in the saved group: head\.weight; saved but not in this group: fc\.weight\)/);
  });
});
