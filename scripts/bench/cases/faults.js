'use strict';
/*
 * Bench case 4: random 500s, 429s and connection resets from a fixed seed; Send WhatsApp at its defaults.
 */
const { SIZES, LIMIT, LATENCY_MS } = require('../options.js');
const { noteLoad, problem, runSend, ourSender, checkOurs, resetSandbox } = require('../harness.js');
const { fmt } = require('../report.js');

async function run(ctx) {
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

function report(r) {
	const L = [];
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
	return L;
}

module.exports = { cases: [{ id: 'faults', number: 4, title: '4. Faults', needsMain: true, run, report }] };
