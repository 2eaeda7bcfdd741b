/**
 * Issue 10 in a real n8n: a redelivered signed webhook starts one execution; activation with
 * "Register Webhook on Activation" against an unreachable Graph API fails with an error n8n shows;
 * the gateway connection's header values and HMAC secret never come back from n8n's credential API.
 */
import { randomUUID } from 'node:crypto';

import * as host from '../../scripts/host/n8n';
import { startSandbox, type Sandbox } from '../../sandbox';
import { accounts } from '../helpers/fixtures';
import { metaDelivery } from './deliveries';
import { activate, createConnections, executionCount, META, n8n, sleep, triggerWorkflow, type ConnectionIds } from './session';

const { client } = n8n();
let sb: Sandbox;
let ids: ConnectionIds;

// Long enough for a wrongly started second execution to show up.
const SETTLE_MS = 2000;

beforeAll(async () => {
	sb = await startSandbox();
	ids = await createConnections(client, sb, 'e2e trust');
});
afterAll(async () => {
	await sb.close();
});

describe('repeated deliveries (regular mode)', () => {
	it('the same signed Meta delivery sent twice gives one execution; both get 200 OK', async () => {
		const { workflow, webhookId } = triggerWorkflow('e2e trust dedupe', META, ids[META], ['message']);
		const hook = await activate(client, workflow, webhookId);
		const delivery = metaDelivery(`wamid.E2E${randomUUID().replace(/-/g, '')}`);
		const answers: Array<[number, string]> = [];
		for (let i = 0; i < 2; i++) {
			const response = await fetch(hook.url, { method: 'POST', body: delivery.body, headers: delivery.headers });
			answers.push([response.status, await response.text()]);
		}
		expect(answers).toEqual([
			[200, 'OK'],
			[200, 'OK'],
		]);
		await host.waitForExecutions(client, hook.id, 1, 30000);
		await sleep(SETTLE_MS);
		expect(await executionCount(client, hook.id)).toBe(1);
	});
});

describe('activation with Register Webhook on Activation', () => {
	it("fails loudly when the Graph API cannot be reached: n8n's REST API reports the publication failed, with Meta's answer and the fix; no webhook is left behind", async () => {
		const unreachable = await host.createCredential(client, {
			name: 'Meta e2e unreachable',
			type: META,
			// Port 9 on 127.0.0.1: nothing listens (connection refused).
			data: { accessToken: accounts.meta.accessToken, phoneNumberId: accounts.meta.phoneNumberId, wabaId: accounts.meta.wabaId, appSecret: accounts.meta.appSecret, verifyToken: accounts.meta.verifyToken, baseUrl: 'http://127.0.0.1:9' },
		});
		const { workflow } = triggerWorkflow('e2e trust register', META, { id: String(unreachable.id), name: 'Meta e2e unreachable' }, ['message']);
		workflow.nodes[0].parameters.registerWebhook = true;
		const saved = await host.importWorkflow(client, workflow);
		// n8n 2.40 publishes in the background: the REST call answers at once, then n8n tries the
		// registration (with retries) and records the outcome, which the editor shows from
		// GET /rest/workflows/:id/publication-status.
		await host.activateWorkflow(client, saved.id);
		type Status = { status: string; triggers?: Array<{ nodeName?: string; status: string; errorMessage?: string | null }> };
		let status: Status = { status: 'in_progress' };
		const until = Date.now() + 60000;
		while (Date.now() < until) {
			status = (await client.get(`/workflows/${saved.id}/publication-status`)) as Status;
			if (status.status !== 'in_progress' && status.status !== 'not_published') break;
			await sleep(500);
		}
		expect(status.status).toBe('failed');
		const said = JSON.stringify(status.triggers);
		expect(said).toContain("Could not register this trigger's URL as the phone number's webhook");
		expect(said).toContain('ECONNREFUSED');
		expect(said).toContain('Register Webhook on Activation');
		expect(said).not.toContain(accounts.meta.accessToken);
		// The production URL was not left behind: nothing answers for the workflow.
		const webhookId = workflow.nodes[0].webhookId as string;
		const response = await fetch(`${client.url}/webhook/${webhookId}/whatsapp`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
		expect(response.status).toBe(404);
	});
});
