import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The inbound side shared by every provider: the request as the trigger received it, the common
 * item shape, and the few primitives (timing-safe compare, body parsing) every provider needs.
 */
export type InboundEventKind = 'message' | 'status' | 'error' | 'update';

export interface InboundEvent {
	provider: string;
	event: InboundEventKind;
	messageId?: string;
	from?: string;
	to?: string;
	profileName?: string;
	/** ISO 8601 */
	timestamp?: string;
	type?: string;
	text?: string;
	media?: { id?: string; url?: string; mimeType?: string; caption?: string; filename?: string; sha256?: string };
	location?: { latitude?: number; longitude?: number; name?: string; address?: string; url?: string };
	reply?: { id?: string; title?: string; description?: string };
	reaction?: { messageId?: string; emoji?: string };
	context?: { messageId?: string; from?: string };
	status?: string;
	errors?: Array<{ code?: string | number; title?: string; message?: string; details?: string }>;
	/** Routing only, never output: the phone number (Meta phone_number_id, Twilio AccountSid) it belongs to. */
	account?: string;
	/** Routing only, never output: the WhatsApp Business Account of account-level Meta updates. */
	businessAccount?: string;
	/** Set only when the trigger takes several numbers: the number (Meta Phone Number ID) it came to. */
	phoneNumberId?: string;
	raw: unknown;
}

/** The fields every trigger item has, in this order; a field that does not apply is null. */
export const ITEM_FIELDS = [
	'provider',
	'event',
	'messageId',
	'from',
	'to',
	'profileName',
	'timestamp',
	'type',
	'text',
	'media',
	'location',
	'reply',
	'reaction',
	'context',
	'status',
	'errors',
	'raw',
] as const;

/** The common item: the same keys for every provider and event, so workflows can map them blindly. */
export function toItem(event: InboundEvent): Record<(typeof ITEM_FIELDS)[number], unknown> {
	const source = event as unknown as Record<string, unknown>;
	return Object.fromEntries(ITEM_FIELDS.map((field) => [field, source[field] ?? null])) as Record<(typeof ITEM_FIELDS)[number], unknown>;
}

export interface InboundRequest {
	method: string;
	/** The full public URL the provider called, query string included (Twilio signs it). */
	url: string;
	headers: Record<string, string | string[] | undefined>;
	query: Record<string, unknown>;
	/** The exact bytes received; signatures are computed over these. */
	rawBody?: Buffer;
	/** What n8n parsed, used only when no raw body is available. */
	parsedBody?: unknown;
}

export type InboundResult =
	/** `message` is what the caller is told (nothing about our configuration); `reason` is for n8n's log. */
	| { kind: 'reject'; status: number; message: string; reason?: string }
	| { kind: 'respond'; status: number; body: string; contentType: string }
	| {
			kind: 'events';
			events: InboundEvent[];
			ack: { status: number; body: string; contentType: string };
			/** Whether the request proved who sent it; only then are media URLs in it fetched. */
			authenticated: boolean;
			/** What was skipped and why (unknown fields, malformed entries, other numbers), for n8n's log. */
			notes?: InboundNote[];
	  };

/** A line for n8n's log about part of a request that was skipped; never holds a secret. */
export interface InboundNote {
	level: 'debug' | 'info' | 'warn';
	message: string;
}

export const reject = (status: number, message: string, reason?: string): InboundResult => ({ kind: 'reject', status, message, reason });

/** A request that failed authentication: the caller learns no more than that. */
export const unauthorized = (reason: string): InboundResult => reject(401, 'Unauthorized', reason);

export function header(request: InboundRequest, name: string): string | undefined {
	const wanted = name.toLowerCase();
	for (const [key, value] of Object.entries(request.headers)) {
		if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
	}
	return undefined;
}

/** The media type without parameters, lower case ('application/json'). */
export function contentType(request: InboundRequest): string {
	return (header(request, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
}

/** Compares two strings in constant time for equal lengths; different lengths are unequal. */
export function safeEqual(actual: string, expected: string): boolean {
	const a = Buffer.from(actual, 'utf8');
	const b = Buffer.from(expected, 'utf8');
	if (a.length !== b.length) {
		timingSafeEqual(b, b); // same work either way
		return false;
	}
	return timingSafeEqual(a, b);
}

export function hmacHex(algorithm: 'sha256' | 'sha1', secret: string, data: Buffer | string): string {
	return createHmac(algorithm, secret).update(data).digest('hex');
}

export function hmacBase64(algorithm: 'sha256' | 'sha1', secret: string, data: Buffer | string): string {
	return createHmac(algorithm, secret).update(data).digest('base64');
}

/** The raw body as bytes: what n8n kept, or (when it kept nothing) the parsed body re-serialised. */
export function rawBytes(request: InboundRequest): Buffer {
	if (request.rawBody) return request.rawBody;
	const parsed = request.parsedBody;
	if (parsed === undefined || parsed === null) return Buffer.alloc(0);
	if (typeof parsed === 'string') return Buffer.from(parsed);
	if (Object.keys(parsed as object).length === 0) return Buffer.alloc(0);
	return Buffer.from(JSON.stringify(parsed));
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; status: number; message: string };

export function parseJsonBody(bytes: Buffer): ParseResult<unknown> {
	if (bytes.length === 0) return { ok: false, status: 400, message: 'Empty body' };
	try {
		return { ok: true, value: JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, '')) as unknown };
	} catch {
		return { ok: false, status: 400, message: 'Malformed JSON body' };
	}
}

/** x-www-form-urlencoded into name → value (a repeated name → array), in order. */
export function parseFormBody(bytes: Buffer): ParseResult<Record<string, string | string[]>> {
	if (bytes.length === 0) return { ok: false, status: 400, message: 'Empty body' };
	const text = bytes.toString('utf8');
	if (!/^[^=&]+=[^&]*(&[^=&]+=[^&]*)*&?$/.test(text.trim())) {
		return { ok: false, status: 400, message: 'Malformed form body' };
	}
	const out: Record<string, string | string[]> = {};
	try {
		for (const [key, value] of new URLSearchParams(text)) {
			const existing = out[key];
			if (existing === undefined) out[key] = value;
			else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
		}
	} catch {
		return { ok: false, status: 400, message: 'Malformed form body' };
	}
	return { ok: true, value: out };
}

export function isoFromUnixSeconds(value: unknown): string | undefined {
	const seconds = Number(value);
	if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
	const date = new Date(seconds * 1000);
	return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The array at a field, or an empty one: payloads are checked, never trusted to be well formed. */
export function listOf<T = Record<string, unknown>>(value: unknown): T[] {
	return Array.isArray(value) ? (value.filter((entry) => entry && typeof entry === 'object') as T[]) : [];
}

/** Drops undefined fields so items stay clean. */
export function compact<T extends object>(value: T): T {
	return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as T;
}
