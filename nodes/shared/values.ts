/** Small readers shared by the provider modules. */

/** A credential or parameter value as a trimmed string ('' when it is not a string). */
export function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}

/** A base URL without trailing slashes, or the default. */
export function baseUrl(value: unknown, fallback: string): string {
	return (text(value) || fallback).replace(/\/+$/, '');
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
