import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { reject, unauthorized, type InboundEvent, type InboundNote, type InboundRequest, type InboundResult } from '../../inbound';
import { contentType, header, parseFormBody, parseJsonBody, rawBytes } from '../../requestBody';
import { hmacHex, safeEqual } from '../../signatures';
import { normaliseBsuid } from '../../phone';
import { compact, firstValueAt, valueAt } from '../../values';
import { gatewayCredentials } from './connection';

/* ------------------------------------------------------------------------------------------------
 * Inbound: messages and delivery statuses posted by the gateway (to the trigger, e.g. the Status URL).
 * ---------------------------------------------------------------------------------------------- */

export const GATEWAY_FIELDS = [
	'event',
	'messageId',
	'from',
	'to',
	'profileName',
	'userId',
	'parentUserId',
	'username',
	'timestamp',
	'type',
	'text',
	'mediaUrl',
	'mimeType',
	'caption',
	'fileName',
	'replyId',
	'replyTitle',
	'contextMessageId',
	'status',
	'errorCode',
	'errorMessage',
] as const;

export type GatewayField = (typeof GATEWAY_FIELDS)[number];

export interface GatewayInboundOptions {
	/** Where the list of events is, when the gateway batches them (empty: the body is one event or an array). */
	eventsPath?: string;
	/** Field paths into each event; defaults to the field's own name. */
	paths?: Partial<Record<GatewayField, string>>;
	signatureHeader?: string;
	/** The connection's Signature Secret, else (type versions 1 and 1.1) the trigger's own. */
	signatureSecret?: string;
	/** 'body': HMAC of the raw body; 'timestamped': HMAC of `<timestamp>.<raw body>`, within a tolerance. */
	signatureScheme?: 'body' | 'timestamped';
	timestampHeader?: string;
	toleranceSeconds?: number;
	/** Now in ms (tests set it). */
	now?: () => number;
	allowUnauthenticated?: boolean;
}

/** The default header of the timestamped scheme's timestamp (Unix seconds). */
export const DEFAULT_TIMESTAMP_HEADER = 'X-Signature-Timestamp';

/** What the timestamped scheme signs: the timestamp as sent, a dot, the exact body bytes. */
export function timestampedPayload(timestamp: string, body: Buffer): Buffer {
	return Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), body]);
}

const textOf = (value: unknown) =>
	value === undefined || value === null || value === '' ? undefined : typeof value === 'object' ? JSON.stringify(value) : String(value);

function isoOf(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const number = Number(value);
	const date = Number.isFinite(number) ? new Date(number < 1e12 ? number * 1000 : number) : new Date(String(value));
	return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Where each field is looked for when the trigger sets no path: the field's name, then common aliases. */
const DEFAULT_PATHS: Partial<Record<GatewayField, string[]>> = {
	event: ['event', 'kind'],
	messageId: ['messageId', 'message_id', 'id', 'sid'],
	profileName: ['profileName', 'profile_name', 'name'],
	userId: ['userId', 'user_id'],
	parentUserId: ['parentUserId', 'parent_user_id'],
	username: ['username'],
	mediaUrl: ['mediaUrl', 'media_url', 'media.url'],
	mimeType: ['mimeType', 'mime_type', 'media.mimeType', 'media.mime_type'],
	caption: ['caption', 'media.caption'],
	fileName: ['fileName', 'filename', 'media.filename'],
	replyId: ['replyId', 'reply.id'],
	replyTitle: ['replyTitle', 'reply.title'],
	contextMessageId: ['contextMessageId', 'context.messageId', 'context.id', 'replyTo'],
	errorCode: ['errorCode', 'error.code'],
	errorMessage: ['errorMessage', 'error.message'],
};

export function normaliseGatewayEvent(source: unknown, options: GatewayInboundOptions): InboundEvent {
	const get = (field: GatewayField) => {
		const configured = options.paths?.[field];
		return configured ? valueAt(source, configured) : firstValueAt(source, DEFAULT_PATHS[field] ?? [field]);
	};
	const declared = textOf(get('event'));
	const status = textOf(get('status'));
	const text = textOf(get('text'));
	const mediaUrl = textOf(get('mediaUrl'));
	const errorCode = get('errorCode');
	const failed = status === 'failed' || status === 'undelivered';
	let event: InboundEvent['event'];
	if (declared === 'message' || declared === 'status' || declared === 'error') event = declared;
	else if (status && text === undefined && mediaUrl === undefined) event = failed ? 'error' : 'status';
	else event = 'message';
	if (event === 'status' && failed) event = 'error';
	const replyId = textOf(get('replyId'));
	const contextId = textOf(get('contextMessageId'));
	return compact({
		provider: 'webhook',
		event,
		messageId: textOf(get('messageId')),
		from: textOf(get('from')),
		to: textOf(get('to')),
		profileName: textOf(get('profileName')),
		// The user's BSUID: the gateway's own field, else its from (a message) or to (a status) when that is one.
		userId: textOf(get('userId')) ?? normaliseBsuid(textOf(get(event === 'message' ? 'from' : 'to'))),
		parentUserId: textOf(get('parentUserId')),
		username: textOf(get('username')),
		timestamp: isoOf(get('timestamp')) ?? new Date().toISOString(),
		type: textOf(get('type')) ?? (event === 'message' ? (mediaUrl ? 'media' : 'text') : 'status'),
		text,
		media: mediaUrl
			? compact({ url: mediaUrl, mimeType: textOf(get('mimeType')), caption: textOf(get('caption')), filename: textOf(get('fileName')) })
			: undefined,
		reply: replyId ? compact({ id: replyId, title: textOf(get('replyTitle')) }) : undefined,
		context: contextId ? { messageId: contextId } : undefined,
		status,
		errors:
			errorCode !== undefined || get('errorMessage') !== undefined
				? [compact({ code: errorCode as string | number | undefined, message: textOf(get('errorMessage')) })]
				: undefined,
		raw: source,
	}) as InboundEvent;
}

export function handleGatewayInbound(
	request: InboundRequest,
	stored: ICredentialDataDecryptedObject,
	options: GatewayInboundOptions,
): InboundResult {
	const credentials = gatewayCredentials(stored);
	if (request.method !== 'POST') return reject(405, 'Only POST is accepted');
	const bytes = rawBytes(request);
	let checked = false;
	if (credentials.authToken) {
		const authorization = header(request, 'authorization') ?? '';
		const presented = /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1] ?? '';
		if (!safeEqual(presented, credentials.authToken)) return unauthorized('missing or invalid bearer token (the connection\'s Auth Token)');
		checked = true;
	}
	if (options.signatureSecret) {
		const name = options.signatureHeader || 'x-signature-256';
		const presented = (header(request, name) ?? '').trim().toLowerCase().replace(/^sha256=/, '');
		let signed: Buffer = bytes;
		if (options.signatureScheme === 'timestamped') {
			const timestampName = options.timestampHeader || DEFAULT_TIMESTAMP_HEADER;
			const timestamp = (header(request, timestampName) ?? '').trim();
			if (!/^\d{1,12}$/.test(timestamp)) return unauthorized(`missing or malformed ${timestampName} (Unix seconds) for the timestamped signature`);
			signed = timestampedPayload(timestamp, bytes);
			if (!safeEqual(presented, hmacHex('sha256', options.signatureSecret, signed))) return unauthorized(`missing or invalid ${name} signature`);
			// Checked after the signature, so only a genuine but old (replayed) request is told it is old.
			const tolerance = Math.max(1, options.toleranceSeconds ?? 300);
			const skew = Math.abs((options.now ?? Date.now)() / 1000 - Number(timestamp));
			if (skew > tolerance) return unauthorized(`the signature's timestamp is ${Math.round(skew)} s away from now, outside the tolerance of ${tolerance} s (a replayed request, or the gateway's clock is off)`);
		} else if (!safeEqual(presented, hmacHex('sha256', options.signatureSecret, signed))) {
			return unauthorized(`missing or invalid ${name} signature`);
		}
		checked = true;
	}
	if (!checked && !options.allowUnauthenticated) {
		return unauthorized('the trigger accepts only authenticated requests: set an Auth Token or a Signature Secret on the connection, or allow unauthenticated requests');
	}
	const type = contentType(request);
	let body: unknown;
	if (type === 'application/json') {
		const parsed = parseJsonBody(bytes);
		if (!parsed.ok) return reject(parsed.status, parsed.message);
		body = parsed.value;
	} else if (type === 'application/x-www-form-urlencoded') {
		const parsed = request.rawBody ? parseFormBody(bytes) : { ok: true as const, value: request.parsedBody as Record<string, string | string[]> };
		if (!parsed.ok) return reject(parsed.status, parsed.message);
		body = parsed.value;
	} else {
		return reject(415, 'Expected application/json or application/x-www-form-urlencoded');
	}
	const list = valueAt(body, options.eventsPath);
	const sources = Array.isArray(list) ? list : [list];
	const usable = sources.filter((source) => source && typeof source === 'object' && !Array.isArray(source));
	if (usable.length === 0) {
		return reject(400, options.eventsPath ? `No events found at "${options.eventsPath}"` : 'Body is not a JSON object or array of objects');
	}
	// A malformed entry costs only itself: the others of the batch go through.
	const notes: InboundNote[] =
		usable.length < sources.length ? [{ level: 'warn', message: `skipped ${sources.length - usable.length} gateway event(s) that are not JSON objects` }] : [];
	return {
		kind: 'events',
		events: usable.map((source) => normaliseGatewayEvent(source, options)),
		ack: { status: 200, body: '{"received":true}', contentType: 'application/json' },
		authenticated: checked,
		notes,
	};
}
