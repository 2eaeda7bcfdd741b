import type { IDataObject, INode } from 'n8n-workflow';

import { inputError } from '../../errors';
import type { OutboundMessage, SendResult, TemplateBodyParameter, TemplateButton, TemplateContent, TemplateHeader } from '../../message';
import { isBsuid, toDigits } from '../../phone';
import { graphCall, graphUrl, metaCredentials, metaSecrets } from './connection';
import { buildMetaUploadRequest, metaUploadKey } from './media';
import type { SendContext } from '../types';

function mediaObject(source: { id?: string; url?: string }): IDataObject {
	return source.id ? { id: source.id } : { link: source.url };
}

function headerParameter(header: TemplateHeader): IDataObject {
	if (header.type === 'text') return { type: 'text', text: header.text, ...(header.name ? { parameter_name: header.name } : {}) };
	if (header.type === 'location') {
		return {
			type: 'location',
			location: {
				latitude: header.latitude,
				longitude: header.longitude,
				...(header.name ? { name: header.name } : {}),
				...(header.address ? { address: header.address } : {}),
			},
		};
	}
	return {
		type: header.type,
		[header.type]: {
			...mediaObject(header),
			...(header.type === 'document' && header.fileName ? { filename: header.fileName } : {}),
		},
	};
}

function bodyParameter(parameter: TemplateBodyParameter): IDataObject {
	const named = parameter.name ? { parameter_name: parameter.name } : {};
	switch (parameter.type) {
		case 'text':
			return { type: 'text', text: parameter.text, ...named };
		case 'currency':
			return {
				type: 'currency',
				currency: { fallback_value: parameter.fallback, code: parameter.code, amount_1000: parameter.amount1000 },
				...named,
			};
		case 'date_time':
			return { type: 'date_time', date_time: { fallback_value: parameter.fallback }, ...named };
	}
}

function buttonParameter(button: Exclude<TemplateButton, { type: 'request_contact_info' }>): IDataObject {
	switch (button.type) {
		case 'quick_reply':
			return { type: 'payload', payload: button.payload };
		case 'url':
			return { type: 'text', text: button.text };
		case 'copy_code':
			return { type: 'coupon_code', coupon_code: button.couponCode };
		case 'flow':
			return {
				type: 'action',
				action: {
					...(button.flowToken ? { flow_token: button.flowToken } : {}),
					...(button.flowActionData ? { flow_action_data: button.flowActionData } : {}),
				},
			};
		case 'catalog':
			return { type: 'action', action: { thumbnail_product_retailer_id: button.thumbnailProductRetailerId } };
	}
}

/** Header, body and buttons: of the template itself, and of each carousel card. */
function partComponents(part: { header?: TemplateHeader; body?: TemplateBodyParameter[]; buttons?: TemplateButton[] }): IDataObject[] {
	const components: IDataObject[] = [];
	if (part.header) components.push({ type: 'header', parameters: [headerParameter(part.header)] });
	if (part.body && part.body.length > 0) components.push({ type: 'body', parameters: part.body.map(bodyParameter) });
	for (const button of part.buttons ?? []) {
		// REQUEST_CONTACT_INFO takes no parameter: its text is fixed by the template (Meta, "Business-scoped user IDs").
		if (button.type === 'request_contact_info') continue;
		// A catalog button without a thumbnail product takes no parameter: WhatsApp shows the catalog's first item.
		if (button.type === 'catalog' && !button.thumbnailProductRetailerId) continue;
		components.push({ type: 'button', sub_type: button.type, index: String(button.index), parameters: [buttonParameter(button)] });
	}
	return components;
}

function templateComponents(template: TemplateContent): IDataObject[] {
	const components = partComponents(template);
	// Limited-time offer templates: the offer's expiry, for the countdown (Meta, "Limited-time offer templates").
	if (template.limitedTimeOffer) {
		components.push({
			type: 'limited_time_offer',
			parameters: [{ type: 'limited_time_offer', limited_time_offer: { expiration_time_ms: template.limitedTimeOffer.expirationTimeMs } }],
		});
	}
	// Media card carousel templates: a `carousel` component of cards, each with its own components.
	if (template.cards && template.cards.length > 0) {
		components.push({
			type: 'carousel',
			cards: template.cards.map((card, index) => ({ card_index: index, components: partComponents(card) })),
		});
	}
	return components;
}

/** The JSON body of `POST /{Phone-Number-ID}/messages` (see the `Message` schema of the v23.0 spec). */
export function buildMetaMessageBody(
	node: INode,
	itemIndex: number,
	message: OutboundMessage,
	uploadedMediaId?: string,
): IDataObject {
	if (message.type === 'markRead') {
		return {
			messaging_product: 'whatsapp',
			status: 'read',
			message_id: message.markRead.messageId,
			...(message.markRead.typingIndicator ? { typing_indicator: { type: 'text' } } : {}),
		};
	}
	const body: IDataObject = {
		messaging_product: 'whatsapp',
		recipient_type: message.options.recipientType ?? 'individual',
	};
	// A business-scoped user ID goes in `recipient`, a phone number (or a group ID) in `to`.
	if (message.options.recipientType === 'group') body.to = message.to;
	else if (isBsuid(message.to)) body.recipient = message.to;
	else body.to = toDigits(message.to);
	if (message.replyTo) body.context = { message_id: message.replyTo };
	if (message.options.trackingData) body.biz_opaque_callback_data = message.options.trackingData;
	switch (message.type) {
		case 'text':
			body.type = 'text';
			body.text = { body: message.text.body, ...(message.text.previewUrl ? { preview_url: true } : {}) };
			break;
		case 'media': {
			const { media } = message;
			const source: { id?: string; url?: string } = uploadedMediaId ? { id: uploadedMediaId } : media;
			if (!source.id && !source.url) {
				throw inputError(node, itemIndex, `No media to send (item ${itemIndex})`, 'Set a Media URL, a Media ID, or a binary property that holds the file.');
			}
			const object: IDataObject = mediaObject(source);
			if (media.caption && media.type !== 'audio' && media.type !== 'sticker') object.caption = media.caption;
			if (media.type === 'document' && (media.fileName ?? media.binary?.fileName)) {
				object.filename = media.fileName ?? media.binary?.fileName;
			}
			body.type = media.type;
			body[media.type] = object;
			break;
		}
		case 'template': {
			const { template } = message;
			if (!template.name) {
				throw inputError(node, itemIndex, `Template name is empty (item ${itemIndex})`, 'Enter the name of an approved template (WhatsApp Manager → Message templates).');
			}
			const components = templateComponents(template);
			body.type = 'template';
			body.template = {
				name: template.name,
				language: { code: template.language || 'en_US', policy: 'deterministic' },
				...(components.length > 0 ? { components } : {}),
			};
			break;
		}
		case 'interactive': {
			const { interactive } = message;
			const content: IDataObject = { type: interactive.type, body: { text: interactive.body } };
			if (interactive.header) content.header = { type: 'text', text: interactive.header };
			if (interactive.footer) content.footer = { text: interactive.footer };
			if (interactive.type === 'button') {
				const buttons = interactive.buttons ?? [];
				if (buttons.length < 1 || buttons.length > 3) {
					throw inputError(node, itemIndex, `Reply buttons need 1 to 3 buttons, got ${buttons.length} (item ${itemIndex})`, 'WhatsApp shows at most three reply buttons; use a list for more choices.');
				}
				content.action = { buttons: buttons.map((button) => ({ type: 'reply', reply: { id: button.id, title: button.title } })) };
			} else {
				const list = interactive.list;
				const rows = list?.sections.reduce((count, section) => count + section.rows.length, 0) ?? 0;
				if (!list || rows < 1 || rows > 10) {
					throw inputError(node, itemIndex, `A list needs 1 to 10 rows, got ${rows} (item ${itemIndex})`, 'WhatsApp lists hold at most 10 rows across all sections.');
				}
				content.action = {
					button: list.button,
					sections: list.sections.map((section) => ({
						...(section.title ? { title: section.title } : {}),
						rows: section.rows.map((row) => ({ id: row.id, title: row.title, ...(row.description ? { description: row.description } : {}) })),
					})),
				};
			}
			body.type = 'interactive';
			body.interactive = content;
			break;
		}
		case 'location':
			body.type = 'location';
			body.location = {
				latitude: message.location.latitude,
				longitude: message.location.longitude,
				...(message.location.name ? { name: message.location.name } : {}),
				...(message.location.address ? { address: message.location.address } : {}),
			};
			break;
		case 'contacts':
			body.type = 'contacts';
			body.contacts = message.contacts.map((contact) => ({
				name: {
					formatted_name: contact.formattedName,
					...(contact.firstName ? { first_name: contact.firstName } : {}),
					...(contact.lastName ? { last_name: contact.lastName } : {}),
				},
				...(contact.phone ? { phones: [{ phone: contact.phone, type: contact.phoneType || 'CELL' }] } : {}),
				...(contact.email ? { emails: [{ email: contact.email, type: 'WORK' }] } : {}),
				...(contact.organization ? { org: { company: contact.organization } } : {}),
				...(contact.url ? { urls: [{ url: contact.url, type: 'WORK' }] } : {}),
			}));
			break;
		case 'reaction':
			body.type = 'reaction';
			body.reaction = { message_id: message.reaction.messageId, emoji: message.reaction.emoji };
			break;
	}
	return body;
}

/** Uploads the item's file if it has one, sends the message and reads Meta's answer. */
export async function sendMeta(context: SendContext, message: OutboundMessage): Promise<SendResult> {
	const { node, itemIndex, transport, credentials: stored } = context;
	const credentials = metaCredentials(stored);
	const secrets = metaSecrets(stored);
	let uploadedMediaId: string | undefined;
	if (message.type === 'media' && message.media.binary) {
		const file = message.media.binary;
		const upload = async () => {
			const answer = await graphCall(transport, node, itemIndex, buildMetaUploadRequest(credentials, file), secrets);
			const id = (answer.body as { id?: string }).id;
			if (!id) throw inputError(node, itemIndex, `Meta accepted the media upload but returned no media ID (item ${itemIndex})`);
			return id;
		};
		// The same file sent to many recipients is uploaded once per execution and sent by its media ID.
		uploadedMediaId = context.uploads
			? await context.uploads.once(metaUploadKey(file, context.uploads.contentHash(file)), upload)
			: await upload();
	}
	const body = buildMetaMessageBody(node, itemIndex, message, uploadedMediaId);
	const response = await graphCall(
		transport,
		node,
		itemIndex,
		{
			method: 'POST',
			url: graphUrl(credentials, `${encodeURIComponent(credentials.phoneNumberId)}/messages`),
			headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
			body,
			json: true,
		},
		secrets,
	);
	const answer = response.body as { messages?: Array<{ id?: string; message_status?: string }>; success?: boolean };
	if (message.type === 'markRead') {
		return { provider: 'meta', messageId: message.markRead.messageId, to: message.to, status: answer.success ? 'read' : 'unknown', raw: answer };
	}
	const first = answer.messages?.[0];
	return {
		provider: 'meta',
		messageId: first?.id ?? '',
		to: message.to,
		status: first?.message_status ?? 'accepted',
		raw: uploadedMediaId ? { ...answer, uploadedMediaId } : answer,
	};
}
