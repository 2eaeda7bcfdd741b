/**
 * Pre-flight: every item is checked before the first send, against the limits of the chosen provider
 * and message type (declared once, as data, in the provider module). Under On Error: Stop nothing is
 * sent and one error lists every invalid item; under Continue (either output) the invalid items become
 * error items paired with their input, and the valid ones are sent.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { META_LIMITS } from '../../../nodes/shared/providers/meta/check';
import { TWILIO_LIMITS } from '../../../nodes/shared/providers/twilio/check';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { connections, expectNoSecrets, META, TWILIO, WEBHOOK } from '../../helpers/fixtures';
import { runSendWhatsApp, type RunOptions, type RunResult } from '../../helpers/n8n';

let sb: Sandbox;

beforeAll(async () => {
	sb = await startSandbox();
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

const TO = '+14155550123';
const items = (n: number): INodeExecutionData[] => Array.from({ length: n }, (_, i) => ({ json: { i } }));
const chars = (n: number) => 'x'.repeat(n);

async function send(
	provider: string,
	parameters: IDataObject,
	options: { items?: INodeExecutionData[]; onError?: RunOptions['onError']; credentials?: IDataObject } = {},
): Promise<RunResult> {
	const result = await runSendWhatsApp({
		parameters: { authentication: provider, to: TO, ...parameters },
		credentials: { [provider]: { ...connections(sb)[provider], ...(options.credentials ?? {}) } },
		items: options.items,
		onError: options.onError,
	});
	expectNoSecrets(result.output);
	expectNoSecrets(result.error && { message: result.error.message, description: result.error.description, context: result.error.context });
	return result;
}

type Listed = { itemIndex: number; field: string; value?: unknown; rule: string };
const listed = (result: RunResult) => (result.error?.context?.invalidItems ?? []) as Listed[];

/** One message with `parameters` must be refused before sending, naming `field` and `rule`. */
async function expectRefused(provider: string, parameters: IDataObject, field: string | RegExp, rule: RegExp) {
	const result = await send(provider, parameters);
	expect(result.error).toBeDefined();
	expect(result.error!.message).toMatch(/nothing was sent/);
	const [first] = listed(result);
	expect(first).toMatchObject({ itemIndex: 0, rule: expect.stringMatching(rule) });
	expect(first.field).toMatch(field);
	expect(sb.requests).toHaveLength(0);
}

async function expectSent(provider: string, parameters: IDataObject) {
	const result = await send(provider, parameters);
	expect(result.error).toBeUndefined();
	expect(result.output![0][0].json.messageId).toBeTruthy();
}

const buttons = (list: Array<[string, string]>) => ({ button: list.map(([id, title]) => ({ id, title })) });
const rows = (list: Array<{ id: string; title: string; section?: string; description?: string }>) => ({ row: list });

describe('Meta limits, each at its boundary', () => {
	it(`text: ${META_LIMITS.text} characters go, one more is refused`, async () => {
		await expectSent(META, { messageType: 'text', text: chars(META_LIMITS.text) });
		sb.reset();
		await expectRefused(META, { messageType: 'text', text: chars(META_LIMITS.text + 1) }, 'Text', new RegExp(`at most ${META_LIMITS.text} characters on Meta Cloud API \\(got ${META_LIMITS.text + 1}\\)`));
	});

	it('counts characters as the provider does (an emoji outside the BMP is two UTF-16 units)', async () => {
		await expectSent(META, { messageType: 'text', text: '😀'.repeat(META_LIMITS.text / 2) });
		sb.reset();
		await expectRefused(META, { messageType: 'text', text: `${'😀'.repeat(META_LIMITS.text / 2)}!` }, 'Text', /at most 4096/);
	});

	it(`caption: ${META_LIMITS.caption}`, async () => {
		const media = { messageType: 'media', mediaType: 'image', mediaSource: 'url', mediaUrl: 'https://example.com/a.png' };
		await expectSent(META, { ...media, caption: chars(META_LIMITS.caption) });
		sb.reset();
		await expectRefused(META, { ...media, caption: chars(META_LIMITS.caption + 1) }, 'Caption', /at most 1024/);
	});

	it('reply buttons: header, body and footer lengths, titles, IDs, count and duplicates', async () => {
		const base = { messageType: 'buttons', interactiveBody: 'Pick', replyButtons: buttons([['a', 'A']]) };
		await expectSent(META, {
			...base,
			interactiveHeader: chars(META_LIMITS.interactiveHeader),
			interactiveBody: chars(META_LIMITS.interactiveBody),
			interactiveFooter: chars(META_LIMITS.interactiveFooter),
			replyButtons: buttons([[chars(META_LIMITS.buttonId), chars(META_LIMITS.buttonTitle)]]),
		});
		sb.reset();
		await expectRefused(META, { ...base, interactiveHeader: chars(61) }, 'Header Text', /at most 60/);
		await expectRefused(META, { ...base, interactiveBody: chars(1025) }, 'Body Text', /at most 1024/);
		await expectRefused(META, { ...base, interactiveFooter: chars(61) }, 'Footer Text', /at most 60/);
		await expectRefused(META, { ...base, replyButtons: buttons([['a', chars(21)]]) }, 'Reply Buttons → button 1 → Title', /at most 20/);
		await expectRefused(META, { ...base, replyButtons: buttons([[chars(257), 'A']]) }, 'Reply Buttons → button 1 → ID', /at most 256/);
		await expectRefused(META, { ...base, replyButtons: buttons([['a', 'A'], ['a', 'B']]) }, 'Reply Buttons → ID', /must be unique/);
		await expectRefused(META, { ...base, replyButtons: buttons([['a', 'Same'], ['b', 'Same']]) }, 'Reply Buttons → Title', /must be unique/);
		await expectRefused(META, { ...base, replyButtons: buttons([['a', '']]) }, 'Reply Buttons → button 1 → Title', /must not be empty/);
		await expectRefused(META, { ...base, replyButtons: { button: [] } }, 'Reply Buttons', /needs 1 to 3 buttons, got 0/);
	});

	it('lists: button text, rows across sections, section titles, row fields, duplicate row IDs', async () => {
		const base = { messageType: 'list', interactiveBody: 'Pick', listButton: 'Choose' };
		const ten = Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}`, section: i < 5 ? 'One' : 'Two' }));
		await expectSent(META, { ...base, listRows: rows(ten) });
		sb.reset();
		await expectRefused(META, { ...base, listRows: rows([...ten, { id: 'r10', title: 'Row 10', section: 'Two' }]) }, 'List Rows', /needs 1 to 10 rows across all sections, got 11/);
		await expectRefused(META, { ...base, listButton: chars(21), listRows: rows([{ id: 'a', title: 'A' }]) }, 'List Button Text', /at most 20/);
		await expectRefused(META, { ...base, listRows: rows([{ id: 'a', title: 'A', section: 'One' }, { id: 'b', title: 'B' }]) }, 'List Rows → Section', /more than one section/);
		await expectRefused(META, { ...base, listRows: rows([{ id: 'a', title: 'A', section: chars(25) }]) }, 'List Rows → Section', /at most 24/);
		await expectRefused(META, { ...base, listRows: rows([{ id: 'a', title: chars(25) }]) }, 'List Rows → row 1 → Title', /at most 24/);
		await expectRefused(META, { ...base, listRows: rows([{ id: chars(201), title: 'A' }]) }, 'List Rows → row 1 → ID', /at most 200/);
		await expectRefused(META, { ...base, listRows: rows([{ id: 'a', title: 'A', description: chars(73) }]) }, 'List Rows → row 1 → Description', /at most 72/);
		await expectRefused(META, { ...base, listRows: rows([{ id: 'a', title: 'A' }, { id: 'a', title: 'B' }]) }, 'List Rows → ID', /must be unique/);
	});

	it('templates: name, header text, parameter shapes, button index and coupon code', async () => {
		const base = { messageType: 'template', templateName: 'order_update', templateLanguage: 'en_US' };
		await expectSent(META, { ...base, templateHeader: 'text', headerText: chars(META_LIMITS.templateHeaderText) });
		sb.reset();
		await expectRefused(META, { ...base, templateName: '' }, 'Template Name', /must not be empty/);
		await expectRefused(META, { ...base, templateHeader: 'text', headerText: chars(61) }, 'Header Text', /at most 60/);
		await expectRefused(META, { ...base, bodyParameters: { parameter: [{ type: 'text', text: '' }] } }, 'Body Parameters → parameter 1 → Text', /must not be empty/);
		await expectRefused(
			META,
			{ ...base, bodyParameters: { parameter: [{ type: 'currency', fallback: '$1', currencyCode: 'dollars', amount: 1 }] } },
			'Body Parameters → parameter 1 → Currency Code',
			/ISO 4217/,
		);
		await expectRefused(META, { ...base, templateButtons: { button: [{ type: 'quick_reply', index: 10, payload: 'p' }] } }, 'Buttons → button 1 → Index', /0 to 9/);
		await expectRefused(META, { ...base, templateButtons: { button: [{ type: 'copy_code', index: 0, couponCode: chars(16) }] } }, 'Buttons → button 1 → Coupon Code', /at most 15/);
	});

	it(`tracking data: at most ${META_LIMITS.trackingData} characters`, async () => {
		await expectRefused(META, { messageType: 'text', text: 'Hi', options: { trackingData: chars(513) } }, 'Options → Tracking Data', /at most 512/);
	});
});

describe('binary files', () => {
	it('an item without the named binary property is invalid before anything is sent, and no file is read for the check', async () => {
		const result = await send(
			META,
			{ messageType: 'media', mediaType: 'document', mediaSource: 'binary', binaryPropertyName: 'data' },
			{ items: [{ json: {}, binary: { data: { data: Buffer.from('%PDF').toString('base64'), mimeType: 'application/pdf', fileName: 'a.pdf' } } }, { json: {} }] },
		);
		expect(result.error!.message).toMatch(/nothing was sent/);
		expect(listed(result)).toEqual([expect.objectContaining({ itemIndex: 1, field: 'Input Binary Field', value: 'data' })]);
		expect(sb.requests).toHaveLength(0);
	});
});

describe('Twilio limits', () => {
	it(`body: ${TWILIO_LIMITS.body} characters go, one more is refused (instead of Twilio's 21617)`, async () => {
		await expectSent(TWILIO, { messageType: 'text', text: chars(TWILIO_LIMITS.body) });
		sb.reset();
		await expectRefused(TWILIO, { messageType: 'text', text: chars(TWILIO_LIMITS.body + 1) }, 'Text', /at most 1600 characters on Twilio \(got 1601\)/);
	});

	it('caption and validity period', async () => {
		const media = { messageType: 'media', mediaType: 'image', mediaSource: 'url', mediaUrl: 'https://example.com/a.png' };
		await expectRefused(TWILIO, { ...media, caption: chars(1601) }, 'Caption', /at most 1600/);
		await expectRefused(TWILIO, { messageType: 'text', text: 'Hi', options: { validityPeriod: 36001 } }, 'Options → Validity Period', /1 to 36000/);
	});

	it('what Twilio cannot send is refused before sending, with the hint', async () => {
		const result = await send(TWILIO, { messageType: 'reaction', reactionMessageId: 'SM1', emoji: '👍' });
		expect(result.error!.message).toMatch(/Twilio cannot send reactions/);
		expect(result.error!.description).toMatch(/Meta Cloud API connection/);
		expect(sb.requests).toHaveLength(0);
	});
});

describe('webhook gateway', () => {
	it('refuses Mark as Read before sending, saying why', async () => {
		const result = await send(WEBHOOK, { operation: 'markAsRead', readMessageId: 'wamid.1' });
		expect(result.error!.message).toMatch(/Mark as Read.*not available on a webhook gateway connection/);
		expect(sb.requests).toHaveLength(0);
	});

	it('sends long texts: a gateway has no limit this package knows', async () => {
		await expectSent(WEBHOOK, { messageType: 'text', text: chars(10_000) });
	});
});

describe('a mix of valid and invalid items', () => {
	// Items 1 (not a phone number), 3 (text too long) and 4 (empty text) are invalid.
	const parameters = {
		to: '={{ $json.i === 1 ? "not-a-phone" : "+1415555010" + $json.i }}',
		messageType: 'text',
		text: `={{ $json.i === 3 ? "${chars(META_LIMITS.text + 1)}" : $json.i === 4 ? "" : "Hello " + $json.i }}`,
		options: { concurrency: 2 },
	};

	it('On Error: Stop sends nothing and lists every invalid item: index, field, value (shortened), rule', async () => {
		const result = await send(META, parameters, { items: items(6) });
		expect(sb.requests).toHaveLength(0);
		expect(result.error!.message).toBe(
			'3 of 6 items are invalid; nothing was sent (first: Invalid recipient phone number "not-a-phone" (item 1))',
		);
		expect(listed(result)).toEqual([
			{ itemIndex: 1, field: 'To', value: 'not-a-phone', rule: expect.stringMatching(/international format/), hint: expect.any(String) },
			{ itemIndex: 3, field: 'Text', value: expect.stringMatching(/^"x{40}… \(4097 characters\)"$/), rule: 'at most 4096 characters on Meta Cloud API (got 4097)' },
			{ itemIndex: 4, field: 'Text', value: '', rule: 'must not be empty', hint: expect.any(String) },
		]);
		expect(result.error!.description).toMatch(/item 1 — To "not-a-phone": must be a phone number/);
		expect(result.error!.description).toMatch(/item 3 — Text "x{40}… \(4097 characters\)": at most 4096/);
		expect(result.error!.description).toMatch(/item 4 — Text "": must not be empty/);
		expect(result.error!.context!.itemIndex).toBe(1);
	});

	it('Continue (regular output): the invalid items are paired error items, the valid ones are sent', async () => {
		const result = await send(META, parameters, { items: items(6), onError: 'continueRegularOutput' });
		const output = result.output![0];
		expect(output.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4, 5].map((item) => ({ item })));
		expect(output.map((item) => (item.json.error ? 'error' : 'sent'))).toEqual(['sent', 'error', 'sent', 'error', 'error', 'sent']);
		expect(output[3].json).toMatchObject({ error: `Text "${chars(40)}` + '… (4097 characters)": at most 4096 characters on Meta Cloud API (got 4097) (item 3)', itemIndex: 3 });
		expect(sb.requests.map((request) => (JSON.parse(request.rawBody.toString()) as IDataObject).to).sort()).toEqual([
			'14155550100',
			'14155550102',
			'14155550105',
		]);
	});

	it('Continue (using error output): the invalid items are shaped for n8n to route them to the error output', async () => {
		const result = await send(META, parameters, { items: items(6), onError: 'continueErrorOutput' });
		const output = result.output![0];
		// n8n sends an item to the error output when its JSON holds only error, message and details.
		const routed = (json: IDataObject) => Object.keys(json).every((key) => ['error', 'message', 'details'].includes(key));
		expect(output.map((item) => (item.json.error && routed(item.json) ? 'error' : 'sent'))).toEqual(['sent', 'error', 'sent', 'error', 'error', 'sent']);
		expect(output[1].json).toEqual({ error: expect.stringMatching(/not-a-phone/), details: expect.objectContaining({ itemIndex: 1, description: expect.stringMatching(/international format/) }) });
		expect(output.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4, 5].map((item) => ({ item })));
		expect(sb.requests).toHaveLength(3);
	});

	it('every item valid: nothing is refused', async () => {
		const result = await send(META, { to: '={{ "+1415555010" + $json.i }}', messageType: 'text', text: 'Hi' }, { items: items(5) });
		expect(result.output![0]).toHaveLength(5);
		expect(sb.requests).toHaveLength(5);
	});
});
