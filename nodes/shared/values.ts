/** Small readers shared by the provider modules. */

/** A credential or parameter value as a trimmed string ('' when it is not a string). */
export function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}

/** A base URL without trailing slashes, or the default. */
export function baseUrl(value: unknown, fallback: string): string {
	return (text(value) || fallback).replace(/\/+$/, '');
}

/**
 * A Headers field (a JSON object of names and values, as text or already parsed) as a record;
 * undefined when it is not such an object. Empty means no headers.
 */
export function headerRecord(raw: unknown): Record<string, string> | undefined {
	if (raw === undefined || raw === null || raw === '') return {};
	let value: unknown = raw;
	if (typeof raw === 'string') {
		try {
			value = JSON.parse(raw) as unknown;
		} catch {
			return undefined;
		}
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
	return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, inner]) => [name, String(inner)]));
}

/** `a.b[0].c` → value; an empty path is the object itself. */
export function valueAt(source: unknown, path: string | undefined): unknown {
	if (!path) return source;
	let current: unknown = source;
	for (const key of path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean)) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[key];
	}
	return current;
}

/** The first of several paths that holds a non-empty value. */
export function firstValueAt(source: unknown, paths: string[]): unknown {
	for (const path of paths) {
		const value = valueAt(source, path);
		if (value !== undefined && value !== null && value !== '') return value;
	}
	return undefined;
}

export function isoFromUnixSeconds(value: unknown): string | undefined {
	const seconds = Number(value);
	if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
	const date = new Date(seconds * 1000);
	return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The array at a field, or an empty one: payloads are checked, never trusted to be well formed. */
export function listOf<T = Record<string, unknown>>(value: unknown): T[] {
	return Array.isArray(value) ? (value.filter((entry) => entry && typeof entry === 'object') as T[]) : [];
}

/** Drops undefined fields so items stay clean. */
export function compact<T extends object>(value: T): T {
	return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as T;
}
