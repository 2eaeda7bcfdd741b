import * as fs from 'node:fs';
import * as path from 'node:path';

import type { N8nInstance } from '../../scripts/host/n8n';

/** Stops n8n (and its task runner), keeps its log in test-results/, removes the user folder (E2E_KEEP=1 keeps it). */
export default async function globalTeardown(): Promise<void> {
	const state = (globalThis as { __E2E_N8N__?: { n8n: N8nInstance; userFolder: string } }).__E2E_N8N__;
	if (!state) return;
	await state.n8n.stop();
	const results = path.resolve(__dirname, '..', '..', 'test-results');
	fs.mkdirSync(results, { recursive: true });
	try {
		fs.copyFileSync(state.n8n.logFile, path.join(results, 'e2e-n8n.log'));
	} catch {
		/* no log */
	}
	if (process.env.E2E_KEEP === '1') process.stdout.write(`[e2e] kept n8n's user folder ${state.userFolder}\n`);
	else fs.rmSync(state.userFolder, { recursive: true, force: true });
}
