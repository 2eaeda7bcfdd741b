'use strict';
/*
 * Bench cases of pacing (issues 9 and 15): several executions sending through one Meta connection
 * at once, in one n8n process or in queue mode (Redis, a main instance, one worker per execution),
 * against the sandbox's two limiter shapes (token bucket, sliding one-second window).
 *
 * Each case exports { id, title, needsMain, run(ctx), report(rows, ctx) }; scripts/bench/run.js runs
 * them (all by default, or those named with --case id[,id]) and renders their tables.
 *
 * Figures per run: delivered msg/s from the first to the last message the sandbox accepted, as a
 * fraction of the limit; 429s as a fraction of attempts (requests the sandbox received); lost
 * (an input item with no output item), duplicated (the same sender, recipient and text accepted
 * twice), error items.
 */
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const LIMIT = 80;
const LATENCY_MS = 50;

/** Starts one execution per workflow at the same moment; waits for all; reads the sandbox and the outputs. */
async function runTogether(ctx, client, sb, { label, runs, shape, workers }) {
	const { h, sendWorkflow, ourSender, waitForFinish, log } = ctx;
	const saved = [];
	for (const r of runs) {
		const runId = crypto.randomBytes(4).toString('hex');
		saved.push({ ...r, runId, wf: await h.importWorkflow(client, sendWorkflow(`Bench: ${label} (${r.name})`, r.count, runId, ourSender(r.cred, r.options))) });
	}
	const t0 = Date.now();
	const started = await Promise.all(saved.map((s) => h.runWorkflowManually(client, s.wf.id, { triggerName: 'Start' })));
	const statuses = await Promise.all(started.map((s, i) => waitForFinish(client, saved[i].wf.id, s.executionId, 30 * 60_000)));
	const wallMs = Date.now() - t0;
	const stats = sb.stats();
	const accepted = await (await fetch(`${sb.url}/__sandbox/messages?provider=meta&limit=1000000`)).json();
	const acceptedIds = new Set(accepted.map((m) => m.id));
	// BENCH_DUMP=<path prefix>: every accepted message's time and text, per run, to look at the pace second by second.
	if (process.env.BENCH_DUMP) fs.writeFileSync(`${process.env.BENCH_DUMP}-${label.replace(/\W+/g, '_').slice(0, 60)}-${shape}.json`, JSON.stringify({ runs: saved.map((x) => x.runId ?? ''), accepted: accepted.map((m) => ({ at: m.at, text: JSON.stringify(m).slice(0, 400) })) }));
	const times = accepted.map((m) => m.at).sort((a, b) => a - b);
	const spanMs = times.length > 1 ? times[times.length - 1] - times[0] : 0;
	const rate = spanMs > 0 ? ((times.length - 1) * 1000) / spanMs : NaN;
	// The most accepted in any one second (a strict window's view).
	let maxInSecond = 0;
	for (let i = 0, j = 0; i < times.length; i++) {
		while (times[i] - times[j] >= 1000) j++;
		maxInSecond = Math.max(maxInSecond, i - j + 1);
	}
	let lost = 0;
	let extra = 0;
	let errors = 0;
	let success = 0;
	let sentNotAccepted = 0;
	const perExecution = [];
	for (let k = 0; k < saved.length; k++) {
		const exec = await ctx.h.getExecution(client, started[k].executionId);
		const items = exec.data?.resultData?.runData?.['Send WhatsApp']?.[0]?.data?.main?.[0] ?? [];
		const perInput = new Array(saved[k].count).fill(0);
		let ok = 0;
		let bad = 0;
		for (const item of items) {
			const paired = Array.isArray(item.pairedItem) ? item.pairedItem[0] : item.pairedItem;
			const index = typeof paired === 'number' ? paired : paired?.item;
			if (Number.isInteger(index) && index >= 0 && index < perInput.length) perInput[index]++;
			if (item.json?.error !== undefined) bad++;
			else if (item.json?.messageId) {
				ok++;
				if (!acceptedIds.has(item.json.messageId)) sentNotAccepted++;
			}
		}
		lost += perInput.filter((n) => n === 0).length;
		extra += perInput.reduce((s, n) => s + Math.max(0, n - 1), 0);
		errors += bad;
		success += ok;
		perExecution.push({ name: saved[k].name, status: statuses[k], sent: ok, errors: bad, executionId: started[k].executionId });
	}
	const m = stats.providers.meta;
	const row = {
		label,
		shape,
		workers,
		executions: saved.length,
		count: saved.reduce((s, r) => s + r.count, 0),
		accepted: m.accepted,
		attempts: m.received,
		rejected429: m.rejected429 + m.faults429,
		rate: Math.round(rate * 10) / 10,
		ofLimit: Math.round((rate / LIMIT) * 1000) / 1000,
		share429: m.received ? Math.round(((m.rejected429 + m.faults429) / m.received) * 10000) / 10000 : 0,
		maxInSecond,
		success,
		errors,
		lost,
		extra,
		duplicates: stats.messages.duplicates,
		sentNotAccepted,
		wallMs,
		perExecution,
	};
	log(
		`${label}: ${row.rate} msg/s first→last accepted (${row.ofLimit} of ${LIMIT}), 429s ${row.rejected429}/${row.attempts} (${(row.share429 * 100).toFixed(2)} %), ` +
			`most in one second ${maxInSecond}, sent ${success}, error items ${errors}, lost ${lost}, duplicated ${row.duplicates}, wall ${(wallMs / 1000).toFixed(1)} s; ` +
			perExecution.map((e) => `${e.name}: ${e.status}`).join(', '),
	);
	return row;
}

function check(ctx, row) {
	for (const e of row.perExecution) if (e.status !== 'success') ctx.problem(`${row.label}: execution ${e.executionId} (${e.name}) ${e.status}`);
	if (row.lost) ctx.problem(`${row.label}: ${row.lost} input items without an output item`);
	if (row.extra) ctx.problem(`${row.label}: ${row.extra} extra output items`);
	if (row.duplicates) ctx.problem(`${row.label}: ${row.duplicates} duplicated messages at the provider`);
	if (row.sentNotAccepted) ctx.problem(`${row.label}: ${row.sentNotAccepted} items say sent, but the provider never accepted them`);
	if (row.errors) ctx.problem(`${row.label}: ${row.errors} error items`);
	if (row.success !== row.count) ctx.problem(`${row.label}: ${row.success} of ${row.count} sent`);
}

function configureSandbox(sb, shape) {
	sb.reset();
	sb.configure({ record: false, latencyMs: LATENCY_MS, ratePerSecond: LIMIT, limiterShape: shape });
}

const fmtPct = (x) => `${(x * 100).toFixed(2)} %`;
const table = (rows) => [
	'| Case | Limiter | Processes × executions | Messages | msg/s first→last accepted (÷ limit) | Most accepted in one second | 429s / attempts | Error items | Lost | Duplicated |',
	'| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
	...rows.map(
		(r) =>
			`| ${r.label} | ${r.shape === 'slidingWindow' ? 'sliding window' : 'token bucket'} | ${r.workers} × ${r.executions} | ${r.count.toLocaleString('en-US')} | ${r.rate} (${r.ofLimit.toFixed(2)}) | ${r.maxInSecond} | ${r.rejected429} / ${r.attempts.toLocaleString('en-US')} (${fmtPct(r.share429)}) | ${r.errors} | ${r.lost} | ${r.duplicates} |`,
	),
];

/** Issue 9: two executions at once through one connection, node rates 80 and 200. */
const twoExecutions = {
	id: 'two-executions',
	title: 'Two executions at once through one connection',
	needsMain: true,
	async run(ctx) {
		const count = ctx.SHORT ? 150 : 1000;
		ctx.noteLoad('two executions');
		configureSandbox(ctx.sb, 'tokenBucket');
		const row = await runTogether(ctx, ctx.client, ctx.sb, {
			label: 'Node rates 80 and 200 on one 80/s connection',
			shape: 'tokenBucket',
			workers: 1,
			runs: [
				{ name: 'Messages Per Second 80', count, cred: ctx.cred, options: { messagesPerSecond: 80 } },
				{ name: 'Messages Per Second 200', count, cred: ctx.cred, options: { messagesPerSecond: 200 } },
			],
		});
		check(ctx, row);
		if (row.rejected429) ctx.problem(`${row.label}: ${row.rejected429} 429s`);
		// The short run's few hundred messages make the first→last rate sensitive to the first second.
		if (row.ofLimit > (ctx.SHORT ? 1.05 : 1.0)) ctx.problem(`${row.label}: ${row.ofLimit} of the limit together`);
		return [row];
	},
	report(rows) {
		return [
			'Two workflows, one with Messages Per Second 80, the other 200, started at the same moment in one n8n, both sending through the same Meta connection (its Messages Per Second at the default, 80) ' +
				`to a sandbox answering after ${LATENCY_MS} ms with an ${LIMIT}/s token bucket. Together they must stay at the connection's limit (≤ 1.0) with no 429.`,
			'',
			...table(rows),
		];
	},
};

/** Issue 15: one process against a strict sliding window. */
const slidingWindow = {
	id: 'sliding-window',
	title: 'One process against a sliding one-second window',
	needsMain: true,
	async run(ctx) {
		const count = ctx.SHORT ? 300 : 2000;
		const rows = [];
		for (const shape of ['slidingWindow', 'tokenBucket']) {
			ctx.noteLoad(`one process ${shape === 'slidingWindow' ? 'sw' : 'tb'}`);
			configureSandbox(ctx.sb, shape);
			const row = await runTogether(ctx, ctx.client, ctx.sb, {
				label: `${count.toLocaleString('en-US')} messages, one execution`,
				shape,
				workers: 1,
				runs: [{ name: 'defaults', count, cred: ctx.cred, options: {} }],
			});
			check(ctx, row);
			rows.push(row);
		}
		return rows;
	},
	report(rows) {
		return [
			`Send WhatsApp at its defaults in one n8n, ${LATENCY_MS} ms provider latency, against each limiter shape at ${LIMIT}/s: a strict sliding window (at most ${LIMIT} accepted in any second, \`429\` with \`Retry-After\` beyond) and the continuously refilled token bucket. ` +
				'Targets: ≥ 0.95 of the limit with 429s ≤ 1 % of attempts (≥ 0.98 for the token bucket), nothing lost or duplicated, no error items.',
			'',
			...table(rows),
		];
	},
};

/** Issue 15: queue mode, one execution per worker, through one connection. */
const queueMode = {
	id: 'queue',
	title: 'Queue mode: several workers on one number',
	needsMain: false,
	async run(ctx) {
		const { h, log } = ctx;
		const { redisAvailable, startRedis, REDIS } = require('../../host/redis.js');
		if (!redisAvailable()) {
			ctx.problem(`queue-mode bench: no ${REDIS} (apt-get install -y redis-server)`);
			return [];
		}
		const variants = ctx.SHORT
			? [
					{ workers: 2, shape: 'slidingWindow', count: 250 },
					{ workers: 2, shape: 'slidingWindow', count: 250, sharing: true },
				]
			: [
					{ workers: 2, shape: 'tokenBucket', count: 1000 },
					{ workers: 2, shape: 'slidingWindow', count: 1000 },
					{ workers: 3, shape: 'tokenBucket', count: 1000 },
					{ workers: 3, shape: 'slidingWindow', count: 1000 },
					// The connection's Processes Sharing the Limit set to the number of workers.
					{ workers: 2, shape: 'slidingWindow', count: 1000, processes: 2 },
					{ workers: 3, shape: 'slidingWindow', count: 1000, processes: 3 },
					// The connection's Pace Sharing URL: an active WhatsApp trigger on the main instance gives each worker its share.
					{ workers: 2, shape: 'tokenBucket', count: 1000, sharing: true },
					{ workers: 2, shape: 'slidingWindow', count: 1000, sharing: true },
					{ workers: 3, shape: 'tokenBucket', count: 1000, sharing: true },
					{ workers: 3, shape: 'slidingWindow', count: 1000, sharing: true },
				];
		// --queue-variants 2sw,3sws: only some rows (workers, sw|tb, p = Processes Sharing the Limit, s = Pace Sharing URL).
		const only = String(require('../options.js').option('queue-variants', '') || '').split(',').filter(Boolean);
		const keyOf = (v) => `${v.workers}${v.shape === 'slidingWindow' ? 'sw' : 'tb'}${v.processes ? 'p' : ''}${v.sharing ? 's' : ''}`;
		if (only.length > 0) variants.splice(0, variants.length, ...variants.filter((v) => only.includes(keyOf(v))));
		if (variants.length === 0) return [];
		const most = Math.max(...variants.map((v) => v.workers));
		const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-bench-queue-'));
		ctx.userFolders.push(userFolder);
		const redis = await startRedis();
		const env = {
			...ctx.N8N_ENV,
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		};
		const started = [];
		const rows = [];
		try {
			const main = await h.startN8n({ userFolder, env, packageDir: ctx.packageDir, log: (m) => log(`[n8n queue main] ${m}`) });
			started.push(main);
			// One execution at a time per worker, so that each execution runs in its own process.
			const workers = await Promise.all(
				Array.from({ length: most }, (_, i) =>
					h.startN8n({ userFolder, env: { ...env, N8N_CONCURRENCY_PRODUCTION_LIMIT: '1', N8N_LOG_LEVEL: 'info' }, command: 'worker', packageDir: null, log: (m) => log(`[n8n queue worker ${i + 1}] ${m}`) }),
				),
			);
			started.push(...workers);
			const client = await h.setupOwner(main.url, h.DEFAULT_OWNER);
			const cred = await ctx.metaCredential(client, ctx.sb, 'Bench Meta (queue)');
			const shared = {};
			let sharingCred;
			if (variants.some((v) => v.sharing)) {
				// The trigger the workers share the pace through: active on the main instance, a connection of the same account.
				const webhookId = crypto.randomUUID();
				const trigger = await h.importWorkflow(client, ctx.triggerWorkflow('Bench: pace sharing trigger', cred, webhookId));
				await h.activateWorkflow(client, trigger.id);
				const url = `${main.url.replace(/\/+$/, '')}/webhook/${webhookId}/whatsapp`;
				sharingCred = await ctx.metaCredential(client, ctx.sb, 'Bench Meta (queue, pace shared)', { paceSharingUrl: url });
			}
			for (const v of variants) {
				ctx.noteLoad(`queue ${v.workers}${v.shape === 'slidingWindow' ? ' sw' : ' tb'}${v.processes ? ` p${v.processes}` : ''}${v.sharing ? ' shared' : ''}`);
				configureSandbox(ctx.sb, v.shape);
				let connection = v.sharing ? sharingCred : cred;
				if (v.processes) {
					shared[v.processes] ??= await ctx.metaCredential(client, ctx.sb, `Bench Meta (queue, ${v.processes} processes)`, { processesSharingLimit: v.processes });
					connection = shared[v.processes];
				}
				const row = await runTogether(ctx, client, ctx.sb, {
					label: `Queue mode, ${v.workers} workers, ${v.count.toLocaleString('en-US')} messages each${v.processes ? `, connection's Processes Sharing the Limit ${v.processes}` : ''}${v.sharing ? ', pace shared through the trigger (Pace Sharing URL)' : ''}`,
					shape: v.shape,
					workers: v.workers,
					runs: Array.from({ length: v.workers }, (_, i) => ({ name: `execution ${i + 1}`, count: v.count, cred: connection, options: {} })),
				});
				// Which worker ran which execution (each worker's log names the executions it started).
				const ran = row.perExecution.map((e) => workers.findIndex((w) => fs.readFileSync(w.logFile, 'utf8').includes(`Worker started execution ${e.executionId} `)));
				row.ranOn = ran;
				if (new Set(ran).size !== ran.length || ran.includes(-1)) log(`${row.label}: executions ran on workers ${ran.map((w) => w + 1).join(', ')} (not one each)`);
				check(ctx, row);
				rows.push(row);
			}
		} finally {
			for (const n of started.reverse()) await n.stop().catch(() => undefined);
			redis.stop();
		}
		return rows;
	},
	report(rows) {
		return [
			`Queue mode: Redis, a main instance and one worker per execution (\`N8N_CONCURRENCY_PRODUCTION_LIMIT=1\`, manual executions offloaded to the workers), each execution ${rows[0]?.count / rows[0]?.executions || ''} messages through the same Meta connection at its defaults, ` +
				`started at the same moment, against each limiter shape at ${LIMIT}/s with ${LATENCY_MS} ms latency. Without a Pace Sharing URL the workers share no state: each adapts to the provider's answers (rows with Processes Sharing the Limit set to the number of workers start each at its share). ` +
				"With the connection's Pace Sharing URL (the rows that say so), an active WhatsApp trigger on the main instance gives each worker its share of the limit (leases renewed every second; a finished worker's share goes to the others within a second). " +
				'Targets: together ≥ 0.90 of the limit, 429s ≤ 3 % of attempts, nothing lost or duplicated, no error items.',
			'',
			...table(rows),
		];
	},
};

module.exports = { cases: [twoExecutions, slidingWindow, queueMode], LIMIT };
