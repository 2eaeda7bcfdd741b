/**
 * Issue 10 in a real n8n: a redelivered signed webhook starts one execution; activation with
 * "Register Webhook on Activation" against an unreachable Graph API fails with an error n8n shows;
 * the gateway connection's header values and HMAC secret never come back from n8n's credential API.
 */
import { createHmac, randomUUID } from 'node:crypto';

import * as host from '../../scripts/host/n8n';
import { startSandbox, type Sandbox } from '../../sandbox';
import { accounts, connections } from '../helpers/fixtures';
import { metaDelivery } from './deliveries';
import { activate, createConnections, executionCount, META, n8n, sleep, triggerWorkflow, WEBHOOK, type ConnectionIds } from './session';

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

describe("the gateway connection's secrets", () => {
	it('n8n never returns the header values or the HMAC secret; the saved ones keep working after an edit', async () => {
		const secret = 'e2e-gateway-hmac-secret-7f3a';
		const apiKey = 'e2e-x-api-key-value-91bd';
		const name = 'Gateway e2e secrets';
		const created = await host.createCredential(client, {
			name,
			type: WEBHOOK,
			data: { ...connections(sb)[WEBHOOK], authToken: '', headers: JSON.stringify({ 'X-Api-Key': apiKey }), signatureSecret: secret },
		});
		const id = String(created.id);
		const read = async () => (await client.get(`/credentials/${id}?includeData=true`)) as { data: Record<string, unknown> };
		const saved = await read();
		const text = JSON.stringify(saved);
		expect(text).not.toContain(apiKey);
		expect(text).not.toContain(secret);
		expect(saved.data.headers).toBeDefined(); // a redaction placeholder
		expect(saved.data.signatureSecret).toBeDefined();
		// The editor sends the placeholders back when the connection is renamed; n8n keeps the stored values.
		await client.patch(`/credentials/${id}`, { name: `${name} renamed`, type: WEBHOOK, data: saved.data });
		expect(JSON.stringify(await read())).not.toContain(apiKey);

		const { workflow, webhookId } = triggerWorkflow('e2e trust gateway secret', WEBHOOK, { id, name: `${name} renamed` }, ['message']);
		const hook = await activate(client, workflow, webhookId);
		const body = JSON.stringify({ event: 'message', id: `gw_${randomUUID()}`, from: '+491701234567', text: 'signed' });
		const sign = (key: string) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
		const forged = await fetch(hook.url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-signature-256': sign('not-the-secret') } });
		expect(forged.status).toBe(401);
		const genuine = await fetch(hook.url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-signature-256': sign(secret) } });
		expect(genuine.status).toBe(200);
		await host.waitForExecutions(client, hook.id, 1, 30000);
		// The stored header still goes out: the credential test (HEAD to the gateway, which answers 401
		// here for want of a Bearer token) carries it.
		sb.reset();
		await client.post('/credentials/test', { credentials: { id, name: `${name} renamed`, type: WEBHOOK, data: (await read()).data } });
		expect(sb.requestsFor('gateway').at(-1)?.headers['x-api-key']).toBe(apiKey);
	});
});
