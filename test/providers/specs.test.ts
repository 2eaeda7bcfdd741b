import {
	buildMetaMessageValidator,
	META_SCHEMA_CORRECTIONS,
	metaSendExamples,
	metaWebhookExamples,
	parseForm,
	twilioMessageResourceExample,
	validateMetaMessage,
	validateTwilioCreateMessage,
	validateTwilioMessageResource,
	type MetaMessageValidator,
} from '../helpers/specs';

const TO = '15551234567';

/** A minimal valid text message, the base of most malformed variants below. */
function textMessage(extra: Record<string, unknown> = {}): Record<string, unknown> {
	return { messaging_product: 'whatsapp', recipient_type: 'individual', to: TO, type: 'text', text: { body: 'Hi' }, ...extra };
}

function without(body: Record<string, unknown>, key: string): Record<string, unknown> {
	const copy = { ...body };
	delete copy[key];
	return copy;
}

function replyButton(n: number) {
	return { type: 'reply', reply: { id: `btn-${n}`, title: `Option ${n}` } };
}

function interactive(action: Record<string, unknown>, type = 'button'): Record<string, unknown> {
	return {
		messaging_product: 'whatsapp',
		to: TO,
		type: 'interactive',
		interactive: { type, body: { text: 'Choose' }, action },
	};
}

const MARK_AS_READ = { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQTk=' };

/** Bodies the Cloud API accepts, beyond the spec's examples. */
const VALID_BODIES: Array<[string, unknown]> = [
	['text message', textMessage()],
	['text message without type and recipient_type', without(without(textMessage(), 'type'), 'recipient_type')],
	['text message to a business-scoped user ID (recipient, no to)', { ...without(textMessage(), 'to'), recipient: 'US.13491208655302741918' }],
	['text message to a parent BSUID', { ...without(textMessage(), 'to'), recipient: 'US.ENT.11815799212886844830' }],
	['image by link with caption', { messaging_product: 'whatsapp', to: TO, type: 'image', image: { link: 'https://example.com/a.jpg', caption: 'A' } }],
	['reply buttons (3)', interactive({ buttons: [replyButton(1), replyButton(2), replyButton(3)] })],
	[
		'template with a location header and a named body parameter',
		{
			messaging_product: 'whatsapp',
			to: TO,
			type: 'template',
			template: {
				name: 'store_visit',
				language: { code: 'en_US' },
				components: [
					{ type: 'header', parameters: [{ type: 'location', location: { latitude: 37.48, longitude: -122.15, name: 'HQ' } }] },
					{ type: 'body', parameters: [{ type: 'text', text: 'Ana', parameter_name: 'customer_name' }] },
				],
			},
		},
	],
	['text with tracking data', textMessage({ biz_opaque_callback_data: 'campaign-7' })],
	[
		'contact with a CELL phone',
		{ messaging_product: 'whatsapp', to: TO, type: 'contacts', contacts: [{ name: { formatted_name: 'Ana' }, phones: [{ phone: '+1 650 555 1234', type: 'CELL' }] }] },
	],
	['mark as read', MARK_AS_READ],
	['mark as read with typing indicator', { ...MARK_AS_READ, typing_indicator: { type: 'text' } }],
	[
		'template with string index and upper-case sub_type',
		{
			messaging_product: 'whatsapp',
			to: TO,
			type: 'template',
			template: {
				name: 'order_update',
				language: { code: 'en_US' },
				components: [
					{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] },
					{ type: 'button', sub_type: 'URL', index: '1', parameters: [{ type: 'text', text: 'track/42' }] },
				],
			},
		},
	],
];

/** Bodies the Cloud API rejects: each must fail validation. */
const MALFORMED_BODIES: Array<[string, unknown]> = [
	['missing to', without(textMessage(), 'to')],
	['recipient that is a phone number, not a BSUID', { ...without(textMessage(), 'to'), recipient: '+15551234567' }],
	['missing messaging_product', without(textMessage(), 'messaging_product')],
	['text without body', textMessage({ text: { preview_url: true } })],
	['type image without image', without(textMessage({ type: 'image' }), 'text')],
	['image with neither id nor link', { messaging_product: 'whatsapp', to: TO, type: 'image', image: { caption: 'A' } }],
	['interactive button with 4 buttons', interactive({ buttons: [1, 2, 3, 4].map(replyButton) })],
	['interactive button with a reply lacking a title', interactive({ buttons: [{ type: 'reply', reply: { id: 'a' } }] })],
	[
		'interactive button carrying a list action',
		interactive({ button: 'Menu', sections: [{ title: 'S', rows: [{ id: 'r1', title: 'Row 1' }] }] }),
	],
	['interactive list without sections', interactive({ button: 'Menu' }, 'list')],
	[
		'template without name',
		{ messaging_product: 'whatsapp', to: TO, type: 'template', template: { language: { code: 'en_US' } } },
	],
	[
		'template body text parameter without text',
		{
			messaging_product: 'whatsapp',
			to: TO,
			type: 'template',
			template: { name: 'hello', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text' }] }] },
		},
	],
	['unknown top-level field', textMessage({ foo: 'bar' })],
	['type/content mismatch (type image, text content)', textMessage({ type: 'image' })],
	['type/content mismatch (type text, image content)', without(textMessage({ image: { id: '123' } }), 'text')],
	[
		'location latitude as a string',
		{
			messaging_product: 'whatsapp',
			to: TO,
			type: 'location',
			location: { latitude: '37.758056', longitude: -122.425332, name: 'HQ' },
		},
	],
	['mark as read with another status', { ...MARK_AS_READ, status: 'delivered' }],
];

describe('Meta POST /messages body validation', () => {
	const examples = metaSendExamples();

	it('finds the spec examples', () => {
		expect(examples.length).toBeGreaterThanOrEqual(40);
		expect(examples.map((e) => e.name)).toContain('Send Text Message');
	});

	it.each(examples.map((e) => [e.name, e.body] as const))('accepts spec example "%s"', (_name, body) => {
		expect(validateMetaMessage(body)).toEqual({ valid: true, errors: [] });
	});

	it.each(VALID_BODIES)('accepts %s', (_name, body) => {
		expect(validateMetaMessage(body)).toEqual({ valid: true, errors: [] });
	});

	it.each(MALFORMED_BODIES)('rejects %s', (_name, body) => {
		const result = validateMetaMessage(body);
		expect(result.valid).toBe(false);
		expect(result.errors.length).toBeGreaterThan(0);
	});

	it('reports the errors of the intended message type', () => {
		expect(validateMetaMessage(textMessage({ foo: 'bar' })).errors).toEqual([
			'(root) must NOT have unevaluated properties: foo',
		]);
		expect(validateMetaMessage(textMessage({ text: {} })).errors).toEqual([
			"/text must have required property 'body'",
		]);
		expect(validateMetaMessage({ ...MARK_AS_READ, status: 'delivered' }).errors).toEqual([
			'/status must be equal to one of the allowed values: read',
		]);
	});

	it('returns fresh copies of the examples', () => {
		const first = metaSendExamples()[0].body as Record<string, unknown>;
		first.to = 'changed';
		expect((metaSendExamples()[0].body as Record<string, unknown>).to).not.toBe('changed');
	});
});

describe('META_SCHEMA_CORRECTIONS', () => {
	const cases: Array<{ name: string; body: unknown; expected: boolean }> = [
		...metaSendExamples().map((e) => ({ name: `example "${e.name}"`, body: e.body, expected: true })),
		...VALID_BODIES.map(([name, body]) => ({ name, body, expected: true })),
		...MALFORMED_BODIES.map(([name, body]) => ({ name, body, expected: false })),
	];

	const flips = (validate: MetaMessageValidator) =>
		cases.filter((c) => validate(c.body).valid !== c.expected).map((c) => c.name);

	it('have unique ids and a reason each', () => {
		const ids = META_SCHEMA_CORRECTIONS.map((c) => c.id);
		expect(new Set(ids).size).toBe(ids.length);
		for (const correction of META_SCHEMA_CORRECTIONS) expect(correction.reason.length).toBeGreaterThan(40);
	});

	it('with all corrections, every verdict is as expected', () => {
		expect(flips(buildMetaMessageValidator())).toEqual([]);
	});

	it('without any correction, the spec accepts none of its own examples', () => {
		const validate = buildMetaMessageValidator([]);
		const accepted = metaSendExamples().filter((e) => validate(e.body).valid);
		expect(accepted).toEqual([]);
	});

	it.each(META_SCHEMA_CORRECTIONS.map((c) => [c.id]))('"%s" is needed', (id) => {
		const validate = buildMetaMessageValidator(META_SCHEMA_CORRECTIONS.filter((c) => c.id !== id));
		expect(flips(validate).length).toBeGreaterThan(0);
	});

	it('do not modify the loaded spec', () => {
		const before = metaSendExamples().length;
		buildMetaMessageValidator();
		expect(buildMetaMessageValidator([])(textMessage()).valid).toBe(false);
		expect(metaSendExamples()).toHaveLength(before);
	});
});

describe('Meta webhook examples', () => {
	it('lists every /whatsapp/webhooks payload example, named', () => {
		const examples = metaWebhookExamples();
		expect(examples.length).toBeGreaterThanOrEqual(10);
		expect(new Set(examples.map((e) => e.name)).size).toBe(examples.length);
		for (const { name, body } of examples) {
			expect(typeof name).toBe('string');
			expect(body).toEqual(
				expect.objectContaining({ object: 'whatsapp_business_account', entry: expect.any(Array) }),
			);
			expect((body as { entry: unknown[] }).entry.length).toBeGreaterThan(0);
		}
		expect(examples.map((e) => e.name)).toEqual(expect.arrayContaining(['Text Message', 'Image Message']));
	});
});

describe('Twilio Messages create parameters', () => {
	const WA_TO = 'whatsapp:+15551234567';
	const WA_FROM = 'whatsapp:+14155238886';
	const MG = `MG${'a1'.repeat(16)}`;
	const HX = `HX${'b2'.repeat(16)}`;

	it.each<[string, Record<string, string | string[]>]>([
		['From + Body', { To: WA_TO, From: WA_FROM, Body: 'Hello' }],
		['MessagingServiceSid + ContentSid + ContentVariables', { To: WA_TO, MessagingServiceSid: MG, ContentSid: HX, ContentVariables: '{"1":"Ana","2":"42"}' }],
		['several MediaUrl', { To: WA_TO, From: WA_FROM, MediaUrl: ['https://example.com/a.jpg', 'https://example.com/b.pdf'] }],
		['a single MediaUrl as a string', { To: WA_TO, From: WA_FROM, MediaUrl: 'https://example.com/a.jpg' }],
		['StatusCallback and typed options', { To: WA_TO, From: WA_FROM, Body: 'Hi', StatusCallback: 'https://n8n.example.com/webhook/status', ProvideFeedback: 'true', ValidityPeriod: '600', ContentRetention: 'retain' }],
	])('accepts %s', (_name, params) => {
		expect(validateTwilioCreateMessage(params)).toEqual({ valid: true, errors: [] });
	});

	it.each<[string, Record<string, string | string[]>]>([
		['an unknown parameter', { To: WA_TO, From: WA_FROM, Body: 'Hi', Text: 'Hi' }],
		['a lower-case parameter name', { to: WA_TO, From: WA_FROM, Body: 'Hi' }],
		['missing To', { From: WA_FROM, Body: 'Hi' }],
		['neither From nor MessagingServiceSid', { To: WA_TO, Body: 'Hi' }],
		['an empty From without a Messaging Service', { To: WA_TO, From: '', Body: 'Hi' }],
		['no content (Body, MediaUrl or ContentSid)', { To: WA_TO, From: WA_FROM }],
		['StatusCallback that is not a URI', { To: WA_TO, From: WA_FROM, Body: 'Hi', StatusCallback: 'not a url' }],
		['MediaUrl that is not a URI', { To: WA_TO, From: WA_FROM, MediaUrl: ['https://example.com/a.jpg', 'nope'] }],
		['malformed ContentSid', { To: WA_TO, From: WA_FROM, ContentSid: 'HX123' }],
		['ContentVariables without ContentSid', { To: WA_TO, From: WA_FROM, Body: 'Hi', ContentVariables: '{"1":"a"}' }],
		['ContentVariables that is not a JSON object', { To: WA_TO, MessagingServiceSid: MG, ContentSid: HX, ContentVariables: 'Ana' }],
		['a value outside the enum', { To: WA_TO, From: WA_FROM, Body: 'Hi', ContentRetention: 'keep' }],
		['a non-boolean boolean', { To: WA_TO, From: WA_FROM, Body: 'Hi', ProvideFeedback: 'maybe' }],
		['two Body values', { To: WA_TO, From: WA_FROM, Body: ['a', 'b'] }],
	])('rejects %s', (_name, params) => {
		const result = validateTwilioCreateMessage(params);
		expect(result.valid).toBe(false);
		expect(result.errors.length).toBeGreaterThan(0);
	});

	it('names the unknown parameter', () => {
		expect(validateTwilioCreateMessage({ To: WA_TO, From: WA_FROM, Body: 'Hi', Text: 'Hi' }).errors).toEqual([
			'(root) must NOT have additional properties: Text',
		]);
	});

	it('does not modify the parameters it checks', () => {
		const params = { To: WA_TO, From: WA_FROM, MediaUrl: 'https://example.com/a.jpg', ProvideFeedback: 'true' };
		validateTwilioCreateMessage(params);
		expect(params).toEqual({ To: WA_TO, From: WA_FROM, MediaUrl: 'https://example.com/a.jpg', ProvideFeedback: 'true' });
	});

	it('parseForm turns repeated keys into arrays', () => {
		const raw = new URLSearchParams([
			['To', WA_TO],
			['From', WA_FROM],
			['Body', 'Olá & adeus'],
			['MediaUrl', 'https://example.com/a.jpg'],
			['MediaUrl', 'https://example.com/b.jpg'],
			['MediaUrl', 'https://example.com/c.jpg'],
		]).toString();
		const params = parseForm(raw);
		expect(params).toEqual({
			To: WA_TO,
			From: WA_FROM,
			Body: 'Olá & adeus',
			MediaUrl: ['https://example.com/a.jpg', 'https://example.com/b.jpg', 'https://example.com/c.jpg'],
		});
		expect(validateTwilioCreateMessage(params).valid).toBe(true);
	});
});

describe('Twilio Message resource', () => {
	it('builds a realistic example that matches the response schema', () => {
		const message = twilioMessageResourceExample();
		expect(validateTwilioMessageResource(message)).toEqual({ valid: true, errors: [] });
		expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
		expect(message.account_sid).toMatch(/^AC[0-9a-f]{32}$/);
		expect(message.status).toBe('queued');
		expect(message.uri).toBe(`/2010-04-01/Accounts/${String(message.account_sid)}/Messages/${String(message.sid)}.json`);
		expect(twilioMessageResourceExample().sid).not.toBe(message.sid);
	});

	it('applies overrides', () => {
		const message = twilioMessageResourceExample({ to: 'whatsapp:+15551234567', body: 'Hi', status: 'sent' });
		expect(message).toEqual(expect.objectContaining({ to: 'whatsapp:+15551234567', body: 'Hi', status: 'sent' }));
		expect(validateTwilioMessageResource(message).valid).toBe(true);
	});

	it.each<[string, Record<string, unknown>]>([
		['an unknown status', { status: 'bogus' }],
		['a malformed sid', { sid: 'SM123' }],
		['a non-RFC 2822 date', { date_created: '2024-01-01T00:00:00Z' }],
		['a string error_code', { error_code: '63016' }],
	])('rejects %s', (_name, overrides) => {
		expect(validateTwilioMessageResource(twilioMessageResourceExample(overrides)).valid).toBe(false);
	});
});
