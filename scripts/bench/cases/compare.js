'use strict';
/*
 * Bench case 2: Send WhatsApp one request at a time, and n8n's HTTP Request node (batching,
 * defaults, Retry On Fail), at the same 80/s limit. Reported in case 1's table when case 1 ran.
 */
const { SIZES, LIMIT, LATENCY_MS } = require('../options.js');
const { noteLoad, runSend, ourSender, httpSender, checkOurs, resetSandbox } = require('../harness.js');
const { sendSection, sendTitle } = require('./limited.js');

async function run(ctx) {
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

/** Case 1's section holds these rows when it ran. */
function report(rows, ctx) {
	return ctx.results.limited ? null : sendSection(rows);
}

module.exports = { cases: [{ id: 'compare', number: 2, title: sendTitle, needsMain: true, run, report }] };
