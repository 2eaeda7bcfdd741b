/**
 * The playground phone's server side (sandbox/phone.js, sandbox/customer.js): conversations made from
 * what the business sent, the customer's actions as the providers' real signed webhooks (checked here
 * with independently computed signatures, Twilio's with the twilio library), statuses that follow the
 * conversation's settings, and the control routes' same-origin rule.
 */
import { createHmac } from 'node:crypto';
import * as http from 'node:http';

import twilio from 'twilio';

import { startSandbox, type Sandbox } from '../../sandbox';

/** A message of a Meta webhook, as far as these tests read it. */
type MetaMessage = Record<string, unknown> & { document: { id: string } };

interface Received {
	url: string;
	headers: http.IncomingHttpHeaders;
	raw: string;
}

let sb: Sandbox;
let receiver: http.Server;
let received: Received[] = [];
let hookUrl = '';

beforeAll(async () => {
	receiver = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			received.push({ url: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{"ok":true}');
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/webhook/abc/whatsapp`;
	sb = await startSandbox({ accounts: { meta: { appCallbackUrl: hookUrl } } });
});
afterAll(async () => {
	await sb.close();
	await new Promise((resolve) => receiver.close(resolve));
});
beforeEach(() => {
	sb.reset();
	sb.configure({ autoStatusCallbacks: true, statusCallbackDelayMs: 5 });
	sb.phone.setTargets([
		{ provider: 'meta', url: hookUrl, workflow: 'Meta flow' },
		{ provider: 'twilio', url: hookUrl, workflow: 'Twilio flow' },
		{ provider: 'gateway', url: hookUrl, workflow: 'Gateway flow' },
	]);
	received = [];
});

const metaSend = async (body: Record<string, unknown>) => {
	const res = await fetch(`${sb.metaBaseUrl}/v23.0/${sb.accounts.meta.phoneNumberId}/messages`, {
		method: 'POST',
		headers: { authorization: `Bearer ${sb.accounts.meta.accessToken}`, 'content-type': 'application/json' },
		body: JSON.stringify({ messaging_product: 'whatsapp', ...body }),
	});
	return (await res.json()) as { messages: Array<{ id: string }> };
};

const twilioSend = async (params: Record<string, string>) => {
	const a = sb.accounts.twilio;
	const res = await fetch(`${sb.twilioBaseUrl}/2010-04-01/Accounts/${a.accountSid}/Messages.json`, {
		method: 'POST',
		headers: { authorization: `Basic ${Buffer.from(`${a.accountSid}:${a.authToken}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ From: a.whatsappNumber, ...params }).toString(),
	});
	return (await res.json()) as { sid: string };
};

const metaMessages = () =>
	received
		.map((r) => JSON.parse(r.raw) as { entry: Array<{ changes: Array<{ value: { messages?: MetaMessage[]; statuses?: Array<Record<string, unknown>> } }> }> })
		.flatMap((p) => p.entry[0].changes[0].value.messages ?? []);
const metaStatuses = () =>
	received
		.filter((r) => r.raw.includes('"statuses"'))
		.map((r) => JSON.parse(r.raw).entry[0].changes[0].value.statuses[0] as Record<string, unknown>);

async function until<T>(fn: () => T | undefined, what: string): Promise<T> {
	for (let i = 0; i < 1000; i++) {
		const v = fn();
		if (v) return v;
		await new Promise((r) => setTimeout(r, 10));
	}
	throw new Error(`timed out waiting for ${what}`);
}

describe('customer.js: the customer’s side as signed webhooks', () => {
	it('Meta text: X-Hub-Signature-256 over the exact body, the customer’s number and name, to the chosen workflow', async () => {
		const conv = sb.phone.newCustomer({ provider: 'meta', name: 'Ana Lima', number: '+49 151 2345678' });
		const r = await sb.phone.customer('text', { conversation: conv.id, text: 'Hello *there*' });
		expect(r.webhook.status).toBe(200);
		expect(received).toHaveLength(1);
		const [hit] = received;
		expect(hit.url).toBe('/webhook/abc/whatsapp');
		expect(hit.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', sb.accounts.meta.appSecret).update(hit.raw).digest('hex')}`);
		const value = JSON.parse(hit.raw).entry[0].changes[0].value;
		expect(value.metadata.phone_number_id).toBe(sb.accounts.meta.phoneNumberId);
		expect(value.contacts[0]).toEqual(expect.objectContaining({ wa_id: '491512345678', profile: { name: 'Ana Lima' } }));
		expect(value.messages[0]).toEqual(expect.objectContaining({ from: '491512345678', type: 'text', text: { body: 'Hello *there*' }, id: r.message!.id }));
		// The bubble: on the customer's side, delivered to the trigger.
		expect(sb.phone.conversation(conv.id)!.messages).toEqual([expect.objectContaining({ dir: 'in', status: 'delivered', content: { kind: 'text', text: 'Hello *there*' } })]);
	});

	it('Meta tap: the button id goes through untouched (a signed Send-and-Wait token too), quoting the message', async () => {
		const conv = sb.phone.newCustomer({ provider: 'meta' });
		const token = 'w1.eyJ4IjoxfQ.c2lnbmF0dXJl-_';
		const sent = await metaSend({
			to: conv.customer.number,
			type: 'interactive',
			interactive: { type: 'button', body: { text: 'Approve?' }, action: { buttons: [{ type: 'reply', reply: { id: token, title: 'Approve' } }, { type: 'reply', reply: { id: 'no', title: 'Decline' } }] } },
		});
		const wamid = sent.messages[0].id;
		const bubble = sb.phone.conversation(conv.id)!.messages[0];
		expect(bubble).toEqual(expect.objectContaining({ id: wamid, dir: 'out', content: expect.objectContaining({ kind: 'interactive', buttons: [{ id: token, title: 'Approve' }, { id: 'no', title: 'Decline' }] }) }));
		received = [];
		await sb.phone.customer('tap', { conversation: conv.id, messageId: wamid, buttonId: token });
		const [message] = metaMessages();
		expect(message).toEqual(
			expect.objectContaining({
				type: 'interactive',
				context: { from: '15550783881', id: wamid },
				interactive: { type: 'button_reply', button_reply: { id: token, title: 'Approve' } },
			}),
		);
		await expect(sb.phone.customer('tap', { conversation: conv.id, messageId: wamid, buttonId: 'forged' })).rejects.toThrow(/no reply button "forged"/);
	});

	it('Meta: a template’s quick reply is a "button" message; a list row a list_reply; react, location and media', async () => {
		const conv = sb.phone.newCustomer({ provider: 'meta' });
		const t = await metaSend({
			to: conv.customer.number,
			type: 'template',
			template: {
				name: 'order_shipped',
				language: { code: 'en_US' },
				components: [
					{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '#1234' }] },
					{ type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'TRACK' }] },
				],
			},
		});
		const l = await metaSend({
			to: conv.customer.number,
			type: 'interactive',
			interactive: { type: 'list', body: { text: 'Pick a slot' }, action: { button: 'Slots', sections: [{ title: 'Tuesday', rows: [{ id: 'tue-10', title: '10:00', description: 'Morning' }] }] } },
		});
		received = [];
		await sb.phone.customer('tap', { conversation: conv.id, messageId: t.messages[0].id, buttonId: 'TRACK' });
		await sb.phone.customer('choose', { conversation: conv.id, messageId: l.messages[0].id, rowId: 'tue-10' });
		await sb.phone.customer('react', { conversation: conv.id, messageId: t.messages[0].id, emoji: '❤️' });
		await sb.phone.customer('location', { conversation: conv.id });
		await sb.phone.customer('media', { conversation: conv.id, kind: 'document', caption: 'My invoice' });
		const [button, list, reaction, location, document] = metaMessages();
		expect(button).toEqual(expect.objectContaining({ type: 'button', button: { payload: 'TRACK', text: 'Track order' }, context: expect.objectContaining({ id: t.messages[0].id }) }));
		expect(list).toEqual(expect.objectContaining({ type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'tue-10', title: '10:00', description: 'Morning' } } }));
		expect(reaction).toEqual(expect.objectContaining({ type: 'reaction', reaction: { message_id: t.messages[0].id, emoji: '❤️' } }));
		expect(location).toEqual(expect.objectContaining({ type: 'location', location: expect.objectContaining({ name: 'Alexanderplatz' }) }));
		expect(document).toEqual(expect.objectContaining({ type: 'document', document: expect.objectContaining({ mime_type: 'application/pdf', filename: 'sample.pdf', caption: 'My invoice' }) }));
		// The document can be downloaded like any Meta media.
		const media = await fetch(`${sb.metaBaseUrl}/v23.0/${document.document.id}`, { headers: { authorization: `Bearer ${sb.accounts.meta.accessToken}` } });
		expect(media.status).toBe(200);
		const view = sb.phone.conversation(conv.id)!;
		expect(view.messages.find((m) => m.id === t.messages[0].id)!.reactions).toEqual({ customer: '❤️' });
	});

	it('Twilio: the form is signed with X-Twilio-Signature (checked by the twilio library); a quick-reply tap carries ButtonPayload and the replied message', async () => {
		const conv = sb.phone.newCustomer({ provider: 'twilio', name: 'Kenji Sato' });
		const sent = await twilioSend({ To: `whatsapp:+${conv.customer.number}`, ContentSid: 'HX5a4db0c5000000000000000000000002', ContentVariables: JSON.stringify({ 1: 'Tuesday', 2: '10:00' }) });
		const bubble = sb.phone.conversation(conv.id)!.messages[0];
		expect(bubble.content).toEqual(
			expect.objectContaining({
				kind: 'template',
				body: 'Your appointment is on Tuesday at 10:00. Can you make it?',
				buttons: [expect.objectContaining({ text: 'Yes', id: 'confirm' }), expect.objectContaining({ text: 'No', id: 'cancel' })],
			}),
		);
		await sb.phone.customer('tap', { conversation: conv.id, messageId: sent.sid, buttonId: 'confirm' });
		// The sent message's status callbacks (posted back a few ms after sending) may arrive before the tap: the tap is the one with a ButtonPayload.
		const taps = received.filter((r) => new URLSearchParams(r.raw).has('ButtonPayload'));
		expect(taps).toHaveLength(1);
		const [hit] = taps;
		const params = Object.fromEntries(new URLSearchParams(hit.raw));
		expect(twilio.validateRequest(sb.accounts.twilio.authToken, String(hit.headers['x-twilio-signature']), hookUrl, params)).toBe(true);
		expect(params).toEqual(
			expect.objectContaining({
				From: `whatsapp:+${conv.customer.number}`,
				To: sb.accounts.twilio.whatsappNumber,
				ProfileName: 'Kenji Sato',
				Body: 'Yes',
				ButtonPayload: 'confirm',
				ButtonText: 'Yes',
				OriginalRepliedMessageSid: sent.sid,
			}),
		);
		await expect(sb.phone.customer('react', { conversation: conv.id, messageId: sent.sid })).rejects.toThrow(/Twilio stand-in sends no reaction webhooks/);
	});

	it('gateway: the provider-neutral message renders; the customer’s reply has the bearer token and the HMAC', async () => {
		const conv = sb.phone.newCustomer({ provider: 'gateway' });
		const res = await fetch(`${sb.gatewayUrl}/send`, {
			method: 'POST',
			headers: { authorization: `Bearer ${sb.accounts.gateway.authToken}`, 'content-type': 'application/json' },
			body: JSON.stringify({
				to: `+${conv.customer.number}`,
				type: 'interactive',
				message: { to: `+${conv.customer.number}`, type: 'interactive', interactive: { type: 'button', body: 'Ready?', buttons: [{ id: 'go', title: 'Go' }] } },
			}),
		});
		const { id } = (await res.json()) as { id: string };
		expect(sb.phone.conversation(conv.id)!.messages[0].content).toEqual(expect.objectContaining({ kind: 'interactive', body: 'Ready?', buttons: [{ id: 'go', title: 'Go' }] }));
		await sb.phone.customer('tap', { conversation: conv.id, messageId: id, buttonId: 'go' });
		const [hit] = received;
		expect(hit.headers.authorization).toBe(`Bearer ${sb.accounts.gateway.authToken}`);
		expect(hit.headers['x-signature-256']).toBe(createHmac('sha256', sb.accounts.gateway.webhookSecret!).update(hit.raw).digest('hex'));
		expect(JSON.parse(hit.raw)).toEqual(expect.objectContaining({ event: 'message', from: `+${conv.customer.number}`, replyId: 'go', replyTitle: 'Go', contextMessageId: id }));
	});

	it('without an active workflow for the connection, says so and sends nothing', async () => {
		sb.phone.setTargets([]);
		const conv = sb.phone.newCustomer({ provider: 'meta' });
		await expect(sb.phone.customer('text', { conversation: conv.id, text: 'hi' })).rejects.toThrow(/no active workflow with a WhatsApp trigger/);
		expect(received).toHaveLength(0);
	});
});

describe('phone.js: statuses that follow the conversation', () => {
	it('sent and delivered are posted back and shown; the customer opening the chat posts read', async () => {
		const conv = sb.phone.newCustomer({ provider: 'meta' });
		const sent = await metaSend({ to: conv.customer.number, type: 'text', text: { body: 'Hi' } });
		const id = sent.messages[0].id;
		await until(() => sb.phone.conversation(conv.id)!.messages[0].status === 'delivered', 'delivered');
		expect(metaStatuses().map((s) => [s.id, s.status])).toEqual([
			[id, 'sent'],
			[id, 'delivered'],
		]);
		expect(await sb.phone.read(conv.id)).toBe(1);
		expect(metaStatuses().map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
		expect(sb.phone.conversation(conv.id)!.messages[0].status).toBe('read');
	});

	it('"fail next" makes the next message fail with the chosen code (posted as Meta’s failed status), then stops', async () => {
		const conv = sb.phone.newCustomer({ provider: 'meta' });
		sb.phone.settings(conv.id, { fail: 131047 });
		const first = await metaSend({ to: conv.customer.number, type: 'text', text: { body: 'One' } });
		await until(() => sb.phone.conversation(conv.id)!.messages[0].status === 'failed', 'the failed status');
		expect(metaStatuses()[0]).toEqual(expect.objectContaining({ id: first.messages[0].id, status: 'failed', errors: [expect.objectContaining({ code: 131047 })] }));
		expect(sb.phone.conversation(conv.id)!.messages[0]).toEqual(expect.objectContaining({ status: 'failed', error: expect.objectContaining({ code: 131047 }) }));
		expect(sb.phone.conversation(conv.id)!.fail).toBeNull();
		await metaSend({ to: conv.customer.number, type: 'text', text: { body: 'Two' } });
		await until(() => metaStatuses().length === 3, 'sent and delivered');
		expect(metaStatuses().map((s) => s.status)).toEqual(['failed', 'sent', 'delivered']);
	});

	it('a sent message can be made to fail afterwards; Twilio gets its own code in ErrorCode', async () => {
		const conv = sb.phone.newCustomer({ provider: 'twilio' });
		const sent = await twilioSend({ To: `whatsapp:+${conv.customer.number}`, Body: 'Hello', StatusCallback: hookUrl });
		await until(() => sb.phone.conversation(conv.id)!.messages[0].status === 'delivered', 'delivered');
		received = [];
		expect(await sb.phone.failMessage(sent.sid, 63016)).toEqual({ posted: true });
		const params = Object.fromEntries(new URLSearchParams(received[0].raw));
		expect(params).toEqual(expect.objectContaining({ MessageSid: sent.sid, MessageStatus: 'failed', ErrorCode: '63016' }));
		expect(sb.phone.conversation(conv.id)!.messages[0].status).toBe('failed');
	});

	it('Mark as Read with a typing indicator reads the customer’s messages and shows "typing…"; a reaction lands on its bubble', async () => {
		const conv = sb.phone.newCustomer({ provider: 'meta' });
		const r = await sb.phone.customer('text', { conversation: conv.id, text: 'Anyone there?' });
		await metaSend({ status: 'read', message_id: r.message!.id, typing_indicator: { type: 'text' } });
		let view = sb.phone.conversation(conv.id)!;
		expect(view.messages[0].status).toBe('read');
		expect(view.typing).toBe(true);
		await metaSend({ to: conv.customer.number, type: 'reaction', reaction: { message_id: r.message!.id, emoji: '👍' } });
		await metaSend({ to: conv.customer.number, type: 'text', text: { body: 'Yes!' }, context: { message_id: r.message!.id } });
		view = sb.phone.conversation(conv.id)!;
		expect(view.typing).toBe(false);
		expect(view.messages[0].reactions).toEqual({ business: '👍' });
		expect(view.messages[1]).toEqual(expect.objectContaining({ quote: r.message!.id, quotePreview: { dir: 'in', text: 'Anyone there?' } }));
	});

	it('a Meta reaction gets a sent status only, as Meta documents; "read after" posts read by itself', async () => {
		const conv = sb.phone.newCustomer({ provider: 'meta' });
		sb.phone.settings(conv.id, { readAfterMs: 10 });
		const r = await sb.phone.customer('text', { conversation: conv.id, text: 'Hi' });
		received = [];
		const reaction = await metaSend({ to: conv.customer.number, type: 'reaction', reaction: { message_id: r.message!.id, emoji: '👍' } });
		const text = await metaSend({ to: conv.customer.number, type: 'text', text: { body: 'Hello!' } });
		await until(() => sb.phone.conversation(conv.id)!.messages.find((m) => m.id === text.messages[0].id)?.status === 'read', 'read after 10 ms');
		await until(() => metaStatuses().length === 4, 'four statuses');
		const byMessage = (id: string) => metaStatuses().filter((x) => x.id === id).map((x) => x.status);
		expect(byMessage(reaction.messages[0].id)).toEqual(['sent']);
		expect(byMessage(text.messages[0].id)).toEqual(['sent', 'delivered', 'read']);
	});

	it('a customer known only by a BSUID writes without a phone number', async () => {
		await metaSend({ recipient: 'US.13491208655302741918', type: 'text', text: { body: 'Hello' } });
		const conv = sb.phone.conversations().find((c) => c.customer.userId === 'US.13491208655302741918')!;
		expect(conv.customer.number).toBeUndefined();
		received = [];
		await sb.phone.customer('text', { conversation: conv.id, text: 'Hi back' });
		const value = JSON.parse(received[0].raw).entry[0].changes[0].value;
		expect(value.messages[0]).toEqual(expect.objectContaining({ from_user_id: 'US.13491208655302741918', text: { body: 'Hi back' } }));
		expect(value.messages[0].from).toBeUndefined();
	});

	it('a send the provider refused shows as refused, with the provider’s code', async () => {
		const conv = sb.phone.newCustomer({ provider: 'meta' });
		await metaSend({ to: conv.customer.number, type: 'template', template: { name: 'order_shipped', language: { code: 'en_US' }, components: [] } });
		expect(sb.phone.conversation(conv.id)!.messages[0]).toEqual(expect.objectContaining({ status: 'rejected', error: expect.objectContaining({ code: 132000 }) }));
	});
});

describe('the phone’s HTTP routes', () => {
	it('POST /__sandbox/customer/{action} acts as the customer for tools without an Origin; other origins and host names get 403', async () => {
		const conv = (await (await fetch(`${sb.url}/__sandbox/phone/conversations`, { method: 'POST', body: JSON.stringify({ provider: 'meta', name: 'Tool' }) })).json()) as { id: string };
		const ok = await fetch(`${sb.url}/__sandbox/customer/text`, { method: 'POST', body: JSON.stringify({ conversation: conv.id, text: 'from a test' }) });
		expect(ok.status).toBe(200);
		expect(metaMessages()[0].text).toEqual({ body: 'from a test' });
		const cross = await fetch(`${sb.url}/__sandbox/customer/text`, { method: 'POST', headers: { origin: 'https://evil.example' }, body: JSON.stringify({ conversation: conv.id, text: 'x' }) });
		expect(cross.status).toBe(403);
		const rebound = await new Promise<number>((resolve, reject) => {
			const req = http.request(`${sb.url}/__sandbox/phone/state`, { headers: { host: `evil.example:${sb.port}` } }, (res) => resolve(res.statusCode ?? 0));
			req.on('error', reject);
			req.end();
		});
		expect(rebound).toBe(403);
		expect(received).toHaveLength(1);
	});

	it('the page is served with a strict content security policy; state and events never carry a secret', async () => {
		const page = await fetch(`${sb.url}/`);
		expect(page.status).toBe(200);
		expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
		expect(await page.text()).toContain('/phone/app.js');
		const conv = sb.phone.newCustomer({ provider: 'meta' });
		const events = await fetch(`${sb.url}/__sandbox/phone/events`);
		const reader = events.body!.getReader();
		await sb.phone.customer('text', { conversation: conv.id, text: 'live' });
		let text = '';
		while (!text.includes('"live"')) text += new TextDecoder().decode((await reader.read()).value);
		await reader.cancel();
		expect(text).toContain('event: conversation');
		const state = await (await fetch(`${sb.url}/__sandbox/phone/state`)).text();
		for (const secret of [sb.accounts.meta.accessToken, sb.accounts.meta.appSecret, sb.accounts.twilio.authToken, sb.accounts.gateway.authToken!, sb.accounts.gateway.webhookSecret!]) {
			expect(state).not.toContain(secret);
			expect(text).not.toContain(secret);
		}
		expect((await fetch(`${sb.url}/phone/../index.js`)).status).not.toBe(200);
	});
});
