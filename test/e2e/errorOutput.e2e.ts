/**
 * Every item accounted for, in a real n8n 2.40.7: with Settings → On Error "Continue (using error
 * output)" the successes leave on the main output and the failures (pre-flight and provider) on the
 * error output, each paired with its input item; with On Error "Stop" a broadcast holding invalid
 * items sends nothing, and the execution's error lists them.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { DEFAULT_BODY_TEMPLATE } from '../../credentials/WhatsAppWebhookApi.credentials';
import * as host from '../../scripts/host/n8n';
import { metaError, startSandbox, type Sandbox } from '../../sandbox';
import { createConnections, itemsOf, META, n8n, sendWorkflow, WEBHOOK, type ConnectionIds } from './session';

const { client } = n8n();
let sb: Sandbox;
let ids: ConnectionIds;

beforeAll(async () => {
	sb = await startSandbox();
	ids = await createConnections(client, sb, 'e2e error output');
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

/** Manual → Customers (Code: the items) → Send WhatsApp → Sent (main) / Failed (error output). */
function broadcast(customers: Array<Record<string, unknown>>, onError?: 'continueErrorOutput', type = META, connection = ids[META]) {
	const workflow = sendWorkflow(`e2e error output ${randomUUID().slice(0, 8)}`, type, connection, {
		to: '={{ $json.phone }}',
		messageType: 'text',
		text: '={{ "Hello " + $json.name }}',
		options: { concurrency: 1 },
	});
	const send = workflow.nodes.find((node) => node.name === 'Send WhatsApp')!;
	if (onError) Object.assign(send, { onError });
	workflow.nodes.push(
		{
			id: randomUUID(),
			name: 'Customers',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [120, 200],
			parameters: { jsCode: `return ${JSON.stringify(customers.map((json) => ({ json })))};` },
		},
		{ id: randomUUID(), name: 'Sent', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [720, -100], parameters: {} },
		{ id: randomUUID(), name: 'Failed', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [720, 100], parameters: {} },
	);
	workflow.connections = {
		Manual: { main: [[{ node: 'Customers', type: 'main', index: 0 }]] },
		Customers: { main: [[{ node: 'Send WhatsApp', type: 'main', index: 0 }]] },
		'Send WhatsApp': { main: [[{ node: 'Sent', type: 'main', index: 0 }], ...(onError ? [[{ node: 'Failed', type: 'main', index: 0 }]] : [])] },
	};
	return workflow;
}

describe('On Error: Continue (using error output)', () => {
	it('routes successes to the main output and failures to the error output, each with its input', async () => {
		// Item 0: refused by Meta (the first request); item 1: not a phone number (pre-flight); 2 and 3: sent.
		sb.failNext({ provider: 'meta', status: 400, body: metaError(400, { code: 131026, message: 'Message undeliverable' }), match: '/messages' });
		const customers = [
			{ phone: '+14155550100', name: 'Ana' },
			{ phone: 'not-a-phone', name: 'Bo' },
			{ phone: '+14155550102', name: 'Cy' },
			{ phone: '+14155550103', name: 'Di' },
		];
		const saved = await host.importWorkflow(client, broadcast(customers, 'continueErrorOutput'));
		const execution = await host.runWorkflowManually(client, saved.id, { wait: true });
		expect(execution.status).toBe('success');

		const sent = itemsOf(execution, 'Sent');
		expect(sent.map((item) => item.to)).toEqual(['+14155550102', '+14155550103']);
		for (const item of sent) expect(item.messageId).toMatch(/^wamid\./);

		const failed = itemsOf(execution, 'Failed');
		expect(failed).toHaveLength(2);
		// n8n merges the paired input item into each error item: the customer is still there.
		expect(failed[0]).toEqual({
			name: 'Ana',
			phone: '+14155550100',
			error: expect.stringMatching(/131026/),
			details: expect.objectContaining({ itemIndex: 0, providerCode: 131026, provider: 'meta', to: '+14155550100' }),
		});
		expect(failed[1]).toEqual({
			name: 'Bo',
			phone: 'not-a-phone',
			error: expect.stringMatching(/Invalid recipient phone number "not-a-phone"/),
			details: expect.objectContaining({ itemIndex: 1 }),
		});

		const run = execution.data.resultData.runData['Send WhatsApp'][0];
		const [mainOut, errorOut] = run.data!.main as Array<Array<{ pairedItem?: unknown }>>;
		expect(mainOut.map((item) => item.pairedItem)).toEqual([{ item: 2 }, { item: 3 }]);
		expect(errorOut.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(sb.requestsFor('meta', '/messages')).toHaveLength(3);
	});
});

describe('On Error: Stop', () => {
	it('a broadcast with invalid items sends nothing, and the error lists every invalid item', async () => {
		const customers = Array.from({ length: 50 }, (_, i) => ({
			phone: i === 7 ? '12' : `+1415555${String(i).padStart(4, '0')}`,
			name: i === 33 ? 'x'.repeat(4100) : `Customer ${i}`,
		}));
		const saved = await host.importWorkflow(client, broadcast(customers));
		const execution = await host.runWorkflowManually(client, saved.id, { wait: true });
		expect(execution.status).toBe('error');
		expect(sb.stats().providers.meta.received).toBe(0);
		expect(sb.requests).toHaveLength(0);
		const error = execution.data.resultData.error as { message: string; description: string };
		expect(error.message).toBe('2 of 50 items are invalid; nothing was sent (first: Invalid recipient phone number "12" (item 7))');
		expect(error.description).toMatch(/item 7 — To "12": must be a phone number/);
		expect(error.description).toMatch(/item 33 — Text ".*… \(4106 characters\)": at most 4096 characters on Meta Cloud API \(got 4106\)/);
	});
});

describe('On Error: Stop, a failure during the run', () => {
	it("the execution's error says what was sent (indices and message IDs), what failed and what was not attempted", async () => {
		// A gateway of our own that refuses the fourth recipient.
		const received: string[] = [];
		const server = http.createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (chunk: Buffer) => chunks.push(chunk));
			request.on('end', () => {
				const { to } = JSON.parse(Buffer.concat(chunks).toString()) as { to: string };
				received.push(to);
				const refused = to === '+14155550103';
				response.writeHead(refused ? 422 : 200, { 'Content-Type': 'application/json' });
				response.end(JSON.stringify(refused ? { error: { message: 'recipient blocked' } } : { messageId: `gw-${to}` }));
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		try {
			const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
			const name = `Gateway e2e mid-run ${randomUUID().slice(0, 8)}`;
			const created = await host.createCredential(client, {
				name,
				type: WEBHOOK,
				data: { url, method: 'POST', headers: '{}', authToken: '', bodyTemplate: DEFAULT_BODY_TEMPLATE, statusUrl: '' },
			});
			const customers = Array.from({ length: 6 }, (_, i) => ({ phone: `+1415555010${i}`, name: `Customer ${i}` }));
			const saved = await host.importWorkflow(client, broadcast(customers, undefined, WEBHOOK, { id: String(created.id), name }));
			const execution = await host.runWorkflowManually(client, saved.id, { wait: true });
			expect(execution.status).toBe('error');
			const error = execution.data.resultData.error as { message: string; description: string };
			expect(error.message).toMatch(/HTTP 422.*recipient blocked/);
			expect(error.description).toContain('Sent 3, failed 1, not attempted 2 (of 6 items)');
			expect(error.description).toContain('0 → gw-+14155550100, 1 → gw-+14155550101, 2 → gw-+14155550102.');
			// Nothing was sent after the failure.
			expect(received).toEqual(['+14155550100', '+14155550101', '+14155550102', '+14155550103']);
		} finally {
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	});
});
