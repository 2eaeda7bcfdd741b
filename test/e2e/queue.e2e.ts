/**
 * Queue mode: a second real n8n stack of its own, as teams run it at volume: Redis, a main instance
 * in EXECUTIONS_MODE=queue taking the webhooks, and a worker running the executions (manual ones
 * too, OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS). The package is installed once in the shared user
 * folder, as on a host where main and worker share ~/.n8n.
 *
 * Needs redis-server (apt-get install -y redis-server; .ci/run installs it). Without it these tests
 * are skipped with a warning, except in CI (CI=true) or with E2E_QUEUE=1.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as demo from '../../scripts/host/demo';
import * as host from '../../scripts/host/n8n';
import { REDIS, redisAvailable, startRedis } from '../../scripts/host/redis';
import { startSandbox, type Sandbox } from '../../sandbox';
import { accounts } from '../helpers/fixtures';
import { metaDelivery } from './deliveries';
import { activate, broadcastWorkflow, executionCount, itemsOf, META, SECRETS, sleep, triggerWorkflow } from './session';

const HAVE_REDIS = redisAvailable();
const REQUIRED = Boolean(process.env.CI) || process.env.E2E_QUEUE === '1';
if (!HAVE_REDIS && !REQUIRED) {
	process.stderr.write(`\n[e2e] WARNING: no ${REDIS}: the queue-mode tests are skipped (apt-get install -y redis-server, or set REDIS_SERVER_PATH)\n\n`);
}
const describeQueue = HAVE_REDIS || REQUIRED ? describe : describe.skip;

describeQueue('queue mode (Redis, main instance, worker)', () => {
	let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
	let main: host.N8nInstance | undefined;
	let worker: host.N8nInstance | undefined;
	let client: host.Client;
	let sb: Sandbox;
	let provisioned: Awaited<ReturnType<typeof demo.provisionDemo>>;
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-queue-'));
	const examples = demo.loadExamples();
	const log = (message: string) => process.stdout.write(`[e2e queue] ${message}\n`);

	/** The worker's log: it names every execution it runs. */
	const ranOnWorker = (executionId: string) => fs.readFileSync(worker!.logFile, 'utf8').includes(`Worker started execution ${executionId} `);

	beforeAll(async () => {
		if (!HAVE_REDIS) throw new Error(`redis-server is required for the queue-mode tests (CI): none found as ${REDIS}. Install it with apt-get install -y redis-server.`);
		redis = await startRedis();
		const env = {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		};
		main = await host.startN8n({ userFolder, env, log });
		worker = await host.startN8n({ userFolder, env, log, command: 'worker', packageDir: null });
		client = await host.setupOwner(main.url, host.DEFAULT_OWNER);
		const metaInbound = examples.flatMap((e) => demo.triggerNodes(e.workflow)).find((t) => t.provider === 'meta');
		sb = await startSandbox({ accounts: { meta: { appCallbackUrl: demo.webhookUrl(main.url, metaInbound!.webhookId) } } });
		provisioned = await demo.provisionDemo(client, { sandbox: sb, n8nUrl: main.url, examples });
		for (const w of provisioned.workflows) for (const hook of w.webhooks) await host.waitForWebhook(main.url, `${hook.webhookId}/whatsapp`);
	}, 240000);

	afterAll(async () => {
		await sb?.close();
		await worker?.stop();
		await main?.stop();
		redis?.stop();
		fs.rmSync(userFolder, { recursive: true, force: true });
	});
	beforeEach(() => sb?.reset());

	it('a signed Meta message is acknowledged, runs on the worker, and the reply goes out', async () => {
		const w = provisioned.workflows.find((x) => x.file === 'meta-inbound.json')!;
		const before = await executionCount(client, w.id);
		const fired = await sb.fire({ provider: 'meta', url: w.webhooks[0].url, from: '16505551234', name: 'Sheena Nelson', text: 'Is it in stock?' });
		expect(fired.status).toBe(200);
		expect(fired.text).toBe('OK');
		const [execution] = await host.waitForExecutions(client, w.id, before + 1, 60000);
		expect(execution.status).toBe('success');
		expect(ranOnWorker(String(execution.id))).toBe(true);
		const sent = sb.requestsFor('meta', '/messages').map((r) => r.body as Record<string, unknown>);
		expect(sent).toEqual([
			expect.objectContaining({ status: 'read' }),
			// The example's reply: two reply buttons, quoting the message.
			expect.objectContaining({ to: '16505551234', type: 'interactive', interactive: expect.objectContaining({ body: { text: expect.stringContaining('Hi Sheena Nelson') } }) }),
		]);
	});

	it('the 200 follows the queued job even when media makes the trigger slow; the worker gets the file', async () => {
		const { workflow, webhookId } = triggerWorkflow('e2e queue media', META, provisioned.credentials[META], ['message'], { downloadMedia: true });
		const hook = await activate(client, workflow, webhookId);
		const before = await executionCount(client, hook.id);
		sb.configure({ latencyMs: 700 });
		try {
			const fired = await sb.fire({ url: hook.url, provider: 'meta', kind: 'message', type: 'image', media: { contentType: 'image/jpeg', data: Buffer.from('queued-jpeg'), caption: 'in queue' } });
			const answeredAt = Date.now();
			expect(fired.status).toBe(200);
			const [execution] = await host.waitForExecutions(client, hook.id, before + 1, 60000);
			expect(execution.status).toBe('success');
			// The job existed before the provider got its 200; an answer sent before the media download
			// would precede it by about 1.4 s.
			expect(Date.parse(execution.createdAt!)).toBeLessThanOrEqual(answeredAt);
		} finally {
			sb.configure({ latencyMs: 0 });
		}
		const [execution] = await host.waitForExecutions(client, hook.id, before + 1, 60000);
		expect(ranOnWorker(String(execution.id))).toBe(true);
		const run = execution.data.resultData.runData['WhatsApp Trigger'][0];
		expect(itemsOf(execution, 'WhatsApp Trigger')[0]).toEqual(expect.objectContaining({ type: 'image', text: 'in queue' }));
		expect(run.data!.main[0]![0].binary!.data).toEqual(expect.objectContaining({ mimeType: 'image/jpeg' }));
	});

	it('the same signed delivery sent twice queues one execution (webhooks on the main instance)', async () => {
		const { workflow, webhookId } = triggerWorkflow('e2e queue dedupe', META, provisioned.credentials[META], ['message']);
		const hook = await activate(client, workflow, webhookId);
		const delivery = metaDelivery(`wamid.QUEUE${randomUUID().replace(/-/g, '')}`);
		for (let i = 0; i < 2; i++) {
			const response = await fetch(hook.url, { method: 'POST', body: delivery.body, headers: delivery.headers });
			expect([response.status, await response.text()]).toEqual([200, 'OK']);
		}
		const [execution] = await host.waitForExecutions(client, hook.id, 1, 60000);
		await sleep(2000);
		expect(await executionCount(client, hook.id)).toBe(1);
		expect(ranOnWorker(String(execution.id))).toBe(true);
	});

	it('a forged webhook gets 401 from the main instance and queues nothing', async () => {
		const w = provisioned.workflows.find((x) => x.file === 'meta-inbound.json')!;
		const before = await executionCount(client, w.id);
		const forged = await sb.fire({ provider: 'meta', url: w.webhooks[0].url, text: 'hi', wrongSecret: true });
		expect(forged.status).toBe(401);
		for (const secret of SECRETS) expect(forged.text).not.toContain(secret);
		await sleep(1500);
		expect(await executionCount(client, w.id)).toBe(before);
	});

	it('a broadcast runs on the worker: every message sent once, one output item each, in order', async () => {
		const count = 60;
		const connection = provisioned.credentials[META];
		const saved = await host.importWorkflow(
			client,
			broadcastWorkflow('e2e queue broadcast', META, connection, count, "{ to: '+1415555' + String(1000 + i), text: 'Sale starts now #' + i }", {
				to: '={{ $json.to }}',
				messageType: 'text',
				text: '={{ $json.text }}',
			}),
		);
		const execution = await host.runWorkflowManually(client, saved.id, { wait: true, timeoutMs: 90000 });
		expect(execution.status).toBe('success');
		expect(ranOnWorker(String(execution.id))).toBe(true);
		const sent = sb.requestsFor('meta', '/messages').map((r) => r.body as { to: string; text: { body: string } });
		expect(sent).toHaveLength(count);
		expect(new Set(sent.map((body) => body.to)).size).toBe(count);
		const items = itemsOf(execution, 'Send WhatsApp');
		expect(items.map((item) => item.to)).toEqual(Array.from({ length: count }, (_, i) => `+1415555${1000 + i}`));
		expect(items.every((item) => item.status === 'accepted')).toBe(true);
		expect(JSON.stringify(execution.data)).not.toContain(accounts.meta.accessToken);
	});
});
