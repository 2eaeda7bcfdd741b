import { NodeOperationError, type INode } from 'n8n-workflow';

import { providerApiError } from '../nodes/shared/errors';
import {
	classifyFailure,
	DEFAULT_RETRY_POLICY,
	RateLimiter,
	retryDelay,
	runPool,
	withRetries,
	type RetryPolicy,
} from '../nodes/shared/pacing';
import { FakeClock } from './helpers/fakeClock';

const node = { id: '1', name: 'Send WhatsApp', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} } as INode;

const failure = (details: Partial<Parameters<typeof providerApiError>[2]>) =>
	providerApiError(node, 0, { provider: 'test', message: 'failed', ...details }, []);

describe('RateLimiter', () => {
	it('spaces calls evenly at the configured rate, without a burst', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter(5, clock);
		const times: number[] = [];
		await clock.run(
			Promise.all(Array.from({ length: 10 }, async () => {
				await limiter.acquire();
				times.push(clock.now());
			})),
		);
		expect(times).toEqual([0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800]);
	});

	it('never lets more than the rate through in any one-second window', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter(80, clock);
		const times: number[] = [];
		await clock.run(
			Promise.all(Array.from({ length: 400 }, async () => {
				await limiter.acquire();
				times.push(clock.now());
			})),
		);
		for (const start of times) {
			expect(times.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(80);
		}
		expect(times[times.length - 1]).toBeCloseTo((399 * 1000) / 80, 5);
	});

	it('holds everyone back after a pause (Retry-After)', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter(10, clock);
		await clock.run(limiter.acquire());
		limiter.pause(3000);
		const times: number[] = [];
		await clock.run(
			Promise.all([0, 1].map(async () => {
				await limiter.acquire();
				times.push(clock.now());
			})),
		);
		expect(times).toEqual([3000, 3100]);
	});

	it('lets everything through at once when unlimited', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter(0, clock);
		await clock.run(Promise.all([1, 2, 3].map(() => limiter.acquire())));
		expect(clock.now()).toBe(0);
	});
});

describe('classifyFailure', () => {
	it.each([
		[failure({ httpCode: 429, retryable: true }), 'throttled'],
		[failure({ providerCode: 130429, retryable: true, httpCode: 400 }), 'throttled'],
		[failure({ providerCode: 131056, retryable: true, httpCode: 400 }), 'throttled'],
		[failure({ providerCode: 80007, retryable: true, httpCode: 400 }), 'throttled'],
		[failure({ providerCode: 4, retryable: true, httpCode: 400 }), 'throttled'],
		[failure({ providerCode: 20429, retryable: true, httpCode: 429 }), 'throttled'],
		[failure({ httpCode: 503, retryable: true }), 'transient'],
		[failure({ providerCode: 'ECONNREFUSED', retryable: true }), 'transient'],
		[failure({ providerCode: 'ECONNRESET', deliveryUnknown: true }), 'unknownDelivery'],
		[failure({ providerCode: 131047, httpCode: 400 }), 'permanent'],
		[new NodeOperationError(node, 'bad phone'), 'permanent'],
		[new Error('plain'), 'permanent'],
	])('%#: %s', (error, expected) => {
		expect(classifyFailure(error)).toBe(expected);
	});
});

describe('retryDelay', () => {
	const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1000, maxDelayMs: 8000 };

	it('grows exponentially with jitter between half and all of the ceiling', () => {
		expect(retryDelay(1, policy, undefined, () => 0)).toBe(500);
		expect(retryDelay(1, policy, undefined, () => 0.999999)).toBe(999);
		expect(retryDelay(3, policy, undefined, () => 0)).toBe(2000);
		expect(retryDelay(10, policy, undefined, () => 0.999999)).toBeLessThanOrEqual(8000);
	});

	it('honours Retry-After, capped by the maximum delay', () => {
		expect(retryDelay(1, policy, 2000, () => 0)).toBe(2000);
		expect(retryDelay(1, policy, 60_000, () => 0)).toBe(8000);
	});
});

describe('withRetries', () => {
	const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 10_000, retryUnknownDelivery: false };

	async function attempt(errors: unknown[], custom: Partial<RetryPolicy> = {}) {
		const clock = new FakeClock();
		const limiter = new RateLimiter(0, clock);
		const calls: number[] = [];
		const outcome = await clock.run(
			withRetries(
				async () => {
					calls.push(clock.now());
					const error = errors.shift();
					if (error) throw error;
					return 'sent';
				},
				{ ...policy, ...custom },
				limiter,
				clock,
				() => 0,
			),
		);
		return { outcome, calls };
	}

	it('sends once when the first attempt succeeds', async () => {
		const { outcome, calls } = await attempt([]);
		expect(outcome).toEqual({ value: 'sent', attempts: 1, retries: 0 });
		expect(calls).toEqual([0]);
	});

	it('waits Retry-After after a 429, then succeeds', async () => {
		const { outcome, calls } = await attempt([failure({ httpCode: 429, retryable: true, retryAfterMs: 2000 })]);
		expect(outcome.value).toBe('sent');
		expect(outcome.retries).toBe(1);
		expect(calls).toEqual([0, 2000]);
	});

	it('backs off exponentially on transient failures', async () => {
		const transient = () => failure({ httpCode: 503, retryable: true });
		const { outcome, calls } = await attempt([transient(), transient(), transient()]);
		expect(outcome.value).toBe('sent');
		expect(calls).toEqual([0, 50, 150, 350]);
	});

	it('gives up after maxAttempts with the last error', async () => {
		const errors = Array.from({ length: 6 }, () => failure({ httpCode: 503, retryable: true }));
		const { outcome, calls } = await attempt(errors);
		expect(outcome.error).toBeDefined();
		expect(outcome.attempts).toBe(4);
		expect(calls).toHaveLength(4);
	});

	it('never retries a permanent error', async () => {
		const { outcome, calls } = await attempt([failure({ providerCode: 131047, httpCode: 400 })]);
		expect(outcome.error).toBeDefined();
		expect(calls).toEqual([0]);
	});

	it('does not resend when delivery is unknown, unless allowed', async () => {
		const unknown = () => failure({ providerCode: 'ECONNRESET', deliveryUnknown: true });
		const refused = await attempt([unknown()]);
		expect(refused.outcome.error).toBeDefined();
		expect(refused.calls).toHaveLength(1);
		const allowed = await attempt([unknown()], { retryUnknownDelivery: true });
		expect(allowed.outcome.value).toBe('sent');
		expect(allowed.calls).toHaveLength(2);
	});
});

describe('runPool', () => {
	it('keeps input order and never exceeds the concurrency', async () => {
		const clock = new FakeClock();
		let inFlight = 0;
		let peak = 0;
		const results = await clock.run(
			runPool(20, 4, async (index) => {
				inFlight++;
				peak = Math.max(peak, inFlight);
				await clock.sleep((20 - index) * 10);
				inFlight--;
				return index * 2;
			}),
		);
		expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
		expect(peak).toBe(4);
	});

	it('stops starting new work when asked', async () => {
		let stop = false;
		const started: number[] = [];
		await runPool(10, 2, async (index) => {
			started.push(index);
			if (index === 3) stop = true;
		}, () => stop);
		expect(started).toEqual([0, 1, 2, 3]);
	});
});
