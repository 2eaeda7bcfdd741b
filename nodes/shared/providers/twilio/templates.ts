import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';

import { inputError } from '../../errors';
import { successful, type Transport } from '../../transport';
import type { Violation } from '../../validation';
import { listOf, text } from '../../values';
import type { TemplateCatalog, TemplateFormField, TemplateSummary } from '../types';
import { CONTENT_SID, PROVIDER, twilioCredentials, twilioSecrets } from './connection';
import { twilioError } from './errors';

const PAGE_SIZE = 100;

interface ContentEntry {
	sid?: unknown;
	friendly_name?: unknown;
	language?: unknown;
	approval_requests?: { status?: unknown } | null;
}

function summary(entry: ContentEntry): TemplateSummary | undefined {
	const sid = text(entry.sid);
	if (!sid) return undefined;
	const status = text(entry.approval_requests?.status) || 'not submitted for WhatsApp';
	const details = [text(entry.language), status].filter(Boolean).join(', ');
	return { name: `${text(entry.friendly_name) || sid} (${details})`, value: sid };
}

/** The PageToken of Twilio's next_page_url: only the token travels through the editor, never a URL. */
function pageToken(nextPageUrl: unknown): string | undefined {
	const url = text(nextPageUrl);
	if (!url) return undefined;
	try {
		return new URL(url).searchParams.get('PageToken') ?? undefined;
	} catch {
		return undefined;
	}
}

/**
 * The account's content with its WhatsApp approval status: GET {Content API}/v1/ContentAndApprovals
 * on the connection's Content API Base URL (content.twilio.com), paginated by PageToken.
 */
export const twilioTemplates: TemplateCatalog = {
	async list(transport: Transport, node: INode, stored: ICredentialDataDecryptedObject, query) {
		const credentials = twilioCredentials(stored);
		const secrets = twilioSecrets(stored);
		const result = await transport({
			method: 'GET',
			url: `${credentials.contentBaseUrl}/v1/ContentAndApprovals`,
			qs: { PageSize: PAGE_SIZE, ...(query.paginationToken ? { PageToken: query.paginationToken } : {}) },
			json: true,
		});
		const response = successful(result, node, 0, PROVIDER, secrets, (answer) => twilioError(node, 0, answer, secrets));
		const body = (response.body ?? {}) as { contents?: unknown; meta?: { next_page_url?: unknown } };
		const filter = (query.filter ?? '').trim().toLowerCase();
		const templates = listOf<ContentEntry>(body.contents)
			.filter((entry) => !filter || `${text(entry.friendly_name)} ${text(entry.sid)}`.toLowerCase().includes(filter))
			.map(summary)
			.filter((entry): entry is TemplateSummary => entry !== undefined);
		const next = pageToken(body.meta?.next_page_url);
		return { templates, ...(next ? { paginationToken: next } : {}) };
	},

	/** The content's variables ({{1}}, {{2}}, …) with the sample values it was saved with. */
	async form(transport, node, stored, template) {
		const credentials = twilioCredentials(stored);
		const secrets = twilioSecrets(stored);
		if (!CONTENT_SID.test(template.value)) {
			throw inputError(node, undefined, `"${template.value}" is not a Content SID`, 'Pick the content template from the list, or enter its SID (HX followed by 32 hexadecimal characters).');
		}
		const result = await transport({ method: 'GET', url: `${credentials.contentBaseUrl}/v1/Content/${template.value}`, json: true });
		const response = successful(result, node, 0, PROVIDER, secrets, (answer) => twilioError(node, 0, answer, secrets));
		const variables = ((response.body ?? {}) as { variables?: Record<string, unknown> }).variables ?? {};
		const fields: TemplateFormField[] = Object.entries(variables)
			.sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
			.map(([name, sample]) => ({ id: name, displayName: `{{${name}}}${text(sample) ? ` (e.g. ${text(sample)})` : ''}`, required: true, type: 'string' }));
		return { fields, ...(fields.length === 0 ? { notice: 'This content template has no variables: it is sent as saved.' } : {}) };
	},

	/** Twilio sends the values as ContentVariables, by variable name. */
	fromForm(values, fields) {
		const problems: Violation[] = fields
			.filter((known) => known.required && (values[known.id] ?? '').trim() === '')
			.map((known) => ({ field: known.displayName, rule: 'must not be empty: the content template has this variable' }));
		const variables = Object.fromEntries(fields.map((known) => [known.id, values[known.id] ?? '']));
		return { content: { variables }, problems };
	},
};
