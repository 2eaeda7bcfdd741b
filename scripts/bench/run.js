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
 * Layout: this file is the runner (selects and runs the cases, writes the report and the figures);
 * options.js the command line and sizes; harness.js booting n8n, the send workflow and runSend;
 * report.js the report writer; cases/*.js the cases. Each case module exports
 * `cases: [{ id, number?, title, needsMain, run(ctx), afterMain?(ctx, result), report(result, ctx) }]`:
 * numbered cases are selected with --cases, the others (named) with --case; `needsMain` cases run in
 * one shared n8n (ctx.n8n, ctx.client, ctx.cred, ctx.httpCred), the others boot their own; report()
 * gives the lines of its section under `## title`.
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
const { spawnSync } = require('child_process');

const { repoRoot, flag, option, SHORT, OUT, JSON_OUT, SIZES, META, N8N_ENV, run: runOptions } = require('./options.js');
const harness = require('./harness.js');
const { h, problems, problem, loadAverages, log, round, machine, userFolders, bootN8n, metaCredential } = harness;
const { report, withNotes } = require('./report.js');
const { startSandbox } = require('../../sandbox');

// ---------------------------------------------------------------- cases

/** Every case of scripts/bench/cases/: the numbered ones by number, then the named ones. */
const ALL_CASES = fs
	.readdirSync(path.join(__dirname, 'cases'))
	.filter((f) => f.endsWith('.js'))
	.flatMap((f) => require(path.join(__dirname, 'cases', f)).cases ?? []);
const NUMBERED_CASES = ALL_CASES.filter((c) => c.number !== undefined).sort((a, b) => a.number - b.number);
const NAMED_CASES = ALL_CASES.filter((c) => c.number === undefined);
const REPORT_ORDER = [...NUMBERED_CASES, ...NAMED_CASES];

// Named cases: all by default; --case ID[,ID] selects some and, unless --cases is given too, no numbered case.
const SELECTED = option('case', undefined)?.split(',');
const NAMED = SELECTED ? NAMED_CASES.filter((c) => SELECTED.includes(c.id)) : NAMED_CASES;
if (SELECTED && NAMED.length !== SELECTED.length) throw new Error(`--case: known cases are ${NAMED_CASES.map((c) => c.id).join(', ')}`);
const CASES = new Set(option('cases', SELECTED ? '' : '1,2,3,4,5,7').split(',').filter(Boolean).map(Number));
/** The cases of this run, in the order they run within each phase. */
const RUN = [...NUMBERED_CASES.filter((c) => CASES.has(c.number)), ...NAMED];

// ---------------------------------------------------------------- main

/** What a case gets to work with: the harness, the sandbox, the figures so far, and the main n8n if it needs one. */
function caseContext(ctx, results) {
	return { ...harness, ...ctx, SHORT, short: SHORT, SIZES, meta: META, results, N8N_ENV, packageDir: runOptions.packageDir };
}

async function main() {
	log(`${SHORT ? 'short' : 'full'} run, cases ${[...CASES].join(',')}, report → ${path.relative(repoRoot, OUT)}`);
	if (!flag('no-build') && !runOptions.packageDir && !option('from-json', undefined)) {
		log('npm run build');
		const b = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
		if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stdout}\n${b.stderr}`);
	}
	const fromJson = option('from-json', undefined);
	const write = (results, env) => report(results, env, { cases: REPORT_ORDER, namedCases: NAMED_CASES, problems, loadAverages });
	if (fromJson) {
		// Re-renders a report from saved figures (e.g. after editing its notes or the report's wording).
		const saved = JSON.parse(fs.readFileSync(path.resolve(fromJson), 'utf8'));
		Object.assign(SIZES, saved.sizes);
		loadAverages.push(...(saved.loadAverages ?? []));
		problems.push(...(saved.problems ?? []));
		fs.writeFileSync(OUT, withNotes(write(saved.results, saved.env), OUT) + '\n');
		log(`wrote ${path.relative(repoRoot, OUT)} from ${fromJson}`);
		return;
	}
	if (!runOptions.packageDir) {
		// Every n8n of this run installs the same build, even if the repository is rebuilt meanwhile.
		runOptions.packageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-bench-package-'));
		userFolders.push(runOptions.packageDir);
		for (const f of ['package.json', 'index.js', 'README.md', 'LICENSE.md', 'dist']) {
			if (fs.existsSync(path.join(repoRoot, f))) fs.cpSync(path.join(repoRoot, f), path.join(runOptions.packageDir, f), { recursive: true });
		}
	}
	const env = machine();
	const sb = await startSandbox({ host: '127.0.0.1', port: 0 });
	const results = {};
	let main = null;
	try {
		const onMain = RUN.filter((c) => c.needsMain);
		if (onMain.length) {
			main = await bootN8n('main');
			const cred = await metaCredential(main.client, sb);
			const httpCred = await h.createCredential(main.client, {
				name: 'Bench Graph API bearer',
				type: 'httpHeaderAuth',
				data: { name: 'Authorization', value: `Bearer ${sb.accounts.meta.accessToken}` },
			});
			const ctx = caseContext({ ...main, sb, cred, httpCred }, results);
			for (const c of onMain) results[c.id] = await c.run(ctx);
			await main.n8n.stop();
			main = null;
		}
		for (const c of onMain) if (c.afterMain && results[c.id]) await c.afterMain(caseContext({ sb }, results), results[c.id]);
		for (const c of RUN.filter((x) => !x.needsMain)) results[c.id] = await c.run(caseContext({ sb }, results));
	} catch (err) {
		problem(`benchmark aborted: ${err.stack || err.message}`);
	} finally {
		if (main) await main.n8n.stop();
		await sb.close();
		if (!flag('keep')) for (const f of userFolders) fs.rmSync(f, { recursive: true, force: true });
		else log(`kept n8n user folders: ${userFolders.join(', ')}`);
	}
	fs.mkdirSync(path.dirname(OUT), { recursive: true });
	fs.writeFileSync(OUT, withNotes(write(results, env), OUT) + '\n');
	fs.mkdirSync(path.dirname(JSON_OUT), { recursive: true });
	fs.writeFileSync(JSON_OUT, JSON.stringify({ env, sizes: SIZES, loadAverages, results, problems }, null, 2) + '\n');
	log(`wrote ${path.relative(repoRoot, OUT)} and ${path.relative(repoRoot, JSON_OUT)} in ${round((Date.now() - harness.started) / 1000, 0)} s`);
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
