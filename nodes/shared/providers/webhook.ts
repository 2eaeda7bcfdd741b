import type { ICredentialDataDecryptedObject, IHttpRequestMethods, IHttpRequestOptions, INode } from 'n8n-workflow';

import { parseBodyTemplate, renderBodyTemplate, TemplateError, type PlaceholderValues } from '../bodyTemplate';
import { inputError, providerApiError, toNodeError } from '../errors';
import type { OutboundMessage, SendResult } from '../message';
import { networkError, retryAfterMs } from '../transport';
import type { SendContext, WhatsAppProvider } from './types';

const PROVIDER = 'the webhook gateway';
const METHODS = new Set(['POST', 'PUT', 'PATCH']);

export interface WebhookCredentials {
	url: string;
	method: IHttpRequestMethods;
	authToken: string;
	bodyTemplate: string;
	statusUrl: string;
}

export function webhookCredentials(raw: ICredentialDataDecryptedObject): WebhookCredentials {
	const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
	const method = text(raw.method).toUpperCase() || 'POST';
	const template = raw.bodyTemplate;
	return {
		url: text(raw.url),
		method: method as IHttpRequestMethods,
		authToken: text(raw.authToken),
		bodyTemplate: typeof template === 'string' ? template : JSON.stringify(template ?? {}),
		statusUrl: text(raw.statusUrl),
	};
}

/** The values the body template can use, all derived from the provider-neutral message. */
export function placeholderValues(message: OutboundMessage, statusUrl: string): PlaceholderValues {
	const { options, ...rest } = message;
	const neutral: Record<string, unknown> = { ...rest };
	const values: PlaceholderValues = {
		to: message.to,
		messageType: message.type,
		replyTo: message.replyTo,
		statusUrl: options.statusCallbackUrl || statusUrl || undefined,
	};
	switch (message.type) {
		case 'text':
			values.text = message.text.body;
			break;
		case 'media': {
			const { binary, ...media } = message.media;
			values.mediaType = media.type;
			values.mediaUrl = media.url ?? media.id;
			values.caption = media.caption;
			values.text = media.caption;
			values.fileName = media.fileName ?? binary?.fileName;
			if (binary) {
				values.mediaBase64 = binary.data.toString('base64');
				values.mimeType = binary.mimeType;
				neutral.media = { ...media, fileName: values.fileName, mimeType: binary.mimeType, base64: values.mediaBase64 };
			}
			break;
		}
		case 'template':
			values.templateName = message.template.name;
			values.templateLanguage = message.template.language;
			values.templateVariables = message.template.variables ?? {};
			break;
		case 'interactive':
			values.text = message.interactive.body;
			break;
		case 'reaction':
			values.text = message.reaction.emoji;
			break;
		default:
			break;
	}
	values.message = neutral;
	return values;
}

export function buildWebhookRequest(
	node: INode,
	itemIndex: number,
	credentials: WebhookCredentials,
	message: OutboundMessage,
	connectionName: string,
): IHttpRequestOptions {
	let body: string;
	try {
		body = renderBodyTemplate(parseBodyTemplate(credentials.bodyTemplate), placeholderValues(message, credentials.statusUrl));
	} catch (error) {
		const failure =
			error instanceof TemplateError
				? inputError(node, itemIndex, `Webhook connection "${connectionName}": ${error.message}`, 'Fix the Body Template in the connection: it must be JSON, and placeholders must be among the listed names.')
				: toNodeError(node, error, itemIndex);
		throw failure;
	}
	return {
		method: credentials.method,
		url: credentials.url,
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body,
	};
}

function pick(body: unknown, paths: string[][]): unknown {
	for (const path of paths) {
		let current: unknown = body;
		for (const key of path) {
			current = current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
		}
		if (current !== undefined && current !== null && current !== '') return current;
	}
	return undefined;
}

export const webhook: WhatsAppProvider = {
	id: 'webhook',
	credentialType: 'whatsAppWebhookApi',
	label: 'Webhook Gateway',
	defaultRatePerSecond: 20,

	secrets: (raw) => {
		const secrets = [webhookCredentials(raw).authToken];
		// Header values are often API keys: treat them all as secrets.
		try {
			const headers = typeof raw.headers === 'string' ? (JSON.parse(raw.headers) as unknown) : raw.headers;
			if (headers && typeof headers === 'object') {
				for (const value of Object.values(headers)) secrets.push(String(value));
			}
		} catch {
			// An unparsable Headers field is reported by checkCredentials; nothing to add here.
			return secrets;
		}
		return secrets;
	},

	checkCredentials(node, raw) {
		const credentials = webhookCredentials(raw);
		if (!/^https?:\/\//i.test(credentials.url)) {
			throw inputError(node, undefined, "The webhook connection's URL is not valid", 'Enter the full http(s) URL of the gateway, e.g. https://gateway.example.com/send.');
		}
		if (!METHODS.has(credentials.method)) {
			throw inputError(node, undefined, `The webhook connection's Method must be POST, PUT or PATCH, not ${credentials.method}`);
		}
		if (raw.headers !== undefined && raw.headers !== '' && typeof raw.headers === 'string') {
			try {
				const headers = JSON.parse(raw.headers) as unknown;
				if (!headers || typeof headers !== 'object' || Array.isArray(headers)) throw new TemplateError('not an object');
			} catch {
				throw inputError(node, undefined, "The webhook connection's Headers are not a JSON object", 'Enter headers as {"Header-Name": "value"}.');
			}
		}
		try {
			parseBodyTemplate(credentials.bodyTemplate);
		} catch (error) {
			const failure =
				error instanceof TemplateError
					? inputError(node, undefined, `Webhook connection: ${error.message}`, 'Fix the Body Template in the connection.')
					: toNodeError(node, error, undefined);
			throw failure;
		}
	},

	async send(context: SendContext, message: OutboundMessage): Promise<SendResult> {
		const { node, itemIndex, credentials: raw } = context;
		const credentials = webhookCredentials(raw);
		const secrets = webhook.secrets(raw);
		const request = buildWebhookRequest(node, itemIndex, credentials, message, context.connectionName ?? 'webhook');
		const result = await context.transport(request);
		if (result.kind === 'network') throw networkError(node, itemIndex, PROVIDER, result, secrets);
		const { response } = result;
		if (response.statusCode < 200 || response.statusCode >= 300) {
			const code = pick(response.body, [['code'], ['error', 'code'], ['errorCode']]);
			const text = pick(response.body, [['message'], ['error', 'message'], ['error']]);
			const status = response.statusCode;
			throw providerApiError(
				node,
				itemIndex,
				{
					provider: 'webhook',
					message: `The webhook gateway answered HTTP ${status}${code !== undefined ? ` (code ${String(code)})` : ''}: ${typeof text === 'string' ? text : typeof response.body === 'string' ? response.body.slice(0, 200) : 'no message'}`,
					description:
						status === 401 || status === 403
							? "The gateway refused the credentials: check the connection's Auth Token and Headers."
							: status === 404 || status === 405
								? "Check the connection's URL and Method."
								: status >= 500 || status === 429
									? 'The gateway had a temporary problem or is throttling; try again later.'
									: 'Check the Body Template matches what the gateway expects.',
					httpCode: status,
					providerCode: typeof code === 'string' || typeof code === 'number' ? code : undefined,
					retryable: status === 429 || status === 502 || status === 503 || status === 504,
					retryAfterMs: retryAfterMs(response.headers),
				},
				secrets,
			);
		}
		const messageId = pick(response.body, [['messageId'], ['message_id'], ['id'], ['sid'], ['messages', '0', 'id'], ['data', 'id']]);
		const status = pick(response.body, [['status'], ['message_status'], ['messages', '0', 'message_status']]);
		return {
			provider: 'webhook',
			messageId: messageId === undefined ? '' : String(messageId),
			to: message.to,
			status: typeof status === 'string' ? status : 'accepted',
			raw: response.body,
		};
	},
};
