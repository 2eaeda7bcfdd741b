'use strict';
/*
 * The bench's command line and the sizes and settings every case shares (see run.js for the options).
 */
const path = require('path');

const repoRoot = path.resolve(__dirname, '..', '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
	const i = argv.indexOf(`--${name}`);
	return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const SHORT = flag('short');

const SIZES = SHORT
	? { limited: 300, sequential: 100, httpNode: 300, unlimitedSmall: 300, unlimitedBig: 3000, faults: 300, loadMs: 2000, warmupMs: 500 }
	: { limited: 2000, sequential: 2000, httpNode: 2000, unlimitedSmall: 2000, unlimitedBig: 20000, faults: 2000, loadMs: 5000, warmupMs: 2000 };

const N8N_ENV = {
	// Manual executions are saved (n8n's default, explicit here: results are read from them).
	EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
	// The rest is n8n's default: production executions saved on success and error, SQLite, regular mode.
	N8N_LOG_LEVEL: 'warn',
};
// --n8n-env KEY=VALUE (repeatable): extra n8n settings for every n8n this run boots.
for (let i = 0; i < argv.length; i++) {
	if (argv[i] !== '--n8n-env' || !argv[i + 1]) continue;
	const [key, ...value] = argv[i + 1].split('=');
	N8N_ENV[key] = value.join('=');
}

module.exports = {
	repoRoot,
	flag,
	option,
	SHORT,
	OUT: path.resolve(repoRoot, option('out', SHORT ? '.cache/bench-short.md' : 'BENCHMARKS.md')),
	JSON_OUT: path.resolve(repoRoot, option('json', SHORT ? '.cache/bench-short.json' : '.cache/bench-full.json')),
	SIZES,
	LIMIT: 80, // Meta's default per phone number, msg/s
	LATENCY_MS: 50,
	SLOW_LATENCY_MS: 250,
	CONCURRENCIES: [1, 8, 32],
	PKG: 'n8n-nodes-whatsapp-providers',
	META: 'metaWhatsAppCloudApi',
	N8N_ENV,
	TRIGGER_TYPE_VERSION: Number(option('trigger-type-version', '1.1')),
	/** To measure a variant of the package (e.g. a proposed change) without touching the repository; set by run.js otherwise. */
	run: { packageDir: option('package-dir', undefined) },
};
