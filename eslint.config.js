// Flat config: typescript-eslint's recommended rules over the component (src/, test/, bench/, demo/,
// scripts/) and the workspace packages, plus the two type-aware promise rules on every TypeScript file:
// a promise nobody awaits or catches is how an ENOSPC became a crash (issue 12). Type information
// comes from the nearest tsconfig.json (projectService); test/, bench/, demo/ and the local cloud's
// test/ have their own for that.
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
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // tap awaits every subtest it creates and fails the run when one fails, so t.test(...) at
          // the top of a file or inside a test is not a floating promise.
          allowForKnownSafePromises: [
            { from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
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
