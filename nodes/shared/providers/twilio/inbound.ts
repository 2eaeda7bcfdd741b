import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { createHash } from 'node:crypto';

import { reject, unauthorized, type InboundEvent, type InboundRequest, type InboundResult } from '../../inbound';
import { contentType, header, parseFormBody, parseJsonBody, rawBytes } from '../../requestBody';
import { hmacBase64, safeEqual } from '../../signatures';
import { normaliseBsuid } from '../../phone';
import { compact } from '../../values';
import { twilioCredentials } from './connection';
import { HINTS } from './errors';

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
		// Twilio documents no BSUID field; should its From (a message) or To (a status) carry one, it is the user's userId.
		userId: normaliseBsuid(fromAddress(isStatus ? params.To : params.From)),
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

export function handleTwilioInbound(request: InboundRequest, stored: ICredentialDataDecryptedObject): InboundResult {
	const credentials = twilioCredentials(stored);
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
