import type { IHttpRequestOptions, INode } from 'n8n-workflow';

import { parseBodyTemplate, renderBodyTemplate, type PlaceholderValues } from '../../bodyTemplate';
import { inputError } from '../../errors';
import type { OutboundMessage, SendResult } from '../../message';
import { networkError } from '../../transport';
import { firstValueAt } from '../../values';
import { bodyTemplateFailure, gatewayCredentials, gatewaySecrets, PROVIDER, type GatewayCredentials } from './connection';
import { gatewayError } from './errors';
import type { SendContext } from '../types';

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

export function buildGatewayRequest(
	node: INode,
	itemIndex: number,
	credentials: GatewayCredentials,
	message: OutboundMessage,
	connectionName: string,
): IHttpRequestOptions {
	let body: string;
	try {
		body = renderBodyTemplate(parseBodyTemplate(credentials.bodyTemplate), placeholderValues(message, credentials.statusUrl));
	} catch (error) {
		throw bodyTemplateFailure(node, itemIndex, error, connectionName);
	}
	return {
		method: credentials.method,
		url: credentials.url,
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body,
	};
}

/** Renders the Body Template for the message, sends it to the gateway and reads its answer. */
export async function sendGateway(context: SendContext, message: OutboundMessage): Promise<SendResult> {
	const { node, itemIndex, credentials: stored } = context;
	const credentials = gatewayCredentials(stored);
	const secrets = gatewaySecrets(stored);
	if (message.type === 'markRead') {
		throw inputError(node, itemIndex, `Mark as Read is not available on a webhook gateway connection (item ${itemIndex})`, 'Read receipts need the Meta Cloud API connection; nothing was sent.');
	}
	const request = buildGatewayRequest(node, itemIndex, credentials, message, context.connectionName ?? 'webhook');
	const result = await context.transport(request);
	if (result.kind === 'network') throw networkError(node, itemIndex, PROVIDER, result, secrets);
	const { response } = result;
	if (response.statusCode < 200 || response.statusCode >= 300) {
		throw gatewayError(node, itemIndex, response, secrets);
	}
	const messageId = firstValueAt(response.body, ['messageId', 'message_id', 'id', 'sid', 'messages[0].id', 'data.id']);
	const status = firstValueAt(response.body, ['status', 'message_status', 'messages[0].message_status']);
	return {
		provider: 'webhook',
		messageId: messageId === undefined ? '' : String(messageId),
		to: message.to,
		status: typeof status === 'string' ? status : 'accepted',
		raw: response.body,
	};
}
