import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';

import { inputError } from '../../errors';
import type { TemplateBodyParameter, TemplateButton, TemplateCard, TemplateContent, TemplateHeader } from '../../message';
import type { Transport } from '../../transport';
import type { Violation } from '../../validation';
import { listOf, text } from '../../values';
import type { TemplateFormField, TemplateReference } from '../types';
import { META_LIMITS } from './check';
import { graphCall, graphUrl, metaCredentials, metaSecrets } from './connection';

/**
 * The form that fits one Meta template (n8n's resource mapper shows it), and its values back as the
 * template's parts. Field IDs are stored in users' workflows and name the part they fill:
 *   header_text | header_text_<name>             the header's variable (positional or named)
 *   header_image | header_video | header_document   the header's media: a URL or a media ID
 *   header_document_filename, header_location_latitude | _longitude | _name | _address
 *   body_<1, 2, … or name>                        each body variable
 *   button_<index>_url | _coupon_code | _flow_token | _flow_action_data | _payload | _catalog_thumbnail
 *   lto_expiration                                limited-time offer templates: when the offer ends
 *   otp_code                                      authentication templates: the code (body and button)
 *   card<n>_header_image | _video, card<n>_body_<k>, card<n>_button_<index>_url | _payload   carousel cards
 */

interface Component {
	type?: unknown;
	format?: unknown;
	text?: unknown;
	url?: unknown;
	example?: Record<string, unknown>;
	buttons?: unknown;
	cards?: unknown;
	limited_time_offer?: { has_expiration?: unknown };
}

interface MetaTemplateDefinition {
	name?: unknown;
	language?: unknown;
	status?: unknown;
	category?: unknown;
	components?: unknown;
}

/** The variables of a text: 1, 2, … or names, in order of appearance. */
function variablesOf(value: unknown): string[] {
	return [...new Set([...text(value).matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((match) => match[1]))];
}

const field = (id: string, displayName: string, required = true, type: TemplateFormField['type'] = 'string'): TemplateFormField => ({ id, displayName, required, type });
const upper = (value: unknown) => text(value).toUpperCase();

/** The example Meta keeps for a body variable (positional or named), to show in the field's name. */
function bodyExample(component: Component, variable: string, position: number): string {
	const positional = (component.example?.body_text as unknown[][] | undefined)?.[0]?.[position];
	const named = listOf<{ param_name?: unknown; example?: unknown }>(component.example?.body_text_named_params).find((entry) => entry.param_name === variable)?.example;
	const example = text(named ?? positional);
	return example ? ` (e.g. ${example})` : '';
}

function headerFields(component: Component, prefix: string, label: string): TemplateFormField[] {
	const format = upper(component.format);
	if (format === 'TEXT') {
		return variablesOf(component.text).map((variable) =>
			field(/^\d+$/.test(variable) ? `${prefix}header_text` : `${prefix}header_text_${variable}`, `${label}Header {{${variable}}}`),
		);
	}
	if (format === 'IMAGE' || format === 'VIDEO' || format === 'DOCUMENT') {
		const kind = format.toLowerCase();
		const fields = [field(`${prefix}header_${kind}`, `${label}Header ${kind[0].toUpperCase()}${kind.slice(1)} (URL or Media ID)`)];
		if (format === 'DOCUMENT') fields.push(field(`${prefix}header_document_filename`, `${label}Header Document File Name`, false));
		return fields;
	}
	if (format === 'LOCATION') {
		return [
			field(`${prefix}header_location_latitude`, `${label}Header Location Latitude`, true, 'number'),
			field(`${prefix}header_location_longitude`, `${label}Header Location Longitude`, true, 'number'),
			field(`${prefix}header_location_name`, `${label}Header Location Name`, false),
			field(`${prefix}header_location_address`, `${label}Header Location Address`, false),
		];
	}
	return [];
}

function bodyFields(component: Component, prefix: string, label: string): TemplateFormField[] {
	return variablesOf(component.text).map((variable, position) =>
		field(`${prefix}body_${variable}`, `${label}Body {{${variable}}}${bodyExample(component, variable, position)}`),
	);
}

function buttonFields(component: Component, prefix: string, label: string): TemplateFormField[] {
	return listOf<Component>(component.buttons).flatMap((button, index) => {
		const name = `${label}Button ${index + 1}${text(button.text) ? ` "${text(button.text)}"` : ''}`;
		switch (upper(button.type)) {
			case 'URL':
				return variablesOf(button.url).length > 0 ? [field(`${prefix}button_${index}_url`, `${name}: URL Suffix (${text(button.url)})`)] : [];
			case 'COPY_CODE':
				return [field(`${prefix}button_${index}_coupon_code`, `${name}: Coupon Code`)];
			case 'FLOW':
				return [field(`${prefix}button_${index}_flow_token`, `${name}: Flow Token`, false), field(`${prefix}button_${index}_flow_action_data`, `${name}: Flow Action Data (JSON)`, false)];
			case 'QUICK_REPLY':
				return [field(`${prefix}button_${index}_payload`, `${name}: Payload`, false)];
			case 'CATALOG':
				return [field(`${prefix}button_${index}_catalog_thumbnail`, `${name}: Thumbnail Product Retailer ID (optional: the catalog's first item)`, false)];
			default:
				return [];
		}
	});
}

/** The fields of a template's definition (as GET message_templates returns it). */
export function metaTemplateFields(definition: MetaTemplateDefinition): TemplateFormField[] {
	const components = listOf<Component>(definition.components);
	if (upper(definition.category) === 'AUTHENTICATION') {
		// Copy code, one-tap and zero-tap templates all take the code at send time: in the body and the button.
		return [field('otp_code', `One-Time Code (at most ${META_LIMITS.otpCode} characters)`)];
	}
	const fields: TemplateFormField[] = [];
	for (const component of components) {
		const type = upper(component.type);
		if (type === 'HEADER') fields.push(...headerFields(component, '', ''));
		if (type === 'BODY') fields.push(...bodyFields(component, '', ''));
		if (type === 'BUTTONS') fields.push(...buttonFields(component, '', ''));
		// A limited-time offer with expiration details shows a countdown to the time given at send time.
		if (type === 'LIMITED_TIME_OFFER' && component.limited_time_offer?.has_expiration === true) {
			fields.push(field('lto_expiration', 'Offer Expires At (e.g. 2026-12-24T23:59:00Z, or Unix milliseconds)'));
		}
		if (type === 'CAROUSEL') {
			listOf<{ components?: unknown }>(component.cards).forEach((card, index) => {
				const prefix = `card${index}_`;
				const label = `Card ${index + 1} → `;
				for (const part of listOf<Component>(card.components)) {
					const partType = upper(part.type);
					if (partType === 'HEADER') fields.push(...headerFields(part, prefix, label));
					if (partType === 'BODY') fields.push(...bodyFields(part, prefix, label));
					if (partType === 'BUTTONS') fields.push(...buttonFields(part, prefix, label));
				}
			});
		}
	}
	return fields;
}

/** The template's definition from the WABA: GET /{WABA-ID}/message_templates?name=…, the exact name and language. */
export async function fetchMetaTemplate(
	transport: Transport,
	node: INode,
	stored: ICredentialDataDecryptedObject,
	template: TemplateReference,
): Promise<MetaTemplateDefinition> {
	const credentials = metaCredentials(stored);
	if (!/^\d+$/.test(credentials.wabaId)) {
		throw inputError(node, undefined, "The Meta connection has no WhatsApp Business Account ID, so the template's form can't be loaded", 'Set WhatsApp Business Account ID in the connection, or choose Parameters → Each Part by Hand.');
	}
	const response = await graphCall(
		transport,
		node,
		0,
		{
			method: 'GET',
			url: graphUrl(credentials, `${credentials.wabaId}/message_templates`),
			qs: { name: template.value, fields: 'name,language,status,category,parameter_format,components', limit: 100 },
			json: true,
		},
		metaSecrets(stored),
	);
	const candidates = listOf<MetaTemplateDefinition>((response.body as { data?: unknown } | undefined)?.data).filter(
		(entry) => text(entry.name) === template.value && upper(entry.status || 'APPROVED') === 'APPROVED',
	);
	const found = candidates.find((entry) => !template.language || text(entry.language) === template.language);
	if (!found) {
		const languages = candidates.map((entry) => text(entry.language)).filter(Boolean);
		throw inputError(
			node,
			undefined,
			`The WhatsApp Business Account has no approved template "${template.value}"${template.language ? ` in ${template.language}` : ''}`,
			languages.length > 0 ? `It is approved in ${languages.join(', ')}: set Language Code to one of them.` : 'Pick the template from the list, or check its name in WhatsApp Manager → Message templates.',
		);
	}
	return found;
}

/** An offer's end as Unix milliseconds: digits as they are, or an ISO 8601 date and time (an expression's date arrives quoted). */
function parseExpiry(raw: string): number | undefined {
	const given = raw.trim().replace(/^"(.*)"$/, '$1');
	if (/^\d{10,16}$/.test(given)) return Number(given);
	if (!/^\d{4}-\d{2}-\d{2}/.test(given)) return undefined;
	const parsed = Date.parse(given);
	return Number.isFinite(parsed) ? parsed : undefined;
}

function mediaSource(value: string): { url?: string; id?: string } {
	return /^https?:\/\//i.test(value) ? { url: value } : { id: value };
}

/** The header, body and buttons of one part (the template, or a card) from its fields' values. */
function partFrom(values: Record<string, string>, ids: string[], prefix: string, problems: Violation[], label: string) {
	const own = ids.filter((id) => id.startsWith(prefix) && (prefix !== '' || !/^card\d+_/.test(id)));
	const value = (id: string) => values[id] ?? '';
	let header: TemplateHeader | undefined;
	const body: TemplateBodyParameter[] = [];
	const buttons = new Map<number, TemplateButton>();
	for (const id of own) {
		const key = id.slice(prefix.length);
		let match: RegExpExecArray | null;
		if (key === 'header_text' || key.startsWith('header_text_')) {
			header = { type: 'text', text: value(id), ...(key === 'header_text' ? {} : { name: key.slice('header_text_'.length) }) };
		} else if ((match = /^header_(image|video|document)$/.exec(key))) {
			const kind = match[1] as 'image' | 'video' | 'document';
			header = { type: kind, ...mediaSource(value(id)), ...(kind === 'document' && value(`${prefix}header_document_filename`) ? { fileName: value(`${prefix}header_document_filename`) } : {}) };
		} else if (key === 'header_location_latitude') {
			const number = (part: string, required: boolean) => {
				const raw = value(`${prefix}header_location_${part}`);
				const parsed = Number(raw);
				if (required && (raw === '' || !Number.isFinite(parsed))) problems.push({ field: `${label}Header Location ${part[0].toUpperCase()}${part.slice(1)}`, value: raw, rule: 'must be a number' });
				return parsed;
			};
			header = {
				type: 'location',
				latitude: number('latitude', true),
				longitude: number('longitude', true),
				name: value(`${prefix}header_location_name`) || undefined,
				address: value(`${prefix}header_location_address`) || undefined,
			};
		} else if (key.startsWith('body_')) {
			const name = key.slice('body_'.length);
			body.push({ type: 'text', text: value(id), ...(/^\d+$/.test(name) ? {} : { name }) });
		} else if ((match = /^button_(\d+)_(url|coupon_code|flow_token|flow_action_data|payload|catalog_thumbnail)$/.exec(key))) {
			const index = Number(match[1]);
			const given = value(id);
			if (match[2] === 'url') buttons.set(index, { type: 'url', index, text: given });
			else if (match[2] === 'catalog_thumbnail') buttons.set(index, { type: 'catalog', index, ...(given.trim() ? { thumbnailProductRetailerId: given.trim() } : {}) });
			else if (match[2] === 'coupon_code') buttons.set(index, { type: 'copy_code', index, couponCode: given });
			else if (match[2] === 'payload') {
				if (given) buttons.set(index, { type: 'quick_reply', index, payload: given });
			} else {
				const flow = (buttons.get(index) ?? { type: 'flow', index }) as Extract<TemplateButton, { type: 'flow' }>;
				if (match[2] === 'flow_token') flow.flowToken = given || undefined;
				else if (given) {
					try {
						const parsed = JSON.parse(given) as unknown;
						if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
						flow.flowActionData = parsed as Record<string, unknown>;
					} catch {
						problems.push({ field: `${label}Button ${index + 1}: Flow Action Data (JSON)`, value: given, rule: 'must be a JSON object such as {"screen": "WELCOME"}' });
					}
				}
				buttons.set(index, flow);
			}
		}
	}
	return {
		...(header ? { header } : {}),
		...(body.length > 0 ? { body } : {}),
		...(buttons.size > 0 ? { buttons: [...buttons.values()].sort((a, b) => a.index - b.index) } : {}),
	};
}

/** The form's values as the template's parts; each required field without a value is a problem. */
export function metaFromForm(values: Record<string, string>, fields: TemplateFormField[]): { content: Partial<TemplateContent>; problems: Violation[] } {
	const problems: Violation[] = [];
	for (const known of fields) {
		if (known.required && (values[known.id] ?? '').trim() === '') {
			problems.push({ field: known.displayName, rule: 'must not be empty: the template has this parameter' });
		}
	}
	const ids = fields.map((known) => known.id);
	if (ids.includes('otp_code')) {
		const code = values.otp_code ?? '';
		if (code.length > META_LIMITS.otpCode) problems.push({ field: 'One-Time Code', value: code, rule: `at most ${META_LIMITS.otpCode} characters on Meta Cloud API (got ${code.length})` });
		// Authentication templates: the code is the body's {{1}} and the parameter of the OTP button (index 0).
		return { content: { body: [{ type: 'text', text: code }], buttons: [{ type: 'url', index: 0, text: code }] }, problems };
	}
	const content: Partial<TemplateContent> = partFrom(values, ids, '', problems, '');
	if (ids.includes('lto_expiration') && (values.lto_expiration ?? '').trim() !== '') {
		const expirationTimeMs = parseExpiry(values.lto_expiration);
		if (expirationTimeMs === undefined) {
			problems.push({ field: 'Offer Expires At', value: values.lto_expiration, rule: 'must be a date and time such as 2026-12-24T23:59:00Z, or Unix milliseconds' });
		} else content.limitedTimeOffer = { expirationTimeMs };
	}
	const cardIndexes = [...new Set(ids.map((id) => /^card(\d+)_/.exec(id)?.[1]).filter((index): index is string => index !== undefined))].map(Number).sort((a, b) => a - b);
	if (cardIndexes.length > 0) {
		content.cards = cardIndexes.map((index) => partFrom(values, ids, `card${index}_`, problems, `Card ${index + 1} → `) as TemplateCard);
	}
	return { content, problems };
}
