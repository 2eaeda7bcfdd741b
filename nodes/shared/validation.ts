import { NodeOperationError } from 'n8n-workflow';
import type { INode } from 'n8n-workflow';

/**
 * Pre-flight checks: every item is checked before the first send. A rule broken by one item is a
 * Violation (which field, its value, which rule); the limits themselves live in the provider module
 * that owns them (e.g. META_LIMITS in providers/meta/check.ts), declared once as data.
 */
export interface Violation {
	/** The field as the user sees it in the node, e.g. "Text", "Reply Buttons → Title (button 2)". */
	field: string;
	/** The offending value (shortened when shown). */
	value?: unknown;
	/** The rule broken, e.g. "at most 4096 characters on Meta Cloud API (got 5000)". */
	rule: string;
	/** How to fix it, when there is more to say than the rule. */
	hint?: string;
}

/** A value as shown in an error: strings quoted and cut to `max` characters, with their length. */
export function shorten(value: unknown, max = 40): string {
	if (value === undefined) return '';
	const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
	const chars = [...text];
	const cut = chars.length > max ? `${chars.slice(0, max).join('')}… (${charCount(text)} characters)` : text;
	return typeof value === 'string' ? `"${cut}"` : cut;
}

export function violationText(violation: Violation): string {
	if (!violation.field) return violation.rule;
	const value = violation.value === undefined ? '' : ` ${shorten(violation.value)}`;
	return `${violation.field}${value}: ${violation.rule}`;
}

function withHint(violation: Violation): string {
	return violation.hint ? `${violationText(violation)} — ${violation.hint}` : violationText(violation);
}

/**
 * Characters as the providers count them: UTF-16 code units (an emoji outside the Basic Multilingual
 * Plane counts as two). Counting this way never lets through a text the provider would refuse.
 */
export function charCount(text: string): number {
	return text.length;
}

/** Collects violations; each check adds at most one. */
export class Checks {
	readonly violations: Violation[] = [];

	constructor(private readonly providerLabel: string) {}

	add(field: string, value: unknown, rule: string): void {
		this.violations.push({ field, value, rule });
	}

	/** Text no longer than `max` characters (empty and missing texts pass: `required` checks those). */
	maxLength(field: string, value: string | undefined, max: number): void {
		if (value === undefined) return;
		const length = charCount(value);
		if (length > max) this.add(field, value, `at most ${max} characters on ${this.providerLabel} (got ${length})`);
	}

	required(field: string, value: string | undefined): void {
		if (value === undefined || value.trim() === '') this.add(field, value ?? '', 'must not be empty');
	}

	count(field: string, count: number, min: number, max: number, unit: string): void {
		if (count < min || count > max) {
			this.add(field, undefined, `needs ${min === max ? `exactly ${min}` : `${min} to ${max}`} ${unit}, got ${count} (${this.providerLabel})`);
		}
	}

	unique(field: string, values: string[]): void {
		const seen = new Set<string>();
		for (const value of values) {
			if (seen.has(value)) {
				this.add(field, value, 'must be unique within the message (this value appears more than once)');
				return;
			}
			seen.add(value);
		}
	}

	httpUrl(field: string, value: string | undefined): void {
		if (value !== undefined && !/^https?:\/\/\S+$/i.test(value)) this.add(field, value, 'must be a public http(s) URL');
	}
}

/** The error of one invalid item: its first violation in the message, all of them in the context. */
export function invalidItemError(node: INode, itemIndex: number, violations: Violation[], description?: string): NodeOperationError {
	const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
	const error = new NodeOperationError(node, `${violationText(violations[0])}${more} (item ${itemIndex})`, {
		itemIndex,
		description: description ?? violations.map(withHint).join('\n'),
	});
	error.context.violations = violations.map((violation) => ({ ...violation, value: shortenValue(violation.value) }));
	fullViolations.set(error, violations);
	return error;
}

/** The violations with their whole values, kept out of the error's context (which shows them shortened). */
const fullViolations = new WeakMap<object, Violation[]>();

function shortenValue(value: unknown): unknown {
	return typeof value === 'string' && charCount(value) > 40 ? shorten(value) : value;
}

/** The violations an error carries (an input error made by messageFromParameters or a provider's check). */
export function violationsOf(error: unknown): Violation[] {
	const failure = error as { context?: { violations?: Violation[]; violation?: Violation }; message?: string; description?: string | null } | undefined;
	const context = failure?.context;
	const full = failure && typeof failure === 'object' ? fullViolations.get(failure) : undefined;
	if (full) return full;
	if (context?.violations?.length) return context.violations;
	const hint = failure?.description || undefined;
	if (context?.violation) return [{ hint, ...context.violation }];
	const message = failure?.message ?? String(error);
	return [{ field: '', rule: message.replace(/\s*\(item \d+\)\s*$/, ''), hint }];
}

export interface InvalidItem {
	itemIndex: number;
	error: unknown;
}

/**
 * On Error: Stop and some items are invalid: nothing was sent. One error lists every invalid item
 * with its index, the field, its value (shortened) and the rule broken.
 */
export function preflightError(node: INode, invalid: InvalidItem[], itemCount: number): NodeOperationError {
	const first = invalid[0];
	const lines: string[] = [];
	const listed: Array<Violation & { itemIndex: number }> = [];
	for (const { itemIndex, error } of invalid) {
		for (const violation of violationsOf(error)) {
			lines.push(`item ${itemIndex} — ${withHint(violation)}`);
			listed.push({ itemIndex, ...violation, value: shortenValue(violation.value) });
		}
	}
	const firstMessage = ((first.error as { message?: string }).message ?? String(first.error)).replace(/^(.*)\((item \d+)\)$/, '$1($2)');
	const message =
		invalid.length === 1
			? `${firstMessage}; nothing was sent`
			: `${invalid.length} of ${itemCount} items are invalid; nothing was sent (first: ${firstMessage})`;
	const error = new NodeOperationError(node, message, {
		itemIndex: first.itemIndex,
		description: [
			`Every item is checked before the first message goes out. Fix the item${invalid.length > 1 ? 's' : ''} below and run again, or set the node's Settings → On Error to "Continue (using error output)" to send the valid items and get the invalid ones on the error output.`,
			...lines,
		].join('\n'),
	});
	error.context.invalidItems = listed;
	error.context.invalidCount = invalid.length;
	error.context.sentCount = 0;
	return error;
}

/**
 * A business-scoped user ID (BSUID) given to a provider that can only send to phone numbers: what
 * happened and what to do instead (the provider's check adds it before anything is sent).
 */
export function bsuidRecipientViolation(providerLabel: string, recipient: string, why: string): Violation {
	return {
		field: 'To',
		value: recipient,
		rule: `is a business-scoped user ID (BSUID); ${providerLabel} cannot send to one: ${why}`,
		hint: "Send to the user's phone number (the trigger's from, when the user shares it), or send through a Meta WhatsApp Cloud API connection, which takes a BSUID in its recipient field.",
	};
}
