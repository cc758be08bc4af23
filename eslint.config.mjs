// Flat config: typescript-eslint's recommended rules for the TypeScript sources and tests,
// plain recommended rules for the few JavaScript scripts, and for the editor code (browser)
// its globals and a ban on the ways text becomes HTML other than nodes/editor/escape.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.node-red-demo/**', '.test-tmp/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The editor bundle runs in Node-RED's editor page: the browser, jQuery and the RED API.
    files: ['nodes/editor/**/*.ts'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', $: 'readonly', jQuery: 'readonly', RED: 'readonly', setTimeout: 'readonly' },
    },
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'Set text with .text() / textContent; HTML only through nodes/editor/escape.ts.' },
        { property: 'outerHTML', message: 'Set text with .text() / textContent; HTML only through nodes/editor/escape.ts.' },
        { property: 'insertAdjacentHTML', message: 'Set text with .text() / textContent; HTML only through nodes/editor/escape.ts.' },
        { object: 'RED', property: 'notify', message: 'Use notifyText() from nodes/editor/escape.ts: RED.notify takes HTML.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='html'][arguments.length>0]",
          message: "jQuery's .html(value) inserts HTML: use .text(), or build elements; HTML only through nodes/editor/escape.ts.",
        },
      ],
    },
  },
  {
    // The one place that hands HTML to Node-RED.
    files: ['nodes/editor/escape.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
);
