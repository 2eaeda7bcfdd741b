import js from '@eslint/js';
import { config } from '@n8n/node-cli/eslint';
import globals from 'globals';

// The tools around the package (run on Node, never inside n8n): the provider sandbox and the scripts
// (bench, host, scan). They get ESLint's recommended JavaScript rules; n8n's community-node rules
// stay on the package code.
const toolFiles = ['sandbox/**/*.js', 'scripts/**/*.js', 'scripts/**/*.mjs'];
const packageOnlyRules = Object.fromEntries(
	config
		.flatMap((c) => Object.keys(c.rules ?? {}))
		.filter((rule) => rule.startsWith('@n8n/community-nodes/') || rule.startsWith('n8n-nodes-base/'))
		.map((rule) => [rule, 'off']),
);

export default [
	...config,
	{
		ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.n8n-host/**', '.cache/**', '*.js', '*.mjs'],
	},
	{
		// Tests run under Jest on Node, never inside n8n: the n8n Cloud restrictions do not apply.
		files: ['test/**/*.ts'],
		rules: {
			'@n8n/community-nodes/no-restricted-globals': 'off',
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/no-hardcoded-secrets': 'off',
		},
	},
	{
		// The type declarations of the sandbox and the scripts keep the TypeScript rules only.
		files: ['sandbox/**/*.ts', 'scripts/**/*.ts'],
		rules: packageOnlyRules,
	},
	{
		files: toolFiles,
		...js.configs.recommended,
		languageOptions: {
			ecmaVersion: 2024,
			sourceType: 'commonjs',
			globals: { ...globals.node },
		},
		rules: {
			...js.configs.recommended.rules,
			'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
			eqeqeq: ['error', 'always', { null: 'ignore' }],
			'no-var': 'error',
			'prefer-const': 'error',
			'no-throw-literal': 'error',
			strict: ['error', 'global'],
		},
	},
	{
		// The playground phone's page runs in the browser (render.js also loads in Node for its tests).
		files: ['sandbox/phone/**/*.js'],
		languageOptions: { sourceType: 'script', globals: { ...globals.browser, module: 'readonly' } },
	},
	{
		files: ['scripts/**/*.mjs'],
		languageOptions: { sourceType: 'module' },
		rules: { strict: 'off' },
	},
];
