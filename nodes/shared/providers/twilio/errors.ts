import type { INode } from 'n8n-workflow';

import { providerApiError } from '../../errors';
import { answerOutcome, unknownOutcomeHint } from '../../outcome';
import { retryAfterMs, type HttpResponse } from '../../transport';

export const HINTS: Record<number, string> = {
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
