/**
 * Send and Wait for Reply across a restart of a single (regular mode) n8n, on an instance of its own:
 * a question is asked, n8n stops and starts again, then the customer answers; the execution resumes.
 * Also a question with a time limit that passes while n8n is down resumes as timed out after the boot.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as host from '../../scripts/host/n8n';
import { startSandbox, type Sandbox } from '../../sandbox';
import { askAndWait, askWorkflow, lastMetaQuestion, tapMeta, waitForStatus } from './helpers/ask';
import { activate, createConnections, itemsOf, META, triggerWorkflow, type ConnectionIds } from './session';

const CUSTOMER = '16505551234';

describe('Send and Wait for Reply across a restart (regular mode)', () => {
	let n8nInstance: host.N8nInstance | undefined;
	let client: host.Client;
	let sb: Sandbox;
	let connections: ConnectionIds;
	let trigger: { id: string; url: string; webhookId: string };
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-ask-restart-'));
	const log = (message: string) => process.stdout.write(`[e2e ask restart] ${message}\n`);

	beforeAll(async () => {
		n8nInstance = await host.startN8n({ userFolder, log });
		client = await host.setupOwner(n8nInstance.url, host.DEFAULT_OWNER);
		sb = await startSandbox();
		connections = await createConnections(client, sb, 'ask restart');
		const { workflow, webhookId } = triggerWorkflow('e2e ask restart: inbound', META, connections[META], ['message']);
		trigger = { ...(await activate(client, workflow, webhookId)), webhookId };
	}, 180000);
	afterAll(async () => {
		await sb?.close();
		await n8nInstance?.stop();
		fs.rmSync(userFolder, { recursive: true, force: true });
	});

	it('asked, n8n restarted, then answered: the execution resumes; a limit that passed meanwhile resumes as timed out', async () => {
		const ask = await host.importWorkflow(client, askWorkflow('e2e ask restart: approval', META, connections[META], { to: `+${CUSTOMER}`, message: 'Approve?', responseType: 'approval' }));
		const limited = await host.importWorkflow(
			client,
			askWorkflow('e2e ask restart: limited', META, connections[META], {
				to: `+${CUSTOMER}`,
				message: 'Quick?',
				responseType: 'approval',
				waitOptions: { limitWaitTime: { values: { limitType: 'afterTimeInterval', resumeAmount: 3, resumeUnit: 'seconds' } } },
			}),
		);
		const executionId = await askAndWait(client, ask.id);
		const question = lastMetaQuestion(sb);
		const limitedId = await askAndWait(client, limited.id);
		const port = n8nInstance!.port;
		await n8nInstance!.stop();
		n8nInstance = await host.startN8n({ userFolder, log, port });
		client = await host.login(n8nInstance.url);
		await host.waitForWebhook(n8nInstance.url, `${trigger.webhookId}/whatsapp`, { method: 'POST' });
		expect((await host.getExecution(client, executionId)).status).toBe('waiting');
		expect((await tapMeta(sb, trigger.url, CUSTOMER, question.options[0])).status).toBe(200);
		const done = await waitForStatus(client, executionId, ['success', 'error'], 60000);
		expect(itemsOf(done, 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ type: 'button', id: 'approve' }), approved: true }));
		const timedOut = await waitForStatus(client, limitedId, ['success', 'error'], 100000);
		expect(itemsOf(timedOut, 'After')[0]).toEqual(expect.objectContaining({ answer: { type: 'timeout', id: null, title: null, text: null }, approved: false }));
	}, 300000);
});
