/**
 * Sharing a connection's limit between processes through the trigger (nodes/shared/paceSharing.ts):
 * the trigger's lease table, its refusals, and processes (separate limiter registries, as separate
 * workers have) taking and giving back their shares over real HTTP on 127.0.0.1. The MAC is
 * computed here independently of the package's signing code.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { LimiterRegistry, systemClock } from '../../nodes/shared/pacing';
import { clearPaceLeases, HEARTBEAT_MS, LEASE_TTL_MS, paceLease } from '../../nodes/shared/paceSharing';
import { metaCloud } from '../../nodes/shared/providers/meta';
import type { Transport } from '../../nodes/shared/transport';

const appSecret = 'pace-test-app-secret';
const credentials = { accessToken: 'token', phoneNumberId: '106540352242922', wabaId: '1', appSecret, verifyToken: 'v' };

/** The headers a Send node signs a lease with: HMAC-SHA256 keyed by HMAC(app secret, label), over "ts.body". */
function signed(body: string, secret = appSecret, at = Date.now()): Record<string, string> {
	const ts = String(Math.floor(at / 1000));
	const key = createHmac('sha256', secret).update('n8n-whatsapp-providers/pace/v1').digest();
	return { 'x-wa-pace-ts': ts, 'x-wa-pace-signature': `v1=${createHmac('sha256', key).update(`${ts}.${body}`).digest('hex')}` };
}

function lease(body: object, options: { secret?: string; now?: number; scope?: string } = {}) {
	const text = JSON.stringify(body);
	const now = options.now ?? Date.now();
	const answer = paceLease(options.scope ?? 'wf1', metaCloud, credentials, signed(text, options.secret, now), Buffer.from(text), now);
	return { ...answer!, json: answer ? (JSON.parse(answer.body) as Record<string, unknown>) : {} };
}

const request = (holder: string, extra: object = {}) => ({ kind: 'pace-lease', connection: 'metaWhatsAppCloudApi:7', holder, rate: 80, ...extra });

beforeEach(() => clearPaceLeases());

describe('the trigger’s lease table', () => {
	it('splits the rate between the processes holding a lease, and gives a share back at once on release', () => {
		const now = Date.now();
		expect(lease(request('a'), { now }).json).toMatchObject({ share: 80, holders: 1, startAfterMs: 0 });
		// A newcomer waits until the others have learnt their smaller share (their next renewal).
		const second = lease(request('b'), { now: now + 10 }).json;
		expect(second).toMatchObject({ share: 40, holders: 2 });
		expect(second.startAfterMs).toBeGreaterThan(HEARTBEAT_MS);
		expect(lease(request('a'), { now: now + 20 }).json).toMatchObject({ share: 40, holders: 2, startAfterMs: 0 });
		expect(lease(request('c'), { now: now + 30 }).json).toMatchObject({ share: 80 / 3, holders: 3 });
		expect(lease(request('b', { release: true }), { now: now + 40 }).json).toMatchObject({ holders: 2 });
		expect(lease(request('a'), { now: now + 50 }).json).toMatchObject({ share: 40, holders: 2 });
	});

	it('lets a lease that is not renewed lapse: a worker that died hands its share over', () => {
		const now = Date.now();
		lease(request('a'), { now });
		lease(request('b'), { now });
		expect(lease(request('a'), { now: now + LEASE_TTL_MS - 1 }).json).toMatchObject({ share: 40 });
		expect(lease(request('a'), { now: now + LEASE_TTL_MS + 1 }).json).toMatchObject({ share: 80, holders: 1 });
	});

	it('keeps connections and trigger workflows apart', () => {
		lease(request('a'));
		expect(lease({ ...request('b'), connection: 'metaWhatsAppCloudApi:8' }).json).toMatchObject({ share: 80 });
		expect(lease(request('c'), { scope: 'wf2' }).json).toMatchObject({ share: 80 });
	});

	it('refuses a forged, stale or malformed request and changes nothing', () => {
		const now = Date.now();
		lease(request('a'), { now });
		const forged = lease(request('x'), { secret: 'another-app-secret', now });
		expect(forged.status).toBe(401);
		expect(forged.reason).toMatch(/pace lease signature does not match/);
		const stale = lease(request('y'), { now: now - 10 * 60_000 });
		expect(stale.status).toBe(200); // signed and checked at the same (old) time: accepted then
		const text = JSON.stringify(request('z'));
		const old = paceLease('wf1', metaCloud, credentials, signed(text, appSecret, now - 10 * 60_000), Buffer.from(text), now);
		expect(old).toMatchObject({ status: 401, reason: expect.stringMatching(/too old/) });
		const unsigned = paceLease('wf1', metaCloud, credentials, { 'x-wa-pace-signature': 'v1=00' }, Buffer.from(text), now);
		expect(unsigned?.status).toBe(401);
		for (const bad of [{ ...request('m'), rate: 0 }, { ...request('m'), kind: 'ask-register' }, { ...request('m'), holder: 5 }]) {
			expect(lease(bad, { now }).status).toBe(400);
		}
		expect(lease({ ...request('a') }, { now: now + 1 }).json).toMatchObject({ share: 80, holders: 1 });
	});

	it('leaves every other request to the provider’s verification', () => {
		expect(paceLease('wf1', metaCloud, credentials, { 'x-hub-signature-256': 'sha256=00' }, Buffer.from('{}'))).toBeUndefined();
	});
});

/** A stand-in for the trigger's webhook on n8n's main instance: real HTTP, the trigger's own lease code. */
async function triggerStandIn(): Promise<{ url: string; requests: string[]; close(): Promise<void>; down(value: boolean): void }> {
	const requests: string[] = [];
	let isDown = false;
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const body = Buffer.concat(chunks);
			requests.push(body.toString());
			if (isDown) {
				res.writeHead(404).end('{"code":404,"message":"The requested webhook is not registered."}');
				return;
			}
			const answer = paceLease('wf1', metaCloud, credentials, req.headers as Record<string, unknown>, body) ?? { status: 400, body: '{}' };
			res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/webhook/abc/whatsapp`,
		requests,
		down: (value) => (isDown = value),
		close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

const fetchTransport: Transport = async (options) => {
	try {
		const response = await fetch(String(options.url), { method: options.method, headers: options.headers as Record<string, string>, body: options.body as string });
		return { kind: 'response', response: { statusCode: response.status, headers: {}, body: await response.text() } };
	} catch {
		return { kind: 'network', code: 'ECONNREFUSED', sent: false, message: 'connection failed (ECONNREFUSED)' };
	}
};

async function until(check: () => boolean, what: string): Promise<void> {
	for (let i = 0; i < 200; i++) {
		if (check()) return;
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
	throw new Error(`never: ${what}`);
}

describe('processes sharing a connection through the trigger', () => {
	it('each takes its share before its first send, the others slow down, and a finished one hands its share back', async () => {
		const trigger = await triggerStandIn();
		const warnings: string[] = [];
		const sharing = { url: trigger.url, secret: appSecret, transport: fetchTransport, warn: (m: string) => warnings.push(m) };
		const worker1 = new LimiterRegistry();
		const worker2 = new LimiterRegistry();
		try {
			const first = worker1.use('metaWhatsAppCloudApi:7', { ratePerSecond: 80 }, 0, systemClock, sharing);
			await first.ready;
			expect(first.pacer.maxPace).toBeCloseTo(80 * 0.99);
			const second = worker2.use('metaWhatsAppCloudApi:7', { ratePerSecond: 80 }, 0, systemClock, sharing);
			await second.ready;
			// By the time the second may send, the first has renewed its lease and slowed to its share.
			expect(second.pacer.maxPace).toBeCloseTo(40 * 0.99);
			expect(first.pacer.maxPace).toBeCloseTo(40 * 0.99);
			expect(first.pacer.pace).toBeLessThanOrEqual(40 * 0.99);
			second.release();
			await until(() => first.pacer.maxPace > 79, 'the first process gets the whole limit back');
			expect(first.pacer.pace).toBeCloseTo(80 * 0.99);
			expect(trigger.requests.some((body) => /"release":true/.test(body))).toBe(true);
			first.release();
			expect(warnings).toEqual([]);
		} finally {
			await trigger.close();
		}
	});

	it('sends on its own, at the full limit, and says why once, when the trigger cannot be used', async () => {
		const trigger = await triggerStandIn();
		trigger.down(true);
		const warnings: string[] = [];
		const registry = new LimiterRegistry();
		try {
			const held = registry.use('metaWhatsAppCloudApi:7', { ratePerSecond: 80 }, 0, systemClock, { url: trigger.url, secret: appSecret, transport: fetchTransport, warn: (m) => warnings.push(m) });
			await held.ready;
			expect(held.pacer.maxPace).toBeCloseTo(80 * 0.99);
			expect(warnings).toHaveLength(1);
			expect(warnings[0]).toMatch(/HTTP 404: activate the workflow/);
			held.release();
			const forged = new LimiterRegistry().use('metaWhatsAppCloudApi:7', { ratePerSecond: 80 }, 0, systemClock, {
				url: trigger.url,
				secret: 'another-app-secret',
				transport: fetchTransport,
				warn: (m) => warnings.push(m),
			});
			trigger.down(false);
			await forged.ready;
			expect(warnings[1]).toMatch(/HTTP 401.*same account/);
			forged.release();
			expect(warnings.join(' ')).not.toContain(appSecret);
		} finally {
			await trigger.close();
		}
	});
});
