/**
 * The gateway's HMAC (issue 10): the secret lives in the connection (the node-level one of type
 * versions 1 and 1.1 still works), and an optional timestamped scheme refuses replays. Signatures
 * are computed here with node:crypto, independently of the node.
 */
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { IDataObject, INodeParameters, INodeProperties } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../../sandbox';
import { handleGatewayInbound } from '../../../nodes/shared/providers/gateway/inbound';
import { triggerProperties } from '../../../nodes/WhatsAppProvidersTrigger/description';
import { WhatsAppProvidersTrigger } from '../../../nodes/WhatsAppProvidersTrigger/WhatsAppProvidersTrigger.node';
import { WhatsAppWebhookApi } from '../../../credentials/WhatsAppWebhookApi.credentials';
import { connections, WEBHOOK } from '../../helpers/fixtures';
import { startTrigger, type TriggerServer } from '../../helpers/trigger';

const SECRET = 'gateway-connection-signing-secret';
const hex = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');

let sb: Sandbox;
const triggers: TriggerServer[] = [];
beforeAll(async () => {
	sb = await startSandbox();
});
afterAll(async () => {
	await Promise.all(triggers.map((trigger) => trigger.close()));
	await sb.close();
});

async function trigger(options: IDataObject, credentials: IDataObject, typeVersion?: number) {
	const server = await startTrigger({
		parameters: { authentication: WEBHOOK, triggerOptions: options } as INodeParameters,
		credentials: { [WEBHOOK]: { ...connections(sb)[WEBHOOK], authToken: '', ...credentials } },
		typeVersion,
	});
	triggers.push(server);
	return server;
}

let counter = 0;
const body = () => JSON.stringify({ event: 'message', id: `gw_sig_${++counter}`, from: '+491701234567', text: 'Hallo' });

async function post(server: TriggerServer, raw: string, headers: Record<string, string>) {
	const response = await fetch(server.url, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', ...headers } });
	await server.settled();
	return response.status;
}

describe('the Signature Secret in the connection', () => {
	it('is a password field of the gateway connection', () => {
		const property = new WhatsAppWebhookApi().properties.find((candidate) => candidate.name === 'signatureSecret');
		expect(property).toMatchObject({ type: 'string', typeOptions: { password: true } });
	});

	it('requires a valid body signature', async () => {
		const server = await trigger({}, { signatureSecret: SECRET });
		const raw = body();
		expect(await post(server, raw, { 'x-signature-256': `sha256=${hex(SECRET, raw)}` })).toBe(200);
		expect(await post(server, raw.replace('Hallo', 'Hallx'), { 'x-signature-256': `sha256=${hex(SECRET, raw)}` })).toBe(401);
		expect(await post(server, body(), {})).toBe(401);
		expect(await post(server, body(), { 'x-signature-256': hex('other', body()) })).toBe(401);
		expect(server.executions).toHaveLength(1);
	});

	it('wins over a node-level secret; a node-level secret alone still works (type version 1.1)', async () => {
		const both = await trigger({ signatureSecret: 'old-node-secret' }, { signatureSecret: SECRET }, 1.1);
		const first = body();
		expect(await post(both, first, { 'x-signature-256': hex(SECRET, first) })).toBe(200);
		const second = body();
		expect(await post(both, second, { 'x-signature-256': hex('old-node-secret', second) })).toBe(401);
		const legacy = await trigger({ signatureSecret: 'old-node-secret' }, {}, 1.1);
		const third = body();
		expect(await post(legacy, third, { 'x-signature-256': hex('old-node-secret', third) })).toBe(200);
		expect(await post(legacy, body(), {})).toBe(401);
	});

	it('the node-level secret is offered only at type versions 1 and 1.1; new nodes are 1.2', () => {
		const options = triggerProperties().find((property) => property.name === 'triggerOptions')!.options as INodeProperties[];
		const secret = options.find((option) => option.name === 'signatureSecret')!;
		expect(secret.displayOptions?.show?.['@version']).toEqual([1, 1.1]);
		const { description } = new WhatsAppProvidersTrigger();
		expect(description.version).toEqual([1, 1.1, 1.2]);
		expect(description.defaultVersion).toBe(1.2);
	});
});

describe('the timestamped scheme', () => {
	const now = 1_767_225_600; // 2026-01-01T00:00:00Z
	const request = (raw: string, headers: Record<string, string>) => ({
		method: 'POST',
		url: 'https://n8n.example.com/webhook/x/whatsapp',
		headers: { 'content-type': 'application/json', ...headers },
		query: {},
		rawBody: Buffer.from(raw),
	});
	const options = { signatureSecret: SECRET, signatureScheme: 'timestamped' as const, now: () => now * 1000 };
	const signed = (raw: string, timestamp: number, secret = SECRET) => ({ 'x-signature-timestamp': String(timestamp), 'x-signature-256': `sha256=${hex(secret, `${timestamp}.${raw}`)}` });

	it('accepts a signature over "<timestamp>.<body>" within the tolerance', () => {
		const raw = body();
		for (const offset of [0, -299, 299]) {
			expect(handleGatewayInbound(request(raw, signed(raw, now + offset)), {}, options)).toMatchObject({ kind: 'events', authenticated: true });
		}
	});

	it('refuses replays and future timestamps outside the tolerance (default 5 minutes), even correctly signed', () => {
		const raw = body();
		for (const offset of [-301, 301, -86400]) {
			expect(handleGatewayInbound(request(raw, signed(raw, now + offset)), {}, options)).toMatchObject({ kind: 'reject', status: 401, reason: expect.stringContaining('outside the tolerance of 300 s') });
		}
		expect(handleGatewayInbound(request(raw, signed(raw, now - 1000)), {}, { ...options, toleranceSeconds: 3600 })).toMatchObject({ kind: 'events' });
	});

	it('refuses a changed timestamp, a body-only signature, a missing or malformed timestamp', () => {
		const raw = body();
		const moved = { ...signed(raw, now - 1000), 'x-signature-timestamp': String(now) };
		expect(handleGatewayInbound(request(raw, moved), {}, options)).toMatchObject({ kind: 'reject', status: 401 });
		expect(handleGatewayInbound(request(raw, { 'x-signature-timestamp': String(now), 'x-signature-256': hex(SECRET, raw) }), {}, options)).toMatchObject({ kind: 'reject', status: 401 });
		expect(handleGatewayInbound(request(raw, { 'x-signature-256': hex(SECRET, `${now}.${raw}`) }), {}, options)).toMatchObject({ kind: 'reject', status: 401, reason: expect.stringContaining('X-Signature-Timestamp') });
		expect(handleGatewayInbound(request(raw, { ...signed(raw, now), 'x-signature-timestamp': `${now}.5` }), {}, options)).toMatchObject({ kind: 'reject', status: 401 });
		expect(handleGatewayInbound(request(raw, signed(raw, now, 'other')), {}, options)).toMatchObject({ kind: 'reject', status: 401 });
	});

	it('works through the trigger with a custom timestamp header', async () => {
		const server = await trigger({ signatureScheme: 'timestamped', timestampHeader: 'X-Gateway-Time' }, { signatureSecret: SECRET });
		const raw = body();
		const timestamp = Math.floor(Date.now() / 1000);
		expect(await post(server, raw, { 'x-gateway-time': String(timestamp), 'x-signature-256': hex(SECRET, `${timestamp}.${raw}`) })).toBe(200);
		const old = body();
		expect(await post(server, old, { 'x-gateway-time': String(timestamp - 600), 'x-signature-256': hex(SECRET, `${timestamp - 600}.${old}`) })).toBe(401);
		expect(server.executions).toHaveLength(1);
	});

	it('the README\'s worked example is what the scheme computes', () => {
		const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
		const example = /Secret: `([^`]+)`[\s\S]*?Timestamp: `(\d+)`[\s\S]*?Body: `([^`]+)`[\s\S]*?Signature: `sha256=([0-9a-f]{64})`/.exec(readme);
		expect(example).not.toBeNull();
		const [, secret, timestamp, raw, signature] = example!;
		expect(hex(secret, `${timestamp}.${raw}`)).toBe(signature);
		const result = handleGatewayInbound(request(raw, { 'x-signature-timestamp': timestamp, 'x-signature-256': `sha256=${signature}` }), {}, { signatureSecret: secret, signatureScheme: 'timestamped', now: () => Number(timestamp) * 1000 });
		expect(result).toMatchObject({ kind: 'events' });
	});
});
