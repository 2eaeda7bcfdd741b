import type { InboundRequest } from './inbound';

/** Reading an inbound request: its headers and its exact bytes, parsed as JSON or a form. */

export function header(request: InboundRequest, name: string): string | undefined {
	const wanted = name.toLowerCase();
	for (const [key, value] of Object.entries(request.headers)) {
		if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
	}
	return undefined;
}

/** The media type without parameters, lower case ('application/json'). */
export function contentType(request: InboundRequest): string {
	return (header(request, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
}

/** The raw body as bytes: what n8n kept, or (when it kept nothing) the parsed body re-serialised. */
export function rawBytes(request: InboundRequest): Buffer {
	if (request.rawBody) return request.rawBody;
	const parsed = request.parsedBody;
	if (parsed === undefined || parsed === null) return Buffer.alloc(0);
	if (typeof parsed === 'string') return Buffer.from(parsed);
	if (Object.keys(parsed as object).length === 0) return Buffer.alloc(0);
	return Buffer.from(JSON.stringify(parsed));
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; status: number; message: string };

export function parseJsonBody(bytes: Buffer): ParseResult<unknown> {
	if (bytes.length === 0) return { ok: false, status: 400, message: 'Empty body' };
	try {
		return { ok: true, value: JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, '')) as unknown };
	} catch {
		return { ok: false, status: 400, message: 'Malformed JSON body' };
	}
}

/** x-www-form-urlencoded into name → value (a repeated name → array), in order. */
export function parseFormBody(bytes: Buffer): ParseResult<Record<string, string | string[]>> {
	if (bytes.length === 0) return { ok: false, status: 400, message: 'Empty body' };
	const text = bytes.toString('utf8');
	if (!/^[^=&]+=[^&]*(&[^=&]+=[^&]*)*&?$/.test(text.trim())) {
		return { ok: false, status: 400, message: 'Malformed form body' };
	}
	const out: Record<string, string | string[]> = {};
	try {
		for (const [key, value] of new URLSearchParams(text)) {
			const existing = out[key];
			if (existing === undefined) out[key] = value;
			else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
		}
	} catch {
		return { ok: false, status: 400, message: 'Malformed form body' };
	}
	return { ok: true, value: out };
}
