/**
 * The trigger → Send WhatsApp hop of an answer. The trigger verified the provider's signature; it
 * proves that to the waiting Send node with a MAC keyed by the connection's secret (the Meta App
 * Secret, the Twilio Auth Token, the gateway's Auth Token), so a customer holding a reply id cannot
 * call n8n's waiting URL themselves. Both nodes must therefore use connections of the same account.
 */
import { createHmac } from 'node:crypto';

import type { INode } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

import type { InboundEvent } from '../inbound';
import { safeEqual } from '../signatures';
import type { Transport } from '../transport';

export const ASK_SIGNATURE_HEADER = 'x-wa-ask-signature';
export const ASK_TIMESTAMP_HEADER = 'x-wa-ask-ts';
/** How far a forward's timestamp may be from now. */
const MAX_SKEW_MS = 5 * 60_000;
/** How long the trigger waits for n8n to take an answer (the provider expects its answer within ~15 s). */
export const FORWARD_TIMEOUT_MS = 8_000;

/** The answer as forwarded: the normalised event without its raw payload. */
export type ForwardedAnswer = Omit<InboundEvent, 'raw' | 'account' | 'businessAccount'>;

/**
 * One signed hop between this package's nodes: its own key label (derived from the connection's
 * secret, so the secret itself keys nothing else) and headers, and what the refusals call it.
 */
export interface SignedHop {
	label: string;
	signatureHeader: string;
	timestampHeader: string;
	/** What is signed ("answer"), and who sends it, for the refusal reasons. */
	what: string;
	from: string;
	/** How far a request's timestamp may be from now (default 5 minutes). */
	maxSkewMs?: number;
}

/** Trigger → Send WhatsApp: an answer (and Send → trigger: a question's registration). */
export const ASK_HOP: SignedHop = {
	label: 'n8n-whatsapp-providers/ask/v1',
	signatureHeader: ASK_SIGNATURE_HEADER,
	timestampHeader: ASK_TIMESTAMP_HEADER,
	what: 'answer',
	from: 'a WhatsApp trigger',
};

/** The forward key: derived from the provider secret, so the secret itself never keys anything else. */
export function askKey(providerSecret: string, hop: SignedHop = ASK_HOP): Buffer {
	return createHmac('sha256', providerSecret).update(hop.label).digest();
}

function mac(key: Buffer, timestamp: string, body: string | Buffer): string {
	return createHmac('sha256', key).update(`${timestamp}.`).update(body).digest('hex');
}

/** The headers that prove a forward came from a node holding the same connection secret. */
export function signForward(providerSecret: string, body: string, now = Date.now(), hop: SignedHop = ASK_HOP): Record<string, string> {
	const timestamp = String(Math.floor(now / 1000));
	return { [hop.timestampHeader]: timestamp, [hop.signatureHeader]: `v1=${mac(askKey(providerSecret, hop), timestamp, body)}` };
}

function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	return Array.isArray(value) ? String(value[0]) : typeof value === 'string' ? value : undefined;
}

/** Why a forward is refused, or undefined when it is genuine and fresh. */
export function verifyForward(
	providerSecret: string,
	headers: Record<string, unknown>,
	body: Buffer,
	now = Date.now(),
	hop: SignedHop = ASK_HOP,
): string | undefined {
	if (!providerSecret) return `the connection has no secret to check ${hop.what}s with`;
	const signature = headerValue(headers, hop.signatureHeader);
	const timestamp = headerValue(headers, hop.timestampHeader);
	if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return `no ${hop.what} signature (not sent by ${hop.from})`;
	if (Math.abs(now - Number(timestamp) * 1000) > (hop.maxSkewMs ?? MAX_SKEW_MS)) return `the ${hop.what} signature is too old`;
	if (!safeEqual(signature, `v1=${mac(askKey(providerSecret, hop), timestamp, body)}`)) {
		return `the ${hop.what} signature does not match (the other node's connection is of another account, or the request is forged)`;
	}
	return undefined;
}

/** The answer event without what must not travel (the raw payload, routing fields). */
export function forwardedAnswer(event: InboundEvent): ForwardedAnswer {
	const rest: Partial<InboundEvent> = { ...event };
	delete rest.raw;
	delete rest.account;
	delete rest.businessAccount;
	return rest as ForwardedAnswer;
}

export type ForwardOutcome =
	| { kind: 'resumed' }
	/** n8n or the Send node refused it: a forged, changed or other customer's answer. */
	| { kind: 'refused'; status: number }
	/** The question was answered before, timed out, or its execution ended or no longer exists. */
	| { kind: 'closed'; status: number }
	| { kind: 'failed'; reason: string };

/**
 * Posts the answer to the waiting execution's resume URL. A question saved a moment ago may still be
 * running (409): tried again for up to 5 s.
 */
export async function forwardAnswer(transport: Transport, url: string, providerSecret: string, answer: ForwardedAnswer): Promise<ForwardOutcome> {
	const body = JSON.stringify({ answer });
	const deadline = Date.now() + 5_000;
	for (;;) {
		const result = await transport({
			method: 'POST',
			url,
			body,
			json: false,
			headers: { 'content-type': 'application/json', ...signForward(providerSecret, body) },
			timeout: FORWARD_TIMEOUT_MS,
		});
		if (result.kind === 'network') return { kind: 'failed', reason: result.message };
		const { statusCode, body: answered } = result.response;
		const text = typeof answered === 'string' ? answered : JSON.stringify(answered ?? '');
		if (statusCode === 200 && /"resumed":true/.test(text)) return { kind: 'resumed' };
		if (statusCode === 401 || statusCode === 403) return { kind: 'refused', status: statusCode };
		if (statusCode === 409 && /running already/.test(text) && Date.now() < deadline) {
			await sleep(500);
			continue;
		}
		// 200 with n8n's "no action required" page (answered, timed out), 409 (finished), 404 (gone).
		if (statusCode === 200 || statusCode === 404 || statusCode === 409 || statusCode === 410) return { kind: 'closed', status: statusCode };
		return { kind: 'failed', reason: `n8n answered HTTP ${statusCode}` };
	}
}

type RawBodyRequest = { rawBody?: Buffer; readRawBody?: () => Promise<void>; body?: unknown };

/** The exact bytes of a request (n8n keeps them as rawBody; read them if it has not yet). */
export async function readRequestBytes(req: RawBodyRequest): Promise<Buffer | undefined> {
	if (!req.rawBody && typeof req.readRawBody === 'function') {
		try {
			await req.readRawBody();
		} catch {
			return undefined;
		}
	}
	return req.rawBody;
}

/** A question answered by text, as the Send node registers it with the trigger. */
export interface AskRegistration {
	kind: 'ask-register';
	/** The customer (`+<digits>` or a BSUID). */
	to: string;
	q: string;
	/** The resume URL of a text answer (signed for c=t). */
	resumeUrl: string;
	/** Numbered options: the resume URL of option n at index n-1. */
	optionUrls: string[];
	expiresAt?: string;
	registeredAt: string;
	/** The question's message ID, once sent: a reply quoting it answers this question. */
	questionMessageId?: string;
}

/** The registration call of a text-answered question (Send node → trigger), with its MAC. */
export function forwardedRegistration(entry: Omit<AskRegistration, 'kind' | 'registeredAt'>) {
	const registration: AskRegistration = { kind: 'ask-register', ...entry, registeredAt: new Date().toISOString() };
	return {
		registration,
		async send(transport: Transport, triggerUrl: string, providerSecret: string, node: INode, itemIndex: number): Promise<void> {
			const body = JSON.stringify(registration);
			const result = await transport({
				method: 'POST',
				url: triggerUrl,
				body,
				json: false,
				headers: { 'content-type': 'application/json', ...signForward(providerSecret, body) },
				timeout: FORWARD_TIMEOUT_MS,
			});
			const status = result.kind === 'response' ? result.response.statusCode : undefined;
			const answered = result.kind === 'response' ? String(typeof result.response.body === 'string' ? result.response.body : JSON.stringify(result.response.body ?? '')) : '';
			if (status === 200 && /"registered":true/.test(answered)) return;
			const why =
				result.kind === 'network'
					? `it could not be reached (${result.code})`
					: status === 404
						? 'no active workflow listens there (HTTP 404)'
						: status === 401
							? "it refused the question (HTTP 401): the trigger's connection is of another account (its secret differs)"
							: `it answered HTTP ${status}`;
			const message = `The question was not sent: the WhatsApp trigger at the Reply Trigger URL did not register it, ${why}`;
			const failure = new NodeOperationError(node, message, {
				itemIndex,
				description:
					"Activate the workflow whose WhatsApp trigger receives this number's messages, and copy its production URL into Reply Trigger URL. Both nodes need connections of the same account.",
			});
			// n8n swaps a message naming ECONNREFUSED & co. for a generic one; keep ours.
			failure.message = message;
			throw failure;
		},
	};
}
