/**
 * Send WhatsApp's media operations and its AI-agent tool variant in a real n8n 2.40.7:
 * - Upload Media → Download Media → Delete Media against the sandbox (Meta), the downloaded bytes
 *   read back by n8n's own Extract from File node and compared with the uploaded ones;
 * - the tool n8n generates from `usableAsTool` (sendWhatsAppTool), run the way n8n runs a tool node
 *   without a language model: its Tool Executor node (@n8n/n8n-nodes-langchain.toolExecutor, what the
 *   editor's "Execute step" on a tool node uses) hands it the arguments an agent would give through $fromAI.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import * as host from '../../scripts/host/n8n';
import { startSandbox, type Sandbox } from '../../sandbox';
import { accounts } from '../helpers/fixtures';
import { createConnections, itemsOf, META, n8n, SECRETS, SEND_TYPE, sendWorkflow, TWILIO, WEBHOOK, type ConnectionIds } from './session';

const { client } = n8n();
let sb: Sandbox;
let ids: ConnectionIds;

beforeAll(async () => {
	sb = await startSandbox();
	ids = await createConnections(client, sb, 'e2e media');
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

const FILE = Buffer.from('%PDF-1.4\nmedia round trip through n8n ✓\n');

function expectNoSecrets(value: unknown) {
	const text = JSON.stringify(value);
	for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('Media operations in n8n', () => {
	it('Meta: uploads a file, downloads it back by its media ID (bytes equal), then deletes it', async () => {
		const connection = ids[META];
		const send = (name: string, x: number, parameters: Record<string, unknown>) => ({
			id: randomUUID(),
			name,
			type: SEND_TYPE,
			typeVersion: 1,
			position: [x, 0] as [number, number],
			parameters: { authentication: META, ...parameters },
			credentials: { [META]: connection },
		});
		const workflow: host.Workflow = {
			name: `e2e media ${randomUUID().slice(0, 8)}`,
			nodes: [
				{ id: randomUUID(), name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: randomUUID(),
					name: 'File',
					type: 'n8n-nodes-base.code',
					typeVersion: 2,
					position: [200, 0],
					parameters: {
						jsCode: `return [{ json: {}, binary: { data: { data: ${JSON.stringify(FILE.toString('base64'))}, mimeType: 'application/pdf', fileName: 'invoice.pdf' } } }];`,
					},
				},
				send('Upload', 400, { operation: 'uploadMedia', uploadBinaryPropertyName: 'data' }),
				send('Download', 600, { operation: 'downloadMedia', mediaReference: '={{ $json.mediaId }}', options: { outputBinaryPropertyName: 'file' } }),
				{
					id: randomUUID(),
					name: 'Read',
					type: 'n8n-nodes-base.extractFromFile',
					typeVersion: 1.1,
					position: [800, 0],
					parameters: { operation: 'binaryToPropery', binaryPropertyName: 'file', destinationKey: 'base64' },
				},
				send('Delete', 1000, { operation: 'deleteMedia', deleteMediaId: "={{ $('Upload').item.json.mediaId }}" }),
			],
			connections: {
				Manual: { main: [[{ node: 'File', type: 'main', index: 0 }]] },
				File: { main: [[{ node: 'Upload', type: 'main', index: 0 }]] },
				Upload: { main: [[{ node: 'Download', type: 'main', index: 0 }]] },
				Download: { main: [[{ node: 'Read', type: 'main', index: 0 }]] },
				Read: { main: [[{ node: 'Delete', type: 'main', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
		};
		const saved = await host.importWorkflow(client, workflow);
		const execution = await host.runWorkflowManually(client, saved.id, { wait: true });
		expect(execution.status).toBe('success');

		const [uploaded] = itemsOf(execution, 'Upload');
		expect(uploaded).toEqual(expect.objectContaining({ provider: 'meta', mediaId: expect.stringMatching(/^\d+$/), mimeType: 'application/pdf', fileName: 'invoice.pdf' }));
		const [downloaded] = itemsOf(execution, 'Download');
		expect(downloaded).toEqual(expect.objectContaining({ media: uploaded.mediaId, mimeType: 'application/pdf', fileName: 'invoice.pdf', fileSize: FILE.length }));
		const binary = execution.data.resultData.runData.Download[0].data!.main[0]![0].binary!;
		expect(binary.file).toEqual(expect.objectContaining({ mimeType: 'application/pdf', fileName: 'invoice.pdf' }));
		const [read] = itemsOf(execution, 'Read');
		expect(Buffer.from(String(read.base64), 'base64').equals(FILE)).toBe(true);
		const [deleted] = itemsOf(execution, 'Delete');
		expect(deleted).toEqual(expect.objectContaining({ mediaId: uploaded.mediaId, deleted: true }));

		// What reached the sandbox: the multipart upload, the lookup and download with the token, the delete.
		const [upload] = sb.requestsFor('meta', '/media');
		expect(upload.path).toBe(`/meta/v23.0/${accounts.meta.phoneNumberId}/media`);
		expect(Buffer.from((upload.body as { files: Array<{ data: Buffer }> }).files[0].data).equals(FILE)).toBe(true);
		const byId = sb.requestsFor('meta', `/${String(uploaded.mediaId)}`).filter((request) => !request.path.includes('media-download'));
		expect(byId.map((request) => request.method)).toEqual(['GET', 'DELETE']);
		expect(sb.requestsFor('meta', '/media-download/')[0].headers.authorization).toBe(`Bearer ${accounts.meta.accessToken}`);
		expectNoSecrets(execution.data.resultData.runData);
	});
});

describe('Download Media of Twilio and gateway media URLs in n8n', () => {
	async function download(type: string, parameters: Record<string, unknown>) {
		const saved = await host.importWorkflow(client, sendWorkflow(`e2e download ${type} ${randomUUID().slice(0, 8)}`, type, ids[type], { operation: 'downloadMedia', ...parameters }));
		return host.runWorkflowManually(client, saved.id, { wait: true });
	}

	it('Twilio: a MediaUrl with the account credentials, into a binary with its type', async () => {
		const url = sb.addTwilioMedia(Buffer.from('twilio picture bytes'), 'image/png');
		const execution = await download(TWILIO, { mediaReference: url });
		expect(execution.status).toBe('success');
		const [item] = itemsOf(execution, 'Send WhatsApp');
		expect(item).toEqual(expect.objectContaining({ provider: 'twilio', mimeType: 'image/png', fileSize: 'twilio picture bytes'.length, fileName: expect.stringMatching(/^ME\w+\.png$/) }));
		const basic = Buffer.from(`${accounts.twilio.accountSid}:${accounts.twilio.authToken}`).toString('base64');
		expect(sb.requestsFor('twilio', '/Media/')[0].headers.authorization).toBe(`Basic ${basic}`);
	});

	it('gateway: an internal address is refused with the reason; listed in Allowed Media Hosts it is fetched without the credentials', async () => {
		const seen: http.IncomingHttpHeaders[] = [];
		const internal = http.createServer((req, res) => {
			seen.push(req.headers);
			res.writeHead(200, { 'content-type': 'text/plain' });
			res.end('internal bytes');
		});
		await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
		const hostPort = `127.0.0.1:${(internal.address() as AddressInfo).port}`;
		try {
			const refused = await download(WEBHOOK, { mediaReference: `http://${hostPort}/a.txt` });
			expect(refused.status).toBe('error');
			expect(JSON.stringify(refused.data.resultData.error)).toContain("Not downloaded: the media URL's host 127.0.0.1 is an internal address");
			expect(seen).toHaveLength(0);

			const allowed = await download(WEBHOOK, { mediaReference: `http://${hostPort}/a.txt`, options: { allowedMediaHosts: hostPort } });
			expect(allowed.status).toBe('success');
			expect(itemsOf(allowed, 'Send WhatsApp')[0]).toEqual(expect.objectContaining({ fileName: 'a.txt', fileSize: 'internal bytes'.length }));
			expect(seen).toHaveLength(1);
			expect(seen[0].authorization).toBeUndefined();
			expect(seen[0]['x-tenant']).toBeUndefined();
		} finally {
			internal.close();
		}
	});
});

describe('Send WhatsApp as an AI-agent tool, run without a language model', () => {
	it("n8n's Tool Executor gives sendWhatsAppTool the agent's arguments ($fromAI); the message goes out", async () => {
		const connection = ids[META];
		const workflow: host.Workflow = {
			name: `e2e tool ${randomUUID().slice(0, 8)}`,
			nodes: [
				{ id: randomUUID(), name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: randomUUID(),
					name: 'Agent Stand-in',
					type: '@n8n/n8n-nodes-langchain.toolExecutor',
					typeVersion: 1,
					position: [240, 0],
					parameters: {
						query: JSON.stringify({ Send_WhatsApp: { recipient: '+1 415 555 0199', message: 'Your table for two is booked for 8pm.' } }),
						toolName: 'Send_WhatsApp',
					},
				},
				{
					id: randomUUID(),
					name: 'Send WhatsApp',
					type: `${SEND_TYPE}Tool`,
					typeVersion: 1,
					position: [240, 200],
					parameters: {
						authentication: META,
						operation: 'send',
						to: "={{ $fromAI('recipient', 'The customer phone number in international format', 'string') }}",
						messageType: 'text',
						text: "={{ $fromAI('message', 'The text to send', 'string') }}",
					},
					credentials: { [META]: connection },
				},
			],
			connections: {
				Manual: { main: [[{ node: 'Agent Stand-in', type: 'main', index: 0 }]] },
				'Send WhatsApp': { ai_tool: [[{ node: 'Agent Stand-in', type: 'ai_tool', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
		};
		const saved = await host.importWorkflow(client, workflow);
		const execution = await host.runWorkflowManually(client, saved.id, { wait: true });
		expect(execution.status).toBe('success');
		const requests = sb.requestsFor('meta', '/messages');
		expect(requests).toHaveLength(1);
		expect(requests[0].body).toEqual(expect.objectContaining({ to: '14155550199', type: 'text', text: expect.objectContaining({ body: 'Your table for two is booked for 8pm.' }) }));
		// The tool's answer to the agent: the send result, with the message ID the sandbox gave.
		const messageId = (requests[0].response as { messages: Array<{ id: string }> }).messages[0].id;
		expect(JSON.stringify(itemsOf(execution, 'Agent Stand-in'))).toContain(messageId);
		expectNoSecrets(execution.data.resultData.runData);
	});
});
