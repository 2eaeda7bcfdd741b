/**
 * Boots one real n8n for the whole end-to-end run, with this package (its dist/, packed as
 * `npm pack` would) installed as a community package in a fresh user folder, and sets up the owner.
 * The test files reach it through E2E_N8N (see session.ts); globalTeardown.ts stops it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as host from '../../scripts/host/n8n';
import { portIfFree, type E2eSession } from './session';

export default async function globalSetup(): Promise<void> {
	const started = Date.now();
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-'));
	const log = (message: string) => process.stdout.write(`[e2e] ${message}\n`);
	// npm start's ports when they are free, so that the pictures (screenshots.e2e.ts) show the URLs a
	// user of the playground sees; other free ports otherwise.
	const port = (await portIfFree(5678)) || undefined;
	const brokerPort = (await portIfFree(5679)) || undefined;
	// E2E_N8N_ENV: extra n8n settings as JSON, e.g. '{"N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE":"true"}'.
	const env = JSON.parse(process.env.E2E_N8N_ENV || '{}') as Record<string, string>;
	const n8n = await host.startN8n({ userFolder, log, port, brokerPort, env }).catch((error: Error) => {
		// Keep the log of the failed boot (test-results/ is git-ignored), drop the rest.
		const results = path.resolve(__dirname, '..', '..', 'test-results');
		fs.mkdirSync(results, { recursive: true });
		if (fs.existsSync(path.join(userFolder, 'n8n.log'))) fs.copyFileSync(path.join(userFolder, 'n8n.log'), path.join(results, 'e2e-n8n.log'));
		fs.rmSync(userFolder, { recursive: true, force: true });
		throw error;
	});
	if (!n8n.communityPackage?.installed) {
		await n8n.stop();
		throw new Error(`the package is not installed in n8n: ${n8n.communityPackage?.reason ?? 'unknown reason'} (run npm run build)`);
	}
	const client = await host.setupOwner(n8n.url, host.DEFAULT_OWNER);
	const session: E2eSession = { ...client.session(), userFolder, logFile: n8n.logFile, pid: n8n.pid };
	process.env.E2E_N8N = JSON.stringify(session);
	(globalThis as { __E2E_N8N__?: unknown }).__E2E_N8N__ = { n8n, userFolder };
	log(`n8n ${n8n.url} ready for the end-to-end tests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
