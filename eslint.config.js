// Type-aware lint plus the architecture's import rules (see README "Architecture").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const ioLibraries = ['bullmq', 'ioredis', 'whatsapp-web.js', 'rss-parser', 'node-cron', 'pino', 'zod', 'commander'];
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: restrict([
      { group: ioLibraries, message: 'domain/ is pure: no I/O libraries.' },
      { group: ['node:fs*', 'node:http*', 'node:net', 'node:child_process', 'fs', 'http', 'https'], message: 'domain/ does no I/O.' },
      { group: ['../adapters/*', '../app/*', '../entrypoints/*', '../main.js'], message: 'domain/ depends on nothing outside itself.' },
    ]),
  },
  {
    files: ['src/app/**/*.ts'],
    rules: restrict([
      { group: ioLibraries.filter((l) => l !== 'zod'), message: 'app/ talks to the world through ports only.' },
      { group: ['../adapters/*', '../entrypoints/*', '../main.js'], message: 'app/ imports domain/ and ports only.' },
    ]),
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: restrict([{ group: ['../app/*', '../../app/*', '../entrypoints/*', '../../entrypoints/*', '../main.js'], message: 'adapters implement ports; they never call use-cases.' }]),
  },
  {
    files: ['src/entrypoints/**/*.ts'],
    rules: restrict([{ group: ['../adapters/*', '../../adapters/*', '../main.js'], message: 'entrypoints are handed ports by main.ts.' }]),
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*', '*.config.*'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'max-lines': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
);
