import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { dispositionFileName } from '../../../nodes/shared/mediaFetch';
import { downloadFileName } from '../../../nodes/SendWhatsApp/mediaOperations';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { accounts, connections, expectNoSecrets, META, TWILIO, WEBHOOK } from '../../helpers/fixtures';
import { runSendWhatsApp, type RunResult } from '../../helpers/n8n';
import { metaSpec, type SchemaObject } from '../../helpers/specs';

let sb: Sandbox;

beforeAll(async () => {
	sb = await startSandbox();
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

async function run(
	provider: string,
	parameters: IDataObject,
	options: { items?: INodeExecutionData[]; continueOnFail?: boolean; credentials?: IDataObject } = {},
): Promise<RunResult> {
	const result = await runSendWhatsApp({
		parameters: { authentication: provider, ...parameters },
		credentials: { [provider]: { ...connections(sb)[provider], ...(options.credentials ?? {}) } },
		items: options.items,
		continueOnFail: options.continueOnFail,
	});
	expectNoSecrets(result.output);
	expectNoSecrets(result.error && { message: result.error.message, description: result.error.description, context: result.error.context });
	return result;
}

function items(result: RunResult): INodeExecutionData[] {
	if (result.error) throw result.error;
	return result.output![0];
}

const binaryItem = (data: Buffer, mimeType: string, fileName: string, property = 'data'): INodeExecutionData => ({
	json: {},
	binary: { [property]: { data: data.toString('base64'), mimeType, fileName } },
});

const bytesOf = (item: INodeExecutionData, property = 'data') => Buffer.from(item.binary![property].data, 'base64');

const requestsOf = (provider: 'meta' | 'twilio' | 'gateway', pathPart = '') =>
	sb.requests.filter((request) => request.provider === provider && request.path.includes(pathPart));

describe('Meta media: Upload, Download, Delete against the sandbox', () => {
	it('uploads a binary of the input item and answers its media ID; Download returns the same bytes, type and name; Delete removes it', async () => {
		const file = Buffer.from('%PDF-1.4 media operations test');
		const [uploaded] = items(await run(META, { operation: 'uploadMedia', uploadBinaryPropertyName: 'doc' }, { items: [binaryItem(file, 'application/pdf', 'invoice.pdf', 'doc')] }));
		expect(uploaded.json).toMatchObject({ provider: 'meta', operation: 'uploadMedia', mediaId: expect.stringMatching(/^\d+$/), mimeType: 'application/pdf', fileName: 'invoice.pdf', fileSize: file.length });
		const [upload] = requestsOf('meta', '/media');
		expect(upload.path).toBe(`/meta/v23.0/${accounts.meta.phoneNumberId}/media`);
		expect(upload.headers.authorization).toBe(`Bearer ${accounts.meta.accessToken}`);
		const multipart = upload.body as { fields: Record<string, string>; files: Array<{ filename: string; contentType: string; data: Buffer }> };
		expect(multipart.fields).toMatchObject({ messaging_product: 'whatsapp', type: 'application/pdf' });
		expect(Buffer.from(multipart.files[0].data).equals(file)).toBe(true);
		const mediaId = uploaded.json.mediaId as string;

		const [downloaded] = items(await run(META, { operation: 'downloadMedia', mediaReference: mediaId, options: { outputBinaryPropertyName: 'file' } }));
		expect(bytesOf(downloaded, 'file').equals(file)).toBe(true);
		expect(downloaded.binary!.file).toMatchObject({ mimeType: 'application/pdf', fileName: 'invoice.pdf' });
		expect(downloaded.json).toMatchObject({ operation: 'downloadMedia', media: mediaId, mimeType: 'application/pdf', fileName: 'invoice.pdf', fileSize: file.length });
		// The lookup, then the file, both with the token (Meta requires it on its download URL).
		const lookups = requestsOf('meta', `/v23.0/${mediaId}`);
		expect(lookups.map((request) => request.method)).toEqual(['GET']);
		const [fetched] = requestsOf('meta', '/media-download/');
		expect(fetched.headers.authorization).toBe(`Bearer ${accounts.meta.accessToken}`);

		const [deleted] = items(await run(META, { operation: 'deleteMedia', deleteMediaId: mediaId }));
		expect(deleted.json).toMatchObject({ operation: 'deleteMedia', mediaId, deleted: true, raw: { success: true } });
		expect(requestsOf('meta', `/v23.0/${mediaId}`).map((request) => request.method)).toEqual(['GET', 'DELETE']);

		// Every Graph call is an operation of Meta's official spec (v23.0), its multipart upload with the spec's required fields.
		const paths = metaSpec().paths as Record<string, Record<string, SchemaObject>>;
		const templates = Object.keys(paths).map((template) => ({
			template,
			pattern: new RegExp(`^/meta${template.replace(/\{Version\}/, 'v23\\.0').replace(/\{[^}]+\}/g, '[^/]+')}$`),
		}));
		const graphCalls = sb.requests.filter((request) => request.provider === 'meta' && !request.path.includes('/media-download/'));
		expect(graphCalls.map((request) => request.method)).toEqual(['POST', 'GET', 'DELETE']);
		for (const request of graphCalls) {
			const matching = templates.filter(({ pattern }) => pattern.test(request.path.split('?')[0]));
			expect(matching.some(({ template }) => paths[template][request.method.toLowerCase()] !== undefined)).toBe(true);
		}
		const uploadSchema = (paths['/{Version}/{Phone-Number-ID}/media'].post.requestBody as { content: Record<string, { schema: { required?: string[]; properties: Record<string, unknown> } }> }).content['multipart/form-data'].schema;
		for (const field of uploadSchema.required ?? ['file', 'messaging_product']) {
			expect(field === 'file' ? multipart.files.some((part) => (part as { name?: string }).name === 'file' || part.filename !== undefined) : field in multipart.fields).toBe(true);
		}

		// Gone: a download now fails with Meta's own error, naming the item.
		const [after] = items(await run(META, { operation: 'downloadMedia', mediaReference: mediaId }, { continueOnFail: true }));
		expect(after.json).toMatchObject({ itemIndex: 0, provider: 'meta', providerCode: 100, error: expect.stringContaining('does not exist') });
		expect(after.binary).toBeUndefined();
	});

	it('gives a downloaded file without a name one from its media ID and type', async () => {
		const id = sb.addMetaMedia(Buffer.from('jpeg bytes'), 'image/jpeg');
		const [downloaded] = items(await run(META, { operation: 'downloadMedia', mediaReference: id }));
		expect(downloaded.binary!.data.mimeType).toBe('image/jpeg');
		expect(downloaded.binary!.data.fileName).toBe('File.jpg');
		expect(bytesOf(downloaded).toString()).toBe('jpeg bytes');
	});

	it('refuses a file over Max Media Size with the reason, and downloads nothing more', async () => {
		const id = sb.addMetaMedia(Buffer.alloc(2 * 1024 * 1024, 1), 'video/mp4');
		const result = await run(META, { operation: 'downloadMedia', mediaReference: id, options: { maxMediaMb: 1 } });
		expect(result.error?.message).toMatch(/over the limit of 1048576 bytes \(Max Media Size\)/);
	});

	it('checks every item before the first request: one bad item stops the node and nothing is uploaded', async () => {
		const good = binaryItem(Buffer.from('a'), 'image/png', 'a.png');
		const result = await run(META, { operation: 'uploadMedia', uploadBinaryPropertyName: 'data' }, { items: [good, { json: {} }] });
		expect(result.error?.message).toMatch(/item 1/);
		expect(requestsOf('meta', '/media')).toHaveLength(0);
	});

	it('with On Error continue, the bad item becomes an error item and the others run', async () => {
		const result = await run(META, { operation: 'deleteMedia', deleteMediaId: '={{ $json.id }}' }, { items: [{ json: { id: sb.addMetaMedia('x', 'image/png') } }, { json: { id: '' } }], continueOnFail: true });
		const [first, second] = items(result);
		expect(first.json).toMatchObject({ deleted: true });
		expect(second.json).toMatchObject({ error: expect.stringMatching(/Media ID must not be empty \(item 1\)/), itemIndex: 1 });
	});

	it("a stop during the run says what was deleted (with the media IDs), what failed and what was not attempted, in the operation's words", async () => {
		const kept = sb.addMetaMedia('x', 'image/png');
		const result = await run(
			META,
			{ operation: 'deleteMedia', deleteMediaId: '={{ $json.id }}', options: { concurrency: 1, maxAttempts: 1 } },
			{ items: [{ json: { id: kept } }, { json: { id: '999000111' } }, { json: { id: sb.addMetaMedia('y', 'image/png') } }] },
		);
		expect(result.error?.message).toMatch(/error 100 .*999000111/);
		expect(result.error?.context).toMatchObject({ itemIndex: 1, sentCount: 1, failedCount: 1, notAttemptedCount: 1 });
		expect(result.error?.description).toContain('Deleted 1, failed 1, not attempted 1 (of 3 items)');
		expect(result.error?.description).toContain(`Deleted before the stop (item → media ID): 0 → ${kept}.`);
		expect(result.error?.description).not.toMatch(/Sent|would be sent again/);
	});

	it('refuses a URL where a media ID is needed, before any request', async () => {
		const result = await run(META, { operation: 'downloadMedia', mediaReference: 'https://example.com/a.jpg' });
		expect(result.error?.message).toMatch(/item 0/);
		expect(JSON.stringify(result.error?.context)).toMatch(/must be a media ID on Meta Cloud API/);
		expect(sb.requests).toHaveLength(0);
	});
});

describe('Twilio and gateway media: Download only', () => {
	it('Twilio: downloads a MediaUrl of an inbound message with the account credentials', async () => {
		const url = sb.addTwilioMedia(Buffer.from('twilio picture'), 'image/png');
		const [downloaded] = items(await run(TWILIO, { operation: 'downloadMedia', mediaReference: url }));
		expect(bytesOf(downloaded).toString()).toBe('twilio picture');
		expect(downloaded.binary!.data).toMatchObject({ mimeType: 'image/png', fileName: expect.stringMatching(/^ME\w+\.png$/) });
		const basic = Buffer.from(`${accounts.twilio.accountSid}:${accounts.twilio.authToken}`).toString('base64');
		expect(requestsOf('twilio', '/Media/')[0].headers.authorization).toBe(`Basic ${basic}`);
	});

	it('Twilio and the gateway offer no Upload or Delete: refused before any request', async () => {
		for (const provider of [TWILIO, WEBHOOK]) {
			const result = await run(provider, { operation: 'deleteMedia', deleteMediaId: '123' });
			expect(result.error?.message).toMatch(/Operation "Delete Media": is not available on (Twilio|Gateway) \(item 0\)/);
		}
		expect(sb.requests).toHaveLength(0);
	});

	it('refuses a media URL on an internal address that is not the connection\'s own origin, with the reason', async () => {
		let hits = 0;
		const internal = http.createServer((_req, res) => {
			hits++;
			res.end('secret');
		});
		await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
		try {
			const url = `http://127.0.0.1:${(internal.address() as AddressInfo).port}/metadata`;
			for (const provider of [TWILIO, WEBHOOK]) {
				const result = await run(provider, { operation: 'downloadMedia', mediaReference: url });
				expect(result.error?.message).toMatch(/Not downloaded: the media URL's host 127\.0\.0\.1 is an internal address/);
			}
			expect(hits).toBe(0);
		} finally {
			internal.close();
		}
	});

	it('gateway: downloads from its own origin with its token and headers; refuses other schemes', async () => {
		const seen: http.IncomingHttpHeaders[] = [];
		const gatewayServer = http.createServer((req, res) => {
			seen.push(req.headers);
			res.writeHead(200, { 'content-type': 'audio/ogg', 'content-disposition': 'attachment; filename="voice note.ogg"' });
			res.end('ogg bytes');
		});
		await new Promise<void>((resolve) => gatewayServer.listen(0, '127.0.0.1', resolve));
		const origin = `http://127.0.0.1:${(gatewayServer.address() as AddressInfo).port}`;
		try {
			const [downloaded] = items(await run(WEBHOOK, { operation: 'downloadMedia', mediaReference: `${origin}/media/42` }, { credentials: { url: `${origin}/send` } }));
			expect(bytesOf(downloaded).toString()).toBe('ogg bytes');
			expect(downloaded.binary!.data).toMatchObject({ mimeType: 'audio/ogg', fileName: 'voice note.ogg' });
			expect(seen[0].authorization).toBe(`Bearer ${accounts.gateway.authToken}`);
			expect(seen[0]['x-tenant']).toBe('acme-tenant-key');
			const ftp = await run(WEBHOOK, { operation: 'downloadMedia', mediaReference: 'ftp://example.com/a.jpg' }, { credentials: { url: `${origin}/send` } });
			expect(ftp.error?.message).toMatch(/must be an http\(s\) media URL on Gateway \(item 0\)/);
		} finally {
			gatewayServer.close();
		}
	});

	it('refuses a file over Max Media Size while it streams (no Content-Length)', async () => {
		const big = http.createServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'video/mp4' });
			for (let i = 0; i < 40; i++) res.write(Buffer.alloc(64 * 1024));
			res.end();
		});
		await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve));
		const origin = `http://127.0.0.1:${(big.address() as AddressInfo).port}`;
		try {
			const result = await run(WEBHOOK, { operation: 'downloadMedia', mediaReference: `${origin}/big.mp4`, options: { maxMediaMb: 1 } }, { credentials: { url: `${origin}/send` } });
			expect(result.error?.message).toMatch(/larger than the limit of 1048576 bytes \(Max Media Size\)/);
		} finally {
			big.close();
		}
	});
});

describe('file names', () => {
	it.each([
		['attachment; filename="a b.pdf"', 'a b.pdf'],
		["attachment; filename*=UTF-8''na%C3%AFve.txt", 'naïve.txt'],
		['inline;filename=File', 'File'],
		['attachment; filename="../../etc/passwd"', 'passwd'],
		[undefined, undefined],
	])('Content-Disposition %s → %s', (header, name) => {
		expect(dispositionFileName(header)).toBe(name);
	});

	it.each([
		['1234567890', 'image/jpeg', '1234567890.jpg'],
		['https://x.example/Media/ME12?x=1', 'application/pdf', 'ME12.pdf'],
		['https://x.example/a/report.docx', 'application/octet-stream', 'report.docx'],
		['123', undefined, '123'],
	])('fallback name of %s (%s) → %s', (reference, mimeType, name) => {
		expect(downloadFileName(undefined, reference, mimeType)).toBe(name);
		expect(downloadFileName('File', reference, 'image/jpeg')).toBe('File.jpg');
		expect(downloadFileName('voice note.ogg', reference, mimeType)).toBe('voice note.ogg');
	});
});
