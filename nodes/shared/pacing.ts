import { sleep } from 'n8n-workflow';

import { failureInfo } from './errors';

/** Time as the limiter and the retry policy see it; tests pass a fake one. */
export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: async (ms) => {
		if (ms > 0) await sleep(ms);
	},
};

/**
 * What the item loop waits on before each attempt, and tells how the attempt went. `acquire`
 * resolves to the time the caller may send (its grant time); the answers name that grant, so a
 * pacer can tell an answer to a send made before it slowed down from one made after.
 */
export interface Limiter {
	acquire(): Promise<number>;
	/** The provider accepted the send granted at `grantedAt`. */
	onSuccess(grantedAt: number): void;
	/**
	 * The provider throttled the whole connection for the send granted at `grantedAt`.
	 * `delayMs`: how long the throttled message itself waits (Retry-After, or the backoff).
	 */
	onThrottle(grantedAt: number, retryAfterMs: number | undefined, delayMs: number): void;
}

/**
 * Spaces calls evenly at `ratePerSecond` across everything that shares it, and holds everyone back
 * after the provider said "too many" (Retry-After). Slots are reserved in order, so no burst
 * follows a pause. A fixed pace: a node's own lower limit, and the building block of tests.
 */
export class RateLimiter implements Limiter {
	private nextSlot = 0;

	private pausedUntil = 0;

	constructor(
		private readonly ratePerSecond: number,
		private readonly clock: Clock = systemClock,
	) {}

	get interval(): number {
		return this.ratePerSecond > 0 ? 1000 / this.ratePerSecond : 0;
	}

	/**
	 * Resolves when the caller may send. A pause that begins while the caller waits for its slot
	 * holds it back too: it takes a new slot after the pause.
	 */
	async acquire(): Promise<number> {
		for (;;) {
			const now = this.clock.now();
			const slot = Math.max(now, this.nextSlot, this.pausedUntil);
			this.nextSlot = slot + this.interval;
			if (slot > now) await this.clock.sleep(slot - now);
			const at = this.clock.now();
			if (this.pausedUntil <= at) return at;
		}
	}

	/** The provider throttled us: nobody sends before `ms` from now. */
	pause(ms: number): void {
		this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
	}

	onSuccess(): void {}

	/** A fixed pace learns nothing: everyone waits as long as the throttled message does. */
	onThrottle(_grantedAt: number, _retryAfterMs: number | undefined, delayMs: number): void {
		this.pause(delayMs);
	}
}

/** The adaptive pacer's parameters (ARCHITECTURE.md, "Pacing"). */
export interface PacerSettings {
	/** The connection's Messages Per Second: the pace never goes above it (0 = no limit). */
	ratePerSecond: number;
	/** n8n processes (queue-mode workers) sending through the connection: the pace starts at its share. */
	processes?: number;
}

export const PACER = {
	/** The pace stays this fraction below the configured rate, so jitter alone causes no 429. */
	margin: 0.015,
	/**
	 * On a connection throttle (once per send made after the last cut) the pace is multiplied by
	 * 1 − decreaseStep × the throttles of the last second, at least by `decrease`: one 429 is a window
	 * slightly exceeded, many are an overload.
	 */
	decreaseStep: 0.05,
	decrease: 0.5,
	/**
	 * A throttle while the pace is below this fraction of the ceiling means the limit is shared with
	 * other senders (other n8n processes, other apps): the pace is cut by `decreaseShared` at least,
	 * and rises only by probing.
	 */
	sharedBelow: 0.9,
	decreaseShared: 0.8,
	/** While sends succeed, the pace rises by this fraction of the ceiling per second... */
	increasePerSecond: 0.01,
	/** ...and by this much while it is below `recoverTo` of the pace it had when it was last cut. */
	recoverPerSecond: 0.15,
	recoverTo: 0.95,
	/** A timer that fired late is made up for, up to this many ms behind the schedule (then it restarts). */
	catchUpMs: 25,
	/** Probing speeds up with the square of the time since the last cut, in units of this (ms). */
	quietMs: 2000,
	/** The pace never goes below this fraction of the ceiling. */
	floor: 0.05,
};

/**
 * The pace of one connection, shared by every execution of this process that sends through it,
 * adjusted to what the provider allows (AIMD: additive increase, multiplicative decrease).
 *
 * - Waiting sends go one at a time, in order, at least one interval apart at the current pace, which
 *   starts at the ceiling (the configured rate less a small margin) divided by the processes sharing
 *   it, and never exceeds the ceiling. A timer that fires a little late is made up for by the next
 *   ones; after a long stall (a busy event loop) the schedule restarts instead of sending a burst.
 * - A connection throttle cuts the pace once per round (a 429 to a send granted before the last
 *   cut does not cut again) and pauses the connection for one interval per throttle of the last
 *   second, never longer than Retry-After: a window exceeded by one message costs a few
 *   milliseconds, a storm of 429s holds everyone back up to the provider's Retry-After.
 * - Each success raises the pace: quickly (`recoverPerSecond` of the ceiling per second) back to just
 *   under the pace it was cut from when it was alone at the top (a window exceeded by jitter), then
 *   by probing (`increasePerSecond`), faster with the square of the time since the last cut.
 * - A throttle while the pace is well below the ceiling means others share the limit: a deeper cut
 *   and no quick recovery, so several processes converge on a fair share (AIMD).
 */
export class AdaptivePacer implements Limiter {
	private ceiling = 0;

	private rate = 0;

	/** When the next caller may go, by the schedule of the pace. */
	private due = Number.NEGATIVE_INFINITY;

	private pausedUntil = 0;

	private readonly waiting: Array<(grantedAt: number) => void> = [];

	private dispatching = false;

	private lastCutAt = Number.NEGATIVE_INFINITY;

	/** The pace when it was last cut: where the provider said "too many" (the ceiling at first). */
	private cutFrom = 0;

	private throttles: number[] = [];

	constructor(
		settings: PacerSettings,
		private readonly clock: Clock = systemClock,
	) {
		this.configure(settings);
	}

	/** (Re)sets the ceiling; a lower ceiling takes effect at once, the pace restarts at the share. */
	configure(settings: PacerSettings): void {
		const rate = settings.ratePerSecond > 0 && Number.isFinite(settings.ratePerSecond) ? settings.ratePerSecond : 0;
		const ceiling = rate * (1 - PACER.margin);
		if (ceiling === this.ceiling) return;
		this.ceiling = ceiling;
		this.cutFrom = ceiling;
		const processes = Math.max(1, Math.floor(settings.processes ?? 1) || 1);
		this.rate = ceiling / processes;
	}

	/** The current pace in messages per second (0 = no limit). */
	get pace(): number {
		return this.rate;
	}

	get maxPace(): number {
		return this.ceiling;
	}

	async acquire(): Promise<number> {
		if (!(this.rate > 0)) {
			// No limit to keep: only a pause the provider asked for holds the caller back.
			while (this.pausedUntil > this.clock.now()) await this.clock.sleep(this.pausedUntil - this.clock.now());
			return this.clock.now();
		}
		return await new Promise<number>((resolve) => {
			this.waiting.push(resolve);
			if (this.dispatching) return;
			// Nobody was waiting: time without demand is no credit for a burst.
			this.due = Math.max(this.due, this.clock.now());
			void this.dispatch();
		});
	}

	/**
	 * Lets the waiting callers go one at a time, in order, one interval (at the pace of that moment)
	 * apart by the schedule, and not while paused. A pace cut or a pause takes effect for the very
	 * next caller; after a stall, the schedule restarts instead of sending the missed slots at once.
	 */
	private async dispatch(): Promise<void> {
		this.dispatching = true;
		try {
			while (this.waiting.length > 0) {
				const now = this.clock.now();
				const interval = 1000 / this.rate;
				const at = Math.max(now, this.due, this.pausedUntil);
				if (at > now) {
					await this.clock.sleep(at - now);
					continue;
				}
				// On schedule even when the timer fired a little late (the next one comes that much
				// sooner), but never more than `catchUpMs` behind: no burst after a stall.
				this.due = Math.max(this.due, now - PACER.catchUpMs) + interval;
				this.waiting.shift()!(now);
			}
		} finally {
			this.dispatching = false;
		}
	}

	onSuccess(): void {
		if (!(this.rate > 0) || this.rate >= this.ceiling) return;
		// Slow probing just after a throttle, faster the longer none came (the others may have stopped).
		const quiet = (this.clock.now() - this.lastCutAt) / PACER.quietMs;
		const probing = PACER.increasePerSecond * Math.max(1, quiet * quiet);
		const perSecond = Math.max(probing, this.rate < this.cutFrom * PACER.recoverTo ? PACER.recoverPerSecond : 0);
		this.rate = Math.min(this.ceiling, this.rate + (perSecond * this.ceiling) / this.rate);
	}

	onThrottle(grantedAt: number, retryAfterMs: number | undefined, delayMs: number): void {
		const now = this.clock.now();
		if (!(this.ceiling > 0)) {
			// No configured limit to adapt: hold everyone back as the provider asked.
			this.pausedUntil = Math.max(this.pausedUntil, now + delayMs);
			return;
		}
		this.throttles = this.throttles.filter((t) => t > now - 1000);
		this.throttles.push(now);
		if (grantedAt >= this.lastCutAt) {
			const shared = this.rate < this.ceiling * PACER.sharedBelow;
			const step = Math.max(PACER.decrease, 1 - PACER.decreaseStep * this.throttles.length);
			const factor = shared ? Math.min(PACER.decreaseShared, step) : step;
			this.cutFrom = shared ? 0 : this.rate;
			this.rate = Math.max(this.ceiling * PACER.floor, this.rate * factor);
			this.lastCutAt = now;
		}
		const pause = Math.min(retryAfterMs ?? delayMs, (this.throttles.length * 1000) / this.rate);
		this.pausedUntil = Math.max(this.pausedUntil, now + pause);
		this.due = Math.max(this.due, this.pausedUntil); // no catching up on the pause
	}
}

/** A node's own lower pace in front of its connection's shared pacer. */
class CappedLimiter implements Limiter {
	constructor(
		private readonly own: RateLimiter,
		private readonly shared: Limiter,
	) {}

	async acquire(): Promise<number> {
		await this.own.acquire();
		return await this.shared.acquire();
	}

	onSuccess(grantedAt: number): void {
		this.shared.onSuccess(grantedAt);
	}

	onThrottle(grantedAt: number, retryAfterMs: number | undefined, delayMs: number): void {
		this.shared.onThrottle(grantedAt, retryAfterMs, delayMs);
	}
}

/** One execution's hold on its connection's pacer; `release` when the execution is done. */
export interface PacerLease {
	limiter: Limiter;
	pacer: AdaptivePacer;
	release(): void;
}

/**
 * One pacer per saved connection (credential type and ID), shared by the executions of this n8n
 * process that send through it at the same time, whatever each node's own setting. An entry lives
 * while an execution holds it and is dropped when the last one releases it, so the map holds only
 * connections in use.
 */
export class LimiterRegistry {
	private readonly pacers = new Map<string, { pacer: AdaptivePacer; users: number }>();

	/**
	 * The connection's pacer, for one execution. `nodeRatePerSecond` (0 = none) can only lower the
	 * pace for this execution; the connection's pace and its pauses hold for everyone.
	 */
	use(key: string, settings: PacerSettings, nodeRatePerSecond = 0, clock: Clock = systemClock): PacerLease {
		let entry = this.pacers.get(key);
		if (!entry) {
			entry = { pacer: new AdaptivePacer(settings, clock), users: 0 };
			this.pacers.set(key, entry);
		} else {
			entry.pacer.configure(settings);
		}
		entry.users++;
		const held = entry;
		let released = false;
		const lower = nodeRatePerSecond > 0 && (!(settings.ratePerSecond > 0) || nodeRatePerSecond < settings.ratePerSecond);
		return {
			pacer: held.pacer,
			limiter: lower ? new CappedLimiter(new RateLimiter(nodeRatePerSecond, clock), held.pacer) : held.pacer,
			release: () => {
				if (released) return;
				released = true;
				if (--held.users <= 0 && this.pacers.get(key) === held) this.pacers.delete(key);
			},
		};
	}

	/** Connections with a pacer in use. */
	get size(): number {
		return this.pacers.size;
	}
}

/** The process-wide registry the item loop uses when given a limiter key. */
export const connectionLimiters = new LimiterRegistry();

/** The effective pace for one node: the lower of the connection's rate and the node's own (0 = none). */
export function effectiveRate(connectionRate: number, nodeRate = 0): number {
	if (nodeRate > 0 && (!(connectionRate > 0) || nodeRate < connectionRate)) return nodeRate;
	return connectionRate;
}

/**
 * The pace settings of one execution: the connection's Messages Per Second (the provider's default
 * when the saved connection has none) and processes sharing it, and the node's own option, which
 * can only lower it.
 */
export function pacingSettings(
	credentials: Record<string, unknown>,
	providerDefault: number,
	nodeOption: unknown,
): { ratePerSecond: number; nodeRatePerSecond: number; processes: number } {
	const positive = (value: unknown) => {
		const n = Number(value);
		return Number.isFinite(n) && n > 0 ? n : 0;
	};
	return {
		ratePerSecond: positive(credentials.messagesPerSecond) || providerDefault,
		nodeRatePerSecond: positive(nodeOption),
		processes: Math.max(1, Math.floor(positive(credentials.processesSharingLimit) || 1)),
	};
}

export interface RetryPolicy {
	/** Attempts in all, the first included. */
	maxAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** Retry a request whose fate is unknown (sent, then the connection broke). Risks duplicates. */
	retryUnknownDelivery: boolean;
	/**
	 * The least wait before resending after a throttle that concerns one recipient (Meta 131056, pair
	 * rate limit: about one message every 6 s to the same customer). Default 6000.
	 */
	recipientThrottleDelayMs?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxAttempts: 5,
	baseDelayMs: 500,
	maxDelayMs: 30_000,
	retryUnknownDelivery: false,
};

export type FailureClass = 'throttled' | 'transient' | 'unknownDelivery' | 'permanent';

/** Provider codes that mean "too many requests": Meta app/WABA/number/pair limits, Twilio account/sender limits. */
const THROTTLE_CODES = new Set(['4', '80007', '130429', '131056', '20429', '63018']);

/**
 * Throttles that concern one recipient, not the connection: Meta 131056, too many messages to the
 * same customer in a short time. Only that item waits; the others keep their pace.
 */
const RECIPIENT_THROTTLE_CODES = new Set(['131056']);

/** Classifies a node error made by a provider module (see FailureInfo). */
export function classifyFailure(error: unknown): FailureClass {
	const info = failureInfo(error);
	if (info.deliveryUnknown) return 'unknownDelivery';
	if (!info.retryable) return 'permanent';
	const httpCode = Number((error as { httpCode?: unknown }).httpCode);
	if (httpCode === 429 || THROTTLE_CODES.has(String(info.providerCode))) return 'throttled';
	return 'transient';
}

/** Whether a throttle holds back everything sent on the connection (true) or only its own item. */
export function throttlesConnection(error: unknown): boolean {
	return classifyFailure(error) === 'throttled' && !RECIPIENT_THROTTLE_CODES.has(String(failureInfo(error).providerCode));
}

/** Exponential backoff with full jitter, or what the provider asked for (Retry-After). */
export function retryDelay(
	attempt: number,
	policy: RetryPolicy,
	retryAfter: number | undefined,
	random: () => number = Math.random,
): number {
	if (retryAfter !== undefined) return Math.min(retryAfter, policy.maxDelayMs) + Math.floor(random() * 100);
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

export interface AttemptOutcome<T> {
	value?: T;
	error?: unknown;
	attempts: number;
	retries: number;
}

/**
 * Sends once, then again while the failure allows it. Never re-sends a request whose delivery is
 * unknown unless the policy says so. Each attempt waits for the limiter.
 */
export async function withRetries<T>(
	send: () => Promise<T>,
	policy: RetryPolicy,
	limiter: Limiter,
	clock: Clock = systemClock,
	random: () => number = Math.random,
): Promise<AttemptOutcome<T>> {
	let attempt = 0;
	for (;;) {
		attempt++;
		const grantedAt = await limiter.acquire();
		try {
			const value = await send();
			limiter.onSuccess(grantedAt);
			return { value, attempts: attempt, retries: attempt - 1 };
		} catch (error) {
			const kind = classifyFailure(error);
			const mayRetry =
				kind === 'throttled' || kind === 'transient' || (kind === 'unknownDelivery' && policy.retryUnknownDelivery);
			if (!mayRetry || attempt >= policy.maxAttempts) return { error, attempts: attempt, retries: attempt - 1 };
			const retryAfterMs = failureInfo(error).retryAfterMs;
			let delay = retryDelay(attempt, policy, retryAfterMs, random);
			if (kind === 'throttled') {
				// The connection's limit: its pacer slows down (this message waits Retry-After).
				// One customer's limit: only this item waits.
				if (throttlesConnection(error)) limiter.onThrottle(grantedAt, retryAfterMs, delay);
				else delay = Math.max(delay, policy.recipientThrottleDelayMs ?? 6000);
			}
			await clock.sleep(delay);
		}
	}
}
