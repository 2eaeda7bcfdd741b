/**
 * Send and Wait for Reply in queue mode (Redis, a main instance taking the webhooks, a worker running
 * the executions), on a stack of its own: the worker asks and signs, main's trigger forwards the tap,
 * main checks n8n's signature, the worker resumes. Then the whole stack is restarted while an
 * execution waits, and the customer's answer still resumes it. The waiting path is not n8n's default
 * (N8N_ENDPOINT_WEBHOOK_WAIT), so the trigger must take it from n8n.
 *
 * Needs redis-server, like queue.e2e.ts (skipped with a warning without it, except in CI or with E2E_QUEUE=1).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as host from '../../scripts/host/n8n';
import { REDIS, redisAvailable, startRedis } from '../../scripts/host/redis';
import { startSandbox, type Sandbox } from '../../sandbox';
import { askAndWait, askWorkflow, lastMetaQuestion, tapMeta, waitForStatus } from './helpers/ask';
import { activate, createConnections, executionCount, itemsOf, META, sleep, triggerWorkflow, TWILIO, type ConnectionIds } from './session';

const HAVE_REDIS = redisAvailable();
const REQUIRED = Boolean(process.env.CI) || process.env.E2E_QUEUE === '1';
if (!HAVE_REDIS && !REQUIRED) process.stderr.write(`\n[e2e] WARNING: no ${REDIS}: the ask queue-mode tests are skipped\n\n`);
const describeQueue = HAVE_REDIS || REQUIRED ? describe : describe.skip;

const CUSTOMER = '16505551234';
const TWILIO_CUSTOMER = '+14155550123';

describeQueue('Send and Wait for Reply in queue mode, and across a restart', () => {
	let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
	let main: host.N8nInstance | undefined;
	let worker: host.N8nInstance | undefined;
	let client: host.Client;
	let sb: Sandbox;
	let connections: ConnectionIds;
	let trigger: { id: string; url: string; webhookId: string };
	let twilioTrigger: { id: string; url: string; webhookId: string };
	let approval: string;
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-ask-queue-'));
	const log = (message: string) => process.stdout.write(`[e2e ask queue] ${message}\n`);
	let env: Record<string, string>;
	const ranOnWorker = (executionId: string) => fs.readFileSync(worker!.logFile, 'utf8').includes(`Worker started execution ${executionId} `);

	async function boot(port?: number): Promise<void> {
		main = await host.startN8n({ userFolder, env, log, port });
		worker = await host.startN8n({ userFolder, env, log, command: 'worker', packageDir: null });
	}

	beforeAll(async () => {
		if (!HAVE_REDIS) throw new Error(`redis-server is required for the queue-mode tests: none found as ${REDIS}`);
		redis = await startRedis();
		env = {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			// Another path for waiting executions: the trigger must find it from n8n ($execution.resumeUrl), not assume it.
			N8N_ENDPOINT_WEBHOOK_WAIT: 'e2e-waiting',
		};
		await boot();
		client = await host.setupOwner(main!.url, host.DEFAULT_OWNER);
		sb = await startSandbox();
		connections = await createConnections(client, sb, 'ask queue', { [TWILIO]: { contentBaseUrl: sb.twilioBaseUrl } });
		const { workflow, webhookId } = triggerWorkflow('e2e ask queue: inbound', META, connections[META], ['message']);
		trigger = { ...(await activate(client, workflow, webhookId)), webhookId };
		const twilioInbound = triggerWorkflow('e2e ask queue: twilio inbound', TWILIO, connections[TWILIO], ['message']);
		twilioTrigger = { ...(await activate(client, twilioInbound.workflow, twilioInbound.webhookId)), webhookId: twilioInbound.webhookId };
		approval = (await host.importWorkflow(client, askWorkflow('e2e ask queue: approval', META, connections[META], { to: `+${CUSTOMER}`, message: 'Approve the quote?', responseType: 'approval' }))).id;
	}, 240000);

	afterAll(async () => {
		await sb?.close();
		await worker?.stop();
		await main?.stop();
		redis?.stop();
		fs.rmSync(userFolder, { recursive: true, force: true });
	});

	it('the worker asks; Approve tapped: main forwards, the worker resumes with answer.id "approve"; no other execution starts', async () => {
		const before = await executionCount(client, trigger.id);
		const executionId = await askAndWait(client, approval, 90000);
		const question = lastMetaQuestion(sb);
		expect((await tapMeta(sb, trigger.url, CUSTOMER, question.options[0])).status).toBe(200);
		const done = await waitForStatus(client, executionId, ['success', 'error'], 90000);
		expect(done.status).toBe('success');
		expect(ranOnWorker(executionId)).toBe(true);
		expect(itemsOf(done, 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ type: 'button', id: 'approve' }), approved: true }));
		await sleep(1500);
		expect(await executionCount(client, trigger.id)).toBe(before);
	});

	it('a tap by another customer resumes nothing in queue mode either', async () => {
		const executionId = await askAndWait(client, approval, 90000);
		const question = lastMetaQuestion(sb);
		expect((await tapMeta(sb, trigger.url, '16505559999', question.options[0])).status).toBe(200);
		await sleep(2000);
		expect((await host.getExecution(client, executionId)).status).toBe('waiting');
		await tapMeta(sb, trigger.url, CUSTOMER, question.options[1]);
		const done = await waitForStatus(client, executionId, ['success', 'error'], 90000);
		expect(itemsOf(done, 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ id: 'decline' }), approved: false }));
	});

	it('n8n (main and worker) restarted while two executions wait (a tap, a free text): the customer answers, both resume', async () => {
		const executionId = await askAndWait(client, approval, 90000);
		const question = lastMetaQuestion(sb);
		const freeText = await host.importWorkflow(
			client,
			askWorkflow('e2e ask queue: free text', TWILIO, connections[TWILIO], { to: TWILIO_CUSTOMER, message: 'Your order number?', responseType: 'freeText', replyTriggerUrl: twilioTrigger.url }),
		);
		const textExecutionId = await askAndWait(client, freeText.id, 90000);
		const port = main!.port;
		await worker!.stop();
		await main!.stop();
		await boot(port);
		client = await host.login(main!.url);
		await host.waitForWebhook(main!.url, `${trigger.webhookId}/whatsapp`, { method: 'POST' });
		expect((await host.getExecution(client, executionId)).status).toBe('waiting');
		expect((await host.getExecution(client, textExecutionId)).status).toBe('waiting');
		expect((await tapMeta(sb, trigger.url, CUSTOMER, question.options[0])).status).toBe(200);
		const done = await waitForStatus(client, executionId, ['success', 'error'], 90000);
		expect(done.status).toBe('success');
		expect(itemsOf(done, 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ id: 'approve' }), approved: true }));
		// The free-text question was registered before the restart (the trigger's registry is in the workflow's static data).
		const before = await executionCount(client, twilioTrigger.id);
		expect((await sb.fire({ provider: 'twilio', url: twilioTrigger.url, from: TWILIO_CUSTOMER, text: 'A-1042' })).status).toBe(200);
		const answered = await waitForStatus(client, textExecutionId, ['success', 'error'], 90000);
		expect(itemsOf(answered, 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ type: 'text', text: 'A-1042' }) }));
		await sleep(1500);
		expect(await executionCount(client, twilioTrigger.id)).toBe(before);
	}, 300000);
});
