#!/usr/bin/env node
'use strict';
/*
 * Benchmarks of Send WhatsApp and the WhatsApp (Providers) Trigger in a real n8n.
 *
 *   npm run bench          full run (~20 min), writes BENCHMARKS.md (and .cache/bench-full.json)
 *   npm run bench:short    a few hundred messages per case, a few seconds of load (~2-3 min),
 *                          writes .cache/bench-short.md (and .json); for CI
 *
 * Options: --short, --out <file>, --json <file>, --cases 1,2,3,4,5,7 (7: one 5 MB document to 1,000
 * recipients, scripts/bench/cases/document.js), --no-build, --keep (keep the n8n
 * user folders), --n8n-env KEY=VALUE (repeatable; extra settings for every n8n booted),
 * --package-dir DIR (bench a built copy of the package instead of the repository),
 * --trigger-type-version V (the trigger node's type version in the benchmark workflow, default 1.1),
 * --from-json FILE (only re-render the report from the figures a run saved),
 * --case ID[,ID] (only these named cases of scripts/bench/cases/, e.g. --case queue; without --cases,
 * no numbered case then runs).
 * The text between <!-- notes:start --> and <!-- notes:end --> in an existing report is kept.
 *
 * Everything runs on 127.0.0.1: the real n8n 2.40.7 from scripts/host (own temporary user folder, free
 * ports, this package installed as a community package) and the provider sandbox in this process.
 * Connections are created, workflows imported and run through n8n's REST API; results are read from the
 * execution data and the sandbox's statistics. Speed and memory are reported, never asserted. The exit
 * code is non-zero when something is broken: a message lost or duplicated by our node with default
 * options, an execution that failed, a trigger request refused, a webhook of 100 messages not giving 100 items.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');

const repoRoot = path.resolve(__dirname, '..', '..');
const h = require('../host/n8n.js');
const { startSandbox } = require('../../sandbox');
const { buildMetaPayload } = require('../../sandbox/webhooks.js');
const { runLoad } = require('./load.js');
const documentCase = require('./cases/document.js');

// ---------------------------------------------------------------- arguments and sizes

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
	const i = argv.indexOf(`--${name}`);
	return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const SHORT = flag('short');
const OUT = path.resolve(repoRoot, option('out', SHORT ? '.cache/bench-short.md' : 'BENCHMARKS.md'));
const JSON_OUT = path.resolve(repoRoot, option('json', SHORT ? '.cache/bench-short.json' : '.cache/bench-full.json'));
// Named cases (scripts/bench/cases/*.js): all by default; --case ID[,ID] selects some and, unless
// --cases is given too, no numbered case.
const NAMED_CASES = fs
	.readdirSync(path.join(__dirname, 'cases'))
	.filter((f) => f.endsWith('.js'))
	.flatMap((f) => require(path.join(__dirname, 'cases', f)).cases ?? []); // document.js is numbered case 7
const SELECTED = option('case', undefined)?.split(',');
const NAMED = SELECTED ? NAMED_CASES.filter((c) => SELECTED.includes(c.id)) : NAMED_CASES;
if (SELECTED && NAMED.length !== SELECTED.length) throw new Error(`--case: known cases are ${NAMED_CASES.map((c) => c.id).join(', ')}`);
const CASES = new Set(option('cases', SELECTED ? '' : '1,2,3,4,5,7').split(',').filter(Boolean).map(Number));
// To measure a variant of the package (e.g. a proposed change) without touching the repository.
let PACKAGE_DIR = option('package-dir', undefined);
const TRIGGER_TYPE_VERSION = Number(option('trigger-type-version', '1.1'));

const SIZES = SHORT
	? { limited: 300, sequential: 100, httpNode: 300, unlimitedSmall: 300, unlimitedBig: 3000, faults: 300, loadMs: 2000, warmupMs: 500 }
	: { limited: 2000, sequential: 2000, httpNode: 2000, unlimitedSmall: 2000, unlimitedBig: 20000, faults: 2000, loadMs: 5000, warmupMs: 2000 };
const LIMIT = 80; // Meta's default per phone number, msg/s
const LATENCY_MS = 50;
const SLOW_LATENCY_MS = 250;
const CONCURRENCIES = [1, 8, 32];

const PKG = 'n8n-nodes-whatsapp-providers';
const META = 'metaWhatsAppCloudApi';
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

const problems = [];
const problem = (message) => {
	problems.push(message);
	log(`PROBLEM: ${message}`);
};
const started = Date.now();
/** The machine's 1-minute load average when each case began: other work on the machine skews the timings. */
const loadAverages = [];
const noteLoad = (label) => loadAverages.push({ label, load1: round(os.loadavg()[0], 2) });
function log(message) {
	const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
	console.log(`[bench ${t}s] ${message}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

// ---------------------------------------------------------------- machine

function machine() {
	const cpus = os.cpus();
	const hostNode = spawnSync(h.paths.nodeBin, ['--version'], { encoding: 'utf8' }).stdout.trim();
	let n8nVersion = '?';
	try {
		n8nVersion = JSON.parse(fs.readFileSync(path.join(h.paths.n8nDir, 'package.json'), 'utf8')).version;
	} catch {
		/* not installed */
	}
	const git = (...args) => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).stdout.trim();
	const dirty = git('status', '--porcelain', '--', 'nodes', 'credentials', 'package.json', 'index.js').length > 0;
	return {
		cpu: cpus[0]?.model ?? '?',
		cores: cpus.length,
		memoryGb: round(os.totalmem() / 2 ** 30, 1),
		os: `${os.type()} ${os.release()}`,
		node: hostNode,
		benchNode: process.version,
		n8n: n8nVersion,
		packageVersion: JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version,
		commit: `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes' : ''}`,
		date: new Date().toISOString(),
	};
}

// ---------------------------------------------------------------- n8n

const userFolders = [];

async function bootN8n(label, env = {}) {
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-bench-${label}-`));
	userFolders.push(userFolder);
	const n8n = await h.startN8n({
		userFolder,
		env: { ...N8N_ENV, ...env },
		...(PACKAGE_DIR ? { packageDir: path.resolve(PACKAGE_DIR) } : {}),
		log: (m) => log(`[n8n ${label}] ${m}`),
	});
	const client = await h.setupOwner(n8n.url, h.DEFAULT_OWNER);
	return { n8n, client };
}

/** RSS of the n8n process and of its process group (n8n + task runner), sampled every 100 ms. */
function memorySampler(n8n) {
	const first = n8n.memory();
	const peak = { ...first };
	const timer = setInterval(() => {
		const m = n8n.memory();
		peak.n8nRssMb = Math.max(peak.n8nRssMb, m.n8nRssMb);
		peak.groupRssMb = Math.max(peak.groupRssMb, m.groupRssMb);
	}, 100);
	return {
		stop() {
			clearInterval(timer);
			return { before: first, peak, after: n8n.memory() };
		},
	};
}

async function metaCredential(client, sb, name = 'Bench Meta', extra = {}) {
	const a = sb.accounts.meta;
	return h.createCredential(client, {
		name,
		type: META,
		data: {
			accessToken: a.accessToken,
			phoneNumberId: a.phoneNumberId,
			wabaId: a.wabaId,
			appSecret: a.appSecret,
			verifyToken: a.verifyToken,
			graphApiVersion: 'v23.0',
			baseUrl: sb.metaBaseUrl,
			...extra,
		},
	});
}

/** Manual Trigger → Code (n items, each a distinct message) → the node under test. */
function sendWorkflow(name, count, runId, sender) {
	const code = [
		`const out = [];`,
		`for (let i = 0; i < ${count}; i++) {`,
		`  out.push({ json: { i, to: '+1555' + String(1000000 + i), text: 'Bench ${runId} message ' + i } });`,
		`}`,
		`return out;`,
	].join('\n');
	return {
		name,
		nodes: [
			{ id: crypto.randomUUID(), name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{ id: crypto.randomUUID(), name: 'Items', type: 'n8n-nodes-base.code', typeVersion: 2, position: [220, 0], parameters: { jsCode: code } },
			{ id: crypto.randomUUID(), position: [440, 0], ...sender },
		],
		connections: {
			Start: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: sender.name, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

function ourSender(credential, options, extra = {}) {
	return {
		name: 'Send WhatsApp',
		type: `${PKG}.sendWhatsApp`,
		typeVersion: 1,
		parameters: {
			authentication: META,
			operation: 'send',
			to: '={{ $json.to }}',
			messageType: 'text',
			text: '={{ $json.text }}',
			options,
		},
		credentials: { [META]: { id: credential.id, name: credential.name } },
		onError: 'continueRegularOutput',
		...extra,
	};
}

/** n8n's HTTP Request node posting the Cloud API JSON, with a Header Auth credential (Authorization: Bearer …). */
function httpSender(credential, sb, options, extra = {}) {
	const a = sb.accounts.meta;
	return {
		name: 'HTTP Request',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.5,
		parameters: {
			method: 'POST',
			url: `${sb.metaBaseUrl}/v23.0/${a.phoneNumberId}/messages`,
			authentication: 'genericCredentialType',
			genericAuthType: 'httpHeaderAuth',
			sendBody: true,
			specifyBody: 'json',
			jsonBody: `={{ JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: $json.to.replace('+', ''), type: 'text', text: { body: $json.text } }) }}`,
			options,
		},
		credentials: { httpHeaderAuth: { id: credential.id, name: credential.name } },
		...extra,
	};
}

/**
 * Runs one send workflow and measures it against the sandbox. `sb` must have been reset and configured.
 * Returns the figures of one table row.
 */
async function runSend(ctx, { label, count, sender, nodeName, memory = false, timeoutMs = 45 * 60_000 }) {
	const { client, n8n, sb } = ctx;
	const runId = crypto.randomBytes(4).toString('hex');
	const wf = await h.importWorkflow(client, sendWorkflow(`Bench: ${label}`, count, runId, sender));
	const sampler = memory ? memorySampler(n8n) : null;
	const t0 = Date.now();
	const { executionId } = await h.runWorkflowManually(client, wf.id, { triggerName: 'Start' });
	if (!executionId) throw new Error(`${label}: no execution started`);
	// Wait on the execution list (no run data), so that the memory figures end when the execution
	// does, not after n8n has serialised a large execution for us.
	const status = await waitForFinish(client, wf.id, executionId, timeoutMs);
	const wallMs = Date.now() - t0;
	const mem = sampler ? sampler.stop() : null;
	const exec = await h.getExecution(client, executionId);
	if (exec.status !== status) exec.status = exec.status ?? status;
	const stats = sb.stats();

	const run = exec.data?.resultData?.runData?.[nodeName]?.[0];
	const items = run?.data?.main?.[0] ?? [];
	const perInput = new Array(count).fill(0);
	let success = 0;
	let errors = 0;
	let deliveryUnknown = 0;
	let retriedInErrors = 0;
	const errorKinds = {};
	const sentIds = [];
	for (const item of items) {
		const paired = Array.isArray(item.pairedItem) ? item.pairedItem[0] : item.pairedItem;
		const index = typeof paired === 'number' ? paired : paired?.item;
		if (Number.isInteger(index) && index >= 0 && index < count) perInput[index]++;
		const json = item.json ?? {};
		if (json.error !== undefined) {
			errors++;
			const sample = `${json.error}${json.retries ? ` (after ${json.retries} retries)` : ''}`;
			errorKinds[sample] = (errorKinds[sample] ?? 0) + 1;
			if (json.deliveryUnknown) deliveryUnknown++;
			retriedInErrors += Number(json.retries ?? 0);
		} else if (json.messageId || json.messages?.[0]?.id) {
			success++;
			sentIds.push(json.messageId ?? json.messages[0].id);
		}
	}
	// What the sandbox accepted (stored messages carry their acceptance time).
	const accepted = await (await fetch(`${sb.url}/__sandbox/messages?provider=meta&limit=1000000`)).json();
	const acceptedIds = new Set(accepted.map((m) => m.id));
	const times = accepted.map((m) => m.at).sort((a, b) => a - b);
	const spanMs = times.length > 1 ? times[times.length - 1] - times[0] : 0;
	const sandboxRate = spanMs > 0 ? ((times.length - 1) * 1000) / spanMs : NaN;
	const sentNotAccepted = sentIds.filter((id) => !acceptedIds.has(id)).length;
	const sentSet = new Set(sentIds);
	const acceptedNotReported = accepted.filter((m) => !sentSet.has(m.id)).length;
	const nodeMs = run ? run.executionTime : NaN;
	const lost = perInput.filter((n) => n === 0).length;
	const extraItems = perInput.reduce((s, n) => s + Math.max(0, n - 1), 0);
	const meta = stats.providers.meta;
	const row = {
		label,
		count,
		status: exec.status,
		error: exec.data?.resultData?.error?.message,
		outputItems: items.length,
		success,
		errors,
		deliveryUnknown,
		lost,
		extraItems,
		accepted: meta.accepted,
		duplicates: stats.messages.duplicates,
		sentNotAccepted,
		acceptedNotReported,
		requests: meta.received,
		rejected429: meta.rejected429,
		faults500: meta.faults500,
		faults429: meta.faults429,
		faultsReset: meta.faultsReset,
		retries: meta.received - Math.min(meta.received, count),
		retriedInErrors,
		errorKinds,
		sandboxRate: round(sandboxRate, 1),
		nodeMs,
		wallMs,
		nodeRate: round((meta.accepted * 1000) / nodeMs, 1),
		wallRate: round((meta.accepted * 1000) / wallMs, 1),
		memory: mem,
	};
	log(
		`${label}: ${row.status}, ${success} sent, ${errors} error items (${deliveryUnknown} delivery unknown), lost ${lost}, ` +
			`accepted ${row.accepted}, duplicates ${row.duplicates}, 429s ${row.rejected429 + row.faults429}, ` +
			`${row.sandboxRate} msg/s first→last accepted, node ${round(nodeMs / 1000, 2)} s, wall ${round(wallMs / 1000, 2)} s` +
			(errors ? `; errors: ${JSON.stringify(errorKinds).slice(0, 600)}` : '') +
			(mem ? `, RSS n8n ${mem.before.n8nRssMb}→${mem.peak.n8nRssMb} MB, group ${mem.before.groupRssMb}→${mem.peak.groupRssMb} MB` : ''),
	);
	return row;
}

const FINISHED = new Set(['success', 'error', 'crashed', 'canceled']);

async function waitForFinish(client, workflowId, executionId, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	const q = new URLSearchParams({ filter: JSON.stringify({ workflowId: String(workflowId) }), limit: '10' });
	while (Date.now() < deadline) {
		const list = await client.get(`/executions?${q}`);
		const e = (list.results ?? list).find((x) => String(x.id) === String(executionId));
		if (e && FINISHED.has(e.status)) return e.status;
		await sleep(100);
	}
	throw new Error(`execution ${executionId} not finished after ${timeoutMs} ms`);
}

/** Our node with default options must lose and duplicate nothing, and finish its execution. */
function checkOurs(row, { allowErrors = false, allowUnknown = false } = {}) {
	if (row.status !== 'success') problem(`${row.label}: execution ${row.status}${row.error ? `: ${row.error}` : ''}`);
	if (row.lost > 0) problem(`${row.label}: ${row.lost} input items without an output item`);
	if (row.extraItems > 0) problem(`${row.label}: ${row.extraItems} extra output items`);
	if (row.duplicates > 0) problem(`${row.label}: ${row.duplicates} duplicated messages at the provider`);
	if (row.sentNotAccepted > 0) problem(`${row.label}: ${row.sentNotAccepted} items say sent, but the provider never accepted them`);
	if (row.acceptedNotReported > 0) problem(`${row.label}: ${row.acceptedNotReported} messages accepted by the provider but not reported as sent`);
	if (!allowErrors && row.errors > 0) problem(`${row.label}: ${row.errors} error items`);
	if (!allowUnknown && row.deliveryUnknown > 0) problem(`${row.label}: ${row.deliveryUnknown} delivery-unknown items`);
	if (row.success + row.errors !== row.count) problem(`${row.label}: ${row.success} sent + ${row.errors} errors ≠ ${row.count} items`);
}

function resetSandbox(sb, behaviour) {
	sb.reset();
	sb.configure({ record: false, ...behaviour });
}

// ---------------------------------------------------------------- cases

async function caseLimited(ctx) {
	noteLoad('1');
	const rows = [];
	const variants = [
		{ label: 'Send WhatsApp, defaults', latencyMs: LATENCY_MS, options: {} },
		{ label: 'Send WhatsApp, defaults, slower provider', latencyMs: SLOW_LATENCY_MS, options: {} },
		{ label: 'Send WhatsApp, Max Concurrent Requests 8 (the earlier default), slower provider', latencyMs: SLOW_LATENCY_MS, options: { concurrency: 8 } },
	];
	for (const v of variants) {
		resetSandbox(ctx.sb, { latencyMs: v.latencyMs, ratePerSecond: LIMIT });
		const row = await runSend(ctx, { label: v.label, count: SIZES.limited, sender: ourSender(ctx.cred, v.options), nodeName: 'Send WhatsApp' });
		row.latencyMs = v.latencyMs;
		checkOurs(row);
		rows.push(row);
	}
	return rows;
}

async function caseCompare(ctx) {
	noteLoad('2');
	const rows = [];
	resetSandbox(ctx.sb, { latencyMs: LATENCY_MS, ratePerSecond: LIMIT });
	const sequential = await runSend(ctx, {
		label: 'Send WhatsApp, Max Concurrent Requests 1',
		count: SIZES.sequential,
		sender: ourSender(ctx.cred, { concurrency: 1 }),
		nodeName: 'Send WhatsApp',
	});
	sequential.latencyMs = LATENCY_MS;
	checkOurs(sequential);
	rows.push(sequential);

	const variants = [
		{
			label: 'HTTP Request, batching 80 items / 1,000 ms, On Error: Continue',
			options: { batching: { batch: { batchSize: 80, batchInterval: 1000 } } },
			extra: { onError: 'continueRegularOutput' },
		},
		{
			label: 'HTTP Request, defaults, On Error: Continue',
			options: {},
			extra: { onError: 'continueRegularOutput' },
		},
		{
			label: 'HTTP Request, defaults, Retry On Fail (3 tries, 1,000 ms)',
			options: {},
			extra: { retryOnFail: true, maxTries: 3, waitBetweenTries: 1000 },
		},
	];
	for (const v of variants) {
		resetSandbox(ctx.sb, { latencyMs: LATENCY_MS, ratePerSecond: LIMIT });
		const row = await runSend(ctx, {
			label: v.label,
			count: SIZES.httpNode,
			sender: httpSender(ctx.httpCred, ctx.sb, v.options, v.extra),
			nodeName: 'HTTP Request',
		});
		row.latencyMs = LATENCY_MS;
		rows.push(row);
	}
	return rows;
}

/** Unlimited: each size in a fresh n8n, so that the memory figures of one run do not carry the other's. */
async function caseUnlimited(ctx) {
	const rows = [];
	for (const count of [SIZES.unlimitedSmall, SIZES.unlimitedBig]) {
		noteLoad(`3 (${count})`);
		const { n8n, client } = await bootN8n(`mem${count}`);
		try {
			const cred = await metaCredential(client, ctx.sb);
			resetSandbox(ctx.sb, { latencyMs: 0 });
			await sleep(2000); // let the boot settle before the baseline sample
			const row = await runSend(
				{ ...ctx, n8n, client },
				{
					label: `Send WhatsApp, ${count.toLocaleString('en-US')} messages, no limit`,
					count,
					sender: ourSender(cred, { messagesPerSecond: 100000 }),
					nodeName: 'Send WhatsApp',
					memory: true,
				},
			);
			checkOurs(row);
			rows.push(row);
		} finally {
			await n8n.stop();
		}
	}
	return rows;
}

async function caseFaults(ctx) {
	noteLoad('4');
	resetSandbox(ctx.sb, {
		latencyMs: LATENCY_MS,
		ratePerSecond: LIMIT,
		seed: 42,
		faults: { p500: 0.1, p429: 0.1, pReset: 0.02, retryAfterSeconds: 1 },
	});
	const row = await runSend(ctx, {
		label: 'Send WhatsApp, defaults, faults',
		count: SIZES.faults,
		sender: ourSender(ctx.cred, {}),
		nodeName: 'Send WhatsApp',
	});
	// Errors are expected here: resets give "delivery unknown" items, and a few may exhaust their attempts.
	checkOurs(row, { allowErrors: true, allowUnknown: true });
	if (row.deliveryUnknown !== row.faultsReset) problem(`${row.label}: ${row.faultsReset} resets but ${row.deliveryUnknown} delivery-unknown items`);
	return row;
}

function triggerWorkflow(cred, webhookId) {
	return {
		name: 'Bench: WhatsApp Trigger (Meta)',
		nodes: [
			{
				id: crypto.randomUUID(),
				name: 'WhatsApp Trigger',
				type: `${PKG}.whatsAppProvidersTrigger`,
				typeVersion: TRIGGER_TYPE_VERSION,
				position: [0, 0],
				webhookId,
				// The load sends one signed body over and over (as to the Webhook node): every copy must run,
				// so Repeated Deliveries is set to Run Again here (the default would ignore the repeats).
				parameters: { authentication: META, triggerOn: ['message'], registerWebhook: false, triggerOptions: { repeatedDeliveries: 'run' } },
				credentials: { [META]: { id: cred.id, name: cred.name } },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
}

function plainWebhookWorkflow(webhookId, webhookPath) {
	return {
		name: 'Bench: plain Webhook',
		nodes: [
			{
				id: crypto.randomUUID(),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId,
				parameters: { httpMethod: 'POST', path: webhookPath, responseMode: 'onReceived', options: {} },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
}

async function executionCount(client, workflowId) {
	const q = new URLSearchParams({ filter: JSON.stringify({ workflowId: String(workflowId) }), limit: '1' });
	const list = await client.get(`/executions?${q}`);
	return list.count;
}

/** n8n settings the trigger load runs under: n8n's defaults, then (full run) the expression engine variants. */
const TRIGGER_CONFIGS = SHORT
	? [{ id: 'default', label: 'n8n defaults', env: {} }]
	: [
			{ id: 'default', label: 'n8n defaults (expression engine `vm`, isolates acquired eagerly)', env: {} },
			{ id: 'lazy', label: '`N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true`', env: { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' } },
			{ id: 'legacy', label: '`N8N_EXPRESSION_ENGINE=legacy` (the engine of n8n 1.x)', env: { N8N_EXPRESSION_ENGINE: 'legacy' } },
		];
const ROUNDS = SHORT ? 1 : 3;

async function setUpTriggers(client, cred, baseUrl) {
	const webhookId = crypto.randomUUID();
	const ours = await h.importWorkflow(client, triggerWorkflow(cred, webhookId));
	await h.activateWorkflow(client, ours.id);
	const oursUrl = await h.waitForWebhook(baseUrl, `${webhookId}/whatsapp`);
	const plainPath = 'bench-plain';
	const plain = await h.importWorkflow(client, plainWebhookWorkflow(crypto.randomUUID(), plainPath));
	await h.activateWorkflow(client, plain.id);
	const plainUrl = await h.waitForWebhook(baseUrl, plainPath);
	return { ours, oursUrl, plain, plainUrl };
}

function signedMetaBody(sb) {
	const payload = buildMetaPayload(
		{ accounts: sb.accounts, addMetaMedia: () => 'unused' },
		{ count: 1, from: '16505551234', name: 'Sheena Nelson', text: 'Hello, I would like to know whether the order I placed last week has shipped. '.repeat(11).trim() },
	);
	const body = Buffer.from(JSON.stringify(payload));
	const signature = `sha256=${crypto.createHmac('sha256', sb.accounts.meta.appSecret).update(body).digest('hex')}`;
	return { body, headers: { 'content-type': 'application/json', 'user-agent': 'facebookexternalua', 'x-hub-signature-256': signature } };
}

const median = (xs) => {
	const a = [...xs].sort((x, y) => x - y);
	return a.length ? (a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2) : NaN;
};

/** Successful executions of a workflow so far. */
async function successCount(client, workflowId) {
	const q = new URLSearchParams({ filter: JSON.stringify({ workflowId: String(workflowId), status: ['success'] }), limit: '1' });
	return (await client.get(`/executions?${q}`)).count;
}

/** Waits until a workflow has `expected` successful executions; resolves to the time that took (ms). */
async function drain(client, workflowId, expected, timeoutMs = 180000) {
	const t0 = Date.now();
	for (;;) {
		const n = await successCount(client, workflowId);
		if (n >= expected) return { ms: Date.now() - t0, count: n };
		if (Date.now() - t0 > timeoutMs) return { ms: Date.now() - t0, count: n, timedOut: true };
		await sleep(50);
	}
}

/**
 * The same signed body at fixed concurrency, keep-alive, to our trigger and to n8n's Webhook node,
 * alternately. After each run the next waits until every request of it has a successful execution:
 * a node may answer before n8n has even created the execution, so requests answered per second
 * alone would flatter it and leave a backlog for the next run. Executions per second counts from the
 * first request to the last execution saved.
 */
async function triggerLoad(client, sb, t, config) {
	const { body, headers } = signedMetaBody(sb);
	const wf = { ours: t.ours.id, plain: t.plain.id };
	const expected = { ours: await successCount(client, wf.ours), plain: await successCount(client, wf.plain) };
	const accepted = { ours: 0, plain: 0 };
	const rows = [];
	const measure = async (name, url, concurrency, durationMs) => {
		const r = await runLoad({ url, headers, body, concurrency, durationMs });
		expected[name] += r.ok;
		accepted[name] += r.ok;
		const d = await drain(client, wf[name], expected[name]);
		if (d.timedOut) problem(`trigger (${config.id}): ${name} has ${d.count} successful executions of ${expected[name]} expected after ${d.ms} ms`);
		r.drainMs = d.ms;
		r.eps = r.ok / ((r.elapsedMs + d.ms) / 1000);
		const refused = r.sent - r.ok;
		if (name === 'ours' && refused > 0) problem(`trigger (${config.id}): ${refused} signed requests not answered 2xx at concurrency ${concurrency} (${JSON.stringify({ ...r.statuses, ...r.errors })})`);
		return r;
	};
	for (const concurrency of CONCURRENCIES) {
		const runs = { ours: [], plain: [] };
		const targets = [
			['ours', t.oursUrl],
			['plain', t.plainUrl],
		];
		for (const [name, url] of targets) await measure(name, url, concurrency, SIZES.warmupMs);
		for (let k = 0; k < ROUNDS; k++) {
			for (const [name, url] of k % 2 ? [...targets].reverse() : targets) {
				const r = await measure(name, url, concurrency, SIZES.loadMs);
				runs[name].push(r);
				log(
					`trigger load (${config.id}) ${name} c=${concurrency} round ${k + 1}: answered ${round(r.rps, 1)} req/s, ` +
						`${round(r.eps, 1)} executions/s (+${r.drainMs} ms to save the last), ${r.ok}/${r.sent} ok, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms` +
						(r.sent - r.ok ? `, NOT OK: ${JSON.stringify({ ...r.statuses, ...r.errors })}` : ''),
				);
			}
		}
		for (const name of ['ours', 'plain']) {
			const rs = runs[name];
			rows.push({
				config: config.id,
				name,
				concurrency,
				rps: median(rs.map((r) => r.rps)),
				eps: median(rs.map((r) => r.eps)),
				rpsRounds: rs.map((r) => round(r.rps, 1)),
				epsRounds: rs.map((r) => round(r.eps, 1)),
				drainMs: rs.map((r) => r.drainMs),
				requests: rs.reduce((sum, r) => sum + r.sent, 0),
				ok: rs.reduce((sum, r) => sum + r.ok, 0),
				p50: median(rs.map((r) => r.latencyMs.p50)),
				p99: median(rs.map((r) => r.latencyMs.p99)),
			});
		}
	}
	const executions = { ours: expected.ours, plain: expected.plain, okOurs: accepted.ours, okPlain: accepted.plain };
	log(`trigger load (${config.id}): ${accepted.ours} requests to the trigger, ${accepted.plain} to the Webhook node, all with a successful execution`);
	return { config, rows, executions, bodyBytes: body.length };
}

async function caseTrigger(ctx) {
	noteLoad('5');
	const { client, sb } = ctx;
	resetSandbox(sb, {});
	const t = await setUpTriggers(client, ctx.cred, ctx.n8n.url);

	// 1. One webhook carrying 100 messages: one execution of 100 items.
	const fired = await sb.fire({ provider: 'meta', url: t.oursUrl, count: 100 });
	const [batchExec] = await h.waitForExecutions(client, t.ours.id, 1, 60000);
	const batchItems = batchExec.data?.resultData?.runData?.['WhatsApp Trigger']?.[0]?.data?.main?.[0] ?? [];
	const batch = { status: fired.status, executions: await executionCount(client, t.ours.id), items: batchItems.length };
	log(`trigger: one webhook of 100 messages → HTTP ${batch.status}, ${batch.executions} execution(s), ${batch.items} items`);
	if (batch.status !== 200 || batch.executions !== 1 || batch.items !== 100) problem(`trigger: a webhook of 100 messages gave HTTP ${batch.status}, ${batch.executions} executions, ${batch.items} items`);

	// 2. Load, under n8n's defaults on the main instance, then under the other configurations.
	const loads = [];
	loads.push(await triggerLoad(client, sb, t, TRIGGER_CONFIGS[0]));
	await h.deactivateWorkflow(client, t.ours.id);
	await h.deactivateWorkflow(client, t.plain.id);
	return { batch, loads };
}

/** The trigger load under other n8n settings, each in its own n8n (run after the main instance stopped). */
async function caseTriggerConfigs(sb) {
	const loads = [];
	for (const config of TRIGGER_CONFIGS.slice(1)) {
		noteLoad(`5 (${config.id})`);
		const { n8n, client } = await bootN8n(`trigger-${config.id}`, config.env);
		try {
			const cred = await metaCredential(client, sb);
			const t = await setUpTriggers(client, cred, n8n.url);
			loads.push(await triggerLoad(client, sb, t, config));
		} finally {
			await n8n.stop();
		}
	}
	return loads;
}

// ---------------------------------------------------------------- report

/** Why the trigger trails the Webhook node under n8n 2.40's defaults (found with --cpu-prof; see BENCHMARKS.md). */
const TRIGGER_NOTES = [
	'Where the difference comes from (CPU profiles of n8n during the load): n8n 2.40 evaluates expressions in V8 isolates (`isolated-vm`) and keeps one warm isolate in its pool. ',
	'For a webhook it takes an isolate for the webhook phase *unless the node is n8n\'s own Webhook node* with static parameters (`webhookPhaseNeedsIsolate` in `live-webhooks.js`), ',
	'and another one when a node reads a credential outside an execution (`CredentialsHelper.applyDefaultsAndOverwrites`), then one for the execution. ',
	'Isolates beyond the warm one are created on the spot, which costs more than everything the trigger itself does (verify, parse, normalise). ',
	'So any trigger node other than n8n\'s Webhook node pays for one or two extra isolates per request under the default settings. ',
	'With `N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true` isolates are only created when an expression is evaluated; n8n evaluates one for every request to a node of type version 1 ',
	'(`={{$parameter["options"]["binaryData"]}}` in `parseRequestBody`, for the Webhook node v1), which is why the trigger\'s type version is 1.1 (the benchmark uses it; `--trigger-type-version 1` measures the old one). ',
	'What remains is n8n reading and decrypting the credential on every request (the trigger needs the App Secret to check the signature). ',
	'With the legacy engine there are no isolates.',
].join('');

function fmt(n, d = 0) {
	if (n === undefined || n === null || Number.isNaN(n)) return '–';
	return Number(n).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}
const ratio = (rate) => (Number.isFinite(rate) ? `${fmt(rate, 1)} (${fmt(rate / LIMIT, 2)})` : '–');

function report(results, env) {
	const L = [];
	const cmd = SHORT ? 'npm run bench:short' : 'npm run bench';
	L.push(SHORT ? '# Benchmarks (short run, CI)' : '# Benchmarks');
	L.push('');
	L.push(
		`Measured ${env.date.slice(0, 10)} with \`${cmd}\` (scripts/bench/run.js): a real n8n ${env.n8n} on Node ${env.node.replace(/^v/, '')}, ` +
			`this package (${env.packageVersion}, commit ${env.commit}) installed as a community package, and the provider sandbox standing in for the Meta Cloud API, all on 127.0.0.1.`,
	);
	L.push('');
	L.push(`Machine: ${env.cpu}, ${env.cores} cores, ${env.memoryGb} GB RAM, ${env.os}.`);
	L.push('');
	if (loadAverages.length) {
		L.push(
			`Other work on the machine skews timings; the 1-minute load average when each case began was ${loadAverages.map((l) => `${l.label}: ${fmt(l.load1, 2)}`).join(', ')} (${env.cores} cores).`,
		);
		L.push('');
	}
	L.push(
		'Speed and memory depend on the machine and are reported, not asserted. `npm run bench:short` runs the same cases with a few hundred messages and a few seconds of load ' +
			'(for CI; figures go to `.cache/bench-short.md`) and exits non-zero if a message is lost or duplicated, an execution fails, or the trigger refuses a signed request.',
	);
	L.push('');
	L.push(
		'How: the workflow is *Manual Trigger → Code (N items, each a distinct text to a distinct number) → the node under test*, created, run and read through n8n\'s REST API. ' +
			'n8n environment: the host defaults of `scripts/host/n8n.js` (SQLite, regular mode, offline) plus `EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS=true` and `N8N_LOG_LEVEL=warn`; ' +
			'production executions are saved (n8n\'s default). *Lost* = an input item with no output item at all; *error items* are failures reported on their item (On Error: Continue); ' +
			'*duplicated* = the same sender, recipient and text accepted twice by the provider; the rate is measured from the first to the last message the sandbox accepted.',
	);
	L.push('');

	const sendRows = [];
	if (results.limited) sendRows.push(...results.limited);
	if (results.compare) sendRows.push(...results.compare);
	if (sendRows.length) {
		L.push(`## 1–2. ${fmt(SIZES.limited)} Meta text messages at an ${LIMIT}/s limit`);
		L.push('');
		L.push(
			`The sandbox answers after ${LATENCY_MS} ms (${SLOW_LATENCY_MS} ms for a slower provider) and allows ${LIMIT} messages per second per phone number (a token bucket of ${LIMIT}, refilled continuously); beyond that it answers \`429\` with Meta error 130429 and \`Retry-After\`. ` +
				'Send WhatsApp runs with On Error: Continue; its options are at their defaults (Messages Per Second 0 = Meta 80/s, Max Concurrent Requests 0 = enough for the pace, which is 80 at 80/s, Max Attempts 5) unless the row says otherwise.',
		);
		L.push('');
		L.push('| Node and settings | Provider latency | Items | msg/s first→last accepted (÷ limit) | msg/s over the node\'s run | Execution wall time | Delivered | 429s seen | Error items | Lost | Duplicated |');
		L.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
		for (const r of sendRows) {
			const failedRun = r.status !== 'success' ? ` (execution ${r.status}: no output)` : '';
			L.push(
				`| ${r.label} | ${fmt(r.latencyMs)} ms | ${fmt(r.count)} | ${ratio(r.sandboxRate)} | ${fmt(r.nodeRate, 1)} | ${fmt(r.wallMs / 1000, 1)} s | ${fmt(r.accepted)} | ${fmt(r.rejected429 + r.faults429)} | ${fmt(r.errors)} | ${fmt(r.lost)}${failedRun} | ${fmt(r.duplicates)} |`,
			);
		}
		L.push('');
		L.push(
			'*msg/s over the node\'s run* = messages delivered ÷ the node\'s own execution time (n8n\'s `executionTime`); the wall time also covers starting the execution, the Code node and saving the execution. ' +
				'The HTTP Request rows use n8n\'s HTTP Request node 4.5 (the version the editor adds today) with a Header Auth credential (`Authorization: Bearer …`) and a JSON body expression, as a user would build it. ' +
				'Without batching it starts every request at once; Retry On Fail re-runs the whole node, so the messages that went through the first time go again.',
		);
		L.push('');
	}

	if (results.unlimited) {
		L.push('## 3. No limit: throughput and memory');
		L.push('');
		L.push(
			'The sandbox answers at once with no limit; Send WhatsApp has Messages Per Second 100,000 and Max Concurrent Requests at its default (0: enough for the pace, at most 100). Each size runs in a freshly started n8n. ' +
				'RSS is sampled every 100 ms from `/proc` for the n8n process and for its process group (n8n and its task runner, which runs the Code node).',
		);
		L.push('');
		L.push('| Messages | msg/s first→last accepted | msg/s over the node\'s run | Wall time | n8n RSS before → peak | n8n + runner RSS before → peak | Growth (peak − before) | Lost | Duplicated |');
		L.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
		for (const r of results.unlimited) {
			const m = r.memory;
			L.push(
				`| ${fmt(r.count)} | ${fmt(r.sandboxRate, 0)} | ${fmt(r.nodeRate, 0)} | ${fmt(r.wallMs / 1000, 1)} s | ${m.before.n8nRssMb} → ${m.peak.n8nRssMb} MB | ${m.before.groupRssMb} → ${m.peak.groupRssMb} MB | ${m.peak.groupRssMb - m.before.groupRssMb} MB | ${fmt(r.lost)} | ${fmt(r.duplicates)} |`,
			);
		}
		const [small, big] = results.unlimited;
		if (small && big) {
			const gs = small.memory.peak.groupRssMb - small.memory.before.groupRssMb;
			const gb = big.memory.peak.groupRssMb - big.memory.before.groupRssMb;
			L.push('');
			L.push(
				`${fmt(big.count / small.count, 0)}× the items: the peak grew ${fmt(gb / Math.max(1, gs), 1)}× as much (${gs} MB → ${gb} MB), ` +
					`about ${fmt((gb * 1024) / big.count, 1)} KB per item at ${fmt(big.count)} (a peak of resident memory, garbage not yet collected included).`,
			);
		}
		L.push('');
	}

	if (results.faults) {
		const r = results.faults;
		L.push('## 4. Faults');
		L.push('');
		L.push(
			`${fmt(r.count)} messages, ${LATENCY_MS} ms latency, ${LIMIT}/s limit, and random faults from a fixed seed: 10% \`500\`, 10% \`429\` (130429, \`Retry-After: 1\`), 2% connection resets after the request was read (not accepted). ` +
				'Send WhatsApp at its defaults (5 attempts, Retry When Delivery Is Unknown off), On Error: Continue.',
		);
		L.push('');
		L.push('| Delivered | Requests | Retries (requests − items) | 500s | 429s (faults + limit) | Resets | Delivery unknown (error items) | Other error items | Lost | Duplicated | msg/s first→last accepted | Wall time |');
		L.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
		L.push(
			`| ${fmt(r.accepted)} | ${fmt(r.requests)} | ${fmt(r.retries)} | ${fmt(r.faults500)} | ${fmt(r.faults429 + r.rejected429)} (${fmt(r.faults429)} + ${fmt(r.rejected429)}) | ${fmt(r.faultsReset)} | ${fmt(r.deliveryUnknown)} | ${fmt(r.errors - r.deliveryUnknown)} | ${fmt(r.lost)} | ${fmt(r.duplicates)} | ${fmt(r.sandboxRate, 1)} | ${fmt(r.wallMs / 1000, 1)} s |`,
		);
		L.push('');
		L.push(
			'Every reset is reported on its item as *delivery unknown* and not resent (the customer cannot get it twice); every other fault is retried on its item, honouring `Retry-After`.',
		);
		L.push('');
	}

	if (results.trigger) {
		const t = results.trigger;
		L.push('## 5. Trigger');
		L.push('');
		L.push(`One signed Meta webhook carrying 100 messages: HTTP ${t.batch.status}, ${t.batch.executions} execution, ${t.batch.items} items.`);
		L.push('');
		const bytes = t.loads[0]?.bodyBytes;
		L.push(
			`Inbound load: the same ${fmt(bytes)}-byte Meta body (one text message, signed with \`X-Hub-Signature-256\`) posted back to back by a fixed number of keep-alive connections, ` +
				`to the active WhatsApp (Providers) Trigger (Meta, Messages: the signature is verified, the message normalised, one execution per request) ` +
				'and to n8n\'s own Webhook node (POST, Respond: Immediately, no check), alternately, in the same n8n, from the same load generator (in the benchmark process, on the same machine). ' +
				`Each figure is the median of ${ROUNDS} run${ROUNDS > 1 ? 's' : ''} of ${fmt(SIZES.loadMs / 1000)} s after ${fmt(SIZES.warmupMs / 1000, 1)} s of warm-up; production executions are saved, as n8n does by default.`,
		);
		L.push('');
		L.push('| n8n settings | Connections | WhatsApp Trigger executions/s (answered req/s) | Webhook node executions/s (answered req/s) | Ratio of executions/s | WhatsApp Trigger p50 / p99 answer | Webhook node p50 / p99 answer |');
		L.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
		for (const load of t.loads) {
			for (const c of CONCURRENCIES) {
				const o = load.rows.find((x) => x.name === 'ours' && x.concurrency === c);
				const p = load.rows.find((x) => x.name === 'plain' && x.concurrency === c);
				if (!o || !p) continue;
				L.push(
					`| ${c === CONCURRENCIES[0] ? load.config.label : ''} | ${c} | ${fmt(o.eps, 1)} (${fmt(o.rps, 1)}) | ${fmt(p.eps, 1)} (${fmt(p.rps, 1)}) | ${fmt(o.eps / p.eps, 2)} | ${fmt(o.p50, 1)} / ${fmt(o.p99, 1)} ms | ${fmt(p.p50, 1)} / ${fmt(p.p99, 1)} ms |`,
				);
			}
		}
		L.push('');
		L.push(
			'*Executions/s* = requests answered 2xx ÷ the time from the first request to the last of their executions saved as successful (the next run starts only then). ' +
				'Both nodes are answered by n8n once it has created the execution; executions/s also counts running and saving them, so a node that answered ahead of n8n could not look faster than it is.',
		);
		L.push('');
		const ex = t.loads.map((l) => `${l.config.id}: ${fmt(l.executions.okOurs)} trigger requests, ${fmt(l.executions.okPlain)} Webhook node requests`);
		L.push(`Every request answered 2xx gave one successful execution (${ex.join('; ')}).`);
		L.push('');
		L.push(TRIGGER_NOTES);
		L.push('');
	}

	if (results.document) L.push(...documentCase.report(results.document, { fmt }));
	for (const c of NAMED_CASES) {
		if (!results[c.id]?.length) continue;
		L.push(`## ${c.title}`);
		L.push('');
		L.push(...c.report(results[c.id]));
		L.push('');
	}

	L.push('## Reproduce');
	L.push('');
	L.push('```bash');
	L.push('npm install');
	L.push(cmd + (SHORT ? '' : '            # ~17 minutes; writes BENCHMARKS.md and .cache/bench-full.json'));
	L.push('node scripts/bench/run.js --cases 1,4   # only some cases; also --short, --out FILE, --json FILE, --no-build, --keep,');
	L.push('                                        # --n8n-env KEY=VALUE, --package-dir DIR, --trigger-type-version V, --from-json FILE');
	L.push(`npm run bench -- --case ${NAMED_CASES.map((c) => c.id).join(',')}   # only named cases (scripts/bench/cases/)`);
	L.push('```');
	L.push('');
	if (problems.length) {
		L.push('## Problems found in this run');
		L.push('');
		for (const p of problems) L.push(`- ${p}`);
		L.push('');
	}
	return L.join('\n');
}

/** Keeps the hand-written notes of an existing report (between the markers), after the introduction. */
function withNotes(text, file) {
	let notes = '';
	try {
		const m = /<!-- notes:start -->[\s\S]*?<!-- notes:end -->/.exec(fs.readFileSync(file, 'utf8'));
		if (m) notes = m[0];
	} catch {
		/* first report */
	}
	if (!notes) return text;
	const at = text.indexOf('\n## ');
	return at < 0 ? `${text}\n\n${notes}` : `${text.slice(0, at)}\n${notes}\n${text.slice(at)}`;
}

// ---------------------------------------------------------------- main

/** What a named case (scripts/bench/cases/) gets to work with. */
function namedContext(ctx) {
	return { ...ctx, h, SHORT, log, problem, noteLoad, sleep, sendWorkflow, ourSender, waitForFinish, metaCredential, userFolders, N8N_ENV, packageDir: PACKAGE_DIR };
}

async function main() {
	log(`${SHORT ? 'short' : 'full'} run, cases ${[...CASES].join(',')}, report → ${path.relative(repoRoot, OUT)}`);
	if (!flag('no-build') && !PACKAGE_DIR && !option('from-json', undefined)) {
		log('npm run build');
		const b = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
		if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stdout}\n${b.stderr}`);
	}
	const fromJson = option('from-json', undefined);
	if (fromJson) {
		// Re-renders a report from saved figures (e.g. after editing its notes or the report's wording).
		const saved = JSON.parse(fs.readFileSync(path.resolve(fromJson), 'utf8'));
		Object.assign(SIZES, saved.sizes);
		loadAverages.push(...(saved.loadAverages ?? []));
		problems.push(...(saved.problems ?? []));
		fs.writeFileSync(OUT, withNotes(report(saved.results, saved.env), OUT) + '\n');
		log(`wrote ${path.relative(repoRoot, OUT)} from ${fromJson}`);
		return;
	}
	if (!PACKAGE_DIR) {
		// Every n8n of this run installs the same build, even if the repository is rebuilt meanwhile.
		PACKAGE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-bench-package-'));
		userFolders.push(PACKAGE_DIR);
		for (const f of ['package.json', 'index.js', 'README.md', 'LICENSE.md', 'dist']) {
			if (fs.existsSync(path.join(repoRoot, f))) fs.cpSync(path.join(repoRoot, f), path.join(PACKAGE_DIR, f), { recursive: true });
		}
	}
	const env = machine();
	const sb = await startSandbox({ host: '127.0.0.1', port: 0 });
	const results = {};
	let main = null;
	try {
		const needsMain = [1, 2, 4, 5].some((c) => CASES.has(c)) || NAMED.some((c) => c.needsMain);
		if (needsMain) {
			main = await bootN8n('main');
			const cred = await metaCredential(main.client, sb);
			const httpCred = await h.createCredential(main.client, {
				name: 'Bench Graph API bearer',
				type: 'httpHeaderAuth',
				data: { name: 'Authorization', value: `Bearer ${sb.accounts.meta.accessToken}` },
			});
			const ctx = { ...main, sb, cred, httpCred };
			if (CASES.has(1)) results.limited = await caseLimited(ctx);
			if (CASES.has(2)) results.compare = await caseCompare(ctx);
			if (CASES.has(4)) results.faults = await caseFaults(ctx);
			if (CASES.has(5)) results.trigger = await caseTrigger(ctx);
			for (const c of NAMED.filter((x) => x.needsMain)) results[c.id] = await c.run(namedContext(ctx));
			await main.n8n.stop();
			main = null;
		}
		if (CASES.has(5) && results.trigger) results.trigger.loads.push(...(await caseTriggerConfigs(sb)));
		if (CASES.has(3)) results.unlimited = await caseUnlimited({ sb });
		if (CASES.has(7)) {
			// One 5 MB document to 1,000 recipients (scripts/bench/cases/document.js).
			noteLoad('7');
			const helpers = { h, bootN8n, metaCredential, memorySampler, waitForFinish, runSend, ourSender, resetSandbox, log, problem, sleep };
			results.document = await documentCase.run({ ...helpers, sb, short: SHORT, meta: META, textBaseline: results.unlimited?.[0] });
		}
		for (const c of NAMED.filter((x) => !x.needsMain)) results[c.id] = await c.run(namedContext({ sb }));
	} catch (err) {
		problem(`benchmark aborted: ${err.stack || err.message}`);
	} finally {
		if (main) await main.n8n.stop();
		await sb.close();
		if (!flag('keep')) for (const f of userFolders) fs.rmSync(f, { recursive: true, force: true });
		else log(`kept n8n user folders: ${userFolders.join(', ')}`);
	}
	fs.mkdirSync(path.dirname(OUT), { recursive: true });
	fs.writeFileSync(OUT, withNotes(report(results, env), OUT) + '\n');
	fs.mkdirSync(path.dirname(JSON_OUT), { recursive: true });
	fs.writeFileSync(JSON_OUT, JSON.stringify({ env, sizes: SIZES, loadAverages, results, problems }, null, 2) + '\n');
	log(`wrote ${path.relative(repoRoot, OUT)} and ${path.relative(repoRoot, JSON_OUT)} in ${round((Date.now() - started) / 1000, 0)} s`);
	if (problems.length) {
		console.error(`\n${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
		process.exitCode = 1;
	}
}

// Interrupted: exit, so that scripts/host/n8n.js stops every n8n this run started (its 'exit' handler).
for (const signal of ['SIGINT', 'SIGTERM']) {
	process.once(signal, () => {
		if (!flag('keep')) for (const f of userFolders) fs.rmSync(f, { recursive: true, force: true });
		process.exit(130);
	});
}

main().catch((err) => {
	console.error(err);
	process.exitCode = 1;
});
