import type { ICredentialDataDecryptedObject, IHttpRequestMethods, IHttpRequestOptions, INode } from 'n8n-workflow';

import { parseBodyTemplate, renderBodyTemplate, TemplateError, type PlaceholderValues } from '../bodyTemplate';
import { inputError, providerApiError, toNodeError } from '../errors';
import {
	compact,
	contentType,
	header,
	hmacHex,
	parseFormBody,
	parseJsonBody,
	rawBytes,
	reject,
	safeEqual,
	unauthorized,
	type InboundEvent,
	type InboundNote,
	type InboundRequest,
	type InboundResult,
} from '../inbound';
import { originOf } from '../mediaFetch';
import type { OutboundMessage, SendResult } from '../message';
import { networkError, retryAfterMs } from '../transport';
import { firstValueAt, headerRecord, text, valueAt } from '../values';
import { answerOutcome, unknownOutcomeHint } from '../outcome';
import type { Violation } from '../validation';
import { violationsOf } from '../validation';
import type { CheckContext, SendContext, WhatsAppProvider } from './types';

const PROVIDER = 'the webhook gateway';
const METHODS = new Set(['POST', 'PUT', 'PATCH']);

export interface WebhookCredentials {
	url: string;
	method: IHttpRequestMethods;
	authToken: string;
	bodyTemplate: string;
	statusUrl: string;
}

export function webhookCredentials(raw: ICredentialDataDecryptedObject): WebhookCredentials {
	const method = text(raw.method).toUpperCase() || 'POST';
	const template = raw.bodyTemplate;
	return {
		url: text(raw.url),
		method: method as IHttpRequestMethods,
		authToken: text(raw.authToken),
		bodyTemplate: typeof template === 'string' ? template : JSON.stringify(template ?? {}),
		statusUrl: text(raw.statusUrl),
	};
}

/** The values the body template can use, all derived from the provider-neutral message. */
export function placeholderValues(message: OutboundMessage, statusUrl: string): PlaceholderValues {
	const { options, ...rest } = message;
	const neutral: Record<string, unknown> = { ...rest };
	const values: PlaceholderValues = {
		to: message.to,
		messageType: message.type,
		replyTo: message.replyTo,
		statusUrl: options.statusCallbackUrl || statusUrl || undefined,
	};
	switch (message.type) {
		case 'text':
			values.text = message.text.body;
			break;
		case 'media': {
			const { binary, ...media } = message.media;
			values.mediaType = media.type;
			values.mediaUrl = media.url ?? media.id;
			values.caption = media.caption;
			values.text = media.caption;
			values.fileName = media.fileName ?? binary?.fileName;
			if (binary) {
				values.mediaBase64 = binary.data.toString('base64');
				values.mimeType = binary.mimeType;
				neutral.media = { ...media, fileName: values.fileName, mimeType: binary.mimeType, base64: values.mediaBase64 };
			}
			break;
		}
		case 'template':
			values.templateName = message.template.name;
			values.templateLanguage = message.template.language;
			values.templateVariables = message.template.variables ?? {};
			break;
		case 'interactive':
			values.text = message.interactive.body;
			break;
		case 'reaction':
			values.text = message.reaction.emoji;
			break;
		default:
			break;
	}
	values.message = neutral;
	return values;
}

export function buildWebhookRequest(
	node: INode,
	itemIndex: number,
	credentials: WebhookCredentials,
	message: OutboundMessage,
	connectionName: string,
): IHttpRequestOptions {
	let body: string;
	try {
		body = renderBodyTemplate(parseBodyTemplate(credentials.bodyTemplate), placeholderValues(message, credentials.statusUrl));
	} catch (error) {
		const failure =
			error instanceof TemplateError
				? inputError(node, itemIndex, `Webhook connection "${connectionName}": ${error.message}`, 'Fix the Body Template in the connection: it must be JSON, and placeholders must be among the listed names.')
				: toNodeError(node, error, itemIndex);
		throw failure;
	}
	return {
		method: credentials.method,
		url: credentials.url,
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body,
	};
}

/**
 * A gateway has no limits of its own that this package could know; what is checked before sending:
 * the message type is one a gateway can take, and the Body Template renders for this item.
 */
export function checkWebhookMessage(context: CheckContext, message: OutboundMessage): Violation[] {
	if (message.type === 'markRead') {
		return [
			{
				field: 'Operation',
				value: 'Mark as Read',
				rule: 'is not available on a webhook gateway connection (read receipts need the Meta Cloud API connection)',
			},
		];
	}
	try {
		buildWebhookRequest(context.node, context.itemIndex, webhookCredentials(context.credentials), message, context.connectionName ?? 'webhook');
	} catch (error) {
		return violationsOf(error);
	}
	return [];
}

export const webhook: WhatsAppProvider = {
	id: 'webhook',
	credentialType: 'whatsAppWebhookApi',
	label: 'Webhook Gateway',
	defaultRatePerSecond: 20,

	secrets: (raw) => {
		// Header values are often API keys: treat them all as secrets.
		return [webhookCredentials(raw).authToken, text(raw.signatureSecret), ...Object.values(headerRecord(raw.headers) ?? {})];
	},

	checkCredentials(node, raw, connectionName = 'webhook') {
		const credentials = webhookCredentials(raw);
		if (!/^https?:\/\//i.test(credentials.url)) {
			throw inputError(node, undefined, "The webhook connection's URL is not valid", 'Enter the full http(s) URL of the gateway, e.g. https://gateway.example.com/send.');
		}
		if (!METHODS.has(credentials.method)) {
			throw inputError(node, undefined, `The webhook connection's Method must be POST, PUT or PATCH, not ${credentials.method}`);
		}
		if (!headerRecord(raw.headers)) {
			throw inputError(node, undefined, "The webhook connection's Headers are not a JSON object", 'Enter headers as {"Header-Name": "value"}.');
		}
		try {
			parseBodyTemplate(credentials.bodyTemplate);
		} catch (error) {
			const failure =
				error instanceof TemplateError
					? inputError(node, undefined, `Webhook connection "${connectionName}": ${error.message}`, 'Fix the Body Template in the connection: it must be JSON, and placeholders must be among the listed names.')
					: toNodeError(node, error, undefined);
			throw failure;
		}
	},

	check: checkWebhookMessage,

	async send(context: SendContext, message: OutboundMessage): Promise<SendResult> {
		const { node, itemIndex, credentials: raw } = context;
		const credentials = webhookCredentials(raw);
		const secrets = webhook.secrets(raw);
		if (message.type === 'markRead') {
			throw inputError(node, itemIndex, `Mark as Read is not available on a webhook gateway connection (item ${itemIndex})`, 'Read receipts need the Meta Cloud API connection; nothing was sent.');
		}
		const request = buildWebhookRequest(node, itemIndex, credentials, message, context.connectionName ?? 'webhook');
		const result = await context.transport(request);
		if (result.kind === 'network') throw networkError(node, itemIndex, PROVIDER, result, secrets);
		const { response } = result;
		if (response.statusCode < 200 || response.statusCode >= 300) {
			const code = firstValueAt(response.body, ['code', 'error.code', 'errorCode']);
			const text = firstValueAt(response.body, ['message', 'error.message', 'error']);
			const status = response.statusCode;
			const outcome = answerOutcome({ status });
			throw providerApiError(
				node,
				itemIndex,
				{
					provider: 'webhook',
					message: `The webhook gateway answered HTTP ${status}${code !== undefined ? ` (code ${String(code)})` : ''}: ${typeof text === 'string' ? text : typeof response.body === 'string' ? response.body.slice(0, 200) : 'no message'}`,
					description: outcome.deliveryUnknown
						? unknownOutcomeHint('the webhook gateway', status)
						: status === 401 || status === 403
							? "The gateway refused the credentials: check the connection's Auth Token and Headers."
							: status === 404 || status === 405
								? "Check the connection's URL and Method."
								: status >= 500 || status === 429
									? 'The gateway had a temporary problem or is throttling; try again later.'
									: 'Check the Body Template matches what the gateway expects.',
					httpCode: status,
					providerCode: typeof code === 'string' || typeof code === 'number' ? code : undefined,
					retryable: outcome.retryable,
					deliveryUnknown: outcome.deliveryUnknown,
					retryAfterMs: retryAfterMs(response.headers),
				},
				secrets,
			);
		}
		const messageId = firstValueAt(response.body, ['messageId', 'message_id', 'id', 'sid', 'messages[0].id', 'data.id']);
		const status = firstValueAt(response.body, ['status', 'message_status', 'messages[0].message_status']);
		return {
			provider: 'webhook',
			messageId: messageId === undefined ? '' : String(messageId),
			to: message.to,
			status: typeof status === 'string' ? status : 'accepted',
			raw: response.body,
		};
	},

	handleInbound: (request, credentials, options) => handleGatewayInbound(request, credentials, options),

	async downloadMedia(_transports, _node, credentials, event, fetchMedia) {
		if (!event.media?.url) return undefined;
		// The connection's token and headers go only to the gateway's own origin; a media URL of any
		// other host (a CDN, a pre-signed link) is fetched without them, after its address is checked.
		const file = await fetchMedia(event.media.url, { ownOrigin: originOf(webhookCredentials(credentials).url) });
		return { data: file.data, mimeType: file.mimeType ?? event.media.mimeType, fileName: event.media.filename };
	},
};

/* ------------------------------------------------------------------------------------------------
 * Inbound: messages and delivery statuses posted by the gateway (to the trigger, e.g. the Status URL).
 * ---------------------------------------------------------------------------------------------- */

export const GATEWAY_FIELDS = [
	'event',
	'messageId',
	'from',
	'to',
	'profileName',
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
	raw: ICredentialDataDecryptedObject,
	options: GatewayInboundOptions,
): InboundResult {
	const credentials = webhookCredentials(raw);
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
