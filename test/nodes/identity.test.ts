/**
 * Usernames and business-scoped user IDs (BSUIDs): the identities on trigger items (from Meta's
 * documented payloads in test/fixtures/identity/, and from the sandbox's webhooks), replying to an
 * item's replyTo through Send WhatsApp (Meta gets `recipient` for a BSUID, `to` for a phone number),
 * and the clear pre-flight error of the providers that cannot send to a BSUID.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type FireOptions, type Sandbox } from '../../sandbox';
import { ITEM_FIELDS, toItem } from '../../nodes/shared/inbound';
import { normaliseMetaPayload } from '../../nodes/shared/providers/meta/inbound';
import { normaliseTwilioParams } from '../../nodes/shared/providers/twilio/inbound';
import { normaliseGatewayEvent } from '../../nodes/shared/providers/gateway/inbound';
import { isBsuid, normaliseRecipient } from '../../nodes/shared/phone';
import { connections, expectNoSecrets, META, TWILIO, WEBHOOK } from '../helpers/fixtures';
import { runSendWhatsApp, type RunResult } from '../helpers/n8n';
import { validateMetaMessage } from '../helpers/specs';
import { startTrigger, type TriggerServer } from '../helpers/trigger';

const BSUID = 'US.13491208655302741918';
const PARENT = 'US.ENT.11815799212886844830';

function fixture(name: string): { source: IDataObject; payload: unknown } {
	return JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'identity', name), 'utf8')) as { source: IDataObject; payload: unknown };
}

function itemsOf(name: string): IDataObject[] {
	const parsed = normaliseMetaPayload(fixture(name).payload);
	if (!parsed.ok) throw new Error(parsed.message);
	return parsed.value.map((event) => toItem(event) as IDataObject);
}

describe('the documented payloads (test/fixtures/identity)', () => {
	it('every fixture names its source and when it was seen', () => {
		for (const name of ['message-username-with-phone.json', 'message-username-without-phone.json', 'status-delivered-bsuid.json', 'user-id-update.json', 'system-user-changed-user-id.json', 'contacts-contact-request.json']) {
			const { source } = fixture(name);
			expect(source.title).toEqual(expect.any(String));
			expect(source.seen).toBe('2026-12-01');
		}
	});

	it('a message with the phone number: from, the BSUIDs, the username, and replyTo the phone number', () => {
		const [item] = itemsOf('message-username-with-phone.json');
		expect(Object.keys(item)).toEqual([...ITEM_FIELDS]);
		expect(item).toMatchObject({
			event: 'message',
			from: '+16505551234',
			userId: BSUID,
			parentUserId: PARENT,
			username: 'sheena.nelson',
			profileName: 'Sheena Nelson',
			replyTo: '+16505551234',
			previousUserId: null,
			text: 'Does it come in another color?',
		});
	});

	it('a message without the phone number: no from, replyTo the BSUID', () => {
		const [item] = itemsOf('message-username-without-phone.json');
		expect(item).toMatchObject({ event: 'message', from: null, userId: BSUID, parentUserId: null, username: 'sheena.nelson', replyTo: BSUID });
	});

	it("a status of a message sent to a BSUID: the recipient's identities", () => {
		const [item] = itemsOf('status-delivered-bsuid.json');
		expect(item).toMatchObject({ event: 'status', status: 'delivered', to: null, userId: BSUID, username: 'sheena.nelson', replyTo: BSUID });
	});

	it('user_id_update: an identity change with the old and the new BSUID', () => {
		const [item] = itemsOf('user-id-update.json');
		expect(item).toMatchObject({
			event: 'identity',
			type: 'user_id_update',
			previousUserId: BSUID,
			userId: 'US.24817305912873645029',
			from: '+16505551234',
			replyTo: '+16505551234',
			text: 'User id for Sheena Nelson has been updated.',
		});
	});

	it('user_changed_user_id: an identity change, the old BSUID read from the body', () => {
		const [item] = itemsOf('system-user-changed-user-id.json');
		expect(item).toMatchObject({
			event: 'identity',
			type: 'user_changed_user_id',
			previousUserId: BSUID,
			userId: 'US.24817305912873645029',
			from: null,
			replyTo: 'US.24817305912873645029',
		});
	});

	it('the contacts message of a REQUEST_CONTACT_INFO button: type contact_request, the shared number in text', () => {
		const [item] = itemsOf('contacts-contact-request.json');
		expect(item).toMatchObject({ event: 'message', type: 'contact_request', text: '+16505551234', userId: BSUID, username: 'sheena.nelson', replyTo: BSUID });
	});
});

describe('recipients', () => {
	it.each([
		['US.13491208655302741918', 'US.13491208655302741918'],
		[' BR.1502576394655843 ', 'BR.1502576394655843'],
		['US.ENT.11815799212886844830', 'US.ENT.11815799212886844830'],
		['+1 (415) 555-0123', '+14155550123'],
		['whatsapp:+14155550123', '+14155550123'],
	])('%s is the recipient %s', (given, expected) => {
		expect(normaliseRecipient(given)).toBe(expected);
	});

	it.each(['us.1349', 'USA.1349', 'US.', 'US.12-34', `US.${'1'.repeat(129)}`, 'hello'])('%s is no recipient', (given) => {
		expect(normaliseRecipient(given)).toBeUndefined();
		expect(isBsuid(given)).toBe(false);
	});
});

describe('Twilio and the gateway keep their fields and map a BSUID they carry', () => {
	it('Twilio: a From that is a BSUID becomes userId; a phone number stays from and replyTo', () => {
		const phone = toItem(normaliseTwilioParams({ MessageSid: 'SM1', From: 'whatsapp:+14155551234', To: 'whatsapp:+14155238886', Body: 'hi' }));
		expect(phone).toMatchObject({ from: '+14155551234', userId: null, replyTo: '+14155551234' });
		const bsuid = toItem(normaliseTwilioParams({ MessageSid: 'SM2', From: `whatsapp:${BSUID}`, To: 'whatsapp:+14155238886', Body: 'hi' }));
		expect(bsuid).toMatchObject({ from: BSUID, userId: BSUID, replyTo: BSUID });
	});

	it('the gateway: its userId / user_id, parent and username fields', () => {
		const item = toItem(normaliseGatewayEvent({ id: 'g1', text: 'hi', user_id: BSUID, parent_user_id: PARENT, username: 'ana' }, {}));
		expect(item).toMatchObject({ from: null, userId: BSUID, parentUserId: PARENT, username: 'ana', replyTo: BSUID });
	});
});

describe('replying to replyTo through the sandbox', () => {
	let sb: Sandbox;
	let server: TriggerServer;

	beforeAll(async () => {
		sb = await startSandbox();
		server = await startTrigger({
			parameters: { authentication: META, triggerOn: ['message', 'status', 'identity'] },
			credentials: { [META]: connections(sb)[META] },
		});
	});
	afterAll(async () => {
		await server.close();
		await sb.close();
	});
	beforeEach(() => {
		sb.reset();
		server.executions.length = 0;
	});

	async function inbound(options: Omit<FireOptions, 'url' | 'provider'>): Promise<IDataObject> {
		const response = await sb.fire({ provider: 'meta', url: server.url, ...options });
		await server.settled();
		expect(response.status).toBe(200);
		expect(server.executions).toHaveLength(1);
		return server.executions[0][0].json;
	}

	async function reply(provider: string, to: string): Promise<RunResult> {
		const result = await runSendWhatsApp({
			parameters: { authentication: provider, to, messageType: 'text', text: 'Thanks, on it' },
			credentials: { [provider]: connections(sb)[provider] },
			items: [{ json: { to } as IDataObject }],
		});
		expectNoSecrets(result.output);
		expectNoSecrets(result.error && { message: result.error.message, description: result.error.description });
		return result;
	}

	function metaBody(): IDataObject {
		const requests = sb.requests.filter((request) => request.provider === 'meta' && request.path.endsWith('/messages'));
		expect(requests).toHaveLength(1);
		const body = JSON.parse(requests[0].rawBody.toString()) as IDataObject;
		expect(validateMetaMessage(body)).toEqual({ valid: true, errors: [] });
		return body;
	}

	it('a username user without a phone number: the item replies by BSUID, Meta gets recipient', async () => {
		const item = await inbound({ text: 'Where is my order?', userId: BSUID, username: 'sheena.nelson', withoutPhone: true });
		expect(item).toMatchObject({ from: null, userId: BSUID, username: 'sheena.nelson', replyTo: BSUID, text: 'Where is my order?' });
		const result = await reply(META, String(item.replyTo));
		expect(result.error).toBeUndefined();
		const body = metaBody();
		expect(body).toMatchObject({ messaging_product: 'whatsapp', recipient: BSUID, type: 'text', text: { body: 'Thanks, on it' } });
		expect(body).not.toHaveProperty('to');
		expect(result.output![0][0].json).toMatchObject({ messageId: expect.stringMatching(/^wamid\./) });
	});

	it('a user with a phone number and a BSUID: the item replies by phone number, Meta gets to', async () => {
		const item = await inbound({ from: '16505551234', userId: BSUID, parentUserId: PARENT, username: 'sheena.nelson' });
		expect(item).toMatchObject({ from: '+16505551234', userId: BSUID, parentUserId: PARENT, replyTo: '+16505551234' });
		const result = await reply(META, String(item.replyTo));
		expect(result.error).toBeUndefined();
		const body = metaBody();
		expect(body).toMatchObject({ to: '16505551234' });
		expect(body).not.toHaveProperty('recipient');
	});

	it('statuses of a send to a BSUID carry the recipient BSUID', async () => {
		const item = await inbound({ kind: 'status', status: 'read', userId: BSUID, username: 'sheena.nelson', withoutPhone: true });
		expect(item).toMatchObject({ event: 'status', status: 'read', to: null, userId: BSUID, username: 'sheena.nelson', replyTo: BSUID });
	});

	it.each(['user_id_update', 'user_changed_user_id'] as const)('the sandbox emits %s, an Identity Changes item with old and new IDs', async (kind) => {
		const item = await inbound({ kind, previousUserId: BSUID, userId: 'US.24817305912873645029', withoutPhone: true });
		expect(item).toMatchObject({ event: 'identity', type: kind, previousUserId: BSUID, userId: 'US.24817305912873645029', replyTo: 'US.24817305912873645029' });
	});

	it('identity changes start nothing for a trigger on Messages only', async () => {
		const messagesOnly = await startTrigger({ parameters: { authentication: META, triggerOn: ['message'] }, credentials: { [META]: connections(sb)[META] } });
		try {
			const response = await sb.fire({ provider: 'meta', url: messagesOnly.url, kind: 'user_id_update' });
			await messagesOnly.settled();
			expect(response.status).toBe(200);
			expect(messagesOnly.executions).toHaveLength(0);
		} finally {
			await messagesOnly.close();
		}
	});

	it.each([
		[TWILIO, 'Twilio'],
		[WEBHOOK, 'a webhook gateway'],
	])('%s: a BSUID is refused before sending, with the reason and what to do', async (provider, label) => {
		const result = await reply(provider, BSUID);
		expect(result.error).toBeDefined();
		expect(result.error!.message).toContain(`To "${BSUID}": is a business-scoped user ID (BSUID); ${label} cannot send to one`);
		expect(result.error!.message).toContain('nothing was sent');
		expect(result.error!.description).toContain('Meta WhatsApp Cloud API connection');
		expect(sb.requests.filter((request) => request.provider !== 'meta')).toHaveLength(0);
	});

	it('an address that is neither a phone number nor a BSUID is refused, naming both forms', async () => {
		const result = await reply(META, 'sheena.nelson');
		expect(result.error!.message).toContain('Invalid recipient phone number "sheena.nelson"');
		expect(result.error!.description).toContain('US.13491208655302741918');
		expect(sb.requests).toHaveLength(0);
	});

	it("the Meta stand-in's own statuses of a send to a BSUID carry recipient_user_id and no phone number", async () => {
		const statuses = await startTrigger({ parameters: { authentication: META, triggerOn: ['status'] }, credentials: { [META]: connections(sb)[META] } });
		const other = await startSandbox({ accounts: { meta: { appCallbackUrl: statuses.url } } });
		try {
			other.configure({ autoStatusCallbacks: true, statusCallbackDelayMs: 1 });
			const result = await runSendWhatsApp({
				parameters: { authentication: META, to: BSUID, messageType: 'text', text: 'Hello' },
				credentials: { [META]: connections(other)[META] },
			});
			expect(result.error).toBeUndefined();
			while (other.stats().callbacks.sent + other.stats().callbacks.failed < 2) await new Promise((resolve) => setTimeout(resolve, 10));
			await statuses.settled();
			expect(other.stats().callbacks).toMatchObject({ sent: 2, failed: 0 });
			const items = statuses.executions.map((execution) => execution[0].json);
			expect(items).toEqual([
				expect.objectContaining({ status: 'sent', to: null, userId: BSUID, replyTo: BSUID, messageId: result.output![0][0].json.messageId }),
				expect.objectContaining({ status: 'delivered', to: null, userId: BSUID, replyTo: BSUID }),
			]);
		} finally {
			await other.close();
			await statuses.close();
		}
	});

	it('Meta: a parent BSUID goes in recipient too', async () => {
		const result = await reply(META, PARENT);
		expect(result.error).toBeUndefined();
		expect(metaBody()).toMatchObject({ recipient: PARENT });
	});
});
