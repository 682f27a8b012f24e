// Lint and format: typescript-eslint's recommended rules, a few formatting
// rules from ESLint Stylistic (the code's existing style, enforced), plus the layer rule of
// DESIGN.md (each layer imports only the layers above it) and the browser-safe
// core rule (no Node built-ins outside the Node-only modules).
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

const layers = ['backend', 'tensor', 'autograd', 'ops', 'nn', 'optim', 'groups', 'io', 'data'];

// Files that may use Node built-ins (the addon loader, file I/O, the Node entry).
const nodeOnly = ['src/node.ts', 'src/backend/native.ts', 'src/backend/native-locate.ts', 'src/io/node/**', 'src/data/node/**'];

const nodeBuiltins = {
  group: ['node:*', 'fs', 'path', 'os', 'module', 'worker_threads', 'child_process', 'url'],
  message: 'The core must run in browsers: Node-only code lives in the modules listed as nodeOnly in eslint.config.js.',
};

const layerConfigs = layers.map((layer, i) => ({
  files: [`src/${layer}/**/*.ts`],
  ignores: nodeOnly,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          ...layers.slice(i + 1).map((below) => ({
            group: [`../${below}/*`, `../../${below}/*`, `../../../${below}/*`],
            message: `Layer '${layer}' must not import from '${below}' (DESIGN.md: each layer imports only the ones above it).`,
            allowTypeImports: true,
          })),
          nodeBuiltins,
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'native/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true }],
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/indent': ['error', 2, { SwitchCase: 1, flatTernaryExpressions: true, ignoredNodes: ['ConditionalExpression'] }],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/eol-last': 'error',
      '@stylistic/no-multiple-empty-lines': ['error', { max: 1 }],
      '@stylistic/brace-style': ['error', '1tbs', { allowSingleLine: true }],
      '@stylistic/max-len': ['error', { code: 200, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreComments: true }],
    },
  },
  ...layerConfigs,
);
