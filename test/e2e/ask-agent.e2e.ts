/**
 * Send and Wait for Reply as an AI agent's tool, in real n8n 2.40.7, offline: an AI Agent (3.1) with
 * an OpenAI Chat Model whose Base URL points at a scripted stand-in on 127.0.0.1. The model asks for
 * the tool; the tool (Send WhatsApp) asks the customer on Meta and the execution waits; the customer
 * taps; the agent gets the answer as the tool's result and finishes with it.
 */
import { randomUUID } from 'node:crypto';

import * as host from '../../scripts/host/n8n';
import { startSandbox, type Sandbox } from '../../sandbox';
import { lastMetaQuestion, tapMeta, waitForStatus } from './helpers/ask';
import { startFakeOpenAi, type FakeOpenAi } from './helpers/fakeOpenAi';
import { activate, createConnections, itemsOf, META, n8n, PACKAGE, triggerWorkflow, type ConnectionIds } from './session';

const CUSTOMER = '16505551234';

describe('Send and Wait for Reply as an AI agent tool', () => {
	const { client } = n8n();
	let sb: Sandbox;
	let openAi: FakeOpenAi;
	let connections: ConnectionIds;
	let trigger: { id: string; url: string };
	let openAiCredential: { id: string; name: string };

	beforeAll(async () => {
		sb = await startSandbox();
		openAi = await startFakeOpenAi({ message: 'May we refund order 1042 (€30)?' });
		connections = await createConnections(client, sb, 'ask agent');
		const { workflow, webhookId } = triggerWorkflow('e2e ask agent: inbound', META, connections[META], ['message']);
		trigger = await activate(client, workflow, webhookId);
		const created = await host.createCredential(client, { name: 'Fake OpenAI', type: 'openAiApi', data: { apiKey: 'sk-test-offline', url: openAi.url } });
		openAiCredential = { id: String(created.id), name: 'Fake OpenAI' };
	}, 120000);
	afterAll(async () => {
		await sb?.close();
		await openAi?.close();
	});

	it('the agent calls the tool, the execution waits, the customer taps Approve, the agent continues with the answer', async () => {
		const saved = await host.importWorkflow(client, {
			name: 'e2e ask agent',
			nodes: [
				{ id: randomUUID(), name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: randomUUID(),
					name: 'AI Agent',
					type: '@n8n/n8n-nodes-langchain.agent',
					typeVersion: 3.1,
					position: [240, 0],
					parameters: { promptType: 'define', text: 'Ask the customer whether we may refund order 1042, then report the answer.', options: {} },
				},
				{
					id: randomUUID(),
					name: 'OpenAI Chat Model',
					type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
					typeVersion: 1.3,
					position: [240, 200],
					parameters: { model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' }, responsesApiEnabled: false, options: {} },
					credentials: { openAiApi: openAiCredential },
				},
				{
					id: randomUUID(),
					name: 'Ask_customer',
					type: `${PACKAGE}.sendWhatsAppTool`,
					typeVersion: 1.1,
					position: [480, 200],
					webhookId: randomUUID(),
					parameters: {
						authentication: META,
						operation: 'sendAndWait',
						to: `+${CUSTOMER}`,
						message: "={{ $fromAI('message', 'The yes/no question to ask the customer', 'string') }}",
						responseType: 'approval',
						toolDescription: 'Asks the customer a yes/no question on WhatsApp and returns their answer',
					},
					credentials: { [META]: connections[META] },
				},
			],
			connections: {
				Manual: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
				'OpenAI Chat Model': { ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]] },
				Ask_customer: { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
		});
		const started = (await host.runWorkflowManually(client, saved.id)) as { executionId?: string };
		const waiting = await waitForStatus(client, started.executionId!, ['waiting', 'error', 'success'], 90000);
		expect([waiting.status, JSON.stringify(waiting.data.resultData.error ?? null)]).toEqual(['waiting', 'null']);
		const question = lastMetaQuestion(sb);
		expect(question.body).toEqual(expect.objectContaining({ interactive: expect.objectContaining({ body: { text: 'May we refund order 1042 (€30)?' } }) }));
		await tapMeta(sb, trigger.url, CUSTOMER, question.options[0]);
		const done = await waitForStatus(client, started.executionId!, ['success', 'error'], 90000);
		expect([done.status, JSON.stringify(done.data.resultData.error ?? null)]).toEqual(['success', 'null']);
		const [final] = itemsOf(done, 'AI Agent');
		// The model's final answer quotes the tool's result: the customer's answer, not the timeout item.
		expect(String(final.output)).toMatch(/^The customer answered: /);
		expect(String(final.output)).toContain('"answer":{"type":"button","id":"approve","title":"Approve"');
		expect(String(final.output)).toContain('"approved":true');
		expect(openAi.requests.length).toBeGreaterThanOrEqual(2);
	}, 200000);

	it('the auto-generated human review tool (Send WhatsApp as "Request human approval for tools"): approved, the gated tool runs; declined, it does not', async () => {
		// n8n offers the gated tool with its own parameters and the review layer's.
		const gatedOpenAi = await startFakeOpenAi({ toolParameters: { input: '6*7' }, hitlParameters: {} });
		try {
			const credential = await host.createCredential(client, { name: 'Fake OpenAI (review)', type: 'openAiApi', data: { apiKey: 'sk-test-offline', url: gatedOpenAi.url } });
			const saved = await host.importWorkflow(client, {
				name: 'e2e ask agent: human review',
				nodes: [
					{ id: randomUUID(), name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
					{ id: randomUUID(), name: 'AI Agent', type: '@n8n/n8n-nodes-langchain.agent', typeVersion: 3.1, position: [240, 0], parameters: { promptType: 'define', text: 'What is 6 times 7?', options: {} } },
					{
						id: randomUUID(),
						name: 'OpenAI Chat Model',
						type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
						typeVersion: 1.3,
						position: [240, 200],
						parameters: { model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' }, responsesApiEnabled: false, options: {} },
						credentials: { openAiApi: { id: String(credential.id), name: 'Fake OpenAI (review)' } },
					},
					{
						id: randomUUID(),
						name: 'Review on WhatsApp',
						type: `${PACKAGE}.sendWhatsAppHitlTool`,
						typeVersion: 1.1,
						position: [480, 200],
						webhookId: randomUUID(),
						parameters: { authentication: META, operation: 'sendAndWait', responseType: 'approval', to: `+${CUSTOMER}`, message: '=The agent wants to run {{ $tool.name }}' },
						credentials: { [META]: connections[META] },
					},
					{ id: randomUUID(), name: 'Calculator', type: '@n8n/n8n-nodes-langchain.toolCalculator', typeVersion: 1, position: [720, 300], parameters: {} },
				],
				connections: {
					Manual: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
					'OpenAI Chat Model': { ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]] },
					'Review on WhatsApp': { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
					Calculator: { ai_tool: [[{ node: 'Review on WhatsApp', type: 'ai_tool', index: 0 }]] },
				},
				settings: { executionOrder: 'v1' },
			});
			const started = (await host.runWorkflowManually(client, saved.id)) as { executionId?: string };
			const waiting = await waitForStatus(client, started.executionId!, ['waiting', 'error', 'success'], 90000);
			expect([waiting.status, JSON.stringify(waiting.data.resultData.error ?? null)]).toEqual(['waiting', 'null']);
			const question = lastMetaQuestion(sb);
			expect(JSON.stringify(question.body)).toContain('The agent wants to run');
			await tapMeta(sb, trigger.url, CUSTOMER, question.options[0]);
			const done = await waitForStatus(client, started.executionId!, ['success', 'error'], 90000);
			expect([done.status, JSON.stringify(done.data.resultData.error ?? null)]).toEqual(['success', 'null']);
			const [final] = itemsOf(done, 'AI Agent');
			expect(String(final.output)).toMatch(/^The customer answered: .*42/);
			expect(done.data.resultData.runData.Calculator).toHaveLength(1);

			// Declined: the gated tool does not run.
			const again = (await host.runWorkflowManually(client, saved.id)) as { executionId?: string };
			await waitForStatus(client, again.executionId!, ['waiting'], 90000);
			await tapMeta(sb, trigger.url, CUSTOMER, lastMetaQuestion(sb).options[1]);
			const declined = await waitForStatus(client, again.executionId!, ['success', 'error'], 90000);
			expect(declined.data.resultData.runData.Calculator).toBeUndefined();
			expect(String(itemsOf(declined, 'AI Agent')[0].output)).not.toMatch(/42/);
		} finally {
			await gatedOpenAi.close();
		}
	}, 200000);
});
