'use strict';
/*
 * The bench's harness: logging and problems, the machine, booting n8n, the Meta credential, the send
 * workflow and its senders, and runSend (one send workflow measured against the sandbox). Every case
 * (scripts/bench/cases/) gets these in its context.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');

const h = require('../host/n8n.js');
const { repoRoot, PKG, META, N8N_ENV, TRIGGER_TYPE_VERSION, run: runOptions } = require('./options.js');

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
const median = (xs) => {
	const a = [...xs].sort((x, y) => x - y);
	return a.length ? (a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2) : NaN;
};

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
		...(runOptions.packageDir ? { packageDir: path.resolve(runOptions.packageDir) } : {}),
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

/** A workflow of one WhatsApp trigger (Meta, not registering its URL with Meta) with the given options. */
function triggerWorkflow(name, cred, webhookId, triggerOptions = {}) {
	return {
		name,
		nodes: [
			{
				id: crypto.randomUUID(),
				name: 'WhatsApp Trigger',
				type: `${PKG}.whatsAppProvidersTrigger`,
				typeVersion: TRIGGER_TYPE_VERSION,
				position: [0, 0],
				webhookId,
				parameters: { authentication: META, triggerOn: ['message'], registerWebhook: false, triggerOptions },
				credentials: { [META]: { id: cred.id, name: cred.name } },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
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

module.exports = {
	h,
	started,
	problems,
	problem,
	loadAverages,
	noteLoad,
	log,
	sleep,
	round,
	median,
	machine,
	userFolders,
	bootN8n,
	memorySampler,
	metaCredential,
	triggerWorkflow,
	sendWorkflow,
	ourSender,
	httpSender,
	runSend,
	waitForFinish,
	checkOurs,
	resetSandbox,
};
