import { createHash } from 'node:crypto';
import type { ICredentialDataDecryptedObject, IDataObject, IHttpRequestOptions, INode } from 'n8n-workflow';

import { DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_VERSION } from '../defaults';
import { inputError, providerApiError } from '../errors';
import {
	compact,
	contentType,
	header,
	hmacHex,
	isoFromUnixSeconds,
	listOf,
	parseJsonBody,
	rawBytes,
	reject,
	safeEqual,
	unauthorized,
	type InboundEvent,
	type InboundNote,
	type InboundRequest,
	type InboundResult,
	type ParseResult,
} from '../inbound';
import { originOf, type MediaFetcher } from '../mediaFetch';
import type { BinaryFile, OutboundMessage, SendResult, TemplateContent } from '../message';
import { toDigits } from '../phone';
import { retryAfterMs, successful, type HttpResponse, type Transport } from '../transport';
import { baseUrl, text } from '../values';
import { answerOutcome, unknownOutcomeHint } from '../outcome';
import { Checks, violationsOf, type Violation } from '../validation';
import type { CheckContext, InboundOptions, PhoneNumberScope, SendContext, WhatsAppProvider } from './types';

const PROVIDER = 'Meta Cloud API';

/**
 * Meta's limits, checked for every item before the first send. Source: the Cloud API's OpenAPI spec
 * v23.0 (test/specs/meta-business-messaging-openapi-v23.0.yaml: TextObject, InteractiveObject,
 * Section, Row, Button, MediaObject) and the template documentation (coupon code, button index).
 */
export const META_LIMITS = {
	text: 4096,
	caption: 1024,
	templateName: 512,
	templateTextParameter: 32768,
	templateHeaderText: 60,
	templateButtonIndex: 9,
	couponCode: 15,
	trackingData: 512,
	interactiveHeader: 60,
	interactiveBody: 1024,
	interactiveFooter: 60,
	replyButtons: { min: 1, max: 3 },
	buttonId: 256,
	buttonTitle: 20,
	listButton: 20,
	listSections: { min: 1, max: 10 },
	listRows: { min: 1, max: 10 },
	sectionTitle: 24,
	rowId: 200,
	rowTitle: 24,
	rowDescription: 72,
} as const;

const L = META_LIMITS;

/** Every rule of META_LIMITS that applies to the message, then a dry run of the request builder. */
export function checkMetaMessage(context: CheckContext, message: OutboundMessage): Violation[] {
	const c = new Checks(PROVIDER);
	c.maxLength('Options → Tracking Data', message.options.trackingData, L.trackingData);
	switch (message.type) {
		case 'text':
			c.maxLength('Text', message.text.body, L.text);
			break;
		case 'media': {
			const { media } = message;
			if (media.type !== 'audio' && media.type !== 'sticker') c.maxLength('Caption', media.caption, L.caption);
			break;
		}
		case 'template': {
			const { template } = message;
			c.required('Template Name', template.name);
			c.maxLength('Template Name', template.name, L.templateName);
			const { header } = template;
			if (header?.type === 'text') {
				c.required('Header Text', header.text);
				c.maxLength('Header Text', header.text, L.templateHeaderText);
			} else if (header && header.type !== 'location') {
				if (!header.id && !header.url) c.add('Header Media', '', 'must not be empty (a URL or a media ID)');
				if (header.url) c.httpUrl('Header Media', header.url);
			}
			(template.body ?? []).forEach((parameter, index) => {
				const field = `Body Parameters → parameter ${index + 1}`;
				if (parameter.type === 'text') {
					c.required(`${field} → Text`, parameter.text);
					c.maxLength(`${field} → Text`, parameter.text, L.templateTextParameter);
				} else {
					c.required(`${field} → Fallback`, parameter.fallback);
					if (parameter.type === 'currency') {
						if (!/^[A-Z]{3}$/.test(parameter.code)) c.add(`${field} → Currency Code`, parameter.code, 'must be an ISO 4217 code such as USD');
						if (!Number.isFinite(parameter.amount1000)) c.add(`${field} → Amount`, parameter.amount1000, 'must be a number');
					}
				}
			});
			(template.buttons ?? []).forEach((button, index) => {
				const field = `Buttons → button ${index + 1}`;
				if (!Number.isInteger(button.index) || button.index < 0 || button.index > L.templateButtonIndex) {
					c.add(`${field} → Index`, button.index, `must be a whole number from 0 to ${L.templateButtonIndex}`);
				}
				if (button.type === 'copy_code') {
					c.required(`${field} → Coupon Code`, button.couponCode);
					c.maxLength(`${field} → Coupon Code`, button.couponCode, L.couponCode);
				}
				if (button.type === 'url') c.required(`${field} → URL Suffix`, button.text);
			});
			break;
		}
		case 'interactive': {
			const { interactive } = message;
			c.maxLength('Header Text', interactive.header, L.interactiveHeader);
			c.maxLength('Body Text', interactive.body, L.interactiveBody);
			c.maxLength('Footer Text', interactive.footer, L.interactiveFooter);
			if (interactive.type === 'button') {
				const buttons = interactive.buttons ?? [];
				c.count('Reply Buttons', buttons.length, L.replyButtons.min, L.replyButtons.max, 'buttons');
				buttons.forEach((button, index) => {
					const field = `Reply Buttons → button ${index + 1}`;
					c.required(`${field} → ID`, button.id);
					c.maxLength(`${field} → ID`, button.id, L.buttonId);
					c.required(`${field} → Title`, button.title);
					c.maxLength(`${field} → Title`, button.title, L.buttonTitle);
				});
				c.unique('Reply Buttons → ID', buttons.map((button) => button.id));
				c.unique('Reply Buttons → Title', buttons.map((button) => button.title));
			} else {
				const list = interactive.list ?? { button: '', sections: [] };
				c.required('List Button Text', list.button);
				c.maxLength('List Button Text', list.button, L.listButton);
				const rows = list.sections.flatMap((section) => section.rows);
				c.count('List Rows', rows.length, L.listRows.min, L.listRows.max, 'rows across all sections');
				c.count('List Rows → Section', list.sections.length, L.listSections.min, L.listSections.max, 'sections');
				list.sections.forEach((section) => {
					if (list.sections.length > 1 && !section.title) c.add('List Rows → Section', '', 'must be set on every row when the list has more than one section');
					c.maxLength('List Rows → Section', section.title, L.sectionTitle);
				});
				rows.forEach((row, index) => {
					const field = `List Rows → row ${index + 1}`;
					c.required(`${field} → ID`, row.id);
					c.maxLength(`${field} → ID`, row.id, L.rowId);
					c.required(`${field} → Title`, row.title);
					c.maxLength(`${field} → Title`, row.title, L.rowTitle);
					c.maxLength(`${field} → Description`, row.description, L.rowDescription);
				});
				c.unique('List Rows → ID', rows.map((row) => row.id));
			}
			break;
		}
		default:
			break;
	}
	if (c.violations.length === 0) {
		// Whatever the request builder refuses is refused now, before anything is sent.
		try {
			const pendingUpload = message.type === 'media' && (message.media.binary || message.media.file) ? 'pre-flight' : undefined;
			buildMetaMessageBody(context.node, context.itemIndex, message, pendingUpload);
		} catch (error) {
			c.violations.push(...violationsOf(error));
		}
	}
	return c.violations;
}

export interface MetaCredentials {
	accessToken: string;
	phoneNumberId: string;
	wabaId: string;
	appSecret: string;
	verifyToken: string;
	graphApiVersion: string;
	baseUrl: string;
}

export function metaCredentials(raw: ICredentialDataDecryptedObject): MetaCredentials {
	return {
		accessToken: text(raw.accessToken),
		phoneNumberId: text(raw.phoneNumberId),
		wabaId: text(raw.wabaId),
		appSecret: text(raw.appSecret),
		verifyToken: text(raw.verifyToken),
		graphApiVersion: text(raw.graphApiVersion) || DEFAULT_GRAPH_VERSION,
		baseUrl: baseUrl(raw.baseUrl, DEFAULT_GRAPH_BASE_URL),
	};
}

/** `https://graph.facebook.com/v23.0` (or the connection's override). */
export function graphUrl(credentials: MetaCredentials, path: string): string {
	return `${credentials.baseUrl}/${credentials.graphApiVersion}/${path.replace(/^\/+/, '')}`;
}

function mediaObject(source: { id?: string; url?: string }): IDataObject {
	return source.id ? { id: source.id } : { link: source.url };
}

function templateComponents(template: TemplateContent): IDataObject[] {
	const components: IDataObject[] = [];
	const { header } = template;
	if (header) {
		let parameter: IDataObject;
		if (header.type === 'text') parameter = { type: 'text', text: header.text };
		else if (header.type === 'location') {
			parameter = {
				type: 'location',
				location: {
					latitude: header.latitude,
					longitude: header.longitude,
					...(header.name ? { name: header.name } : {}),
					...(header.address ? { address: header.address } : {}),
				},
			};
		} else {
			parameter = {
				type: header.type,
				[header.type]: {
					...mediaObject(header),
					...(header.type === 'document' && header.fileName ? { filename: header.fileName } : {}),
				},
			};
		}
		components.push({ type: 'header', parameters: [parameter] });
	}
	if (template.body && template.body.length > 0) {
		components.push({
			type: 'body',
			parameters: template.body.map((parameter) => {
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
			}),
		});
	}
	for (const button of template.buttons ?? []) {
		let parameter: IDataObject;
		switch (button.type) {
			case 'quick_reply':
				parameter = { type: 'payload', payload: button.payload };
				break;
			case 'url':
				parameter = { type: 'text', text: button.text };
				break;
			case 'copy_code':
				parameter = { type: 'coupon_code', coupon_code: button.couponCode };
				break;
			case 'flow':
				parameter = {
					type: 'action',
					action: {
						...(button.flowToken ? { flow_token: button.flowToken } : {}),
						...(button.flowActionData ? { flow_action_data: button.flowActionData } : {}),
					},
				};
				break;
		}
		components.push({ type: 'button', sub_type: button.type, index: String(button.index), parameters: [parameter] });
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
		to: message.options.recipientType === 'group' ? message.to : toDigits(message.to),
	};
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

/** A multipart/form-data body built by hand: exact bytes, no dependency, works with any transport. */
export function multipartBody(
	fields: Record<string, string>,
	file: { field: string; data: Buffer; fileName: string; mimeType: string },
	boundary: string,
): Buffer {
	const parts: Buffer[] = [];
	const quote = (value: string) => value.replace(/["\r\n\\]/g, '_');
	for (const [name, value] of Object.entries(fields)) {
		parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`));
	}
	parts.push(
		Buffer.from(
			`--${boundary}\r\nContent-Disposition: form-data; name="${quote(file.field)}"; filename="${quote(file.fileName)}"\r\nContent-Type: ${file.mimeType}\r\n\r\n`,
		),
	);
	parts.push(file.data, Buffer.from(`\r\n--${boundary}--\r\n`));
	return Buffer.concat(parts);
}

/** Same bytes (SHA-256), same type and file name: same upload. */
export function metaUploadKey(file: BinaryFile, hash = createHash('sha256').update(file.data).digest('hex')): string {
	return `meta-media:${hash}:${file.mimeType}:${file.fileName ?? ''}`;
}

export function buildMetaUploadRequest(credentials: MetaCredentials, file: BinaryFile): IHttpRequestOptions {
	const boundary = `----n8nWhatsAppProviders${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
	return {
		method: 'POST',
		url: graphUrl(credentials, `${encodeURIComponent(credentials.phoneNumberId)}/media`),
		headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, Accept: 'application/json' },
		body: multipartBody(
			{ messaging_product: 'whatsapp', type: file.mimeType },
			{ field: 'file', data: file.data, fileName: file.fileName || 'file', mimeType: file.mimeType },
			boundary,
		),
	};
}

const HINTS: Record<number, string> = {
	0: 'Meta could not authenticate the request: generate a new access token.',
	3: 'The app lacks the capability for this call: check the app has the WhatsApp product added.',
	4: 'Too many API calls for this app: throttled messages are retried automatically; lower "Messages Per Second" if it persists.',
	10: 'The access token lacks permission: give the System User whatsapp_business_messaging and whatsapp_business_management on this WhatsApp Business Account and generate a new token.',
	100: "Meta does not know this Phone Number ID, or a parameter is invalid: check the connection's Phone Number ID (App Dashboard → WhatsApp → API Setup) and the message fields.",
	190: "The access token is invalid or expired: generate a new one (a System User token does not expire) and save it in the connection.",
	200: 'The access token lacks permission for this phone number: check the System User has access to the WhatsApp Business Account.',
	80007: 'The WhatsApp Business Account hit its rate limit: throttled messages are retried automatically; lower "Messages Per Second" if it persists.',
	130429: 'The phone number hit its throughput limit (80 messages/s by default): messages are retried automatically; lower "Messages Per Second" if it persists.',
	131008: 'A required parameter is missing: check the message fields.',
	131009: 'A parameter value is not valid: check the message fields (phone numbers, URLs, IDs).',
	131026: 'The message could not be delivered: the recipient may not use WhatsApp, or has not accepted the latest terms.',
	131030: 'The recipient is not in the allowed list of this test number: add it in App Dashboard → WhatsApp → API Setup → To, or use a production number.',
	131031: 'The WhatsApp Business Account is locked or restricted: check WhatsApp Manager → Account quality.',
	131047: 'Re-engagement message: more than 24 hours have passed since the customer last replied. Send an approved template instead (Message Type "Template").',
	131048: 'Spam rate limit: too many previous messages were blocked or flagged. Improve message quality; check WhatsApp Manager → Insights.',
	131049: 'Meta chose not to deliver this marketing message to protect user experience; try later or send a different template.',
	131051: 'This message type is not supported by the Cloud API.',
	131052: 'Meta could not download the media sent by the customer.',
	131053: 'Meta could not use the media: check the URL is public (https) and the file type and size are supported.',
	131056: 'Too many messages to the same recipient in a short time (pair rate limit): messages are retried automatically with a pause.',
	132000: "The number of template parameters does not match the template's placeholders.",
	132001: 'The template does not exist in this language: check Template Name and Language (WhatsApp Manager → Message templates).',
	132005: 'The translated template text is too long.',
	132007: 'The template content violates a WhatsApp policy.',
	132012: 'A template parameter has the wrong format: check header media type and parameter types.',
	133010: 'The phone number is not registered on the Cloud API: register it (POST /{Phone-Number-ID}/register).',
	368: 'The account is temporarily blocked for policy violations.',
};

/** Throttling: app (4), WABA (80007), number throughput (130429), pair rate (131056). Not accepted. */
const META_THROTTLE_CODES = new Set([4, 80007, 130429, 131056]);
/** Code 2, "temporarily unavailable due to downtime": Meta did not process the request. */
const META_NOT_PROCESSED_CODES = new Set([2]);
/** 131000 "Something went wrong": Meta may have accepted the message. */
const META_UNKNOWN_OUTCOME_CODES = new Set([131000]);

/**
 * Code 100 is "invalid parameter" as much as "unknown object": the hint follows the error's own
 * details, and blames the Phone Number ID only when Meta says the object does not exist.
 */
export function metaParameterHint(message: string | undefined, details: string | undefined): string {
	const text = `${message ?? ''} ${details ?? ''}`;
	if (/does not exist|unsupported (get|post) request|cannot be loaded due to missing permissions/i.test(text)) {
		return "Meta does not know the object addressed: check the connection's Phone Number ID (App Dashboard → WhatsApp → API Setup) and that the access token may use it.";
	}
	const param = /\bParam\s+([A-Za-z_][\w.]*(?:\[[^\]]*\])*)/.exec(message ?? '')?.[1];
	const why = (details || (message ?? '').replace(/^\(#\d+\)\s*/, '')).trim().replace(/\.$/, '');
	if (param) return `Meta refused the parameter ${param}${why ? `: ${why}` : ''}. Check the node field that fills it.`;
	return `A parameter of the message is not valid${why ? `: ${why}` : ''}. Check the message fields.`;
}

export function metaError(node: INode, itemIndex: number, response: HttpResponse, secrets: readonly unknown[]) {
	const error = ((response.body as { error?: Record<string, unknown> } | undefined)?.error ?? {}) as {
		message?: string;
		type?: string;
		code?: number;
		error_subcode?: number;
		error_user_msg?: string;
		error_data?: { details?: string };
		fbtrace_id?: string;
	};
	const code = typeof error.code === 'number' ? error.code : undefined;
	const status = response.statusCode;
	const outcome = answerOutcome({
		status,
		throttled: code !== undefined && META_THROTTLE_CODES.has(code),
		notProcessed: code !== undefined && META_NOT_PROCESSED_CODES.has(code),
		unknownCode: code !== undefined && META_UNKNOWN_OUTCOME_CODES.has(code),
	});
	const details = error.error_data?.details ?? error.error_user_msg;
	const hint =
		(outcome.deliveryUnknown ? unknownOutcomeHint('Meta', status) : undefined) ??
		(code === 100 ? metaParameterHint(error.message, details) : undefined) ??
		(code !== undefined ? HINTS[code] : undefined) ??
		(status === 401 ? HINTS[190] : status >= 500 ? 'Meta had a temporary problem; try again later.' : undefined);
	return providerApiError(
		node,
		itemIndex,
		{
			provider: 'meta',
			message: `Meta Cloud API error${code !== undefined ? ` ${code}` : ''} (HTTP ${status}): ${error.message ?? (typeof response.body === 'string' ? response.body.slice(0, 200) : 'no message')}${details ? ` — ${details}` : ''}`,
			description: hint,
			httpCode: status,
			providerCode: code,
			retryable: outcome.retryable,
			deliveryUnknown: outcome.deliveryUnknown,
			retryAfterMs: retryAfterMs(response.headers),
			extra: { errorSubcode: error.error_subcode, fbtrace_id: error.fbtrace_id },
		},
		secrets,
	);
}

/** One Graph API call: network failures and error answers become node errors; success returns the body. */
export async function graphCall(
	transport: Transport,
	node: INode,
	itemIndex: number,
	options: IHttpRequestOptions,
	secrets: readonly unknown[],
): Promise<HttpResponse> {
	const result = await transport(options);
	return successful(result, node, itemIndex, PROVIDER, secrets, (response) => metaError(node, itemIndex, response, secrets));
}

export const metaCloud: WhatsAppProvider = {
	id: 'meta',
	credentialType: 'metaWhatsAppCloudApi',
	label: 'Meta Cloud API',
	// Cloud API default throughput is 80 messages/s per phone number.
	defaultRatePerSecond: 80,

	secrets: (raw) => {
		const credentials = metaCredentials(raw);
		return [credentials.accessToken, credentials.appSecret, credentials.verifyToken];
	},

	checkCredentials(node, raw) {
		const credentials = metaCredentials(raw);
		if (!/^\d+$/.test(credentials.phoneNumberId)) {
			throw inputError(node, undefined, "The Meta connection's Phone Number ID is not valid", 'It is a number such as 106540352242922 (App Dashboard → WhatsApp → API Setup), not the phone number itself.');
		}
		if (!/^v\d+\.\d+$/.test(credentials.graphApiVersion)) {
			throw inputError(node, undefined, "The Meta connection's Graph API Version is not valid", 'Use the form v23.0.');
		}
	},

	check: checkMetaMessage,

	async send(context: SendContext, message: OutboundMessage): Promise<SendResult> {
		const { node, itemIndex, transport, credentials: raw } = context;
		const credentials = metaCredentials(raw);
		const secrets = metaCloud.secrets(raw);
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
	},

	handleInbound: (request, credentials, options) => handleMetaInbound(request, credentials, options),

	async downloadMedia(transports, node, credentials, event, fetchMedia) {
		if (!event.media?.id) return undefined;
		const file = await downloadMetaMedia(transports.authenticated, node, credentials, event.media.id, fetchMedia);
		return { ...file, mimeType: file.mimeType ?? event.media.mimeType, fileName: event.media.filename };
	},

	webhookRegistration: {
		exists: async (transport, node, credentials, url) => (await metaWebhookOverride(transport, node, credentials, 'get')) === url,
		create: async (transport, node, credentials, url) => {
			await metaWebhookOverride(transport, node, credentials, 'set', url);
		},
		remove: async (transport, node, credentials, url) => {
			// Only clear the override if it is still ours: another workflow may have taken the number over.
			if ((await metaWebhookOverride(transport, node, credentials, 'get')) === url) {
				await metaWebhookOverride(transport, node, credentials, 'clear');
			}
		},
	},
};

/* ------------------------------------------------------------------------------------------------
 * Inbound: the webhook handshake, X-Hub-Signature-256, and the WebhookPayload of the v23.0 spec.
 * ---------------------------------------------------------------------------------------------- */

/** Fields of a WhatsApp Business Account webhook that are not messages/statuses but are real. */
const META_UPDATE_FIELDS = new Set([
	'account_alerts',
	'account_review_update',
	'account_update',
	'business_capability_update',
	'business_status_update',
	'calls',
	'flows',
	'group_lifecycle_update',
	'group_participants_update',
	'group_settings_update',
	'group_status_update',
	'history',
	'message_echoes',
	'message_template_components_update',
	'message_template_quality_update',
	'message_template_status_update',
	'partner_solutions',
	'payment_configuration_update',
	'phone_number_name_update',
	'phone_number_quality_update',
	'security',
	'smb_app_state_sync',
	'smb_message_echoes',
	'template_category_update',
	'tracking_events',
	'user_preferences',
]);

/** GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… : echo the challenge only for our token. */
export function metaHandshake(request: InboundRequest, verifyToken: string): InboundResult {
	const mode = String(request.query['hub.mode'] ?? '');
	const token = String(request.query['hub.verify_token'] ?? '');
	const challenge = String(request.query['hub.challenge'] ?? '');
	if (mode !== 'subscribe' || !verifyToken || !safeEqual(token, verifyToken) || !challenge) {
		return reject(403, 'Forbidden', 'the verify token of the handshake does not match the connection\'s Verify Token');
	}
	// Meta's challenge is a number; anything else is not echoed (no reflected content from this URL).
	if (!/^[0-9]{1,64}$/.test(challenge)) return reject(400, 'Bad challenge', 'the handshake\'s hub.challenge is not plain digits');
	return { kind: 'respond', status: 200, body: challenge, contentType: 'text/plain' };
}

/** `sha256=` + hex HMAC-SHA256 of the exact body bytes with the App Secret, compared timing-safe. */
export function verifyMetaSignature(rawBody: Buffer, signatureHeader: string | undefined, appSecret: string): boolean {
	if (!signatureHeader || !appSecret) return false;
	const expected = `sha256=${hmacHex('sha256', appSecret, rawBody)}`;
	return safeEqual(signatureHeader.trim().toLowerCase(), expected);
}

type MetaValue = {
	metadata?: { display_phone_number?: string; phone_number_id?: string };
	contacts?: Array<{ profile?: { name?: string }; wa_id?: string }>;
	messages?: Array<Record<string, unknown>>;
	statuses?: Array<Record<string, unknown>>;
	errors?: Array<Record<string, unknown>>;
};

const plus = (digits: unknown) => (typeof digits === 'string' && digits ? (digits.startsWith('+') ? digits : `+${digits}`) : undefined);

function metaErrors(list: unknown): InboundEvent['errors'] {
	if (!Array.isArray(list) || list.length === 0) return undefined;
	return list.map((entry: Record<string, unknown>) =>
		compact({
			code: entry.code as number | undefined,
			title: entry.title as string | undefined,
			message: entry.message as string | undefined,
			details: (entry.error_data as { details?: string } | undefined)?.details,
		}),
	);
}

function metaMessage(message: Record<string, unknown>, value: MetaValue): InboundEvent {
	const type = String(message.type ?? 'unknown');
	const contacts = listOf<{ profile?: { name?: string }; wa_id?: string }>(value.contacts);
	const contact = contacts.find((candidate) => candidate.wa_id === message.from) ?? contacts[0];
	const context = message.context as { id?: string; from?: string } | undefined;
	const event: InboundEvent = {
		provider: 'meta',
		event: 'message',
		messageId: message.id as string | undefined,
		from: plus(message.from),
		to: plus(value.metadata?.display_phone_number),
		profileName: contact?.profile?.name,
		timestamp: isoFromUnixSeconds(message.timestamp),
		type,
		context: context?.id ? compact({ messageId: context.id, from: plus(context.from) }) : undefined,
		errors: metaErrors(message.errors),
		account: value.metadata?.phone_number_id,
		raw: message,
	};
	const content = message[type] as Record<string, unknown> | undefined;
	switch (type) {
		case 'text':
			event.text = (content?.body as string) ?? '';
			break;
		case 'image':
		case 'video':
		case 'audio':
		case 'document':
		case 'sticker':
			event.media = compact({
				id: content?.id as string | undefined,
				url: content?.url as string | undefined,
				mimeType: content?.mime_type as string | undefined,
				caption: content?.caption as string | undefined,
				filename: content?.filename as string | undefined,
				sha256: content?.sha256 as string | undefined,
			});
			event.text = content?.caption as string | undefined;
			break;
		case 'location':
			event.location = compact({
				latitude: content?.latitude as number | undefined,
				longitude: content?.longitude as number | undefined,
				name: content?.name as string | undefined,
				address: content?.address as string | undefined,
				url: content?.url as string | undefined,
			});
			break;
		case 'button':
			event.reply = compact({ id: content?.payload as string | undefined, title: content?.text as string | undefined });
			event.text = content?.text as string | undefined;
			break;
		case 'interactive': {
			const kind = String(content?.type ?? '');
			const reply = content?.[kind] as Record<string, unknown> | undefined;
			if (kind === 'nfm_reply') {
				event.reply = compact({ id: reply?.name as string | undefined, title: reply?.body as string | undefined });
				event.text = reply?.response_json as string | undefined;
			} else {
				event.reply = compact({
					id: reply?.id as string | undefined,
					title: reply?.title as string | undefined,
					description: reply?.description as string | undefined,
				});
				event.text = reply?.title as string | undefined;
			}
			event.type = kind || 'interactive';
			break;
		}
		case 'reaction':
			event.reaction = compact({ messageId: content?.message_id as string | undefined, emoji: content?.emoji as string | undefined });
			event.text = content?.emoji as string | undefined;
			break;
		case 'contacts': {
			const cards = listOf<{ name?: { formatted_name?: string } }>(message.contacts);
			event.text = cards.map((card) => card.name?.formatted_name).filter(Boolean).join(', ');
			break;
		}
		case 'order':
			event.text = (content?.text as string) || undefined;
			break;
		case 'system':
			event.text = content?.body as string | undefined;
			break;
		default:
			break;
	}
	return compact(event);
}

function metaStatus(status: Record<string, unknown>, value: MetaValue): InboundEvent {
	const errors = metaErrors(status.errors);
	return compact({
		provider: 'meta',
		// A failed delivery is an error for "Trigger On": workflows that alert on failures need it.
		event: status.status === 'failed' ? 'error' : 'status',
		messageId: status.id as string | undefined,
		from: plus(value.metadata?.display_phone_number),
		to: plus(status.recipient_id),
		timestamp: isoFromUnixSeconds(status.timestamp),
		type: 'status',
		status: status.status as string | undefined,
		errors,
		account: value.metadata?.phone_number_id,
		raw: status,
	}) as InboundEvent;
}

/**
 * Turns a webhook payload into events. A body that is not a WhatsApp Business Account webhook at all
 * is rejected with 400; inside one, an unknown field or a malformed entry costs only itself: it is
 * skipped and noted (`skipped`), and the rest of the signed batch goes through.
 */
export function normaliseMetaPayload(payload: unknown, skipped: InboundNote[] = []): ParseResult<InboundEvent[]> {
	const body = payload as { object?: unknown; entry?: unknown };
	if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, status: 400, message: 'Body is not a JSON object' };
	if (body.object !== 'whatsapp_business_account') {
		return { ok: false, status: 400, message: 'Unknown object: expected "whatsapp_business_account"' };
	}
	if (!Array.isArray(body.entry)) return { ok: false, status: 400, message: 'Missing "entry" array' };
	const events: InboundEvent[] = [];
	(body.entry as Array<{ id?: string; changes?: unknown } | null>).forEach((entry, entryIndex) => {
		if (!entry || typeof entry !== 'object' || !Array.isArray(entry.changes)) {
			skipped.push({ level: 'warn', message: `skipped entry ${entryIndex}: it has no "changes" list` });
			return;
		}
		(entry.changes as unknown[]).forEach((raw, changeIndex) => {
			const change = (raw && typeof raw === 'object' ? raw : {}) as { field?: unknown; value?: unknown };
			const field = typeof change.field === 'string' ? change.field : '';
			const where = `entry ${entryIndex}, change ${changeIndex}`;
			if (!change.value || typeof change.value !== 'object' || Array.isArray(change.value)) {
				skipped.push({ level: 'warn', message: `skipped ${where} (field "${field.slice(0, 60)}"): its value is not an object` });
				return;
			}
			const value = change.value as MetaValue;
			try {
				if (field === 'messages') {
					const found: InboundEvent[] = [];
					for (const message of listOf(value.messages)) found.push(metaMessage(message, value));
					for (const status of listOf(value.statuses)) found.push(metaStatus(status, value));
					if (listOf(value.errors).length > 0) {
						found.push(compact({ provider: 'meta', event: 'error', type: 'error', errors: metaErrors(value.errors), account: value.metadata?.phone_number_id, raw: value }) as InboundEvent);
					}
					events.push(...found);
				} else if (META_UPDATE_FIELDS.has(field)) {
					events.push(
						compact({
							provider: 'meta',
							event: 'update',
							type: field,
							account: value.metadata?.phone_number_id,
							businessAccount: value.metadata?.phone_number_id ? undefined : entry.id,
							timestamp: isoFromUnixSeconds((value as { timestamp?: unknown }).timestamp),
							raw: value,
						}) as InboundEvent,
					);
				} else {
					skipped.push({ level: 'info', message: `skipped ${where}: unknown field "${field.slice(0, 60)}" (not handled by this version of the node)` });
				}
			} catch (error) {
				skipped.push({ level: 'warn', message: `skipped ${where} (field "${field.slice(0, 60)}"): ${(error as Error).message}` });
			}
		});
	});
	return { ok: true, value: events };
}

/** Whether the event belongs to the numbers (and WhatsApp Business Account) this trigger takes. */
function takes(event: InboundEvent, credentials: MetaCredentials, scope: PhoneNumberScope): boolean {
	if (!event.account) {
		// Account-level updates: only of the connection's own WhatsApp Business Account. Without a WABA
		// ID there is no telling which business an update belongs to, so none is taken.
		return Boolean(event.businessAccount && credentials.wabaId && event.businessAccount === credentials.wabaId);
	}
	if (scope === 'all') return true;
	if (Array.isArray(scope)) return scope.includes(event.account);
	return event.account === credentials.phoneNumberId;
}

export function handleMetaInbound(request: InboundRequest, raw: ICredentialDataDecryptedObject, options: InboundOptions = {}): InboundResult {
	const credentials = metaCredentials(raw);
	if (request.method === 'GET') return metaHandshake(request, credentials.verifyToken);
	if (!credentials.appSecret) {
		return unauthorized('the Meta connection has no App Secret, so no request can be verified: add it to the connection');
	}
	const bytes = rawBytes(request);
	if (!verifyMetaSignature(bytes, header(request, 'x-hub-signature-256'), credentials.appSecret)) {
		return unauthorized('missing or invalid X-Hub-Signature-256 (check the App Secret)');
	}
	if (contentType(request) !== 'application/json') return reject(415, 'Expected application/json');
	const parsed = parseJsonBody(bytes);
	if (!parsed.ok) return reject(parsed.status, parsed.message);
	const notes: InboundNote[] = [];
	const events = normaliseMetaPayload(parsed.value, notes);
	if (!events.ok) return reject(events.status, events.message);
	// Several numbers (and workflows) can share one Meta app: keep only the numbers this trigger takes,
	// and account-level updates only of this connection's WhatsApp Business Account.
	const scope = options.phoneNumbers ?? 'connection';
	const mine: InboundEvent[] = [];
	const otherNumbers = new Map<string, number>();
	let otherAccounts = 0;
	for (const event of events.value) {
		if (takes(event, credentials, scope)) {
			mine.push(scope === 'connection' || !event.account ? event : { ...event, phoneNumberId: event.account });
		} else if (event.account) otherNumbers.set(event.account, (otherNumbers.get(event.account) ?? 0) + 1);
		else otherAccounts += 1;
	}
	if (otherNumbers.size > 0) {
		const count = [...otherNumbers.values()].reduce((sum, n) => sum + n, 0);
		notes.push({
			level: 'debug',
			message: `skipped ${count} event(s) for other phone numbers of the app (${[...otherNumbers].map(([id, n]) => `${id}: ${n}`).join(', ')}); set the Phone Numbers option to take them`,
		});
	}
	if (otherAccounts > 0) {
		notes.push({
			level: 'debug',
			message: credentials.wabaId
				? `skipped ${otherAccounts} account-level update(s) of another WhatsApp Business Account than the connection's`
				: `skipped ${otherAccounts} account-level update(s): the connection has no WhatsApp Business Account ID, so they cannot be told apart from other businesses' updates`,
		});
	}
	return { kind: 'events', events: mine, ack: { status: 200, body: 'OK', contentType: 'text/plain' }, authenticated: true, notes };
}

/**
 * Looks a media ID up on the Graph API, then downloads the file from the URL Meta answered with the
 * connection's token (Meta requires it there), under the trigger's safe-download rules.
 */
export async function downloadMetaMedia(
	transport: Transport,
	node: INode,
	raw: ICredentialDataDecryptedObject,
	mediaId: string,
	fetchMedia: MediaFetcher,
): Promise<{ data: Buffer; mimeType?: string; fileName?: string }> {
	const credentials = metaCredentials(raw);
	const secrets = metaCloud.secrets(raw);
	const lookup = await graphCall(transport, node, 0, { method: 'GET', url: graphUrl(credentials, encodeURIComponent(mediaId)), json: true }, secrets);
	const info = lookup.body as { url?: string; mime_type?: string };
	if (!info.url) throw inputError(node, undefined, `Meta returned no download URL for media ${mediaId}`);
	const file = await fetchMedia(info.url, { ownOrigin: originOf(credentials.baseUrl), credentialedOrigin: originOf(info.url) });
	return { data: file.data, mimeType: info.mime_type ?? file.mimeType };
}

/** The phone number's own webhook (override_callback_uri): what lets each number have its own workflow. */
export async function metaWebhookOverride(
	transport: Transport,
	node: INode,
	raw: ICredentialDataDecryptedObject,
	action: 'get' | 'set' | 'clear',
	callbackUrl = '',
): Promise<string | undefined> {
	const credentials = metaCredentials(raw);
	const secrets = metaCloud.secrets(raw);
	const url = graphUrl(credentials, encodeURIComponent(credentials.phoneNumberId));
	if (action === 'get') {
		const response = await graphCall(transport, node, 0, { method: 'GET', url, qs: { fields: 'webhook_configuration' }, json: true }, secrets);
		const configuration = (response.body as { webhook_configuration?: { phone_number?: string; override_callback_uri?: string } }).webhook_configuration;
		return configuration?.phone_number ?? configuration?.override_callback_uri;
	}
	await graphCall(
		transport,
		node,
		0,
		{
			method: 'POST',
			url,
			headers: { 'Content-Type': 'application/json' },
			body: {
				webhook_configuration:
					action === 'set' ? { override_callback_uri: callbackUrl, verify_token: credentials.verifyToken } : { override_callback_uri: '' },
			},
			json: true,
		},
		secrets,
	);
	return action === 'set' ? callbackUrl : undefined;
}
