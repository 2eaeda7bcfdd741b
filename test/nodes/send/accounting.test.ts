/**
 * A failure during the run with On Error: Stop: no new send starts, the requests in flight finish,
 * and the error says how many items were sent, failed and not attempted, with the sent items' indices
 * and message IDs. A gateway of our own on 127.0.0.1 fails exactly the item a test picks.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { DEFAULT_BODY_TEMPLATE } from '../../../credentials/WhatsAppWebhookApi.credentials';
import { WEBHOOK } from '../../helpers/fixtures';
import { runSendWhatsApp, type RunOptions } from '../../helpers/n8n';

interface Received {
	to: string;
	answered: boolean;
}

/** A gateway answering 200 { messageId: "gw-<to>" }, or what `answer` returns for a recipient. */
async function gateway(answer: (to: string, attempt: number) => { status: number; body: unknown; headers?: Record<string, string>; delayMs?: number } | undefined) {
	const received: Received[] = [];
	const attempts = new Map<string, number>();
	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const { to } = JSON.parse(Buffer.concat(chunks).toString()) as { to: string };
			const entry = { to, answered: false };
			received.push(entry);
			const attempt = (attempts.get(to) ?? 0) + 1;
			attempts.set(to, attempt);
			const custom = answer(to, attempt);
			const reply = custom ?? { status: 200, body: { messageId: `gw-${to}`, status: 'accepted' } };
			setTimeout(() => {
				entry.answered = true;
				response.writeHead(reply.status, { 'Content-Type': 'application/json', ...(reply.headers ?? {}) });
				response.end(JSON.stringify(reply.body));
			}, reply.delayMs ?? 0);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
	return {
		received,
		attempts,
		url,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

const items = (n: number): INodeExecutionData[] => Array.from({ length: n }, (_, i) => ({ json: { i } }));
/** Item i goes to +1415555 followed by i padded to 4 digits. */
const recipient = (i: number) => `+1415555${String(i).padStart(4, '0')}`;

async function run(url: string, count: number, options: INodeParameters, onError?: RunOptions['onError']) {
	return await runSendWhatsApp({
		parameters: {
			authentication: WEBHOOK,
			to: '={{ "+1415555" + String($json.i).padStart(4, "0") }}',
			messageType: 'text',
			text: 'Hello',
			options,
		},
		credentials: { [WEBHOOK]: { url, method: 'POST', headers: '{}', authToken: '', bodyTemplate: DEFAULT_BODY_TEMPLATE } },
		items: items(count),
		onError,
	});
}

const refused = { status: 400, body: { error: { message: 'unknown recipient' } } };

describe('a failure during the run, On Error: Stop', () => {
	it('200 items, item 150 refused: 150 sent with their IDs in the error, 49 not attempted, nothing sent after the failure', async () => {
		const gw = await gateway((to) => (to === recipient(150) ? refused : undefined));
		try {
			const result = await run(gw.url, 200, { concurrency: 1 });
			const error = result.error!;
			expect(error.message).toMatch(/HTTP 400.*unknown recipient/);
			expect(error.context).toMatchObject({ itemIndex: 150, sentCount: 150, failedCount: 1, notAttemptedCount: 49 });
			const sent = error.context!.sent as Array<{ itemIndex: number; messageId: string }>;
			expect(sent).toEqual(Array.from({ length: 150 }, (_, i) => ({ itemIndex: i, messageId: `gw-${recipient(i)}` })));
			expect(error.description).toMatch(/Sent 150, failed 1, not attempted 49 \(of 200 items\)/);
			expect(error.description).toContain(`0 → gw-${recipient(0)}, 1 → gw-${recipient(1)}`);
			expect(error.description).toContain(`149 → gw-${recipient(149)}.`);
			// The gateway saw the 150 sent items and the failed one, and nothing after it.
			expect(gw.received.map((entry) => entry.to)).toEqual(Array.from({ length: 151 }, (_, i) => recipient(i)));
		} finally {
			await gw.close();
		}
	});

	it('with several requests in flight: they finish, and every request that reached the gateway is accounted for', async () => {
		const gw = await gateway((to) => (to === recipient(10) ? refused : { status: 200, body: { messageId: `gw-${to}` }, delayMs: 20 }));
		try {
			const result = await run(gw.url, 100, { concurrency: 4 });
			const context = result.error!.context!;
			const sent = context.sent as Array<{ itemIndex: number; messageId: string }>;
			const failed = context.failed as Array<{ itemIndex: number }>;
			expect(gw.received.every((entry) => entry.answered)).toBe(true);
			expect(context.sentCount).toBe(sent.length);
			expect(sent.length + failed.length).toBe(gw.received.length);
			expect(context.notAttemptedCount).toBe(100 - gw.received.length);
			expect([...sent.map((entry) => entry.itemIndex), ...failed.map((entry) => entry.itemIndex)].map(recipient).sort()).toEqual(
				gw.received.map((entry) => entry.to).sort(),
			);
			for (const entry of sent) expect(entry.messageId).toBe(`gw-${recipient(entry.itemIndex)}`);
			expect(gw.received.length).toBeLessThan(100);
		} finally {
			await gw.close();
		}
	});

	it('an item waiting to be retried is not sent again once another item has stopped the node', async () => {
		// Item 0: 503 with Retry-After 1 s (known not accepted, so normally retried); item 1 is refused at once.
		const gw = await gateway((to) =>
			to === recipient(0) ? { status: 503, body: { error: { message: 'busy' } }, headers: { 'Retry-After': '1' } } : to === recipient(1) ? refused : undefined,
		);
		try {
			const result = await run(gw.url, 2, { concurrency: 2 });
			expect(result.error!.context).toMatchObject({ sentCount: 0, failedCount: 2, notAttemptedCount: 0 });
			expect(gw.attempts.get(recipient(0))).toBe(1);
		} finally {
			await gw.close();
		}
	});
});

describe('a failure whose delivery is unknown, On Error: Stop', () => {
	it('is counted as failed and named as "may have gone out"', async () => {
		const gw = await gateway((to) => (to === recipient(1) ? { status: 504, body: 'Gateway Timeout' } : undefined));
		try {
			const result = await run(gw.url, 3, { concurrency: 1 });
			expect(result.error!.context).toMatchObject({ sentCount: 1, failedCount: 1, notAttemptedCount: 1, failed: [expect.objectContaining({ itemIndex: 1, deliveryUnknown: true })] });
			expect(result.error!.description).toMatch(/Delivery unknown \(may have gone out\) for item 1\./);
			expect(gw.attempts.get(recipient(1))).toBe(1);
		} finally {
			await gw.close();
		}
	});
});

describe('Continue (using error output) during the run', () => {
	it('sends every item; failures are shaped for the error output of n8n and stay paired', async () => {
		const gw = await gateway((to) => (to === recipient(2) ? refused : undefined));
		try {
			const result = await run(gw.url, 4, { concurrency: 1 }, 'continueErrorOutput');
			const output = result.output![0];
			expect(output.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
			expect(output.map((item) => Object.keys(item.json).sort().join())).toEqual(['messageId,provider,raw,status,to', 'messageId,provider,raw,status,to', 'details,error', 'messageId,provider,raw,status,to']);
			expect(output[2].json).toEqual({ error: expect.stringMatching(/HTTP 400/), details: expect.objectContaining({ httpCode: '400', itemIndex: 2, to: recipient(2) }) });
			expect(output[3].json).toMatchObject({ messageId: `gw-${recipient(3)}` });
			expect(gw.received).toHaveLength(4);
		} finally {
			await gw.close();
		}
	});
});
