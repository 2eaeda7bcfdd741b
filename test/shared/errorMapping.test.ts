/**
 * Which failures are sent again. Known not accepted (throttling, 503, connection refused, Meta code 2,
 * Twilio 20503): retried. Perhaps accepted (timeouts and resets after sending, HTTP 500, 502, 504,
 * Meta 131000, Twilio 20500): "delivery unknown", never retried unless "Retry When Delivery Is
 * Unknown" is on. Each case runs the node against the sandbox and counts the requests it received.
 */
import type { IDataObject } from 'n8n-workflow';

import { answerOutcome } from '../../nodes/shared/outcome';
import { classifyFailure } from '../../nodes/shared/pacing';
import { metaError, startSandbox, twilioError, type FailNextOptions, type Sandbox } from '../../sandbox';
import { connections, META, TWILIO, WEBHOOK } from '../helpers/fixtures';
import { runSendWhatsApp } from '../helpers/n8n';

let sb: Sandbox;

beforeAll(async () => {
	sb = await startSandbox();
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

const sendPath: Record<string, string> = { [META]: '/messages', [TWILIO]: '/Messages.json', [WEBHOOK]: '/send' };
const sandboxName = { [META]: 'meta', [TWILIO]: 'twilio', [WEBHOOK]: 'gateway' } as const;

async function sendOnce(provider: string, failure: Omit<FailNextOptions, 'provider'>, options: IDataObject = {}) {
	sb.failNext({ provider: sandboxName[provider as keyof typeof sandboxName], ...failure });
	const result = await runSendWhatsApp({
		parameters: { authentication: provider, to: '+14155550123', messageType: 'text', text: 'Hi', options: { maxAttempts: 3, ...options } },
		credentials: { [provider]: connections(sb)[provider] },
		continueOnFail: true,
	});
	const [item] = result.output![0];
	const requests = sb.requests.filter((request) => request.path.includes(sendPath[provider])).length;
	return { json: item.json, requests };
}

const retryAfterZero = { 'Retry-After': '0' };

type Case = [string, string, Omit<FailNextOptions, 'provider'>];

const KNOWN_NOT_ACCEPTED: Case[] = [
	['Meta 429 (130429, throughput)', META, { status: 429, body: metaError(429, { code: 130429 }), headers: retryAfterZero }],
	['Meta 400 code 4 (app throttling)', META, { status: 400, body: metaError(400, { code: 4 }), headers: retryAfterZero }],
	['Meta 400 code 80007 (WABA throttling)', META, { status: 400, body: metaError(400, { code: 80007 }), headers: retryAfterZero }],
	['Meta 503 with Retry-After', META, { status: 503, body: metaError(503, { code: 2 }), headers: retryAfterZero }],
	['Meta 503 without Retry-After', META, { status: 503, body: metaError(503, { code: 1 }) }],
	['Meta 500 whose body says code 2 (not processed)', META, { status: 500, body: metaError(500, { code: 2 }) }],
	['Twilio 429 (20429)', TWILIO, { status: 429, body: twilioError(429, 20429), headers: retryAfterZero }],
	['Twilio 429 (63018, sender rate limit)', TWILIO, { status: 429, body: twilioError(429, 63018), headers: retryAfterZero }],
	['Twilio 503 (20503)', TWILIO, { status: 503, body: twilioError(503, 20503), headers: retryAfterZero }],
	['gateway 429', WEBHOOK, { status: 429, body: { error: 'slow down' }, headers: retryAfterZero }],
	['gateway 503 with Retry-After', WEBHOOK, { status: 503, body: { error: 'busy' }, headers: retryAfterZero }],
];

const MAYBE_ACCEPTED: Case[] = [
	['Meta 500', META, { status: 500, body: metaError(500, { code: 1 }) }],
	['Meta 502', META, { status: 502, body: '<html>Bad Gateway</html>' }],
	['Meta 504', META, { status: 504, body: '<html>Gateway Timeout</html>' }],
	['Meta 131000 (something went wrong) with HTTP 400', META, { status: 400, body: metaError(400, { code: 131000 }) }],
	['Meta 131000 with HTTP 500', META, { status: 500, body: metaError(500, { code: 131000 }) }],
	['Meta connection reset after sending', META, { reset: true }],
	['Twilio 500 (20500)', TWILIO, { status: 500, body: twilioError(500, 20500) }],
	['Twilio 502', TWILIO, { status: 502, body: 'Bad Gateway' }],
	['Twilio 504', TWILIO, { status: 504, body: 'Gateway Timeout' }],
	['Twilio connection reset after sending', TWILIO, { reset: true }],
	['gateway 500', WEBHOOK, { status: 500, body: { error: 'oops' } }],
	['gateway 502', WEBHOOK, { status: 502, body: 'Bad Gateway' }],
	['gateway 504', WEBHOOK, { status: 504, body: 'Gateway Timeout' }],
	['gateway connection reset after sending', WEBHOOK, { reset: true }],
];

describe('known not accepted: sent again', () => {
	it.each(KNOWN_NOT_ACCEPTED)('%s', async (_name, provider, failure) => {
		const { json, requests } = await sendOnce(provider, failure);
		expect(json.error).toBeUndefined();
		expect(json.messageId).toBeTruthy();
		expect(json.retries).toBeUndefined(); // success items carry no retries field
		expect(requests).toBe(2);
	});
});

describe('perhaps accepted: "delivery unknown", not sent again by default', () => {
	it.each(MAYBE_ACCEPTED)('%s', async (_name, provider, failure) => {
		const { json, requests } = await sendOnce(provider, failure);
		expect(json).toMatchObject({ deliveryUnknown: true });
		expect(String(json.description)).toMatch(/Retry When Delivery Is Unknown/);
		expect(requests).toBe(1);
	});

	it.each(MAYBE_ACCEPTED)('%s: sent again when "Retry When Delivery Is Unknown" is on', async (_name, provider, failure) => {
		const { json, requests } = await sendOnce(provider, failure, { retryUnknownDelivery: true });
		expect(json.error).toBeUndefined();
		expect(requests).toBe(2);
	});
});

describe('refused for good: not sent again', () => {
	it.each([
		['Meta 400 code 100', META, { status: 400, body: metaError(400, { code: 100 }) }],
		['Meta 400 code 131047', META, { status: 400, body: metaError(400, { code: 131047 }) }],
		['Twilio 400 (21211)', TWILIO, { status: 400, body: twilioError(400, 21211) }],
		['gateway 422', WEBHOOK, { status: 422, body: { error: 'unknown recipient' } }],
	] as Case[])('%s', async (_name, provider, failure) => {
		const { json, requests } = await sendOnce(provider, failure);
		expect(json.error).toBeDefined();
		expect(json.deliveryUnknown).toBeUndefined();
		expect(requests).toBe(1);
	});
});

describe('answerOutcome (the one classification every provider uses)', () => {
	it.each([
		[{ status: 429 }, 'retry'],
		[{ status: 400, throttled: true }, 'retry'],
		[{ status: 503 }, 'retry'],
		[{ status: 500, notProcessed: true }, 'retry'],
		[{ status: 500 }, 'unknown'],
		[{ status: 502 }, 'unknown'],
		[{ status: 504 }, 'unknown'],
		[{ status: 400, unknownCode: true }, 'unknown'],
		[{ status: 400 }, 'permanent'],
		[{ status: 401 }, 'permanent'],
		[{ status: 501 }, 'permanent'],
	] as const)('%j → %s', (facts, expected) => {
		const outcome = answerOutcome(facts);
		expect(outcome.retryable ? 'retry' : outcome.deliveryUnknown ? 'unknown' : 'permanent').toBe(expected);
	});

	it('Meta 131056 (pair rate limit) is a throttle: retried for that recipient only', () => {
		const failure = { httpCode: '400', context: { failure: { providerCode: 131056, retryable: true } } };
		expect(classifyFailure(failure)).toBe('throttled');
	});
});
