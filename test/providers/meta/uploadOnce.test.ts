/**
 * Upload once: within one execution the same file sent to many recipients is uploaded to Meta once
 * (keyed by its content) and sent by media ID; the bytes held for sending at once are bounded.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { ByteBudget, ExecutionUploads, sha256Hex } from '../../../nodes/shared/media';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { connections, META, WEBHOOK } from '../../helpers/fixtures';
import { runSendWhatsApp } from '../../helpers/n8n';

let sb: Sandbox;

beforeAll(async () => {
	sb = await startSandbox();
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

const fileItems = (files: Buffer[], count: number): INodeExecutionData[] =>
	Array.from({ length: count }, (_, i) => ({
		json: { i },
		binary: { data: { data: files[i % files.length].toString('base64'), mimeType: 'application/pdf', fileName: 'terms.pdf' } },
	}));

async function broadcast(provider: string, items: INodeExecutionData[], options: IDataObject = {}) {
	return await runSendWhatsApp({
		parameters: {
			authentication: provider,
			to: '={{ "+1415555" + String($json.i).padStart(4, "0") }}',
			messageType: 'media',
			mediaType: 'document',
			mediaSource: 'binary',
			binaryPropertyName: 'data',
			options: { concurrency: 10, ...options },
		},
		credentials: { [provider]: connections(sb)[provider] },
		items,
		continueOnFail: true,
	});
}

describe('Meta: one upload per file per execution', () => {
	it('one binary to 50 recipients makes exactly one upload, and every message uses its media ID', async () => {
		const file = Buffer.from('%PDF-1.4 the same terms for everyone');
		const result = await broadcast(META, fileItems([file], 50));
		const output = result.output![0];
		expect(output.filter((item) => item.json.error)).toEqual([]);
		const uploads = sb.requestsFor('meta', '/media');
		expect(uploads).toHaveLength(1);
		const mediaId = (uploads[0].response as { id: string }).id;
		const bodies = sb.requestsFor('meta', '/messages').map((request) => JSON.parse(request.rawBody.toString()) as { to: string; document: IDataObject });
		expect(bodies).toHaveLength(50);
		expect(new Set(bodies.map((body) => body.to)).size).toBe(50);
		for (const body of bodies) expect(body.document).toEqual({ id: mediaId, filename: 'terms.pdf' });
		for (const item of output) expect(item.json.raw).toMatchObject({ uploadedMediaId: mediaId });
	});

	it('two different files among the items: two uploads', async () => {
		await broadcast(META, fileItems([Buffer.from('%PDF-1.4 file A'), Buffer.from('%PDF-1.4 file B')], 20));
		expect(sb.requestsFor('meta', '/media')).toHaveLength(2);
		expect(sb.requestsFor('meta', '/messages')).toHaveLength(20);
	});

	it('a failed upload is not kept: the retry uploads again, then every item is sent', async () => {
		sb.failNext({ provider: 'meta', status: 503, match: '/media', headers: { 'Retry-After': '0' } });
		const result = await broadcast(META, fileItems([Buffer.from('%PDF-1.4 retried')], 10));
		expect(result.output![0].filter((item) => item.json.error)).toEqual([]);
		expect(sb.requestsFor('meta', '/media')).toHaveLength(2);
		expect(sb.requestsFor('meta', '/messages')).toHaveLength(10);
	});

	it('each execution uploads for itself (a media ID is not carried over)', async () => {
		const file = Buffer.from('%PDF-1.4 twice');
		await broadcast(META, fileItems([file], 5));
		await broadcast(META, fileItems([file], 5));
		expect(sb.requestsFor('meta', '/media')).toHaveLength(2);
	});
});

describe('webhook gateway: the file goes as base64, built per item', () => {
	it('every item carries the whole file', async () => {
		const file = Buffer.from('%PDF-1.4 gateway copy');
		const result = await broadcast(WEBHOOK, fileItems([file], 5));
		expect(result.output![0].filter((item) => item.json.error)).toEqual([]);
		const bodies = sb.requestsFor('gateway').map((request) => JSON.parse(request.rawBody.toString()) as { message: { media: { base64: string } } });
		expect(bodies).toHaveLength(5);
		for (const body of bodies) expect(Buffer.from(body.message.media.base64, 'base64').equals(file)).toBe(true);
	});
});

describe('ExecutionUploads', () => {
	it('callers at the same time share one upload promise', async () => {
		const uploads = new ExecutionUploads();
		let calls = 0;
		let finish!: (id: string) => void;
		const upload = () => {
			calls++;
			return new Promise<string>((resolve) => (finish = resolve));
		};
		const waiting = Array.from({ length: 5 }, async () => await uploads.once('k', upload));
		finish('media-1');
		expect(await Promise.all(waiting)).toEqual(Array(5).fill('media-1'));
		expect(calls).toBe(1);
		expect(uploads.started).toBe(1);
	});
});

describe('content hashes', () => {
	it('a file stored by n8n is hashed once per execution (by its binary data ID); other files every time', () => {
		const uploads = new ExecutionUploads();
		const a = Buffer.from('file A');
		const stored = { data: a, mimeType: 'application/pdf', storedAs: 'filesystem-v2:workflows/1/executions/2/binary_data/abc' };
		const first = uploads.contentHash(stored);
		expect(first).toBe(sha256Hex(a));
		// Same stored file: the memo answers (the bytes are not hashed again).
		expect(uploads.contentHash({ ...stored, data: Buffer.from('not read again') })).toBe(first);
		expect(uploads.contentHash({ data: Buffer.from('file B'), mimeType: 'application/pdf' })).toBe(sha256Hex(Buffer.from('file B')));
		expect(new ExecutionUploads().contentHash({ ...stored, data: Buffer.from('file C') })).toBe(sha256Hex(Buffer.from('file C')));
	});
});

describe('ByteBudget', () => {
	it('never holds more than its limit, lets one oversized file go alone, and serves in order', async () => {
		const budget = new ByteBudget(100);
		let peak = 0;
		const order: string[] = [];
		const hold = async (name: string, bytes: number, until: Promise<void>) => {
			const release = await budget.acquire(bytes);
			order.push(name);
			peak = Math.max(peak, budget.inUse);
			await until;
			release();
		};
		let openA!: () => void;
		const a = hold('a', 60, new Promise<void>((resolve) => (openA = resolve)));
		let openBig!: () => void;
		const big = hold('big', 250, new Promise<void>((resolve) => (openBig = resolve)));
		const c = hold('c', 30, Promise.resolve());
		await new Promise((resolve) => setImmediate(resolve));
		expect(order).toEqual(['a']); // big waits for a; c waits behind big (no overtaking)
		openA();
		await a;
		await new Promise((resolve) => setImmediate(resolve));
		expect(order).toEqual(['a', 'big']);
		openBig();
		await Promise.all([big, c]);
		expect(order).toEqual(['a', 'big', 'c']);
		expect(peak).toBe(250);
		expect(budget.inUse).toBe(0);
	});

	it('20 holders of 1,000 bytes under a 3,000-byte limit: at most three at once', async () => {
		const budget = new ByteBudget(3000);
		let peak = 0;
		await Promise.all(
			Array.from({ length: 20 }, async () => {
				const release = await budget.acquire(1000);
				peak = Math.max(peak, budget.inUse);
				await new Promise((resolve) => setImmediate(resolve));
				release();
			}),
		);
		expect(peak).toBe(3000);
	});
});
