'use strict';
/*
 * Bench case 5: the WhatsApp (Providers) Trigger: one webhook of 100 messages, then the same signed
 * Meta body under load, to the trigger and to n8n's Webhook node, in the main n8n (n8n's defaults) and,
 * in a full run, in n8ns with the other expression engine settings (after the main instance stopped).
 */
const crypto = require('crypto');
const { SHORT, SIZES, CONCURRENCIES } = require('../options.js');
const { h, noteLoad, problem, log, sleep, round, median, bootN8n, metaCredential, triggerWorkflow, resetSandbox } = require('../harness.js');
const { buildMetaPayload } = require('../../../sandbox/webhooks.js');
const { runLoad } = require('../load.js');
const { fmt } = require('../report.js');

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
	// The load sends one signed body over and over (as to the Webhook node): every copy must run, so
	// Repeated Deliveries is set to Run Again here (the default would ignore the repeats).
	const ours = await h.importWorkflow(client, triggerWorkflow('Bench: WhatsApp Trigger (Meta)', cred, webhookId, { repeatedDeliveries: 'run' }));
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

async function run(ctx) {
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
async function afterMain(ctx, result) {
	const { sb } = ctx;
	for (const config of TRIGGER_CONFIGS.slice(1)) {
		noteLoad(`5 (${config.id})`);
		const { n8n, client } = await bootN8n(`trigger-${config.id}`, config.env);
		try {
			const cred = await metaCredential(client, sb);
			const t = await setUpTriggers(client, cred, n8n.url);
			result.loads.push(await triggerLoad(client, sb, t, config));
		} finally {
			await n8n.stop();
		}
	}
}

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

function report(t) {
	const L = [];
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
	return L;
}

module.exports = { cases: [{ id: 'trigger', number: 5, title: '5. Trigger', needsMain: true, run, afterMain, report }] };
