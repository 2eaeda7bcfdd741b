/**
 * End-to-end tests (npm run test:e2e): a real n8n 2.40.7 with this package installed as a
 * community package, booted once for the whole run (test/e2e/globalSetup.ts), and the provider
 * sandbox in each test file. The files run one after another in one process.
 * @type {import('jest').Config}
 */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
	},
	globalSetup: '<rootDir>/test/e2e/globalSetup.ts',
	globalTeardown: '<rootDir>/test/e2e/globalTeardown.ts',
	testSequencer: '<rootDir>/test/e2e/sequencer.js',
	maxWorkers: 1,
	testTimeout: 120000,
	slowTestThreshold: 30,
	verbose: true,
};
