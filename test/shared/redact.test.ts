import { MIN_SUBSTRING_SECRET_LENGTH, redact, redactValue } from '../../nodes/shared/errors';
import { startSandbox, type Sandbox } from '../../sandbox';
import { connections, WEBHOOK } from '../helpers/fixtures';
import { runSendWhatsApp } from '../helpers/n8n';

describe('redactValue', () => {
	it('leaves a timestamp alone that contains a short gateway header value (1718 in 1718000000123)', () => {
		const reply = { id: 'msg-1', timestamp: 1718000000123, sentAt: '1718000000123', echo: { 'x-tenant': '1718' } };
		const clean = redactValue(reply, ['1718']);
		expect(clean).toEqual({ id: 'msg-1', timestamp: 1718000000123, sentAt: '1718000000123', echo: { 'x-tenant': '[redacted]' } });
	});

	it('keeps booleans when a secret is the text "true", and masks a string equal to it', () => {
		const reply = { success: true, flags: [true, false], note: 'true', text: 'this is true' };
		expect(redactValue(reply, ['true'])).toEqual({ success: true, flags: [true, false], note: '[redacted]', text: 'this is true' });
	});

	it('keeps numbers when a secret is a number written as text', () => {
		const reply = { count: 12345, code: '12345', ref: 'A-12345-B' };
		expect(redactValue(reply, ['12345'])).toEqual({ count: 12345, code: '[redacted]', ref: 'A-12345-B' });
	});

	it('never changes key names, even when a secret equals one', () => {
		const reply = { messages: [{ id: 'wamid.1', message_status: 'accepted' }], status: 'ok' };
		expect(redactValue(reply, ['messages', 'status'])).toEqual(reply);
	});

	it('cuts a long secret out of any string, however deep', () => {
		const token = 'EAAGm0PX4ZCpsBAsecret-token-value';
		const reply = { echo: { headers: { authorization: `Bearer ${token}` } }, list: [`x${token}y`] };
		expect(redactValue(reply, [token])).toEqual({ echo: { headers: { authorization: 'Bearer [redacted]' } }, list: ['x[redacted]y'] });
	});

	it('returns the same value when there is nothing to redact, and handles null, text and cycles', () => {
		const reply = { a: 1, b: ['x'] };
		expect(redactValue(reply, ['long-secret-value'])).toBe(reply);
		expect(redactValue(null, ['long-secret-value'])).toBeNull();
		expect(redactValue(undefined, ['long-secret-value'])).toBeUndefined();
		expect(redactValue('the long-secret-value here', ['long-secret-value'])).toBe('the [redacted] here');
		const cyclic: Record<string, unknown> = { token: 'long-secret-value' };
		cyclic.self = cyclic;
		expect((redactValue(cyclic, ['long-secret-value']) as Record<string, unknown>).token).toBe('[redacted]');
	});

	it('ignores empty and non-string secrets', () => {
		const reply = { a: '', b: 'text', c: 0 };
		expect(redactValue(reply, ['', undefined, 0, null])).toBe(reply);
	});
});

describe('redact (text)', () => {
	it(`cuts secrets of ${MIN_SUBSTRING_SECRET_LENGTH} characters or more out of text`, () => {
		expect(redact('token abcdefgh leaked', ['abcdefgh'])).toBe('token [redacted] leaked');
	});

	it('does not cut a short secret out of unrelated text, but masks a text equal to it', () => {
		expect(redact('HTTP 500 at 1718000000123', ['1718'])).toBe('HTTP 500 at 1718000000123');
		expect(redact('1718', ['1718'])).toBe('[redacted]');
		expect(redact('it is true', ['true'])).toBe('it is true');
	});
});

describe('redaction never turns a sent message into a failure (in the node, against the sandbox)', () => {
	let sb: Sandbox;
	beforeAll(async () => {
		sb = await startSandbox();
	});
	afterAll(async () => {
		await sb.close();
	});

	it('a gateway header value (1718) inside the reply timestamp, and a header equal to "true": the item is sent, its reply intact', async () => {
		const reply = { id: 'gw-42', status: 'accepted', timestamp: 1718000000123, sentAt: '1718000000123', ok: true, flag: 'true', tenant: '1718' };
		sb.configure({ gatewayResponse: { status: 200, body: reply } });
		const result = await runSendWhatsApp({
			parameters: { authentication: WEBHOOK, to: '+14155550123', messageType: 'text', text: 'Hi' },
			credentials: { [WEBHOOK]: { ...connections(sb)[WEBHOOK], headers: '{"X-Tenant": "1718", "X-Flag": "true"}' } },
		});
		expect(result.error).toBeUndefined();
		const [item] = result.output![0];
		expect(item.json).toMatchObject({ provider: 'webhook', messageId: 'gw-42', status: 'accepted' });
		expect(item.json.raw).toEqual({ ...reply, flag: '[redacted]', tenant: '[redacted]' });
		expect(sb.requestsFor('gateway')).toHaveLength(1);
	});
});
