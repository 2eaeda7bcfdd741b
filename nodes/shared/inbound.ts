/**
 * The inbound model shared by every provider: the request as the trigger received it, what a provider
 * answers (events, or which 4xx), and the common item shape. Reading the request's body is in
 * requestBody.ts, signature primitives in signatures.ts.
 */
import { normalisePhone } from './phone';

export type InboundEventKind = 'message' | 'status' | 'error' | 'update' | 'identity';

export interface InboundEvent {
	provider: string;
	event: InboundEventKind;
	messageId?: string;
	from?: string;
	to?: string;
	profileName?: string;
	/** The user's business-scoped user ID (BSUID): the sender of a message, the recipient of a status. */
	userId?: string;
	/** The user's parent BSUID, where the business has parent BSUIDs enabled. */
	parentUserId?: string;
	/** The user's WhatsApp username, once they set one. */
	username?: string;
	/** An identity change: the BSUID the user had before (`userId` is the new one). */
	previousUserId?: string;
	/** The address to answer the user at; when unset, the item's is worked out by `replyAddress`. */
	replyTo?: string;
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
	'userId',
	'parentUserId',
	'username',
	'replyTo',
	'previousUserId',
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
	const source = { ...event, replyTo: replyAddress(event) } as unknown as Record<string, unknown>;
	return Object.fromEntries(ITEM_FIELDS.map((field) => [field, source[field] ?? null])) as Record<(typeof ITEM_FIELDS)[number], unknown>;
}

/**
 * Where Send WhatsApp reaches the user of an event, whatever they shared: their phone number when the
 * event has it (the sender of a message or identity change, the recipient of a status), else their
 * BSUID (else their parent BSUID). Account updates have none.
 */
export function replyAddress(event: InboundEvent): string | undefined {
	if (event.replyTo) return event.replyTo;
	if (event.event === 'update') return undefined;
	const phone = event.event === 'message' || event.event === 'identity' ? event.from : event.status !== undefined ? event.to : undefined;
	return normalisePhone(phone) ?? event.userId ?? event.parentUserId;
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
