/**
 * Sharing one connection's Messages Per Second between n8n processes (queue-mode workers) through an
 * active WhatsApp trigger, which runs on n8n's main instance: each worker's pacer holds a lease there
 * and sends at the share the trigger gives it (the limit ÷ the processes holding a lease). A worker
 * that finishes gives its share back; one that stops answering loses it after `LEASE_TTL_MS`.
 *
 * The trigger keeps the leases in memory (this process's maps below): nothing is stored, no server is
 * added. Requests carry a MAC derived from the connection's secret, like answers (ask/forward.ts), and
 * a sequence number per holder, so only Send nodes with a connection of the same account take part
 * and a replayed request changes nothing. Without a Pace Sharing URL, or while the trigger cannot be
 * used, each process finds its share from the provider's answers alone (pacing.ts).
 *
 * Never more than the limit at the provider: a smaller share applies to the holder's very next send;
 * a newcomer starts only once every other holder has renewed since it joined (so they have slowed
 * down); a larger share is taken at once when a holder gave its share back, otherwise only when a
 * second answer, a heartbeat later, confirms it.
 */
import { randomUUID } from 'node:crypto';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { signForward, verifyForward, type SignedHop } from './ask/forward';
import type { Clock } from './clock';
import type { WhatsAppProvider } from './providers/types';
import type { Transport } from './transport';

export const PACE_HOP: SignedHop = {
	label: 'n8n-whatsapp-providers/pace/v1',
	signatureHeader: 'x-wa-pace-signature',
	timestampHeader: 'x-wa-pace-ts',
	what: 'pace lease',
	from: 'a Send WhatsApp node',
	maxSkewMs: 30_000,
};

/**
 * How often a holder renews its lease (and learns its share). Each renewal is one webhook request to
 * n8n's main instance, which under n8n 2.40's default expression engine costs it about a tenth of a
 * second of CPU (isolates; BENCHMARKS.md, *Trigger*): once a second keeps that to a tenth of a core
 * per sending worker.
 */
export const HEARTBEAT_MS = 1000;
/** A lease not renewed for this long is gone: its share goes to the others. */
export const LEASE_TTL_MS = 3500;
/** A newcomer asks this often whether the others have slowed down for it... */
const JOIN_POLL_MS = 100;
/** ...then gives the others' answers a moment to arrive... */
const JOIN_SETTLE_MS = 20;
/** ...and starts anyway after this long (a holder that does not renew loses its lease soon after). */
const JOIN_WAIT_MS = 3000;
/** While the trigger cannot be used, how often a holder asks again. */
const RETRY_MS = 5000;
/** How long a lease request may take before the holder sends on its own. */
const REQUEST_TIMEOUT_MS = 2000;
/** An execution sending fewer messages takes no lease (no round trip to the trigger for a reply or two). */
export const LEASE_MIN_ITEMS = 10;
/** Bounds on what an (authenticated) caller can make the trigger keep. */
const MAX_CONNECTIONS = 100;
const MAX_HOLDERS = 100;
const MAX_KNOWN = 1000;

/** This n8n process, as the trigger side: a holder that hears from two learns the leases are not kept in one place. */
const INSTANCE = randomUUID();

/** The body of a lease request. */
export interface PaceLeaseRequest {
	kind: 'pace-lease';
	/** The saved connection (credential type and ID) whose limit is shared. */
	connection: string;
	/** One process's pacer (random per pacer). */
	holder: string;
	/** Increases with each request of the holder: an older or repeated one changes nothing. */
	seq: number;
	/** The connection's Messages Per Second. */
	rate: number;
	release?: boolean;
}

/** The trigger's answer. */
export interface PaceLeaseAnswer {
	/** This holder's share in messages per second. */
	share: number;
	holders: number;
	/** A newcomer waits (asks again shortly) until every other holder has renewed since it joined. */
	wait: boolean;
	/** The n8n process that keeps the leases. */
	instance: string;
	/** A holder gave its share back since this one's last renewal (and none lapsed): a larger share may be taken at once. */
	released?: boolean;
}

interface Lease {
	until: number;
	joinedAt: number;
	seenAt: number;
}

/** Per trigger workflow and connection: the live leases, and every holder's last sequence number (replays). */
const tables = new Map<
	string,
	{ live: Map<string, Lease>; known: Map<string, { seq: number; released: boolean; forgetAt: number }>; releasedAt: number; lapsedAt: number }
>();

/** Forgets every lease (tests; a restart does the same). */
export function clearPaceLeases(): void {
	tables.clear();
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
	const value = headers[name];
	return Array.isArray(value) ? String(value[0]) : typeof value === 'string' ? value : undefined;
}

function json(status: number, body: unknown): { status: number; body: string } {
	return { status, body: JSON.stringify(body) };
}

function wellFormed(request: PaceLeaseRequest | undefined): request is PaceLeaseRequest {
	const rate = Number(request?.rate);
	return (
		request?.kind === 'pace-lease' &&
		typeof request.connection === 'string' &&
		typeof request.holder === 'string' &&
		request.connection.length <= 200 &&
		request.holder.length <= 100 &&
		Number.isSafeInteger(request.seq) &&
		request.seq > 0 &&
		rate > 0 &&
		Number.isFinite(rate)
	);
}

/**
 * The trigger's side: a lease request from a Send node, or undefined when the request is not one
 * (then the provider's verification runs as usual). A forged, replayed or malformed request changes
 * nothing.
 */
export function paceLease(
	scope: string,
	provider: WhatsAppProvider,
	credentials: ICredentialDataDecryptedObject,
	headers: Record<string, unknown>,
	body: Buffer | undefined,
	now = Date.now(),
): { status: number; body: string; reason?: string } | undefined {
	if (header(headers, PACE_HOP.signatureHeader) === undefined) return undefined;
	const bytes = body ?? Buffer.alloc(0);
	const why = verifyForward(provider.ask?.secret(credentials) ?? '', headers, bytes, now, PACE_HOP);
	if (why) return { ...json(401, { error: 'Unauthorized' }), reason: `pace lease refused: ${why}` };
	let request: PaceLeaseRequest | undefined;
	try {
		request = JSON.parse(bytes.toString('utf8')) as PaceLeaseRequest;
	} catch {
		request = undefined;
	}
	if (!wellFormed(request)) return json(400, { error: 'Malformed pace lease' });
	const key = `${scope}\n${request.connection}`;
	let table = tables.get(key);
	if (!table) {
		if (tables.size >= MAX_CONNECTIONS) {
			for (const [other, { live }] of tables) if (![...live.values()].some((lease) => lease.until > now)) tables.delete(other);
			if (tables.size >= MAX_CONNECTIONS) return json(429, { error: 'Too many connections share their pace here' });
		}
		table = { live: new Map(), known: new Map(), releasedAt: 0, lapsedAt: 0 };
		tables.set(key, table);
	}
	const { live, known } = table;
	for (const [holder, lease] of live) {
		if (lease.until > now) continue;
		live.delete(holder);
		table.lapsedAt = now;
	}
	for (const [holder, seen] of known) if (seen.forgetAt <= now && !live.has(holder)) known.delete(holder);
	const seen = known.get(request.holder);
	// A replay (or a request overtaken by a newer one) and anything after a release change nothing.
	if (seen && (seen.released || request.seq <= seen.seq)) return json(409, { error: 'Stale pace lease' });
	const current = live.get(request.holder);
	if (!request.release && !current && (live.size >= MAX_HOLDERS || known.size >= MAX_KNOWN)) return json(429, { error: 'Too many processes share this pace' });
	// Remembered for as long as a signature of it is accepted.
	known.set(request.holder, { seq: request.seq, released: request.release === true, forgetAt: now + (PACE_HOP.maxSkewMs ?? 30_000) + 1000 });
	if (request.release) {
		if (live.delete(request.holder)) table.releasedAt = now;
	} else live.set(request.holder, { until: now + LEASE_TTL_MS, joinedAt: current?.joinedAt ?? now, seenAt: now });
	const mine = live.get(request.holder);
	// A newcomer waits until every other holder has renewed since it joined: they have slowed down for it.
	const wait = mine !== undefined && [...live.entries()].some(([holder, lease]) => holder !== request.holder && lease.seenAt < mine.joinedAt);
	const holders = Math.max(1, live.size);
	// Since this holder's last renewal a holder said it stopped, and none just vanished: its share is free now.
	const released = current !== undefined && table.releasedAt >= current.seenAt && table.lapsedAt < current.seenAt;
	const answer: PaceLeaseAnswer = { share: Number(request.rate) / holders, holders, wait, instance: INSTANCE, released };
	return json(200, answer);
}

/** What a holder needs from the process that runs it. */
export interface PaceShareOptions {
	/** The trigger's production URL (the connection's Pace Sharing URL). */
	url: string;
	/** The connection's secret the MAC is derived from ('' when it has none: then no lease, and a warning naming `secretName`). */
	secret: string;
	/** What the connection calls that secret (App Secret, Auth Token). */
	secretName: string;
	connection: string;
	rate: number;
	transport: Transport;
	clock: Clock;
	/** Called with each new share, or undefined when the lease is lost (the pacer adapts alone). */
	onShare(share: number | undefined): void;
	/** Told when the trigger cannot be used, with why and how to fix it (once per problem and connection in this process). */
	warn(message: string): void;
}

/** Problems already told, per connection, in this process. */
const told = new Set<string>();

/**
 * One process's lease on a connection's pace: taken before the first send, renewed every
 * `HEARTBEAT_MS` while the pacer is in use, given back when it is released.
 */
export class PaceShare {
	readonly holder = randomUUID();

	private seq = 0;

	private released = false;

	/** The trigger did not answer as one: not asked again. */
	private gaveUp = false;

	private everGranted = false;

	private lastGrantedAt = 0;

	/** The last share answered, and the one applied (an increase waits for a second answer). */
	private lastAnswered = 0;

	private applied = 0;

	private instance: string | undefined;

	private inflight: Promise<unknown> = Promise.resolve();

	constructor(private readonly options: PaceShareOptions) {}

	/** Takes the lease; resolves when this process may send (the others have slowed down). Never throws. */
	async join(): Promise<void> {
		const { clock, secret, secretName } = this.options;
		if (!secret) {
			this.tell(`the connection has no ${secretName} to sign the leases with. Set ${secretName} on this connection and on the trigger's`);
			return;
		}
		const started = clock.now();
		let answer = await this.ask(false);
		const waited = answer?.wait === true;
		while (answer?.wait && !this.released && clock.now() - started < JOIN_WAIT_MS) {
			await clock.sleep(JOIN_POLL_MS);
			answer = await this.ask(false);
		}
		// The others' answers (their smaller share) may still be on their way to them.
		if (waited) await clock.sleep(JOIN_SETTLE_MS);
		void this.renew();
	}

	/** Gives the share back to the others (best effort, after any request still on its way). */
	release(): void {
		if (this.released) return;
		this.released = true;
		if (this.everGranted) void this.inflight.then(async () => await this.request(true));
	}

	private async renew(): Promise<void> {
		const { clock } = this.options;
		let failures = 0;
		while (!this.released && !this.gaveUp) {
			// While the trigger cannot be used, asked again now and then only (a release ends the wait).
			const wait = failures >= 2 || !this.everGranted ? RETRY_MS : HEARTBEAT_MS;
			for (let waited = 0; waited < wait && !this.released; waited += HEARTBEAT_MS) await clock.sleep(Math.min(HEARTBEAT_MS, wait - waited));
			if (this.released || this.gaveUp) return;
			failures = (await this.ask(false)) ? 0 : failures + 1;
		}
	}

	private async ask(release: boolean): Promise<PaceLeaseAnswer | undefined> {
		const pending = this.request(release);
		this.inflight = pending.catch(() => undefined);
		return await pending;
	}

	private async request(release: boolean): Promise<PaceLeaseAnswer | undefined> {
		const { url, secret, connection, rate, transport, clock } = this.options;
		this.seq++;
		const body = JSON.stringify({ kind: 'pace-lease', connection, holder: this.holder, seq: this.seq, rate, ...(release ? { release: true } : {}) });
		const result = await transport({
			method: 'POST',
			url,
			body,
			json: false,
			headers: { 'content-type': 'application/json', ...signForward(secret, body, clock.now(), PACE_HOP) },
			timeout: REQUEST_TIMEOUT_MS,
		});
		if (release || this.released) return undefined;
		let answer: PaceLeaseAnswer | undefined;
		let problem: string | undefined;
		if (result.kind === 'network') problem = `${result.message}: check that the URL is the trigger's Production URL and that the workers can reach it`;
		else if (result.response.statusCode === 401) problem = 'the trigger refused the lease (HTTP 401): its connection must be of the same account as this one (the same secret)';
		else if (result.response.statusCode === 404) problem = "the trigger answered HTTP 404: activate the trigger's workflow, and use its Production URL (not the Test URL)";
		else if (result.response.statusCode !== 200) problem = `the trigger answered HTTP ${result.response.statusCode}`;
		else {
			const parsed = (typeof result.response.body === 'string' ? safeParse(result.response.body) : result.response.body) as Partial<PaceLeaseAnswer> | undefined;
			if (parsed && Number(parsed.share) > 0 && typeof parsed.instance === 'string') {
				answer = {
					share: Number(parsed.share),
					holders: Number(parsed.holders) || 1,
					wait: parsed.wait === true,
					instance: parsed.instance,
					released: parsed.released === true,
				};
			} else {
				// Something else answers there (n8n's Webhook node would start an execution each time): never asked again.
				this.gaveUp = true;
				problem = "the URL did not answer as a WhatsApp trigger of this package does: use the Production URL of a WhatsApp trigger's active workflow";
			}
		}
		if (answer) {
			this.granted(answer);
			return answer;
		}
		this.tell(problem ?? 'no answer');
		// Lost: the others will take this share over; adapt alone (from the share it had) until the trigger answers again.
		if (this.everGranted && clock.now() - this.lastGrantedAt >= LEASE_TTL_MS && this.applied > 0) {
			this.applied = 0;
			this.lastAnswered = 0;
			this.options.onShare(undefined);
		}
		return undefined;
	}

	private granted(answer: PaceLeaseAnswer): void {
		this.everGranted = true;
		this.lastGrantedAt = this.options.clock.now();
		if (this.instance !== undefined && answer.instance !== this.instance) {
			this.tell('its answers come from more than one n8n process (multi-main, separate webhook processes, or the main instance restarted): each keeps its own leases, so the shares can add up to more than the limit. Point Pace Sharing URL at one instance');
		}
		const sameTrigger = this.instance === undefined || this.instance === answer.instance;
		this.instance = answer.instance;
		// A smaller share applies at once; a larger one too when a holder gave its share back (it stopped sending),
		// otherwise once a second answer confirms it (a restarted trigger, a lease that lapsed while its worker was
		// busy: the others may not have slowed down yet).
		const confirmed = answer.share <= this.lastAnswered || (answer.released === true && sameTrigger);
		const share = this.applied === 0 || answer.share <= this.applied ? answer.share : confirmed ? answer.share : this.applied;
		this.lastAnswered = answer.share;
		if (share !== this.applied) {
			this.applied = share;
			this.options.onShare(share);
		}
	}

	private tell(problem: string): void {
		const key = `${this.options.connection}\n${problem}`;
		if (told.has(key)) return;
		told.add(key);
		this.options.warn(`Pace Sharing URL not used as it should be: ${problem}. Meanwhile this process finds its share from the provider's answers.`);
	}
}

/** Forgets which problems were told (tests). */
export function clearPaceWarnings(): void {
	told.clear();
}

function safeParse(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}
