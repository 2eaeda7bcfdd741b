'use strict';
/*
 * Bench case 3: no limit, throughput and memory; each size in a freshly started n8n.
 */
const { SIZES } = require('../options.js');
const { noteLoad, bootN8n, metaCredential, runSend, ourSender, checkOurs, resetSandbox, sleep } = require('../harness.js');
const { fmt } = require('../report.js');

/** Unlimited: each size in a fresh n8n, so that the memory figures of one run do not carry the other's. */
async function run(ctx) {
	const rows = [];
	for (const count of [SIZES.unlimitedSmall, SIZES.unlimitedBig]) {
		noteLoad(`3 (${count})`);
		const { n8n, client } = await bootN8n(`mem${count}`);
		try {
			// The limit belongs to the connection (the node's option can only lower it): no limit there.
			const cred = await metaCredential(client, ctx.sb, 'Bench Meta', { messagesPerSecond: 100000 });
			resetSandbox(ctx.sb, { latencyMs: 0 });
			await sleep(2000); // let the boot settle before the baseline sample
			const row = await runSend(
				{ ...ctx, n8n, client },
				{
					label: `Send WhatsApp, ${count.toLocaleString('en-US')} messages, no limit`,
					count,
					sender: ourSender(cred, {}),
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

function report(rows) {
	const L = [];
	L.push(
		'The sandbox answers at once with no limit; the connection has Messages Per Second 100,000 (the node at its defaults) and Max Concurrent Requests at its default (0: enough for the pace, at most 100). Each size runs in a freshly started n8n. ' +
			'RSS is sampled every 100 ms from `/proc` for the n8n process and for its process group (n8n and its task runner, which runs the Code node).',
	);
	L.push('');
	L.push('| Messages | msg/s first→last accepted | msg/s over the node\'s run | Wall time | n8n RSS before → peak | n8n + runner RSS before → peak | Growth (peak − before) | Lost | Duplicated |');
	L.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
	for (const r of rows) {
		const m = r.memory;
		L.push(
			`| ${fmt(r.count)} | ${fmt(r.sandboxRate, 0)} | ${fmt(r.nodeRate, 0)} | ${fmt(r.wallMs / 1000, 1)} s | ${m.before.n8nRssMb} → ${m.peak.n8nRssMb} MB | ${m.before.groupRssMb} → ${m.peak.groupRssMb} MB | ${m.peak.groupRssMb - m.before.groupRssMb} MB | ${fmt(r.lost)} | ${fmt(r.duplicates)} |`,
		);
	}
	const [small, big] = rows;
	if (small && big) {
		const gs = small.memory.peak.groupRssMb - small.memory.before.groupRssMb;
		const gb = big.memory.peak.groupRssMb - big.memory.before.groupRssMb;
		L.push('');
		L.push(
			`${fmt(big.count / small.count, 0)}× the items: the peak grew ${fmt(gb / Math.max(1, gs), 1)}× as much (${gs} MB → ${gb} MB), ` +
				`about ${fmt((gb * 1024) / big.count, 1)} KB per item at ${fmt(big.count)} (a peak of resident memory, garbage not yet collected included).`,
		);
	}
	return L;
}

module.exports = { cases: [{ id: 'unlimited', number: 3, title: '3. No limit: throughput and memory', needsMain: false, run, report }] };
