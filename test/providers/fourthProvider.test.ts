/**
 * A fourth provider, test-only (test/fixtures/echoGateway): one module and one registry entry, and no
 * edit to any file under nodes/. It appears in both nodes' Provider dropdowns with its own fields,
 * sends through Send WhatsApp and receives through the trigger, both run by n8n's own contexts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { NodeHelpers, type INodeProperties, type INodeTypeDescription } from 'n8n-workflow';

import { SendWhatsApp } from '../../nodes/SendWhatsApp/SendWhatsApp.node';
import { registerProvider } from '../../nodes/shared/providers';
import { WhatsAppProvidersTrigger } from '../../nodes/WhatsAppProvidersTrigger/WhatsAppProvidersTrigger.node';
import { EchoGatewayApi } from '../fixtures/echoGateway/credential';
import { echoGateway } from '../fixtures/echoGateway/provider';
import { CREDENTIAL_TYPES, runSendWhatsApp } from '../helpers/n8n';
import { startTrigger, type TriggerServer } from '../helpers/trigger';

const ECHO = 'echoGatewayApi';
const TOKEN = 'echo-token-7f3a';

registerProvider(echoGateway);
CREDENTIAL_TYPES[ECHO] = new EchoGatewayApi();

/** The echo gateway: answers every POST with an ID and records what it got. */
const received: Array<{ authorization?: string; body: Record<string, unknown> }> = [];
let server: http.Server;
let url = '';

beforeAll(async () => {
	server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			received.push({ authorization: request.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') });
			response.writeHead(200, { 'Content-Type': 'application/json' });
			response.end(JSON.stringify({ id: `echo-${received.length}` }));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
});

afterAll(async () => {
	await new Promise((resolve) => server.close(resolve));
});

const options = (description: INodeTypeDescription) =>
	(description.properties.find((property) => property.name === 'authentication')!.options as Array<{ name: string; value: string }>).map((option) => option.value);

const shownFor = (description: INodeTypeDescription, property: INodeProperties, values: Record<string, unknown>) =>
	NodeHelpers.displayParameter(values as never, property, { typeVersion: 1 }, description, values as never);

describe('a fourth provider registered through one module and one registry entry', () => {
	it('appears in both Provider dropdowns, with its credential and its own fields shown only for it', () => {
		const send = new SendWhatsApp().description;
		const trigger = new WhatsAppProvidersTrigger().description;
		for (const description of [send, trigger]) {
			expect(options(description)).toEqual(['twilioWhatsAppApi', 'metaWhatsAppCloudApi', 'whatsAppWebhookApi', ECHO]);
			expect(description.credentials).toContainEqual({ name: ECHO, required: true, displayOptions: { show: { authentication: [ECHO] } } });
		}
		const channel = send.properties.find((property) => property.name === 'echoChannel')!;
		expect(shownFor(send, channel, { authentication: ECHO })).toBe(true);
		expect(shownFor(send, channel, { authentication: 'metaWhatsAppCloudApi' })).toBe(false);
		const tag = (trigger.properties.find((property) => property.name === 'triggerOptions')!.options as INodeProperties[]).find((option) => option.name === 'echoTag')!;
		expect(tag.displayOptions).toEqual({ show: { '/authentication': [ECHO] } });
		// A type it does not declare names the providers that send it.
		const messageType = send.properties.find((property) => property.name === 'messageType')!;
		const location = (messageType.options as Array<{ value: string; description?: string }>).find((option) => option.value === 'location')!;
		expect(location.description).toBe('(Twilio, Meta Cloud API, Gateway)');
	});

	it('sends through Send WhatsApp, with its own field and its connection', async () => {
		const before = received.length;
		const { output, error } = await runSendWhatsApp({
			parameters: { authentication: ECHO, operation: 'send', to: '+1 415 555 0123', messageType: 'text', text: 'hello echo', echoChannel: 'ops' },
			credentials: { [ECHO]: { url, token: TOKEN } },
		});
		expect(error).toBeUndefined();
		expect(received.slice(before)).toEqual([{ authorization: `Bearer ${TOKEN}`, body: { to: '+14155550123', text: 'hello echo', channel: 'ops' } }]);
		expect(output![0][0].json).toMatchObject({ provider: 'echo', messageId: `echo-${before + 1}`, status: 'echoed' });
	});

	it('refuses before sending what it does not declare, and what its own check refuses', async () => {
		const before = received.length;
		const location = await runSendWhatsApp({
			parameters: { authentication: ECHO, operation: 'send', to: '+14155550123', messageType: 'location', latitude: 1, longitude: 2 },
			credentials: { [ECHO]: { url, token: TOKEN } },
		});
		expect(location.error?.message).toMatch(/Message Type "Location": is not available on Echo/);
		const long = await runSendWhatsApp({
			parameters: { authentication: ECHO, operation: 'send', to: '+14155550123', messageType: 'text', text: 'x'.repeat(51) },
			credentials: { [ECHO]: { url, token: TOKEN } },
		});
		expect(long.error?.message).toMatch(/at most 50 characters on Echo/);
		expect(received.length).toBe(before);
	});

	it('receives through the trigger, with its own option, and refuses a forged request', async () => {
		let trigger: TriggerServer | undefined;
		try {
			trigger = await startTrigger({
				parameters: { authentication: ECHO, triggerOn: ['message'], triggerOptions: { echoTag: '[t] ' } },
				credentials: { [ECHO]: { url, token: TOKEN } },
				typeVersion: 1.2,
			});
			const post = async (token: string) => {
				const response = await fetch(trigger!.url, {
					method: 'POST',
					headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
					body: JSON.stringify({ id: 'in-1', from: '+14155550123', text: 'hi back' }),
				});
				await trigger!.settled();
				return { status: response.status, text: await response.text() };
			};
			expect(await post('forged')).toMatchObject({ status: 401 });
			expect(trigger.executions).toHaveLength(0);
			expect(await post(TOKEN)).toEqual({ status: 200, text: 'echoed' });
			expect(trigger.executions).toHaveLength(1);
			expect(trigger.executions[0][0].json).toMatchObject({ provider: 'echo', event: 'message', messageId: 'in-1', text: '[t] hi back' });
		} finally {
			await trigger?.close();
		}
	});
});
