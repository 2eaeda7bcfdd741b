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
import { clearPaceLeases, clearPaceWarnings, HEARTBEAT_MS, LEASE_TTL_MS, PaceShare, paceLease } from '../../nodes/shared/paceSharing';
import { metaCloud } from '../../nodes/shared/providers/meta';
import type { Transport } from '../../nodes/shared/transport';
import { FakeClock } from '../helpers/fakeClock';

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

/** Each holder's requests carry an increasing sequence number. */
const seqs = new Map<string, number>();
const request = (holder: string, extra: object = {}) => {
	const seq = (seqs.get(holder) ?? 0) + 1;
	seqs.set(holder, seq);
	return { kind: 'pace-lease', connection: 'metaWhatsAppCloudApi:7', holder, seq, rate: 80, ...extra };
};

beforeEach(() => {
	clearPaceLeases();
	clearPaceWarnings();
	seqs.clear();
});

describe('the trigger’s lease table', () => {
	it('splits the rate between the processes holding a lease, holds a newcomer until the others have slowed down, and gives a share back on release', () => {
		const now = Date.now();
		expect(lease(request('a'), { now }).json).toMatchObject({ share: 80, holders: 1, wait: false });
		// A newcomer waits until every other holder has renewed since it joined (and so learnt its smaller share).
		expect(lease(request('b'), { now: now + 10 }).json).toMatchObject({ share: 40, holders: 2, wait: true });
		expect(lease(request('b'), { now: now + 60 }).json).toMatchObject({ wait: true });
		expect(lease(request('a'), { now: now + 100 }).json).toMatchObject({ share: 40, holders: 2, wait: false });
		expect(lease(request('b'), { now: now + 110 }).json).toMatchObject({ share: 40, wait: false });
		expect(lease(request('c'), { now: now + 120 }).json).toMatchObject({ share: 80 / 3, holders: 3, wait: true });
		expect(lease(request('b', { release: true }), { now: now + 130 }).json).toMatchObject({ holders: 2 });
		expect(lease(request('a'), { now: now + 140 }).json).toMatchObject({ share: 40, holders: 2 });
	});

	it('changes nothing for a replayed or overtaken request, nor for anything after a release', () => {
		const now = Date.now();
		const first = request('a');
		expect(lease(first, { now }).status).toBe(200);
		lease(request('b'), { now });
		// The same signed request again (a replay): refused, the lease table as it was.
		expect(lease(first, { now: now + 5 }).status).toBe(409);
		const releaseB = request('b', { release: true });
		expect(lease(releaseB, { now: now + 10 }).json).toMatchObject({ holders: 1 });
		expect(lease(releaseB, { now: now + 20 }).status).toBe(409);
		// A renewal that arrives after the holder's release (overtaken on the way) does not bring it back.
		expect(lease(request('b'), { now: now + 30 }).status).toBe(409);
		expect(lease(request('a'), { now: now + 40 }).json).toMatchObject({ share: 80, holders: 1 });
	});

	it('tells the others when a holder gave its share back (they may take it at once), not when one vanished', () => {
		const now = Date.now();
		lease(request('a'), { now });
		lease(request('b'), { now });
		lease(request('c'), { now });
		lease(request('c', { release: true }), { now: now + 100 });
		expect(lease(request('a'), { now: now + 200 }).json).toMatchObject({ share: 40, released: true });
		expect(lease(request('a'), { now: now + 300 }).json).toMatchObject({ share: 40, released: false });
		lease(request('b'), { now: now + 400 });
		// b stops renewing: its lease lapses; that is no release (b may still be sending, busy).
		expect(lease(request('a'), { now: now + 400 + LEASE_TTL_MS + 1 }).json).toMatchObject({ share: 80, released: false });
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
		const text = JSON.stringify(request('z'));
		// Signed more than 30 s ago: refused.
		const old = paceLease('wf1', metaCloud, credentials, signed(text, appSecret, now - 60_000), Buffer.from(text), now);
		expect(old).toMatchObject({ status: 401, reason: expect.stringMatching(/too old/) });
		const unsigned = paceLease('wf1', metaCloud, credentials, { 'x-wa-pace-signature': 'v1=00' }, Buffer.from(text), now);
		expect(unsigned?.status).toBe(401);
		for (const bad of [{ ...request('m'), rate: 0 }, { ...request('m'), kind: 'ask-register' }, { ...request('m'), holder: 5 }, { ...request('m'), seq: 'x' }]) {
			expect(lease(bad, { now }).status).toBe(400);
		}
		expect(lease(request('a'), { now: now + 1 }).json).toMatchObject({ share: 80, holders: 1 });
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
		const sharing = { url: trigger.url, secret: appSecret, secretName: 'App Secret', transport: fetchTransport, warn: (m: string) => warnings.push(m) };
		const worker1 = new LimiterRegistry();
		const worker2 = new LimiterRegistry();
		try {
			const first = worker1.use('metaWhatsAppCloudApi:7', { ratePerSecond: 80 }, 0, systemClock, sharing);
			await first.ready;
			expect(first.pacer.maxPace).toBeCloseTo(80 * 0.99);
			const second = worker2.use('metaWhatsAppCloudApi:7', { ratePerSecond: 80 }, 0, systemClock, sharing);
			await second.ready;
			// The second may send once the first has renewed its lease since it joined (and so been told its smaller share).
			expect(second.pacer.maxPace).toBeCloseTo(40 * 0.99);
			expect(trigger.requests.filter((body) => body.includes(`"holder":"`) && !body.includes('"release"')).length).toBeGreaterThanOrEqual(3);
			await until(() => first.pacer.maxPace < 40, 'the first process slows to its share');
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
			const held = registry.use('metaWhatsAppCloudApi:7', { ratePerSecond: 80 }, 0, systemClock, { url: trigger.url, secret: appSecret, secretName: 'App Secret', transport: fetchTransport, warn: (m) => warnings.push(m) });
			await held.ready;
			expect(held.pacer.maxPace).toBeCloseTo(80 * 0.99);
			expect(warnings).toHaveLength(1);
			expect(warnings[0]).toMatch(/HTTP 404: activate the trigger's workflow, and use its Production URL/);
			held.release();
			const forged = new LimiterRegistry().use('metaWhatsAppCloudApi:7', { ratePerSecond: 80 }, 0, systemClock, {
				url: trigger.url,
				secret: 'another-app-secret', secretName: 'App Secret',
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

describe('a holder’s view of its share (scripted trigger answers, virtual time)', () => {
	/** A transport answering with the given shares in turn (and recording the requests). */
	function scripted(answers: Array<number | { status: number; body: string }>) {
		const bodies: Array<Record<string, unknown>> = [];
		const transport: Transport = async (options) => {
			bodies.push(JSON.parse(String(options.body)) as Record<string, unknown>);
			const next = answers.length > 1 ? answers.shift()! : answers[0];
			if (typeof next === 'number') {
				return { kind: 'response', response: { statusCode: 200, headers: {}, body: JSON.stringify({ share: next, holders: Math.round(80 / next), wait: false, heartbeatMs: 250, instance: 'main-1' }) } };
			}
			return { kind: 'response', response: { statusCode: next.status, headers: {}, body: next.body } };
		};
		return { transport, bodies };
	}

	it('takes a smaller share at once and a larger one only when a second answer confirms it', async () => {
		const clock = new FakeClock();
		const { transport } = scripted([80, 40, 80, 80, 80]);
		const shares: Array<number | undefined> = [];
		const share = new PaceShare({ url: 'http://127.0.0.1:1/webhook/x/whatsapp', secret: appSecret, secretName: 'App Secret', connection: 'c', rate: 80, transport, clock, onShare: (s) => shares.push(s), warn: () => undefined });
		await clock.run(share.join());
		expect(shares).toEqual([80]);
		await clock.run(clock.sleep(3 * HEARTBEAT_MS + 10));
		// 80 → 40 at once; the first 80 after it is not taken, the second one is.
		expect(shares).toEqual([80, 40, 80]);
		share.release();
		await clock.run(clock.sleep(2 * HEARTBEAT_MS));
	});

	it('takes a larger share at once when the trigger says a holder gave its share back', async () => {
		const clock = new FakeClock();
		const answers = [40, 40];
		const transport: Transport = async () => {
			const share = answers.length > 0 ? answers.shift()! : 80;
			const released = share === 80;
			return { kind: 'response', response: { statusCode: 200, headers: {}, body: JSON.stringify({ share, holders: 80 / share, wait: false, heartbeatMs: 1000, instance: 'main-1', released }) } };
		};
		const shares: Array<number | undefined> = [];
		const share = new PaceShare({ url: 'http://127.0.0.1:1/webhook/r/whatsapp', secret: appSecret, secretName: 'App Secret', connection: 'c4', rate: 80, transport, clock, onShare: (s) => shares.push(s), warn: () => undefined });
		await clock.run(share.join());
		await clock.run(clock.sleep(2 * HEARTBEAT_MS + 10));
		expect(shares).toEqual([40, 80]);
		share.release();
		await clock.run(clock.sleep(2 * HEARTBEAT_MS));
	});

	it('takes no lease, and says which field is missing, when the connection has no secret to sign with', async () => {
		const clock = new FakeClock();
		const { transport, bodies } = scripted([80]);
		const warnings: string[] = [];
		const share = new PaceShare({ url: 'http://127.0.0.1:1/webhook/n/whatsapp', secret: '', secretName: 'Auth Token', connection: 'c5', rate: 20, transport, clock, onShare: () => undefined, warn: (m) => warnings.push(m) });
		await clock.run(share.join());
		await clock.run(clock.sleep(10 * HEARTBEAT_MS));
		expect(bodies).toHaveLength(0);
		expect(warnings).toEqual([expect.stringMatching(/no Auth Token to sign the leases with\. Set Auth Token on this connection and on the trigger's/)]);
		share.release();
	});

	it('never asks again where something else than a WhatsApp trigger answers (an n8n Webhook node would start an execution each time)', async () => {
		const clock = new FakeClock();
		const { transport, bodies } = scripted([{ status: 200, body: '{"message":"Workflow was started"}' }]);
		const warnings: string[] = [];
		const share = new PaceShare({ url: 'http://127.0.0.1:1/webhook/y', secret: appSecret, secretName: 'App Secret', connection: 'c2', rate: 80, transport, clock, onShare: () => undefined, warn: (m) => warnings.push(m) });
		await clock.run(share.join());
		await clock.run(clock.sleep(20_000));
		expect(bodies).toHaveLength(1);
		expect(warnings).toEqual([expect.stringMatching(/did not answer as a WhatsApp trigger/)]);
		share.release();
	});

	it('sends its release after a renewal still on its way, with a higher sequence number', async () => {
		const clock = new FakeClock();
		const bodies: Array<Record<string, unknown>> = [];
		let answerRenewal: (() => void) | undefined;
		const transport: Transport = async (options) => {
			const body = JSON.parse(String(options.body)) as Record<string, unknown>;
			bodies.push(body);
			if (body.seq === 2) await new Promise<void>((resolve) => (answerRenewal = resolve));
			return { kind: 'response', response: { statusCode: 200, headers: {}, body: JSON.stringify({ share: 80, holders: 1, wait: false, heartbeatMs: 250, instance: 'main-1' }) } };
		};
		const shares: Array<number | undefined> = [];
		const share = new PaceShare({ url: 'http://127.0.0.1:1/webhook/z/whatsapp', secret: appSecret, secretName: 'App Secret', connection: 'c3', rate: 80, transport, clock, onShare: (s) => shares.push(s), warn: () => undefined });
		await clock.run(share.join());
		await clock.run(clock.sleep(HEARTBEAT_MS + 10)); // the renewal (seq 2) is on its way
		share.release();
		await clock.run(clock.sleep(10));
		expect(bodies.map((b) => b.seq)).toEqual([1, 2]);
		answerRenewal!();
		await clock.run(clock.sleep(10));
		expect(bodies.map((b) => [b.seq, b.release === true])).toEqual([
			[1, false],
			[2, false],
			[3, true],
		]);
		// The renewal's answer came after the release: nothing more is applied.
		expect(shares).toEqual([80]);
	});
});
