/**
 * What a provider's error answer says about the message: surely not accepted (safe to send again),
 * perhaps accepted ("delivery unknown": sending again could duplicate it), or refused for good.
 * Every provider module classifies its answers through this one function; the README's retry table
 * describes it.
 */
export interface AnswerOutcome {
	/** Surely not accepted and worth another attempt (throttling, service unavailable). */
	retryable: boolean;
	/** The provider may have accepted the message: never sent again unless the user opts in. */
	deliveryUnknown: boolean;
}

export interface AnswerFacts {
	status: number;
	/** The provider's code is one of its documented throttling codes (too many requests). */
	throttled?: boolean;
	/** The provider's code says the request was not processed (e.g. Meta 2 "temporarily unavailable"). */
	notProcessed?: boolean;
	/** The provider's code says its outcome is unknown (e.g. Meta 131000 "something went wrong"). */
	unknownCode?: boolean;
}

/** HTTP statuses a server or proxy may give after it has already passed the request on. */
const MAYBE_ACCEPTED_STATUSES = new Set([500, 502, 504]);

export function answerOutcome(facts: AnswerFacts): AnswerOutcome {
	const { status } = facts;
	if (facts.throttled || status === 429) return { retryable: true, deliveryUnknown: false };
	if (facts.notProcessed) return { retryable: true, deliveryUnknown: false };
	if (facts.unknownCode) return { retryable: false, deliveryUnknown: true };
	// 503 Service Unavailable: the server says it did not take the request (usually with Retry-After).
	if (status === 503) return { retryable: true, deliveryUnknown: false };
	if (MAYBE_ACCEPTED_STATUSES.has(status) || status > 505) return { retryable: false, deliveryUnknown: true };
	return { retryable: false, deliveryUnknown: false };
}

/** The description of an answer whose outcome is unknown: what happened and what to do. */
export function unknownOutcomeHint(provider: string, status: number): string {
	const name = provider.charAt(0).toUpperCase() + provider.slice(1);
	return `${name} answered HTTP ${status}, which can come after the message was already accepted. It was not sent again, so the customer cannot get it twice: check ${provider}'s message log before resending, or enable "Retry When Delivery Is Unknown" in the node options.`;
}
