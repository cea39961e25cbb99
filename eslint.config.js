import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { LAYERS, importsOf } from './layers.config.js';

/** Import rules per layer: the spec layer reaches no kernel or feature code, the kernel layer no feature. */
function layerRules(layer, forbidden, why) {
  return {
    files: LAYERS[layer].map((f) => `src/${f}/**/*.ts`),
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: importsOf(forbidden.flatMap((l) => LAYERS[l])), message: why }] },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'build/**', 'docs/api/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // Build scripts run under Node as plain JavaScript modules.
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  layerRules(
    'spec',
    ['kernel', 'features'],
    'the spec layer (elf, btf, spec, asm, package) parses objects on disk: it must not reach the kernel layer or a feature',
  ),
  layerRules(
    'kernel',
    ['features'],
    'the kernel layer (sys, object, maps, links, ringbuf, perf, events, trace) must not import a feature folder',
  ),
);
