import type { IDataObject, INodeProperties, ResourceMapperField } from 'n8n-workflow';

import { inputError } from '../../shared/errors';
import { invalidItemError } from '../../shared/validation';
import { providerUses } from '../../shared/providerFields';
import { PROVIDERS, providerFor } from '../../shared/providers';
import type { TemplateBodyParameter, TemplateButton, TemplateContent, TemplateHeader } from '../../shared/message';
import { ofType, rows, text, type MessageTypeDefinition, type ParameterReader } from './types';

/** Version 1 stores the template as typed text; from 1.1 it is picked from the account (a resource locator). */
const fromAccount = { '@version': [{ _cnd: { gte: 1.1 } }] };
/** The fields that 1.1 turns into pickers where the provider has a template catalog. */
const PICKED = ['templateName', 'contentSid'];
/** The fields of the form typed by hand (version 1's): in 1.1, behind Parameters → Each Part by Hand where a form exists. */
const BY_HAND = [
	'templateVariables',
	'templateHeader',
	'headerText',
	'headerMediaSource',
	'headerMedia',
	'headerFileName',
	'headerLocation',
	'bodyParameters',
	'templateButtons',
];
/** The fields of 1.1 that only providers with a template catalog have. */
const FORM = ['templateInput', 'templateParameters'];
/**
 * A hidden field of the form that names the template it was loaded for, so that a form left over
 * from another template fails before sending instead of sending the wrong parameters.
 */
export const FORM_TEMPLATE_FIELD = '__template';

const fields: INodeProperties[] = [
	{
		displayName: 'Content SID',
		name: 'contentSid',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. HXb5b62575e6e4ff6129ad7c8efe1f983e',
		description: 'Twilio Console → Messaging → Content Template Builder',
		displayOptions: { show: { ...ofType('template') } },
	},
	{
		displayName: 'Content Template',
		name: 'contentSid',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: "The account's content template: picked from the Content API's list (with its WhatsApp approval status) or its SID",
		displayOptions: { show: { ...ofType('template'), ...fromAccount } },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchTemplates', searchable: true },
			},
			{
				displayName: 'By SID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. HXb5b62575e6e4ff6129ad7c8efe1f983e',
				validation: [
					{
						type: 'regex',
						properties: { regex: '^HX[0-9a-fA-F]{32}$', errorMessage: 'A Content SID is HX followed by 32 hexadecimal characters' },
					},
				],
			},
		],
	},
	{
		displayName: 'Template Name',
		name: 'templateName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. order_confirmation',
		description: 'The name of an approved template (WhatsApp Manager → Message templates)',
		displayOptions: { show: { ...ofType('template') } },
	},
	{
		displayName: 'Template Name',
		name: 'templateName',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: "An approved template of the connection's WhatsApp Business Account: picked from the list, or its name typed or given by an expression",
		displayOptions: { show: { ...ofType('template'), ...fromAccount } },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchTemplates', searchable: true },
			},
			{
				displayName: 'By Name',
				name: 'name',
				type: 'string',
				placeholder: 'e.g. order_confirmation',
			},
		],
	},
	{
		displayName: 'Language Code',
		name: 'templateLanguage',
		type: 'string',
		default: 'en_US',
		placeholder: 'e.g. en_US',
		description: 'The language the template was approved in',
		displayOptions: { show: { ...ofType('template') } },
	},
	{
		displayName: 'Parameters',
		name: 'templateInput',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Each Part by Hand',
				value: 'manual',
				description: 'Header, body parameters, buttons and variables entered one by one (for a template given by an expression)',
			},
			{
				name: 'Form of the Chosen Template',
				value: 'form',
				description: "Exactly the template's parameters, loaded from the account once it is picked",
			},
		],
		default: 'form',
		displayOptions: { show: { ...ofType('template'), ...fromAccount } },
	},
	{
		displayName: 'Template Parameters',
		name: 'templateParameters',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'defineBelow', value: null },
		required: true,
		typeOptions: {
			loadOptionsDependsOn: ['templateName.value', 'contentSid.value', 'templateLanguage'],
			resourceMapper: {
				resourceMapperMethod: 'getTemplateFields',
				mode: 'add',
				fieldWords: { singular: 'parameter', plural: 'parameters' },
				addAllFields: true,
				multiKeyMatch: false,
				supportAutoMap: false,
				noFieldsError: 'Pick a template first: its parameters appear here.',
			},
		},
		// Shown once a template is picked: the form then loads as it appears. (n8n 2.40.7's editor reloads
		// a form whose template changes only when every other field resolves, e.g. not while Recipient
		// holds an expression and the previous node has not run; the run then names the stale form.)
		displayOptions: {
			show: { ...ofType('template'), ...fromAccount, templateInput: ['form'] },
			hide: { templateName: [''], contentSid: [''] },
		},
	},
	{
		displayName: 'Variables',
		name: 'templateVariables',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Variable',
		description: 'Values for the template placeholders, e.g. name "1" for {{1}}',
		displayOptions: { show: { ...ofType('template') } },
		options: [
			{
				name: 'variable',
				displayName: 'Variable',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'e.g. 1' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
					],
			},
		],
	},
	{
		displayName: 'Header',
		name: 'templateHeader',
		type: 'options',
		options: [
			{ name: 'Document', value: 'document' },
			{ name: 'Image', value: 'image' },
			{ name: 'Location', value: 'location' },
			{ name: 'None', value: 'none' },
			{ name: 'Text', value: 'text' },
			{ name: 'Video', value: 'video' },
		],
		default: 'none',
		description: "The parameter of the template's header, if it has one",
		displayOptions: { show: { ...ofType('template') } },
	},
	{
		displayName: 'Header Text',
		name: 'headerText',
		type: 'string',
		default: '',
		displayOptions: { show: { ...ofType('template'), templateHeader: ['text'] } },
	},
	{
		displayName: 'Header Media Source',
		name: 'headerMediaSource',
		type: 'options',
		options: [
			{ name: 'URL', value: 'url' },
			{ name: 'Media ID', value: 'id' },
		],
		default: 'url',
		displayOptions: {
			show: { ...ofType('template'), templateHeader: ['image', 'video', 'document'] },
		},
	},
	{
		displayName: 'Header Media URL or ID',
		name: 'headerMedia',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://example.com/banner.jpg',
		displayOptions: {
			show: { ...ofType('template'), templateHeader: ['image', 'video', 'document'] },
		},
	},
	{
		displayName: 'Header Document File Name',
		name: 'headerFileName',
		type: 'string',
		default: '',
		displayOptions: { show: { ...ofType('template'), templateHeader: ['document'] } },
	},
	{
		displayName: 'Header Location',
		name: 'headerLocation',
		type: 'collection',
		default: {},
		placeholder: 'Add Field',
		displayOptions: { show: { ...ofType('template'), templateHeader: ['location'] } },
		options: [
			{ displayName: 'Latitude', name: 'latitude', type: 'number', typeOptions: { numberPrecision: 6 }, default: 0 },
			{ displayName: 'Longitude', name: 'longitude', type: 'number', typeOptions: { numberPrecision: 6 }, default: 0 },
			{ displayName: 'Name', name: 'name', type: 'string', default: '' },
			{ displayName: 'Address', name: 'address', type: 'string', default: '' },
		],
	},
	{
		displayName: 'Body Parameters',
		name: 'bodyParameters',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		placeholder: 'Add Parameter',
		description: 'Values for {{1}}, {{2}}, … in the template body, in order (or by name for named parameters)',
		displayOptions: { show: { ...ofType('template') } },
		options: [
			{
				name: 'parameter',
				displayName: 'Parameter',
				values: [
					{
						displayName: 'Amount',
						name: 'amount',
						type: 'number',
						typeOptions: { numberPrecision: 3 },
						displayOptions: { show: { type: ['currency'] } },
						default: 0,
						description: 'The amount in the currency, e.g. 100.99',
					},
					{
						displayName: 'Currency Code',
						name: 'currencyCode',
						type: 'string',
						displayOptions: { show: { type: ['currency'] } },
						default: 'USD',
					},
					{
						displayName: 'Fallback Value',
						name: 'fallback',
						type: 'string',
						displayOptions: { show: { type: ['currency', 'date_time'] } },
						default: '',
						description: 'Shown when the value cannot be localised, e.g. \'$100.99\' or \'February 25, 1977\'',
					},
					{
						displayName: 'Parameter Name',
						name: 'name',
						type: 'string',
						default: '',
						description: 'Only for templates with named parameters ({{customer_name}})',
					},
					{
						displayName: 'Text',
						name: 'text',
						type: 'string',
						displayOptions: { show: { type: ['text'] } },
						default: '',
					},
					{
						displayName: 'Type',
						name: 'type',
						type: 'options',
						options: [
							{
								name: 'Text',
								value: 'text',
							},
							{
								name: 'Currency',
								value: 'currency',
							},
							{
								name: 'Date Time',
								value: 'date_time',
							},
						],
						default: 'text',
					},
				],
			},
		],
	},
	{
		displayName: 'Buttons',
		name: 'templateButtons',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Button Parameter',
		description: "Parameters of the template's buttons",
		displayOptions: { show: { ...ofType('template') } },
		options: [
			{
				name: 'button',
				displayName: 'Button',
				values: [
					{
						displayName: 'Button Index',
						name: 'index',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 9 },
						default: 0,
						description: 'Position of the button in the template, starting at 0',
					},
					{
						displayName: 'Coupon Code',
						name: 'couponCode',
						type: 'string',
						displayOptions: { show: { type: ['copy_code'] } },
						default: '',
					},
					{
						displayName: 'Flow Action Data (JSON)',
						name: 'flowActionData',
						type: 'json',
						displayOptions: { show: { type: ['flow'] } },
						default: '',
					},
					{
						displayName: 'Flow Token',
						name: 'flowToken',
						type: 'string',
						displayOptions: { show: { type: ['flow'] } },
						typeOptions: { password: true },
						default: '',
					},
					{
						displayName: 'Kind',
						name: 'type',
						type: 'options',
						options: [
							{
								name: 'Copy Code',
								value: 'copy_code',
							},
							{
								name: 'Flow',
								value: 'flow',
							},
							{
								name: 'Quick Reply',
								value: 'quick_reply',
							},
							{
								name: 'Request Contact Info',
								value: 'request_contact_info',
								description:
									"The template's REQUEST_CONTACT_INFO button: it takes no value, so nothing is sent for it. A user who taps it shares their phone number: the trigger's item has type contact_request.",
							},
							{
								name: 'URL',
								value: 'url',
							},
						],
						default: 'quick_reply',
					},
					{
						displayName: 'Payload',
						name: 'payload',
						type: 'string',
						displayOptions: { show: { type: ['quick_reply'] } },
						default: '',
						description: 'Returned in the webhook when the customer taps the button',
					},
					{
						displayName: 'URL Suffix',
						name: 'text',
						type: 'string',
						displayOptions: { show: { type: ['url'] } },
						default: '',
						description: 'Appended to the button\'s URL as approved in the template',
					},
				],
			},
		],
	},
];

/**
 * The display rules of the template pickers and forms, once the providers' rules are on the fields.
 * For the providers that list their templates (`templates` in the registry), 1.1 has the picker,
 * Parameters and the form; the fields typed by hand move behind Parameters → Each Part by Hand.
 * Version 1 keeps every field as it was; in 1.1 the providers without a catalog keep theirs too.
 */
export function withTemplatePickers(fields: INodeProperties[]): INodeProperties[] {
	const lists = (credentialType: unknown) => providerFor(String(credentialType))?.templates !== undefined;
	const listing = PROVIDERS.filter((provider) => provider.templates).map((provider) => provider.credentialType);
	const withRule = (field: INodeProperties, rule: Record<string, unknown>, keep: (credentialType: unknown) => boolean) => {
		const show = field.displayOptions?.show ?? {};
		const providers = show.authentication as unknown[] | undefined;
		return { ...field, displayOptions: { ...field.displayOptions, show: { ...show, ...rule, ...(providers ? { authentication: providers.filter(keep) } : {}) } } } as INodeProperties;
	};
	return fields.flatMap((field) => {
		if (FORM.includes(field.name)) {
			const show = { ...field.displayOptions?.show, authentication: listing };
			return listing.length > 0 ? [{ ...field, displayOptions: { ...field.displayOptions, show } } as INodeProperties] : [];
		}
		const picked = PICKED.includes(field.name);
		if (!picked && !BY_HAND.includes(field.name)) return [field];
		if (field.type === 'resourceLocator') return [withRule(field, {}, lists)];
		const providers = (field.displayOptions?.show?.authentication as unknown[] | undefined) ?? [];
		const copies = [withRule(field, { '@version': [1] }, () => true)];
		if (!picked && providers.some(lists)) copies.push(withRule(field, { ...fromAccount, templateInput: ['manual'] }, lists));
		if (providers.some((type) => !lists(type))) copies.push(withRule(field, fromAccount, (type) => !lists(type)));
		return copies;
	});
}

function parseJsonObject(reader: ParameterReader, value: unknown, name: string): Record<string, unknown> | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value === 'object') return value as Record<string, unknown>;
	try {
		const parsed = JSON.parse(String(value)) as unknown;
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
	} catch {
		// reported below
	}
	const i = reader.itemIndex;
	throw inputError(reader.ctx.getNode(), i, `${name} is not a JSON object (item ${i})`, 'Enter an object such as {"screen": "WELCOME"}.', {
		field: name,
		value,
		rule: 'must be a JSON object',
	});
}

function readHeader(reader: ParameterReader): TemplateHeader | undefined {
	const headerType = text(reader, 'templateHeader', 'none');
	if (headerType === 'text') return { type: 'text', text: text(reader, 'headerText') };
	if (headerType === 'image' || headerType === 'video' || headerType === 'document') {
		const source = text(reader, 'headerMediaSource', 'url');
		const value = text(reader, 'headerMedia');
		return {
			type: headerType,
			...(source === 'id' ? { id: value } : { url: value }),
			...(headerType === 'document' && text(reader, 'headerFileName') ? { fileName: text(reader, 'headerFileName') } : {}),
		};
	}
	if (headerType === 'location') {
		const location = reader.ctx.getNodeParameter('headerLocation', reader.itemIndex, {}) as IDataObject;
		return {
			type: 'location',
			latitude: Number(location.latitude ?? 0),
			longitude: Number(location.longitude ?? 0),
			name: (location.name as string) || undefined,
			address: (location.address as string) || undefined,
		};
	}
	return undefined;
}

function readBody(reader: ParameterReader): TemplateBodyParameter[] {
	return rows<IDataObject>(reader, 'bodyParameters', 'parameter').map((parameter) => {
		const name = (parameter.name as string) || undefined;
		if (parameter.type === 'currency') {
			return {
				type: 'currency',
				fallback: String(parameter.fallback ?? ''),
				code: String(parameter.currencyCode ?? 'USD'),
				amount1000: Math.round(Number(parameter.amount ?? 0) * 1000),
				name,
			};
		}
		if (parameter.type === 'date_time') return { type: 'date_time', fallback: String(parameter.fallback ?? ''), name };
		return { type: 'text', text: String(parameter.text ?? ''), name };
	});
}

function readButtons(reader: ParameterReader): TemplateButton[] {
	return rows<IDataObject>(reader, 'templateButtons', 'button').map((button) => {
		const index = Number(button.index ?? 0);
		switch (button.type) {
			case 'url':
				return { type: 'url', index, text: String(button.text ?? '') };
			case 'copy_code':
				return { type: 'copy_code', index, couponCode: String(button.couponCode ?? '') };
			case 'request_contact_info':
				return { type: 'request_contact_info', index };
			case 'flow':
				return {
					type: 'flow',
					index,
					flowToken: (button.flowToken as string) || undefined,
					flowActionData: parseJsonObject(reader, button.flowActionData, 'Flow Action Data'),
				};
			default:
				return { type: 'quick_reply', index, payload: String(button.payload ?? '') };
		}
	});
}

/** The template as stored: typed text (version 1) or the value of the picker (1.1: list, name or ID). */
function picked(reader: ParameterReader, name: string): string {
	const value = reader.ctx.getNodeParameter(name, reader.itemIndex, '', { extractValue: true });
	return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

/**
 * Version 1.1 with Parameters → Form of the Chosen Template: the form's values (n8n's resource mapper,
 * expressions resolved) as the template's parts, by the provider's catalog. Undefined otherwise.
 */
function readForm(reader: ParameterReader, template: string): Partial<TemplateContent> | undefined {
	const catalog = providerFor(reader.credentialType)?.templates;
	if (!catalog || reader.ctx.getNode().typeVersion < 1.1 || text(reader, 'templateInput', 'form') !== 'form') return undefined;
	const { ctx, itemIndex } = reader;
	const given = (ctx.getNodeParameter('templateParameters.value', itemIndex, {}) ?? {}) as IDataObject;
	const schema = (ctx.getNodeParameter('templateParameters.schema', itemIndex, []) ?? []) as ResourceMapperField[];
	const values: Record<string, string> = {};
	for (const [id, value] of Object.entries(given)) {
		if (value !== undefined && value !== null) values[id] = typeof value === 'object' ? JSON.stringify(value) : String(value);
	}
	const loadedFor = schema.find((field) => field.id === FORM_TEMPLATE_FIELD)?.defaultValue;
	if (loadedFor !== undefined && loadedFor !== null && String(loadedFor) !== template) {
		throw invalidItemError(ctx.getNode(), itemIndex, [
			{
				field: 'Template Parameters',
				rule: `were loaded for the template "${String(loadedFor)}", not "${template}"`,
				hint: `Close and reopen the node (or choose Refresh in the form's menu) so that the form of "${template}" loads, and fill it in.`,
			},
		]);
	}
	const fields = schema
		.filter((field) => field.id !== FORM_TEMPLATE_FIELD && field.display !== false && field.removed !== true)
		.map((field) => ({ id: field.id, displayName: field.displayName, required: field.required, type: field.type === 'number' ? ('number' as const) : ('string' as const) }));
	const { content, problems } = catalog.fromForm(values, fields);
	if (problems.length > 0) {
		throw invalidItemError(
			ctx.getNode(),
			itemIndex,
			problems.map((problem) => ({ ...problem, field: `Template "${template}" → ${problem.field}` })),
		);
	}
	return content;
}

function readTemplate(reader: ParameterReader): TemplateContent {
	const variables: Record<string, string> = {};
	for (const variable of rows<{ name: string; value: string }>(reader, 'templateVariables', 'variable')) {
		if (variable.name) variables[String(variable.name)] = String(variable.value ?? '');
	}
	// A provider that names its templates by a Content SID (Twilio) reads that, the others name and language.
	if (providerUses(reader.credentialType, 'sendFields', 'contentSid')) {
		const contentSid = picked(reader, 'contentSid');
		const form = readForm(reader, contentSid);
		return form ? { contentSid, variables: form.variables ?? {} } : { contentSid, variables };
	}
	const name = picked(reader, 'templateName');
	const language = text(reader, 'templateLanguage', 'en_US') || 'en_US';
	const form = readForm(reader, name);
	if (form) return { name, language, header: form.header, body: form.body, buttons: form.buttons, cards: form.cards, limitedTimeOffer: form.limitedTimeOffer };
	return {
		name,
		language,
		header: readHeader(reader),
		body: readBody(reader),
		buttons: readButtons(reader),
		variables,
	};
}

export const templateMessage: MessageTypeDefinition = {
	option: { name: 'Template', value: 'template', description: 'An approved template: required outside the 24-hour window' },
	fields,
	read: (reader, common) => ({ ...common, type: 'template', template: readTemplate(reader) }),
};
