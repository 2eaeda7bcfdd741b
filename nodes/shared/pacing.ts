import { systemClock, type Clock } from './clock';
import { failureInfo } from './errors';
import { PaceShare, type PaceShareOptions } from './paceSharing';

export { systemClock, type Clock } from './clock';

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
	/**
	 * The pace stays at least this fraction below the configured rate: the pacer's own window is
	 * 1000 ms ÷ (1 − margin) long (1,010 ms at first), and it never lets more than the pace's worth of
	 * sends start within it, so jitter alone causes no 429 against a strict one-second window.
	 */
	margin: 0.01,
	/** A throttle that looks like jitter (see `jitterShare`) widens the margin by this... */
	marginStep: 0.005,
	/** ...up to this much... */
	maxMargin: 0.05,
	/** ...and the widening wears off by this fraction of the rate per second without a throttle. */
	marginRelaxPerSecond: 0.0005,
	/**
	 * A connection throttle while the pace is at the ceiling (at least `topAbove` of it) and at most
	 * `jitterShare` of the last second's answers were throttles is jitter against a strict window: the
	 * margin widens, the pace is not cut.
	 */
	jitterShare: 0.03,
	topAbove: 0.97,
	/** The same while the process holds a share from the trigger (paceSharing.ts): the others are accounted for. */
	sharedJitterShare: 0.1,
	/**
	 * Any other connection throttle means more traffic than the limit (other senders share it, or it
	 * is lower than configured) and cuts the pace, at most once per round (a 429 to a send granted
	 * before the last cut does not cut again) and once per `holdMs` unless more than `stormShare` of
	 * the recent answers (the last `recentMs`, if at least `recentAnswers`, else the last second) were
	 * throttles. The pace is multiplied by the share of recent answers accepted, and at most by
	 * 1 − decrease × (pace ÷ ceiling)³ (but that by no less than `paceCutFloor`), never by less than
	 * `deepest`: the faster sender cuts deeper (that is what brings several senders to a fair share),
	 * and two senders at the full pace on one limit, each seeing half its sends refused, each go to
	 * about half at once.
	 */
	decrease: 0.6,
	deepest: 0.5,
	holdMs: 300,
	stormShare: 0.1,
	paceCutFloor: 0.7,
	recentMs: 300,
	recentAnswers: 8,
	/**
	 * A cut from the ceiling after `restoreSettledMs` there without a cut is a burst of 429s (the
	 * provider or n8n stalled, and a second's worth of requests arrived at once), not a new sender:
	 * once no throttle came for `restoreAfterMs`, the pace climbs back by `restorePerSecond` of the
	 * ceiling per second to `restoreTo` of where it was, instead of the long climb. Further cuts of the
	 * same burst keep that way back; a cut after it (another sender, during the climb) ends it.
	 */
	restoreTo: 0.95,
	restoreAfterMs: 1000,
	restoreSettledMs: 3000,
	restorePerSecond: 0.3,
	/** While sends succeed, the pace rises by this fraction of the ceiling per second... */
	increasePerSecond: 0.01,
	/**
	 * ...or, once no throttle came for `quietMs`, by up to `growthPerSecond` of itself per second
	 * (reached after another `quietMs`): fast when the others have stopped; never above the ceiling.
	 */
	quietMs: 3000,
	growthPerSecond: 0.6,
	/** A timer that fired late is made up for, up to this many ms behind the schedule (then it restarts). */
	catchUpMs: 100,
	/**
	 * When the pacer's own timer fires more than `stallMs` late, the event loop was blocked and what
	 * was granted just before may have left only now: the grants of the last `stallMs` count as made
	 * now in the pacer's window, and after a jitter throttle (the margin widened) those of the last
	 * interval and `sendMs` more.
	 */
	stallMs: 5,
	sendMs: 10,
	/** The pace never goes below this fraction of the ceiling. */
	floor: 0.05,
};

/**
 * The pace of one connection, shared by every execution of this process that sends through it,
 * adjusted to what the provider allows: AIMD (additive increase, multiplicative decrease) within a
 * window of the pacer's own sends.
 *
 * - Waiting sends go one at a time, in order, at least one interval apart at the current pace, which
 *   starts at the ceiling (the configured rate less the margin) divided by the processes sharing it,
 *   and never exceeds the ceiling. A timer that fires a little late is made up for by the next ones,
 *   but never so that more than the pace's worth of sends start within the pacer's window (1000 ms ÷
 *   (1 − margin)): a strict provider window sees no burst. After a long stall (a busy event loop)
 *   the schedule restarts instead of sending the missed slots at once, and the sends granted just
 *   before the stall count as made when it ended.
 * - A connection throttle at the ceiling, with nearly every other answer of the last second a
 *   success, is jitter: the margin widens a little (and wears off while sends succeed).
 * - Any other connection throttle cuts the pace (see `PACER.decrease`) and holds the connection back
 *   for one interval; the throttled message itself waits its Retry-After.
 * - Each success raises the pace a little; after a quiet spell it grows by a share of itself per
 *   second, so a process left alone on the limit gets it back within seconds.
 */
export class AdaptivePacer implements Limiter {
	/** The configured rate (0 = no limit). */
	private limit = 0;

	private margin: number = PACER.margin;

	private rate = 0;

	/** When the next caller may go, by the schedule of the pace. */
	private due = Number.NEGATIVE_INFINITY;

	private pausedUntil = 0;

	private readonly waiting: Array<(grantedAt: number) => void> = [];

	private dispatching = false;

	private lastCutAt = Number.NEGATIVE_INFINITY;

	/** The last throttle that cut the pace or widened the margin (growth waits `quietMs` after it). */
	private lastThrottleAt = Number.NEGATIVE_INFINITY;

	private lastRelaxAt = 0;

	/** After a cut at the top that did not look like another sender: the pace to return to quickly. */
	private restoreTo = 0;

	/** The last cut of the pace itself (not a widening of the margin). */
	private lastPaceCutAt = Number.NEGATIVE_INFINITY;

	/** When the burst began that set `restoreTo`. */
	private burstAt = Number.NEGATIVE_INFINITY;

	/** Grant times of the last two seconds, oldest first (the pacer's window). */
	private readonly sent: number[] = [];

	/** Answers of the last second: when, and whether it was a connection throttle. */
	private readonly answers: Array<{ at: number; throttled: boolean }> = [];

	constructor(
		settings: PacerSettings,
		private readonly clock: Clock = systemClock,
	) {
		this.configure(settings);
	}

	/** (Re)sets the configured rate; a new rate takes effect at once, the pace restarts at the share. */
	configure(settings: PacerSettings): void {
		const rate = settings.ratePerSecond > 0 && Number.isFinite(settings.ratePerSecond) ? settings.ratePerSecond : 0;
		if (rate === this.limit) return;
		this.limit = rate;
		this.margin = PACER.margin;
		const processes = Math.max(1, Math.floor(settings.processes ?? 1) || 1);
		this.rate = this.ceiling / processes;
	}

	/** This process's share of the limit, given by the connection's Pace Sharing URL (0 = none). */
	private share = 0;

	private everShared = false;

	private get ceiling(): number {
		return (this.share > 0 ? Math.min(this.limit, this.share) : this.limit) * (1 - this.margin);
	}

	/**
	 * This process's share of the connection's limit (paceSharing.ts), or undefined when it has none
	 * (then it adapts alone, from where it is). The first share sets the pace; a larger one later is
	 * taken at once (paceSharing.ts confirms it first), a smaller one applies to the very next send.
	 */
	setShare(share: number | undefined): void {
		if (!(this.limit > 0)) return;
		const before = this.ceiling;
		this.share = share !== undefined && share > 0 ? share : 0;
		const after = this.ceiling;
		if (share !== undefined && !this.everShared) {
			// The first share replaces the start at Processes Sharing the Limit: the trigger knows who sends.
			this.everShared = true;
			this.rate = after;
		} else if (share !== undefined && after > before) this.rate = Math.min(after, this.rate + (after - before));
		else this.rate = Math.min(this.rate, after);
		this.restoreTo = Math.min(this.restoreTo, after);
	}

	/** The current pace in messages per second (0 = no limit). */
	get pace(): number {
		return this.rate;
	}

	/** The most the pace may be now: the configured rate less the margin (which widens on jitter). */
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
			const now = this.clock.now();
			// Nobody was waiting: time without demand is no credit for a burst.
			this.due = Math.max(this.due, now);
			// The first send starts the quiet spell after which the pace grows, and the time at the top.
			if (this.lastThrottleAt === Number.NEGATIVE_INFINITY) this.lastThrottleAt = now;
			if (this.lastPaceCutAt === Number.NEGATIVE_INFINITY) this.lastPaceCutAt = now;
			void this.dispatch();
		});
	}

	/**
	 * When the window allows the next send: the `k`-th send before it (k = the pace's worth of sends
	 * in the window, the configured rate at the ceiling) must be at least k intervals back.
	 */
	private windowOpensAt(now: number, interval: number): number {
		const window = 1000 / (1 - this.margin);
		const k = Math.max(1, Math.floor((this.rate * window) / 1000 + 1e-9));
		while (this.sent.length > 0 && this.sent[0] <= now - 2000) this.sent.shift();
		return this.sent.length >= k ? this.sent[this.sent.length - k] + k * interval : now;
	}

	/**
	 * Lets the waiting callers go one at a time, in order, one interval (at the pace of that moment)
	 * apart by the schedule, within the window, and not while paused. A pace cut or a pause takes
	 * effect for the very next caller.
	 */
	private async dispatch(): Promise<void> {
		this.dispatching = true;
		try {
			while (this.waiting.length > 0) {
				const now = this.clock.now();
				const interval = 1000 / this.rate;
				const at = Math.max(now, this.due, this.pausedUntil, this.windowOpensAt(now, interval));
				if (at > now) {
					await this.clock.sleep(at - now);
					const woke = this.clock.now();
					if (woke - at > PACER.stallMs) {
						// The event loop was blocked: what was granted just before may have left only now.
						const since = at - (this.margin > PACER.margin ? interval + PACER.sendMs : PACER.stallMs);
						for (let i = this.sent.length - 1; i >= 0 && this.sent[i] > since; i--) this.sent[i] = woke;
					}
					continue;
				}
				// On schedule even when the timer fired a little late (the next ones come that much
				// sooner, within the window), but never more than `catchUpMs` behind: no larger burst after a stall.
				this.due = Math.max(this.due, now - PACER.catchUpMs) + interval;
				this.sent.push(now);
				this.waiting.shift()!(now);
			}
		} finally {
			this.dispatching = false;
		}
	}

	private answered(now: number, throttled: boolean): void {
		while (this.answers.length > 0 && this.answers[0].at <= now - 1000) this.answers.shift();
		this.answers.push({ at: now, throttled });
	}

	/** The share of throttles among the answers since `since`. */
	private refusedSince(since: number): { share: number; answers: number } {
		let answers = 0;
		let throttled = 0;
		for (const answer of this.answers) {
			if (answer.at <= since) continue;
			answers++;
			if (answer.throttled) throttled++;
		}
		return { share: answers > 0 ? throttled / answers : 0, answers };
	}

	onSuccess(): void {
		if (!(this.rate > 0)) return;
		const now = this.clock.now();
		this.answered(now, false);
		if (this.margin > PACER.margin) {
			this.margin = Math.max(PACER.margin, this.margin - (PACER.marginRelaxPerSecond * (now - this.lastRelaxAt)) / 1000);
		}
		this.lastRelaxAt = now;
		if (this.rate >= this.ceiling) return;
		if (this.rate < this.restoreTo && now - this.lastCutAt >= PACER.restoreAfterMs) {
			// Cut at the top by a burst (a stall somewhere on the way): back quickly to just under where it was.
			this.rate = Math.min(this.ceiling, this.restoreTo, this.rate + (PACER.restorePerSecond * this.ceiling) / this.rate);
			return;
		}
		// A little per second just after a throttle; growing once none came for a while (the others may have stopped).
		const quiet = (now - this.lastThrottleAt) / PACER.quietMs;
		const additive = PACER.increasePerSecond * this.ceiling;
		const growth = PACER.growthPerSecond * this.rate * Math.min(1, Math.max(0, quiet - 1));
		this.rate = Math.min(this.ceiling, this.rate + Math.max(additive, growth) / this.rate);
	}

	onThrottle(grantedAt: number, retryAfterMs: number | undefined, delayMs: number): void {
		const now = this.clock.now();
		if (!(this.limit > 0)) {
			// No configured limit to adapt: hold everyone back as the provider asked.
			this.pausedUntil = Math.max(this.pausedUntil, now + delayMs);
			return;
		}
		this.answered(now, true);
		const lastSecond = this.refusedSince(now - 1000);
		const lately = this.refusedSince(now - PACER.recentMs);
		const recent = lately.answers >= PACER.recentAnswers ? lately.share : lastSecond.share;
		if (grantedAt >= this.lastCutAt + (recent > PACER.stormShare ? 0 : PACER.holdMs)) {
			// With a share from the trigger the other senders are accounted for: a throttle at the top is jitter
			// unless a storm of them came (at a share's lower rates one 429 is a larger part of a second's answers).
			const jitterShare = this.share > 0 ? PACER.sharedJitterShare : PACER.jitterShare;
			if (lastSecond.share <= jitterShare && this.rate >= this.ceiling * PACER.topAbove) {
				// Jitter against a strict window: a wider margin, the same pace.
				this.margin = Math.min(PACER.maxMargin, this.margin + PACER.marginStep);
				this.lastRelaxAt = now;
				this.rate = Math.min(this.rate, this.ceiling);
			} else {
				const byPace = Math.max(PACER.paceCutFloor, 1 - PACER.decrease * (this.rate / this.ceiling) ** 3);
				const factor = Math.max(PACER.deepest, Math.min(1 - recent, byPace));
				// Alone at the top for a while (no cut for `restoreSettledMs`): a burst, not a new sender.
				// Further cuts of the same burst keep the way back; a cut after it (during the climb) ends it.
				if (this.rate >= this.ceiling * PACER.topAbove && now - this.lastPaceCutAt >= PACER.restoreSettledMs) {
					this.restoreTo = this.rate * PACER.restoreTo;
					this.burstAt = now;
				} else if (now - this.burstAt >= PACER.restoreAfterMs) this.restoreTo = 0;
				this.lastPaceCutAt = now;
				this.rate = Math.max(this.ceiling * PACER.floor, this.rate * factor);
			}
			this.lastCutAt = now;
			this.lastThrottleAt = now;
		}
		// One slot skipped: the window is full now. The throttled message itself waits its Retry-After.
		const pause = Math.min(retryAfterMs ?? delayMs, 1000 / this.rate);
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
	/** Resolves when the first send may go: the process's share is known (or it adapts alone). */
	ready: Promise<void>;
	release(): void;
}

/** How this process takes part in sharing the connection's limit (its Pace Sharing URL). */
export type PaceSharing = Omit<PaceShareOptions, 'onShare' | 'clock' | 'connection' | 'rate'>;

/**
 * One pacer per saved connection (credential type and ID), shared by the executions of this n8n
 * process that send through it at the same time, whatever each node's own setting. An entry lives
 * while an execution holds it and is dropped when the last one releases it, so the map holds only
 * connections in use.
 */
export class LimiterRegistry {
	private readonly pacers = new Map<string, { pacer: AdaptivePacer; users: number; share?: PaceShare; joined: Promise<void> }>();

	/**
	 * The connection's pacer, for one execution. `nodeRatePerSecond` (0 = none) can only lower the
	 * pace for this execution; the connection's pace and its pauses hold for everyone.
	 */
	use(key: string, settings: PacerSettings, nodeRatePerSecond = 0, clock: Clock = systemClock, sharing?: PaceSharing): PacerLease {
		let entry = this.pacers.get(key);
		if (!entry) {
			entry = { pacer: new AdaptivePacer(settings, clock), users: 0, joined: Promise.resolve() };
			this.pacers.set(key, entry);
		} else {
			entry.pacer.configure(settings);
		}
		if (sharing && !entry.share && settings.ratePerSecond > 0) {
			// The first execution here that shares the pace through the trigger takes the process's lease.
			const pacer = entry.pacer;
			entry.share = new PaceShare({ ...sharing, connection: key, rate: settings.ratePerSecond, clock, onShare: (value) => pacer.setShare(value) });
			entry.joined = entry.share.join();
		}
		entry.users++;
		const held = entry;
		let released = false;
		const lower = nodeRatePerSecond > 0 && (!(settings.ratePerSecond > 0) || nodeRatePerSecond < settings.ratePerSecond);
		return {
			pacer: held.pacer,
			limiter: lower ? new CappedLimiter(new RateLimiter(nodeRatePerSecond, clock), held.pacer) : held.pacer,
			ready: held.joined,
			release: () => {
				if (released) return;
				released = true;
				if (--held.users <= 0 && this.pacers.get(key) === held) {
					this.pacers.delete(key);
					held.share?.release();
				}
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
): { ratePerSecond: number; nodeRatePerSecond: number; processes: number; paceSharingUrl: string } {
	const positive = (value: unknown) => {
		const n = Number(value);
		return Number.isFinite(n) && n > 0 ? n : 0;
	};
	return {
		ratePerSecond: positive(credentials.messagesPerSecond) || providerDefault,
		nodeRatePerSecond: positive(nodeOption),
		processes: Math.max(1, Math.floor(positive(credentials.processesSharingLimit) || 1)),
		paceSharingUrl: typeof credentials.paceSharingUrl === 'string' ? credentials.paceSharingUrl.trim() : '',
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
