import type { ILoadOptionsFunctions, INode, INodeListSearchResult, NodeApiError, ResourceMapperField, ResourceMapperFields } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { redact, toNodeError } from '../../shared/errors';
import { providerUses } from '../../shared/providerFields';
import { DEFAULT_PROVIDER, providerFor, type WhatsAppProvider } from '../../shared/providers';
import { createTransport } from '../../shared/transport';
import { FORM_TEMPLATE_FIELD } from '../messages/template';

/**
 * The template picker's list (Template Name / Content SID → From List): the chosen connection's
 * templates, one page at a time, from the provider's own catalog. The provider decides which
 * templates it lists and what the field stores; the node only asks.
 */
/** The editor shows this error: the connection's secrets never reach it. */
function editorError(node: INode, error: unknown, secrets: readonly unknown[]): NodeApiError | NodeOperationError {
	const failure = toNodeError(node, error, undefined);
	failure.message = redact(failure.message, secrets);
	if (failure.description) failure.description = redact(failure.description, secrets);
	return failure;
}

function chosenProvider(ctx: ILoadOptionsFunctions): { credentialType: string; provider: WhatsAppProvider | undefined } {
	const node = ctx.getNode();
	const credentialType = String(ctx.getCurrentNodeParameter('authentication') ?? node.parameters.authentication ?? DEFAULT_PROVIDER);
	return { credentialType, provider: providerFor(credentialType) };
}

/** A picker's value as the editor holds it: the resource locator's value, or the typed text. */
function pickedValue(raw: unknown): string {
	const value = raw && typeof raw === 'object' && 'value' in raw ? (raw as { value: unknown }).value : raw;
	return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

export async function searchTemplates(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	const node = this.getNode();
	const { credentialType, provider } = chosenProvider(this);
	if (!provider?.templates) {
		throw new NodeOperationError(node, `${provider?.nodes.name ?? 'This provider'} has no list of templates to pick from`, {
			description: 'Choose By Name (or By ID) and type the template, or use an expression.',
		});
	}
	const credentials = await this.getCredentials(credentialType);
	try {
		const page = await provider.templates.list(createTransport(this, credentialType), node, credentials, { filter, paginationToken });
		return {
			results: page.templates.map((template) => ({ name: template.name, value: template.value })),
			...(page.paginationToken ? { paginationToken: page.paginationToken } : {}),
		};
	} catch (error) {
		throw editorError(node, error, provider.secrets(credentials));
	}
}

/**
 * The form of the chosen template (Template Parameters, n8n's resource mapper): the provider's fields
 * for the picked template and language. A template given by an expression has no form in the editor.
 */
export async function getTemplateFields(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
	const node = this.getNode();
	const { credentialType, provider } = chosenProvider(this);
	if (!provider?.templates) return { fields: [], emptyFieldsNotice: 'This provider has no templates to load a form from: choose Parameters → Each Part by Hand.' };
	const parameter = providerUses(credentialType, 'sendFields', 'contentSid') ? 'contentSid' : 'templateName';
	const value = pickedValue(this.getCurrentNodeParameter(parameter));
	if (!value) return { fields: [], emptyFieldsNotice: 'Pick a template first: its parameters appear here.' };
	if (value.startsWith('=')) {
		return { fields: [], emptyFieldsNotice: 'The template is given by an expression, so its form is known only when the node runs: choose Parameters → Each Part by Hand.' };
	}
	const language = pickedValue(this.getCurrentNodeParameter('templateLanguage'));
	const credentials = await this.getCredentials(credentialType);
	try {
		const form = await provider.templates.form(createTransport(this, credentialType), node, credentials, {
			value,
			...(language && !language.startsWith('=') ? { language } : {}),
		});
		const fields: ResourceMapperField[] = form.fields.map((field) => ({
			id: field.id,
			displayName: field.displayName,
			required: field.required,
			defaultMatch: false,
			canBeUsedToMatch: false,
			display: true,
			type: field.type,
		}));
		// Not shown: which template this form belongs to (a form left from another one fails the run).
		if (fields.length > 0) {
			fields.push({ id: FORM_TEMPLATE_FIELD, displayName: 'Template', required: false, defaultMatch: false, canBeUsedToMatch: false, display: false, type: 'string', defaultValue: value });
		}
		return {
			fields,
			...(form.notice ? { emptyFieldsNotice: form.notice } : {}),
		};
	} catch (error) {
		throw editorError(node, error, provider.secrets(credentials));
	}
}
