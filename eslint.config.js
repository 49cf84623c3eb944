// @ts-check
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const electronOnlyInGlue = {
  name: 'electron',
  message: 'Only main/index.ts, the Electron transport and the preload import electron; inject what you need instead.',
};

/** Each process may reach only what its boundary allows (STYLE.md habit 11). */
const boundaries = [
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInGlue],
          patterns: [
            { group: ['**/main/**', '**/preload/**'], message: 'The renderer talks to main only through window.localbrain.' },
            { group: ['node:*'], message: 'The renderer has no Node.' },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInGlue],
          patterns: [
            {
              group: ['**/main/**', '**/preload/**', '**/renderer/**'],
              message: 'shared/ is the contract; it depends on nothing of ours.',
            },
            { group: ['node:*'], message: 'shared/ runs in every process, the sandboxed renderer included.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/index.ts', 'main/transport/electron.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ ...electronOnlyInGlue, allowTypeImports: true }],
          patterns: [
            { group: ['**/renderer/**', '**/preload/**'], message: 'main/ does not import the renderer or the preload.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/ipc/**/*.ts', 'main/ports/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [electronOnlyInGlue], patterns: [{ group: ['**/renderer/**', '**/preload/**', '**/transport/**'] }] },
      ],
    },
  },
  {
    // Services never call back up the message layer: what they share with it (Sender, audit
    // records) lives in main/ports/, which both sides depend on.
    files: ['main/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInGlue],
          patterns: [
            { group: ['**/renderer/**', '**/preload/**', '**/transport/**'] },
            {
              group: ['**/ipc/**', '**/handlers/**', '**/core', '**/core.ts'],
              message: 'Services do not know the message layer; depend on main/ports/ instead.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/main/**', '**/renderer/**'], message: 'The preload only bridges; it owns no logic.' },
            { group: ['node:*'] },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'tests/.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-definitions': 'off',
      '@typescript-eslint/no-confusing-void-expression': [
        'error',
        { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true },
      ],
    },
  },
  {
    files: ['renderer/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // A plugin's entry is a plain script in the QuickJS sandbox: `localbrain` is its only global beyond ECMAScript's.
    files: ['plugins/**/*.js'],
    languageOptions: { globals: { localbrain: 'readonly' } },
  },
  ...boundaries,
);
