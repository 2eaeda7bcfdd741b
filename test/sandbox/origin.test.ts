/**
 * The sandbox's control API (issue 10): a web page open in the same browser must not be able to
 * fire webhooks or read the accounts through it, so requests carrying a foreign Origin are refused.
 */
import { startSandbox, type Sandbox } from '../../sandbox';

let sb: Sandbox;
beforeAll(async () => {
	sb = await startSandbox();
});
afterAll(async () => {
	await sb.close();
});

const fire = (headers: Record<string, string>) =>
	fetch(`${sb.url}/__sandbox/fire`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify({ provider: 'meta', url: 'http://127.0.0.1:9/webhook', kind: 'message' }),
	});

describe('sandbox control API and Origin', () => {
	it.each([
		['a foreign Origin', { origin: 'https://evil.example' }],
		['another local port', { origin: 'http://127.0.0.1:1' }],
		['a null Origin', { origin: 'null' }],
		['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
	])('refuses %s with 403 and does nothing', async (_name, headers) => {
		sb.reset();
		const response = await fire(headers);
		expect(response.status).toBe(403);
		const accounts = await fetch(`${sb.url}/__sandbox/accounts?secrets=1`, { headers });
		expect(accounts.status).toBe(403);
		expect(await accounts.text()).not.toContain('appSecret');
	});

	it("takes requests from its own page's origin and from clients that send no Origin", async () => {
		const own = new URL(sb.url);
		for (const headers of [{}, { origin: own.origin }, { origin: `http://localhost:${own.port}` }, { 'sec-fetch-site': 'same-origin', origin: own.origin }]) {
			const response = await fetch(`${sb.url}/__sandbox/stats`, { headers });
			expect(response.status).toBe(200);
		}
		// The page's "fire" button: same origin, reaches the control API (the target here refuses the connection).
		expect((await fire({ origin: own.origin })).status).not.toBe(403);
	});

	it('provider APIs are unaffected (they are called by servers, which send no Origin)', async () => {
		const response = await fetch(`${sb.url}/meta/v23.0/123`, { headers: { origin: 'https://evil.example' } });
		expect(response.status).not.toBe(403);
	});
});
