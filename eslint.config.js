// Flat config: typescript-eslint's recommended rules over the component (src/, test/, bench/, demo/,
// scripts/) and the workspace packages.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/coverage/**', '**/.tap/**', 'greengrass-build/**', '**/node_modules/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: [
      'scripts/**',
      'test/**',
      'bench/**',
      'demo/**',
      'src/cli/**',
      'packages/localcloud/src/cli.ts',
      'packages/localcloud/test/**',
    ],
    rules: { 'no-console': 'off' },
  },
);
