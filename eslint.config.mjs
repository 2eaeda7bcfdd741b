import { config } from '@n8n/node-cli/eslint';

export default [
	...config,
	{
		ignores: ['dist/**', 'node_modules/**', 'sandbox/**', 'scripts/**', 'coverage/**', '.n8n-host/**', '*.js', '*.mjs'],
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
];
