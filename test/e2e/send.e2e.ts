/**
 * Send WhatsApp in a real n8n: a saved workflow run as the editor's "Execute workflow" button runs it,
 * one per provider. The sandbox must receive the provider's request with the provider's auth, and
 * the execution's items must be { provider, messageId, to, status, raw }.
 */
import { randomUUID } from 'node:crypto';

import * as host from '../../scripts/host/n8n';
import { startSandbox, type RecordedRequest, type Sandbox } from '../../sandbox';
import { accounts } from '../helpers/fixtures';
import { createConnections, itemsOf, META, n8n, SECRETS, SEND_TYPE, sendWorkflow, TWILIO, WEBHOOK, type ConnectionIds } from './session';

const { client } = n8n();
let sb: Sandbox;
let ids: ConnectionIds;

beforeAll(async () => {
	sb = await startSandbox();
	ids = await createConnections(client, sb, 'e2e send');
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

const TEXT = 'Your order #1234 has shipped ✓ "quotes" & {{braces}}';

async function run(type: string, parameters: Record<string, unknown>, connection = ids[type]) {
	const saved = await host.importWorkflow(client, sendWorkflow(`e2e send ${type} ${randomUUID().slice(0, 8)}`, type, connection, parameters));
	return host.runWorkflowManually(client, saved.id, { wait: true });
}

function expectOutputShape(item: Record<string, unknown>, provider: string, to: string, request: RecordedRequest) {
	expect(Object.keys(item).sort()).toEqual(['messageId', 'provider', 'raw', 'status', 'to']);
	expect(item).toEqual(expect.objectContaining({ provider, to, raw: request.response }));
	expect(typeof item.messageId).toBe('string');
	expect(typeof item.status).toBe('string');
}

describe('Send WhatsApp, executed in n8n', () => {
	it('Twilio: POST Messages.json, form-encoded, with Basic auth Account SID : Auth Token', async () => {
		const execution = await run(TWILIO, { to: '+1 (415) 555-0123', messageType: 'text', text: TEXT });
		expect(execution.status).toBe('success');
		const requests = sb.requestsFor('twilio', '/Messages.json');
		expect(requests).toHaveLength(1);
		const [request] = requests;
		expect(request.method).toBe('POST');
		expect(request.path).toBe(`/twilio/2010-04-01/Accounts/${accounts.twilio.accountSid}/Messages.json`);
		expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${accounts.twilio.accountSid}:${accounts.twilio.authToken}`).toString('base64')}`);
		expect(String(request.headers['content-type'])).toMatch(/application\/x-www-form-urlencoded/);
		expect(request.body).toEqual(expect.objectContaining({ To: 'whatsapp:+14155550123', From: 'whatsapp:+14155238886', Body: TEXT }));
		expect(request.status).toBe(201);

		const [item] = itemsOf(execution, 'Send WhatsApp');
		expectOutputShape(item, 'twilio', '+14155550123', request);
		expect(item.messageId).toBe((request.response as { sid: string }).sid);
		expect(item.messageId).toMatch(/^SM[0-9a-f]{32}$/);
		expect(item.status).toBe('queued');
	});

	it('Meta: POST /{phone-number-id}/messages, JSON, with the Bearer access token', async () => {
		const execution = await run(META, { to: '+1 415 555 0123', messageType: 'text', text: TEXT });
		expect(execution.status).toBe('success');
		const requests = sb.requestsFor('meta', '/messages');
		expect(requests).toHaveLength(1);
		const [request] = requests;
		expect(request.path).toBe(`/meta/v23.0/${accounts.meta.phoneNumberId}/messages`);
		expect(request.headers.authorization).toBe(`Bearer ${accounts.meta.accessToken}`);
		expect(request.body).toEqual(
			expect.objectContaining({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '14155550123', type: 'text', text: expect.objectContaining({ body: TEXT }) }),
		);
		expect(request.status).toBe(200);

		const [item] = itemsOf(execution, 'Send WhatsApp');
		expectOutputShape(item, 'meta', '+14155550123', request);
		expect(item.messageId).toBe((request.response as { messages: Array<{ id: string }> }).messages[0].id);
		expect(item.messageId).toMatch(/^wamid\./);
	});

	it('Gateway: the body template filled in, with the Bearer token and the connection headers', async () => {
		const execution = await run(WEBHOOK, { to: '+1 415 555 0123', messageType: 'text', text: TEXT });
		expect(execution.status).toBe('success');
		const requests = sb.requestsFor('gateway');
		expect(requests).toHaveLength(1);
		const [request] = requests;
		expect(request.method).toBe('POST');
		expect(request.path).toBe('/gateway/send');
		expect(request.headers.authorization).toBe(`Bearer ${accounts.gateway.authToken}`);
		expect(request.headers['x-tenant']).toBe('acme-tenant-key');
		expect(request.body).toEqual({
			to: '+14155550123',
			type: 'text',
			text: TEXT,
			message: expect.objectContaining({ type: 'text', to: '+14155550123' }),
			statusUrl: 'https://n8n.example.com/webhook/abc/whatsapp',
		});

		const [item] = itemsOf(execution, 'Send WhatsApp');
		expectOutputShape(item, 'webhook', '+14155550123', request);
		expect(item.messageId).toBe((request.response as { id: string }).id);
		expect(item.status).toBe('queued');
	});

	it('sends one message per input item, in order, paired with its item', async () => {
		const recipients = ['+14155550101', '+14155550102', '+14155550103'];
		const workflow = sendWorkflow(`e2e send items ${randomUUID().slice(0, 8)}`, META, ids[META], {
			to: '={{ $json.phone }}',
			messageType: 'text',
			text: '=Hello {{ $json.name }}',
		});
		workflow.nodes.splice(1, 0, {
			id: randomUUID(),
			name: 'Customers',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [120, 200],
			parameters: { jsCode: `return ${JSON.stringify(recipients.map((phone, i) => ({ json: { phone, name: `Customer ${i + 1}` } })))};` },
		});
		workflow.connections = {
			Manual: { main: [[{ node: 'Customers', type: 'main', index: 0 }]] },
			Customers: { main: [[{ node: 'Send WhatsApp', type: 'main', index: 0 }]] },
		};
		const saved = await host.importWorkflow(client, workflow);
		const execution = await host.runWorkflowManually(client, saved.id, { wait: true });
		expect(execution.status).toBe('success');
		const items = itemsOf(execution, 'Send WhatsApp');
		expect(items.map((item) => item.to)).toEqual(recipients);
		const run = execution.data.resultData.runData['Send WhatsApp'][0];
		expect(run.data?.main[0]?.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		const sent = sb.requestsFor('meta', '/messages').map((r) => (r.body as { to: string; text: { body: string } }));
		expect(sent.map((b) => `+${b.to}`).sort()).toEqual(recipients);
		for (const [i, phone] of recipients.entries()) {
			expect(sent.find((b) => `+${b.to}` === phone)?.text.body).toBe(`Hello Customer ${i + 1}`);
			const wamid = (sb.requestsFor('meta', '/messages').find((r) => (r.body as { to: string }).to === phone.slice(1))?.response as { messages: Array<{ id: string }> })
				.messages[0].id;
			expect(items[i].messageId).toBe(wamid);
		}
	});

	it('fails the execution with a useful error and no secret when the provider refuses the token', async () => {
		const wrong = await host.createCredential(client, {
			name: `Meta e2e wrong token ${randomUUID().slice(0, 8)}`,
			type: META,
			data: { accessToken: 'EAAExpiredToken', phoneNumberId: accounts.meta.phoneNumberId, baseUrl: sb.metaBaseUrl },
		});
		const execution = await run(META, { to: '+14155550123', messageType: 'text', text: 'hi' }, { id: String(wrong.id), name: wrong.name });
		expect(execution.status).toBe('error');
		const error = execution.data.resultData.runData['Send WhatsApp'][0].error;
		expect(error?.message).toMatch(/190|token/i);
		const text = JSON.stringify(execution.data);
		expect(text).not.toContain('EAAExpiredToken');
		for (const secret of SECRETS) expect(text).not.toContain(secret);
	});

	it('is the node n8n lists under its community package name', async () => {
		const types = (await client.get('/types/nodes.json')) as Array<{ name: string; displayName: string }>;
		expect(types.find((t) => t.name === SEND_TYPE)?.displayName).toBe('Send WhatsApp (Providers)');
	});
});
