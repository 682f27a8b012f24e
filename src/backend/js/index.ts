import type { Backend } from '../backend.js';
import { binary, copy, fill, unary, where } from './elementwise.js';
import { matmul } from './matmul.js';
import { reduce } from './reduce.js';

/** The pure-TypeScript backend: runs everywhere, and is the reference the native backend is checked against. */
export const jsBackend: Backend = {
  name: 'js',
  copy,
  fill,
  unary,
  binary,
  where,
  reduce,
  matmul,
};
