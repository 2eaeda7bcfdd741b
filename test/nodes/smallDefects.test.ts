/**
 * The smaller defects of issue 9, each with its test: empty emoji removes a reaction, Twilio 21617's
 * hint and each provider's text limit in the field description, Meta code-100 hints that follow the
 * error's own details, Body Template errors that name the connection, and the gateway connection's
 * Test button that checks the Body Template as well as the URL.
 */
import type { ICredentialDataDecryptedObject, IDataObject, INodeProperties } from 'n8n-workflow';

import { WhatsAppWebhookApi } from '../../credentials/WhatsAppWebhookApi.credentials';
import { SendWhatsApp } from '../../nodes/SendWhatsApp/SendWhatsApp.node';
import { WhatsAppProvidersTrigger } from '../../nodes/WhatsAppProvidersTrigger/WhatsAppProvidersTrigger.node';
import { providerCredentials } from '../../nodes/shared/providerFields';
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
	// n8n runs the credential's request test (HEAD to the URL), applying authenticate() to it; real n8n
	// runs it end to end in test/e2e/connections.e2e.ts. Here: what authenticate() checks first.
	const credential = new WhatsAppWebhookApi();
	const head = async (data: ICredentialDataDecryptedObject) =>
		await credential.authenticate(data, { url: String(data.url), method: 'HEAD', headers: {} });

	it('is a HEAD request to the URL (nothing is sent), the credential\'s own test; the nodes bring no test function', () => {
		expect(credential.test.request).toEqual({ url: '={{$credentials.url}}', method: 'HEAD' });
		for (const node of [new SendWhatsApp(), new WhatsAppProvidersTrigger()]) {
			expect(node.description.credentials).toEqual(providerCredentials());
			expect(node.description.credentials!.some((entry) => entry.testedBy !== undefined)).toBe(false);
		}
	});

	it('lets a good connection through, with the token and headers', async () => {
		const request = await head(connections(sb)[WEBHOOK] as ICredentialDataDecryptedObject);
		expect(request.headers).toMatchObject({ Authorization: `Bearer ${accounts.gateway.authToken}`, 'X-Tenant': 'acme-tenant-key' });
	});

	it.each([
		['a Body Template that is not JSON', { bodyTemplate: '{"to": {{to}' }, /could not send: the Body Template is not valid JSON/],
		['an unknown placeholder', { bodyTemplate: '{"to": "{{phone}}"}' }, /unknown placeholder \{\{phone\}\}/],
		['Headers that are not JSON', { headers: 'X-Tenant: acme' }, /Headers are not a JSON object/],
	])('fails %s before the request goes out', async (_name, change, message) => {
		await expect(head({ ...connections(sb)[WEBHOOK], ...change })).rejects.toThrow(message);
	});

	it('checks only for the test: a send is checked by the node before the first request (see above)', async () => {
		const data: ICredentialDataDecryptedObject = { ...connections(sb)[WEBHOOK], bodyTemplate: '{"to": "{{phone}}"}' };
		await expect(credential.authenticate(data, { url: String(data.url), method: 'POST', headers: {} })).resolves.toBeDefined();
	});
});
