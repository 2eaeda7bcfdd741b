import { createHash, createHmac } from 'node:crypto';

import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';
import twilioLib from 'twilio';

import { startSandbox, type FireOptions, type Sandbox } from '../../../sandbox';
import { handleMetaInbound, normaliseMetaPayload } from '../../../nodes/shared/providers/meta/inbound';
import { verifyTwilioSignature } from '../../../nodes/shared/providers/twilio/inbound';
import { ITEM_FIELDS } from '../../../nodes/shared/inbound';
import { accounts, connections, expectNoSecrets, META, TWILIO, WEBHOOK } from '../../helpers/fixtures';
import { metaWebhookExamples } from '../../helpers/specs';
import { startTrigger, type TriggerServer } from '../../helpers/trigger';

let sb: Sandbox;
const triggers: TriggerServer[] = [];

/** What n8n's logger printed: refusals are logged with their reason, never with a secret. */
const logged: string[] = [];

beforeAll(async () => {
	sb = await startSandbox();
	// The logger n8n's WebhookContext hands to nodes (this.logger) comes from n8n's container:
	// replace it with one that records what it is given.
	const record = (message: string, meta?: object) => {
		logged.push(`${message} ${JSON.stringify(meta ?? {})}`);
	};
	const recorder = { error: record, warn: record, info: record, debug: record, verbose: record, scoped: () => recorder };
	// n8n-core's own copies of @n8n/di and @n8n/backend-common (npm may nest them under it).
	const fromCore = createRequire(require.resolve('n8n-core'));
	const { Container } = fromCore('@n8n/di') as { Container: { set(token: unknown, value: unknown): void } };
	const { Logger } = fromCore('@n8n/backend-common') as { Logger: unknown };
	Container.set(Logger, recorder);
});
afterAll(async () => {
	await Promise.all(triggers.map((trigger) => trigger.close()));
	await sb.close();
	expect(logged.some((line) => line.includes('WhatsApp trigger refused a request (401)'))).toBe(true);
	expectNoSecrets(logged);
});
beforeEach(() => sb.reset());

async function trigger(provider: string, parameters: IDataObject = {}, credentials: IDataObject = {}): Promise<TriggerServer> {
	const server = await startTrigger({
		parameters: { authentication: provider, ...parameters },
		credentials: { [provider]: { ...connections(sb)[provider], ...credentials } },
	});
	triggers.push(server);
	return server;
}

async function fire(server: TriggerServer, options: Omit<FireOptions, 'url'>) {
	const response = await sb.fire({ url: server.url, ...options });
	await server.settled();
	return response;
}

/** POSTs to the trigger (or another URL of it) and waits until the node has finished with the request. */
async function post(server: TriggerServer, body: string | Buffer, headers: Record<string, string>, url = server.url) {
	const response = await fetch(url, { method: 'POST', body, headers });
	const result = { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
	await server.settled();
	return result;
}

const metaSign = (body: string, secret = accounts.meta.appSecret) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('Meta Cloud API', () => {
	it('answers the verification handshake only for the right verify token', async () => {
		const server = await trigger(META);
		const ok = await fire(server, { provider: 'meta', kind: 'verify' });
		expect(ok.status).toBe(200);
		expect(ok.text).toBe(ok.challenge);
		const wrong = await fire(server, { provider: 'meta', kind: 'verify', verifyToken: 'not-the-token' });
		expect(wrong.status).toBe(403);
		expect(wrong.text).not.toContain(accounts.meta.verifyToken);
		const url = new URL(server.url);
		url.searchParams.set('hub.mode', 'unsubscribe');
		url.searchParams.set('hub.verify_token', accounts.meta.verifyToken);
		url.searchParams.set('hub.challenge', '123');
		expect((await fetch(url)).status).toBe(403);
		expect(server.executions).toHaveLength(0);
	});

	it('turns a signed text message into one clean item', async () => {
		const server = await trigger(META);
		const response = await fire(server, { provider: 'meta', kind: 'message', text: 'Does it come in blue?', from: '+16505551234', name: 'Sheena Nelson' });
		expect(response.status).toBe(200);
		expect(server.executions).toHaveLength(1);
		const [item] = server.executions[0];
		expect(item.json).toEqual({
			provider: 'meta',
			event: 'message',
			messageId: expect.stringMatching(/^wamid\./),
			from: '+16505551234',
			to: '+15550783881',
			profileName: 'Sheena Nelson',
			userId: null,
			parentUserId: null,
			username: null,
			replyTo: '+16505551234',
			previousUserId: null,
			timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			type: 'text',
			text: 'Does it come in blue?',
			media: null,
			location: null,
			reply: null,
			reaction: null,
			context: null,
			status: null,
			errors: null,
			raw: expect.objectContaining({ type: 'text' }),
		});
		expect(Object.keys(item.json)).toEqual([...ITEM_FIELDS]);
	});

	it('gives one item per message when a webhook carries 100', async () => {
		const server = await trigger(META);
		await fire(server, { provider: 'meta', kind: 'message', count: 100 });
		expect(server.executions).toHaveLength(1);
		expect(server.executions[0]).toHaveLength(100);
		expect(new Set(server.executions[0].map((item) => item.json.messageId)).size).toBe(100);
	});

	it.each([
		['a tampered body', { tamper: true }],
		['a wrong app secret', { wrongSecret: true }],
		['no signature', { omitSignature: true }],
	])('rejects %s with 401 and starts nothing', async (_name, flags) => {
		const server = await trigger(META);
		const response = await fire(server, { provider: 'meta', kind: 'message', ...flags });
		expect(response.status).toBe(401);
		expect(server.executions).toHaveLength(0);
		expectNoSecrets(response.text);
	});

	it('ignores statuses unless asked for them', async () => {
		const messagesOnly = await trigger(META);
		expect((await fire(messagesOnly, { provider: 'meta', kind: 'status', status: 'delivered' })).status).toBe(200);
		expect(messagesOnly.executions).toHaveLength(0);
		const statuses = await trigger(META, { triggerOn: ['status', 'error'] });
		await fire(statuses, { provider: 'meta', kind: 'status', status: 'read', messageId: 'wamid.OUT1' });
		await fire(statuses, { provider: 'meta', kind: 'status', status: 'failed', messageId: 'wamid.OUT2', errorCode: 131047 });
		expect(statuses.executions.map((items) => items[0].json)).toEqual([
			expect.objectContaining({ event: 'status', status: 'read', messageId: 'wamid.OUT1', type: 'status' }),
			expect.objectContaining({ event: 'error', status: 'failed', messageId: 'wamid.OUT2', errors: [expect.objectContaining({ code: 131047 })] }),
		]);
	});

	it('acknowledges, but does not run for, events of another phone number of the same app', async () => {
		const server = await trigger(META);
		const body = JSON.stringify({
			object: 'whatsapp_business_account',
			entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550000000', phone_number_id: '999000999' }, messages: [{ from: '1650', id: 'wamid.X', timestamp: '1750000000', type: 'text', text: { body: 'other number' } }] } }] }],
		});
		const response = await post(server, body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(body) });
		expect(response.status).toBe(200);
		expect(server.executions).toHaveLength(0);
	});

	it.each([
		['an unknown object', JSON.stringify({ object: 'page', entry: [] }), 400],
		['a missing entry list', JSON.stringify({ object: 'whatsapp_business_account' }), 400],
		['a JSON array', '[1,2]', 400],
	])('answers %s with %d and starts nothing', async (_name, body, status) => {
		const server = await trigger(META);
		const response = await post(server, body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(body) });
		expect(response.status).toBe(status);
		expect(JSON.parse(response.text)).toEqual({ error: expect.any(String) });
		expect(server.executions).toHaveLength(0);
	});

	it('refuses an enormous body with 413 before any work', async () => {
		const server = await trigger(META, { triggerOptions: { maxBodyKb: 1 } });
		const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [], padding: 'x'.repeat(4096) });
		const response = await post(server, body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(body) });
		expect(response.status).toBe(413);
		expect(server.executions).toHaveLength(0);
	});

	it('malformed JSON starts nothing: n8n refuses it with 422 before the node runs; the node itself says 400', async () => {
		const server = await trigger(META);
		const body = '{"object": "whatsapp_business_account", "secret-ish": ';
		const response = await post(server, body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(body) });
		expect(response.status).toBe(422);
		expect(server.executions).toHaveLength(0);
		const direct = handleMetaInbound(
			{ method: 'POST', url: server.url, headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(body) }, query: {}, rawBody: Buffer.from(body) },
			connections(sb)[META] as never,
		);
		expect(direct).toEqual({ kind: 'reject', status: 400, message: 'Malformed JSON body' });
	});

	it('answers a signed request with the wrong content type with 415', async () => {
		const server = await trigger(META);
		const body = 'object=whatsapp_business_account';
		const response = await post(server, body, { 'content-type': 'application/x-www-form-urlencoded', 'x-hub-signature-256': metaSign(body) });
		expect(response.status).toBe(415);
	});

	it('downloads inbound media as binary data with the access token', async () => {
		const server = await trigger(META, { triggerOptions: { downloadMedia: true } });
		const data = Buffer.from('fake-jpeg-bytes-0123456789');
		await fire(server, { provider: 'meta', kind: 'message', type: 'image', media: { contentType: 'image/jpeg', data, caption: 'Taj Mahal' } });
		await server.settled();
		const [item] = server.executions[0];
		expect(item.json).toMatchObject({ type: 'image', text: 'Taj Mahal', media: { id: expect.any(String), mimeType: 'image/jpeg', caption: 'Taj Mahal' } });
		expect(Buffer.from(item.binary!.data.data, 'base64').equals(data)).toBe(true);
		expect(item.binary!.data.mimeType).toBe('image/jpeg');
		const downloads = sb.requests.filter((request) => request.provider === 'meta' && request.method === 'GET');
		expect(downloads.length).toBe(2);
		for (const request of downloads) expect(request.headers.authorization).toBe(`Bearer ${accounts.meta.accessToken}`);
	});

	it('lets n8n acknowledge a message only once the execution exists; refusals and handshakes are answered by the node', async () => {
		const server = await trigger(META);
		const ok = await fire(server, { provider: 'meta', kind: 'message', text: 'hello' });
		expect(ok.status).toBe(200);
		expect(ok.text).toBe('OK');
		const forged = await fire(server, { provider: 'meta', kind: 'message', text: 'hello', wrongSecret: true });
		expect(forged.status).toBe(401);
		await fire(server, { provider: 'meta', kind: 'verify' });
		expect(server.answeredBy).toEqual(['n8n', 'node', 'node']);
		expect(server.executions.length).toBe(1);
	});

	it('behaves the same at type version 1 (workflows saved before 1.1)', async () => {
		const server = await startTrigger({ parameters: { authentication: META }, credentials: { [META]: connections(sb)[META] }, typeVersion: 1 });
		triggers.push(server);
		const ok = await fire(server, { provider: 'meta', kind: 'message', text: 'from v1' });
		expect(ok.status).toBe(200);
		expect(ok.text).toBe('OK');
		expect((await fire(server, { provider: 'meta', kind: 'message', text: 'forged', wrongSecret: true })).status).toBe(401);
		expect(server.executions.map((items) => items[0].json.text)).toEqual(['from v1']);
		expect(server.answeredBy).toEqual(['n8n', 'node']);
	});

	it('answers in time when media is slow: the message still starts the workflow, the item says why there is no file', async () => {
		sb.configure({ latencyMs: 1500 });
		const server = await trigger(META, { triggerOptions: { downloadMedia: true, mediaTimeLimit: 1 } });
		const response = await fire(server, { provider: 'meta', kind: 'message', type: 'image', media: { contentType: 'image/jpeg', data: Buffer.from('jpeg'), caption: 'late' } });
		expect(response.status).toBe(200);
		const [item] = server.executions[0];
		expect(item.binary).toBeUndefined();
		expect(item.json).toMatchObject({ type: 'image', text: 'late', media: { id: expect.any(String), downloadError: expect.stringContaining('Media Download Time Limit') } });
		// The lookup of the media URL took the whole limit; the file itself was never requested.
		expect(sb.requests.filter((request) => request.provider === 'meta' && request.method === 'GET').length).toBe(1);
	});

	it('registers the phone number webhook on activation (Meta verifies it), and removes it on deactivation', async () => {
		sb.configure({ verifyWebhookCallbacks: true });
		const server = await trigger(META, { registerWebhook: true });
		const current = async () => {
			const response = await fetch(`${sb.metaBaseUrl}/v23.0/${accounts.meta.phoneNumberId}?fields=webhook_configuration`, { headers: { authorization: `Bearer ${accounts.meta.accessToken}` } });
			return ((await response.json()) as { webhook_configuration: { phone_number?: string } }).webhook_configuration.phone_number;
		};
		expect(await server.hook('checkExists')).toBe(false);
		expect(await server.hook('create')).toBe(true);
		expect(await current()).toBe(server.url);
		expect(await server.hook('checkExists')).toBe(true);
		const set = sb.requests.find((request) => request.method === 'POST' && request.path.endsWith(accounts.meta.phoneNumberId));
		expect(set!.body).toEqual({ webhook_configuration: { override_callback_uri: server.url, verify_token: accounts.meta.verifyToken } });
		expect(await server.hook('delete')).toBe(true);
		expect(await current()).toBeUndefined();
	});

	it('never registers from a test listener, so production keeps its registration', async () => {
		const server = await trigger(META, { registerWebhook: true });
		expect(await server.hook('create')).toBe(true);
		const before = sb.requests.length;
		expect(await server.hook('create', { test: true })).toBe(true);
		expect(await server.hook('delete', { test: true })).toBe(true);
		expect(sb.requests.length).toBe(before);
		const response = await fetch(`${sb.metaBaseUrl}/v23.0/${accounts.meta.phoneNumberId}?fields=webhook_configuration`, { headers: { authorization: `Bearer ${accounts.meta.accessToken}` } });
		expect(((await response.json()) as { webhook_configuration: { phone_number?: string } }).webhook_configuration.phone_number).toBe(server.url);
		expect(await server.hook('delete')).toBe(true);
	});

	it('routes account-level updates by WhatsApp Business Account', async () => {
		const server = await trigger(META, { triggerOn: ['update'] });
		const update = (wabaId: string) =>
			JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: wabaId, time: 1750000000, changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 1, message_template_name: 'order_update', message_template_language: 'en_US' } }] }] });
		for (const body of [update(accounts.meta.wabaId), update('999999999999')]) {
			expect((await post(server, body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(body) })).status).toBe(200);
		}
		expect(server.executions).toHaveLength(1);
		expect(server.executions[0][0].json).toMatchObject({ event: 'update', type: 'message_template_status_update', raw: { event: 'APPROVED' } });
	});

	it.each([
		['a timestamp far out of range', { messages: [{ from: '1650', id: 'wamid.T', timestamp: '1e20', type: 'text', text: { body: 'x' } }] }, 200],
		['messages that are not a list', { messages: 'nope', statuses: { id: 1 } }, 200],
		['null entries in the lists', { messages: [null, 7], contacts: [null] }, 200],
	])('stays up on signed payloads with %s', async (_name, value, status) => {
		const server = await trigger(META);
		const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: accounts.meta.phoneNumberId }, ...value } }] }] });
		expect((await post(server, body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(body) })).status).toBe(status);
	});

	it('does not touch the webhook configuration unless asked', async () => {
		const server = await trigger(META);
		expect(await server.hook('checkExists')).toBe(true);
		expect(await server.hook('create')).toBe(true);
		expect(sb.requests).toHaveLength(0);
	});
});

describe('every /whatsapp/webhooks example of the v23.0 spec', () => {
	const expected: Record<string, IDataObject> = {
		'Text Message': { event: 'message', type: 'text', from: '+16505551234', text: 'Does it come in another color?' },
		'Text Message with Context (Product Inquiry)': { event: 'message', type: 'text', text: 'Is this still available?', context: { messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGA9wcm9kdWN0X2lucXVpcnkA', from: '+15550783881' } },
		'Text Message from Click to WhatsApp Ad': { event: 'message', type: 'text', text: 'Hello! Can I get more info on this?' },
		'Reaction Message': { event: 'message', type: 'reaction', reaction: { messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0RTJEOTc2ODVERUY5RDlGNkYA', emoji: '👍' } },
		'Image Message': { event: 'message', type: 'image', text: 'Taj Mahal', media: { id: '1003383421387256', mimeType: 'image/jpeg', caption: 'Taj Mahal', sha256: 'SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=' } },
		'Location Message': { event: 'message', type: 'location', location: { latitude: 37.44221496582, longitude: -122.16165924072, name: 'Philz Coffee', address: '101 Forest Ave, Palo Alto, CA 94301', url: 'https://philzcoffee.com/' } },
		'Contact Sharing Message': { event: 'message', type: 'contacts', text: 'Lucía Gómez' },
		'Unsupported Message': { event: 'message', type: 'unsupported', errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', details: 'Message type is currently not supported.' }] },
		'Button Message': { event: 'message', type: 'button', reply: { id: 'Unsubscribe', title: 'Unsubscribe' }, text: 'Unsubscribe' },
		'Interactive List Reply Message': { event: 'message', type: 'list_reply', reply: { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' } },
		'Interactive Button Reply Message': { event: 'message', type: 'button_reply', reply: { id: 'cancel-button', title: 'Cancel' } },
		'Order Message': { event: 'message', type: 'order' },
		'System Message': { event: 'message', type: 'system', text: 'User Sheena Nelson changed from 16505551234 to 12195555358' },
		'Group Create Message': { event: 'update', type: 'group_lifecycle_update' },
		'Group Settings Update': { event: 'update', type: 'group_settings_update' },
		'Group Remove Participants': { event: 'update', type: 'group_participants_update' },
	};

	it('covers every example the spec has', () => {
		expect(metaWebhookExamples().map((example) => example.name).sort()).toEqual(Object.keys(expected).sort());
	});

	it.each(metaWebhookExamples().map((example) => [example.name, example.body]))('%s', async (name, body) => {
		const events = normaliseMetaPayload(body);
		expect(events.ok).toBe(true);
		if (!events.ok) return;
		expect(events.value).toHaveLength(1);
		const [event] = events.value;
		expect(event).toMatchObject({ provider: 'meta', account: '106540352242922', ...expected[name as string] });
		if (event.event === 'message') {
			expect(event.messageId).toMatch(/^wamid\./);
			expect(event.from).toBe('+16505551234');
			expect(event.to).toBe('+15550783881');
			expect(event.timestamp).toMatch(/^20\d\d-/);
		}
		// Through the real webhook path too, signed with the app secret.
		const server = await trigger(META, { triggerOn: ['message', 'status', 'error', 'update'] });
		const raw = JSON.stringify(body);
		const response = await post(server, raw, { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(raw) });
		expect(response.status).toBe(200);
		expect(server.executions).toHaveLength(1);
		expect(server.executions[0][0].json).toMatchObject(expected[name as string]);
	});
});

describe('Twilio', () => {
	it('turns a signed inbound message into an item and answers with empty TwiML', async () => {
		const server = await trigger(TWILIO);
		const response = await fire(server, { provider: 'twilio', kind: 'message', text: 'Hi there', from: '+16505551234', name: 'Ana' });
		expect(response.status).toBe(200);
		expect(response.headers['content-type']).toMatch(/xml/);
		expect(response.text).toMatch(/<Response\/>$/);
		const [item] = server.executions[0];
		expect(item.json).toEqual({
			provider: 'twilio',
			event: 'message',
			messageId: expect.stringMatching(/^SM/),
			from: '+16505551234',
			to: '+14155238886',
			profileName: 'Ana',
			userId: null,
			parentUserId: null,
			username: null,
			replyTo: '+16505551234',
			previousUserId: null,
			timestamp: expect.any(String),
			type: 'text',
			text: 'Hi there',
			media: null,
			location: null,
			reply: null,
			reaction: null,
			context: null,
			status: null,
			errors: null,
			raw: expect.objectContaining({ WaId: '16505551234' }),
		});
	});

	it('accepts a request signed by the official twilio library (oracle), and rejects it once changed', async () => {
		const server = await trigger(TWILIO);
		const params = { AccountSid: accounts.twilio.accountSid, MessageSid: 'SM' + 'f'.repeat(32), From: 'whatsapp:+16505551234', To: 'whatsapp:+14155238886', Body: 'Oracle & co = ok?', NumMedia: '0', ProfileName: 'Zoë' };
		const signature = twilioLib.getExpectedTwilioSignature(accounts.twilio.authToken, server.url, params);
		const body = new URLSearchParams(params).toString();
		const ok = await post(server, body, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature });
		expect(ok.status).toBe(200);
		const changed = await post(server, body.replace('Oracle', 'Forged'), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature });
		expect(changed.status).toBe(401);
		expect(server.executions).toHaveLength(1);
		expect(server.executions[0][0].json).toMatchObject({ text: 'Oracle & co = ok?', profileName: 'Zoë' });
	});

	it('agrees with twilio.validateRequest on many parameter sets', () => {
		const url = 'https://n8n.example.com:443/webhook/abc/whatsapp?x=1';
		for (let i = 0; i < 50; i++) {
			const params: Record<string, string> = { Body: `message ${i} ${'ü&=+'.repeat(i % 5)}`, MessageSid: `SM${i}`, [`Z${i}`]: String(i * 7) };
			const good = twilioLib.getExpectedTwilioSignature(accounts.twilio.authToken, url, params);
			expect(verifyTwilioSignature(accounts.twilio.authToken, good, url, params)).toBe(twilioLib.validateRequest(accounts.twilio.authToken, good, url, params));
			expect(verifyTwilioSignature(accounts.twilio.authToken, good, url, params)).toBe(true);
			const forged = { ...params, Body: params.Body + '!' };
			expect(verifyTwilioSignature(accounts.twilio.authToken, good, url, forged)).toBe(false);
			expect(twilioLib.validateRequest(accounts.twilio.authToken, good, url, forged)).toBe(false);
		}
	});

	it('agrees with twilio.validateRequest on repeated parameters', () => {
		const url = 'https://n8n.example.com/webhook/abc/whatsapp';
		for (const values of [['1', '1'], ['b', 'a'], ['x', 'y', 'x']]) {
			const params = { MediaUrl: values, Body: 'hi' };
			const signature = twilioLib.getExpectedTwilioSignature(accounts.twilio.authToken, url, params);
			expect(verifyTwilioSignature(accounts.twilio.authToken, signature, url, params)).toBe(true);
		}
	});

	it('never sends the Auth Token to the host a media URL redirects to', async () => {
		const seen: Array<{ host: string; authorization?: string }> = [];
		const cdn = http.createServer((req, res) => {
			seen.push({ host: 'cdn', authorization: req.headers.authorization });
			res.writeHead(200, { 'content-type': 'image/png' }).end('cdn-bytes');
		});
		await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
		const media = http.createServer((req, res) => {
			seen.push({ host: 'twilio', authorization: req.headers.authorization });
			res.writeHead(307, { location: `http://127.0.0.1:${(cdn.address() as AddressInfo).port}/file.png` }).end();
		});
		await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
		try {
			// The CDN stands in on 127.0.0.1, an internal address: allowed here as the user would (issue 10).
			const server = await trigger(TWILIO, { triggerOptions: { downloadMedia: true, allowedMediaHosts: `127.0.0.1:${(cdn.address() as AddressInfo).port}` } }, { baseUrl: `http://127.0.0.1:${(media.address() as AddressInfo).port}` });
			const mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}/2010-04-01/Accounts/${accounts.twilio.accountSid}/Messages/MM1/Media/ME1`;
			await fire(server, { provider: 'twilio', kind: 'message', params: { NumMedia: '1', MediaUrl0: mediaUrl, MediaContentType0: 'image/png' } });
			expect(seen).toEqual([
				{ host: 'twilio', authorization: `Basic ${Buffer.from(`${accounts.twilio.accountSid}:${accounts.twilio.authToken}`).toString('base64')}` },
				{ host: 'cdn', authorization: undefined },
			]);
			expect(Buffer.from(server.executions[0][0].binary!.data.data, 'base64').toString()).toBe('cdn-bytes');
		} finally {
			cdn.close();
			media.close();
		}
	});

	it('checks the JSON-body variant (bodySHA256)', async () => {
		const server = await trigger(TWILIO);
		const body = JSON.stringify({ AccountSid: accounts.twilio.accountSid, MessageSid: 'SM' + 'a'.repeat(32), From: 'whatsapp:+16505551234', To: 'whatsapp:+14155238886', Body: 'json' });
		const url = `${server.url}?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
		const signature = twilioLib.getExpectedTwilioSignature(accounts.twilio.authToken, url, {});
		expect(twilioLib.validateRequestWithBody(accounts.twilio.authToken, signature, url, body)).toBe(true);
		expect((await post(server, body, { 'content-type': 'application/json', 'x-twilio-signature': signature }, url)).status).toBe(200);
		expect((await post(server, body.replace('json', 'JSON'), { 'content-type': 'application/json', 'x-twilio-signature': signature }, url)).status).toBe(401);
		expect(server.executions).toHaveLength(1);
		expect(server.executions[0][0].json.text).toBe('json');
	});

	it.each([
		['a tampered body', { tamper: true }],
		['a wrong auth token', { wrongSecret: true }],
		['no signature', { omitSignature: true }],
	])('rejects %s with 401 and starts nothing', async (_name, flags) => {
		const server = await trigger(TWILIO);
		const response = await fire(server, { provider: 'twilio', kind: 'message', ...flags });
		expect(response.status).toBe(401);
		expect(server.executions).toHaveLength(0);
	});

	it('turns status callbacks into status and error items when asked', async () => {
		const server = await trigger(TWILIO, { triggerOn: ['status', 'error'] });
		await fire(server, { provider: 'twilio', kind: 'status', status: 'delivered', messageId: 'SM' + '1'.repeat(32) });
		await fire(server, { provider: 'twilio', kind: 'status', status: 'undelivered', messageId: 'SM' + '2'.repeat(32), errorCode: 63016 });
		expect(server.executions.map((items) => items[0].json)).toEqual([
			expect.objectContaining({ event: 'status', status: 'delivered', messageId: 'SM' + '1'.repeat(32) }),
			expect.objectContaining({ event: 'error', status: 'undelivered', errors: [expect.objectContaining({ code: 63016 })] }),
		]);
	});

	it('normalises locations and button replies', async () => {
		const server = await trigger(TWILIO);
		await fire(server, { provider: 'twilio', kind: 'message', type: 'location' });
		await fire(server, { provider: 'twilio', kind: 'message', type: 'button', text: 'Confirm' });
		expect(server.executions[0][0].json).toMatchObject({ type: 'location', location: { latitude: 37.44221496582, longitude: -122.16165924072, name: 'Philz Coffee' } });
		expect(server.executions[1][0].json).toMatchObject({ type: 'button', reply: { id: 'Confirm', title: 'Confirm' } });
	});

	it('refuses a correctly signed request of another account with 403', async () => {
		const server = await trigger(TWILIO);
		const params = { AccountSid: 'AC' + 'b'.repeat(32), MessageSid: 'SM' + 'c'.repeat(32), From: 'whatsapp:+1', To: 'whatsapp:+2', Body: 'x' };
		const signature = twilioLib.getExpectedTwilioSignature(accounts.twilio.authToken, server.url, params);
		const response = await post(server, new URLSearchParams(params).toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature });
		expect(response.status).toBe(403);
		expect(server.executions).toHaveLength(0);
	});

	it('downloads MediaUrl0 with the account credentials', async () => {
		const server = await trigger(TWILIO, { triggerOptions: { downloadMedia: true } });
		const data = Buffer.from('twilio-media-bytes');
		await fire(server, { provider: 'twilio', kind: 'message', media: { contentType: 'image/png', data, caption: 'pic' } });
		await server.settled();
		const [item] = server.executions[0];
		expect(item.json).toMatchObject({ type: 'image', media: { mimeType: 'image/png' } });
		expect(Buffer.from(item.binary!.data.data, 'base64').equals(data)).toBe(true);
		const download = sb.requests.find((request) => request.provider === 'twilio' && request.method === 'GET');
		expect(download!.headers.authorization).toBe(`Basic ${Buffer.from(`${accounts.twilio.accountSid}:${accounts.twilio.authToken}`).toString('base64')}`);
	});
});

describe('Webhook gateway', () => {
	it('accepts the Bearer token and maps the payload to the common item', async () => {
		const server = await trigger(WEBHOOK);
		const response = await fire(server, { provider: 'gateway', kind: 'message', text: 'From the gateway', from: '+16505551234', name: 'Ana' });
		expect(response.status).toBe(200);
		expect(response.headers['content-type']).toMatch(/^application\/json/);
		expect(JSON.parse(response.text)).toEqual({ received: true });
		expect(server.executions[0][0].json).toMatchObject({ provider: 'webhook', event: 'message', from: '+16505551234', profileName: 'Ana', text: 'From the gateway', type: 'text', messageId: expect.stringMatching(/^gw_in_/) });
	});

	it.each([
		['a wrong token', { wrongToken: true }],
		['no token', { omitAuth: true }],
	])('rejects %s with 401', async (_name, flags) => {
		const server = await trigger(WEBHOOK);
		expect((await fire(server, { provider: 'gateway', kind: 'message', ...flags })).status).toBe(401);
		expect(server.executions).toHaveLength(0);
	});

	it('checks an HMAC signature when a secret is set', async () => {
		const secret = accounts.gateway.webhookSecret!;
		const server = await trigger(WEBHOOK, { triggerOptions: { signatureSecret: secret, signatureHeader: 'X-Signature-256' } }, { authToken: '' });
		expect((await fire(server, { provider: 'gateway', kind: 'message', secret })).status).toBe(200);
		expect((await fire(server, { provider: 'gateway', kind: 'message', secret, tamper: true })).status).toBe(401);
		expect((await fire(server, { provider: 'gateway', kind: 'message', secret: 'other-secret' })).status).toBe(401);
		expect(server.executions).toHaveLength(1);
	});

	it('refuses unauthenticated requests unless explicitly allowed', async () => {
		const closed = await trigger(WEBHOOK, {}, { authToken: '' });
		expect((await fire(closed, { provider: 'gateway', kind: 'message', omitAuth: true })).status).toBe(401);
		const open = await trigger(WEBHOOK, { triggerOptions: { allowUnauthenticated: true } }, { authToken: '' });
		expect((await fire(open, { provider: 'gateway', kind: 'message', omitAuth: true })).status).toBe(200);
	});

	it('takes delivery statuses posted to the Status URL', async () => {
		const server = await trigger(WEBHOOK, { triggerOn: ['status', 'error'] });
		await fire(server, { provider: 'gateway', kind: 'status', status: 'delivered', messageId: 'gw_1' });
		await fire(server, { provider: 'gateway', kind: 'status', status: 'failed', messageId: 'gw_2', errorCode: 42, errorMessage: 'blocked' });
		expect(server.executions.map((items) => items[0].json)).toEqual([
			expect.objectContaining({ event: 'status', status: 'delivered', messageId: 'gw_1' }),
			expect.objectContaining({ event: 'error', status: 'failed', messageId: 'gw_2', errors: [{ code: 42, message: 'blocked' }] }),
		]);
	});

	it('maps a custom payload with field paths and an events path', async () => {
		const server = await trigger(WEBHOOK, {
			triggerOptions: {
				eventsPath: 'data.events',
				fieldPaths: { path: [{ field: 'text', path: 'msg.body' }, { field: 'from', path: 'sender.phone' }, { field: 'messageId', path: 'uid' }] },
			},
		});
		const payload = { data: { events: [{ uid: 'u1', sender: { phone: '+491701234567' }, msg: { body: 'Hallo' } }, { uid: 'u2', sender: { phone: '+491709999999' }, msg: { body: 'Tschüss' } }] } };
		await fire(server, { provider: 'gateway', kind: 'message', payload });
		expect(server.executions[0].map((item) => item.json)).toEqual([
			expect.objectContaining({ messageId: 'u1', from: '+491701234567', text: 'Hallo', event: 'message' }),
			expect.objectContaining({ messageId: 'u2', from: '+491709999999', text: 'Tschüss', event: 'message' }),
		]);
	});

	it('fetches media with the connection\'s token only from the gateway\'s own origin', async () => {
		const seen: Array<Record<string, string | undefined>> = [];
		const other = http.createServer((req, res) => {
			seen.push({ authorization: req.headers.authorization, tenant: req.headers['x-tenant'] as string | undefined });
			res.writeHead(200, { 'content-type': 'image/jpeg' }).end('other-bytes');
		});
		await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
		try {
			// The other host stands in on 127.0.0.1, an internal address: allowed here as the user would (issue 10).
			const server = await trigger(WEBHOOK, { triggerOptions: { downloadMedia: true, allowedMediaHosts: `127.0.0.1:${(other.address() as AddressInfo).port}` } });
			const foreign = `http://127.0.0.1:${(other.address() as AddressInfo).port}/presigned.jpg`;
			await fire(server, { provider: 'gateway', kind: 'message', message: { mediaUrl: foreign, mimeType: 'image/jpeg' } });
			expect(seen).toEqual([{ authorization: undefined, tenant: undefined }]);
			expect(Buffer.from(server.executions[0][0].binary!.data.data, 'base64').toString()).toBe('other-bytes');
			await fire(server, { provider: 'gateway', kind: 'message', message: { mediaUrl: `${sb.gatewayUrl}/media/1.jpg` } });
			const own = sb.requests.find((request) => request.provider === 'gateway' && request.method === 'GET');
			expect(own!.headers.authorization).toBe(`Bearer ${accounts.gateway.authToken}`);
			expect(own!.headers['x-tenant']).toBe('acme-tenant-key');
		} finally {
			other.close();
		}
	});

	it('stops a media download whose body trickles in past the time limit; the message still starts the workflow', async () => {
		// Headers at once, then a byte every 100 ms for 3 s: a request timeout alone would not end it.
		const slow = http.createServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': '30' });
			let sent = 0;
			const drip = setInterval(() => {
				if (res.destroyed || sent === 30) {
					clearInterval(drip);
					if (!res.destroyed) res.end();
					return;
				}
				res.write('x');
				sent += 1;
			}, 100);
		});
		await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
		try {
			const server = await trigger(WEBHOOK, { triggerOptions: { downloadMedia: true, mediaTimeLimit: 1, allowedMediaHosts: `127.0.0.1:${(slow.address() as AddressInfo).port}` } });
			const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow.jpg`;
			const response = await fire(server, { provider: 'gateway', kind: 'message', message: { mediaUrl: url, mimeType: 'image/jpeg' } });
			expect(response.status).toBe(200);
			const [item] = server.executions[0];
			expect(item.binary).toBeUndefined();
			expect(item.json.media).toEqual(expect.objectContaining({ url, downloadError: expect.stringContaining('Media Download Time Limit') }));
		} finally {
			slow.closeAllConnections();
			slow.close();
		}
	});

	it('never fetches media named by an unauthenticated request', async () => {
		const server = await trigger(WEBHOOK, { triggerOptions: { downloadMedia: true, allowUnauthenticated: true } }, { authToken: '' });
		await fire(server, { provider: 'gateway', kind: 'message', omitAuth: true, message: { mediaUrl: `${sb.gatewayUrl}/media/steal` } });
		expect(server.executions).toHaveLength(1);
		expect(server.executions[0][0].binary).toBeUndefined();
		expect(sb.requests.filter((request) => request.method === 'GET')).toHaveLength(0);
	});

	it('answers a body that is not an object with 400', async () => {
		const server = await trigger(WEBHOOK);
		const response = await post(server, '"just a string"', { 'content-type': 'application/json', authorization: `Bearer ${accounts.gateway.authToken}` });
		expect(response.status).toBe(400);
		const empty = await post(server, '', { 'content-type': 'application/json', authorization: `Bearer ${accounts.gateway.authToken}` });
		expect(empty.status).toBe(400);
		expect(server.executions).toHaveLength(0);
	});
});
