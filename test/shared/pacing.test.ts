import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INode, type INodeExecutionData } from 'n8n-workflow';

import { providerApiError } from '../../nodes/shared/errors';
import { runItems } from '../../nodes/shared/itemLoop';
import {
	classifyFailure,
	DEFAULT_RETRY_POLICY,
	LimiterRegistry,
	PACER,
	RateLimiter,
	retryDelay,
	throttlesConnection,
	withRetries,
	type RetryPolicy,
} from '../../nodes/shared/pacing';
import { autoConcurrency, runPool } from '../../nodes/shared/pool';
import { FakeClock } from '../helpers/fakeClock';

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

	it('holds back callers already waiting for their slot when a pause begins', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter(10, clock);
		const times: number[] = [];
		await clock.run(
			Promise.all([
				...[0, 1, 2].map(async () => {
					await limiter.acquire();
					times.push(clock.now());
				}),
				(async () => {
					await clock.sleep(50);
					limiter.pause(1000);
				})(),
			]),
		);
		// Slots 100 and 200 were reserved before the pause; nobody sends before 1050, then at the pace.
		expect(times).toEqual([0, 1050, 1150]);
	});

	it('keeps to the rate in every one-second window across repeated pauses', async () => {
		const clock = new FakeClock();
		const limiter = new RateLimiter(80, clock);
		const times: number[] = [];
		await clock.run(
			Promise.all([
				...Array.from({ length: 300 }, async () => {
					await limiter.acquire();
					times.push(clock.now());
				}),
				...[300, 900, 2000].map(async (at) => {
					await clock.sleep(at);
					limiter.pause(1000);
				}),
			]),
		);
		expect(times).toHaveLength(300);
		for (const start of times) {
			expect(times.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(80);
		}
		// Paused from 300 to 1900 (the second pause began at 900) and from 2000 to 3000.
		for (const [from, to] of [[300, 1900], [2000, 3000]]) {
			expect(times.filter((t) => t > from && t < to)).toEqual([]);
		}
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

describe('throttlesConnection', () => {
	it.each([
		[failure({ httpCode: 429, retryable: true }), true],
		[failure({ providerCode: 130429, retryable: true, httpCode: 400 }), true],
		[failure({ providerCode: 80007, retryable: true, httpCode: 400 }), true],
		[failure({ providerCode: 20429, retryable: true, httpCode: 429 }), true],
		[failure({ providerCode: 131056, retryable: true, httpCode: 400 }), false],
		[failure({ httpCode: 503, retryable: true }), false],
		[failure({ providerCode: 'ECONNRESET', deliveryUnknown: true }), false],
	])('%#: %s', (error, expected) => {
		expect(throttlesConnection(error)).toBe(expected);
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

	it('waits at least the recipient delay after a one-recipient throttle (Meta 131056)', async () => {
		const { outcome, calls } = await attempt([failure({ providerCode: 131056, retryable: true, httpCode: 400 })]);
		expect(outcome.value).toBe('sent');
		expect(calls).toEqual([0, 6000]);
		const custom = await attempt([failure({ providerCode: 131056, retryable: true, httpCode: 400 })], { recipientThrottleDelayMs: 1000 });
		expect(custom.calls).toEqual([0, 1000]);
	});

	it.each([
		['a connection throttle (130429) holds back the other items', failure({ providerCode: 130429, retryable: true, httpCode: 429, retryAfterMs: 2000 }), 2000],
		['a one-recipient throttle (131056) does not', failure({ providerCode: 131056, retryable: true, httpCode: 400 }), 100],
	])('%s', async (_name, error, expected) => {
		const clock = new FakeClock();
		const limiter = new RateLimiter(0, clock);
		let other = -1;
		let thrown = false;
		await clock.run(
			Promise.all([
				withRetries(
					async () => {
						if (!thrown) {
							thrown = true;
							throw error;
						}
						return 'sent';
					},
					policy,
					limiter,
					clock,
					() => 0,
				),
				(async () => {
					await clock.sleep(100);
					await withRetries(async () => (other = clock.now()), policy, limiter, clock, () => 0);
				})(),
			]),
		);
		expect(other).toBe(expected);
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

describe('autoConcurrency', () => {
	it.each([
		[80, 80],
		[10, 10],
		[5, 8],
		[20, 20],
		[250, 100],
		[0, 8],
		[Infinity, 8],
	])('%s/s → %s', (rate, expected) => {
		expect(autoConcurrency(rate)).toBe(expected);
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

describe('shared limiters', () => {
	it('gives one pacer per connection, whatever the rate, and drops it when no execution uses it', () => {
		const registry = new LimiterRegistry();
		const clock = new FakeClock();
		const a = registry.use('meta:1', { ratePerSecond: 80 }, 0, clock);
		const b = registry.use('meta:1', { ratePerSecond: 80 }, 10, clock);
		const c = registry.use('meta:2', { ratePerSecond: 80 }, 0, clock);
		expect(b.pacer).toBe(a.pacer);
		expect(c.pacer).not.toBe(a.pacer);
		expect(registry.size).toBe(2);
		a.release();
		a.release(); // twice counts once
		expect(registry.size).toBe(2);
		b.release();
		c.release();
		expect(registry.size).toBe(0);
		expect(registry.use('meta:1', { ratePerSecond: 80 }, 0, clock).pacer).not.toBe(a.pacer);
	});
});

describe('runItems', () => {
	const node = { id: '1', name: 'Send WhatsApp', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} } as INode;

	function context(count: number, continueOnFail = true): IExecuteFunctions {
		return {
			getInputData: () => Array.from({ length: count }, (_, i) => ({ json: { i } })),
			continueOnFail: () => continueOnFail,
			getNode: () => node,
			helpers: {
				returnJsonArray: (json: IDataObject) => [{ json }],
				constructExecutionMetaData: (items: INodeExecutionData[], { itemData }: { itemData: { item: number } }) =>
					items.map((item) => ({ ...item, pairedItem: itemData })),
			},
		} as unknown as IExecuteFunctions;
	}

	const options = (clock: FakeClock, extra = {}) => ({
		concurrency: 4,
		ratePerSecond: 10,
		retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 },
		clock,
		...extra,
	});

	/** One execution of three items that records when each is sent. */
	const recordingExecution = (clock: FakeClock, sent: number[], extra = {}) =>
		runItems(
			context(3),
			async () => {
				sent.push(clock.now());
				return {};
			},
			options(clock, extra),
		);

	it('gives exactly one output item per input item, paired and in order, failures included', async () => {
		const clock = new FakeClock();
		const [output] = await clock.run(
			runItems(
				context(6),
				async (index) => {
					await clock.sleep((6 - index) * 30);
					if (index === 2) throw failure({ providerCode: 131047, httpCode: 400 });
					return { index };
				},
				options(clock),
			),
		);
		expect(output.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4, 5].map((item) => ({ item })));
		expect(output[2].json).toMatchObject({ error: 'failed', itemIndex: 2, providerCode: 131047 });
		expect(output.filter((item) => item.json.error === undefined).map((item) => item.json.index)).toEqual([0, 1, 3, 4, 5]);
	});

	it('keeps executions sharing a connection key to its rate together', async () => {
		const clock = new FakeClock();
		const limiters = new LimiterRegistry();
		const sent: number[] = [];
		const loop = () => recordingExecution(clock, sent, { limiterKey: 'metaWhatsAppCloudApi:1', limiters });
		await clock.run(Promise.all([loop(), loop()]));
		// One pace for both: 10/s less the pacer's safety margin, evenly spaced.
		const interval = 1000 / (10 * (1 - PACER.margin));
		expect(sent).toEqual([0, 1, 2, 3, 4, 5].map((i) => i * interval));
		expect(limiters.size).toBe(0); // dropped once both executions are done
	});

	it('with concurrency 0, keeps enough requests in flight for the pace when the provider is slow', async () => {
		const clock = new FakeClock();
		let inFlight = 0;
		let peak = 0;
		const sent: number[] = [];
		await clock.run(
			runItems(
				context(60),
				async () => {
					sent.push(clock.now());
					peak = Math.max(peak, ++inFlight);
					await clock.sleep(800); // a provider answering in 800 ms
					inFlight--;
					return {};
				},
				options(clock, { concurrency: 0, ratePerSecond: 20 }),
			),
		);
		// 20/s with 800 ms answers needs 16 in flight (8 would give 10/s); the pace holds from first to last send.
		expect(peak).toBeGreaterThanOrEqual(16);
		expect(peak).toBeLessThanOrEqual(20);
		expect(sent[59] - sent[0]).toBe(59 * 50);
	});

	it('paces each execution on its own without a key', async () => {
		const clock = new FakeClock();
		const sent: number[] = [];
		await clock.run(Promise.all([recordingExecution(clock, sent), recordingExecution(clock, sent)]));
		expect(sent.sort((a, b) => a - b)).toEqual([0, 0, 100, 100, 200, 200]);
	});
});
