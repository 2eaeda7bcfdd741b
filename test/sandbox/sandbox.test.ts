import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

import { startSandbox, DEFAULT_ACCOUNTS, metaSignature } from '../../sandbox';
import type { Sandbox, MultipartBody } from '../../sandbox';

// ---------------------------------------------------------------- helpers

const TWILIO = DEFAULT_ACCOUNTS.twilio;
const META = DEFAULT_ACCOUNTS.meta;
const GATEWAY = DEFAULT_ACCOUNTS.gateway;

function basic(user: string, pass: string): string {
	return 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
}

interface Res {
	status: number;
	headers: Headers;
	// Parsed JSON of many shapes; the tests assert on its fields.
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	body: any;
	text: string;
}

async function call(url: string, init: RequestInit = {}): Promise<Res> {
	const res = await fetch(url, init);
	const text = await res.text();
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	let body: any = text;
	try {
		body = JSON.parse(text);
	} catch {
		/* not JSON */
	}
	return { status: res.status, headers: res.headers, body, text };
}

function twilioCreate(sb: Sandbox, params: Record<string, string>, auth = basic(TWILIO.accountSid, TWILIO.authToken), sid = TWILIO.accountSid) {
	return call(`${sb.twilioBaseUrl}/2010-04-01/Accounts/${sid}/Messages.json`, {
		method: 'POST',
		headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams(params).toString(),
	});
}

/** token null: no Authorization header. */
function metaSend(sb: Sandbox, body: unknown, token: string | null = META.accessToken, phoneId = META.phoneNumberId) {
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (token !== null) headers.authorization = `Bearer ${token}`;
	return call(`${sb.metaBaseUrl}/v23.0/${phoneId}/messages`, {
		method: 'POST',
		headers,
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
}

const TEXT_MESSAGE = {
	messaging_product: 'whatsapp',
	recipient_type: 'individual',
	to: '+16505551234',
	type: 'text',
	text: { body: 'Hello from the test' },
};

const WHATSAPP_TO = 'whatsapp:+16505551234';

interface Received {
	method: string;
	url: string;
	headers: http.IncomingHttpHeaders;
	raw: Buffer;
}

/** A tiny receiving server standing in for an n8n trigger. */
async function startReceiver(
	answer: (r: Received) => { status: number; body: string } = () => ({ status: 200, body: 'ok' }),
): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
	const received: Received[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks) };
			received.push(r);
			const a = answer(r);
			res.writeHead(a.status, { 'content-type': 'text/plain' });
			res.end(a.body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}`,
		received,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
	const started = Date.now();
	while (!predicate()) {
		if (Date.now() - started > timeoutMs) throw new Error('waitFor: timed out');
		await new Promise((r) => setTimeout(r, 10));
	}
}

function formParams(raw: Buffer): Record<string, string> {
	return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
}

// ---------------------------------------------------------------- tests

describe('provider sandbox', () => {
	let sb: Sandbox;

	beforeAll(async () => {
		sb = await startSandbox({
			host: '127.0.0.1',
			port: 0,
			accounts: {
				twilio: [{}, { accountSid: 'AC' + 'b'.repeat(32), authToken: 'second-account-token' }],
				meta: { phoneNumbers: [{ id: META.phoneNumberId }, { id: '222222222222222', displayPhoneNumber: '+1 555-000-2222' }] },
			},
		});
	});

	afterAll(async () => {
		await sb.close();
	});

	beforeEach(() => sb.reset());

	test('exposes base URLs and default accounts', () => {
		expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect(sb.twilioBaseUrl).toBe(`${sb.url}/twilio`);
		expect(sb.metaBaseUrl).toBe(`${sb.url}/meta`);
		expect(sb.gatewayUrl).toBe(`${sb.url}/gateway`);
		expect(DEFAULT_ACCOUNTS.twilio.accountSid).toMatch(/^AC[0-9a-f]{32}$/);
		expect(sb.accounts.twilioAccounts).toHaveLength(2);
		expect(sb.accounts.meta.phoneNumbers.map((p) => p.id)).toEqual([META.phoneNumberId, '222222222222222']);
		expect(Object.isFrozen(DEFAULT_ACCOUNTS)).toBe(true);
	});

	describe('Twilio Messages API', () => {
		test('creates a message with the right Basic auth (201, Message resource)', async () => {
			const res = await twilioCreate(sb, { To: WHATSAPP_TO, From: TWILIO.whatsappNumber, Body: 'Hi 👋' });
			expect(res.status).toBe(201);
			expect(res.body).toMatchObject({
				account_sid: TWILIO.accountSid,
				api_version: '2010-04-01',
				to: WHATSAPP_TO,
				from: TWILIO.whatsappNumber,
				body: 'Hi 👋',
				status: 'queued',
				num_media: '0',
				num_segments: '1',
				direction: 'outbound-api',
				error_code: null,
				messaging_service_sid: null,
				price: null,
			});
			expect(res.body.sid).toMatch(/^SM[0-9a-f]{32}$/);
			expect(res.body.date_created).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
			expect(res.body.uri).toBe(`/2010-04-01/Accounts/${TWILIO.accountSid}/Messages/${res.body.sid}.json`);
			expect(res.body.subresource_uris.media).toBe(`/2010-04-01/Accounts/${TWILIO.accountSid}/Messages/${res.body.sid}/Media.json`);

			expect(sb.requests).toHaveLength(1);
			const rec = sb.requests[0];
			expect(rec).toMatchObject({ provider: 'twilio', method: 'POST', path: `/twilio/2010-04-01/Accounts/${TWILIO.accountSid}/Messages.json`, status: 201 });
			expect(rec.body).toEqual({ To: WHATSAPP_TO, From: TWILIO.whatsappNumber, Body: 'Hi 👋' });
			expect(Buffer.isBuffer(rec.rawBody)).toBe(true);

			// The message can be fetched back.
			const fetched = await call(`${sb.twilioBaseUrl}${res.body.uri}`, { headers: { authorization: basic(TWILIO.accountSid, TWILIO.authToken) } });
			expect(fetched.status).toBe(200);
			expect(fetched.body.sid).toBe(res.body.sid);
		});

		test('media and messaging service: MM sid, num_media, accepted status; repeated MediaUrl keys are an array', async () => {
			const body = new URLSearchParams();
			body.append('To', WHATSAPP_TO);
			body.append('MessagingServiceSid', TWILIO.messagingServiceSid);
			body.append('MediaUrl', 'https://example.com/a.jpg');
			body.append('MediaUrl', 'https://example.com/b.jpg');
			const res = await call(`${sb.twilioBaseUrl}/2010-04-01/Accounts/${TWILIO.accountSid}/Messages.json`, {
				method: 'POST',
				headers: { authorization: basic(TWILIO.accountSid, TWILIO.authToken), 'content-type': 'application/x-www-form-urlencoded' },
				body: body.toString(),
			});
			expect(res.status).toBe(201);
			expect(res.body.sid).toMatch(/^MM[0-9a-f]{32}$/);
			expect(res.body).toMatchObject({ num_media: '2', status: 'accepted', from: null, messaging_service_sid: TWILIO.messagingServiceSid });
			expect((sb.requests[0].body as Record<string, unknown>).MediaUrl).toEqual(['https://example.com/a.jpg', 'https://example.com/b.jpg']);
		});

		test('wrong or missing credentials answer 401 with error 20003', async () => {
			const wrong = await twilioCreate(sb, { To: WHATSAPP_TO, From: TWILIO.whatsappNumber, Body: 'x' }, basic(TWILIO.accountSid, 'nope'));
			expect(wrong.status).toBe(401);
			expect(wrong.body).toEqual({
				code: 20003,
				message: 'Authenticate',
				more_info: 'https://www.twilio.com/docs/errors/20003',
				status: 401,
				detail: 'Your AccountSid or AuthToken was incorrect.',
			});
			const missing = await call(`${sb.twilioBaseUrl}/2010-04-01/Accounts/${TWILIO.accountSid}.json`);
			expect(missing.status).toBe(401);
			expect(missing.body.code).toBe(20003);
			// Valid credentials of another account do not open this account's path.
			const other = sb.accounts.twilioAccounts[1];
			const crossed = await twilioCreate(sb, { To: WHATSAPP_TO, From: TWILIO.whatsappNumber, Body: 'x' }, basic(other.accountSid, other.authToken));
			expect(crossed.status).toBe(401);
			expect(sb.stats().providers.twilio.authFailures).toBe(3);
		});

		test('a second account and an API key authenticate', async () => {
			const other = sb.accounts.twilioAccounts[1];
			const res = await twilioCreate(sb, { To: WHATSAPP_TO, From: other.whatsappNumber, Body: 'x' }, basic(other.accountSid, other.authToken), other.accountSid);
			expect(res.status).toBe(201);
			expect(res.body.account_sid).toBe(other.accountSid);
			const key = TWILIO.apiKeys[0];
			const viaKey = await twilioCreate(sb, { To: WHATSAPP_TO, From: TWILIO.whatsappNumber, Body: 'x' }, basic(key.sid, key.secret));
			expect(viaKey.status).toBe(201);
		});

		test('fetches the Account resource', async () => {
			const res = await call(`${sb.twilioBaseUrl}/2010-04-01/Accounts/${TWILIO.accountSid}.json`, {
				headers: { authorization: basic(TWILIO.accountSid, TWILIO.authToken) },
			});
			expect(res.status).toBe(200);
			expect(res.body).toMatchObject({ sid: TWILIO.accountSid, owner_account_sid: TWILIO.accountSid, status: 'active', type: 'Full' });
			expect(res.body.auth_token).not.toBe(TWILIO.authToken);
		});

		test('rejects broken requests like Twilio (21604, 21603, 21602, 21910)', async () => {
			expect((await twilioCreate(sb, { From: TWILIO.whatsappNumber, Body: 'x' })).body).toMatchObject({ code: 21604, status: 400 });
			expect((await twilioCreate(sb, { To: WHATSAPP_TO, Body: 'x' })).body).toMatchObject({ code: 21603, status: 400 });
			expect((await twilioCreate(sb, { To: WHATSAPP_TO, From: TWILIO.whatsappNumber })).body).toMatchObject({ code: 21602, status: 400 });
			expect((await twilioCreate(sb, { To: '+16505551234', From: TWILIO.whatsappNumber, Body: 'x' })).body).toMatchObject({ code: 21910 });
			// Twilio reads form parameters only: a JSON body has no To.
			const json = await call(`${sb.twilioBaseUrl}/2010-04-01/Accounts/${TWILIO.accountSid}/Messages.json`, {
				method: 'POST',
				headers: { authorization: basic(TWILIO.accountSid, TWILIO.authToken), 'content-type': 'application/json' },
				body: JSON.stringify({ To: WHATSAPP_TO, From: TWILIO.whatsappNumber, Body: 'x' }),
			});
			expect(json.status).toBe(400);
			expect(json.body.code).toBe(21604);
			expect(sb.stats().providers.twilio).toMatchObject({ received: 5, accepted: 0, clientErrors: 5 });
		});
	});

	describe('Meta Cloud API', () => {
		test('sends a message with the right token', async () => {
			const res = await metaSend(sb, TEXT_MESSAGE);
			expect(res.status).toBe(200);
			expect(res.body).toEqual({
				messaging_product: 'whatsapp',
				contacts: [{ input: '+16505551234', wa_id: '16505551234' }],
				messages: [{ id: expect.stringMatching(/^wamid\.[A-Za-z0-9+/=]+$/) }],
			});
			expect(res.headers.get('facebook-api-version')).toBe('v23.0');
			expect(sb.requests[0]).toMatchObject({ provider: 'meta', method: 'POST', path: `/meta/v23.0/${META.phoneNumberId}/messages`, body: TEXT_MESSAGE });
			expect(sb.requests[0].headers.authorization).toBe(`Bearer ${META.accessToken}`);
		});

		test('template sends carry message_status accepted; other versions and the second number work', async () => {
			const template = {
				messaging_product: 'whatsapp',
				to: '16505551234',
				type: 'template',
				template: { name: 'hello_world', language: { code: 'en_US' } },
			};
			const res = await call(`${sb.metaBaseUrl}/v21.0/222222222222222/messages`, {
				method: 'POST',
				headers: { authorization: `Bearer ${META.accessToken}`, 'content-type': 'application/json' },
				body: JSON.stringify(template),
			});
			expect(res.status).toBe(200);
			expect(res.body.messages[0]).toEqual({ id: expect.stringMatching(/^wamid\./), message_status: 'accepted' });
			expect(res.headers.get('facebook-api-version')).toBe('v21.0');
		});

		test('wrong token: 401 OAuthException 190; missing token: 401 code 104', async () => {
			const wrong = await metaSend(sb, TEXT_MESSAGE, 'not-the-token');
			expect(wrong.status).toBe(401);
			expect(wrong.body.error).toMatchObject({ type: 'OAuthException', code: 190 });
			expect(typeof wrong.body.error.message).toBe('string');
			expect(typeof wrong.body.error.fbtrace_id).toBe('string');
			const missing = await metaSend(sb, TEXT_MESSAGE, null);
			expect(missing.status).toBe(401);
			expect(missing.body.error).toMatchObject({ type: 'OAuthException', code: 104 });
		});

		test('unknown Phone Number ID: 400 GraphMethodException code 100', async () => {
			const res = await metaSend(sb, TEXT_MESSAGE, META.accessToken, '999999999999999');
			expect(res.status).toBe(400);
			expect(res.body.error).toMatchObject({ type: 'GraphMethodException', code: 100, error_subcode: 33 });
			expect(res.body.error.message).toContain("Unsupported post request. Object with ID '999999999999999' does not exist");
		});

		test('invalid JSON and missing parameters: 400 code 100', async () => {
			const bad = await metaSend(sb, '{"messaging_product": "whatsapp", ');
			expect(bad.status).toBe(400);
			expect(bad.body.error.code).toBe(100);
			expect(sb.requests[0].parseError).toBeDefined();
			const noProduct = await metaSend(sb, { to: '1', type: 'text', text: { body: 'x' } });
			expect(noProduct.body.error.message).toBe('(#100) The parameter messaging_product is required.');
			const noText = await metaSend(sb, { messaging_product: 'whatsapp', to: '1', type: 'text' });
			expect(noText.body.error.message).toBe('(#100) The parameter text is required.');
		});

		test('mark as read answers success', async () => {
			const res = await metaSend(sb, { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.X' });
			expect(res.status).toBe(200);
			expect(res.body).toEqual({ success: true });
			expect(sb.stats().accepted).toBe(0);
		});

		test('media: multipart upload, retrieve URL, download with the token only', async () => {
			const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
			const form = new FormData();
			form.append('messaging_product', 'whatsapp');
			form.append('type', 'image/jpeg');
			form.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg');
			const up = await call(`${sb.metaBaseUrl}/v23.0/${META.phoneNumberId}/media`, {
				method: 'POST',
				headers: { authorization: `Bearer ${META.accessToken}` },
				body: form,
			});
			expect(up.status).toBe(200);
			expect(up.body).toEqual({ id: expect.stringMatching(/^\d+$/) });
			const rec = sb.requests[0].body as MultipartBody;
			expect(rec.fields.messaging_product).toBe('whatsapp');
			expect(rec.files[0]).toMatchObject({ name: 'file', filename: 'photo.jpg', contentType: 'image/jpeg' });
			expect(rec.files[0].data.equals(bytes)).toBe(true);

			const info = await call(`${sb.metaBaseUrl}/v23.0/${up.body.id}`, { headers: { authorization: `Bearer ${META.accessToken}` } });
			expect(info.status).toBe(200);
			expect(info.body).toEqual({
				url: expect.stringContaining(`${sb.url}/meta/media-download/${up.body.id}`),
				mime_type: 'image/jpeg',
				sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
				file_size: String(bytes.length),
				id: up.body.id,
				messaging_product: 'whatsapp',
			});
			const denied = await call(info.body.url);
			expect(denied.status).toBe(401);
			const dl = await fetch(info.body.url, { headers: { authorization: `Bearer ${META.accessToken}` } });
			expect(dl.status).toBe(200);
			expect(dl.headers.get('content-type')).toBe('image/jpeg');
			expect(Buffer.from(await dl.arrayBuffer()).equals(bytes)).toBe(true);
		});

		test('phone number fields and webhook_configuration override', async () => {
			const auth = { authorization: `Bearer ${META.accessToken}` };
			const info = await call(`${sb.metaBaseUrl}/v23.0/${META.phoneNumberId}`, { headers: auth });
			expect(info.body).toEqual({
				id: META.phoneNumberId,
				display_phone_number: META.displayPhoneNumber,
				verified_name: META.verifiedName,
				quality_rating: 'GREEN',
			});
			const set = await call(`${sb.metaBaseUrl}/v23.0/${META.phoneNumberId}`, {
				method: 'POST',
				headers: { ...auth, 'content-type': 'application/json' },
				body: JSON.stringify({ webhook_configuration: { override_callback_uri: 'https://n8n.example.com/webhook/abc', verify_token: 'tok' } }),
			});
			expect(set.status).toBe(200);
			expect(set.body).toEqual({ success: true });
			const wc = await call(`${sb.metaBaseUrl}/v23.0/${META.phoneNumberId}?fields=webhook_configuration`, { headers: auth });
			expect(wc.body).toEqual({ webhook_configuration: { phone_number: 'https://n8n.example.com/webhook/abc' }, id: META.phoneNumberId });
			const unknownField = await call(`${sb.metaBaseUrl}/v23.0/${META.phoneNumberId}?fields=nope`, { headers: auth });
			expect(unknownField.status).toBe(400);
		});

		test('verifyWebhookCallbacks: the override is checked with a hub.challenge GET', async () => {
			const receiver = await startReceiver((r) => {
				const q = new URL(r.url, 'http://x').searchParams;
				return q.get('hub.verify_token') === 'right' ? { status: 200, body: q.get('hub.challenge') ?? '' } : { status: 403, body: 'no' };
			});
			try {
				sb.configure({ verifyWebhookCallbacks: true });
				const post = (token: string) =>
					call(`${sb.metaBaseUrl}/v23.0/${META.phoneNumberId}`, {
						method: 'POST',
						headers: { authorization: `Bearer ${META.accessToken}`, 'content-type': 'application/json' },
						body: JSON.stringify({ webhook_configuration: { override_callback_uri: `${receiver.url}/hook`, verify_token: token } }),
					});
				const bad = await post('wrong');
				expect(bad.status).toBe(400);
				expect(bad.body.error.code).toBe(2200);
				const good = await post('right');
				expect(good.body).toEqual({ success: true });
				expect(receiver.received.map((r) => r.method)).toEqual(['GET', 'GET']);
			} finally {
				await receiver.close();
			}
		});
	});

	describe('gateway', () => {
		test('records any method and subpath, checks the bearer token', async () => {
			const res = await call(`${sb.gatewayUrl}/send`, {
				method: 'POST',
				headers: { authorization: `Bearer ${GATEWAY.authToken}`, 'content-type': 'application/json' },
				body: JSON.stringify({ to: '+16505551234', text: 'hello' }),
			});
			expect(res.status).toBe(200);
			expect(res.body).toMatchObject({ success: true, status: 'queued', id: expect.stringMatching(/^gw_/) });
			const status = await call(`${sb.gatewayUrl}/status/${res.body.id}`, { headers: { authorization: `Bearer ${GATEWAY.authToken}` } });
			expect(status.body).toMatchObject({ id: res.body.id, status: 'queued' });
			const denied = await call(`${sb.gatewayUrl}/send`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
			expect(denied.status).toBe(401);

			expect(sb.requests.map((r) => [r.provider, r.method, r.path, r.status])).toEqual([
				['gateway', 'POST', '/gateway/send', 200],
				['gateway', 'GET', `/gateway/status/${res.body.id}`, 200],
				['gateway', 'POST', '/gateway/send', 401],
			]);
			expect(sb.requests[0].body).toEqual({ to: '+16505551234', text: 'hello' });
			expect(sb.stats().providers.gateway).toMatchObject({ received: 3, accepted: 1, authFailures: 1 });
		});

		test('no token configured: open gateway', async () => {
			const open = await startSandbox({ accounts: { gateway: { authToken: '' } } });
			try {
				const res = await call(`${open.gatewayUrl}/anything/deep`, { method: 'PUT', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
				expect(res.status).toBe(200);
				expect(open.requests[0].body).toEqual({ x: '1' });
			} finally {
				await open.close();
			}
		});
	});

	describe('failNext', () => {
		test('Twilio: realistic default error bodies, count, then normal again', async () => {
			sb.failNext({ provider: 'twilio', status: 503, count: 2 });
			const params = { To: WHATSAPP_TO, From: TWILIO.whatsappNumber, Body: 'x' };
			const a = await twilioCreate(sb, params);
			const b = await twilioCreate(sb, params);
			const c = await twilioCreate(sb, params);
			expect(a.status).toBe(503);
			expect(a.body).toEqual({ code: 20503, message: 'Service Unavailable', more_info: 'https://www.twilio.com/docs/errors/20503', status: 503 });
			expect(b.status).toBe(503);
			expect(c.status).toBe(201);
			sb.failNext({ provider: 'twilio', status: 429 });
			const limited = await twilioCreate(sb, params);
			expect(limited.status).toBe(429);
			expect(limited.body.code).toBe(20429);
			expect(limited.headers.get('retry-after')).toBe('1');
			expect(sb.stats().providers.twilio.injected).toBe(3);
		});

		test('Meta: Graph error bodies, custom body and headers, path filter', async () => {
			sb.failNext({ provider: 'meta', status: 500 });
			const r500 = await metaSend(sb, TEXT_MESSAGE);
			expect(r500.status).toBe(500);
			expect(r500.body.error).toMatchObject({ code: 2, type: 'GraphMethodException', is_transient: true });
			expect(typeof r500.body.error.fbtrace_id).toBe('string');

			sb.failNext({ provider: 'meta', status: 429 });
			const r429 = await metaSend(sb, TEXT_MESSAGE);
			expect(r429.status).toBe(429);
			expect(r429.body.error).toMatchObject({ code: 130429, type: 'OAuthException', error_data: { messaging_product: 'whatsapp' } });

			const custom = { error: { message: '(#131047) Re-engagement message', type: 'OAuthException', code: 131047, fbtrace_id: 'X' } };
			sb.failNext({ provider: 'meta', status: 400, body: custom, headers: { 'x-custom': 'yes' }, match: '/messages' });
			// A GET on the phone number does not match the filter.
			const info = await call(`${sb.metaBaseUrl}/v23.0/${META.phoneNumberId}`, { headers: { authorization: `Bearer ${META.accessToken}` } });
			expect(info.status).toBe(200);
			const r400 = await metaSend(sb, TEXT_MESSAGE);
			expect(r400.status).toBe(400);
			expect(r400.body).toEqual(custom);
			expect(r400.headers.get('x-custom')).toBe('yes');
			expect((await metaSend(sb, TEXT_MESSAGE)).status).toBe(200);
		});

		test('reset: the connection is destroyed after the request was received', async () => {
			sb.failNext({ provider: 'meta', reset: true });
			await expect(metaSend(sb, TEXT_MESSAGE)).rejects.toThrow();
			expect(sb.requests).toHaveLength(1);
			expect(sb.requests[0].status).toBe(0);
			expect(sb.requests[0].body).toEqual(TEXT_MESSAGE);
			expect((await metaSend(sb, TEXT_MESSAGE)).status).toBe(200);
		});
	});

	describe('configure', () => {
		test('rate limit: 429 with Retry-After beyond the limit, per provider account', async () => {
			// A long window makes the count deterministic (no refill during the test).
			sb.configure({ rateLimit: { limit: 3, windowMs: 60_000 } });
			const params = { To: WHATSAPP_TO, From: TWILIO.whatsappNumber, Body: 'x' };
			const twilioStatuses: number[] = [];
			let last: Res | undefined;
			for (let i = 0; i < 5; i++) {
				last = await twilioCreate(sb, params);
				twilioStatuses.push(last.status);
			}
			expect(twilioStatuses).toEqual([201, 201, 201, 429, 429]);
			expect(last?.body).toMatchObject({ code: 20429, status: 429 });
			expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

			const metaStatuses: number[] = [];
			let lastMeta: Res | undefined;
			for (let i = 0; i < 4; i++) {
				lastMeta = await metaSend(sb, TEXT_MESSAGE);
				metaStatuses.push(lastMeta.status);
			}
			expect(metaStatuses).toEqual([200, 200, 200, 429]);
			expect(lastMeta?.body.error).toMatchObject({ code: 130429, message: '(#130429) Rate limit hit' });
			expect(lastMeta?.headers.get('retry-after')).toBeTruthy();
			// Another phone number has its own bucket.
			expect((await metaSend(sb, TEXT_MESSAGE, META.accessToken, '222222222222222')).status).toBe(200);

			const s = sb.stats();
			expect(s.rejected429).toBe(3);
			expect(s.providers.twilio).toMatchObject({ accepted: 3, rejected429: 2 });
			expect(s.providers.meta).toMatchObject({ accepted: 4, rejected429: 1 });
		});

		test('metaRateLimitStatus 400 mirrors Graph answering throttling with HTTP 400', async () => {
			sb.configure({ rateLimit: { limit: 1, windowMs: 60_000 }, metaRateLimitStatus: 400 });
			expect((await metaSend(sb, TEXT_MESSAGE)).status).toBe(200);
			const r = await metaSend(sb, TEXT_MESSAGE);
			expect(r.status).toBe(400);
			expect(r.body.error.code).toBe(130429);
		});

		test('random faults are seeded, and reset() clears them', async () => {
			const params = { To: WHATSAPP_TO, From: TWILIO.whatsappNumber, Body: 'x' };
			const run = async () => {
				const statuses: number[] = [];
				for (let i = 0; i < 12; i++) statuses.push((await twilioCreate(sb, params)).status);
				return statuses;
			};
			sb.configure({ faults: { p500: 0.3, p429: 0.3 }, seed: 7 });
			const first = await run();
			sb.configure({ seed: 7 });
			const second = await run();
			expect(second).toEqual(first);
			expect(first.some((s) => s === 500 || s === 429)).toBe(true);
			const s = sb.stats().providers.twilio;
			expect(s.faults).toBe(s.faults500 + s.faults429);
			expect(s.faults).toBe(first.filter((x) => x !== 201).length * 2);

			sb.configure({ faults: { p500: 1 } });
			expect((await twilioCreate(sb, params)).status).toBe(500);
			sb.reset();
			expect(sb.stats().faults).toBe(0);
			expect((await twilioCreate(sb, params)).status).toBe(201);
			expect((await metaSend(sb, TEXT_MESSAGE)).status).toBe(200);
		});

		test('record: false only counts; duplicates are detected', async () => {
			sb.configure({ record: false });
			await metaSend(sb, TEXT_MESSAGE);
			await metaSend(sb, TEXT_MESSAGE);
			await metaSend(sb, { ...TEXT_MESSAGE, text: { body: 'another' } });
			expect(sb.requests).toHaveLength(0);
			const s = sb.stats();
			expect(s.received).toBe(3);
			expect(s.accepted).toBe(3);
			expect(s.messages.unique).toBe(2);
			expect(s.messages.duplicates).toBe(1);
			expect(s.messages.duplicateKeys).toEqual([
				expect.objectContaining({ provider: 'meta', sender: META.phoneNumberId, to: '16505551234', count: 2 }),
			]);
		});

		test('maxRecorded bounds the recorded requests', async () => {
			sb.configure({ maxRecorded: 5 });
			for (let i = 0; i < 20; i++) await call(`${sb.gatewayUrl}/ping`, { headers: { authorization: `Bearer ${GATEWAY.authToken}` } });
			expect(sb.requests.length).toBeLessThanOrEqual(6);
			expect(sb.requests[sb.requests.length - 1].id).toBeGreaterThan(sb.requests[0].id);
			expect(sb.stats().received).toBe(20);
		});
	});

	describe('fire()', () => {
		let receiver: Awaited<ReturnType<typeof startReceiver>>;
		beforeEach(async () => {
			receiver = await startReceiver();
		});
		afterEach(async () => {
			await receiver.close();
		});

		function verifyMeta(r: Received, secret = META.appSecret): boolean {
			const header = String(r.headers['x-hub-signature-256'] ?? '');
			const expected = 'sha256=' + crypto.createHmac('sha256', secret).update(r.raw).digest('hex');
			return header.length === expected.length && crypto.timingSafeEqual(Buffer.from(header), Buffer.from(expected));
		}

		test('Meta message webhook: spec shape and a valid X-Hub-Signature-256', async () => {
			const result = await sb.fire({ provider: 'meta', url: `${receiver.url}/webhook/meta`, kind: 'message', text: 'Hi there', count: 3 });
			expect(result.status).toBe(200);
			expect(result.body).toBe('ok');
			const r = receiver.received[0];
			expect(r.method).toBe('POST');
			expect(r.headers['content-type']).toBe('application/json');
			expect(verifyMeta(r)).toBe(true);
			expect(r.headers['x-hub-signature-256']).toBe(metaSignature(r.raw, META.appSecret));
			const payload = JSON.parse(r.raw.toString('utf8'));
			expect(payload.object).toBe('whatsapp_business_account');
			expect(payload.entry[0].id).toBe(META.wabaId);
			const change = payload.entry[0].changes[0];
			expect(change.field).toBe('messages');
			expect(change.value.metadata).toEqual({ display_phone_number: '15550783881', phone_number_id: META.phoneNumberId });
			expect(change.value.contacts[0]).toEqual({ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' });
			expect(change.value.messages).toHaveLength(3);
			expect(new Set(change.value.messages.map((m: { id: string }) => m.id)).size).toBe(3);
			expect(change.value.messages[0]).toMatchObject({ from: '16505551234', type: 'text', text: { body: 'Hi there' }, timestamp: expect.stringMatching(/^\d+$/) });
		});

		test('Meta status webhook and negative variants (tamper, wrongSecret, omitSignature)', async () => {
			await sb.fire({ provider: 'meta', url: receiver.url, kind: 'status', status: 'read', messageId: 'wamid.ABC', to: '16505551234' });
			const status = JSON.parse(receiver.received[0].raw.toString('utf8')).entry[0].changes[0].value;
			expect(status.statuses).toEqual([{ id: 'wamid.ABC', status: 'read', timestamp: expect.any(String), recipient_id: '16505551234' }]);
			expect(verifyMeta(receiver.received[0])).toBe(true);

			await sb.fire({ provider: 'meta', url: receiver.url, tamper: true });
			await sb.fire({ provider: 'meta', url: receiver.url, wrongSecret: true });
			await sb.fire({ provider: 'meta', url: receiver.url, omitSignature: true });
			const [tampered, wrong, omitted] = receiver.received.slice(1);
			expect(JSON.parse(tampered.raw.toString('utf8')).object).toBe('whatsapp_business_account');
			expect(verifyMeta(tampered)).toBe(false);
			expect(verifyMeta(wrong)).toBe(false);
			expect(omitted.headers['x-hub-signature-256']).toBeUndefined();
		});

		test('Meta media message: the media can be fetched back through the Graph API', async () => {
			await sb.fire({ provider: 'meta', url: receiver.url, type: 'image', media: { contentType: 'image/png', caption: 'look' } });
			const msg = JSON.parse(receiver.received[0].raw.toString('utf8')).entry[0].changes[0].value.messages[0];
			expect(msg.type).toBe('image');
			expect(msg.image).toMatchObject({ mime_type: 'image/png', caption: 'look', id: expect.stringMatching(/^\d+$/) });
			const info = await call(`${sb.metaBaseUrl}/v23.0/${msg.image.id}`, { headers: { authorization: `Bearer ${META.accessToken}` } });
			expect(info.body.mime_type).toBe('image/png');
		});

		test('Meta verification GET echoes the challenge', async () => {
			const echo = await startReceiver((r) => {
				const q = new URL(r.url, 'http://x').searchParams;
				const ok = q.get('hub.mode') === 'subscribe' && q.get('hub.verify_token') === META.verifyToken;
				return ok ? { status: 200, body: q.get('hub.challenge') ?? '' } : { status: 403, body: 'forbidden' };
			});
			try {
				const good = await sb.fire({ provider: 'meta', kind: 'verify', url: `${echo.url}/webhook` });
				expect(good.verified).toBe(true);
				const bad = await sb.fire({ provider: 'meta', kind: 'verify', url: `${echo.url}/webhook`, wrongSecret: true });
				expect(bad.status).toBe(403);
				expect(bad.verified).toBe(false);
			} finally {
				await echo.close();
			}
		});

		test('Twilio inbound message: validated by the official twilio package', async () => {
			const url = `${receiver.url}/webhook/twilio?x=1`;
			await sb.fire({ provider: 'twilio', url, kind: 'message', text: 'Hola', from: '+16505551234', name: 'Ana' });
			const r = receiver.received[0];
			expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
			const params = formParams(r.raw);
			expect(params).toMatchObject({
				AccountSid: TWILIO.accountSid,
				From: 'whatsapp:+16505551234',
				To: TWILIO.whatsappNumber,
				Body: 'Hola',
				NumMedia: '0',
				ProfileName: 'Ana',
				WaId: '16505551234',
				SmsStatus: 'received',
				ApiVersion: '2010-04-01',
			});
			expect(params.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
			const signature = String(r.headers['x-twilio-signature']);
			expect(twilio.validateRequest(TWILIO.authToken, signature, url, params)).toBe(true);
			expect(twilio.validateRequest('some-other-token', signature, url, params)).toBe(false);
		});

		test('Twilio status callback, tamper, wrongSecret, omitSignature', async () => {
			const url = `${receiver.url}/status`;
			await sb.fire({ provider: 'twilio', url, kind: 'status', status: 'undelivered', messageId: 'SM' + 'a'.repeat(32), errorCode: 63016 });
			await sb.fire({ provider: 'twilio', url, tamper: true });
			await sb.fire({ provider: 'twilio', url, wrongSecret: true });
			await sb.fire({ provider: 'twilio', url, omitSignature: true });
			const [status, tampered, wrong, omitted] = receiver.received;
			const statusParams = formParams(status.raw);
			expect(statusParams).toMatchObject({ MessageSid: 'SM' + 'a'.repeat(32), MessageStatus: 'undelivered', ErrorCode: '63016', ChannelPrefix: 'whatsapp' });
			expect(twilio.validateRequest(TWILIO.authToken, String(status.headers['x-twilio-signature']), url, statusParams)).toBe(true);
			expect(twilio.validateRequest(TWILIO.authToken, String(tampered.headers['x-twilio-signature']), url, formParams(tampered.raw))).toBe(false);
			expect(twilio.validateRequest(TWILIO.authToken, String(wrong.headers['x-twilio-signature']), url, formParams(wrong.raw))).toBe(false);
			expect(omitted.headers['x-twilio-signature']).toBeUndefined();
		});

		test('Twilio inbound media is served with Basic auth', async () => {
			await sb.fire({ provider: 'twilio', url: receiver.url, media: { contentType: 'image/png' } });
			const params = formParams(receiver.received[0].raw);
			expect(params.NumMedia).toBe('1');
			expect(params.MediaContentType0).toBe('image/png');
			expect(params.MediaUrl0).toMatch(new RegExp(`^${sb.twilioBaseUrl}/2010-04-01/Accounts/${TWILIO.accountSid}/Messages/MM[0-9a-f]{32}/Media/ME[0-9a-f]{32}$`));
			expect((await call(params.MediaUrl0)).status).toBe(401);
			const media = await fetch(params.MediaUrl0, { headers: { authorization: basic(TWILIO.accountSid, TWILIO.authToken) } });
			expect(media.status).toBe(200);
			expect(media.headers.get('content-type')).toBe('image/png');
			expect((await media.arrayBuffer()).byteLength).toBeGreaterThan(0);
		});

		test('gateway webhook: bearer token and X-Signature-256', async () => {
			await sb.fire({ provider: 'gateway', url: receiver.url, kind: 'message', text: 'yo', from: '+4915112345678' });
			await sb.fire({ provider: 'gateway', url: receiver.url, tamper: true, omitAuth: true });
			const [good, tampered] = receiver.received;
			expect(good.headers.authorization).toBe(`Bearer ${GATEWAY.authToken}`);
			const secret = GATEWAY.webhookSecret as string;
			expect(good.headers['x-signature-256']).toBe(crypto.createHmac('sha256', secret).update(good.raw).digest('hex'));
			expect(JSON.parse(good.raw.toString('utf8'))).toMatchObject({ event: 'message', from: '+4915112345678', text: 'yo' });
			expect(tampered.headers.authorization).toBeUndefined();
			expect(tampered.headers['x-signature-256']).not.toBe(crypto.createHmac('sha256', secret).update(tampered.raw).digest('hex'));
		});

		test('autoStatusCallbacks: Twilio StatusCallback receives signed sent and delivered', async () => {
			sb.configure({ autoStatusCallbacks: true, statusCallbackDelayMs: 1 });
			const callback = `${receiver.url}/cb`;
			const created = await twilioCreate(sb, { To: WHATSAPP_TO, From: TWILIO.whatsappNumber, Body: 'x', StatusCallback: callback });
			expect(created.status).toBe(201);
			await waitFor(() => receiver.received.length >= 2);
			const statuses = receiver.received.map((r) => formParams(r.raw));
			expect(statuses.map((p) => p.MessageStatus)).toEqual(['sent', 'delivered']);
			expect(statuses.every((p) => p.MessageSid === created.body.sid)).toBe(true);
			for (const r of receiver.received) {
				expect(twilio.validateRequest(TWILIO.authToken, String(r.headers['x-twilio-signature']), callback, formParams(r.raw))).toBe(true);
			}
			await waitFor(() => sb.stats().callbacks.sent === 2);
			expect(sb.getMessage(created.body.sid)?.status).toBe('delivered');
		});
	});

	describe('HTTP control API', () => {
		test('fail, configure, requests, stats, fire and reset over HTTP', async () => {
			const post = (path: string, body: unknown) =>
				call(`${sb.url}/__sandbox/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

			expect((await post('fail', { provider: 'meta', status: 500 })).body).toEqual({ ok: true, queued: 1 });
			expect((await metaSend(sb, TEXT_MESSAGE)).status).toBe(500);
			expect((await post('configure', { latencyMs: 1 })).body.latencyMs).toBe(1);

			const requests = await call(`${sb.url}/__sandbox/requests?provider=meta`);
			expect(requests.status).toBe(200);
			expect(requests.body).toHaveLength(1);
			expect(requests.body[0]).toMatchObject({ provider: 'meta', status: 500, rawBodyEncoding: 'utf8', body: TEXT_MESSAGE });
			expect(JSON.parse(requests.body[0].rawBody)).toEqual(TEXT_MESSAGE);
			expect(requests.body[0].headers.authorization).toBe('Bearer [redacted]');
			expect((await call(`${sb.url}/__sandbox/requests?provider=twilio`)).body).toEqual([]);

			const stats = await call(`${sb.url}/__sandbox/stats`);
			expect(stats.body.providers.meta).toMatchObject({ received: 1, injected: 1 });

			const receiver = await startReceiver();
			try {
				const fired = await post('fire', { provider: 'meta', url: receiver.url, text: 'via http' });
				expect(fired.status).toBe(200);
				expect(fired.body.status).toBe(200);
				expect(receiver.received).toHaveLength(1);
			} finally {
				await receiver.close();
			}

			// The developer page moved to /dev; / is the playground phone (issue 14).
			const page = await call(`${sb.url}/dev`);
			expect(page.status).toBe(200);
			expect(page.text).toContain('<table>');
			expect((await call(`${sb.url}/`)).text).toContain('/phone/app.js');
			expect(page.text).not.toContain(META.accessToken);
			expect(page.text).not.toContain(TWILIO.authToken);

			expect((await post('reset', {})).body).toEqual({ ok: true });
			expect(sb.requests).toHaveLength(0);
			expect((await call(`${sb.url}/__sandbox/configure`)).body.latencyMs).toBe(0);
		});
	});
});
