/**
 * The WhatsApp trigger in a real n8n: active workflows receive signed inbound messages and status
 * callbacks at n8n's production webhook URL (<n8n>/webhook/<webhookId>/whatsapp, the URL n8n
 * reports, which Twilio signs); forged, tampered and malformed requests are refused and start no
 * execution; the Meta GET handshake answers the challenge only for the right verify token.
 */
import * as host from '../../scripts/host/n8n';
import { metaSignature, startSandbox, type FireOptions, type FireResult, type Sandbox } from '../../sandbox';
import { accounts } from '../helpers/fixtures';
import {
	activate,
	createConnections,
	executionCount,
	itemsOf,
	META,
	n8n,
	SECRETS,
	sleep,
	TWILIO,
	triggerWorkflow,
	WEBHOOK,
	type ConnectionIds,
} from './session';

const { client } = n8n();
let sb: Sandbox;
let ids: ConnectionIds;
const hooks: Record<string, { id: string; url: string }> = {};

// Long enough for a wrongly accepted request to have become an execution.
const SETTLE_MS = 1500;

beforeAll(async () => {
	// A second Twilio account, to sign requests of an account the connection does not belong to.
	sb = await startSandbox({ accounts: { twilio: [{}, {}] } });
	ids = await createConnections(client, sb, 'e2e trigger');
	for (const type of [TWILIO, META, WEBHOOK]) {
		const { workflow, webhookId } = triggerWorkflow(`e2e trigger ${type}`, type, ids[type], ['message', 'status', 'error']);
		hooks[type] = await activate(client, workflow, webhookId);
	}
});
afterAll(async () => {
	await sb.close();
});

async function fire(type: string, options: Omit<FireOptions, 'url'>): Promise<FireResult> {
	return sb.fire({ url: hooks[type].url, ...options });
}

/** Fires, waits for the execution it starts, and resolves to the items of the trigger. */
async function fireAndRun(type: string, options: Omit<FireOptions, 'url'>) {
	const before = await executionCount(client, hooks[type].id);
	const result = await fire(type, options);
	const executions = await host.waitForExecutions(client, hooks[type].id, before + 1, 30000);
	const newest = executions.sort((a, b) => Number(b.id) - Number(a.id))[0];
	expect(newest.status).toBe('success');
	expect(newest.mode).toBe('webhook');
	const items = itemsOf(newest, 'WhatsApp Trigger');
	expect(itemsOf(newest, 'Received')).toEqual(items);
	expect(JSON.stringify(newest.data).includes(accounts.meta.appSecret)).toBe(false);
	for (const secret of SECRETS) expect(JSON.stringify(newest.data)).not.toContain(secret);
	return { result, items };
}

/** Sends every request, expects each refused with its status, and that no execution started. */
async function expectRefused(type: string, cases: Array<{ name: string; status: number; send: () => Promise<{ status: number; text: string }> }>) {
	const before = await executionCount(client, hooks[type].id);
	const answers: Record<string, number> = {};
	for (const c of cases) {
		const answer = await c.send();
		answers[c.name] = answer.status;
		for (const secret of SECRETS) expect(answer.text).not.toContain(secret);
	}
	expect(answers).toEqual(Object.fromEntries(cases.map((c) => [c.name, c.status])));
	await sleep(SETTLE_MS);
	expect(await executionCount(client, hooks[type].id)).toBe(before);
}

async function post(url: string, body: string, headers: Record<string, string>) {
	const response = await fetch(url, { method: 'POST', body, headers });
	return { status: response.status, text: await response.text() };
}

describe('Twilio', () => {
	it('the production URL n8n reports is the one requests are signed for', async () => {
		const workflow = await client.get(`/workflows/${hooks[TWILIO].id}`);
		const trigger = (workflow.nodes as Array<{ name: string; webhookId: string }>).find((node) => node.name === 'WhatsApp Trigger');
		expect(hooks[TWILIO].url).toBe(`${client.url}/webhook/${trigger?.webhookId}/whatsapp`);
	});

	it('a signed inbound message starts one execution with the normalised item, answered with empty TwiML', async () => {
		const { result, items } = await fireAndRun(TWILIO, {
			provider: 'twilio',
			kind: 'message',
			from: '+14155551234',
			name: 'Sheena',
			text: 'What are your opening hours?',
			id: 'SM11111111111111111111111111111111',
		});
		expect(result.status).toBe(200);
		expect(String(result.headers['content-type'])).toMatch(/xml/);
		expect(result.text).toContain('<Response/>');
		expect(items).toHaveLength(1);
		expect(items[0]).toEqual(
			expect.objectContaining({
				provider: 'twilio',
				event: 'message',
				messageId: 'SM11111111111111111111111111111111',
				from: '+14155551234',
				to: '+14155238886',
				profileName: 'Sheena',
				type: 'text',
				text: 'What are your opening hours?',
				raw: expect.objectContaining({ AccountSid: accounts.twilio.accountSid, Body: 'What are your opening hours?' }),
			}),
		);
	});

	it('a signed status callback becomes a status item', async () => {
		const { items } = await fireAndRun(TWILIO, { provider: 'twilio', kind: 'status', messageId: 'SM22222222222222222222222222222222', status: 'delivered' });
		expect(items).toEqual([expect.objectContaining({ provider: 'twilio', event: 'status', messageId: 'SM22222222222222222222222222222222', status: 'delivered' })]);
		const failed = await fireAndRun(TWILIO, { provider: 'twilio', kind: 'status', messageId: 'SM33333333333333333333333333333333', status: 'failed', errorCode: 63016 });
		expect(failed.items[0]).toEqual(expect.objectContaining({ event: 'error', status: 'failed', errors: [expect.objectContaining({ code: 63016 })] }));
	});

	it('forged, tampered, re-addressed and foreign requests are refused and start nothing', async () => {
		const url = hooks[TWILIO].url;
		const message = { provider: 'twilio' as const, kind: 'message' as const, text: 'hi' };
		await expectRefused(TWILIO, [
			{ name: 'wrong auth token', status: 401, send: () => fire(TWILIO, { ...message, wrongSecret: true }) },
			{ name: 'no signature', status: 401, send: () => fire(TWILIO, { ...message, omitSignature: true }) },
			{ name: 'tampered body', status: 401, send: () => fire(TWILIO, { ...message, tamper: true }) },
			// Signed for another URL (e.g. a proxy's) than the one n8n reports.
			{ name: 'signed for another URL', status: 401, send: () => fire(TWILIO, { ...message, signatureUrl: url.replace('127.0.0.1', 'localhost') }) },
			// Another account's request, signed with that account's token.
			{ name: 'another account', status: 401, send: () => fire(TWILIO, { ...message, accountSid: sb.accounts.twilioAccounts[1].accountSid }) },
			// Signed with this token, but for another AccountSid.
			{ name: 'another AccountSid', status: 403, send: () => fire(TWILIO, { ...message, params: { AccountSid: `AC${'b'.repeat(32)}` } }) },
			{ name: 'empty body', status: 401, send: () => post(url, '', { 'content-type': 'application/x-www-form-urlencoded' }) },
		]);
	});
});

describe('Meta Cloud API', () => {
	it('answers the GET handshake with the challenge for the right verify token, 403 otherwise, and starts nothing', async () => {
		const before = await executionCount(client, hooks[META].id);
		const ok = await fire(META, { provider: 'meta', kind: 'verify', challenge: '1158201444' });
		expect(ok.status).toBe(200);
		expect(ok.text).toBe('1158201444');
		expect(ok.verified).toBe(true);
		const wrong = await fire(META, { provider: 'meta', kind: 'verify', verifyToken: 'not-the-verify-token' });
		expect(wrong.status).toBe(403);
		expect(wrong.text).not.toContain(accounts.meta.verifyToken);
		const unsubscribe = new URL(hooks[META].url);
		unsubscribe.search = new URLSearchParams({ 'hub.mode': 'unsubscribe', 'hub.verify_token': accounts.meta.verifyToken, 'hub.challenge': '1' }).toString();
		expect((await fetch(unsubscribe)).status).toBe(403);
		await sleep(SETTLE_MS);
		expect(await executionCount(client, hooks[META].id)).toBe(before);
	});

	it('a signed webhook with two messages starts one execution with two items', async () => {
		const { result, items } = await fireAndRun(META, { provider: 'meta', kind: 'message', count: 2, texts: ['first', 'second'], name: 'Sheena Nelson', from: '16505551234' });
		expect(result.status).toBe(200);
		expect(items).toHaveLength(2);
		expect(items.map((item) => item.text)).toEqual(['first', 'second']);
		for (const item of items) {
			expect(item).toEqual(
				expect.objectContaining({ provider: 'meta', event: 'message', from: '+16505551234', profileName: 'Sheena Nelson', type: 'text', messageId: expect.stringMatching(/^wamid\./) }),
			);
		}
	});

	it('answers 200 only once n8n has the execution: with slow media the answer waits for the download', async () => {
		const { workflow, webhookId } = triggerWorkflow('e2e trigger meta media', META, ids[META], ['message'], { downloadMedia: true });
		const hook = await activate(client, workflow, webhookId);
		const before = await executionCount(client, hook.id);
		sb.configure({ latencyMs: 700 });
		try {
			const data = Buffer.from('e2e-jpeg-bytes');
			const result = await sb.fire({ url: hook.url, provider: 'meta', kind: 'message', type: 'image', media: { contentType: 'image/jpeg', data, caption: 'slow' } });
			expect(result.status).toBe(200);
			expect(result.text).toBe('OK');
			const answeredAt = Date.now();
			const executions = await host.waitForExecutions(client, hook.id, before + 1, 30000);
			expect(executions[0].status).toBe('success');
			// The execution was created before the provider got its 200 (n8n's list of executions can
			// miss one that finishes while it is read, so its creation time is compared instead). An
			// answer sent before the media download would precede it by about 1.4 s.
			expect(Date.parse(executions[0].createdAt!)).toBeLessThanOrEqual(answeredAt);
			expect(itemsOf(executions[0], 'WhatsApp Trigger')[0]).toEqual(expect.objectContaining({ type: 'image', text: 'slow' }));
		} finally {
			sb.configure({ latencyMs: 0 });
		}
	});

	it('a signed status webhook becomes status items', async () => {
		const { items } = await fireAndRun(META, { provider: 'meta', kind: 'status', status: 'read', messageId: 'wamid.e2e-status' });
		expect(items).toEqual([expect.objectContaining({ provider: 'meta', event: 'status', status: 'read', messageId: 'wamid.e2e-status' })]);
	});

	it('forged, tampered and malformed requests are refused and start nothing', async () => {
		const url = hooks[META].url;
		const MALFORMED = '{"object": "whatsapp_business_account", "entry": [';
		const message = { provider: 'meta' as const, kind: 'message' as const, text: 'hi' };
		await expectRefused(META, [
			{ name: 'wrong app secret', status: 401, send: () => fire(META, { ...message, wrongSecret: true }) },
			{ name: 'no signature', status: 401, send: () => fire(META, { ...message, omitSignature: true }) },
			{ name: 'tampered body', status: 401, send: () => fire(META, { ...message, tamper: true }) },
			// n8n's body parser answers 422 before the node runs, signed or not.
			{ name: 'malformed JSON, unsigned', status: 422, send: () => post(url, MALFORMED, { 'content-type': 'application/json' }) },
			{ name: 'malformed JSON, signed', status: 422, send: () => post(url, MALFORMED, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(MALFORMED, accounts.meta.appSecret) }) },
			{ name: 'signed, but not a WhatsApp webhook', status: 400, send: () => fire(META, { ...message, payload: { object: 'page', entry: [] } }) },
			{ name: 'signed, but not JSON', status: 415, send: () => fire(META, { ...message, headers: { 'content-type': 'text/plain' } }) },
		]);
	});
});

describe('Webhook gateway', () => {
	it('a message with the Bearer token starts an execution', async () => {
		const { result, items } = await fireAndRun(WEBHOOK, { provider: 'gateway', kind: 'message', from: '+447700900123', text: 'Hello gateway', id: 'gw_in_1' });
		expect(result.status).toBe(200);
		expect(items).toEqual([expect.objectContaining({ provider: 'webhook', event: 'message', messageId: 'gw_in_1', from: '+447700900123', text: 'Hello gateway' })]);
	});

	it('a status becomes a status item', async () => {
		const { items } = await fireAndRun(WEBHOOK, { provider: 'gateway', kind: 'status', messageId: 'gw_out_1', status: 'delivered' });
		expect(items).toEqual([expect.objectContaining({ provider: 'webhook', event: 'status', messageId: 'gw_out_1', status: 'delivered' })]);
	});

	it('requests without the token or with a wrong one are refused and start nothing', async () => {
		const url = hooks[WEBHOOK].url;
		const message = { provider: 'gateway' as const, kind: 'message' as const, text: 'hi' };
		await expectRefused(WEBHOOK, [
			{ name: 'wrong token', status: 401, send: () => fire(WEBHOOK, { ...message, wrongToken: true }) },
			{ name: 'no token', status: 401, send: () => fire(WEBHOOK, { ...message, omitAuth: true }) },
			{ name: 'plain forged post', status: 401, send: () => post(url, '{"event":"message","from":"+1555","text":"x"}', { 'content-type': 'application/json' }) },
		]);
	});
});
