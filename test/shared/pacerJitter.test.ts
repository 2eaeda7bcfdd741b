/**
 * The adaptive pacer (nodes/shared/pacing.ts) as it meets a real provider: requests reach the
 * provider's strict sliding one-second window after a variable delay (network and request
 * pipeline jitter), and each n8n process's event loop stalls now and then (timers fire late,
 * requests already granted leave late). One, two and three processes (independent pacers, no shared
 * state) send through one number. All in virtual time, from fixed seeds: nothing here waits for real
 * time, and nothing asserts a duration.
 */
import type { INode } from 'n8n-workflow';

import { providerApiError } from '../../nodes/shared/errors';
import { AdaptivePacer, DEFAULT_RETRY_POLICY, PACER, withRetries, type Clock, type Limiter } from '../../nodes/shared/pacing';
import { runPool } from '../../nodes/shared/pool';
import { FakeClock } from '../helpers/fakeClock';

const node = { id: '1', name: 'Send WhatsApp', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
const throttled = () =>
	providerApiError(node, 0, { provider: 'test', message: 'Rate limit hit', httpCode: 429, providerCode: 130429, retryable: true, retryAfterMs: 1000 }, []);

/** A small seeded generator (mulberry32): the same jitter on every run. */
function seeded(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** One n8n process's view of time: its event loop stalls (a timer due inside a stall fires at its end). */
class ProcessClock implements Clock {
	private readonly stalls: Array<[number, number]> = [];

	constructor(
		private readonly clock: FakeClock,
		random: () => number,
		{ perSecond, maxMs }: { perSecond: number; maxMs: number },
	) {
		for (let t = 0; t < 300_000; ) {
			t += (-Math.log(1 - random()) * 1000) / perSecond;
			this.stalls.push([t, t + 5 + random() * (maxMs - 5)]);
		}
	}

	now(): number {
		return this.clock.now();
	}

	async sleep(ms: number): Promise<void> {
		let at = this.clock.now() + Math.max(0, ms);
		const stall = this.stalls.find(([start, end]) => start <= at && at < end);
		if (stall) at = stall[1];
		await this.clock.sleep(at - this.clock.now());
	}
}

/** A provider's strict sliding window: at most `limit` accepted in any second, 429 beyond. */
class StrictWindow {
	readonly accepted: Array<{ at: number; sender: number }> = [];

	refused = 0;

	constructor(private readonly limit: number) {}

	admit(now: number, sender: number): boolean {
		let inWindow = 0;
		for (let i = this.accepted.length - 1; i >= 0 && this.accepted[i].at > now - 1000; i--) inWindow++;
		if (inWindow >= this.limit) {
			this.refused++;
			return false;
		}
		this.accepted.push({ at: now, sender });
		return true;
	}

	/** Accepted per second from the first to the last accepted (the bench's figure). */
	rate(): number {
		const times = this.accepted.map((a) => a.at);
		return ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
	}
}

interface Sender {
	pacer: AdaptivePacer;
	grants: number[];
	paces: number[];
	attempts: number;
	failed: number;
}

/**
 * One process sending `count` messages through `pacer`, 80 in flight, each retried as the item loop
 * does: grant → (jitter, late in a stall) → the provider decides → 50 ms later the answer.
 */
async function sendFrom(
	index: number,
	clock: ProcessClock,
	provider: StrictWindow,
	random: () => number,
	count: number,
	pacer: AdaptivePacer,
): Promise<Sender> {
	const sender: Sender = { pacer, grants: [], paces: [], attempts: 0, failed: 0 };
	const limiter: Limiter = {
		acquire: async () => {
			const at = await pacer.acquire();
			sender.grants.push(at);
			sender.paces.push(pacer.pace);
			return at;
		},
		onSuccess: () => pacer.onSuccess(),
		onThrottle: (at, retryAfter, delay) => pacer.onThrottle(at, retryAfter, delay),
	};
	await runPool(count, 80, async () => {
		const outcome = await withRetries(
			async () => {
				sender.attempts++;
				// The request pipeline and the network: 3 to 13 ms, now and then 15 ms more on average.
				await clock.sleep(3 + random() * 10 + (random() < 0.05 ? -Math.log(1 - random()) * 15 : 0));
				const ok = provider.admit(clock.now(), index);
				await clock.sleep(50);
				if (!ok) throw throttled();
				return true;
			},
			DEFAULT_RETRY_POLICY,
			limiter,
			clock,
			random,
		);
		if (outcome.error) sender.failed++;
	});
	return sender;
}

/** `processes` n8n processes, one execution of `count` messages each, starting up to 400 ms apart. */
async function run(processes: number, count: number, seed: number, sharing = 1) {
	const clock = new FakeClock();
	const provider = new StrictWindow(80);
	const random = seeded(seed);
	const senders = await clock.run(
		Promise.all(
			Array.from({ length: processes }, async (_, i) => {
				const own = seeded(seed * 100 + i);
				const processClock = new ProcessClock(clock, own, { perSecond: 4, maxMs: 40 });
				if (i > 0) await clock.sleep(random() * 400);
				const pacer = new AdaptivePacer({ ratePerSecond: 80, processes: sharing }, processClock);
				return await sendFrom(i, processClock, provider, own, count, pacer);
			}),
		),
	);
	const attempts = senders.reduce((n, s) => n + s.attempts, 0);
	return { provider, senders, attempts, share429: provider.refused / attempts };
}

/** The most grant times in any span of `spanMs`. */
function mostWithin(times: number[], spanMs: number): number {
	const sorted = [...times].sort((a, b) => a - b);
	let most = 0;
	for (let i = 0, j = 0; i < sorted.length; i++) {
		while (sorted[i] - sorted[j] >= spanMs) j++;
		most = Math.max(most, i - j + 1);
	}
	return most;
}

describe('AdaptivePacer with jitter and stalls: one process against a strict window', () => {
	it.each([[1], [2], [3]])('seed %i: holds ≥ 0.95 of the limit with ≤ 1 %% 429s, every message delivered once', async (seed) => {
		const { provider, senders, share429 } = await run(1, 2000, seed);
		expect(senders[0].failed).toBe(0);
		expect(provider.accepted).toHaveLength(2000);
		expect(provider.rate()).toBeGreaterThanOrEqual(80 * 0.95);
		expect(share429).toBeLessThanOrEqual(0.01);
	});

	it('never paces above the configured rate, and never grants more than it within its window', async () => {
		const { senders } = await run(1, 2000, 4);
		expect(Math.max(...senders[0].paces)).toBeLessThanOrEqual(80 * (1 - PACER.margin));
		// Late timers are made up for, but never beyond the configured rate's worth in a window.
		expect(mostWithin(senders[0].grants, 1000 / (1 - PACER.margin) - 1e-6)).toBeLessThanOrEqual(80);
	});
});

describe('AdaptivePacer with jitter and stalls: processes sharing one number, no shared state', () => {
	it.each([
		[2, 1],
		[3, 1],
		[3, 3],
	])('%i processes (Processes Sharing the Limit %i): together close to the limit, few 429s, a fair share', async (processes, sharing) => {
		const { provider, senders, share429 } = await run(processes, 1000, 7, sharing);
		expect(senders.every((s) => s.failed === 0)).toBe(true);
		expect(provider.accepted).toHaveLength(processes * 1000);
		// Nobody goes above the configured rate, and nothing exceeds the provider's window.
		for (const s of senders) expect(Math.max(...s.paces)).toBeLessThanOrEqual(80 * (1 - PACER.margin));
		expect(provider.rate()).toBeGreaterThanOrEqual(80 * 0.85);
		expect(share429).toBeLessThanOrEqual(0.035);
		// While all of them send (after the first seconds), each gets between half and twice a fair share.
		const allSending = Math.min(...senders.map((s) => s.grants[s.grants.length - 1]));
		const from = 3000;
		const inPeriod = provider.accepted.filter((a) => a.at >= from && a.at < allSending);
		for (let i = 0; i < processes; i++) {
			const share = inPeriod.filter((a) => a.sender === i).length / inPeriod.length;
			expect(share).toBeGreaterThan(1 / processes / 2);
			expect(share).toBeLessThan(2 / processes);
		}
		// Together they use most of the limit while they all send.
		expect(((inPeriod.length - 1) * 1000) / (inPeriod[inPeriod.length - 1].at - inPeriod[0].at)).toBeGreaterThanOrEqual(80 * 0.88);
	});
});

describe('AdaptivePacer: how it reads the answers', () => {
	/** A pacer that has sent for a while at `rate` with every answer a success (virtual time). */
	async function warmed(rate: number, processes = 1, sends = rate) {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer({ ratePerSecond: rate, processes }, clock);
		const grants: number[] = [];
		await clock.run(
			(async () => {
				for (let i = 0; i < sends; i++) {
					const at = await pacer.acquire();
					grants.push(at);
					pacer.onSuccess();
				}
			})(),
		);
		return { clock, pacer, grants };
	}

	/** A burst of 429s: `rounds` times, a new send refused 60 ms later together with the three before it. */
	async function burst(clock: FakeClock, pacer: AdaptivePacer, rounds: number) {
		await clock.run(
			(async () => {
				for (let r = 0; r < rounds; r++) {
					const at = await pacer.acquire();
					await clock.sleep(60);
					for (let k = 0; k < 4; k++) pacer.onThrottle(at - k * 10, 1000, 1000);
				}
			})(),
		);
	}

	it('a rare 429 at the top is jitter: the margin widens a little, the pace is not cut, and it wears off', async () => {
		const { clock, pacer, grants } = await warmed(80);
		const before = pacer.maxPace;
		pacer.onThrottle(grants[grants.length - 1], 1000, 1000);
		expect(pacer.maxPace).toBeCloseTo(80 * (1 - PACER.margin - PACER.marginStep), 6);
		expect(pacer.pace).toBeCloseTo(pacer.maxPace, 6);
		expect(pacer.pace).toBeGreaterThan(before * 0.99);
		// Successes for a long while: the margin is back where it started.
		await clock.run(
			(async () => {
				for (let i = 0; i < 1000; i++) {
					await pacer.acquire();
					pacer.onSuccess();
				}
				await clock.sleep(20_000);
				await pacer.acquire();
				pacer.onSuccess();
			})(),
		);
		expect(pacer.maxPace).toBeCloseTo(before, 6);
	});

	it('half the recent answers refused: the pace goes to about half at once', async () => {
		const { clock, pacer } = await warmed(80);
		const start = pacer.pace;
		// A second sender appears: of the next 20 answers, every other one is a 429.
		await clock.run(
			(async () => {
				for (let i = 0; i < 20; i++) {
					const at = await pacer.acquire();
					if (i % 2) pacer.onThrottle(at - 1000, 1000, 1000);
					else pacer.onSuccess();
				}
				const at = await pacer.acquire();
				pacer.onThrottle(at, 1000, 1000);
			})(),
		);
		expect(pacer.pace).toBeLessThan(start * 0.6);
		expect(pacer.pace).toBeGreaterThanOrEqual(start * PACER.deepest * 0.99);
	});

	it('a 429 to a send granted before the last cut does not cut again', async () => {
		const { clock, pacer, grants } = await warmed(40, 2);
		pacer.onThrottle(grants[grants.length - 1], 1000, 1000);
		const afterCut = pacer.pace;
		expect(afterCut).toBeLessThan(20);
		// Answers still on their way, to sends granted before the cut: no further cut.
		for (const at of grants.slice(-5, -1)) pacer.onThrottle(at, 1000, 1000);
		expect(pacer.pace).toBe(afterCut);
		// A send granted after the cut, throttled after the hold: cut again.
		const next = await clock.run(
			(async () => {
				await clock.sleep(PACER.holdMs);
				return await pacer.acquire();
			})(),
		);
		pacer.onThrottle(next, 1000, 1000);
		expect(pacer.pace).toBeLessThan(afterCut);
	});

	it('the faster of two senders cuts deeper for the same share refused (so they converge on a fair share)', async () => {
		// Two processes' pacers below the ceiling, at half and a quarter of it.
		const fast = await warmed(80, 2);
		const slow = await warmed(80, 4);
		const before: number[] = [];
		for (const { pacer, grants } of [fast, slow]) {
			// Many answers just now, all accepted, then one 429: about the same small share refused for both.
			for (let i = 0; i < 60; i++) pacer.onSuccess();
			before.push(pacer.pace);
			pacer.onThrottle(grants[grants.length - 1], 1000, 1000);
		}
		const factor = (pacer: AdaptivePacer, i: number) => pacer.pace / before[i];
		expect(factor(fast.pacer, 0)).toBeLessThan(0.95);
		expect(factor(slow.pacer, 1)).toBeGreaterThan(factor(fast.pacer, 0) + 0.03);
		// Neither is cut below the floor of a cut by pace.
		expect(factor(fast.pacer, 0)).toBeGreaterThanOrEqual(PACER.paceCutFloor * 0.99);
	});

	it('after a stall, the window still holds, and once jitter was seen what was granted just before counts as sent at its end', async () => {
		const fake = new FakeClock();
		let sleeps = 0;
		// The 200th wait of the dispatcher ends 200 ms late: the event loop was blocked.
		const clock: Clock = { now: () => fake.now(), sleep: async (ms) => fake.sleep(++sleeps === 200 ? ms + 200 : ms) };
		const pacer = new AdaptivePacer({ ratePerSecond: 80 }, clock);
		const times: number[] = [];
		await fake.run(
			(async () => {
				for (let i = 0; i < 400; i++) {
					const at = await pacer.acquire();
					times.push(at);
					// One 429 among a hundred answers at the top: jitter, the margin widens.
					if (i === 100) pacer.onThrottle(at, 1000, 1000);
					else pacer.onSuccess();
				}
			})(),
		);
		expect(mostWithin(times, 1000 / (1 - PACER.margin) - 1e-6)).toBeLessThanOrEqual(80);
		const resumed = times.findIndex((t, i) => i > 0 && t - times[i - 1] >= 200);
		expect(resumed).toBeGreaterThan(101);
		// The send granted just before the stall counts as made at its end: its 80th successor comes
		// a window (about 1,015 ms at the widened margin) after the stall, not after that send.
		expect(times[resumed - 1 + 80] - times[resumed]).toBeGreaterThanOrEqual(1000);
	});

	it('a burst of 429s after a long spell alone at the top costs a few seconds: the pace climbs back quickly', async () => {
		const { clock, pacer } = await warmed(80, 1, 400);
		const before = pacer.pace;
		// A second's worth of requests arrived at once (a stall on the way): a burst of 429s, then none.
		await burst(clock, pacer, 4);
		expect(pacer.pace).toBeLessThan(before * 0.6);
		await clock.run(
			(async () => {
				const until = clock.now() + PACER.restoreAfterMs + 2500;
				while (clock.now() < until) {
					await pacer.acquire();
					pacer.onSuccess();
				}
			})(),
		);
		expect(pacer.pace).toBeGreaterThanOrEqual(before * 0.9);
		expect(pacer.pace).toBeLessThanOrEqual(pacer.maxPace);
	});

	it('a sender that just arrived at the top does not climb back quickly after a cut (it may be sharing the limit)', async () => {
		const { clock, pacer } = await warmed(80);
		const before = pacer.pace;
		await burst(clock, pacer, 4);
		const cut = pacer.pace;
		expect(cut).toBeLessThan(before * 0.6);
		await clock.run(
			(async () => {
				const until = clock.now() + PACER.restoreAfterMs + 2500;
				while (clock.now() < until) {
					await pacer.acquire();
					pacer.onSuccess();
				}
			})(),
		);
		expect(pacer.pace).toBeLessThan(cut + (before - cut) / 2);
	});

	it('left alone after a cut, it grows back to the configured rate within seconds', async () => {
		const { clock, pacer } = await warmed(80);
		// Another sender's worth of throttles: down to half or less.
		await burst(clock, pacer, 4);
		const low = pacer.pace;
		expect(low).toBeLessThan(pacer.maxPace * 0.9);
		const paces: number[] = [];
		await clock.run(
			(async () => {
				const until = clock.now() + 2 * PACER.quietMs + 3000;
				while (clock.now() < until) {
					await pacer.acquire();
					pacer.onSuccess();
					paces.push(pacer.pace);
				}
			})(),
		);
		expect(pacer.pace).toBeCloseTo(pacer.maxPace, 6);
		expect(Math.max(...paces)).toBeLessThanOrEqual(pacer.maxPace);
	});
});
