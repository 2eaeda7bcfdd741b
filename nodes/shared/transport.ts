import type { IHttpRequestOptions, IN8nHttpFullResponse, INode, NodeApiError } from 'n8n-workflow';

import { providerApiError } from './errors';

export interface HttpResponse {
	statusCode: number;
	headers: Record<string, unknown>;
	body: unknown;
}

/** The request never left this machine (refused, unknown host): sending it again is safe. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);

export type TransportResult =
	| { kind: 'response'; response: HttpResponse }
	| { kind: 'network'; code: string; sent: boolean; message: string };

/** Every HTTP call of the package goes through one of these, made by n8n with the connection's auth. */
export type Transport = (options: IHttpRequestOptions) => Promise<TransportResult>;

/** The `this` of an execute, webhook or hook function: n8n's request helpers. */
export interface AuthenticatedRequester {
	helpers: {
		httpRequestWithAuthentication(credentialsType: string, requestOptions: IHttpRequestOptions): Promise<unknown>;
		httpRequest(requestOptions: IHttpRequestOptions): Promise<unknown>;
	};
}

function errorCode(error: unknown): string {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current; depth++) {
		const candidate = current as { code?: unknown; cause?: unknown; errno?: unknown };
		if (typeof candidate.code === 'string' && /^E[A-Z_]+$/.test(candidate.code)) return candidate.code;
		current = candidate.cause;
	}
	const text = String((error as { message?: unknown })?.message ?? '');
	const match = /\b(E[A-Z]{3,}[A-Z_]*)\b/.exec(text);
	if (match) return match[1];
	if (/socket hang up/i.test(text)) return 'ECONNRESET';
	if (/timeout/i.test(text)) return 'ETIMEDOUT';
	return 'EUNKNOWN';
}

function parseBody(body: unknown): unknown {
	if (typeof body !== 'string') return body;
	const trimmed = body.trim();
	if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return body;
	try {
		return JSON.parse(trimmed) as unknown;
	} catch {
		return body;
	}
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * `timeLeft` (ms) bounds each request by what a caller's deadline still allows: the timeout (which
 * stops counting once the headers arrive) and an abort signal (which also ends a slow body).
 */
function wrap(send: (options: IHttpRequestOptions) => Promise<unknown>, timeLeft?: () => number): Transport {
	return async (options) => {
		const limit = timeLeft ? Math.max(1, Math.min(DEFAULT_TIMEOUT_MS, timeLeft())) : DEFAULT_TIMEOUT_MS;
		try {
			const full = (await send({
				timeout: limit,
				...(timeLeft ? { abortSignal: AbortSignal.timeout(limit) } : {}),
				// Never hand the connection's credentials to another host a redirect points at
				// (Twilio media redirects to a CDN; a gateway may redirect anywhere).
				sendCredentialsOnCrossOriginRedirect: false,
				...options,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
			})) as IN8nHttpFullResponse;
			return {
				kind: 'response',
				response: {
					statusCode: full.statusCode,
					headers: (full.headers ?? {}) as Record<string, unknown>,
					body: options.encoding === 'arraybuffer' ? full.body : parseBody(full.body),
				},
			};
		} catch (error) {
			// Only the code is kept: the error object carries the request, headers included.
			const code = errorCode(error);
			return { kind: 'network', code, sent: !NOT_SENT_CODES.has(code), message: `connection failed (${code})` };
		}
	};
}

/** Requests made with the connection's credentials, applied by n8n. */
export function createTransport(context: AuthenticatedRequester, credentialType: string, timeLeft?: () => number): Transport {
	return wrap((options) => context.helpers.httpRequestWithAuthentication.call(context, credentialType, options), timeLeft);
}

/** Requests made without any credentials (e.g. media at a URL of another host). */
export function createPlainTransport(context: AuthenticatedRequester, timeLeft?: () => number): Transport {
	return wrap((options) => context.helpers.httpRequest.call(context, options), timeLeft);
}

/** Both transports of a connection, for work that may leave the provider's own host. */
export interface Transports {
	authenticated: Transport;
	plain: Transport;
}

/**
 * The response of a request that must succeed: a network failure becomes the network error, an
 * answer outside 2xx becomes the provider's own error (built by `toError`).
 */
export function successful(
	result: TransportResult,
	node: INode,
	itemIndex: number,
	provider: string,
	secrets: readonly unknown[],
	toError: (response: HttpResponse) => Error,
): HttpResponse {
	if (result.kind === 'network') throw networkError(node, itemIndex, provider, result, secrets);
	if (result.response.statusCode < 200 || result.response.statusCode >= 300) throw toError(result.response);
	return result.response;
}

/** Retry-After in milliseconds, from seconds or an HTTP date; undefined when absent. */
export function retryAfterMs(headers: Record<string, unknown>, now = Date.now()): number | undefined {
	const given = headers['retry-after'] ?? headers['Retry-After'];
	const value = Array.isArray(given) ? given[0] : given;
	if (value === undefined || value === null || value === '') return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(String(value));
	return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** A network failure as a node error: retryable when nothing was sent, "delivery unknown" otherwise. */
export function networkError(
	node: INode,
	itemIndex: number,
	provider: string,
	failure: Extract<TransportResult, { kind: 'network' }>,
	secrets: readonly unknown[],
): NodeApiError {
	return providerApiError(
		node,
		itemIndex,
		{
			provider,
			message: failure.sent
				? `Delivery unknown: the connection to ${provider} broke after the request was sent (${failure.code})`
				: `Could not reach ${provider} (${failure.code}); nothing was sent`,
			description: failure.sent
				? 'The provider may or may not have accepted the message. It was not sent again, so the customer cannot get it twice. Check the provider\'s message log before resending, or enable "Retry When Delivery Is Unknown".'
				: "Check the connection's URL / Base URL and that the provider is reachable from n8n.",
			providerCode: failure.code,
			retryable: !failure.sent,
			deliveryUnknown: failure.sent,
		},
		secrets,
	);
}
