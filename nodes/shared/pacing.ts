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

	/** Resolves when the caller may send. */
	async acquire(): Promise<void> {
		const now = this.clock.now();
		const slot = Math.max(now, this.nextSlot, this.pausedUntil);
		this.nextSlot = slot + this.interval;
		if (slot > now) await this.clock.sleep(slot - now);
	}

	/** The provider throttled us: nobody sends before `ms` from now. */
	pause(ms: number): void {
		this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
	}
}

export interface RetryPolicy {
	/** Attempts in all, the first included. */
	maxAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** Retry a request whose fate is unknown (sent, then the connection broke). Risks duplicates. */
	retryUnknownDelivery: boolean;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxAttempts: 5,
	baseDelayMs: 500,
	maxDelayMs: 30_000,
	retryUnknownDelivery: false,
};

export type FailureClass = 'throttled' | 'transient' | 'unknownDelivery' | 'permanent';

/** Classifies a node error made by a provider module (see FailureInfo). */
export function classifyFailure(error: unknown): FailureClass {
	const info = failureInfo(error);
	if (info.deliveryUnknown) return 'unknownDelivery';
	if (!info.retryable) return 'permanent';
	const httpCode = Number((error as { httpCode?: unknown }).httpCode);
	const throttleCodes = new Set(['4', '80007', '130429', '131056', '20429', '63018']);
	if (httpCode === 429 || throttleCodes.has(String(info.providerCode))) return 'throttled';
	return 'transient';
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
			const delay = retryDelay(attempt, policy, failureInfo(error).retryAfterMs, random);
			if (kind === 'throttled') limiter.pause(delay);
			await clock.sleep(delay);
		}
	}
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
