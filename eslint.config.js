// Type-aware lint plus the architecture's import rules (see README "Architecture").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import boundaries from 'eslint-plugin-boundaries';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const ioLibraries = ['bullmq', 'ioredis', 'whatsapp-web.js', 'rss-parser', 'node-cron', 'pino', 'zod', 'commander'];
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/**
 * The layers, by folder (docs/architecture.md): what each may import. Anything not listed is refused.
 * main.ts and wiring.ts are the composition root: they alone wire adapters into use-cases. (`mode: 'file'`
 * classifies single files; eslint-plugin-boundaries 7 warns it is deprecated but has no replacement for it yet.)
 */
const layers = [
  { type: 'domain', pattern: 'src/domain/**', mode: 'full' },
  { type: 'ports', pattern: ['src/ports.ts', 'src/ports/**'], mode: 'file' },
  { type: 'lib', pattern: 'src/lib/**', mode: 'file' },
  { type: 'app', pattern: 'src/app/**', mode: 'file' },
  { type: 'adapters', pattern: 'src/adapters/**', mode: 'file' },
  { type: 'entrypoints', pattern: 'src/entrypoints/**', mode: 'file' },
  { type: 'config', pattern: 'src/config.ts', mode: 'file' },
  { type: 'root', pattern: ['src/main.ts', 'src/wiring.ts', 'src/roles.ts', 'src/publishers.ts', 'src/feed-reader.ts'], mode: 'file' },
  { type: 'types', pattern: 'src/types/**', mode: 'file' },
];
const mayImport = {
  domain: ['domain'],
  ports: ['domain', 'ports'],
  lib: ['lib', 'domain'],
  app: ['app', 'domain', 'ports', 'lib'],
  adapters: ['adapters', 'domain', 'ports', 'lib', 'types'],
  entrypoints: ['entrypoints', 'app', 'domain', 'ports', 'lib', 'config'],
  config: ['domain', 'lib'],
  root: ['root', 'config', 'entrypoints', 'app', 'adapters', 'domain', 'ports', 'lib', 'types'],
  types: [],
};
const tsResolver = createTypeScriptImportResolver({ project: './tsconfig.json' });

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
    files: ['src/**/*.ts'],
    plugins: { boundaries, 'import-x': importX },
    settings: {
      'boundaries/elements': layers,
      'import/resolver': { typescript: { project: './tsconfig.json' } },
      'import-x/resolver-next': [tsResolver],
      // no-cycle reads the files an import leads to: it must parse them as TypeScript.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: Object.entries(mayImport).map(([from, to]) => ({ from: { element: { type: from } }, allow: { to: { element: { types: { anyOf: to } } } } })),
        },
      ],
      'import-x/no-cycle': 'error',
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
