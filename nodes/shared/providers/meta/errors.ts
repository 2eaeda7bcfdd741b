import type { INode } from 'n8n-workflow';

import { providerApiError } from '../../errors';
import { answerOutcome, unknownOutcomeHint } from '../../outcome';
import { retryAfterMs, type HttpResponse } from '../../transport';

const HINTS: Record<number, string> = {
	0: 'Meta could not authenticate the request: generate a new access token.',
	3: 'The app lacks the capability for this call: check the app has the WhatsApp product added.',
	4: 'Too many API calls for this app: throttled messages are retried automatically; lower "Messages Per Second" if it persists.',
	10: 'The access token lacks permission: give the System User whatsapp_business_messaging and whatsapp_business_management on this WhatsApp Business Account and generate a new token.',
	100: "Meta does not know this Phone Number ID, or a parameter is invalid: check the connection's Phone Number ID (App Dashboard → WhatsApp → API Setup) and the message fields.",
	190: "The access token is invalid or expired: generate a new one (a System User token does not expire) and save it in the connection.",
	200: 'The access token lacks permission for this phone number: check the System User has access to the WhatsApp Business Account.',
	80007: 'The WhatsApp Business Account hit its rate limit: throttled messages are retried automatically; lower "Messages Per Second" if it persists.',
	130429: 'The phone number hit its throughput limit (80 messages/s by default): messages are retried automatically; lower "Messages Per Second" if it persists.',
	131008: 'A required parameter is missing: check the message fields.',
	131009: 'A parameter value is not valid: check the message fields (phone numbers, URLs, IDs).',
	131026: 'The message could not be delivered: the recipient may not use WhatsApp, or has not accepted the latest terms.',
	131030: 'The recipient is not in the allowed list of this test number: add it in App Dashboard → WhatsApp → API Setup → To, or use a production number.',
	131031: 'The WhatsApp Business Account is locked or restricted: check WhatsApp Manager → Account quality.',
	131047: 'Re-engagement message: more than 24 hours have passed since the customer last replied. Send an approved template instead (Message Type "Template").',
	131048: 'Spam rate limit: too many previous messages were blocked or flagged. Improve message quality; check WhatsApp Manager → Insights.',
	131049: 'Meta chose not to deliver this marketing message to protect user experience; try later or send a different template.',
	131051: 'This message type is not supported by the Cloud API.',
	131052: 'Meta could not download the media sent by the customer.',
	131053: 'Meta could not use the media: check the URL is public (https) and the file type and size are supported.',
	131056: 'Too many messages to the same recipient in a short time (pair rate limit): messages are retried automatically with a pause.',
	131062: "This message can't be sent to a business-scoped user ID (BSUID): Meta refuses BSUID recipients for it (e.g. one-tap, zero-tap and copy-code authentication templates). Send it to the user's phone number instead.",
	132000: "The number of template parameters does not match the template's placeholders.",
	132001: 'The template does not exist in this language: check Template Name and Language (WhatsApp Manager → Message templates).',
	132005: 'The translated template text is too long.',
	132007: 'The template content violates a WhatsApp policy.',
	132012: 'A template parameter has the wrong format: check header media type and parameter types.',
	133010: 'The phone number is not registered on the Cloud API: register it (POST /{Phone-Number-ID}/register).',
	368: 'The account is temporarily blocked for policy violations.',
};

/** Throttling: app (4), WABA (80007), number throughput (130429), pair rate (131056). Not accepted. */
const META_THROTTLE_CODES = new Set([4, 80007, 130429, 131056]);
/** Code 2, "temporarily unavailable due to downtime": Meta did not process the request. */
const META_NOT_PROCESSED_CODES = new Set([2]);
/** 131000 "Something went wrong": Meta may have accepted the message. */
const META_UNKNOWN_OUTCOME_CODES = new Set([131000]);

/**
 * Code 100 is "invalid parameter" as much as "unknown object": the hint follows the error's own
 * details, and blames the Phone Number ID only when Meta says the object does not exist.
 */
export function metaParameterHint(message: string | undefined, details: string | undefined): string {
	const text = `${message ?? ''} ${details ?? ''}`;
	if (/does not exist|unsupported (get|post) request|cannot be loaded due to missing permissions/i.test(text)) {
		return "Meta does not know the object addressed: check the connection's Phone Number ID (App Dashboard → WhatsApp → API Setup) and that the access token may use it.";
	}
	const param = /\bParam\s+([A-Za-z_][\w.]*(?:\[[^\]]*\])*)/.exec(message ?? '')?.[1];
	const why = (details || (message ?? '').replace(/^\(#\d+\)\s*/, '')).trim().replace(/\.$/, '');
	if (param) return `Meta refused the parameter ${param}${why ? `: ${why}` : ''}. Check the node field that fills it.`;
	return `A parameter of the message is not valid${why ? `: ${why}` : ''}. Check the message fields.`;
}

export function metaError(node: INode, itemIndex: number, response: HttpResponse, secrets: readonly unknown[]) {
	const error = ((response.body as { error?: Record<string, unknown> } | undefined)?.error ?? {}) as {
		message?: string;
		type?: string;
		code?: number;
		error_subcode?: number;
		error_user_msg?: string;
		error_data?: { details?: string };
		fbtrace_id?: string;
	};
	const code = typeof error.code === 'number' ? error.code : undefined;
	const status = response.statusCode;
	const outcome = answerOutcome({
		status,
		throttled: code !== undefined && META_THROTTLE_CODES.has(code),
		notProcessed: code !== undefined && META_NOT_PROCESSED_CODES.has(code),
		unknownCode: code !== undefined && META_UNKNOWN_OUTCOME_CODES.has(code),
	});
	const details = error.error_data?.details ?? error.error_user_msg;
	const hint =
		(outcome.deliveryUnknown ? unknownOutcomeHint('Meta', status) : undefined) ??
		(code === 100 ? metaParameterHint(error.message, details) : undefined) ??
		(code !== undefined ? HINTS[code] : undefined) ??
		(status === 401 ? HINTS[190] : status >= 500 ? 'Meta had a temporary problem; try again later.' : undefined);
	return providerApiError(
		node,
		itemIndex,
		{
			provider: 'meta',
			message: `Meta Cloud API error${code !== undefined ? ` ${code}` : ''} (HTTP ${status}): ${error.message ?? (typeof response.body === 'string' ? response.body.slice(0, 200) : 'no message')}${details ? ` — ${details}` : ''}`,
			description: hint,
			httpCode: status,
			providerCode: code,
			retryable: outcome.retryable,
			deliveryUnknown: outcome.deliveryUnknown,
			retryAfterMs: retryAfterMs(response.headers),
			extra: { errorSubcode: error.error_subcode, fbtrace_id: error.fbtrace_id },
		},
		secrets,
	);
}
