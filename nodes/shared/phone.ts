/**
 * Recipient phone numbers. Users paste numbers in every format; providers want one:
 * Twilio `whatsapp:+<digits>`, Meta `<digits>`. E.164 allows at most 15 digits and never starts with 0.
 */
const SEPARATORS = /[\s\-.()\u00a0]/g;
const E164 = /^\+?([1-9]\d{6,14})$/;

/** Returns `+<digits>` for a valid number, or undefined. Accepts a leading `whatsapp:` too. */
export function normalisePhone(value: unknown): string | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	let text = String(value).trim();
	if (/^whatsapp:/i.test(text)) text = text.slice('whatsapp:'.length);
	text = text.replace(SEPARATORS, '');
	const match = E164.exec(text);
	return match ? `+${match[1]}` : undefined;
}

/** Digits only, as Meta's Cloud API expects in `to`. */
export function toDigits(e164: string): string {
	return e164.replace(/^\+/, '');
}

/** `whatsapp:+<digits>`, never doubled. */
export function toTwilioAddress(e164OrAddress: string): string {
	const normalised = normalisePhone(e164OrAddress);
	return `whatsapp:${normalised ?? e164OrAddress.replace(/^whatsapp:/i, '')}`;
}

/**
 * A WhatsApp business-scoped user ID (BSUID): a two-letter country code, a dot, and up to 128 letters
 * and digits (e.g. `US.13491208655302741918`); a parent BSUID has `ENT.` after the country code
 * (e.g. `US.ENT.11815799212886844830`). Source: Meta's "Business-scoped user IDs" (WhatsApp Business
 * Platform), seen 2026-12-01.
 */
const BSUID = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;

/** The BSUID as given (trimmed), or undefined when the value is not one. */
export function normaliseBsuid(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	const text = value.trim();
	return BSUID.test(text) ? text : undefined;
}

export function isBsuid(value: unknown): boolean {
	return normaliseBsuid(value) !== undefined;
}

/** A recipient as Send WhatsApp takes it: a phone number (`+<digits>`) or a BSUID, else undefined. */
export function normaliseRecipient(value: unknown): string | undefined {
	return normaliseBsuid(value) ?? normalisePhone(value);
}
