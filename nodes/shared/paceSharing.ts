/**
 * Sharing one connection's Messages Per Second between n8n processes (queue-mode workers) through an
 * active WhatsApp trigger, which runs on n8n's main instance: each worker's pacer holds a lease there
 * and sends at the share the trigger gives it (the limit ÷ the processes holding a lease). A worker
 * that finishes gives its share back at once; one that stops answering loses it after `LEASE_TTL_MS`.
 *
 * The trigger keeps the leases in memory (this process's map below): nothing is stored, no server is
 * added. Requests carry a MAC derived from the connection's secret, like answers (ask/forward.ts), so
 * only Send nodes with a connection of the same account take part. Without a Pace Sharing URL, or
 * while the trigger cannot be reached, each process finds its share from the provider's answers alone
 * (pacing.ts).
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
};

/** How often a holder renews its lease (and learns its share). */
export const HEARTBEAT_MS = 250;
/** A lease not renewed for this long is gone: its share goes to the others. */
export const LEASE_TTL_MS = 1500;
/** While the trigger cannot be used, how often a holder asks again. */
const RETRY_MS = 5000;
/** How long a lease request may take before the holder sends on its own. */
const REQUEST_TIMEOUT_MS = 2000;
/** An execution sending fewer messages takes no lease (no round trip to the trigger for a reply or two). */
export const LEASE_MIN_ITEMS = 10;
/** Bounds on what an (authenticated) caller can make the trigger keep. */
const MAX_CONNECTIONS = 100;
const MAX_HOLDERS = 100;

/** The body of a lease request. */
export interface PaceLeaseRequest {
	kind: 'pace-lease';
	/** The saved connection (credential type and ID) whose limit is shared. */
	connection: string;
	/** One process's pacer (random per pacer). */
	holder: string;
	/** The connection's Messages Per Second. */
	rate: number;
	release?: boolean;
}

/** The trigger's answer. */
export interface PaceLeaseAnswer {
	/** This holder's share in messages per second. */
	share: number;
	holders: number;
	/** A new holder waits this long before its first send, so that the others have slowed down first. */
	startAfterMs: number;
	heartbeatMs: number;
}

/** Leases per trigger workflow and connection: holder → when its lease ends. */
const tables = new Map<string, Map<string, number>>();

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

/**
 * The trigger's side: a lease request from a Send node, or undefined when the request is not one
 * (then the provider's verification runs as usual). A forged or malformed request changes nothing.
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
	let request: PaceLeaseRequest;
	try {
		request = JSON.parse(bytes.toString('utf8')) as PaceLeaseRequest;
	} catch {
		return json(400, { error: 'Malformed pace lease' });
	}
	const rate = Number(request?.rate);
	if (
		request?.kind !== 'pace-lease' ||
		typeof request.connection !== 'string' ||
		typeof request.holder !== 'string' ||
		request.connection.length > 200 ||
		request.holder.length > 100 ||
		!(rate > 0) ||
		!Number.isFinite(rate)
	) {
		return json(400, { error: 'Malformed pace lease' });
	}
	const key = `${scope}\n${request.connection}`;
	let table = tables.get(key);
	if (!table) {
		if (tables.size >= MAX_CONNECTIONS) {
			for (const [other, leases] of tables) if (![...leases.values()].some((until) => until > now)) tables.delete(other);
			if (tables.size >= MAX_CONNECTIONS) return json(429, { error: 'Too many connections share their pace here' });
		}
		table = new Map();
		tables.set(key, table);
	}
	for (const [holder, until] of table) if (until <= now) table.delete(holder);
	const isNew = !table.has(request.holder);
	if (request.release) table.delete(request.holder);
	else if (isNew && table.size >= MAX_HOLDERS) return json(429, { error: 'Too many processes share this pace' });
	else table.set(request.holder, now + LEASE_TTL_MS);
	if (table.size === 0) tables.delete(key);
	const holders = Math.max(1, table.size);
	const answer: PaceLeaseAnswer = {
		share: rate / holders,
		holders,
		startAfterMs: isNew && !request.release && holders > 1 ? HEARTBEAT_MS + 50 : 0,
		heartbeatMs: HEARTBEAT_MS,
	};
	return json(200, answer);
}

/** What a holder needs from the process that runs it. */
export interface PaceShareOptions {
	/** The trigger's production URL (the connection's Pace Sharing URL). */
	url: string;
	/** The connection's secret the MAC is derived from. */
	secret: string;
	connection: string;
	rate: number;
	transport: Transport;
	clock: Clock;
	/** Called with each new share, or undefined when the lease is lost (the pacer adapts alone). */
	onShare(share: number | undefined): void;
	/** Told once when the trigger cannot be used, with why and how to fix it. */
	warn(message: string): void;
}

/**
 * One process's lease on a connection's pace: taken before the first send, renewed every
 * `HEARTBEAT_MS` while the pacer is in use, given back when it is released.
 */
export class PaceShare {
	readonly holder = randomUUID();

	private released = false;

	private warned = false;

	private lastGrantedAt = 0;

	constructor(private readonly options: PaceShareOptions) {}

	/** Takes the lease (and waits as long as the trigger asks a new holder to). Never throws. */
	async join(): Promise<void> {
		const answer = await this.request(false);
		if (answer && answer.startAfterMs > 0) await this.options.clock.sleep(Math.min(answer.startAfterMs, 2000));
		void this.renew(answer?.heartbeatMs ?? HEARTBEAT_MS);
	}

	/** Gives the share back to the others (best effort, not awaited by the sender). */
	release(): void {
		if (this.released) return;
		this.released = true;
		void this.request(true);
	}

	private async renew(heartbeatMs: number): Promise<void> {
		let every = Math.min(Math.max(heartbeatMs || HEARTBEAT_MS, 50), 1000);
		while (!this.released) {
			// While the trigger cannot be used, asked again now and then only (a release ends the wait).
			const wait = this.lastGrantedAt > 0 ? every : RETRY_MS;
			for (let waited = 0; waited < wait && !this.released; waited += every) await this.options.clock.sleep(Math.min(every, wait - waited));
			if (this.released) return;
			const answer = await this.request(false);
			if (answer) every = Math.min(Math.max(answer.heartbeatMs, 50), 1000);
		}
	}

	private async request(release: boolean): Promise<PaceLeaseAnswer | undefined> {
		const { url, secret, connection, rate, transport, clock } = this.options;
		const body = JSON.stringify({ kind: 'pace-lease', connection, holder: this.holder, rate, ...(release ? { release: true } : {}) });
		const result = !secret ? undefined : await transport({
			method: 'POST',
			url,
			body,
			json: false,
			headers: { 'content-type': 'application/json', ...signForward(secret, body, clock.now(), PACE_HOP) },
			timeout: REQUEST_TIMEOUT_MS,
		});
		if (release) return undefined;
		let answer: PaceLeaseAnswer | undefined;
		let problem: string | undefined;
		if (!result) problem = 'the connection has no secret to sign the lease with';
		else if (result.kind === 'network') problem = `${result.message}: check that the URL is the trigger's production URL and reachable from the workers`;
		else if (result.response.statusCode === 401) problem = "the trigger refused the lease (HTTP 401): its connection must be of the same account as this one (the same secret)";
		else if (result.response.statusCode !== 200) problem = `the trigger answered HTTP ${result.response.statusCode}: activate the workflow of the WhatsApp trigger whose production URL this is`;
		else {
			const parsed = (typeof result.response.body === 'string' ? safeParse(result.response.body) : result.response.body) as Partial<PaceLeaseAnswer> | undefined;
			if (parsed && Number(parsed.share) > 0) {
				answer = { share: Number(parsed.share), holders: Number(parsed.holders) || 1, startAfterMs: Number(parsed.startAfterMs) || 0, heartbeatMs: Number(parsed.heartbeatMs) || HEARTBEAT_MS };
			} else problem = 'the URL did not answer as a WhatsApp trigger of this package does (is it the trigger’s production URL?)';
		}
		const now = clock.now();
		if (answer) {
			this.lastGrantedAt = now;
			this.options.onShare(answer.share);
			return answer;
		}
		if (!this.warned) {
			this.warned = true;
			this.options.warn(`Pace Sharing URL not used: ${problem}. Meanwhile this process finds its share from the provider's answers.`);
		}
		// Lost: the others will take this share over; adapt alone until the trigger answers again.
		if (now - this.lastGrantedAt >= LEASE_TTL_MS) this.options.onShare(undefined);
		return undefined;
	}
}

function safeParse(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}
