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
