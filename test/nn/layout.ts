/**
 * The layout of a model as scripts/fixtures/nn.py records it from PyTorch
 * (`describe(model)`), computed on a kindling model for comparison.
 */
import { expect } from 'vitest';
import { kd } from '../helpers.js';

export interface Layout {
  state_keys: string[];
  state_shapes: number[][];
  named_parameters: string[];
  named_parameters_all: string[];
  named_buffers: string[];
  named_modules: string[];
  named_children: string[];
  num_parameters: number;
}

export function layoutOf(model: kd.nn.Module): Layout {
  const sd = model.stateDict();
  return {
    state_keys: Object.keys(sd),
    state_shapes: Object.values(sd).map((t) => t.shape),
    named_parameters: [...model.namedParameters()].map(([n]) => n),
    named_parameters_all: [...model.namedParameters({ removeDuplicate: false })].map(([n]) => n),
    named_buffers: [...model.namedBuffers()].map(([n]) => n),
    named_modules: [...model.namedModules()].map(([n]) => n),
    named_children: [...model.namedChildren()].map(([n]) => n),
    num_parameters: model.numParameters(),
  };
}

/** Every field of PyTorch's layout equals kindling's (extra fixture fields are ignored). */
export function expectLayout(model: kd.nn.Module, expected: Layout): void {
  const got = layoutOf(model);
  for (const key of Object.keys(got) as (keyof Layout)[]) expect(got[key], key).toEqual(expected[key]);
}
