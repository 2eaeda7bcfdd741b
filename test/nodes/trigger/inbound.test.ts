/**
 * Issue 10's inbound cases: each delivery runs once, failed statuses under Delivery Statuses,
 * unknown content never rejects a signed batch, other numbers logged, WABA filtering, the handshake.
 * Requests are signed here, independently of the node (node:crypto, twilio's own library).
 */
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';

import type { IDataObject } from 'n8n-workflow';
import twilioLib from 'twilio';

import { startSandbox, type FireOptions, type Sandbox } from '../../../sandbox';
import { DeliveryMemory } from '../../../nodes/shared/dedupe';
import type { InboundEvent } from '../../../nodes/shared/inbound';
import { accounts, connections, expectNoSecrets, META, TWILIO, WEBHOOK } from '../../helpers/fixtures';
import { startTrigger, type TriggerServer } from '../../helpers/trigger';

let sb: Sandbox;
const triggers: TriggerServer[] = [];
const logged: Array<{ level: string; message: string }> = [];

beforeAll(async () => {
	sb = await startSandbox();
	const recorder = Object.fromEntries(
		['error', 'warn', 'info', 'debug', 'verbose'].map((level) => [level, (message: string) => logged.push({ level, message })]),
	) as Record<string, unknown>;
	recorder.scoped = () => recorder;
	const fromCore = createRequire(require.resolve('n8n-core'));
	const { Container } = fromCore('@n8n/di') as { Container: { set(token: unknown, value: unknown): void } };
	const { Logger } = fromCore('@n8n/backend-common') as { Logger: unknown };
	Container.set(Logger, recorder);
});
afterAll(async () => {
	await Promise.all(triggers.map((trigger) => trigger.close()));
	await sb.close();
	expectNoSecrets(logged);
});
beforeEach(() => {
	sb.reset();
	logged.length = 0;
});

async function trigger(provider: string, parameters: IDataObject = {}, credentials: IDataObject = {}): Promise<TriggerServer> {
	const server = await startTrigger({
		parameters: { authentication: provider, ...parameters },
		credentials: { [provider]: { ...connections(sb)[provider], ...credentials } },
	});
	triggers.push(server);
	return server;
}

async function post(server: TriggerServer, body: string, headers: Record<string, string>, url = server.url) {
	const response = await fetch(url, { method: 'POST', body, headers });
	const result = { status: response.status, text: await response.text(), headers: response.headers };
	await server.settled();
	return result;
}

const metaSign = (body: string) => `sha256=${createHmac('sha256', accounts.meta.appSecret).update(body).digest('hex')}`;
const postMeta = (server: TriggerServer, payload: unknown) => {
	const body = JSON.stringify(payload);
	return post(server, body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(body) });
};
const metaValue = (phoneNumberId: string, extra: IDataObject) => ({
	messaging_product: 'whatsapp',
	metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
	...extra,
});
const metaText = (id: string, text: string) => ({ from: '16505551234', id, timestamp: '1750000000', type: 'text', text: { body: text } });
const batch = (...changes: IDataObject[]) => ({ object: 'whatsapp_business_account', entry: [{ id: accounts.meta.wabaId, changes }] });

/** The same Twilio request, byte for byte, signed with twilio's own library. */
async function postTwilio(server: TriggerServer, params: Record<string, string>) {
	const signature = twilioLib.getExpectedTwilioSignature(accounts.twilio.authToken, server.url, params);
	return post(server, new URLSearchParams(params).toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature });
}

describe('Repeated deliveries', () => {
	it('the same signed Meta delivery sent twice starts one run; both are answered 200 OK', async () => {
		const server = await trigger(META);
		const payload = batch({ field: 'messages', value: metaValue(accounts.meta.phoneNumberId, { messages: [metaText('wamid.DUP1', 'once')] }) });
		const first = await postMeta(server, payload);
		const second = await postMeta(server, payload);
		expect([first.status, first.text, second.status, second.text]).toEqual([200, 'OK', 200, 'OK']);
		expect(server.executions).toHaveLength(1);
		expect(logged.some((line) => line.level === 'debug' && line.message.includes('ignored 1 repeated delivery'))).toBe(true);
	});

	it('two copies arriving together start one run', async () => {
		const server = await trigger(META);
		const payload = batch({ field: 'messages', value: metaValue(accounts.meta.phoneNumberId, { messages: [metaText('wamid.DUP2', 'together')] }) });
		const answers = await Promise.all([postMeta(server, payload), postMeta(server, payload), postMeta(server, payload)]);
		expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
		expect(server.executions).toHaveLength(1);
	});

	it('a redelivered batch runs only for what is new in it', async () => {
		const server = await trigger(META);
		await postMeta(server, batch({ field: 'messages', value: metaValue(accounts.meta.phoneNumberId, { messages: [metaText('wamid.A', 'a')] }) }));
		await postMeta(server, batch({ field: 'messages', value: metaValue(accounts.meta.phoneNumberId, { messages: [metaText('wamid.A', 'a'), metaText('wamid.B', 'b')] }) }));
		expect(server.executions.map((items) => items.map((item) => item.json.messageId))).toEqual([['wamid.A'], ['wamid.B']]);
	});

	it('Twilio: the same signed request twice gives one run, both answered with empty TwiML', async () => {
		const server = await trigger(TWILIO);
		const params = { AccountSid: accounts.twilio.accountSid, MessageSid: 'SM' + 'd'.repeat(32), From: 'whatsapp:+16505551234', To: 'whatsapp:+14155238886', Body: 'hi', NumMedia: '0' };
		const first = await postTwilio(server, params);
		const second = await postTwilio(server, params);
		expect(second.status).toBe(200);
		expect(second.text).toBe(first.text);
		expect(second.text).toContain('<Response/>');
		expect(server.executions).toHaveLength(1);
	});

	it('statuses are told apart by status: sent, then delivered, then delivered again gives two runs', async () => {
		const server = await trigger(TWILIO, { triggerOn: ['status'] });
		const status = (value: string) => ({ AccountSid: accounts.twilio.accountSid, MessageSid: 'SM' + 'e'.repeat(32), MessageStatus: value, From: 'whatsapp:+14155238886', To: 'whatsapp:+16505551234' });
		await postTwilio(server, status('sent'));
		await postTwilio(server, status('delivered'));
		await postTwilio(server, status('delivered'));
		expect(server.executions.map((items) => items[0].json.status)).toEqual(['sent', 'delivered']);
	});

	it('the gateway: a repeated message ID is ignored; "Run Again" runs every delivery', async () => {
		const ignoring = await trigger(WEBHOOK);
		const running = await trigger(WEBHOOK, { triggerOptions: { repeatedDeliveries: 'run' } });
		for (const server of [ignoring, running]) {
			for (let i = 0; i < 2; i++) {
				const answer = await sb.fire({ url: server.url, provider: 'gateway', kind: 'message', id: 'gw_dup', text: 'x' } as FireOptions);
				expect(answer.status).toBe(200);
				await server.settled();
			}
		}
		expect(ignoring.executions).toHaveLength(1);
		expect(running.executions).toHaveLength(2);
	});

	it('runs again after the window; the memory stays bounded', () => {
		let now = 1_000_000;
		const memory = new DeliveryMemory(3, () => now);
		const event = (id: string, status?: string) => ({ provider: 'meta', event: status ? 'status' : 'message', messageId: id, status, raw: {} }) as InboundEvent;
		expect(memory.admit('t', [event('m1')], 60_000).fresh).toHaveLength(1);
		now += 59_999;
		expect(memory.admit('t', [event('m1')], 60_000)).toMatchObject({ fresh: [], repeated: 1, keys: [] });
		// Another trigger (scope) is not affected.
		expect(memory.admit('other', [event('m1')], 60_000).fresh).toHaveLength(1);
		now += 1;
		expect(memory.admit('t', [event('m1')], 60_000).fresh).toHaveLength(1);
		for (const id of ['a', 'b', 'c', 'd', 'e']) memory.admit('t', [event(id)], 60_000);
		expect(memory.size).toBe(3);
		// The oldest were forgotten first: 'e' is remembered, 'a' is not.
		expect(memory.admit('t', [event('e')], 60_000).repeated).toBe(1);
		expect(memory.admit('t', [event('a')], 60_000).repeated).toBe(0);
		// Events without a message ID (account updates) always pass.
		const update = { provider: 'meta', event: 'update', raw: {} } as InboundEvent;
		expect(memory.admit('t', [update, update], 60_000).fresh).toHaveLength(2);
	});
});

describe('Failed deliveries under "Delivery Statuses" alone', () => {
	it('Meta: a failed status comes with its code and text', async () => {
		const server = await trigger(META, { triggerOn: ['status'] });
		const failed = { id: 'wamid.F1', status: 'failed', timestamp: '1750000000', recipient_id: '16505551234', errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'More than 24 hours have passed' } }] };
		expect((await postMeta(server, batch({ field: 'messages', value: metaValue(accounts.meta.phoneNumberId, { statuses: [failed] }) }))).status).toBe(200);
		expect(server.executions).toHaveLength(1);
		expect(server.executions[0][0].json).toMatchObject({ event: 'error', status: 'failed', messageId: 'wamid.F1', errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', details: 'More than 24 hours have passed' }] });
	});

	it('Twilio: failed and undelivered come with the error code and its meaning', async () => {
		const server = await trigger(TWILIO, { triggerOn: ['status'] });
		await sb.fire({ url: server.url, provider: 'twilio', kind: 'status', status: 'undelivered', messageId: 'SM' + '7'.repeat(32), errorCode: 63016 });
		await sb.fire({ url: server.url, provider: 'twilio', kind: 'status', status: 'failed', messageId: 'SM' + '8'.repeat(32), errorCode: 63003 });
		await server.settled();
		expect(server.executions.map((items) => items[0].json)).toEqual([
			expect.objectContaining({ event: 'error', status: 'undelivered', errors: [{ code: 63016, message: expect.stringContaining('24-hour') }] }),
			expect.objectContaining({ event: 'error', status: 'failed', errors: [{ code: 63003, message: expect.stringContaining('not reachable') }] }),
		]);
	});

	it('the gateway: a failed status comes with its code and text', async () => {
		const server = await trigger(WEBHOOK, { triggerOn: ['status'] });
		await sb.fire({ url: server.url, provider: 'gateway', kind: 'status', status: 'failed', messageId: 'gw_f', errorCode: 42, errorMessage: 'blocked' });
		await server.settled();
		expect(server.executions[0][0].json).toMatchObject({ event: 'error', status: 'failed', errors: [{ code: 42, message: 'blocked' }] });
	});

	it('"Errors" alone still gets failed deliveries and the errors of no message; "Delivery Statuses" alone does not get the latter', async () => {
		const errorsOnly = await trigger(META, { triggerOn: ['error'] });
		const statusesOnly = await trigger(META, { triggerOn: ['status'] });
		const payload = batch({
			field: 'messages',
			value: metaValue(accounts.meta.phoneNumberId, {
				statuses: [{ id: 'wamid.F2', status: 'failed', timestamp: '1750000000', recipient_id: '1', errors: [{ code: 131026, title: 'Undeliverable' }] }],
				errors: [{ code: 131000, title: 'Something went wrong' }],
			}),
		});
		await postMeta(errorsOnly, payload);
		await postMeta(statusesOnly, payload);
		expect(errorsOnly.executions[0].map((item) => [item.json.event, item.json.status ?? null])).toEqual([['error', 'failed'], ['error', null]]);
		expect(statusesOnly.executions[0].map((item) => [item.json.event, item.json.status])).toEqual([['error', 'failed']]);
	});
});

describe('Unknown content never rejects a signed batch', () => {
	it('one unknown field, one malformed entry and two good messages: 200 and two items, the skipped parts logged', async () => {
		const server = await trigger(META);
		const payload = {
			object: 'whatsapp_business_account',
			entry: [
				{ id: accounts.meta.wabaId, changes: [{ field: 'messages', value: metaValue(accounts.meta.phoneNumberId, { messages: [metaText('wamid.G1', 'one')] }) }] },
				{ id: accounts.meta.wabaId, changes: [{ field: 'brand_new_field_2027', value: { anything: true } }] },
				{ id: accounts.meta.wabaId, changes: 'not-a-list' },
				{ id: accounts.meta.wabaId, changes: [{ field: 'messages', value: metaValue(accounts.meta.phoneNumberId, { messages: [metaText('wamid.G2', 'two')] }) }] },
			],
		};
		const answer = await postMeta(server, payload);
		expect(answer.status).toBe(200);
		expect(server.executions).toHaveLength(1);
		expect(server.executions[0].map((item) => item.json.text)).toEqual(['one', 'two']);
		expect(logged.some((line) => line.message.includes('unknown field "brand_new_field_2027"'))).toBe(true);
		expect(logged.some((line) => line.message.includes('skipped entry 2: it has no "changes" list'))).toBe(true);
	});

	it('a change whose value is not an object costs only itself', async () => {
		const server = await trigger(META);
		const answer = await postMeta(server, batch({ field: 'messages', value: 'broken' }, { field: 'messages', value: metaValue(accounts.meta.phoneNumberId, { messages: [metaText('wamid.G3', 'kept')] }) }));
		expect(answer.status).toBe(200);
		expect(server.executions[0].map((item) => item.json.text)).toEqual(['kept']);
	});
});

describe('Phone numbers', () => {
	const otherNumber = '999000999';
	const twoNumbers = () =>
		batch(
			{ field: 'messages', value: metaValue(accounts.meta.phoneNumberId, { messages: [metaText('wamid.N1', 'mine')] }) },
			{ field: 'messages', value: metaValue(otherNumber, { messages: [metaText('wamid.N2', 'other'), metaText('wamid.N3', 'other 2')] }) },
		);

	it('events of other numbers are acknowledged and logged at debug level with a count', async () => {
		const server = await trigger(META);
		expect((await postMeta(server, twoNumbers())).status).toBe(200);
		expect(server.executions[0].map((item) => item.json.text)).toEqual(['mine']);
		expect(server.executions[0][0].json).not.toHaveProperty('phoneNumberId');
		expect(logged).toContainEqual({ level: 'debug', message: expect.stringContaining(`skipped 2 event(s) for other phone numbers of the app (${otherNumber}: 2)`) });
	});

	it('"All Numbers of the App" takes every number, each item saying which', async () => {
		const server = await trigger(META, { triggerOptions: { phoneNumbers: 'all' } });
		await postMeta(server, twoNumbers());
		expect(server.executions[0].map((item) => [item.json.text, item.json.phoneNumberId])).toEqual([
			['mine', accounts.meta.phoneNumberId],
			['other', otherNumber],
			['other 2', otherNumber],
		]);
	});

	it('"Listed Numbers" with an empty list keeps the connection\'s own number', async () => {
		const server = await trigger(META, { triggerOptions: { phoneNumbers: 'list', phoneNumberIds: ' , ' } });
		await postMeta(server, twoNumbers());
		expect(server.executions[0].map((item) => item.json.text)).toEqual(['mine']);
	});

	it('"Listed Numbers" takes only the listed IDs', async () => {
		const server = await trigger(META, { triggerOptions: { phoneNumbers: 'list', phoneNumberIds: ` ${otherNumber} , 123` } });
		await postMeta(server, twoNumbers());
		expect(server.executions[0].map((item) => [item.json.text, item.json.phoneNumberId])).toEqual([
			['other', otherNumber],
			['other 2', otherNumber],
		]);
	});
});

describe('Account-level updates', () => {
	const update = (wabaId: string) => ({ object: 'whatsapp_business_account', entry: [{ id: wabaId, time: 1750000000, changes: [{ field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } }] }] });

	it('are taken only for the connection\'s WABA ID', async () => {
		const server = await trigger(META, { triggerOn: ['update'] });
		await postMeta(server, update(accounts.meta.wabaId));
		await postMeta(server, update('777777777'));
		expect(server.executions).toHaveLength(1);
		expect(server.executions[0][0].json).toMatchObject({ event: 'update', type: 'account_update' });
		expect(logged.some((line) => line.level === 'debug' && line.message.includes('another WhatsApp Business Account'))).toBe(true);
	});

	it('are refused (acknowledged, nothing runs) when the connection has no WABA ID, saying why in the log', async () => {
		const server = await trigger(META, { triggerOn: ['update'] }, { wabaId: '' });
		expect((await postMeta(server, update(accounts.meta.wabaId))).status).toBe(200);
		expect(server.executions).toHaveLength(0);
		expect(logged.some((line) => line.message.includes('the connection has no WhatsApp Business Account ID'))).toBe(true);
	});
});

describe('Meta handshake', () => {
	const handshake = (server: TriggerServer, challenge: string) => {
		const url = new URL(server.url);
		url.searchParams.set('hub.mode', 'subscribe');
		url.searchParams.set('hub.verify_token', accounts.meta.verifyToken);
		url.searchParams.set('hub.challenge', challenge);
		return fetch(url);
	};

	it('echoes a plain (digits) challenge with nosniff, and refuses anything else', async () => {
		const server = await trigger(META);
		const ok = await handshake(server, '1158201444');
		expect([ok.status, await ok.text(), ok.headers.get('x-content-type-options')]).toEqual([200, '1158201444', 'nosniff']);
		const html = await handshake(server, '<script>alert(1)</script>');
		expect(html.status).toBe(400);
		expect(await html.text()).not.toContain('<script>');
	});
});

describe('Register Webhook on Activation', () => {
	it('fails activation with what Meta answered and how to fix it; deactivation does not fail on an unreachable Graph API', async () => {
		const server = await trigger(META, { registerWebhook: true }, { baseUrl: 'http://127.0.0.1:9' });
		await expect(server.hook('checkExists')).rejects.toThrow(/Could not register this trigger's URL as the phone number's webhook: Could not reach Meta Cloud API \(ECONNREFUSED\).*Register Webhook on Activation/);
		await expect(server.hook('create')).rejects.toThrow(/Nothing was registered/);
		expect(await server.hook('delete')).toBe(true);
		expect(logged.some((line) => line.level === 'warn' && line.message.includes("could not remove the phone number's webhook"))).toBe(true);
	});

	it('reports Meta\'s own error code and text when Meta refuses the registration', async () => {
		const server = await trigger(META, { registerWebhook: true }, { accessToken: 'EAAWrongToken' });
		await expect(server.hook('checkExists')).rejects.toThrow(/Could not register.*Meta Cloud API error 190 \(HTTP 401\)/);
	});

	it('deactivation leaves a webhook another workflow registered since', async () => {
		const mine = await trigger(META, { registerWebhook: true });
		const theirs = await trigger(META, { registerWebhook: true });
		expect(await mine.hook('create')).toBe(true);
		expect(await theirs.hook('create')).toBe(true);
		expect(await mine.hook('delete')).toBe(true);
		const response = await fetch(`${sb.metaBaseUrl}/v23.0/${accounts.meta.phoneNumberId}?fields=webhook_configuration`, { headers: { authorization: `Bearer ${accounts.meta.accessToken}` } });
		expect(((await response.json()) as { webhook_configuration: { phone_number?: string } }).webhook_configuration.phone_number).toBe(theirs.url);
		expect(await theirs.hook('delete')).toBe(true);
	});
});

describe('Repeated deliveries when n8n could not take the first one', () => {
	it('a delivery n8n answered with 500 (no execution) runs when the provider sends it again', async () => {
		const server = await trigger(META);
		const payload = batch({ field: 'messages', value: metaValue(accounts.meta.phoneNumberId, { messages: [metaText('wamid.RETRY1', 'again')] }) });
		server.failNextExecution = true;
		expect((await postMeta(server, payload)).status).toBe(500);
		expect(server.executions).toHaveLength(0);
		const resent = await postMeta(server, payload);
		expect([resent.status, resent.text]).toEqual([200, 'OK']);
		expect(server.executions).toHaveLength(1);
		// Now it is remembered.
		await postMeta(server, payload);
		expect(server.executions).toHaveLength(1);
	});
});

describe('gateway batches', () => {
	it('an entry that is not an object costs only itself; the rest runs, answered 200', async () => {
		const server = await trigger(WEBHOOK);
		const body = JSON.stringify([{ event: 'message', id: 'gw_b1', from: '+1', text: 'one' }, 'garbage', null, { event: 'message', id: 'gw_b2', from: '+1', text: 'two' }]);
		const answer = await post(server, body, { 'content-type': 'application/json', authorization: `Bearer ${accounts.gateway.authToken}` });
		expect(answer.status).toBe(200);
		expect(server.executions[0].map((item) => item.json.text)).toEqual(['one', 'two']);
		expect(logged.some((line) => line.level === 'warn' && line.message.includes('skipped 2 gateway event(s)'))).toBe(true);
	});
});
