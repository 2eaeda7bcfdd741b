/**
 * Issue 15 in a real n8n: the WhatsApp trigger keeps the leases of a connection's Pace Sharing URL.
 * Signed lease requests (MAC computed here, independently) get their share and start no execution;
 * forged ones get 401 and change nothing; a Send WhatsApp whose connection names the trigger holds a
 * lease while it sends (a second holder sees half the limit) and gives it back when it is done.
 * Queue mode with workers is measured in `npm run bench` (and kept working by bench:short in CI).
 */
import { createHmac, randomUUID } from 'node:crypto';

import * as host from '../../scripts/host/n8n';
import { startSandbox, type Sandbox } from '../../sandbox';
import { accounts, connections } from '../helpers/fixtures';
import { activate, broadcastWorkflow, createConnections, executionCount, META, n8n, sleep, triggerWorkflow, type ConnectionIds } from './session';

const { client } = n8n();
let sb: Sandbox;
let ids: ConnectionIds;
let trigger: { id: string; url: string };

beforeAll(async () => {
	sb = await startSandbox();
	ids = await createConnections(client, sb, 'e2e pace');
	const { workflow, webhookId } = triggerWorkflow('e2e pace sharing trigger', META, ids[META], ['message']);
	trigger = await activate(client, workflow, webhookId);
});
afterAll(async () => {
	await sb.close();
});

const CONNECTION = 'metaWhatsAppCloudApi:e2e-pace';
/** Each holder's requests carry an increasing sequence number. */
const seqs = new Map<string, number>();

async function lease(holder: string, extra: Record<string, unknown> = {}, secret = accounts.meta.appSecret, connection = CONNECTION) {
	const seq = (seqs.get(holder) ?? 0) + 1;
	seqs.set(holder, seq);
	const body = JSON.stringify({ kind: 'pace-lease', connection, holder, seq, rate: 80, ...extra });
	return await signedPost(body, secret);
}

async function signedPost(body: string, secret: string) {
	const ts = String(Math.floor(Date.now() / 1000));
	const key = createHmac('sha256', secret).update('n8n-whatsapp-providers/pace/v1').digest();
	const response = await fetch(trigger.url, {
		method: 'POST',
		body,
		headers: { 'content-type': 'application/json', 'x-wa-pace-ts': ts, 'x-wa-pace-signature': `v1=${createHmac('sha256', key).update(`${ts}.${body}`).digest('hex')}` },
	});
	return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('the trigger keeps a connection’s pace leases', () => {
	it('splits the limit between holders, gives a share back on release, refuses a forged lease; none of it starts an execution', async () => {
		expect(await lease('a')).toEqual({ status: 200, json: expect.objectContaining({ share: 80, holders: 1 }) });
		expect(await lease('b')).toEqual({ status: 200, json: expect.objectContaining({ share: 40, holders: 2 }) });
		const forged = await lease('c', {}, 'not-the-app-secret');
		expect(forged.status).toBe(401);
		// A replayed request (the same holder and sequence number) changes nothing.
		seqs.set('b', (seqs.get('b') ?? 1) - 1);
		expect((await lease('b', { release: true })).status).toBe(409);
		seqs.set('b', (seqs.get('b') ?? 0) + 1);
		expect(await lease('a')).toEqual({ status: 200, json: expect.objectContaining({ share: 40, holders: 2 }) });
		await lease('b', { release: true });
		expect(await lease('a')).toEqual({ status: 200, json: expect.objectContaining({ share: 80, holders: 1 }) });
		await lease('a', { release: true });
		await sleep(1000);
		expect(await executionCount(client, trigger.id)).toBe(0);
	});

	it('a Send WhatsApp whose connection names the trigger holds a lease while it sends and gives it back when done', async () => {
		// 60 messages at 20 per second: about three seconds of sending.
		const connection = await host.createCredential(client, {
			name: 'Meta e2e pace shared',
			type: META,
			data: { ...connections(sb)[META], messagesPerSecond: 20, paceSharingUrl: trigger.url },
		});
		const key = `${META}:${String(connection.id)}`;
		const count = 60;
		const saved = await host.importWorkflow(
			client,
			broadcastWorkflow(`e2e pace shared send ${randomUUID().slice(0, 8)}`, META, { id: String(connection.id), name: 'Meta e2e pace shared' }, count, "{ to: '+1555200' + String(i).padStart(4, '0') }", {
				to: '={{ $json.to }}',
				messageType: 'text',
				text: 'Pace shared',
			}),
		);
		const running = host.runWorkflowManually(client, saved.id, { wait: true, timeoutMs: 60000 });
		// Once the first messages arrive, the node holds its lease: a second holder gets half.
		for (let i = 0; i < 200 && (await sentSoFar()) < 5; i++) await sleep(50);
		const during = await lease('observer', { rate: 20 }, accounts.meta.appSecret, key);
		expect(during).toEqual({ status: 200, json: expect.objectContaining({ holders: 2, share: 10 }) });
		await lease('observer', { rate: 20, release: true }, accounts.meta.appSecret, key);
		const execution = await running;
		expect(execution.status).toBe('success');
		expect(await sentSoFar()).toBe(count);
		// Done: the node gave its lease back.
		const after = await lease('observer-2', { rate: 20 }, accounts.meta.appSecret, key);
		expect(after.json).toEqual(expect.objectContaining({ holders: 1, share: 20 }));
		await lease('observer-2', { rate: 20, release: true }, accounts.meta.appSecret, key);
		expect(await executionCount(client, trigger.id)).toBe(0);
	});
});

async function sentSoFar(): Promise<number> {
	const accepted = (await (await fetch(`${sb.url}/__sandbox/messages?provider=meta&limit=100000`)).json()) as Array<{ to: string }>;
	return accepted.filter((m) => m.to.startsWith('1555200')).length;
}
