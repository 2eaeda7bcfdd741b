import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';

import { inputError } from '../../errors';
import type { Transport } from '../../transport';
import { listOf, text } from '../../values';
import type { TemplateCatalog, TemplateSummary } from '../types';
import { graphCall, graphUrl, metaCredentials, metaSecrets } from './connection';
import { fetchMetaTemplate, metaFromForm, metaTemplateFields } from './templateForm';

/** Templates per Graph page (Meta allows up to 1000; the picker shows them as they come). */
const PAGE_SIZE = 100;

interface MetaTemplateEntry {
	name?: unknown;
	language?: unknown;
	category?: unknown;
	status?: unknown;
}

/**
 * One entry per template name (the picker stores the name; Language Code says which translation),
 * with every language of this page: n8n's list keeps one entry per value.
 */
function summaries(entries: MetaTemplateEntry[]): TemplateSummary[] {
	const byName = new Map<string, { languages: string[]; category: string }>();
	for (const entry of entries) {
		const name = text(entry.name);
		if (!name) continue;
		const known = byName.get(name) ?? { languages: [], category: text(entry.category).toLowerCase() };
		if (text(entry.language) && !known.languages.includes(text(entry.language))) known.languages.push(text(entry.language));
		byName.set(name, known);
	}
	return [...byName].map(([name, { languages, category }]) => {
		const details = [languages.join(' / '), category].filter(Boolean).join(', ');
		return { name: details ? `${name} (${details})` : name, value: name };
	});
}

/**
 * The WABA's approved templates: GET /{version}/{WABA-ID}/message_templates, one page per call,
 * the next page by Meta's `after` cursor (only the cursor travels through the editor, never a URL).
 */
export const metaTemplates: TemplateCatalog = {
	async list(transport: Transport, node: INode, stored: ICredentialDataDecryptedObject, query) {
		const credentials = metaCredentials(stored);
		if (!/^\d+$/.test(credentials.wabaId)) {
			throw inputError(
				node,
				undefined,
				"The Meta connection has no WhatsApp Business Account ID, so its templates can't be listed",
				'Set WhatsApp Business Account ID in the connection (App Dashboard → WhatsApp → API Setup), or choose By Name and type the template name.',
			);
		}
		const response = await graphCall(
			transport,
			node,
			0,
			{
				method: 'GET',
				url: graphUrl(credentials, `${credentials.wabaId}/message_templates`),
				qs: {
					fields: 'name,language,category,status',
					status: 'APPROVED',
					limit: PAGE_SIZE,
					...(query.paginationToken ? { after: query.paginationToken } : {}),
				},
				json: true,
			},
			metaSecrets(stored),
		);
		const body = (response.body ?? {}) as { data?: unknown; paging?: { next?: unknown; cursors?: { after?: unknown } } };
		const filter = (query.filter ?? '').trim().toLowerCase();
		const templates = summaries(
			listOf<MetaTemplateEntry>(body.data)
				// Meta filters by status already; a proxy or an older API version may not.
				.filter((entry) => !entry.status || text(entry.status).toUpperCase() === 'APPROVED')
				.filter((entry) => !filter || text(entry.name).toLowerCase().includes(filter)),
		);
		const after = text(body.paging?.cursors?.after);
		return { templates, ...(body.paging?.next && after ? { paginationToken: after } : {}) };
	},

	async form(transport, node, stored, template) {
		const definition = await fetchMetaTemplate(transport, node, stored, template);
		const fields = metaTemplateFields(definition);
		return { fields, ...(fields.length === 0 ? { notice: `The template "${template.value}" has no parameters: it is sent as approved.` } : {}) };
	},

	fromForm: metaFromForm,
};
