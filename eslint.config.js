// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'coverage/', 'out/', 'src/api/public/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The simulator and the sans-IO layers never read real time or randomness.
    files: ['src/protocol/**/*.ts', 'src/routing/**/*.ts', 'src/sim/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'inject a Clock' },
        { object: 'Math', property: 'random', message: 'inject an Rng' },
        { object: 'performance', property: 'now', message: 'inject a Clock' },
      ],
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:net',
                'node:dgram',
                'node:http',
                'node:fs',
                'node:fs/*',
                'node:timers',
                'net',
                'fs',
                'http',
                'dgram',
              ],
              message: 'the codec is pure',
            },
            {
              group: [
                '../net/*',
                '../routing/*',
                '../share/*',
                '../transfer/*',
                '../sim/*',
                '../api/*',
                '../cli/*',
              ],
              message: 'protocol imports only core',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/routing/**/*.ts', 'src/sim/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:net',
                'node:dgram',
                'node:http',
                'node:fs',
                'node:fs/*',
                'node:timers',
                'net',
                'fs',
                'http',
                'dgram',
              ],
              message: 'back-ends and the simulator are sans-IO',
            },
            {
              group: [
                '../net/*',
                '../../net/*',
                '../transfer/*',
                '../../transfer/*',
                '../api/*',
                '../../api/*',
                '../cli/*',
                '../../cli/*',
              ],
              message: 'see docs/ARCHITECTURE.md: the dependency rule',
            },
          ],
        },
      ],
    },
  },
);
