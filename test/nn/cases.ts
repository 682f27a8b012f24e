/**
 * Running the layer and loss fixtures of scripts/fixtures/nn.py: build the
 * kindling layer from the case's args/options, load PyTorch's weights with
 * loadStateDict, run forward and backward, compare.
 */
import { decode, type EncodedTensor } from '../fixtures.js';
import { kd } from '../helpers.js';

export interface LayerCase {
  name: string;
  cls: string;
  args: unknown[];
  options: Record<string, unknown>;
  train: boolean;
  state: Record<string, EncodedTensor>;
  inputs: EncodedTensor[];
  forward_options: Record<string, unknown>;
  outputs: (EncodedTensor | null)[];
  upstream: (EncodedTensor | null)[];
  grad_inputs: (EncodedTensor | null)[];
  grad_params: Record<string, EncodedTensor>;
  state_after?: Record<string, EncodedTensor>;
}

export interface LossCase {
  name: string;
  cls: string;
  options: Record<string, unknown>;
  input: EncodedTensor;
  target: EncodedTensor;
  output: EncodedTensor;
  upstream: EncodedTensor;
  grad_input: EncodedTensor;
  grad_target: EncodedTensor | null;
}

function isEncoded(v: unknown): v is EncodedTensor {
  return typeof v === 'object' && v !== null && 'shape' in v && 'dtype' in v && 'data' in v;
}

/** Options with the tensors in them decoded. */
export function decodeOptions(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, isEncoded(v) ? decode(v) : v]));
}

type Ctor = new (...args: unknown[]) => kd.nn.Module;

/** `new nn[cls](...args, options)`; the options bag is left out when empty, as a user would. */
export function construct(cls: string, args: unknown[], options: Record<string, unknown>): kd.nn.Module {
  const ctor = (kd.nn as unknown as Record<string, Ctor>)[cls];
  if (ctor === undefined) throw new Error(`nn.${cls} does not exist`);
  const decoded = decodeOptions(options);
  return Object.keys(decoded).length === 0 ? new ctor(...args) : new ctor(...args, decoded);
}

export function stateDictOf(state: Record<string, EncodedTensor>): Record<string, kd.Tensor> {
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, decode(v)]));
}
