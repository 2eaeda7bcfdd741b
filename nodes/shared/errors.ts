import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { INode, JsonObject } from 'n8n-workflow';

/**
 * What the item loop and the retry policy need to know about a failure, kept on the error's
 * `context` so that NodeApiError/NodeOperationError stay the only error types n8n sees.
 */
export interface FailureInfo {
	/** The provider's own error code (Twilio 63016, Meta 131047, …), when it gave one. */
	providerCode?: string | number;
	/** Throttling or a transient failure: the same request may be sent again. */
	retryable?: boolean;
	/** Milliseconds the provider asked us to wait (Retry-After). */
	retryAfterMs?: number;
	/** The request may have reached the provider: sending again could duplicate the message. */
	deliveryUnknown?: boolean;
}

export interface ProviderErrorDetails extends FailureInfo {
	provider: string;
	message: string;
	description?: string;
	httpCode?: number;
	/** The provider's error body (never a request, never headers). */
	body?: unknown;
	/** Extra safe fields shown to the user, e.g. Meta's fbtrace_id. */
	extra?: Record<string, string | number | undefined>;
}

/**
 * Secrets shorter than this are never cut out of longer text: a four-character header value such as
 * `1718` would otherwise be cut out of a timestamp, `true` out of a sentence. A value *equal* to a
 * secret is masked whatever its length.
 */
export const MIN_SUBSTRING_SECRET_LENGTH = 8;

const MASK = '[redacted]';

function secretStrings(secrets: readonly unknown[]): string[] {
	return secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length > 0);
}

function redactString(text: string, secrets: readonly string[]): string {
	if (secrets.includes(text) || secrets.includes(text.trim())) return MASK;
	let out = text;
	for (const secret of secrets) {
		if (secret.length < MIN_SUBSTRING_SECRET_LENGTH) continue;
		if (out.includes(secret)) out = out.split(secret).join(MASK);
	}
	return out;
}

/**
 * Removes every known secret from a text (an error message, a log line). Defence in depth: messages
 * are built without secrets. Long secrets are cut out wherever they occur; short ones only when the
 * whole text is the secret.
 */
export function redact(text: string, secrets: readonly unknown[]): string {
	return redactString(text, secretStrings(secrets));
}

/**
 * A value (e.g. a provider's response kept under `raw`) with every known secret removed. Walks the
 * structure and changes string values only: keys, numbers, booleans and null stay as they are, and
 * no text is ever parsed again, so redaction cannot break the value or fail. Unchanged parts keep
 * their identity; nothing is copied when there is nothing to redact.
 */
export function redactValue<T>(value: T, secrets: readonly unknown[]): T {
	const list = secretStrings(secrets);
	if (list.length === 0) return value;
	const seen = new WeakSet<object>();
	const walk = (current: unknown): unknown => {
		if (typeof current === 'string') return redactString(current, list);
		if (current === null || typeof current !== 'object') return current;
		if (seen.has(current) || Buffer.isBuffer(current) || ArrayBuffer.isView(current)) return current;
		seen.add(current);
		if (Array.isArray(current)) {
			let changed = false;
			const next = current.map((entry) => {
				const clean = walk(entry);
				if (clean !== entry) changed = true;
				return clean;
			});
			return changed ? next : current;
		}
		let changed = false;
		const next: Record<string, unknown> = {};
		for (const [key, entry] of Object.entries(current as Record<string, unknown>)) {
			const clean = walk(entry);
			if (clean !== entry) changed = true;
			next[key] = clean;
		}
		return changed ? next : current;
	};
	return walk(value) as T;
}

export function failureInfo(error: unknown): FailureInfo {
	const context = (error as { context?: Record<string, unknown> } | undefined)?.context;
	return (context?.failure as FailureInfo | undefined) ?? {};
}

/** A provider refused or failed the request: keep its code and say how to fix it. */
export function providerApiError(
	node: INode,
	itemIndex: number,
	details: ProviderErrorDetails,
	secrets: readonly unknown[],
): NodeApiError {
	const message = redact(details.message, secrets);
	const extras = Object.entries(details.extra ?? {})
		.filter(([, value]) => value !== undefined && value !== '')
		.map(([key, value]) => `${key}: ${String(value)}`);
	const description = redact(
		[details.description, ...extras].filter(Boolean).join(' — '),
		secrets,
	);
	// Only the provider's own (numeric) code goes into the error response: n8n replaces the message of
	// errors whose code looks like ECONNREFUSED/ECONNRESET with generic advice ("retry immediately")
	// that would contradict ours for a request whose delivery is unknown.
	const errorBody: JsonObject = {
		message,
		...(typeof details.providerCode === 'number' ? { code: String(details.providerCode) } : {}),
		...(details.httpCode !== undefined ? { httpCode: String(details.httpCode) } : {}),
	};
	const error = new NodeApiError(node, errorBody, {
		message,
		description,
		itemIndex,
		httpCode: details.httpCode !== undefined ? String(details.httpCode) : undefined,
	});
	error.message = message;
	error.description = description || null;
	const failure: FailureInfo = {
		providerCode: details.providerCode,
		retryable: details.retryable,
		retryAfterMs: details.retryAfterMs,
		deliveryUnknown: details.deliveryUnknown,
	};
	error.context.failure = failure;
	error.context.provider = details.provider;
	if (details.providerCode !== undefined) error.context.providerCode = details.providerCode;
	for (const [key, value] of Object.entries(details.extra ?? {})) {
		if (value !== undefined) error.context[key] = value;
	}
	return error;
}

/** The input or the configuration is wrong: nothing was sent. */
export function inputError(
	node: INode,
	itemIndex: number | undefined,
	message: string,
	description?: string,
	/** Which field broke which rule, for the pre-flight report (see validation.ts). */
	violation?: { field: string; value?: unknown; rule: string },
): NodeOperationError {
	const error = new NodeOperationError(node, message, { itemIndex, description });
	if (violation) error.context.violation = violation;
	return error;
}

/** Any failure as a node error with its item index; node errors pass through unchanged. */
export function toNodeError(node: INode, error: unknown, itemIndex: number | undefined): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error instanceof Error ? error.message : String(error), { itemIndex });
}
