/** The sandbox's two limiter shapes (sandbox/limiters.js), alone with explicit times and through the sandbox. */
import { createLimiter } from '../../sandbox/limiters';
import { DEFAULT_ACCOUNTS, startSandbox, type Sandbox } from '../../sandbox';

const META = DEFAULT_ACCOUNTS.meta;

describe('limiter shapes', () => {
	it('token bucket: refills continuously, so a request a little early after the bucket empties waits only for its token', () => {
		const limiter = createLimiter({ limit: 4, windowMs: 1000, shape: 'tokenBucket' });
		expect([0, 0, 0, 0].map(() => limiter.take('a', 0))).toEqual([0, 0, 0, 0]);
		expect(limiter.take('a', 0)).toBe(250);
		expect(limiter.take('a', 250)).toBe(0); // one token back after a quarter of the window
		expect(limiter.take('b', 250)).toBe(0); // another account has its own
	});

	it('sliding window: at most the limit in any window; the next is allowed when the oldest leaves it', () => {
		const limiter = createLimiter({ limit: 3, windowMs: 1000, shape: 'slidingWindow' });
		expect([0, 400, 800].map((t) => limiter.take('a', t))).toEqual([0, 0, 0]);
		expect(limiter.take('a', 900)).toBe(100);
		expect(limiter.take('a', 999)).toBe(1);
		expect(limiter.take('a', 1000)).toBe(0); // the request at 0 left the window
		expect(limiter.take('a', 1300)).toBe(100); // 400, 800, 1000 are in (300, 1300]
		expect(limiter.take('a', 1400)).toBe(0);
	});

	it('refuses an unknown shape', () => {
		expect(() => createLimiter({ limit: 1, windowMs: 1000, shape: 'leaky' })).toThrow(/tokenBucket, slidingWindow/);
	});
});

describe('the sandbox with each shape', () => {
	let sb: Sandbox;
	beforeAll(async () => {
		sb = await startSandbox();
	});
	afterAll(async () => sb.close());
	beforeEach(() => sb.reset());

	const send = async () =>
		fetch(`${sb.metaBaseUrl}/v23.0/${META.phoneNumberId}/messages`, {
			method: 'POST',
			headers: { authorization: `Bearer ${META.accessToken}`, 'content-type': 'application/json' },
			body: JSON.stringify({ messaging_product: 'whatsapp', to: '15551234567', type: 'text', text: { body: 'hi' } }),
		});

	it.each(['tokenBucket', 'slidingWindow'] as const)('%s: 429 with Retry-After beyond the limit', async (shape) => {
		sb.configure({ rateLimit: { limit: 2, windowMs: 60_000, shape } });
		const answers = [];
		for (let i = 0; i < 3; i++) answers.push(await send());
		expect(answers.map((r) => r.status)).toEqual([200, 200, 429]);
		expect(Number(answers[2].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
		expect(((await answers[2].json()) as { error: { code: number } }).error.code).toBe(130429);
		expect(sb.stats().providers.meta).toMatchObject({ accepted: 2, rejected429: 1 });
	});

	it('limiterShape applies to ratePerSecond; a bad shape is refused', () => {
		expect(sb.configure({ ratePerSecond: 80, limiterShape: 'slidingWindow' }).rateLimit).toEqual({ limit: 80, windowMs: 1000, shape: 'slidingWindow' });
		expect(() => sb.configure({ rateLimit: { limit: 1, windowMs: 1000, shape: 'leaky' as never } })).toThrow(/shape/);
	});
});
