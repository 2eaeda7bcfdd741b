import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { inputError } from '../shared/errors';
import type {
	ContactContent,
	InteractiveContent,
	MediaType,
	OutboundMessage,
	SendOptions,
	TemplateBodyParameter,
	TemplateButton,
	TemplateHeader,
} from '../shared/message';
import { normalisePhone } from '../shared/phone';

type Ctx = IExecuteFunctions;

const str = (ctx: Ctx, name: string, i: number, fallback = '') => String(ctx.getNodeParameter(name, i, fallback) ?? '').trim();

function collection<T = IDataObject>(ctx: Ctx, name: string, key: string, i: number): T[] {
	const value = ctx.getNodeParameter(name, i, {}) as IDataObject;
	return ((value?.[key] as T[] | undefined) ?? []).filter(Boolean);
}

function readOptions(ctx: Ctx, i: number): SendOptions & { replyTo?: string; previewUrl?: boolean } {
	const raw = ctx.getNodeParameter('options', i, {}) as IDataObject;
	return {
		statusCallbackUrl: typeof raw.statusCallbackUrl === 'string' && raw.statusCallbackUrl ? raw.statusCallbackUrl : undefined,
		recipientType: raw.recipientType === 'group' ? 'group' : undefined,
		trackingData: typeof raw.trackingData === 'string' && raw.trackingData ? raw.trackingData : undefined,
		validityPeriod: typeof raw.validityPeriod === 'number' ? raw.validityPeriod : undefined,
		replyTo: typeof raw.replyTo === 'string' && raw.replyTo.trim() ? raw.replyTo.trim() : undefined,
		previewUrl: raw.previewUrl === true,
	};
}

function parseJsonObject(ctx: Ctx, i: number, value: unknown, field: string): Record<string, unknown> | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value === 'object') return value as Record<string, unknown>;
	try {
		const parsed = JSON.parse(String(value)) as unknown;
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
	} catch {
		// reported below
	}
	throw inputError(ctx.getNode(), i, `${field} is not a JSON object (item ${i})`, 'Enter an object such as {"screen": "WELCOME"}.', {
		field,
		value,
		rule: 'must be a JSON object',
	});
}

function readTemplate(ctx: Ctx, i: number, provider: string) {
	const variables: Record<string, string> = {};
	for (const variable of collection<{ name: string; value: string }>(ctx, 'templateVariables', 'variable', i)) {
		if (variable.name) variables[String(variable.name)] = String(variable.value ?? '');
	}
	if (provider === 'twilioWhatsAppApi') {
		return { contentSid: str(ctx, 'contentSid', i), variables };
	}
	const headerType = str(ctx, 'templateHeader', i, 'none');
	let header: TemplateHeader | undefined;
	if (headerType === 'text') header = { type: 'text', text: str(ctx, 'headerText', i) };
	else if (headerType === 'image' || headerType === 'video' || headerType === 'document') {
		const source = str(ctx, 'headerMediaSource', i, 'url');
		const value = str(ctx, 'headerMedia', i);
		header = {
			type: headerType,
			...(source === 'id' ? { id: value } : { url: value }),
			...(headerType === 'document' && str(ctx, 'headerFileName', i) ? { fileName: str(ctx, 'headerFileName', i) } : {}),
		};
	} else if (headerType === 'location') {
		const location = ctx.getNodeParameter('headerLocation', i, {}) as IDataObject;
		header = {
			type: 'location',
			latitude: Number(location.latitude ?? 0),
			longitude: Number(location.longitude ?? 0),
			name: (location.name as string) || undefined,
			address: (location.address as string) || undefined,
		};
	}
	const body: TemplateBodyParameter[] = collection<IDataObject>(ctx, 'bodyParameters', 'parameter', i).map((parameter) => {
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
	const buttons: TemplateButton[] = collection<IDataObject>(ctx, 'templateButtons', 'button', i).map((button) => {
		const index = Number(button.index ?? 0);
		switch (button.type) {
			case 'url':
				return { type: 'url', index, text: String(button.text ?? '') };
			case 'copy_code':
				return { type: 'copy_code', index, couponCode: String(button.couponCode ?? '') };
			case 'flow':
				return {
					type: 'flow',
					index,
					flowToken: (button.flowToken as string) || undefined,
					flowActionData: parseJsonObject(ctx, i, button.flowActionData, 'Flow Action Data'),
				};
			default:
				return { type: 'quick_reply', index, payload: String(button.payload ?? '') };
		}
	});
	return {
		name: str(ctx, 'templateName', i),
		language: str(ctx, 'templateLanguage', i, 'en_US') || 'en_US',
		header,
		body,
		buttons,
		variables,
	};
}

function readInteractive(ctx: Ctx, i: number, kind: 'buttons' | 'list'): InteractiveContent {
	const base = {
		header: str(ctx, 'interactiveHeader', i) || undefined,
		body: str(ctx, 'interactiveBody', i),
		footer: str(ctx, 'interactiveFooter', i) || undefined,
	};
	if (!base.body) {
		throw inputError(ctx.getNode(), i, `Body Text is empty (item ${i})`, 'Interactive messages need a body text.', { field: 'Body Text', value: '', rule: 'must not be empty' });
	}
	if (kind === 'buttons') {
		const buttons = collection<{ id: string; title: string }>(ctx, 'replyButtons', 'button', i).map((button) => ({
			id: String(button.id ?? ''),
			title: String(button.title ?? ''),
		}));
		return { type: 'button', ...base, buttons };
	}
	const sections: Array<{ title?: string; rows: Array<{ id: string; title: string; description?: string }> }> = [];
	for (const row of collection<IDataObject>(ctx, 'listRows', 'row', i)) {
		const title = String(row.section ?? '') || undefined;
		let section = sections.find((candidate) => candidate.title === title);
		if (!section) {
			section = { title, rows: [] };
			sections.push(section);
		}
		section.rows.push({ id: String(row.id ?? ''), title: String(row.title ?? ''), description: (row.description as string) || undefined });
	}
	return { type: 'list', ...base, list: { button: str(ctx, 'listButton', i, 'Choose'), sections } };
}

/** Reads item `i`'s parameters into the provider-neutral message. Binary files are read by the caller. */
export async function readMessage(ctx: Ctx, i: number, provider: string): Promise<OutboundMessage> {
	const node = ctx.getNode();
	const operation = str(ctx, 'operation', i, 'send');
	const { replyTo, previewUrl, ...options } = readOptions(ctx, i);
	if (operation === 'markAsRead') {
		const messageId = str(ctx, 'readMessageId', i);
		if (!messageId) {
			throw inputError(node, i, `Message ID is empty (item ${i})`, 'Map the id of the received message, e.g. {{ $json.messageId }} from the WhatsApp trigger.', {
				field: 'Message ID',
				value: '',
				rule: 'must not be empty',
			});
		}
		return { type: 'markRead', to: '', options, markRead: { messageId, typingIndicator: ctx.getNodeParameter('typingIndicator', i, false) === true } };
	}
	const rawTo = ctx.getNodeParameter('to', i, '') as unknown;
	// A WhatsApp group (Meta recipient type "group") is addressed by its group ID, not a number.
	const to = options.recipientType === 'group' ? String(rawTo ?? '').trim() || undefined : normalisePhone(rawTo);
	if (!to) {
		throw inputError(
			node,
			i,
			`Invalid recipient phone number "${String(rawTo)}" (item ${i})`,
			'Use the international format with country code, e.g. +14155550123 (spaces, dashes, dots and brackets are fine).',
			{
				field: 'To',
				value: String(rawTo ?? ''),
				rule:
					options.recipientType === 'group'
						? 'must be a WhatsApp group ID'
						: 'must be a phone number in international format with country code (7 to 15 digits, e.g. +14155550123)',
			},
		);
	}
	const common = { to, replyTo, options };
	const type = str(ctx, 'messageType', i, 'text');
	switch (type) {
		case 'text': {
			const body = String(ctx.getNodeParameter('text', i, '') ?? '');
			if (!body.trim()) {
				throw inputError(node, i, `Text is empty (item ${i})`, 'Enter the message text, or map it from an earlier node.', { field: 'Text', value: body, rule: 'must not be empty' });
			}
			return { ...common, type: 'text', text: { body, previewUrl } };
		}
		case 'media': {
			const mediaType = str(ctx, 'mediaType', i, 'image') as MediaType;
			const source = str(ctx, 'mediaSource', i, 'url');
			const caption = str(ctx, 'caption', i) || undefined;
			const fileName = str(ctx, 'fileName', i) || undefined;
			if (source === 'binary') {
				const property = str(ctx, 'binaryPropertyName', i, 'data');
				let binary;
				try {
					binary = ctx.helpers.assertBinaryData(i, property);
				} catch (error) {
					throw inputError(node, i, `${(error as Error).message} (item ${i})`, 'Set "Input Binary Field" to the name of the binary property that holds the file.', {
						field: 'Input Binary Field',
						value: property,
						rule: 'the input item has no binary data of this name',
					});
				}
				// The bytes are read when the item is sent, not here: pre-flight never holds every item's file.
				const byteLength =
					typeof binary.bytes === 'number'
						? binary.bytes
						: !binary.id && typeof binary.data === 'string'
							? Math.ceil((binary.data.length * 3) / 4)
							: undefined;
				return {
					...common,
					type: 'media',
					media: { type: mediaType, caption, fileName, file: { property, mimeType: binary.mimeType, fileName: binary.fileName, byteLength, storedAs: binary.id } },
				};
			}
			if (source === 'id') {
				const id = str(ctx, 'mediaId', i);
				if (!id) throw inputError(node, i, `Media ID is empty (item ${i})`, undefined, { field: 'Media ID', value: '', rule: 'must not be empty' });
				return { ...common, type: 'media', media: { type: mediaType, id, caption, fileName } };
			}
			const url = str(ctx, 'mediaUrl', i);
			if (!/^https?:\/\/\S+$/i.test(url)) {
				throw inputError(node, i, `Media URL "${url}" is not a valid http(s) URL (item ${i})`, 'Providers download media from a public URL, e.g. https://example.com/photo.jpg.', {
					field: 'Media URL',
					value: url,
					rule: 'must be a public http(s) URL',
				});
			}
			return { ...common, type: 'media', media: { type: mediaType, url, caption, fileName } };
		}
		case 'template':
			return { ...common, type: 'template', template: readTemplate(ctx, i, provider) };
		case 'buttons':
		case 'list':
			return { ...common, type: 'interactive', interactive: readInteractive(ctx, i, type) };
		case 'location': {
			const latitude = Number(ctx.getNodeParameter('latitude', i, 0));
			const longitude = Number(ctx.getNodeParameter('longitude', i, 0));
			if (!Number.isFinite(latitude) || Math.abs(latitude) > 90 || !Number.isFinite(longitude) || Math.abs(longitude) > 180) {
				throw inputError(node, i, `Invalid coordinates ${latitude}, ${longitude} (item ${i})`, 'Latitude is between -90 and 90, longitude between -180 and 180.', {
					field: 'Latitude / Longitude',
					value: `${latitude}, ${longitude}`,
					rule: 'latitude between -90 and 90, longitude between -180 and 180',
				});
			}
			return {
				...common,
				type: 'location',
				location: { latitude, longitude, name: str(ctx, 'locationName', i) || undefined, address: str(ctx, 'locationAddress', i) || undefined },
			};
		}
		case 'contacts': {
			const contacts = collection<IDataObject>(ctx, 'contacts', 'contact', i).map(
				(contact): ContactContent => ({
					formattedName: String(contact.formattedName ?? ''),
					firstName: (contact.firstName as string) || undefined,
					lastName: (contact.lastName as string) || undefined,
					phone: (contact.phone as string) || undefined,
					phoneType: (contact.phoneType as string) || undefined,
					email: (contact.email as string) || undefined,
					organization: (contact.organization as string) || undefined,
					url: (contact.url as string) || undefined,
				}),
			);
			if (contacts.length === 0 || contacts.some((contact) => !contact.formattedName)) {
				throw inputError(node, i, `Add at least one contact with a Formatted Name (item ${i})`, undefined, {
					field: 'Contacts → Formatted Name',
					rule: 'at least one contact, each with a Formatted Name',
				});
			}
			return { ...common, type: 'contacts', contacts };
		}
		case 'reaction': {
			const messageId = str(ctx, 'reactionMessageId', i);
			if (!messageId) {
				throw inputError(node, i, `Message ID is empty (item ${i})`, 'Map the id of the received message to react to.', { field: 'Message ID', value: '', rule: 'must not be empty' });
			}
			return { ...common, type: 'reaction', reaction: { messageId, emoji: String(ctx.getNodeParameter('emoji', i, '') ?? '') } };
		}
		default:
			throw inputError(node, i, `Unknown message type "${type}" (item ${i})`);
	}
}
