/**
 * Send WhatsApp as an AI-agent tool (n8n generates sendWhatsAppTool from `usableAsTool`).
 * - Every field the tool needs can come from the agent: no field needs a list looked up at run time
 *   (no load-options method; a resource locator must offer a typed mode), so $fromAI can fill it.
 * - In tool mode, through n8n-core's own path: a stand-in agent node (no language model) asks
 *   getInputConnectionData('ai_tool') for its tools, n8n-core wraps Send WhatsApp with createNodeAsTool
 *   (its $fromAI schema) and runs the node in a SupplyDataContext when the tool is invoked. The e2e
 *   test (test/e2e/media.e2e.ts) does the same in a real n8n with its Tool Executor node.
 */
import { ExecuteContext } from 'n8n-core';
import {
	createRunExecutionData,
	NodeConnectionTypes,
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeProperties,
	type INodeType,
} from 'n8n-workflow';

import { SendWhatsApp } from '../../../nodes/SendWhatsApp/SendWhatsApp.node';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { connections, expectNoSecrets, META } from '../../helpers/fixtures';
import { nodeTypesOf, TestCredentialsHelper, testAdditionalData, withDefaults } from '../../helpers/n8n';

const send = new SendWhatsApp();

function walk(properties: INodeProperties[], visit: (property: INodeProperties) => void): void {
	for (const property of properties) {
		visit(property);
		for (const option of (property.options ?? []) as Array<INodeProperties | { values?: INodeProperties[] }>) {
			if ('values' in option && Array.isArray(option.values)) walk(option.values, visit);
			else if ('type' in option && 'name' in option) walk([option], visit);
		}
	}
}

describe('Send WhatsApp as an AI tool: its description', () => {
	it('is usable as a tool, and every operation has an action for the tool description n8n sets automatically', () => {
		expect(send.description.usableAsTool).toBe(true);
		const operation = send.description.properties.find((property) => property.name === 'operation')!;
		for (const option of operation.options as Array<{ value: string; action?: string }>) expect(option.action).toMatch(/^[A-Z][a-z ]+$/);
		expect((operation.options as Array<{ value: string }>).map((option) => option.value)).toEqual(
			expect.arrayContaining(['send', 'markAsRead', 'uploadMedia', 'downloadMedia', 'deleteMedia']),
		);
	});

	it('needs no list lookup at run time: every field can be given by the agent as a value', () => {
		walk(send.description.properties, (property) => {
			expect([property.name, property.typeOptions?.loadOptionsMethod]).toEqual([property.name, undefined]);
			expect([property.name, property.typeOptions?.loadOptions]).toEqual([property.name, undefined]);
			if (property.type === 'resourceLocator') {
				// A list mode is a convenience of the editor; the agent needs a mode it can type.
				expect([property.name, property.modes?.some((mode) => mode.type !== 'list')]).toEqual([property.name, true]);
			}
		});
	});
});

describe('Send WhatsApp in tool mode (n8n-core createNodeAsTool, no language model)', () => {
	let sb: Sandbox;
	beforeAll(async () => {
		sb = await startSandbox();
	});
	afterAll(async () => {
		await sb.close();
	});

	it("sends the message whose fields the agent gave through $fromAI, and answers the tool call with the send result", async () => {
		const agentType: INodeType = {
			description: {
				displayName: 'Agent Stand-in',
				name: 'agentStandIn',
				group: ['transform'],
				version: 1,
				description: 'Invokes its tools with fixed arguments, as an agent would',
				defaults: { name: 'Agent Stand-in' },
				inputs: [NodeConnectionTypes.Main, { type: NodeConnectionTypes.AiTool, displayName: 'Tools', required: true }],
				outputs: [NodeConnectionTypes.Main],
				properties: [],
			},
		};
		// What n8n's loader makes of a usableAsTool node: the same node, named …Tool, with an ai_tool output.
		const toolType: INodeType = {
			description: { ...send.description, name: 'sendWhatsAppTool', displayName: 'Send WhatsApp (Providers) Tool', inputs: [], outputs: [NodeConnectionTypes.AiTool] },
			execute: send.execute,
		};
		const tool: INode = {
			id: 'node-tool',
			name: 'Send WhatsApp',
			type: 'n8n-nodes-whatsapp-providers.sendWhatsAppTool',
			typeVersion: 1,
			position: [0, 200],
			parameters: {
				authentication: META,
				operation: 'send',
				to: "={{ $fromAI('recipient', 'The customer phone number', 'string') }}",
				messageType: 'text',
				text: "={{ $fromAI('message', 'The text to send', 'string') }}",
			},
			credentials: { [META]: { id: 'cred-meta', name: 'Meta' } },
		};
		const agent: INode = { id: 'node-agent', name: 'Agent Stand-in', type: 'n8n-nodes-whatsapp-providers.agentStandIn', typeVersion: 1, position: [0, 0], parameters: {} };
		const workflow = new Workflow({
			id: 'wf-tool',
			name: 'tool',
			nodes: [agent, tool],
			connections: { 'Send WhatsApp': { [NodeConnectionTypes.AiTool]: [[{ node: 'Agent Stand-in', type: NodeConnectionTypes.AiTool, index: 0 }]] } },
			active: false,
			nodeTypes: nodeTypesOf(['agentStandIn', agentType], ['sendWhatsAppTool', toolType]),
		});
		const store: Record<string, ICredentialDataDecryptedObject> = { [META]: withDefaults(META, connections(sb)[META]) };
		const additionalData = testAdditionalData(new TestCredentialsHelper(store), 'exec-tool');
		const items = [{ json: {} }];
		const agentNode = workflow.getNode(agent.name)!;
		const context = new ExecuteContext(
			workflow,
			agentNode,
			additionalData,
			'manual',
			createRunExecutionData(),
			0,
			items,
			{ main: [items] },
			{ node: agentNode, data: { main: [items] }, source: { main: [{ previousNode: 'Start' }] } },
			[],
		);

		const tools = (await context.getInputConnectionData(NodeConnectionTypes.AiTool, 0)) as Array<{
			name: string;
			description: string;
			schema: { safeParse(value: unknown): { success: boolean } };
			invoke(args: IDataObject): Promise<unknown>;
		}>;
		expect(tools).toHaveLength(1);
		const [sendTool] = tools;
		expect(sendTool.name).toBe('Send_WhatsApp');
		// n8n's automatic tool description uses an operation's action only on nodes with a Resource
		// parameter; this node's is its description, which names every operation.
		expect(sendTool.description).toBe(send.description.description);
		expect(sendTool.description).toMatch(/send whatsapp messages.*upload, download or delete media/i);
		// The tool's arguments are exactly what $fromAI asks the agent for.
		expect(sendTool.schema.safeParse({ recipient: '+14155550199', message: 'Hi' }).success).toBe(true);
		expect(sendTool.schema.safeParse({ message: 'Hi' }).success).toBe(false);

		const answer = await sendTool.invoke({ recipient: '+1 415 555 0199', message: 'Your table is booked for 8pm.' });
		const requests = sb.requestsFor('meta', '/messages');
		expect(requests).toHaveLength(1);
		expect(requests[0].body).toEqual(expect.objectContaining({ to: '14155550199', type: 'text', text: expect.objectContaining({ body: 'Your table is booked for 8pm.' }) }));
		const messageId = (requests[0].response as { messages: Array<{ id: string }> }).messages[0].id;
		expect(String(typeof answer === 'string' ? answer : JSON.stringify(answer))).toContain(messageId);
		expectNoSecrets(answer);
	});
});
