import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature primitives the providers verify inbound requests with. */

/** Compares two strings in constant time for equal lengths; different lengths are unequal. */
export function safeEqual(actual: string, expected: string): boolean {
	const a = Buffer.from(actual, 'utf8');
	const b = Buffer.from(expected, 'utf8');
	if (a.length !== b.length) {
		timingSafeEqual(b, b); // same work either way
		return false;
	}
	return timingSafeEqual(a, b);
}

export function hmacHex(algorithm: 'sha256' | 'sha1', secret: string, data: Buffer | string): string {
	return createHmac(algorithm, secret).update(data).digest('hex');
}

export function hmacBase64(algorithm: 'sha256' | 'sha1', secret: string, data: Buffer | string): string {
	return createHmac(algorithm, secret).update(data).digest('base64');
}
