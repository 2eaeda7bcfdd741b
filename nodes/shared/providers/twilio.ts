import { createHash } from 'node:crypto';
import type { ICredentialDataDecryptedObject, IHttpRequestOptions, INode } from 'n8n-workflow';

import { DEFAULT_TWILIO_BASE_URL } from '../defaults';
import { inputError, providerApiError } from '../errors';
import {
	compact,
	contentType,
	header,
	hmacBase64,
	parseFormBody,
	parseJsonBody,
	rawBytes,
	reject,
	safeEqual,
	unauthorized,
	type InboundEvent,
	type InboundRequest,
	type InboundResult,
} from '../inbound';
import { originOf, type MediaFetcher } from '../mediaFetch';
import type { OutboundMessage, SendResult } from '../message';
import { normalisePhone, toTwilioAddress } from '../phone';
import { retryAfterMs, successful, type HttpResponse } from '../transport';
import { baseUrl, text } from '../values';
import { answerOutcome, unknownOutcomeHint } from '../outcome';
import { Checks, violationsOf, type Violation } from '../validation';
import type { CheckContext, SendContext, WhatsAppProvider } from './types';

const PROVIDER = 'Twilio';
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const CONTENT_SID = /^HX[0-9a-fA-F]{32}$/;

export interface TwilioCredentials {
	accountSid: string;
	authToken: string;
	from: string;
	messagingServiceSid: string;
	baseUrl: string;
}

export function twilioCredentials(raw: ICredentialDataDecryptedObject): TwilioCredentials {
	return {
		accountSid: text(raw.accountSid),
		authToken: text(raw.authToken),
		from: text(raw.from),
		messagingServiceSid: text(raw.messagingServiceSid),
		baseUrl: baseUrl(raw.baseUrl, DEFAULT_TWILIO_BASE_URL),
	};
}

/**
 * Twilio's limits, checked for every item before the first send. Source: Twilio's Messages API
 * (test/specs/twilio_api_v2010.json: Body up to 1,600 characters, ValidityPeriod 1 to 36000 s).
 */
export const TWILIO_LIMITS = {
	body: 1600,
	validityPeriod: { min: 1, max: 36000 },
} as const;

/** Every rule of TWILIO_LIMITS that applies to the message, then a dry run of the request builder. */
export function checkTwilioMessage(context: CheckContext, message: OutboundMessage): Violation[] {
	const c = new Checks(PROVIDER);
	if (message.type === 'text') c.maxLength('Text', message.text.body, TWILIO_LIMITS.body);
	if (message.type === 'media') c.maxLength('Caption', message.media.caption, TWILIO_LIMITS.body);
	const validity = message.options.validityPeriod;
	if (validity !== undefined && (!Number.isInteger(validity) || validity < TWILIO_LIMITS.validityPeriod.min || validity > TWILIO_LIMITS.validityPeriod.max)) {
		c.add('Options → Validity Period', validity, `must be whole seconds from ${TWILIO_LIMITS.validityPeriod.min} to ${TWILIO_LIMITS.validityPeriod.max}`);
	}
	if (c.violations.length === 0) {
		try {
			buildTwilioParams(context.node, context.itemIndex, twilioCredentials(context.credentials), message);
		} catch (error) {
			c.violations.push(...violationsOf(error));
		}
	}
	return c.violations;
}

/** Form parameters of `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`; MediaUrl may repeat. */
export type TwilioParams = Array<[string, string]>;

function unsupported(node: INode, itemIndex: number, what: string, howTo: string): never {
	throw inputError(node, itemIndex, `Twilio cannot send ${what} through its Messages API`, howTo);
}

export function buildTwilioParams(
	node: INode,
	itemIndex: number,
	credentials: TwilioCredentials,
	message: OutboundMessage,
): TwilioParams {
	const params: TwilioParams = [['To', toTwilioAddress(message.to)]];
	if (credentials.messagingServiceSid) {
		params.push(['MessagingServiceSid', credentials.messagingServiceSid]);
	} else {
		params.push(['From', toTwilioAddress(credentials.from)]);
	}
	if (message.replyTo) {
		unsupported(
			node,
			itemIndex,
			'a reply to a specific message (context)',
			'Remove "Reply To Message ID": Twilio WhatsApp messages cannot quote an earlier message.',
		);
	}
	switch (message.type) {
		case 'text':
			params.push(['Body', message.text.body]);
			break;
		case 'media': {
			const { media } = message;
			if (!media.url) {
				unsupported(
					node,
					itemIndex,
					media.binary || media.file ? 'a file from binary data' : 'media by ID',
					'Twilio accepts only public media URLs: set Media Source to "URL" with an https URL Twilio can download, or use the Meta Cloud API or a webhook gateway connection to send files.',
				);
			}
			params.push(['MediaUrl', media.url]);
			if (media.caption) params.push(['Body', media.caption]);
			break;
		}
		case 'template': {
			const { template } = message;
			if (!template.contentSid || !CONTENT_SID.test(template.contentSid)) {
				throw inputError(
					node,
					itemIndex,
					`Invalid Content SID "${template.contentSid ?? ''}" (item ${itemIndex})`,
					'Twilio templates are sent by Content SID: HX followed by 32 hexadecimal characters (Twilio Console → Messaging → Content Template Builder).',
				);
			}
			params.push(['ContentSid', template.contentSid]);
			if (template.variables && Object.keys(template.variables).length > 0) {
				params.push(['ContentVariables', JSON.stringify(template.variables)]);
			}
			break;
		}
		case 'location': {
			const { location } = message;
			const label = location.name ?? location.address ?? '';
			params.push([
				'PersistentAction',
				`geo:${location.latitude},${location.longitude}${label ? `|${label}` : ''}`,
			]);
			params.push(['Body', [location.name, location.address].filter(Boolean).join(', ') || 'Location']);
			break;
		}
		case 'interactive':
			unsupported(
				node,
				itemIndex,
				message.interactive.type === 'list' ? 'an interactive list' : 'interactive reply buttons',
				'Create a Content template with the buttons or list (Twilio Console → Messaging → Content Template Builder, type twilio/quick-reply or twilio/list-picker), then choose Message Type "Template" and enter its Content SID.',
			);
			break;
		case 'contacts':
			unsupported(node, itemIndex, 'contact cards', 'Send the contact as text or as a vCard file URL (Media, type document).');
			break;
		case 'reaction':
			unsupported(node, itemIndex, 'reactions', 'Reactions are available with the Meta Cloud API connection.');
			break;
		case 'markRead':
			unsupported(node, itemIndex, 'read receipts', 'Twilio marks messages as read itself; "Mark as Read" is available with the Meta Cloud API connection.');
			break;
	}
	if (message.options.statusCallbackUrl) params.push(['StatusCallback', message.options.statusCallbackUrl]);
	if (message.options.validityPeriod) params.push(['ValidityPeriod', String(message.options.validityPeriod)]);
	return params;
}

export function buildTwilioRequest(
	node: INode,
	itemIndex: number,
	credentials: TwilioCredentials,
	message: OutboundMessage,
): IHttpRequestOptions {
	const form = new URLSearchParams(buildTwilioParams(node, itemIndex, credentials, message));
	return {
		method: 'POST',
		url: `${credentials.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(credentials.accountSid)}/Messages.json`,
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
		body: form.toString(),
	};
}

const HINTS: Record<number, string> = {
	20003: "Twilio rejected the Account SID / Auth Token: copy both again from the Twilio Console's Account Info into this connection.",
	20404: 'Twilio does not know this resource: check the Account SID in the connection.',
	21617: 'The message body is longer than Twilio allows (1,600 characters): shorten the Text or Caption, or split it into several messages.',
	20429: 'Too many requests: lower "Messages Per Second" in the node options; throttled messages are retried automatically.',
	21211: "The recipient number is not valid: use the customer's number in E.164 format, e.g. +14155550123.",
	21408: "Sending to this country is not enabled: turn it on in Twilio Console → Messaging → Settings → Geo permissions.",
	21606: "The From number is not a WhatsApp sender of this account: set the connection's From Number to your approved WhatsApp sender (or the sandbox number).",
	21610: 'The recipient has opted out (replied STOP); they must opt in again before you can message them.',
	21655: 'The Content SID is not valid for this account: check it in Twilio Console → Messaging → Content Template Builder.',
	21656: 'The Content Variables do not match the template: send one value per placeholder, named as in the template ("1", "2", …).',
	63003: 'The recipient is not reachable on WhatsApp: check the number.',
	63007: "Twilio could not find a WhatsApp channel for the From address: check the connection's From Number or Messaging Service SID.",
	63016: "Outside the 24-hour customer service window: the customer has not written in the last 24 hours. Send an approved template instead (Message Type \"Template\" with its Content SID).",
	63018: 'The WhatsApp rate limit for this sender was exceeded: lower "Messages Per Second"; throttled messages are retried automatically.',
	63024: 'The recipient is not a valid WhatsApp user: check the number.',
};

/** Throttling: too many requests (20429), WhatsApp sender rate limit (63018). Not accepted. */
const TWILIO_THROTTLE_CODES = new Set([20429, 63018]);

export function twilioError(
	node: INode,
	itemIndex: number,
	response: HttpResponse,
	secrets: readonly unknown[],
) {
	const body = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as {
		code?: number;
		message?: string;
		more_info?: string;
	};
	const code = typeof body.code === 'number' ? body.code : undefined;
	const status = response.statusCode;
	const outcome = answerOutcome({
		status,
		throttled: code !== undefined && TWILIO_THROTTLE_CODES.has(code),
		notProcessed: code === 20503,
		unknownCode: code === 20500,
	});
	const hint =
		(outcome.deliveryUnknown ? unknownOutcomeHint('Twilio', status) : undefined) ??
		(code !== undefined ? HINTS[code] : undefined) ??
		(status === 401 ? HINTS[20003] : status >= 500 ? 'Twilio had a temporary problem; try again later.' : undefined);
	return providerApiError(
		node,
		itemIndex,
		{
			provider: 'twilio',
			message: `Twilio error${code !== undefined ? ` ${code}` : ''} (HTTP ${status}): ${body.message ?? (typeof response.body === 'string' ? response.body.slice(0, 200) : 'no message')}`,
			description: hint,
			httpCode: status,
			providerCode: code,
			retryable: outcome.retryable,
			deliveryUnknown: outcome.deliveryUnknown,
			retryAfterMs: retryAfterMs(response.headers),
			extra: { moreInfo: body.more_info },
		},
		secrets,
	);
}

export const twilio: WhatsAppProvider = {
	id: 'twilio',
	credentialType: 'twilioWhatsAppApi',
	label: 'Twilio',
	// Twilio queues per sender; 10/s keeps well inside a new WhatsApp sender's throughput.
	defaultRatePerSecond: 10,

	secrets: (raw) => {
		const { accountSid, authToken } = twilioCredentials(raw);
		return [authToken, Buffer.from(`${accountSid}:${authToken}`).toString('base64')];
	},

	checkCredentials(node, raw) {
		const credentials = twilioCredentials(raw);
		if (!ACCOUNT_SID.test(credentials.accountSid)) {
			throw inputError(node, undefined, 'The Twilio connection\'s Account SID is not valid', 'It starts with AC followed by 32 hexadecimal characters (Twilio Console → Account Info).');
		}
		if (credentials.messagingServiceSid && !MESSAGING_SERVICE_SID.test(credentials.messagingServiceSid)) {
			throw inputError(node, undefined, 'The Twilio connection\'s Messaging Service SID is not valid', 'It starts with MG followed by 32 hexadecimal characters, or leave it empty to send from the From Number.');
		}
		if (!credentials.messagingServiceSid && credentials.from && !normalisePhone(credentials.from)) {
			throw inputError(node, undefined, `The Twilio connection's From Number "${credentials.from}" is not a phone number`, 'Use your WhatsApp-enabled Twilio number in E.164 format, e.g. +14155238886.');
		}
		if (!credentials.messagingServiceSid && !credentials.from) {
			throw inputError(node, undefined, 'The Twilio connection has neither a From Number nor a Messaging Service SID', 'Set the From Number to your WhatsApp-enabled Twilio number (E.164), or a Messaging Service SID.');
		}
	},

	check: checkTwilioMessage,

	async send(context: SendContext, message: OutboundMessage): Promise<SendResult> {
		const { node, itemIndex, credentials: raw } = context;
		const credentials = twilioCredentials(raw);
		const secrets = twilio.secrets(raw);
		const result = await context.transport(buildTwilioRequest(node, itemIndex, credentials, message));
		const response = successful(result, node, itemIndex, PROVIDER, secrets, (answer) => twilioError(node, itemIndex, answer, secrets));
		const body = response.body as { sid?: string; status?: string };
		return {
			provider: 'twilio',
			messageId: body.sid ?? '',
			to: message.to,
			status: body.status ?? 'queued',
			raw: response.body,
		};
	},

	handleInbound: (request, credentials) => handleTwilioInbound(request, credentials),

	async downloadMedia(_transports, _node, credentials, event, fetchMedia) {
		if (!event.media?.url) return undefined;
		return await downloadTwilioMedia(credentials, event.media.url, fetchMedia);
	},
};

/* ------------------------------------------------------------------------------------------------
 * Inbound: X-Twilio-Signature, incoming WhatsApp messages and status callbacks.
 * ---------------------------------------------------------------------------------------------- */

/** The string Twilio signs: the URL, then every POST parameter name+value, sorted by name. */
export function twilioSignedString(url: string, params: Record<string, string | string[]>): string {
	let data = url;
	for (const name of Object.keys(params).sort()) {
		const value = params[name];
		// Repeated values are signed once each, sorted (as Twilio's own library computes it).
		const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
		for (const item of values) data += name + item;
	}
	return data;
}

/** The URL with and without the scheme's default port: Twilio may have signed either. */
function urlVariants(url: string): string[] {
	try {
		const parsed = new URL(url);
		const defaultPort = parsed.protocol === 'https:' ? '443' : '80';
		const withoutPort = url.replace(`${parsed.hostname}:${defaultPort}`, parsed.hostname);
		const withPort = parsed.port ? url : url.replace(`//${parsed.host}`, `//${parsed.hostname}:${defaultPort}`);
		return [...new Set([url, withoutPort, withPort])];
	} catch {
		return [url];
	}
}

export function verifyTwilioSignature(
	authToken: string,
	signature: string | undefined,
	url: string,
	params: Record<string, string | string[]>,
): boolean {
	if (!signature || !authToken) return false;
	let valid = false;
	for (const candidate of urlVariants(url)) {
		// Every candidate is checked, so timing does not reveal which one matched.
		if (safeEqual(signature, hmacBase64('sha1', authToken, Buffer.from(twilioSignedString(candidate, params), 'utf8')))) valid = true;
	}
	return valid;
}

const FAILED_STATUSES = new Set(['failed', 'undelivered']);
const str = (value: unknown) => (Array.isArray(value) ? String(value[0] ?? '') : value === undefined ? undefined : String(value));
const fromAddress = (value: unknown) => {
	const text = str(value);
	return text ? text.replace(/^whatsapp:/i, '') : undefined;
};

/** One inbound message or one status callback as the common item. */
export function normaliseTwilioParams(params: Record<string, string | string[]>): InboundEvent {
	const messageSid = str(params.MessageSid) ?? str(params.SmsSid);
	const statusValue = str(params.MessageStatus) ?? str(params.SmsStatus);
	// Status callbacks carry MessageStatus and no Body; inbound messages are "received".
	const isStatus = statusValue !== undefined && statusValue !== 'received' && params.Body === undefined;
	const base = {
		provider: 'twilio',
		messageId: messageSid,
		from: fromAddress(params.From),
		to: fromAddress(params.To),
		account: str(params.AccountSid),
		raw: params,
	};
	if (isStatus) {
		const errorCode = str(params.ErrorCode);
		return compact({
			...base,
			event: FAILED_STATUSES.has(statusValue ?? '') ? 'error' : 'status',
			type: 'status',
			status: statusValue,
			timestamp: new Date().toISOString(),
			// Status callbacks carry the ErrorCode, rarely a text: the code's meaning stands in for it.
			errors: errorCode
				? [compact({ code: Number(errorCode) || errorCode, message: str(params.ErrorMessage) ?? HINTS[Number(errorCode)] ?? `Twilio error ${errorCode} (see https://www.twilio.com/docs/api/errors/${encodeURIComponent(errorCode)})` })]
				: undefined,
		}) as InboundEvent;
	}
	const numMedia = Number(str(params.NumMedia) ?? 0) || 0;
	const event: InboundEvent = {
		...base,
		event: 'message',
		profileName: str(params.ProfileName),
		timestamp: new Date().toISOString(),
		type: (str(params.MessageType) ?? (numMedia > 0 ? 'media' : 'text')).toLowerCase(),
		text: str(params.Body),
		context: params.OriginalRepliedMessageSid ? { messageId: str(params.OriginalRepliedMessageSid) } : undefined,
	};
	if (numMedia > 0) {
		const mimeType = str(params.MediaContentType0);
		event.media = compact({ url: str(params.MediaUrl0), mimeType, caption: str(params.Body) || undefined });
		if (!params.MessageType && mimeType) event.type = mimeType.split('/')[0];
	}
	if (params.Latitude !== undefined && params.Longitude !== undefined) {
		event.type = 'location';
		event.location = compact({
			latitude: Number(str(params.Latitude)),
			longitude: Number(str(params.Longitude)),
			name: str(params.Label),
			address: str(params.Address),
		});
	}
	if (params.ButtonPayload !== undefined || params.ButtonText !== undefined) {
		event.reply = compact({ id: str(params.ButtonPayload), title: str(params.ButtonText) });
		if (!params.MessageType) event.type = 'button';
	}
	if (params.ListId !== undefined) {
		event.reply = compact({ id: str(params.ListId), title: str(params.ListTitle) });
		if (!params.MessageType) event.type = 'list';
	}
	return compact(event);
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

export function handleTwilioInbound(request: InboundRequest, raw: ICredentialDataDecryptedObject): InboundResult {
	const credentials = twilioCredentials(raw);
	if (request.method !== 'POST') return reject(405, 'Only POST is accepted');
	const signature = header(request, 'x-twilio-signature');
	const type = contentType(request);
	const bytes = rawBytes(request);
	let params: Record<string, string | string[]>;
	if (type === 'application/json') {
		// JSON bodies: Twilio signs the URL (with its bodySHA256 query parameter) and no parameters.
		const bodyHash = String(request.query.bodySHA256 ?? new URL(request.url).searchParams.get('bodySHA256') ?? '');
		const expectedHash = createHash('sha256').update(bytes).digest('hex');
		if (!bodyHash || !safeEqual(bodyHash, expectedHash) || !verifyTwilioSignature(credentials.authToken, signature, request.url, {})) {
			return unauthorized('missing or invalid X-Twilio-Signature (check the Auth Token, and that n8n\'s public webhook URL is the URL Twilio calls)');
		}
		const parsed = parseJsonBody(bytes);
		if (!parsed.ok) return reject(parsed.status, parsed.message);
		if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) return reject(400, 'Body is not a JSON object');
		params = Object.fromEntries(Object.entries(parsed.value as Record<string, unknown>).map(([key, value]) => [key, String(value)]));
	} else if (type === 'application/x-www-form-urlencoded') {
		const parsed = request.rawBody ? parseFormBody(bytes) : { ok: true as const, value: (request.parsedBody ?? {}) as Record<string, string | string[]> };
		if (!parsed.ok) {
			// Still check the signature first, over nothing, so a forgery never learns more than 401.
			return verifyTwilioSignature(credentials.authToken, signature, request.url, {}) ? reject(parsed.status, parsed.message) : unauthorized('missing or invalid X-Twilio-Signature (check the Auth Token, and that n8n\'s public webhook URL is the URL Twilio calls)');
		}
		params = parsed.value;
		if (!verifyTwilioSignature(credentials.authToken, signature, request.url, params)) {
			return unauthorized('missing or invalid X-Twilio-Signature (check the Auth Token, and that n8n\'s public webhook URL is the URL Twilio calls)');
		}
	} else {
		return signature && verifyTwilioSignature(credentials.authToken, signature, request.url, {})
			? reject(415, 'Expected application/x-www-form-urlencoded')
			: unauthorized('missing or invalid X-Twilio-Signature (check the Auth Token, and that n8n\'s public webhook URL is the URL Twilio calls)');
	}
	if (!params.MessageSid && !params.SmsSid) return reject(400, 'Not a Twilio message webhook: MessageSid is missing');
	if (str(params.AccountSid) !== credentials.accountSid) {
		return reject(403, 'Forbidden', 'the request belongs to another Twilio account than the connection\'s');
	}
	return {
		kind: 'events',
		events: [normaliseTwilioParams(params)],
		ack: { status: 200, body: EMPTY_TWIML, contentType: 'text/xml' },
		authenticated: true,
	};
}

/**
 * Downloads MediaUrlN: with the account's credentials on Twilio's own origin (the connection's Base
 * URL); Twilio answers with a redirect to its CDN, which is fetched without them.
 */
export async function downloadTwilioMedia(
	raw: ICredentialDataDecryptedObject,
	url: string,
	fetchMedia: MediaFetcher,
): Promise<{ data: Buffer; mimeType?: string }> {
	const file = await fetchMedia(url, { ownOrigin: originOf(twilioCredentials(raw).baseUrl) });
	return { data: file.data, mimeType: file.mimeType };
}
