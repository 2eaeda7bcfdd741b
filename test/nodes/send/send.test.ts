import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { startSandbox, type RecordedRequest, type Sandbox } from '../../../sandbox';
import { accounts, connections, expectNoSecrets, META, TWILIO, WEBHOOK } from '../../helpers/fixtures';
import { runSendWhatsApp, type RunResult } from '../../helpers/n8n';
import { parseForm, validateMetaMessage, validateTwilioCreateMessage } from '../../helpers/specs';

let sb: Sandbox;

beforeAll(async () => {
	sb = await startSandbox();
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

const TO = '+1 (415) 555-0123';
const TO_E164 = '+14155550123';

async function send(
	provider: string,
	parameters: IDataObject,
	options: { items?: INodeExecutionData[]; continueOnFail?: boolean; credentials?: IDataObject } = {},
): Promise<RunResult> {
	const credentials = { [provider]: { ...connections(sb)[provider], ...(options.credentials ?? {}) } };
	const result = await runSendWhatsApp({
		parameters: { authentication: provider, to: TO, ...parameters },
		credentials,
		items: options.items,
		continueOnFail: options.continueOnFail,
	});
	expectNoSecrets(result.output);
	expectNoSecrets(result.error && { message: result.error.message, description: result.error.description, context: result.error.context });
	return result;
}

const requestsOf = (provider: RecordedRequest['provider'], pathPart = '') =>
	sb.requests.filter((request) => request.provider === provider && request.path.includes(pathPart));

function json(result: RunResult): IDataObject[] {
	if (result.error) throw result.error;
	return result.output![0].map((item) => item.json);
}

/** The one Twilio create-message request, its parameters checked against the official spec. */
function twilioParams(): Record<string, string | string[]> {
	const [request] = requestsOf('twilio', '/Messages.json');
	expect(request).toBeDefined();
	expect(request.method).toBe('POST');
	const params = parseForm(request.rawBody.toString());
	expect(validateTwilioCreateMessage(params)).toEqual({ valid: true, errors: [] });
	const basic = Buffer.from(`${accounts.twilio.accountSid}:${accounts.twilio.authToken}`).toString('base64');
	expect(request.headers.authorization).toBe(`Basic ${basic}`);
	return params;
}

/** The Meta send requests, each body validated against the corrected `Message` schema. */
function metaBodies(): IDataObject[] {
	const requests = requestsOf('meta', '/messages');
	expect(requests.length).toBeGreaterThan(0);
	return requests.map((request) => {
		expect(request.path).toBe(`/meta/v23.0/${accounts.meta.phoneNumberId}/messages`);
		expect(request.headers.authorization).toBe(`Bearer ${accounts.meta.accessToken}`);
		const body = JSON.parse(request.rawBody.toString()) as IDataObject;
		expect(validateMetaMessage(body)).toEqual({ valid: true, errors: [] });
		return body;
	});
}

function gatewayBodies(): IDataObject[] {
	return requestsOf('gateway').map((request) => {
		expect(request.headers.authorization).toBe(`Bearer ${accounts.gateway.authToken}`);
		expect(request.headers['x-tenant']).toBe('acme-tenant-key');
		expect(request.headers['content-type']).toMatch(/^application\/json/);
		return JSON.parse(request.rawBody.toString()) as IDataObject;
	});
}

const binaryItem = (data: Buffer, mimeType: string, fileName: string): INodeExecutionData => ({
	json: {},
	binary: { data: { data: data.toString('base64'), mimeType, fileName } },
});

describe('Twilio', () => {
	it('sends a text with whatsapp: addresses and Basic auth, and outputs the message', async () => {
		const [out] = json(await send(TWILIO, { messageType: 'text', text: 'Hello from n8n' }));
		const params = twilioParams();
		expect(params).toEqual({ To: `whatsapp:${TO_E164}`, From: 'whatsapp:+14155238886', Body: 'Hello from n8n' });
		expect(out).toEqual({ provider: 'twilio', messageId: expect.stringMatching(/^SM[0-9a-f]{32}$/), to: TO_E164, status: 'queued', raw: expect.objectContaining({ body: 'Hello from n8n' }) });
	});

	it('sends through the Messaging Service instead of From when one is set', async () => {
		json(await send(TWILIO, { messageType: 'text', text: 'Hi' }, { credentials: { messagingServiceSid: accounts.twilio.messagingServiceSid } }));
		const params = twilioParams();
		expect(params.MessagingServiceSid).toBe(accounts.twilio.messagingServiceSid);
		expect(params.From).toBeUndefined();
	});

	it('never doubles the whatsapp: prefix', async () => {
		json(await send(TWILIO, { to: 'whatsapp:+14155550123', messageType: 'text', text: 'Hi' }, { credentials: { from: 'whatsapp:+14155238886' } }));
		expect(twilioParams()).toMatchObject({ To: 'whatsapp:+14155550123', From: 'whatsapp:+14155238886' });
	});

	it('sends media by URL with its caption, and the status callback and validity options', async () => {
		json(
			await send(TWILIO, {
				messageType: 'media',
				mediaType: 'image',
				mediaSource: 'url',
				mediaUrl: 'https://example.com/cat.jpg',
				caption: 'A cat',
				options: { statusCallbackUrl: 'https://n8n.example.com/webhook/status', validityPeriod: 600 },
			}),
		);
		expect(twilioParams()).toMatchObject({
			MediaUrl: 'https://example.com/cat.jpg',
			Body: 'A cat',
			StatusCallback: 'https://n8n.example.com/webhook/status',
			ValidityPeriod: '600',
		});
	});

	it('sends a Content template with its variables', async () => {
		json(
			await send(TWILIO, {
				messageType: 'template',
				contentSid: 'HXb5b62575e6e4ff6129ad7c8efe1f983e',
				templateVariables: { variable: [{ name: '1', value: 'Ana' }, { name: '2', value: 'Tuesday "3pm"' }] },
			}),
		);
		const params = twilioParams();
		expect(params.ContentSid).toBe('HXb5b62575e6e4ff6129ad7c8efe1f983e');
		expect(JSON.parse(params.ContentVariables as string)).toEqual({ 1: 'Ana', 2: 'Tuesday "3pm"' });
	});

	it('sends a location as a geo persistent action', async () => {
		json(await send(TWILIO, { messageType: 'location', latitude: 37.787890, longitude: -122.391664, locationName: 'Twilio HQ' }));
		expect(twilioParams()).toMatchObject({ PersistentAction: 'geo:37.78789,-122.391664|Twilio HQ', Body: 'Twilio HQ' });
	});

	it.each([
		['a binary file', { messageType: 'media', mediaSource: 'binary' }, /only public media URLs/],
		['interactive buttons', { messageType: 'buttons', interactiveBody: 'Pick', replyButtons: { button: [{ id: 'a', title: 'A' }] } }, /Content template/],
		['a reaction', { messageType: 'reaction', reactionMessageId: 'SM1', emoji: '👍' }, /Meta Cloud API/],
	])('explains that Twilio cannot send %s, and sends nothing', async (_name, parameters, hint) => {
		const result = await send(TWILIO, parameters, { items: [binaryItem(Buffer.from('x'), 'image/png', 'a.png')] });
		expect(result.error).toBeDefined();
		expect(`${result.error!.message} ${result.error!.description ?? ''}`).toMatch(hint);
		expect(sb.requests).toHaveLength(0);
	});

	it('maps 63016 (outside the 24-hour window) to "send a template", keeping the code', async () => {
		sb.failNext({ provider: 'twilio', status: 400, body: { code: 63016, message: 'Failed to send freeform message because you are outside the allowed window.', more_info: 'https://www.twilio.com/docs/errors/63016', status: 400 } });
		const result = await send(TWILIO, { messageType: 'text', text: 'Hi' });
		expect(result.error!.message).toContain('63016');
		expect(result.error!.description).toMatch(/template/i);
		expect(result.error!.context).toMatchObject({ providerCode: 63016, provider: 'twilio' });
	});

	it('reports a wrong Auth Token as Twilio 20003 without revealing the token', async () => {
		const result = await send(TWILIO, { messageType: 'text', text: 'Hi' }, { credentials: { authToken: 'wrong-token-value-123' } });
		expect(result.error!.message).toContain('20003');
		expect(result.error!.description).toMatch(/Auth Token/);
		expect(JSON.stringify({ m: result.error!.message, d: result.error!.description })).not.toContain('wrong-token-value-123');
	});

	it('refuses a From Number that is not a phone number before sending', async () => {
		const result = await send(TWILIO, { messageType: 'text', text: 'Hi' }, { credentials: { from: 'my-sender' } });
		expect(result.error!.message).toMatch(/From Number "my-sender" is not a phone number/);
		expect(sb.requests).toHaveLength(0);
	});

	it('refuses a malformed Account SID before sending', async () => {
		const result = await send(TWILIO, { messageType: 'text', text: 'Hi' }, { credentials: { accountSid: 'AC123' } });
		expect(result.error!.message).toMatch(/Account SID is not valid/);
		expect(sb.requests).toHaveLength(0);
	});
});

describe('Meta Cloud API', () => {
	it('sends a text as digits with Bearer auth; the body follows the spec', async () => {
		const [out] = json(await send(META, { messageType: 'text', text: 'See https://n8n.io', options: { previewUrl: true, replyTo: 'wamid.ABC', trackingData: 'campaign-7' } }));
		const [body] = metaBodies();
		expect(body).toEqual({
			messaging_product: 'whatsapp',
			recipient_type: 'individual',
			to: '14155550123',
			type: 'text',
			text: { body: 'See https://n8n.io', preview_url: true },
			context: { message_id: 'wamid.ABC' },
			biz_opaque_callback_data: 'campaign-7',
		});
		expect(out).toEqual({ provider: 'meta', messageId: expect.stringMatching(/^wamid\./), to: TO_E164, status: expect.any(String), raw: expect.objectContaining({ messaging_product: 'whatsapp' }) });
	});

	it.each([
		['image by URL with caption', { mediaType: 'image', mediaSource: 'url', mediaUrl: 'https://example.com/a.jpg', caption: 'Look' }, { image: { link: 'https://example.com/a.jpg', caption: 'Look' } }],
		['video by ID', { mediaType: 'video', mediaSource: 'id', mediaId: '1234567890', caption: 'Clip' }, { video: { id: '1234567890', caption: 'Clip' } }],
		['document with file name', { mediaType: 'document', mediaSource: 'url', mediaUrl: 'https://example.com/i.pdf', fileName: 'invoice.pdf', caption: 'Your invoice' }, { document: { link: 'https://example.com/i.pdf', filename: 'invoice.pdf', caption: 'Your invoice' } }],
		['audio (no caption)', { mediaType: 'audio', mediaSource: 'url', mediaUrl: 'https://example.com/a.ogg' }, { audio: { link: 'https://example.com/a.ogg' } }],
		['sticker', { mediaType: 'sticker', mediaSource: 'id', mediaId: '555' }, { sticker: { id: '555' } }],
	])('sends media: %s', async (_name, parameters, expected) => {
		json(await send(META, { messageType: 'media', ...parameters }));
		const [body] = metaBodies();
		expect(body).toMatchObject({ type: Object.keys(expected)[0], ...expected });
	});

	it('uploads a binary file to /media first, then sends it by ID', async () => {
		const file = Buffer.from('%PDF-1.4 test document bytes');
		const [out] = json(await send(META, { messageType: 'media', mediaType: 'document', mediaSource: 'binary', binaryPropertyName: 'data' }, { items: [binaryItem(file, 'application/pdf', 'report.pdf')] }));
		const [upload] = requestsOf('meta', '/media');
		expect(upload.headers.authorization).toBe(`Bearer ${accounts.meta.accessToken}`);
		const multipart = upload.body as { fields: Record<string, string>; files: Array<{ filename: string; contentType: string; data: Buffer }> };
		expect(multipart.fields).toMatchObject({ messaging_product: 'whatsapp', type: 'application/pdf' });
		expect(multipart.files[0]).toMatchObject({ filename: 'report.pdf', contentType: 'application/pdf' });
		expect(Buffer.from(multipart.files[0].data).equals(file)).toBe(true);
		const [body] = metaBodies();
		const uploadedId = (upload.response as { id: string }).id;
		expect(body.document).toEqual({ id: uploadedId, filename: 'report.pdf' });
		expect(out.messageId).toMatch(/^wamid\./);
	});

	it('sends a template with header, every body parameter type and every button kind', async () => {
		json(
			await send(META, {
				messageType: 'template',
				templateName: 'order_update',
				templateLanguage: 'pt_BR',
				templateHeader: 'image',
				headerMediaSource: 'url',
				headerMedia: 'https://example.com/banner.jpg',
				bodyParameters: {
					parameter: [
						{ type: 'text', text: 'Ana', name: 'customer_name' },
						{ type: 'currency', fallback: '$100.99', currencyCode: 'USD', amount: 100.99 },
						{ type: 'date_time', fallback: 'February 25, 1977' },
					],
				},
				templateButtons: {
					button: [
						{ type: 'quick_reply', index: 0, payload: 'STOP' },
						{ type: 'url', index: 1, text: 'order/123' },
						{ type: 'copy_code', index: 2, couponCode: 'SAVE10' },
						{ type: 'flow', index: 3, flowToken: 'flow-token-1', flowActionData: '{"screen":"WELCOME"}' },
					],
				},
			}),
		);
		const [body] = metaBodies();
		expect(body.template).toEqual({
			name: 'order_update',
			language: { code: 'pt_BR', policy: 'deterministic' },
			components: [
				{ type: 'header', parameters: [{ type: 'image', image: { link: 'https://example.com/banner.jpg' } }] },
				{
					type: 'body',
					parameters: [
						{ type: 'text', text: 'Ana', parameter_name: 'customer_name' },
						{ type: 'currency', currency: { fallback_value: '$100.99', code: 'USD', amount_1000: 100990 } },
						{ type: 'date_time', date_time: { fallback_value: 'February 25, 1977' } },
					],
				},
				{ type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'STOP' }] },
				{ type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'order/123' }] },
				{ type: 'button', sub_type: 'copy_code', index: '2', parameters: [{ type: 'coupon_code', coupon_code: 'SAVE10' }] },
				{ type: 'button', sub_type: 'flow', index: '3', parameters: [{ type: 'action', action: { flow_token: 'flow-token-1', flow_action_data: { screen: 'WELCOME' } } }] },
			],
		});
	});

	it.each([
		['text', { templateHeader: 'text', headerText: 'Hi Ana' }, { type: 'text', text: 'Hi Ana' }],
		['video by ID', { templateHeader: 'video', headerMediaSource: 'id', headerMedia: '777' }, { type: 'video', video: { id: '777' } }],
		['document', { templateHeader: 'document', headerMedia: 'https://example.com/t.pdf', headerFileName: 'terms.pdf' }, { type: 'document', document: { link: 'https://example.com/t.pdf', filename: 'terms.pdf' } }],
		['location', { templateHeader: 'location', headerLocation: { latitude: 52.52, longitude: 13.405, name: 'Store' } }, { type: 'location', location: { latitude: 52.52, longitude: 13.405, name: 'Store' } }],
	])('sends a template header: %s', async (_name, parameters, parameter) => {
		json(await send(META, { messageType: 'template', templateName: 'notice', ...parameters }));
		const [body] = metaBodies();
		expect((body.template as IDataObject).components).toEqual([{ type: 'header', parameters: [parameter] }]);
	});

	it('sends up to three reply buttons', async () => {
		json(await send(META, { messageType: 'buttons', interactiveHeader: 'Order 123', interactiveBody: 'Confirm?', interactiveFooter: 'Reply below', replyButtons: { button: [{ id: 'yes', title: 'Yes' }, { id: 'no', title: 'No' }] } }));
		const [body] = metaBodies();
		expect(body.interactive).toEqual({
			type: 'button',
			header: { type: 'text', text: 'Order 123' },
			body: { text: 'Confirm?' },
			footer: { text: 'Reply below' },
			action: { buttons: [{ type: 'reply', reply: { id: 'yes', title: 'Yes' } }, { type: 'reply', reply: { id: 'no', title: 'No' } }] },
		});
	});

	it('refuses four reply buttons before sending', async () => {
		const buttons = ['a', 'b', 'c', 'd'].map((id) => ({ id, title: id }));
		const result = await send(META, { messageType: 'buttons', interactiveBody: 'Pick', replyButtons: { button: buttons } });
		expect(result.error!.message).toMatch(/1 to 3 buttons, got 4/);
		expect(sb.requests).toHaveLength(0);
	});

	it('sends a list, grouping rows by section', async () => {
		json(
			await send(META, {
				messageType: 'list',
				interactiveBody: 'Choose a delivery',
				listButton: 'Options',
				listRows: { row: [
					{ section: 'Fast', id: 'express', title: 'Express', description: 'Next day' },
					{ section: 'Fast', id: 'priority', title: 'Priority' },
					{ section: 'Cheap', id: 'ground', title: 'Ground' },
				] },
			}),
		);
		const [body] = metaBodies();
		expect((body.interactive as IDataObject).action).toEqual({
			button: 'Options',
			sections: [
				{ title: 'Fast', rows: [{ id: 'express', title: 'Express', description: 'Next day' }, { id: 'priority', title: 'Priority' }] },
				{ title: 'Cheap', rows: [{ id: 'ground', title: 'Ground' }] },
			],
		});
	});

	it('sends location, contacts and a reaction', async () => {
		json(await send(META, { messageType: 'location', latitude: 37.4421, longitude: -122.1616, locationName: 'Philz', locationAddress: '101 Forest Ave' }));
		json(await send(META, { messageType: 'contacts', contacts: { contact: [{ formattedName: 'Lucía Gómez', firstName: 'Lucía', phone: '+1 983 555 2319', phoneType: 'CELL', email: 'lucia@example.com', organization: 'ACME', url: 'https://acme.example' }] } }));
		json(await send(META, { messageType: 'reaction', reactionMessageId: 'wamid.XYZ', emoji: '👍' }));
		const [location, contacts, reaction] = metaBodies();
		expect(location.location).toEqual({ latitude: 37.4421, longitude: -122.1616, name: 'Philz', address: '101 Forest Ave' });
		expect(contacts.contacts).toEqual([{ name: { formatted_name: 'Lucía Gómez', first_name: 'Lucía' }, phones: [{ phone: '+1 983 555 2319', type: 'CELL' }], emails: [{ email: 'lucia@example.com', type: 'WORK' }], org: { company: 'ACME' }, urls: [{ url: 'https://acme.example', type: 'WORK' }] }]);
		expect(reaction.reaction).toEqual({ message_id: 'wamid.XYZ', emoji: '👍' });
	});

	it('sends to a WhatsApp group by its group ID', async () => {
		json(await send(META, { to: 'Y2FwaV9ncm91cDoxODA1NTU1MDE3MjoxMjAz', messageType: 'text', text: 'Hi all', options: { recipientType: 'group' } }));
		expect(metaBodies()[0]).toMatchObject({ recipient_type: 'group', to: 'Y2FwaV9ncm91cDoxODA1NTU1MDE3MjoxMjAz' });
	});

	it('marks a message as read, with the typing indicator', async () => {
		const [out] = json(await send(META, { operation: 'markAsRead', readMessageId: 'wamid.IN1', typingIndicator: true }));
		const [body] = metaBodies();
		expect(body).toEqual({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.IN1', typing_indicator: { type: 'text' } });
		expect(out).toMatchObject({ provider: 'meta', messageId: 'wamid.IN1', status: 'read' });
	});

	it('maps 131047 (24-hour window) to "send an approved template", keeping code and fbtrace_id', async () => {
		sb.failNext({ provider: 'meta', status: 400, body: { error: { message: '(#131047) Re-engagement message', type: 'OAuthException', code: 131047, error_data: { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' }, fbtrace_id: 'AbCdEfG123' } } });
		const result = await send(META, { messageType: 'text', text: 'Hi' });
		expect(result.error!.message).toContain('131047');
		expect(result.error!.description).toMatch(/approved template/);
		expect(result.error!.description).toContain('AbCdEfG123');
		expect(result.error!.context).toMatchObject({ providerCode: 131047, fbtrace_id: 'AbCdEfG123' });
	});

	it('explains an invalid token (190) and an unknown phone number ID (100)', async () => {
		const badToken = await send(META, { messageType: 'text', text: 'Hi' }, { credentials: { accessToken: 'EAAwrongwrongwrong' } });
		expect(badToken.error!.message).toContain('190');
		expect(badToken.error!.description).toMatch(/access token/i);
		expect(badToken.error!.message).not.toContain('EAAwrongwrongwrong');
		const unknownNumber = await send(META, { messageType: 'text', text: 'Hi' }, { credentials: { phoneNumberId: '999999999' } });
		expect(unknownNumber.error!.message).toContain('100');
		expect(unknownNumber.error!.description).toMatch(/Phone Number ID/);
	});
});

describe('Webhook gateway', () => {
	it('renders the body template with the neutral message, Bearer auth and the connection headers', async () => {
		const [out] = json(await send(WEBHOOK, { messageType: 'text', text: 'Hello' }));
		const [body] = gatewayBodies();
		expect(body).toEqual({
			to: TO_E164,
			type: 'text',
			text: 'Hello',
			message: { type: 'text', to: TO_E164, text: { body: 'Hello', previewUrl: false } },
			statusUrl: 'https://n8n.example.com/webhook/abc/whatsapp',
		});
		expect(out).toMatchObject({ provider: 'webhook', to: TO_E164, raw: expect.anything() });
		expect(out.messageId).not.toBe('');
	});

	it.each([
		'quote " backslash \\ newline \n tab \t',
		'emoji 😀 and {{to}} and }} {{',
		'", "to": "+19999999999", "x": "',
	])('keeps hostile text inside its field: %p', async (text) => {
		json(await send(WEBHOOK, { messageType: 'text', text }));
		const [body] = gatewayBodies();
		expect(body.to).toBe(TO_E164);
		expect(body.text).toBe(text);
		expect(Object.keys(body).sort()).toEqual(['message', 'statusUrl', 'text', 'to', 'type']);
	});

	it('hands a binary file over as base64 with MIME type and file name', async () => {
		const file = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]);
		json(
			await send(
				WEBHOOK,
				{ messageType: 'media', mediaType: 'image', mediaSource: 'binary', caption: 'Chart' },
				{ items: [binaryItem(file, 'image/png', 'chart.png')], credentials: { bodyTemplate: '{"to":"{{to}}","file":"{{mediaBase64}}","mime":"{{mimeType}}","name":"{{fileName}}","caption":"{{caption}}"}' } },
			),
		);
		const [body] = gatewayBodies();
		expect(body).toEqual({ to: TO_E164, file: file.toString('base64'), mime: 'image/png', name: 'chart.png', caption: 'Chart' });
	});

	it('hands template name and variables to the template', async () => {
		json(
			await send(
				WEBHOOK,
				{ messageType: 'template', templateName: 'welcome', templateLanguage: 'de', templateVariables: { variable: [{ name: 'name', value: 'Jörg' }] } },
				{ credentials: { bodyTemplate: '{"to":"{{to}}","template":"{{templateName}}","lang":"{{templateLanguage}}","vars":{{templateVariables}}}' } },
			),
		);
		expect(gatewayBodies()[0]).toEqual({ to: TO_E164, template: 'welcome', lang: 'de', vars: { name: 'Jörg' } });
	});

	it('sends interactive messages in the neutral message', async () => {
		json(await send(WEBHOOK, { messageType: 'buttons', interactiveBody: 'Pick', replyButtons: { button: [{ id: 'a', title: 'A' }] } }));
		expect(gatewayBodies()[0].message).toMatchObject({ type: 'interactive', interactive: { type: 'button', body: 'Pick', buttons: [{ id: 'a', title: 'A' }] } });
	});

	it('fails with the connection name when the template is not JSON, and sends nothing', async () => {
		const result = await send(WEBHOOK, { messageType: 'text', text: 'x' }, { credentials: { bodyTemplate: '{"to": "{{to}}",' } });
		expect(result.error!.message).toMatch(/not valid JSON/);
		expect(sb.requests).toHaveLength(0);
	});

	it('names an unknown placeholder', async () => {
		const result = await send(WEBHOOK, { messageType: 'text', text: 'x' }, { credentials: { bodyTemplate: '{"to": "{{recipient}}"}' } });
		expect(result.error!.message).toMatch(/\{\{recipient\}\}/);
		expect(sb.requests).toHaveLength(0);
	});

	it('reports a gateway error with its status', async () => {
		sb.failNext({ provider: 'gateway', status: 422, body: { error: { message: 'unknown recipient' } } });
		const result = await send(WEBHOOK, { messageType: 'text', text: 'x' });
		expect(result.error!.message).toMatch(/HTTP 422.*unknown recipient/);
	});
});

describe('network failures', () => {
	it('says nothing was sent when the provider cannot be reached', async () => {
		const closed = http.createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		const result = await send(META, { messageType: 'text', text: 'Hi', options: { maxAttempts: 2 } }, { credentials: { baseUrl: `http://127.0.0.1:${port}` } });
		expect(result.error!.message).toBe('Could not reach Meta Cloud API (ECONNREFUSED); nothing was sent');
		expect(result.error!.description).toMatch(/Base URL/);
	});

	it('reports "delivery unknown" for a connection reset after the request was sent, and does not resend', async () => {
		sb.failNext({ provider: 'meta', reset: true });
		const result = await send(META, { messageType: 'text', text: 'Hi' }, { continueOnFail: true });
		const [item] = result.output![0];
		expect(item.json).toMatchObject({ error: expect.stringMatching(/^Delivery unknown/), deliveryUnknown: true, to: TO_E164 });
		expect(item.json.description).toMatch(/not sent again/);
		expect(requestsOf('meta', '/messages')).toHaveLength(1);
	});

	it('resends after a reset only when the user allows it', async () => {
		sb.failNext({ provider: 'meta', reset: true });
		const [out] = json(await send(META, { messageType: 'text', text: 'Hi', options: { retryUnknownDelivery: true } }));
		expect(out).toMatchObject({ provider: 'meta', messageId: expect.stringMatching(/^wamid\./) });
		expect(requestsOf('meta', '/messages')).toHaveLength(2);
	});
});

describe('items', () => {
	const items = (n: number) => Array.from({ length: n }, (_, i) => ({ json: { i } }));

	it('fails a bad phone number alone, with its index and value; continueOnFail pairs every item', async () => {
		const result = await send(
			META,
			{ to: '={{ ["+14155550100", "not-a-number", "+14155550102"][$json.i] }}', messageType: 'text', text: 'Hi' },
			{ items: items(3), continueOnFail: true },
		);
		const output = result.output![0];
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].json).toMatchObject({ provider: 'meta', to: '+14155550100' });
		expect(output[1].json.error).toMatch(/Invalid recipient phone number "not-a-number" \(item 1\)/);
		expect(output[2].json).toMatchObject({ provider: 'meta', to: '+14155550102' });
		expect(metaBodies().map((body) => body.to).sort()).toEqual(['14155550100', '14155550102']);
	});

	it('stops with the item index when continueOnFail is off', async () => {
		const result = await send(META, { to: '={{ $json.i === 1 ? "12" : "+14155550100" }}', messageType: 'text', text: 'Hi' }, { items: items(2) });
		expect(result.error!.message).toMatch(/\(item 1\)/);
		expect((result.error as unknown as { context: IDataObject }).context.itemIndex).toBe(1);
	});

	it('keeps one output per input, in order, with provider errors as paired error items', async () => {
		sb.failNext({ provider: 'twilio', status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number.", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 } });
		const result = await send(TWILIO, { messageType: 'text', text: '={{ "Message " + $json.i }}', options: { concurrency: 1 } }, { items: items(4), continueOnFail: true });
		const output = result.output![0];
		expect(output).toHaveLength(4);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(output[0].json).toMatchObject({ error: expect.stringContaining('21211'), providerCode: 21211, itemIndex: 0, to: TO_E164 });
		for (const item of output.slice(1)) expect(item.json).toMatchObject({ provider: 'twilio', status: 'queued' });
	});
});
