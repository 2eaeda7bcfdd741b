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
 * Spaces calls evenly at `ratePerSecond` across everything that shares it (one connection), and
 * holds everyone back after the provider said "too many" (Retry-After). Slots are reserved in
 * order, so no burst follows a pause.
 */
export class RateLimiter {
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
	async acquire(): Promise<void> {
		for (;;) {
			const now = this.clock.now();
			const slot = Math.max(now, this.nextSlot, this.pausedUntil);
			this.nextSlot = slot + this.interval;
			if (slot > now) await this.clock.sleep(slot - now);
			if (this.pausedUntil <= this.clock.now()) return;
		}
	}

	/** The provider throttled us: nobody sends before `ms` from now. */
	pause(ms: number): void {
		this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
	}
}

/**
 * Limiters shared by key (one connection at one pace), so that executions running at the same time
 * in this n8n process keep to the connection's limit together instead of each at the full rate.
 */
export class LimiterRegistry {
	private readonly limiters = new Map<string, RateLimiter>();

	get(key: string, ratePerSecond: number, clock: Clock = systemClock): RateLimiter {
		const id = `${key}\n${ratePerSecond}`;
		let limiter = this.limiters.get(id);
		if (!limiter) {
			limiter = new RateLimiter(ratePerSecond, clock);
			this.limiters.set(id, limiter);
		}
		return limiter;
	}
}

/** The process-wide registry the item loop uses when given a limiter key. */
export const connectionLimiters = new LimiterRegistry();

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
	limiter: RateLimiter,
	clock: Clock = systemClock,
	random: () => number = Math.random,
): Promise<AttemptOutcome<T>> {
	let attempt = 0;
	for (;;) {
		attempt++;
		await limiter.acquire();
		try {
			return { value: await send(), attempts: attempt, retries: attempt - 1 };
		} catch (error) {
			const kind = classifyFailure(error);
			const mayRetry =
				kind === 'throttled' || kind === 'transient' || (kind === 'unknownDelivery' && policy.retryUnknownDelivery);
			if (!mayRetry || attempt >= policy.maxAttempts) return { error, attempts: attempt, retries: attempt - 1 };
			let delay = retryDelay(attempt, policy, failureInfo(error).retryAfterMs, random);
			if (kind === 'throttled') {
				// The connection's limit: everyone waits. One customer's limit: only this item waits.
				if (throttlesConnection(error)) limiter.pause(delay);
				else delay = Math.max(delay, policy.recipientThrottleDelayMs ?? 6000);
			}
			await clock.sleep(delay);
		}
	}
}

/**
 * Requests in flight needed to keep a pace: the limiter spaces the sends, and the pool must have
 * enough of them on their way to fill the spaces while the provider answers. One second's worth of
 * messages keeps the pace for answers up to a second long (at least 8, at most 100).
 */
export function autoConcurrency(ratePerSecond: number): number {
	if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) return 8;
	return Math.min(100, Math.max(8, Math.ceil(ratePerSecond)));
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; results keep input order. */
export async function runPool<T>(
	count: number,
	concurrency: number,
	task: (index: number) => Promise<T>,
	shouldStop: () => boolean = () => false,
): Promise<Array<T | undefined>> {
	const results: Array<T | undefined> = new Array(count);
	let next = 0;
	const worker = async () => {
		while (next < count && !shouldStop()) {
			const index = next++;
			results[index] = await task(index);
		}
	};
	const workers = Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker);
	await Promise.all(workers);
	return results;
}
