// Layer rules and promise hygiene, checked by `npm test` (scripts/test.sh runs `eslint .`).
// electron/core is plain Node for the CLI, the app and the preview alike: it never reaches up into the shell,
// the lab, the CLI or the preview. shared/ runs in the renderer too: no node: modules. scripts/ never imports
// tests. Type-aware rules catch promises that nobody awaits (a lost rejection is a lost error).
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];

export default tseslint.config(
  // The renderer is checked by svelte-check; the two Vite configs are outside the TypeScript project.
  { ignores: ['node_modules/', 'dist/', 'dist-electron/', 'dist-cli/', 'release/', 'test-results/', 'renderer/**', 'vite.config.ts', 'vitest.config.ts'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['electron', 'electron/*'], message: 'electron/core is plain Node.js: no Electron.' },
        { group: ['**/lab/**', '**/lab-session*'], message: 'electron/core never imports the lab.' },
        { group: ['**/cli', '**/cli/**', '**/cli.ts'], message: 'electron/core never imports the CLI.' },
        { group: ['**/preview/**'], message: 'electron/core never imports the browser preview.' },
        { group: ['../main*', '../preload*', '../ipc*', '../../electron/main*'], message: 'electron/core never imports the Electron shell.' },
      ]),
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['node:*'], message: 'shared/ also runs in the renderer: no node: modules.' },
        { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ depends on nothing but itself.' },
      ]),
    },
  },
  {
    files: ['scripts/**/*.ts', 'scripts/**/*.mjs'],
    rules: { 'no-restricted-imports': restrict([{ group: ['**/test/**'], message: 'scripts/ never imports test code.' }]) },
  },
);
