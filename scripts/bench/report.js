'use strict';
/*
 * The bench's report writer: the introduction (machine, method), one section per case that ran (its
 * title, then the lines its report() gives), how to reproduce, and the problems found. The text between
 * <!-- notes:start --> and <!-- notes:end --> in an existing report is kept.
 */
const fs = require('fs');
const { SHORT, SIZES } = require('./options.js');

function fmt(n, d = 0) {
	if (n === undefined || n === null || Number.isNaN(n)) return '–';
	return Number(n).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/**
 * @param results the figures of each case, by case id
 * @param env the machine (harness.machine())
 * @param cases every case that may have run, in report order; namedCases: every case without a number (listed under Reproduce)
 */
function report(results, env, { cases, namedCases, problems, loadAverages }) {
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

	const context = { fmt, results, SIZES, SHORT };
	for (const c of cases) {
		const result = results[c.id];
		if (result === undefined || result === null || (Array.isArray(result) && !result.length)) continue;
		const lines = c.report(result, context);
		if (!lines?.length) continue;
		L.push(`## ${typeof c.title === 'function' ? c.title(context) : c.title}`);
		L.push('');
		L.push(...lines);
		L.push('');
	}

	L.push('## Reproduce');
	L.push('');
	L.push('```bash');
	L.push('npm install');
	L.push(cmd + (SHORT ? '' : '            # ~17 minutes; writes BENCHMARKS.md and .cache/bench-full.json'));
	L.push('node scripts/bench/run.js --cases 1,4   # only some cases; also --short, --out FILE, --json FILE, --no-build, --keep,');
	L.push('                                        # --n8n-env KEY=VALUE, --package-dir DIR, --trigger-type-version V, --from-json FILE');
	L.push(`npm run bench -- --case ${namedCases.map((c) => c.id).join(',')}   # only named cases (scripts/bench/cases/)`);
	L.push('npm run bench -- --case queue --queue-variants 2sw,3sws   # only some queue rows: workers, sw|tb, p (Processes Sharing the Limit), s (Pace Sharing URL)');
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

module.exports = { fmt, report, withNotes };
