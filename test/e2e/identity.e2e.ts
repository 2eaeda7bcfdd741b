/**
 * Usernames and business-scoped user IDs in a real n8n: a username-only customer (no phone number in
 * Meta's webhook) writes in, and a workflow answers with Send WhatsApp to {{ $json.replyTo }}: Meta
 * gets the reply in `recipient`. A customer who shares the number gets it in `to`. A BSUID ID change
 * starts an execution of a trigger on Identity Changes.
 */
import { randomUUID } from 'node:crypto';

import * as host from '../../scripts/host/n8n';
import { startSandbox, type Sandbox } from '../../sandbox';
import { validateMetaMessage } from '../helpers/specs';
import { activate, createConnections, executionCount, itemsOf, META, n8n, SEND_TYPE, TRIGGER_TYPE, triggerWorkflow, type ConnectionIds } from './session';

const { client } = n8n();
let sb: Sandbox;
let ids: ConnectionIds;
let replyHook: { id: string; url: string };
let identityHook: { id: string; url: string };

const BSUID = 'US.13491208655302741918';

/** WhatsApp Trigger (Meta, messages) → Send WhatsApp "Reply" to {{ $json.replyTo }}. */
function replyWorkflow(connection: { id: string; name: string }) {
	const webhookId = randomUUID();
	return {
		webhookId,
		workflow: {
			name: 'e2e identity reply',
			nodes: [
				{
					id: randomUUID(),
					name: 'WhatsApp Trigger',
					type: TRIGGER_TYPE,
					typeVersion: 1.1,
					position: [0, 0] as [number, number],
					webhookId,
					parameters: { authentication: META, triggerOn: ['message'], triggerOptions: {} },
					credentials: { [META]: connection },
				},
				{
					id: randomUUID(),
					name: 'Reply',
					type: SEND_TYPE,
					typeVersion: 1,
					position: [240, 0] as [number, number],
					parameters: {
						authentication: META,
						operation: 'send',
						to: '={{ $json.replyTo }}',
						messageType: 'text',
						text: '=Thanks {{ $json.username || $json.profileName }}, we got your message.',
					},
					credentials: { [META]: connection },
				},
			],
			connections: { 'WhatsApp Trigger': { main: [[{ node: 'Reply', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1' },
		},
	};
}

beforeAll(async () => {
	sb = await startSandbox();
	ids = await createConnections(client, sb, 'e2e identity');
	const reply = replyWorkflow(ids[META]);
	replyHook = await activate(client, reply.workflow, reply.webhookId);
	const identity = triggerWorkflow('e2e identity changes', META, ids[META], ['identity']);
	identityHook = await activate(client, identity.workflow, identity.webhookId);
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

async function inboundAndReply(options: Record<string, unknown>) {
	const before = await executionCount(client, replyHook.id);
	const fired = await sb.fire({ provider: 'meta', url: replyHook.url, text: 'Where is my order?', ...options });
	expect(fired.status).toBe(200);
	const executions = await host.waitForExecutions(client, replyHook.id, before + 1, 30000);
	const newest = executions.sort((a, b) => Number(b.id) - Number(a.id))[0];
	expect(newest.status).toBe('success');
	const sent = sb.requestsFor('meta', '/messages').filter((request) => request.method === 'POST');
	expect(sent).toHaveLength(1);
	const body = JSON.parse(sent[0].rawBody.toString()) as Record<string, unknown>;
	expect(validateMetaMessage(body)).toEqual({ valid: true, errors: [] });
	return { item: itemsOf(newest, 'WhatsApp Trigger')[0], reply: itemsOf(newest, 'Reply')[0], body };
}

describe('replying to replyTo in a real n8n', () => {
	it('a username-only customer (no phone number): the reply goes to their BSUID in recipient', async () => {
		const { item, reply, body } = await inboundAndReply({ userId: BSUID, username: 'sheena.nelson', withoutPhone: true });
		expect(item).toEqual(expect.objectContaining({ from: null, userId: BSUID, username: 'sheena.nelson', replyTo: BSUID }));
		expect(body).toEqual(
			expect.objectContaining({ messaging_product: 'whatsapp', recipient: BSUID, type: 'text', text: expect.objectContaining({ body: 'Thanks sheena.nelson, we got your message.' }) }),
		);
		expect(body).not.toHaveProperty('to');
		expect(reply).toEqual(expect.objectContaining({ provider: 'meta', messageId: expect.stringMatching(/^wamid\./) }));
	});

	it('a customer who shares the phone number: the reply goes to the number in to', async () => {
		const { item, body } = await inboundAndReply({ from: '16505551234', userId: BSUID, username: 'sheena.nelson' });
		expect(item).toEqual(expect.objectContaining({ from: '+16505551234', userId: BSUID, replyTo: '+16505551234' }));
		expect(body).toEqual(expect.objectContaining({ to: '16505551234' }));
		expect(body).not.toHaveProperty('recipient');
	});
});

describe('Identity Changes in a real n8n', () => {
	it.each(['user_id_update', 'user_changed_user_id'] as const)('%s starts an execution with the old and the new ID', async (kind) => {
		const before = await executionCount(client, identityHook.id);
		const fired = await sb.fire({ provider: 'meta', url: identityHook.url, kind, previousUserId: BSUID, userId: 'US.24817305912873645029', withoutPhone: true });
		expect(fired.status).toBe(200);
		const executions = await host.waitForExecutions(client, identityHook.id, before + 1, 30000);
		const newest = executions.sort((a, b) => Number(b.id) - Number(a.id))[0];
		expect(newest.status).toBe('success');
		expect(itemsOf(newest, 'WhatsApp Trigger')).toEqual([
			expect.objectContaining({ event: 'identity', type: kind, previousUserId: BSUID, userId: 'US.24817305912873645029', replyTo: 'US.24817305912873645029' }),
		]);
	});
});
