#!/usr/bin/env node
// @ts-check
'use strict';

// Starts the provider sandbox and prints its URLs: node sandbox/cli.js --port 4010
// Ctrl-C stops it. Secrets are never printed (GET /__sandbox/accounts?secrets=1 serves them to
// local tools, e.g. a start script that creates n8n credentials).

const fs = require('node:fs');
const { startSandbox } = require('./index');

const USAGE = `Usage: node sandbox/cli.js [options]

  --port <n>             port to listen on (default 4010, env SANDBOX_PORT; 0 = any free port)
  --host <addr>          address to bind (default 127.0.0.1, env SANDBOX_HOST)
  --public-url <url>     base URL put into media links, when receivers reach the sandbox elsewhere
  --accounts <file>      JSON file with account overrides ({ twilio, meta, gateway })
  --latency <ms>         delay every provider response
  --rate <n>             message sends per second per provider account (429 beyond)
  --p500 <p> --p429 <p> --preset <p>   random fault probabilities (seeded)
  --seed <n>             PRNG seed for faults and jitter
  --auto-status          send 'sent' and 'delivered' status webhooks after accepting a message
  --verify-callbacks     Meta: verify override_callback_uri with a hub.challenge GET
  --no-record            only count requests (benchmarks)
  --quiet                do not log one line per request
  --json                 print the URLs as one JSON line (for scripts) instead of text
  -h, --help             this help
`;

/** @param {string[]} argv */
function parseArgs(argv) {
	/** @type {Record<string, string | boolean>} */
	const out = {};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '-h' || a === '--help') out.help = true;
		else if (a.startsWith('--')) {
			const eq = a.indexOf('=');
			if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
			else if (['auto-status', 'verify-callbacks', 'no-record', 'quiet', 'json'].includes(a.slice(2))) out[a.slice(2)] = true;
			else {
				const v = argv[i + 1];
				if (v === undefined) throw new Error(`missing value for ${a}`);
				out[a.slice(2)] = v;
				i++;
			}
		} else throw new Error(`unexpected argument ${a}`);
	}
	return out;
}

/** @param {string | boolean | undefined} v @param {string} name */
function num(v, name) {
	if (v === undefined || typeof v === 'boolean') return undefined;
	const n = Number(v);
	if (!Number.isFinite(n)) throw new Error(`--${name} needs a number`);
	return n;
}

async function main() {
	let args;
	try {
		args = parseArgs(process.argv.slice(2));
	} catch (e) {
		process.stderr.write(`${/** @type {Error} */ (e).message}\n\n${USAGE}`);
		process.exit(2);
	}
	if (args.help) {
		process.stdout.write(USAGE);
		return;
	}
	const accounts = typeof args.accounts === 'string' ? JSON.parse(fs.readFileSync(args.accounts, 'utf8')) : undefined;
	const port = num(args.port, 'port') ?? num(process.env.SANDBOX_PORT, 'SANDBOX_PORT') ?? 4010;
	const host = typeof args.host === 'string' ? args.host : (process.env.SANDBOX_HOST ?? '127.0.0.1');
	/** @type {import('./types').ConfigureOptions} */
	const behaviour = {};
	const latency = num(args.latency, 'latency');
	if (latency !== undefined) behaviour.latencyMs = latency;
	const rate = num(args.rate, 'rate');
	if (rate !== undefined) behaviour.ratePerSecond = rate;
	const p500 = num(args.p500, 'p500');
	const p429 = num(args.p429, 'p429');
	const pReset = num(args.preset, 'preset');
	if (p500 !== undefined || p429 !== undefined || pReset !== undefined) behaviour.faults = { p500, p429, pReset };
	const seed = num(args.seed, 'seed');
	if (seed !== undefined) behaviour.seed = seed;
	if (args['auto-status']) behaviour.autoStatusCallbacks = true;
	if (args['verify-callbacks']) behaviour.verifyWebhookCallbacks = true;
	if (args['no-record']) behaviour.record = false;

	/** @type {import('./types').SandboxOptions} */
	const options = { host, port, behaviour };
	if (accounts) options.accounts = accounts;
	if (typeof args['public-url'] === 'string') options.publicUrl = args['public-url'];
	if (!args.quiet && !args.json) options.log = (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
	const sb = await startSandbox(options);

	if (args.json) {
		process.stdout.write(
			JSON.stringify({
				url: sb.url,
				twilioBaseUrl: sb.twilioBaseUrl,
				metaBaseUrl: sb.metaBaseUrl,
				gatewayUrl: sb.gatewayUrl,
				controlUrl: sb.controlUrl,
			}) + '\n',
		);
	} else {
		const a = sb.accounts;
		process.stdout.write(
			[
				`WhatsApp provider sandbox listening on ${sb.url}`,
				`  Twilio base URL   ${sb.twilioBaseUrl}   (Account SID ${a.twilio.accountSid}, sender ${a.twilio.whatsappNumber})`,
				`  Meta Graph URL    ${sb.metaBaseUrl}     (Phone Number ID ${a.meta.phoneNumberId}, WABA ${a.meta.wabaId})`,
				`  Gateway URL       ${sb.gatewayUrl}  (auth ${a.gateway.authToken ? a.gateway.authMode : 'none'})`,
				`  Control API       ${sb.controlUrl}  (requests, stats, reset, fail, configure, fire)`,
				`  Playground phone  ${sb.url}/   (requests log on its Requests tab; ${sb.url}/dev the plain page)`,
				`  Credentials: the sandbox defaults (sandbox/README.md) or your --accounts file; not printed here.`,
				'Ctrl-C stops.',
				'',
			].join('\n'),
		);
	}

	let stopping = false;
	const stop = async () => {
		if (stopping) return;
		stopping = true;
		await sb.close();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((e) => {
	process.stderr.write(`sandbox: ${/** @type {Error} */ (e).message}\n`);
	process.exit(1);
});
