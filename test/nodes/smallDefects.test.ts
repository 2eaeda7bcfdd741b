/**
 * The smaller defects of issue 9, each with its test: empty emoji removes a reaction, Twilio 21617's
 * hint and each provider's text limit in the field description, Meta code-100 hints that follow the
 * error's own details, Body Template errors that name the connection, and the gateway connection's
 * Test button that checks the Body Template as well as the URL.
 */
import { CredentialTestContext } from 'n8n-core';
import type { ICredentialsDecrypted, IDataObject, INodeProperties, IWorkflowExecuteAdditionalData } from 'n8n-workflow';

import { WhatsAppWebhookApi } from '../../credentials/WhatsAppWebhookApi.credentials';
import { SendWhatsApp } from '../../nodes/SendWhatsApp/SendWhatsApp.node';
import { WhatsAppProvidersTrigger } from '../../nodes/WhatsAppProvidersTrigger/WhatsAppProvidersTrigger.node';
import { providerCredentials } from '../../nodes/shared/providerFields';
import { testGatewayConnection, GATEWAY_CONNECTION_TEST } from '../../nodes/shared/providers/gateway/connectionTest';
import { META_LIMITS } from '../../nodes/shared/providers/meta/check';
import { TWILIO_LIMITS } from '../../nodes/shared/providers/twilio/check';
import { metaError, startSandbox, twilioError, type Sandbox } from '../../sandbox';
import { accounts, connections, META, TWILIO, WEBHOOK } from '../helpers/fixtures';
import { runSendWhatsApp } from '../helpers/n8n';
import { validateMetaMessage } from '../helpers/specs';

let sb: Sandbox;

beforeAll(async () => {
	sb = await startSandbox();
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

async function send(provider: string, parameters: IDataObject, credentials: IDataObject = {}) {
	return await runSendWhatsApp({
		parameters: { authentication: provider, to: '+14155550123', ...parameters },
		credentials: { [provider]: { ...connections(sb)[provider], ...credentials } },
	});
}

const property = (name: string): INodeProperties[] => new SendWhatsApp().description.properties.filter((candidate) => candidate.name === name);

describe('empty emoji removes a reaction', () => {
	it('the Emoji field is not required (n8n would refuse to publish the workflow with it empty)', () => {
		const [emoji] = property('emoji');
		expect(emoji.required).toBeFalsy();
		expect(emoji.description).toMatch(/leave empty to remove/);
	});

	it('sends emoji "" to Meta, as its API documents for removing a reaction', async () => {
		const result = await send(META, { messageType: 'reaction', reactionMessageId: 'wamid.HBgLMTQxNTU1NTAxMjM', emoji: '' });
		expect(result.error).toBeUndefined();
		const [request] = sb.requestsFor('meta', '/messages');
		const body = JSON.parse(request.rawBody.toString()) as IDataObject;
		expect(body.reaction).toEqual({ message_id: 'wamid.HBgLMTQxNTU1NTAxMjM', emoji: '' });
		expect(validateMetaMessage(body)).toEqual({ valid: true, errors: [] });
	});
});

describe('text limits in the field descriptions, and Twilio 21617', () => {
	it("the Text and Caption descriptions give each provider's limit, from the provider modules", () => {
		const [text] = property('text');
		expect(text.description).toContain(`Up to ${META_LIMITS.text} characters on Meta Cloud API, ${TWILIO_LIMITS.body} on Twilio`);
		const [caption] = property('caption');
		expect(caption.description).toContain(`up to ${META_LIMITS.caption} characters on Meta Cloud API, ${TWILIO_LIMITS.body} on Twilio`);
	});

	it('Twilio 21617 (body too long) says how to fix it', async () => {
		sb.failNext({ provider: 'twilio', status: 400, body: twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.') });
		const result = await send(TWILIO, { messageType: 'text', text: 'Hi' });
		expect(result.error!.message).toMatch(/Twilio error 21617/);
		expect(result.error!.description).toMatch(/longer than Twilio allows \(1,600 characters\)/);
	});
});

describe('Meta code-100 hints follow the error', () => {
	it('a parameter at fault is named, and the Phone Number ID is not blamed', async () => {
		sb.failNext({ provider: 'meta', status: 400, body: metaError(400, { code: 100, message: "(#100) Param template['name'] is not valid", details: 'template name must be lowercase' }) });
		const result = await send(META, { messageType: 'text', text: 'Hi' });
		expect(result.error!.description).toContain("template['name']");
		expect(result.error!.description).toContain('template name must be lowercase');
		expect(result.error!.description).not.toMatch(/Phone Number ID/);
	});

	it('without a parameter name, the details are shown', async () => {
		sb.failNext({ provider: 'meta', status: 400, body: metaError(400, { code: 100, message: 'Invalid parameter', details: 'The recipient type is not supported' }) });
		const result = await send(META, { messageType: 'text', text: 'Hi' });
		expect(result.error!.description).toMatch(/not valid: The recipient type is not supported/);
		expect(result.error!.description).not.toMatch(/Phone Number ID/);
	});

	it('an object that does not exist points at the Phone Number ID', async () => {
		const result = await send(META, { messageType: 'text', text: 'Hi' }, { phoneNumberId: '999999999' });
		expect(result.error!.message).toContain('100');
		expect(result.error!.description).toMatch(/Phone Number ID/);
	});
});

describe('Body Template errors name the connection', () => {
	it.each([
		['not JSON', '{"to": "{{to}}",', /not valid JSON/],
		['an unknown placeholder', '{"to": "{{recipient}}"}', /\{\{recipient\}\}/],
	])('%s', async (_name, bodyTemplate, problem) => {
		const result = await send(WEBHOOK, { messageType: 'text', text: 'x' }, { bodyTemplate });
		expect(result.error!.message).toMatch(/^Webhook connection "My whatsAppWebhookApi": /);
		expect(result.error!.message).toMatch(problem);
		expect(sb.requests).toHaveLength(0);
	});
});

describe("the gateway connection's Test button", () => {
	const context = new CredentialTestContext({} as IWorkflowExecuteAdditionalData);
	const test = async (data: IDataObject) =>
		await testGatewayConnection.call(context, { id: 'c1', name: 'Gateway', type: WEBHOOK, data } as ICredentialsDecrypted);

	it('is a function of both nodes, named by their credentials entry (n8n runs it instead of a request test)', () => {
		expect((new WhatsAppWebhookApi() as { test?: unknown }).test).toBeUndefined();
		for (const node of [new SendWhatsApp(), new WhatsAppProvidersTrigger()]) {
			const entry = node.description.credentials!.find((credential) => credential.name === WEBHOOK)!;
			expect(entry.testedBy).toBe(GATEWAY_CONNECTION_TEST);
			expect(node.methods.credentialTest[GATEWAY_CONNECTION_TEST]).toBe(testGatewayConnection);
			const withoutTestedBy = node.description.credentials!.map((credential) =>
				credential === entry ? Object.fromEntries(Object.entries(credential).filter(([key]) => key !== 'testedBy')) : credential,
			);
			expect(withoutTestedBy).toEqual(providerCredentials());
		}
	});

	it('passes a good connection with a HEAD request carrying the token and headers, sending nothing', async () => {
		const result = await test(connections(sb)[WEBHOOK]);
		expect(result).toEqual({ status: 'OK', message: expect.stringMatching(/Body Template is valid/) });
		const [request] = sb.requestsFor('gateway');
		expect(request.method).toBe('HEAD');
		expect(request.headers.authorization).toBe(`Bearer ${accounts.gateway.authToken}`);
		expect(request.headers['x-tenant']).toBe('acme-tenant-key');
		expect(sb.stats().accepted).toBe(0);
	});

	it.each([
		['a Body Template that is not JSON', { bodyTemplate: '{"to": {{to}' }, /Webhook connection "Gateway": the Body Template is not valid JSON/],
		['an unknown placeholder', { bodyTemplate: '{"to": "{{phone}}"}' }, /unknown placeholder \{\{phone\}\}/],
		['Headers that are not JSON', { headers: 'X-Tenant: acme' }, /Headers are not a JSON object/],
		['a URL that is not http(s)', { url: 'gateway.example.com/send' }, /URL is not valid/],
	])('fails %s without sending anything', async (_name, change, message) => {
		const result = await test({ ...connections(sb)[WEBHOOK], ...change });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(message);
		expect(sb.requests).toHaveLength(0);
	});

	it('fails when the gateway refuses the token, or cannot be reached', async () => {
		const wrong = await test({ ...connections(sb)[WEBHOOK], authToken: 'not-the-gateway-token' });
		expect(wrong).toEqual({ status: 'Error', message: expect.stringMatching(/refused the credentials \(HTTP 401\)/) });
		expect(wrong.message).not.toContain('not-the-gateway-token');
		const unreachable = await test({ ...connections(sb)[WEBHOOK], url: 'http://127.0.0.1:1/send' });
		expect(unreachable).toEqual({ status: 'Error', message: expect.stringMatching(/Could not reach the gateway/) });
	});
});
