'use strict';
/*
 * Bench case 1: Meta text messages at an 80/s limit through Send WhatsApp (defaults, a slower
 * provider, the earlier concurrency). Its report section also holds case 2's rows (one table).
 */
const { SIZES, LIMIT, LATENCY_MS, SLOW_LATENCY_MS } = require('../options.js');
const { noteLoad, runSend, ourSender, checkOurs, resetSandbox } = require('../harness.js');
const { fmt } = require('../report.js');

const ratio = (rate) => (Number.isFinite(rate) ? `${fmt(rate, 1)} (${fmt(rate / LIMIT, 2)})` : '–');
/** The heading of cases 1 and 2. */
const sendTitle = () => `1–2. ${fmt(SIZES.limited)} Meta text messages at an ${LIMIT}/s limit`;

async function run(ctx) {
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

/** The section of cases 1 and 2: one table of send rows. */
function sendSection(sendRows) {
	const L = [];
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
	return L;
}

/** With case 2's rows when it ran too. */
function report(rows, ctx) {
	return sendSection([...rows, ...(ctx.results.compare ?? [])]);
}

module.exports = {
	sendSection,
	sendTitle,
	cases: [{ id: 'limited', number: 1, title: sendTitle, needsMain: true, run, report }],
};
