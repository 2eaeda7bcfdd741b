/**
 * The webhook gateway's JSON body template. The template is parsed as JSON *before* any value is
 * inserted, and values are placed into the parsed tree, so whatever a message contains (quotes,
 * backslashes, newlines, `{{`, `}}`) the result is valid JSON and no value can add or change a field.
 *
 * - `"{{name}}"` (a whole JSON string) or a bare `{{name}}` (a whole JSON value) inserts the value
 *   with its own JSON type: a string, a number, an object such as {{message}}, or null when empty.
 * - `"Hello {{name}}!"` inserts the value as text inside the string.
 */
export const PLACEHOLDER_NAMES = [
	'to',
	'messageType',
	'text',
	'mediaUrl',
	'mediaType',
	'mediaBase64',
	'mimeType',
	'fileName',
	'caption',
	'templateName',
	'templateLanguage',
	'templateVariables',
	'replyTo',
	'statusUrl',
	'message',
] as const;

export type PlaceholderName = (typeof PLACEHOLDER_NAMES)[number];
export type PlaceholderValues = Partial<Record<PlaceholderName, unknown>>;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const WHOLE = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;
/** Stands in for a bare placeholder while the template is parsed; cannot occur in JSON text typed by a user. */
const BARE_MARK = '\u0000bare:';

export class TemplateError extends Error {}

/** Replaces bare (unquoted) placeholders by marked JSON strings so that the template parses. */
function markBarePlaceholders(template: string): string {
	let out = '';
	let inString = false;
	for (let i = 0; i < template.length; i++) {
		const char = template[i];
		if (inString) {
			out += char;
			if (char === '\\') {
				out += template[i + 1] ?? '';
				i++;
			} else if (char === '"') inString = false;
			continue;
		}
		if (char === '"') {
			inString = true;
			out += char;
			continue;
		}
		if (char === '{' && template[i + 1] === '{') {
			const end = template.indexOf('}}', i + 2);
			if (end !== -1) {
				const name = template.slice(i + 2, end).trim();
				if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
					out += JSON.stringify(`${BARE_MARK}${name}`);
					i = end + 1;
					continue;
				}
			}
		}
		out += char;
	}
	return out;
}

export interface ParsedTemplate {
	tree: unknown;
	placeholders: Set<string>;
}

/** Parses and checks a template; throws TemplateError naming the problem. */
export function parseBodyTemplate(template: string): ParsedTemplate {
	let tree: unknown;
	let parseProblem: string | undefined;
	try {
		tree = JSON.parse(markBarePlaceholders(template));
	} catch (error) {
		parseProblem = (error as Error).message.split(BARE_MARK).join('');
	}
	if (parseProblem !== undefined) throw new TemplateError(`the Body Template is not valid JSON (${parseProblem})`);
	const placeholders = new Set<string>();
	const collect = (value: unknown): void => {
		if (typeof value === 'string') {
			if (value.startsWith(BARE_MARK)) placeholders.add(value.slice(BARE_MARK.length));
			else for (const match of value.matchAll(PLACEHOLDER)) placeholders.add(match[1]);
		} else if (Array.isArray(value)) value.forEach(collect);
		else if (value && typeof value === 'object') Object.values(value).forEach(collect);
	};
	collect(tree);
	const unknown = [...placeholders].filter((name) => !(PLACEHOLDER_NAMES as readonly string[]).includes(name));
	if (unknown.length > 0) {
		throw new TemplateError(
			`the Body Template uses unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `{{${name}}}`).join(', ')}; known: ${PLACEHOLDER_NAMES.map((name) => `{{${name}}}`).join(', ')}`,
		);
	}
	return { tree, placeholders };
}

function asText(value: unknown): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'object') return JSON.stringify(value);
	return String(value);
}

function asJsonValue(value: unknown): unknown {
	if (value === undefined || value === '') return null;
	return value;
}

/** Renders a parsed template with values; returns the JSON text to send. */
export function renderBodyTemplate(parsed: ParsedTemplate, values: PlaceholderValues): string {
	const lookup = (name: string) => values[name as PlaceholderName];
	const render = (value: unknown): unknown => {
		if (typeof value === 'string') {
			if (value.startsWith(BARE_MARK)) return asJsonValue(lookup(value.slice(BARE_MARK.length)));
			const whole = WHOLE.exec(value);
			if (whole) {
				const inserted = lookup(whole[1]);
				// A quoted placeholder keeps strings as strings; objects (e.g. "{{message}}") stay objects.
				return typeof inserted === 'object' && inserted !== null ? inserted : asText(inserted);
			}
			// One pass over the template's own text: inserted values are never scanned again.
			return value.replace(PLACEHOLDER, (_match, name: string) => asText(lookup(name)));
		}
		if (Array.isArray(value)) return value.map(render);
		if (value && typeof value === 'object') {
			return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, render(inner)]));
		}
		return value;
	};
	return JSON.stringify(render(parsed.tree));
}
