/**
 * The sandbox's usernames and business-scoped user IDs (sandbox/identity.js): its control API fires
 * signed Meta webhooks with BSUIDs (with and without the phone number) and the ID-change events, and
 * the Meta stand-in takes a send to a BSUID in `recipient`.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { DEFAULT_ACCOUNTS, startSandbox, type Sandbox } from '../../sandbox';

const META = DEFAULT_ACCOUNTS.meta;
const BSUID = 'US.13491208655302741918';

let sb: Sandbox;
let server: http.Server;
let url: string;
const received: Buffer[] = [];
const signatures: string[] = [];

beforeAll(async () => {
	sb = await startSandbox();
	server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			received.push(Buffer.concat(chunks));
			signatures.push(String(req.headers['x-hub-signature-256'] ?? ''));
			res.end('ok');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
	await new Promise((resolve) => server.close(resolve));
	await sb.close();
});
beforeEach(() => {
	sb.reset();
	received.length = 0;
	signatures.length = 0;
});

/** Fires through the HTTP control API, as a browser or script would; the one webhook received, its signature checked. */
interface Value {
	contacts?: unknown[];
	messages: Array<Record<string, unknown>>;
	statuses: Array<Record<string, unknown>>;
	user_id_update?: unknown[];
}

interface SendAnswer {
	contacts?: unknown[];
	messages: Array<{ id: string }>;
	error: { code?: number; message: string };
}

async function fireOverHttp(options: Record<string, unknown>): Promise<{ entry: Array<{ changes: Array<{ field: string; value: Value }> }> }> {
	const response = await fetch(`${sb.url}/__sandbox/fire`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'meta', url, ...options }) });
	expect(response.status).toBe(200);
	expect(received).toHaveLength(1);
	expect(signatures[0]).toBe(`sha256=${crypto.createHmac('sha256', META.appSecret).update(received[0]).digest('hex')}`);
	return JSON.parse(received[0].toString()) as never;
}

async function metaSend(body: Record<string, unknown>) {
	const response = await fetch(`${sb.metaBaseUrl}/v23.0/${META.phoneNumberId}/messages`, {
		method: 'POST',
		headers: { authorization: `Bearer ${META.accessToken}`, 'content-type': 'application/json' },
		body: JSON.stringify({ messaging_product: 'whatsapp', type: 'text', text: { body: 'Hi' }, ...body }),
	});
	return { status: response.status, body: (await response.json()) as SendAnswer };
}

describe('fire: BSUIDs in Meta webhooks', () => {
	it('a username user without a phone number: user_id, username, from_user_id, and no wa_id or from', async () => {
		const payload = await fireOverHttp({ userId: BSUID, username: 'sheena.nelson', withoutPhone: true });
		const { value, field } = payload.entry[0].changes[0];
		expect(field).toBe('messages');
		expect(value.contacts).toEqual([{ profile: { name: 'Sheena Nelson', username: 'sheena.nelson' }, user_id: BSUID }]);
		expect(value.messages[0]).toMatchObject({ from_user_id: BSUID, type: 'text' });
		expect(value.messages[0]).not.toHaveProperty('from');
	});

	it('with the phone number and a parent BSUID: both kept', async () => {
		const payload = await fireOverHttp({ from: '16505551234', userId: BSUID, parentUserId: 'US.ENT.11815799212886844830' });
		const { value } = payload.entry[0].changes[0];
		expect(value.contacts?.[0]).toMatchObject({ wa_id: '16505551234', user_id: BSUID, parent_user_id: 'US.ENT.11815799212886844830' });
		expect(value.messages[0]).toMatchObject({ from: '16505551234', from_user_id: BSUID, from_parent_user_id: 'US.ENT.11815799212886844830' });
	});

	it('a failed status has recipient_user_id and no contacts list', async () => {
		const payload = await fireOverHttp({ kind: 'status', status: 'failed', userId: BSUID, withoutPhone: true });
		const { value } = payload.entry[0].changes[0];
		expect(value.statuses[0]).toMatchObject({ status: 'failed', recipient_user_id: BSUID });
		expect(value.statuses[0]).not.toHaveProperty('recipient_id');
		expect(value).not.toHaveProperty('contacts');
	});

	it('user_id_update: its own webhook field, previous and current', async () => {
		const payload = await fireOverHttp({ kind: 'user_id_update', previousUserId: BSUID, userId: 'US.24817305912873645029' });
		const { value, field } = payload.entry[0].changes[0];
		expect(field).toBe('user_id_update');
		expect(value.user_id_update).toEqual([
			expect.objectContaining({ wa_id: '16505551234', user_id: { previous: BSUID, current: 'US.24817305912873645029' } }),
		]);
	});

	it('user_changed_user_id: a system message with the new BSUID and no phone number', async () => {
		const payload = await fireOverHttp({ kind: 'user_changed_user_id', previousUserId: BSUID, userId: 'US.24817305912873645029' });
		const { value, field } = payload.entry[0].changes[0];
		expect(field).toBe('messages');
		expect(value).not.toHaveProperty('contacts');
		expect(value.messages[0]).toMatchObject({
			type: 'system',
			system: { type: 'user_changed_user_id', user_id: 'US.24817305912873645029', body: `User Sheena Nelson changed from ${BSUID} to US.24817305912873645029` },
		});
		expect(value.messages[0]).not.toHaveProperty('from');
	});
});

describe('the Meta stand-in: sends to a BSUID', () => {
	it('takes recipient and answers with user_id', async () => {
		const answer = await metaSend({ recipient: BSUID });
		expect(answer.status).toBe(200);
		expect(answer.body.contacts).toEqual([{ input: BSUID, user_id: BSUID }]);
		expect(answer.body.messages[0].id).toMatch(/^wamid\./);
	});

	it('refuses a recipient that is not a BSUID, and a body with neither to nor recipient', async () => {
		const wrong = await metaSend({ recipient: 'sheena.nelson' });
		expect(wrong.status).toBe(400);
		expect(wrong.body.error).toMatchObject({ code: 100 });
		const none = await metaSend({});
		expect(none.status).toBe(400);
		expect(none.body.error.message).toContain('to is required');
	});

	it('to wins when both are given', async () => {
		const answer = await metaSend({ to: '16505551234', recipient: BSUID });
		expect(answer.body.contacts).toEqual([{ input: '16505551234', wa_id: '16505551234' }]);
	});
});
