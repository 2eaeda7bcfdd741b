/**
 * Send and Wait for Reply without n8n's server: the question each provider sends (Meta bodies checked
 * against Meta's spec), the reply ids and n8n's signature in them, the forward MAC, the waiting
 * webhook's checks, and Limit Wait Time.
 */
import { createHash, createHmac } from 'node:crypto';

import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';
import { createRunExecutionData, WAIT_INDEFINITELY } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../../sandbox';
import { forwardedAnswer, signForward, verifyForward } from '../../../nodes/shared/ask/forward';
import { customerHash, parseReplyId, resumeUrl } from '../../../nodes/shared/ask/token';
import { sendAndWaitWebhook, waitTill } from '../../../nodes/SendWhatsApp/sendAndWait';
import { accounts, connections, expectNoSecrets, META, TWILIO, WEBHOOK } from '../../helpers/fixtures';
import { runSendWhatsApp } from '../../helpers/n8n';
import { parseForm, validateMetaMessage, validateTwilioContentCreate, validateTwilioCreateMessage } from '../../helpers/specs';

let sb: Sandbox;
beforeAll(async () => {
	sb = await startSandbox();
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

const TO = '+14155550123';
const NODE_ID = '3f1c2a9e-5b7d-4c8e-9f00-1a2b3c4d5e6f';

// The instance's signing secret (n8n reads it when the first node context is made, in the tests below).
const HMAC_SECRET = 'test-instance-hmac-secret';
const previousSecret = process.env.N8N_HMAC_SIGNATURE_SECRET;
process.env.N8N_HMAC_SIGNATURE_SECRET = HMAC_SECRET;
afterAll(() => {
	if (previousSecret === undefined) delete process.env.N8N_HMAC_SIGNATURE_SECRET;
	else process.env.N8N_HMAC_SIGNATURE_SECRET = previousSecret;
});

/** n8n's signature of a resume URL, computed here the way n8n-core's signature-helpers do. */
function n8nSignature(pathAndQuery: string): string {
	return createHmac('sha256', HMAC_SECRET).update(pathAndQuery).digest('hex');
}

async function ask(provider: string, parameters: IDataObject, credentials: IDataObject = {}) {
	const runExecutionData = createRunExecutionData();
	const result = await runSendWhatsApp({
		parameters: { authentication: provider, operation: 'sendAndWait', to: TO, message: 'Refund order 1042?', ...parameters },
		credentials: { [provider]: { ...connections(sb)[provider], ...(provider === TWILIO ? { contentBaseUrl: sb.twilioBaseUrl } : {}), ...credentials } },
		typeVersion: 1.1,
		nodeId: NODE_ID,
		runExecutionData,
	});
	expectNoSecrets(result.output);
	return { ...result, runExecutionData };
}

interface MetaBody {
	type: string;
	interactive: {
		type: string;
		action: { buttons: Array<{ reply: { id: string; title: string } }>; sections: Array<{ rows: unknown[] }>; button?: string };
		header?: unknown;
		footer?: unknown;
	};
}
const metaBodies = () => sb.requestsFor('meta', '/messages').map((request) => request.body as MetaBody);

describe('the question', () => {
	it('Meta approval: two reply buttons (valid per the spec) whose ids carry n8n’s signature for this customer, option and question', async () => {
		const { output, error, runExecutionData } = await ask(META, { responseType: 'approval' });
		expect(error).toBeUndefined();
		const [body] = metaBodies();
		expect(validateMetaMessage(body)).toEqual(expect.objectContaining({ valid: true }));
		expect(body.interactive.type).toBe('button');
		const buttons = body.interactive.action.buttons as Array<{ reply: { id: string; title: string } }>;
		expect(buttons.map((b) => b.reply.title)).toEqual(['Approve', 'Decline']);
		const q = parseReplyId(buttons[0].reply.id)!.q;
		buttons.forEach((button, c) => {
			const reply = parseReplyId(button.reply.id)!;
			expect(reply).toEqual({ executionId: 'exec-test', nodeId: NODE_ID, q, c: String(c), signature: expect.stringMatching(/^[0-9a-f]{64}$/) });
			expect(button.reply.id.length).toBeLessThanOrEqual(200);
			const u = createHash('sha256').update(TO).digest('hex').slice(0, 16);
			expect(reply.signature).toBe(n8nSignature(`/webhook-waiting/exec-test/${NODE_ID}?q=${q}&c=${c}&u=${u}`));
			// The id holds neither the number nor its hash.
			expect(button.reply.id).not.toContain(u);
			expect(button.reply.id).not.toContain('4155550123');
		});
		// The execution waits for ever, and its input is now the timeout item.
		expect(runExecutionData.waitTill).toEqual(WAIT_INDEFINITELY);
		expect(output![0][0].json).toEqual(
			expect.objectContaining({
				answer: { type: 'timeout', id: null, title: null, text: null },
				approved: false,
				question: expect.objectContaining({ q, to: TO, provider: 'meta', shape: 'button', options: [{ id: 'approve', title: 'Approve' }, { id: 'decline', title: 'Decline' }] }),
			}),
		);
	});

	it('Meta approval with a third button and own labels; approve only', async () => {
		await ask(META, { responseType: 'approval', approvalOptions: { values: { approveLabel: 'Yes', disapproveLabel: 'No', thirdLabel: 'Call me' } } });
		await ask(META, { responseType: 'approval', approvalOptions: { values: { approvalType: 'single', approveLabel: 'OK' } } });
		const [three, one] = metaBodies();
		expect(three.interactive.action.buttons.map((b) => b.reply.title)).toEqual(['Yes', 'No', 'Call me']);
		expect(one.interactive.action.buttons.map((b) => b.reply.title)).toEqual(['OK']);
		for (const body of [three, one]) expect(validateMetaMessage(body)).toEqual(expect.objectContaining({ valid: true }));
	});

	it('Meta choice: up to 3 as buttons, 4 to 10 as a list (valid per the spec); more than 10 is refused before sending', async () => {
		const choices = (n: number) => ({ choice: Array.from({ length: n }, (_, i) => ({ id: `c${i}`, title: `Choice ${i}`, description: `About ${i}` })) });
		await ask(META, { responseType: 'choice', choices: choices(3) });
		const { runExecutionData } = await ask(META, { responseType: 'choice', choices: choices(10), choiceListButton: 'Pick', waitOptions: { header: 'Slots', footer: 'Reply soon' } });
		const [buttons, list] = metaBodies();
		expect(buttons.interactive.type).toBe('button');
		expect(list.interactive).toEqual(
			expect.objectContaining({ type: 'list', header: { type: 'text', text: 'Slots' }, footer: { text: 'Reply soon' }, action: expect.objectContaining({ button: 'Pick' }) }),
		);
		expect(list.interactive.action.sections[0].rows).toHaveLength(10);
		for (const body of [buttons, list]) expect(validateMetaMessage(body)).toEqual(expect.objectContaining({ valid: true }));
		expect(runExecutionData.waitTill).toEqual(WAIT_INDEFINITELY);

		const tooMany = await ask(META, { responseType: 'choice', choices: choices(11) });
		expect(tooMany.error?.message).toMatch(/Choices: 11 given, 1 to 10 allowed/);
		const longTitle = await ask(META, { responseType: 'choice', choices: { choice: [{ id: 'a', title: 'A title much longer than twenty' }] } });
		expect(longTitle.error?.message).toMatch(/20/);
		expect(metaBodies()).toHaveLength(2);
	});

	it('the node’s Reply To Message ID and Tracking Data apply to the question', async () => {
		await ask(META, { responseType: 'approval', options: { replyTo: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTk=', trackingData: 'refund-1042' } });
		const [body] = metaBodies() as unknown as Array<Record<string, unknown>>;
		expect(body).toEqual(expect.objectContaining({ context: { message_id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTk=' }, biz_opaque_callback_data: 'refund-1042' }));
		expect(validateMetaMessage(body)).toEqual(expect.objectContaining({ valid: true }));
	});

	it('refused before sending: several items, no App Secret, an empty question', async () => {
		const several = await runSendWhatsApp({
			parameters: { authentication: META, operation: 'sendAndWait', to: TO, message: 'Hi?', responseType: 'approval' },
			credentials: { [META]: connections(sb)[META] },
			typeVersion: 1.1,
			items: [{ json: {} }, { json: {} }],
		});
		expect(several.error?.message).toMatch(/one customer per execution; it got 2 items/);
		const noSecret = await ask(META, { responseType: 'approval' }, { appSecret: '' });
		expect(noSecret.error?.message).toMatch(/has no App Secret/);
		const empty = await ask(META, { responseType: 'approval', message: '  ' });
		expect(empty.error?.message).toMatch(/Message is empty/);
		expect(metaBodies()).toHaveLength(0);
	});

	it('gateway: the buttons in {{message}}, with each option’s reply id, title and number', async () => {
		const { error } = await ask(WEBHOOK, { responseType: 'approval' });
		expect(error).toBeUndefined();
		const [request] = sb.requestsFor('gateway');
		const sent = (request.body as { message?: unknown }).message ?? request.body;
		const message = JSON.stringify(sent);
		const ids = [...message.matchAll(/"id":"(w1\.[^"]+)"/g)].map((match) => match[1]);
		expect(ids.length).toBeGreaterThanOrEqual(2);
		expect(message).toContain('"answers"');
		expect(message).toMatch(/"title":"Approve","number":1/);
		for (const id of ids) expect(parseReplyId(id)).toBeDefined();
	});

	it('Twilio: a quick-reply content (up to 3) or a list picker (4 to 10), with numbered text beside it, then the message with its ContentSid (both valid per the specs)', async () => {
		const approval = await ask(TWILIO, { responseType: 'approval' });
		expect(approval.error).toBeUndefined();
		const list = await ask(TWILIO, { responseType: 'choice', choices: { choice: Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, title: `Slot ${i}` })) }, choiceListButton: 'Slots' });
		expect(list.error).toBeUndefined();
		const contents = sb.requestsFor('twilio', '/v1/Content').map((request) => request.body as { types: Record<string, { body: string; actions?: Array<{ id: string; title: string }>; items?: Array<{ id: string; item: string }>; button?: string }> });
		expect(contents).toHaveLength(2);
		for (const content of contents) expect(validateTwilioContentCreate(content)).toEqual({ valid: true, errors: [] });
		const [quick, picker] = contents;
		expect(quick.types['twilio/quick-reply'].actions!.map((a) => a.title)).toEqual(['Approve', 'Decline']);
		for (const action of quick.types['twilio/quick-reply'].actions!) expect(parseReplyId(action.id)).toBeDefined();
		expect(quick.types['twilio/text'].body).toBe('Refund order 1042?\n\n1. Approve\n2. Decline');
		expect(picker.types['twilio/list-picker'].button).toBe('Slots');
		expect(picker.types['twilio/list-picker'].items!.map((item) => item.item)).toEqual(['Slot 0', 'Slot 1', 'Slot 2', 'Slot 3', 'Slot 4']);
		const messages = sb.requestsFor('twilio', '/Messages.json').map((request) => parseForm(String(request.rawBody)));
		expect(messages).toHaveLength(2);
		for (const params of messages) {
			expect(validateTwilioCreateMessage(params)).toEqual({ valid: true, errors: [] });
			expect(params.ContentSid).toMatch(/^HX[0-9a-f]{32}$/);
			expect(params.To).toBe(`whatsapp:${TO}`);
		}
		expect(approval.output![0][0].json.question).toEqual(expect.objectContaining({ shape: 'button', provider: 'twilio' }));
		expect(list.output![0][0].json.question).toEqual(expect.objectContaining({ shape: 'list' }));
	});

	it('free text without a reachable Reply Trigger URL is refused before anything is sent', async () => {
		const missing = await ask(TWILIO, { responseType: 'freeText' });
		expect(missing.error?.message).toMatch(/Reply Trigger URL is required/);
		const unreachable = await ask(TWILIO, { responseType: 'freeText', replyTriggerUrl: 'http://127.0.0.1:9/webhook/x/whatsapp' });
		expect(unreachable.error?.message).toMatch(/did not register it, it could not be reached/);
		expect(sb.requestsFor('twilio', '/Messages.json')).toHaveLength(0);
	});
});

describe('reply ids', () => {
	const id = `w1.123.${NODE_ID}.AbCdEf12.1.${Buffer.alloc(32, 7).toString('base64url')}`;

	it('parses only this package’s shape; anything else is a normal reply', () => {
		expect(parseReplyId(id)).toEqual({ executionId: '123', nodeId: NODE_ID, q: 'AbCdEf12', c: '1', signature: '07'.repeat(32) });
		for (const other of ['button-1', 'w1.123', `w2.123.${NODE_ID}.AbCdEf12.1.${'A'.repeat(43)}`, id.slice(0, -1), `${id}x`, id.replace('.1.', '.12.'), undefined, 42]) {
			expect(parseReplyId(other)).toBeUndefined();
		}
	});

	it('the URL the trigger rebuilds is the one n8n signed only for the customer it was sent to', () => {
		const reply = parseReplyId(id)!;
		const mine = new URL(resumeUrl('http://127.0.0.1:5678/webhook-waiting', reply, '+1 415 555 0123'));
		expect(mine.pathname).toBe(`/webhook-waiting/123/${NODE_ID}`);
		expect(mine.search).toBe(`?q=AbCdEf12&c=1&u=${customerHash(TO)}&signature=${'07'.repeat(32)}`);
		const theirs = new URL(resumeUrl('http://127.0.0.1:5678/webhook-waiting', reply, '+14155550999'));
		expect(theirs.searchParams.get('u')).not.toBe(mine.searchParams.get('u'));
	});
});

describe('the forward from the trigger', () => {
	const secret = accounts.meta.appSecret;
	const body = Buffer.from(JSON.stringify({ answer: { from: TO } }));

	it('is accepted signed with the same secret, and refused tampered, stale, unsigned or from another account', () => {
		const headers = signForward(secret, body.toString());
		expect(verifyForward(secret, headers, body)).toBeUndefined();
		expect(verifyForward(secret, headers, Buffer.from(body.toString().replace('0123', '0124')))).toMatch(/does not match/);
		expect(verifyForward('another-app-secret', headers, body)).toMatch(/does not match/);
		expect(verifyForward(secret, {}, body)).toMatch(/no answer signature/);
		expect(verifyForward(secret, signForward(secret, body.toString(), Date.now() - 10 * 60_000), body)).toMatch(/too old/);
		expect(verifyForward('', headers, body)).toMatch(/no secret/);
	});

	it('carries the normalised event without its raw payload', () => {
		expect(forwardedAnswer({ provider: 'meta', event: 'message', from: TO, raw: { secret: 1 }, account: 'x' })).toEqual({ provider: 'meta', event: 'message', from: TO });
	});
});

describe('the waiting webhook (Send WhatsApp)', () => {
	const question = {
		q: 'AbCdEf12',
		to: TO,
		messageId: 'wamid.Q',
		provider: 'meta',
		responseType: 'approval',
		shape: 'button',
		options: [
			{ id: 'approve', title: 'Approve' },
			{ id: 'decline', title: 'Decline' },
		],
		askedAt: '2026-12-01T00:00:00.000Z',
	};

	function call(options: { answer: IDataObject; query: IDataObject; secret?: string; sign?: string }) {
		const raw = JSON.stringify({ answer: options.answer });
		const headers = signForward(options.sign ?? accounts.meta.appSecret, raw);
		const response = { statusCode: 200, body: undefined as unknown, status(code: number) { this.statusCode = code; return this; }, json(value: unknown) { this.body = value; return this; } };
		const warnings: string[] = [];
		const ctx = {
			getNodeParameter: () => META,
			getCredentials: async () => ({ ...connections(sb)[META], appSecret: options.secret ?? accounts.meta.appSecret }),
			getRequestObject: () => ({ headers, rawBody: Buffer.from(raw) }),
			getResponseObject: () => response,
			getQueryData: () => options.query,
			evaluateExpression: () => question,
			getNode: () => ({ name: 'Ask' }),
			logger: { warn: (message: string) => warnings.push(message) },
		} as unknown as IWebhookFunctions;
		return { run: () => sendAndWaitWebhook.call(ctx), response, warnings };
	}

	it('resumes with the option as configured when the asked customer taps it', async () => {
		const { run } = call({ answer: { from: TO, type: 'interactive', reply: { id: 'w1…', title: 'Decline' }, text: 'Decline', messageId: 'wamid.A', timestamp: '2026-12-01T00:01:00.000Z' }, query: { q: 'AbCdEf12', c: '1' } });
		const result = await run();
		expect(result.workflowData![0][0].json).toEqual(
			expect.objectContaining({ answer: expect.objectContaining({ type: 'button', id: 'decline', title: 'Decline' }), approved: false, from: TO, messageId: 'wamid.A', answeredAt: '2026-12-01T00:01:00.000Z' }),
		);
		expect(result.webhookResponse).toBe('{"resumed":true}');
	});

	it('refuses, keeping the execution waiting: no MAC, another account, another customer, another question', async () => {
		const cases = [
			call({ answer: { from: TO, reply: { id: 'x' } }, query: { q: 'AbCdEf12', c: '0' }, sign: 'wrong' }),
			call({ answer: { from: '+14155550999', reply: { id: 'x' } }, query: { q: 'AbCdEf12', c: '0' } }),
			call({ answer: { from: TO, reply: { id: 'x' } }, query: { q: 'Zzzzzzzz', c: '0' } }),
			call({ answer: { from: TO, reply: { id: 'x' } }, query: { q: 'AbCdEf12', c: '7' } }),
		];
		const statuses = [];
		for (const { run, response, warnings } of cases) {
			const result = await run();
			expect(result.workflowData).toBeUndefined();
			expect(result.noWebhookResponse).toBe(true);
			expect(warnings).toHaveLength(1);
			statuses.push(response.statusCode);
		}
		expect(statuses).toEqual([401, 401, 410, 401]);
	});
});

describe('Limit Wait Time', () => {
	const now = Date.parse('2026-12-01T10:00:00.000Z');
	it('after an interval, at a date, or never; an invalid date is refused', () => {
		expect(waitTill({}, now)).toEqual(WAIT_INDEFINITELY);
		expect(waitTill(undefined, now)).toEqual(WAIT_INDEFINITELY);
		expect(waitTill({ limitType: 'afterTimeInterval', resumeAmount: 5, resumeUnit: 'seconds' }, now).toISOString()).toBe('2026-12-01T10:00:05.000Z');
		expect(waitTill({ limitType: 'afterTimeInterval', resumeAmount: 2, resumeUnit: 'days' }, now).toISOString()).toBe('2026-12-03T10:00:00.000Z');
		expect(waitTill({ limitType: 'atSpecifiedTime', maxDateAndTime: '2026-12-24T18:00:00.000Z' }, now).toISOString()).toBe('2026-12-24T18:00:00.000Z');
		expect(() => waitTill({ limitType: 'atSpecifiedTime', maxDateAndTime: 'soon' }, now)).toThrow(/invalid/);
	});
});
