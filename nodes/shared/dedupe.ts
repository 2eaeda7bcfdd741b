import type { InboundEvent } from './inbound';

/**
 * Repeated deliveries: providers send a webhook again when it was not answered in time (Meta for
 * days, Twilio on timeouts), and a gateway may do the same. The trigger remembers what each trigger
 * node has already started a run for, for a time window, so a redelivery starts nothing.
 *
 * The memory is this n8n process's own: one map for every trigger of the process, bounded in entries
 * (the oldest are forgotten first) and in time (entries expire after their window). It covers one
 * n8n main process, and queue mode when the main process takes the webhooks. Separate webhook
 * processors (`n8n webhook`) each remember only what they received themselves.
 *
 * n8n's workflow static data is not used: n8n saves it only after an execution ends (from that
 * execution's copy, last writer wins, on the worker in queue mode), so two deliveries arriving
 * together would both see "not seen yet".
 */
export const DEDUPE_MAX_ENTRIES = 20_000;

/** What identifies one delivery: provider, message ID, and for statuses the status; undefined when it has no ID. */
export function deliveryKey(event: InboundEvent): string | undefined {
	if (!event.messageId) return undefined;
	const isStatus = event.event !== 'message' && event.status !== undefined;
	if (event.event !== 'message' && !isStatus) return undefined;
	return `${event.provider}\u0000${isStatus ? `status:${event.status}` : 'message'}\u0000${event.messageId}`;
}

export class DeliveryMemory {
	/** key → expiry (ms); Map keeps insertion order, so the first entries are the oldest. */
	private readonly seen = new Map<string, number>();

	constructor(
		private readonly maxEntries = DEDUPE_MAX_ENTRIES,
		private readonly now: () => number = Date.now,
	) {}

	get size(): number {
		return this.seen.size;
	}

	/**
	 * Keeps the events not seen within the window (for this scope), and remembers them, all in one
	 * synchronous step: two identical deliveries arriving together cannot both pass.
	 * Events without an ID (account updates, errors of no message) always pass.
	 */
	admit<T extends InboundEvent>(scope: string, events: T[], windowMs: number): { fresh: T[]; repeated: number; keys: string[] } {
		const now = this.now();
		const fresh: T[] = [];
		let repeated = 0;
		const inThisBatch = new Set<string>();
		for (const event of events) {
			const id = deliveryKey(event);
			if (id === undefined) {
				fresh.push(event);
				continue;
			}
			const key = `${scope}\u0000${id}`;
			const expires = this.seen.get(key);
			if ((expires !== undefined && expires > now) || inThisBatch.has(key)) {
				repeated += 1;
				continue;
			}
			inThisBatch.add(key);
			fresh.push(event);
		}
		for (const key of inThisBatch) {
			this.seen.delete(key); // re-insert at the end: newest
			this.seen.set(key, now + windowMs);
		}
		this.trim(now);
		return { fresh, repeated, keys: [...inThisBatch] };
	}

	/** Forgets deliveries admitted by `admit` (its `keys`): their run never started, so a resend must run. */
	forget(keys: readonly string[]): void {
		for (const key of keys) this.seen.delete(key);
	}

	private trim(now: number): void {
		for (const [key, expires] of this.seen) {
			if (this.seen.size <= this.maxEntries && expires > now) break;
			this.seen.delete(key);
		}
	}
}

/** The process-wide memory every trigger of this n8n process shares (keys are scoped per trigger node). */
export const deliveryMemory = new DeliveryMemory();
