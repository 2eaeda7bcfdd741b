/**
 * The adaptive pacer (nodes/shared/pacing.ts) against simulated provider limiters, in virtual time:
 * a strict sliding one-second window and a token bucket, each answering 429 with Retry-After beyond
 * its limit. Nothing here waits for real time, and nothing asserts a duration.
 */
import type { INode } from 'n8n-workflow';

import { MetaWhatsAppCloudApi } from '../../credentials/MetaWhatsAppCloudApi.credentials';
import { TwilioWhatsAppApi } from '../../credentials/TwilioWhatsAppApi.credentials';
import { WhatsAppWebhookApi } from '../../credentials/WhatsAppWebhookApi.credentials';
import { providerApiError } from '../../nodes/shared/errors';
import {
	AdaptivePacer,
	DEFAULT_RETRY_POLICY,
	LimiterRegistry,
	PACER,
	pacingSettings,
	withRetries,
	type Limiter,
} from '../../nodes/shared/pacing';
import { runPool } from '../../nodes/shared/pool';
import { providerFor } from '../../nodes/shared/providers';
import { FakeClock } from '../helpers/fakeClock';

const node = { id: '1', name: 'Send WhatsApp', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
const throttled = () =>
	providerApiError(node, 0, { provider: 'test', message: 'Rate limit hit', httpCode: 429, providerCode: 130429, retryable: true, retryAfterMs: 1000 }, []);

type Shape = 'slidingWindow' | 'tokenBucket';

/** A provider's limiter: `limit` accepted per second, 429 beyond; answers after `latencyMs`. */
class SimulatedProvider {
	accepted: number[] = [];

	rejected = 0;

	private tokens: number;

	private last = 0;

	/** While set, everything is refused (a burst of 429s). */
	blockedUntil = 0;

	constructor(
		private readonly clock: FakeClock,
		private readonly limit: number,
		private readonly shape: Shape,
		private readonly latencyMs = 50,
	) {
		this.tokens = limit;
	}

	private admit(now: number): boolean {
		if (now < this.blockedUntil) return false;
		if (this.shape === 'slidingWindow') {
			let inWindow = 0;
			for (let i = this.accepted.length - 1; i >= 0 && this.accepted[i] > now - 1000; i--) inWindow++;
			return inWindow < this.limit;
		}
		this.tokens = Math.min(this.limit, this.tokens + ((now - this.last) * this.limit) / 1000);
		this.last = now;
		if (this.tokens < 1) return false;
		this.tokens -= 1;
		return true;
	}

	async send(): Promise<{ at: number }> {
		const at = this.clock.now();
		const ok = this.admit(at);
		if (ok) this.accepted.push(at);
		else this.rejected++;
		await this.clock.sleep(this.latencyMs);
		if (!ok) throw throttled();
		return { at };
	}

	/** Accepted per second from the first to the last accepted, over [from, to). */
	rate(from = 0, to = Infinity): number {
		const times = this.accepted.filter((t) => t >= from && t < to);
		return times.length > 1 ? ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]) : 0;
	}

	/** The most accepted in any window [t, t + 1000). */
	maxInWindow(): number {
		let most = 0;
		let j = 0;
		for (let i = 0; i < this.accepted.length; i++) {
			while (this.accepted[i] - this.accepted[j] >= 1000) j++;
			most = Math.max(most, i - j + 1);
		}
		return most;
	}
}

const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 10 };

/** `count` messages through `limiter`, `concurrency` in flight, each retried as the item loop does. */
async function broadcast(clock: FakeClock, provider: SimulatedProvider, limiter: Limiter, count: number, concurrency = 80) {
	let attempts = 0;
	let failed = 0;
	await runPool(count, concurrency, async () => {
		const outcome = await withRetries(
			() => {
				attempts++;
				return provider.send();
			},
			policy,
			limiter,
			clock,
			() => 0.5,
		);
		if (outcome.error) failed++;
	});
	return { attempts, failed };
}

describe('AdaptivePacer: one process', () => {
	it.each<[Shape]>([['slidingWindow'], ['tokenBucket']])('holds a %s limit at its configured rate with no 429', async (shape) => {
		const clock = new FakeClock();
		const provider = new SimulatedProvider(clock, 80, shape);
		const pacer = new AdaptivePacer({ ratePerSecond: 80 }, clock);
		const { attempts, failed } = await clock.run(broadcast(clock, provider, pacer, 800));
		expect(failed).toBe(0);
		expect(provider.rejected).toBe(0);
		expect(attempts).toBe(800);
		expect(provider.rate()).toBeGreaterThanOrEqual(80 * (1 - PACER.margin) * 0.99);
		expect(provider.maxInWindow()).toBeLessThanOrEqual(80);
	});

	it('never goes above the configured rate, not even after long success', async () => {
		const clock = new FakeClock();
		const provider = new SimulatedProvider(clock, 1000, 'tokenBucket');
		const pacer = new AdaptivePacer({ ratePerSecond: 40 }, clock);
		const paces: number[] = [];
		const limiter: Limiter = {
			acquire: () => pacer.acquire(),
			onSuccess: (at) => {
				pacer.onSuccess();
				paces.push(pacer.pace);
				void at;
			},
			onThrottle: (at, retryAfter, delay) => pacer.onThrottle(at, retryAfter, delay),
		};
		await clock.run(broadcast(clock, provider, limiter, 400, 40));
		expect(Math.max(...paces)).toBeLessThanOrEqual(40);
		expect(provider.maxInWindow()).toBeLessThanOrEqual(40);
	});

	it('converges from above: a provider allowing less than configured', async () => {
		const clock = new FakeClock();
		const provider = new SimulatedProvider(clock, 50, 'slidingWindow');
		const pacer = new AdaptivePacer({ ratePerSecond: 80 }, clock);
		const { attempts, failed } = await clock.run(broadcast(clock, provider, pacer, 1500));
		expect(failed).toBe(0);
		expect(pacer.pace).toBeLessThan(56);
		// After the first seconds the pace sits near what the provider allows, with few 429s.
		expect(provider.rate(5000)).toBeGreaterThanOrEqual(50 * 0.8);
		expect(provider.rejected / attempts).toBeLessThanOrEqual(0.05);
	});

	it('converges from below: starting at a share, it climbs to the configured rate and no further', async () => {
		const clock = new FakeClock();
		const provider = new SimulatedProvider(clock, 80, 'slidingWindow');
		const pacer = new AdaptivePacer({ ratePerSecond: 80, processes: 4 }, clock);
		expect(pacer.pace).toBeCloseTo(20 * (1 - PACER.margin), 5);
		await clock.run(broadcast(clock, provider, pacer, 2500));
		expect(pacer.pace).toBeCloseTo(pacer.maxPace, 5);
		expect(provider.rejected).toBe(0);
		const end = provider.accepted[provider.accepted.length - 1];
		expect(provider.rate(end - 5000)).toBeGreaterThanOrEqual(80 * 0.97);
	});

	it('keeps to the share the Pace Sharing URL gives it, takes a larger share at once, and adapts from where it is when it loses its share', async () => {
		const clock = new FakeClock();
		// The other half of the number's 80/s is another worker's: this process may have 40.
		const provider = new SimulatedProvider(clock, 40, 'slidingWindow');
		const pacer = new AdaptivePacer({ ratePerSecond: 80 }, clock);
		pacer.setShare(40);
		expect(pacer.maxPace).toBeCloseTo(40 * (1 - PACER.margin), 5);
		expect(pacer.pace).toBeCloseTo(40 * (1 - PACER.margin), 5);
		const { failed } = await clock.run(broadcast(clock, provider, pacer, 400));
		expect(failed).toBe(0);
		expect(provider.rejected).toBe(0);
		expect(provider.maxInWindow()).toBeLessThanOrEqual(40);
		expect(provider.rate()).toBeGreaterThanOrEqual(40 * (1 - PACER.margin) * 0.98);
		// The other worker finished and gave its share back: the whole limit, from the next send.
		pacer.setShare(80);
		expect(pacer.pace).toBeCloseTo(80 * (1 - PACER.margin), 5);
		// Never above the configured rate, whatever the share says.
		pacer.setShare(200);
		expect(pacer.maxPace).toBeCloseTo(80 * (1 - PACER.margin), 5);
		// Started at a third (Processes Sharing the Limit 3), the first share from the trigger sets the pace.
		const third = new AdaptivePacer({ ratePerSecond: 80, processes: 3 }, clock);
		expect(third.pace).toBeCloseTo((80 * (1 - PACER.margin)) / 3, 5);
		third.setShare(80);
		expect(third.pace).toBeCloseTo(80 * (1 - PACER.margin), 5);
		// Back to a share, then the trigger is lost: the ceiling is the connection's, the pace stays and grows from there.
		pacer.setShare(40);
		pacer.setShare(undefined);
		expect(pacer.maxPace).toBeCloseTo(80 * (1 - PACER.margin), 5);
		expect(pacer.pace).toBeCloseTo(40 * (1 - PACER.margin), 5);
	});

	it('recovers after a burst of 429s', async () => {
		const clock = new FakeClock();
		const provider = new SimulatedProvider(clock, 80, 'slidingWindow');
		const pacer = new AdaptivePacer({ ratePerSecond: 80 }, clock);
		provider.blockedUntil = 0;
		const run = broadcast(clock, provider, pacer, 2400);
		const block = (async () => {
			await clock.sleep(3000);
			provider.blockedUntil = clock.now() + 2000; // everything refused for two seconds
		})();
		const { failed } = await clock.run(Promise.all([run, block]).then(([r]) => r));
		expect(provider.rejected).toBeGreaterThan(0);
		expect(failed).toBe(0);
		// Back at (nearly) the full pace before the end.
		const end = provider.accepted[provider.accepted.length - 1];
		expect(provider.rate(end - 3000)).toBeGreaterThanOrEqual(80 * 0.9);
		expect(provider.maxInWindow()).toBeLessThanOrEqual(80);
	});
});

describe('AdaptivePacer: timing', () => {
	it('lets no burst through when a timer fires late (a busy event loop)', async () => {
		const fake = new FakeClock();
		let sleeps = 0;
		// The 10th wait of the dispatcher ends 300 ms late, as when the event loop was blocked.
		const clock = { now: () => fake.now(), sleep: async (ms: number) => fake.sleep(++sleeps === 10 ? ms + 300 : ms) };
		const pacer = new AdaptivePacer({ ratePerSecond: 50 }, clock);
		const times: number[] = [];
		await fake.run(Promise.all(Array.from({ length: 40 }, async () => times.push(await pacer.acquire()))));
		const interval = 1000 / pacer.maxPace;
		// At most catchUpMs made up for after the stall, not the 300 ms missed.
		const extra = Math.floor(PACER.catchUpMs / interval) + 1;
		for (let i = extra + 1; i < times.length; i++) expect(times[i] - times[i - extra - 1]).toBeGreaterThanOrEqual(interval - 1e-9);
		expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(39 * interval + 300 - PACER.catchUpMs - 1e-9);
	});

	it('without a limit, lets everything go at once but for a pause the provider asked for', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer({ ratePerSecond: 0 }, clock);
		expect(await clock.run(Promise.all([pacer.acquire(), pacer.acquire()]))).toEqual([0, 0]);
		pacer.onThrottle(0, 2000, 2000);
		expect(await clock.run(pacer.acquire())).toBe(2000);
	});
});

describe('AdaptivePacer: two processes on one number', () => {
	it.each<[Shape]>([['slidingWindow'], ['tokenBucket']])('share a %s limit fairly with few 429s', async (shape) => {
		const clock = new FakeClock();
		const provider = new SimulatedProvider(clock, 80, shape);
		// Two processes: no shared state, only the provider's answers.
		const a = new AdaptivePacer({ ratePerSecond: 80 }, clock);
		const b = new AdaptivePacer({ ratePerSecond: 80 }, clock);
		const ownA: number[] = [];
		const ownB: number[] = [];
		const tracking = (pacer: AdaptivePacer, own: number[]): Limiter => ({
			acquire: () => pacer.acquire(),
			onSuccess: (at) => {
				own.push(at);
				pacer.onSuccess();
			},
			onThrottle: (at, retryAfter, delay) => pacer.onThrottle(at, retryAfter, delay),
		});
		const [ra, rb] = await clock.run(
			Promise.all([broadcast(clock, provider, tracking(a, ownA), 1500), broadcast(clock, provider, tracking(b, ownB), 1500)]),
		);
		expect(ra.failed + rb.failed).toBe(0);
		expect(provider.accepted).toHaveLength(3000);
		// Never above a strict window's limit, together close to it, and few attempts refused.
		if (shape === 'slidingWindow') expect(provider.maxInWindow()).toBeLessThanOrEqual(80);
		const bothRunning = Math.min(ownA[ownA.length - 1], ownB[ownB.length - 1]);
		expect(provider.rate(2000, bothRunning)).toBeGreaterThanOrEqual(80 * 0.8);
		expect(provider.rejected / (ra.attempts + rb.attempts)).toBeLessThanOrEqual(0.05);
		// A fair share: in the second half of the time both send, each gets between a third and two thirds.
		const inPeriod = (own: number[]) => own.filter((t) => t >= bothRunning / 2 && t < bothRunning).length;
		const share = inPeriod(ownA) / (inPeriod(ownA) + inPeriod(ownB));
		expect(share).toBeGreaterThan(1 / 3);
		expect(share).toBeLessThan(2 / 3);
	});
});

describe('one pace per connection', () => {
	it('two executions with different node rates on one connection stay at the connection rate together', async () => {
		const clock = new FakeClock();
		const provider = new SimulatedProvider(clock, 1000, 'tokenBucket'); // the provider would allow far more
		const registry = new LimiterRegistry();
		const settings = pacingSettings({ messagesPerSecond: 20 }, 80, undefined);
		expect(settings.ratePerSecond).toBe(20);
		const slow = registry.use('metaWhatsAppCloudApi:1', settings, 8, clock);
		const fast = registry.use('metaWhatsAppCloudApi:1', settings, 200, clock);
		const slowTimes: number[] = [];
		const recording = (limiter: Limiter, times?: number[]): Limiter => ({
			acquire: async () => {
				const at = await limiter.acquire();
				times?.push(at);
				return at;
			},
			onSuccess: (at) => limiter.onSuccess(at),
			onThrottle: (at, retryAfter, delay) => limiter.onThrottle(at, retryAfter, delay),
		});
		await clock.run(
			Promise.all([broadcast(clock, provider, recording(slow.limiter, slowTimes), 40), broadcast(clock, provider, recording(fast.limiter), 160)]),
		);
		expect(provider.accepted).toHaveLength(200);
		// Together: never more than the connection's 20 in any second, and at its pace.
		expect(provider.maxInWindow()).toBeLessThanOrEqual(20);
		expect(provider.rate()).toBeGreaterThanOrEqual(20 * (1 - PACER.margin) * 0.98);
		// The slow node keeps its own lower pace inside the shared one.
		expect(((slowTimes.length - 1) * 1000) / (slowTimes[slowTimes.length - 1] - slowTimes[0])).toBeLessThanOrEqual(8);
		slow.release();
		fast.release();
		expect(registry.size).toBe(0);
	});

	it("a throttle in one execution slows the other's sends through the same connection", async () => {
		const clock = new FakeClock();
		const registry = new LimiterRegistry();
		const one = registry.use('twilioWhatsAppApi:7', { ratePerSecond: 10 }, 0, clock);
		const other = registry.use('twilioWhatsAppApi:7', { ratePerSecond: 10 }, 5, clock);
		expect(other.pacer).toBe(one.pacer);
		const before = one.pacer.pace;
		const at = await clock.run(one.limiter.acquire());
		one.limiter.onThrottle(at, 1000, 1000);
		expect(one.pacer.pace).toBeLessThan(before);
		const next = await clock.run(other.limiter.acquire());
		expect(next).toBeGreaterThan(at);
	});

	it("the connection's rate comes from the connection; the node's option can only lower it", () => {
		expect(pacingSettings({}, 80, 0)).toEqual({ ratePerSecond: 80, nodeRatePerSecond: 0, processes: 1, paceSharingUrl: '' });
		expect(pacingSettings({ messagesPerSecond: 250, processesSharingLimit: 3, paceSharingUrl: ' https://n8n.example.com/webhook/abc/whatsapp ' }, 80, 40)).toEqual({
			ratePerSecond: 250,
			nodeRatePerSecond: 40,
			processes: 3,
			paceSharingUrl: 'https://n8n.example.com/webhook/abc/whatsapp',
		});
		const registry = new LimiterRegistry();
		const lease = registry.use('k', { ratePerSecond: 80 }, 200);
		expect(lease.limiter).toBe(lease.pacer); // 200 > 80: the node's option does not raise the pace
		lease.release();
	});
});

describe('the connection fields', () => {
	it.each([
		[new MetaWhatsAppCloudApi(), 'metaWhatsAppCloudApi'],
		[new TwilioWhatsAppApi(), 'twilioWhatsAppApi'],
		[new WhatsAppWebhookApi(), 'whatsAppWebhookApi'],
	])("%#: Messages Per Second defaults to the provider's rate, Processes Sharing the Limit to 1", (credential, type) => {
		const field = (name: string) => credential.properties.find((p) => p.name === name);
		expect(field('messagesPerSecond')?.default).toBe(providerFor(type)!.defaultRatePerSecond);
		expect(field('processesSharingLimit')?.default).toBe(1);
		// A connection saved before these fields existed paces at the provider's default.
		expect(pacingSettings({}, providerFor(type)!.defaultRatePerSecond, 0).ratePerSecond).toBe(field('messagesPerSecond')?.default);
	});
});
