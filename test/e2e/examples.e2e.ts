/**
 * The workflows shipped in examples/, imported and run in a real n8n exactly as `npm start` sets them
 * up (scripts/host/demo.js: demo connections to the sandbox, credentials bound, triggers activated):
 * manual ones executed, trigger ones fed signed webhooks by the sandbox.
 */
import * as demo from '../../scripts/host/demo';
import * as host from '../../scripts/host/n8n';
import { startSandbox, type Sandbox } from '../../sandbox';
import { accounts } from '../helpers/fixtures';
import { askAndWait, lastMetaQuestion, tapMeta, waitForStatus } from './helpers/ask';
import { databaseBytes, executionCount, itemsOf, META, n8n, SECRETS, sleep, TWILIO, WEBHOOK } from './session';

const { client, url, userFolder } = n8n();
const examples = demo.loadExamples();
let sb: Sandbox;
let provisioned: Awaited<ReturnType<typeof demo.provisionDemo>>;

const workflow = (file: string) => {
	const found = provisioned.workflows.find((w) => w.file === file);
	if (!found) throw new Error(`examples/${file} was not imported`);
	return found;
};

beforeAll(async () => {
	const metaInbound = examples.flatMap((e) => demo.triggerNodes(e.workflow)).find((t) => t.provider === 'meta');
	sb = await startSandbox({ accounts: { meta: { appCallbackUrl: demo.webhookUrl(url, metaInbound!.webhookId) } } });
	provisioned = await demo.provisionDemo(client, { sandbox: sb, n8nUrl: url, examples });
	for (const w of provisioned.workflows) for (const hook of w.webhooks) await host.waitForWebhook(url, `${hook.webhookId}/whatsapp`);
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => {
	sb.reset();
	// As in npm start: Meta posts the statuses of sent messages to the app's callback URL, and the
	// gateway to the status URL in the body.
	sb.configure({ autoStatusCallbacks: true, statusCallbackDelayMs: 100 });
});

describe('examples/', () => {
	it('has one workflow per provider at least, only with node types n8n knows, at their versions', async () => {
		const types = (await client.get('/types/nodes.json')) as Array<{ name: string; version: number | number[] }>;
		// A node type with several descriptions (e.g. Set v1-2 and v3.x) is listed once per description.
		const known = new Map<string, number[]>();
		for (const t of types) known.set(t.name, [...(known.get(t.name) ?? []), ...([] as number[]).concat(t.version)]);
		const providers = new Set<string>();
		for (const { file, workflow } of examples) {
			for (const node of workflow.nodes) {
				expect({ file, node: node.name, known: known.get(node.type)?.includes(node.typeVersion) ?? false }).toEqual({ file, node: node.name, known: true });
				if (node.parameters?.authentication) providers.add(node.parameters.authentication as string);
				for (const [type, ref] of Object.entries((node.credentials ?? {}) as Record<string, { id: string }>)) {
					expect({ file, node: node.name, type, placeholder: /^YOUR_/.test(ref.id) }).toEqual({ file, node: node.name, type, placeholder: true });
				}
			}
			for (const trigger of demo.triggerNodes(workflow)) expect(trigger.webhookId).toMatch(/^[0-9a-f-]{36}$/);
		}
		expect([...providers].sort()).toEqual([META, TWILIO, WEBHOOK].sort());
	});

	it('are imported with the demo connections bound, trigger workflows active', async () => {
		expect(provisioned.workflows.map((w) => w.file)).toEqual(examples.map((e) => e.file));
		for (const w of provisioned.workflows) {
			const saved = await client.get(`/workflows/${w.id}`);
			expect({ file: w.file, active: Boolean(saved.activeVersionId) }).toEqual({ file: w.file, active: w.trigger });
			for (const node of saved.nodes as Array<{ credentials?: Record<string, { id: string; name: string }> }>) {
				for (const [type, ref] of Object.entries(node.credentials ?? {})) {
					expect(ref).toEqual({ id: provisioned.credentials[type as keyof typeof provisioned.credentials].id, name: demo.DEMO_CONNECTION_NAMES[type as keyof typeof demo.DEMO_CONNECTION_NAMES] });
				}
			}
		}
	});

	it('provisioning again (npm start on the same folder) creates nothing twice', async () => {
		const again = await demo.provisionDemo(client, { sandbox: sb, n8nUrl: url, examples });
		expect(Object.values(again.credentials).every((c) => !c.created)).toBe(true);
		expect(again.workflows.every((w) => !w.created)).toBe(true);
		expect(again.workflows.map((w) => w.id)).toEqual(provisioned.workflows.map((w) => w.id));
		const credentials = await demo.listCredentials(client);
		for (const name of Object.values(demo.DEMO_CONNECTION_NAMES)) expect(credentials.filter((c) => c.name === name)).toHaveLength(1);
		const workflows = await demo.listWorkflows(client);
		for (const { workflow: w } of examples) expect(workflows.filter((x) => x.name === w.name)).toHaveLength(1);
	});

	it('twilio-send-text: sends the text with the Twilio demo connection', async () => {
		const execution = await host.runWorkflowManually(client, workflow('twilio-send-text.json').id, { wait: true });
		expect(execution.status).toBe('success');
		const [request] = sb.requestsFor('twilio', '/Messages.json');
		expect(request.body).toEqual(expect.objectContaining({ To: 'whatsapp:+14155550123', From: accounts.twilio.whatsappNumber, Body: expect.stringContaining('appointment') }));
		expect(itemsOf(execution, 'Send WhatsApp')).toEqual([expect.objectContaining({ provider: 'twilio', to: '+14155550123', messageId: expect.stringMatching(/^SM/) })]);
	});

	it('meta-send-template: sends the order_shipped template with the order’s values and the TRACK button', async () => {
		const execution = await host.runWorkflowManually(client, workflow('meta-send-template.json').id, { wait: true });
		expect(execution.status).toBe('success');
		const [request] = sb.requestsFor('meta', '/messages');
		expect(request.headers.authorization).toBe(`Bearer ${accounts.meta.accessToken}`);
		expect(request.body).toEqual(
			expect.objectContaining({
				to: '14155550123',
				type: 'template',
				template: {
					name: 'order_shipped',
					language: expect.objectContaining({ code: 'en_US' }),
					components: [
						{ type: 'body', parameters: [expect.objectContaining({ type: 'text', text: 'Sheena' }), expect.objectContaining({ type: 'text', text: '#1234' })] },
						{ type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'TRACK' }] },
					],
				},
			}),
		);
		expect(itemsOf(execution, 'Send WhatsApp')).toEqual([expect.objectContaining({ provider: 'meta', status: 'accepted', messageId: expect.stringMatching(/^wamid\./) })]);
	});

	it('twilio-auto-reply: a customer asking for the hours gets them', async () => {
		const w = workflow('twilio-auto-reply.json');
		const before = await executionCount(client, w.id);
		const fired = await sb.fire({ provider: 'twilio', url: w.webhooks[0].url, from: '+14155551234', name: 'Sheena', text: 'What are your opening hours?' });
		expect(fired.status).toBe(200);
		const [execution] = await host.waitForExecutions(client, w.id, before + 1);
		expect(execution.status).toBe('success');
		const reply = sb.requestsFor('twilio', '/Messages.json');
		expect(reply).toHaveLength(1);
		expect(reply[0].body).toEqual(expect.objectContaining({ To: 'whatsapp:+14155551234', Body: "We're open 9:00–17:00, Monday to Friday." }));
		expect(itemsOf(execution, 'Reply')).toEqual([expect.objectContaining({ provider: 'twilio', to: '+14155551234' })]);
	});

	it('meta-inbound: a message gets blue ticks with a typing indicator, then a reply quoting it with buttons; sent and delivered statuses start nothing', async () => {
		const w = workflow('meta-inbound.json');
		const before = await executionCount(client, w.id);
		const fired = await sb.fire({ provider: 'meta', url: w.webhooks[0].url, from: '16505551234', name: 'Sheena Nelson', text: 'Does it come in another color?' });
		expect(fired.status).toBe(200);
		const wamid = (fired.request.payload as { entry: Array<{ changes: Array<{ value: { messages: Array<{ id: string }> } }> }> }).entry[0].changes[0].value.messages[0].id;
		const executions = await host.waitForExecutions(client, w.id, before + 1);
		expect(executions[0].status).toBe('success');
		const sent = sb.requestsFor('meta', '/messages').map((r) => r.body as Record<string, unknown>);
		expect(sent[0]).toEqual({ messaging_product: 'whatsapp', status: 'read', message_id: wamid, typing_indicator: { type: 'text' } });
		expect(sent[1]).toEqual(
			expect.objectContaining({
				to: '16505551234',
				type: 'interactive',
				context: { message_id: wamid },
				interactive: expect.objectContaining({ type: 'button', body: { text: expect.stringContaining('Hi Sheena Nelson') } }),
			}),
		);
		// The sandbox posts "sent" and "delivered" for the reply to the same URL: a messages-only trigger ignores them.
		await sleep(1500);
		expect(sb.stats().callbacks.sent).toBeGreaterThanOrEqual(2);
		expect(await executionCount(client, w.id)).toBe(before + 1);
	});

	it('gateway-send-and-status: sends through the gateway, and its delivery statuses come back as executions', async () => {
		const w = workflow('gateway-send-and-status.json');
		const before = await executionCount(client, w.id);
		const execution = await host.runWorkflowManually(client, w.id, { triggerName: 'When clicking ‘Execute workflow’', wait: true });
		expect(execution.status).toBe('success');
		const [request] = sb.requestsFor('gateway');
		expect(request.headers.authorization).toBe(`Bearer ${accounts.gateway.authToken}`);
		expect(request.body).toEqual(expect.objectContaining({ to: '+447700900123', type: 'text', callbackUrl: w.webhooks[0].url }));
		const [sent] = itemsOf(execution, 'Send WhatsApp');
		expect(sent).toEqual(expect.objectContaining({ provider: 'webhook', status: 'queued' }));

		const executions = await host.waitForExecutions(client, w.id, before + 3, 30000);
		const statuses = executions
			.filter((e) => e.mode === 'webhook')
			.map((e) => itemsOf(e, 'Record Status')[0])
			.filter((item) => item.messageId === sent.messageId)
			.map((item) => item.status)
			.sort();
		expect(statuses).toEqual(['delivered', 'sent']);
	});

	it('meta-approval: the customer gets two reply buttons; tapping "Yes, refund" resumes the execution, which confirms; meta-inbound starts nothing', async () => {
		const inbound = workflow('meta-inbound.json');
		const before = await executionCount(client, inbound.id);
		const executionId = await askAndWait(client, workflow('meta-approval.json').id);
		const question = lastMetaQuestion(sb);
		expect(question.to).toBe('16505551234');
		expect(question.options.map((o) => o.title)).toEqual(['Yes, refund', 'No, keep it']);
		expect((await tapMeta(sb, inbound.webhooks[0].url, question.to, question.options[0])).status).toBe(200);
		const done = await waitForStatus(client, executionId, ['success', 'error']);
		expect(done.status).toBe('success');
		expect(itemsOf(done, 'Confirm Refund')).toHaveLength(1);
		const confirmation = sb.requestsFor('meta', '/messages').map((r) => r.body as { type: string; text?: { body: string } }).filter((b) => b.type === 'text');
		expect(confirmation.at(-1)?.text?.body).toBe('Done: the refund of €30.00 for #1042 is on its way.');
		await sleep(1500);
		expect(await executionCount(client, inbound.id)).toBe(before);
	});

	it('after all of this, n8n’s database still holds no secret in plain text', () => {
		const bytes = databaseBytes(userFolder);
		for (const secret of SECRETS) expect(bytes.includes(Buffer.from(secret))).toBe(false);
	});
});
