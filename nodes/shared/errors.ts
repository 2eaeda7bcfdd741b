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

/** Removes every known secret from a text. Defence in depth: messages are built without secrets. */
export function redact(text: string, secrets: readonly unknown[]): string {
	let out = text;
	for (const secret of secrets) {
		if (typeof secret !== 'string' || secret.length < 4) continue;
		out = out.split(secret).join('[redacted]');
	}
	return out;
}

/** A value (e.g. a provider's response kept under `raw`) with every known secret removed. */
export function redactValue<T>(value: T, secrets: readonly unknown[]): T {
	if (value === undefined || value === null) return value;
	const text = JSON.stringify(value);
	const clean = redact(text, secrets.map((secret) => (typeof secret === 'string' ? JSON.stringify(secret).slice(1, -1) : secret)));
	return clean === text ? value : (JSON.parse(clean) as T);
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
): NodeOperationError {
	return new NodeOperationError(node, message, { itemIndex, description });
}

/** Any failure as a node error with its item index; node errors pass through unchanged. */
export function toNodeError(node: INode, error: unknown, itemIndex: number | undefined): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error instanceof Error ? error.message : String(error), { itemIndex });
}
