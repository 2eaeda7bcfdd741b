'use strict';
/*
 * Bench case 7: one 5 MB document to 1,000 recipients (Meta Cloud API, binary data).
 *
 * The file is made once by a Code node and every item refers to it (n8n keeps binary data on disk
 * by default, so the items share one stored file). Send WhatsApp must upload it to Meta once per
 * execution and send 1,000 messages by media ID, holding only a bounded number of bytes at once.
 * Reported: uploads made, messages accepted, lost/duplicated, and the peak RSS growth of n8n against
 * the 2,000-text case (case 3's first run when it ran in the same bench, else a run of its own).
 * Run by scripts/bench/run.js after case 3 (which it compares against).
 *
 *   node scripts/bench/run.js --cases 7 --out /tmp/bench-doc.md --json /tmp/bench-doc.json
 *   node scripts/bench/run.js --cases 7 --short ...   (100 recipients)
 */
const crypto = require('crypto');

const FILE_BYTES = 5 * 1024 * 1024;
const TEXT_BASELINE = 2000;

/** Start → Document (Code: one 5 MB PDF, `count` items referring to it) → Send WhatsApp (document from binary). */
function documentWorkflow(name, count, credential, meta) {
	const code = [
		`const bytes = Buffer.alloc(${FILE_BYTES}, 0x20);`,
		`bytes.write('%PDF-1.4\\n% bench document\\n', 0);`,
		`const file = await this.helpers.prepareBinaryData(bytes, 'terms.pdf', 'application/pdf');`,
		`const out = [];`,
		`for (let i = 0; i < ${count}; i++) out.push({ json: { i, to: '+1555' + String(2000000 + i) }, binary: { data: file } });`,
		`return out;`,
	].join('\n');
	return {
		name,
		nodes: [
			{ id: crypto.randomUUID(), name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{ id: crypto.randomUUID(), name: 'Document', type: 'n8n-nodes-base.code', typeVersion: 2, position: [220, 0], parameters: { jsCode: code } },
			{
				id: crypto.randomUUID(),
				name: 'Send WhatsApp',
				type: 'n8n-nodes-whatsapp-providers.sendWhatsApp',
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					authentication: meta,
					operation: 'send',
					to: '={{ $json.to }}',
					messageType: 'media',
					mediaType: 'document',
					mediaSource: 'binary',
					binaryPropertyName: 'data',
					options: {},
				},
				credentials: { [meta]: { id: credential.id, name: credential.name } },
				onError: 'continueRegularOutput',
			},
		],
		connections: {
			Start: { main: [[{ node: 'Document', type: 'main', index: 0 }]] },
			Document: { main: [[{ node: 'Send WhatsApp', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

/**
 * ctx: { sb, h, bootN8n, metaCredential, memorySampler, waitForFinish, runSend, ourSender, resetSandbox,
 * log, problem, noteLoad, sleep, short, meta, results (case 3's first row is the 2,000-text baseline, if it ran) }
 */
async function run(ctx) {
	ctx.noteLoad('7');
	const count = ctx.short ? 100 : 1000;
	const growth = (memory) => (memory ? memory.peak.groupRssMb - memory.before.groupRssMb : NaN);

	let baseline = ctx.results.unlimited?.[0];
	if (!baseline) {
		const { n8n, client } = await ctx.bootN8n('doc-baseline');
		try {
			const cred = await ctx.metaCredential(client, ctx.sb);
			ctx.resetSandbox(ctx.sb, { latencyMs: 0 });
			await ctx.sleep(2000);
			baseline = await ctx.runSend(
				{ sb: ctx.sb, n8n, client },
				{
					label: `Send WhatsApp, ${TEXT_BASELINE.toLocaleString('en-US')} messages, no limit (baseline)`,
					count: TEXT_BASELINE,
					sender: ctx.ourSender(cred, { messagesPerSecond: 100000 }),
					nodeName: 'Send WhatsApp',
					memory: true,
				},
			);
		} finally {
			await n8n.stop();
		}
	}

	const { n8n, client } = await ctx.bootN8n('doc');
	try {
		const cred = await ctx.metaCredential(client, ctx.sb);
		ctx.resetSandbox(ctx.sb, { latencyMs: 50, ratePerSecond: 80 });
		await ctx.sleep(2000);
		const wf = await ctx.h.importWorkflow(client, documentWorkflow(`Bench: ${count} × one 5 MB document`, count, cred, ctx.meta));
		const sampler = ctx.memorySampler(n8n);
		const t0 = Date.now();
		const { executionId } = await ctx.h.runWorkflowManually(client, wf.id, { triggerName: 'Start' });
		const status = await ctx.waitForFinish(client, wf.id, executionId, 30 * 60_000);
		const wallMs = Date.now() - t0;
		const memory = sampler.stop();
		const exec = await ctx.h.getExecution(client, executionId);
		const items = exec.data?.resultData?.runData?.['Send WhatsApp']?.[0]?.data?.main?.[0] ?? [];
		const stats = ctx.sb.stats();
		const meta = stats.providers.meta;
		const errors = items.filter((item) => item.json?.error !== undefined);
		const uploads = new Set(items.map((item) => item.json?.raw?.uploadedMediaId).filter(Boolean));
		const row = {
			label: `Send WhatsApp, ${count.toLocaleString('en-US')} recipients × one 5 MB document`,
			count,
			fileMb: FILE_BYTES / 1024 / 1024,
			status: exec.status ?? status,
			outputItems: items.length,
			sent: items.length - errors.length,
			errors: errors.length,
			errorSample: errors[0]?.json?.error,
			// Requests that created no message are the uploads (no faults are configured in this case).
			uploads: meta.received - meta.accepted,
			mediaIdsUsed: uploads.size,
			accepted: meta.accepted,
			duplicates: stats.messages.duplicates,
			wallMs,
			memory,
			rssGrowthMb: growth(memory),
			baseline: { label: baseline.label, count: baseline.count, rssGrowthMb: growth(baseline.memory), memory: baseline.memory },
		};
		ctx.log(
			`${row.label}: ${row.status}, ${row.sent} sent, ${row.errors} errors, ${row.uploads} upload(s), accepted ${row.accepted}, ` +
				`duplicates ${row.duplicates}, RSS growth ${row.rssGrowthMb} MB (2,000 texts: ${row.baseline.rssGrowthMb} MB), wall ${Math.round(wallMs / 100) / 10} s`,
		);
		if (row.status !== 'success') ctx.problem(`${row.label}: execution ${row.status}`);
		if (row.errors > 0) ctx.problem(`${row.label}: ${row.errors} error items (${row.errorSample})`);
		if (row.uploads !== 1) ctx.problem(`${row.label}: ${row.uploads} uploads, expected 1`);
		if (row.accepted !== count || row.duplicates > 0) ctx.problem(`${row.label}: ${row.accepted} accepted, ${row.duplicates} duplicates`);
		return row;
	} finally {
		await n8n.stop();
	}
}

/** The report's section for this case. */
function report(row, { fmt }) {
	const L = [];
	L.push(
		`${fmt(row.count)} items, each referring to the same ${fmt(row.fileMb)} MB PDF (made once by a Code node; n8n keeps binary data on disk), ` +
			'sent as Meta documents from binary data with default options, against the sandbox at 80 msg/s with 50 ms latency. ' +
			'Within one execution the node uploads a file once (keyed by its SHA-256) and sends every message by the media ID; ' +
			'the bytes of files held for sending at once are bounded (64 MB).',
	);
	L.push('');
	L.push('| Case | Status | Sent | Errors | Uploads | Accepted | Duplicates | Peak RSS growth, n8n + runner | Wall |');
	L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
	L.push(
		`| ${row.label} | ${row.status} | ${fmt(row.sent)} | ${fmt(row.errors)} | ${fmt(row.uploads)} | ${fmt(row.accepted)} | ${fmt(row.duplicates)} | ${fmt(row.rssGrowthMb)} MB | ${fmt(row.wallMs / 1000, 1)} s |`,
	);
	L.push(`| ${row.baseline.label} (for comparison) | | | | | | | ${fmt(row.baseline.rssGrowthMb)} MB | |`);
	return L;
}

module.exports = {
	documentWorkflow,
	cases: [{ id: 'document', number: 7, title: 'One document to many recipients (uploaded once)', needsMain: false, run, report }],
};
