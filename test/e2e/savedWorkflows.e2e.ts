/**
 * Workflows saved before the layout of issue 11 (test/fixtures/saved-workflows/before-issue-11.json:
 * every message type per provider, every trigger option, parameters checked against the descriptions
 * of commit 087e498) still import and run unchanged in a real n8n: imported through its REST API with
 * the demo connections, the send workflows run against the sandbox, the triggers activated and fed.
 */
import fixture from '../fixtures/saved-workflows/before-issue-11.json';
import * as demo from '../../scripts/host/demo';
import * as host from '../../scripts/host/n8n';
import { startSandbox, type Sandbox } from '../../sandbox';
import { executionCount, itemsOf, n8n, sleep } from './session';

const { client, url } = n8n();
const examples = (fixture.workflows as unknown as demo.Example['workflow'][]).map((workflow, index) => ({ file: `before-issue-11#${index}`, workflow }));
let sb: Sandbox;
let provisioned: Awaited<ReturnType<typeof demo.provisionDemo>>;

const saved = (name: string) => provisioned.workflows.find((w) => w.name === name)!;
const SENDS = examples.filter((e) => demo.triggerNodes(e.workflow).length === 0);

beforeAll(async () => {
	sb = await startSandbox();
	provisioned = await demo.provisionDemo(client, { sandbox: sb, n8nUrl: url, examples });
	for (const w of provisioned.workflows) for (const hook of w.webhooks) await host.waitForWebhook(url, `${hook.webhookId}/whatsapp`);
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

describe('workflows saved before issue 11', () => {
	it('are imported unchanged, the triggers active', async () => {
		expect(provisioned.workflows).toHaveLength(examples.length);
		for (const { workflow } of examples) {
			const stored = await client.get(`/workflows/${saved(workflow.name).id}`);
			for (const node of workflow.nodes) {
				expect((stored.nodes as typeof workflow.nodes).find((candidate) => candidate.name === node.name)?.parameters).toEqual(node.parameters);
			}
			expect(Boolean(stored.activeVersionId)).toBe(demo.triggerNodes(workflow).length > 0);
		}
	});

	it.each(SENDS.map((e) => [e.workflow.name, e]))('%s: every Send node sends through the sandbox', async (_name, { workflow }) => {
		const execution = await host.runWorkflowManually(client, saved(workflow.name).id, { wait: true });
		expect(execution.status).toBe('success');
		const sends = workflow.nodes.filter((node) => node.type === demo.SEND_TYPE);
		for (const node of sends) {
			const items = itemsOf(execution, node.name);
			expect({ node: node.name, count: items.length }).toEqual({ node: node.name, count: 1 });
			expect({ node: node.name, messageId: Boolean(items[0].messageId) }).toEqual({ node: node.name, messageId: true });
		}
		const provider = { twilioWhatsAppApi: 'twilio', metaWhatsAppCloudApi: 'meta', whatsAppWebhookApi: 'gateway' }[sends[0].parameters.authentication as string] as 'twilio' | 'meta' | 'gateway';
		expect(sb.requestsFor(provider).filter((request) => request.method === 'POST').length).toBeGreaterThanOrEqual(sends.length);
	});

	it('the Twilio and Meta triggers start one execution per signed message, with every option set', async () => {
		for (const [name, provider] of [
			['Saved before issue 11 — trigger, Twilio', 'twilio'],
			['Saved before issue 11 — trigger, Meta', 'meta'],
		] as const) {
			const w = saved(name);
			const before = await executionCount(client, w.id);
			const fired = await sb.fire({ provider, url: w.webhooks[0].url, from: '+14155551234', name: 'Sheena', text: 'hello' });
			expect({ name, status: fired.status }).toEqual({ name, status: 200 });
			const [execution] = await host.waitForExecutions(client, w.id, before + 1);
			expect(itemsOf(execution, 'WhatsApp Trigger')[0]).toEqual(expect.objectContaining({ provider, event: 'message', text: 'hello' }));
		}
	});

	it('the gateway triggers (1.2 timestamped with field paths, 1.1 with a node-level secret) refuse an unsigned request and start nothing', async () => {
		for (const name of ['Saved before issue 11 — trigger, gateway', 'Saved before issue 11 — trigger, gateway v1.1']) {
			const w = saved(name);
			const before = await executionCount(client, w.id);
			const response = await fetch(w.webhooks[0].url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ events: [{ message: { body: 'x' } }] }) });
			expect({ name, status: response.status }).toEqual({ name, status: 401 });
			await sleep(500);
			expect(await executionCount(client, w.id)).toBe(before);
		}
	});
});
