#!/usr/bin/env node
// Runs n8n's community package scanner offline on the packed package: `npm pack`, unpack the
// tarball into a temporary folder, then `analyzePackage` from @n8n/scan-community-package (its CLI
// only takes a published name and needs the network). Exits non-zero when the scanner objects.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { analyzePackage } from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'wa-scan-'));
try {
	const output = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
	const tarball = join(work, output.trim().split('\n').pop());
	execFileSync('tar', ['-xzf', tarball, '-C', work]);
	const packageDir = join(work, 'package');
	const files = readdirSync(packageDir);
	if (!files.includes('dist')) throw new Error('The packed package has no dist/ folder: run `npm run build` first.');
	const result = await analyzePackage(packageDir);
	if (!result.passed) {
		console.error(`Community package scanner: FAILED — ${result.message}`);
		if (result.details) console.error(result.details);
		process.exitCode = 1;
	} else {
		console.log('Community package scanner: passed');
	}
} finally {
	rmSync(work, { recursive: true, force: true });
}
