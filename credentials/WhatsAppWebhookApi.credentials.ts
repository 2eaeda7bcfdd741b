import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { parseBodyTemplate } from '../nodes/shared/bodyTemplate';
import { headerRecord } from '../nodes/shared/values';
import { pacingProperties } from '../nodes/shared/pacingFields';

export const DEFAULT_BODY_TEMPLATE = `{
  "to": "{{to}}",
  "type": "{{messageType}}",
  "text": "{{text}}",
  "message": {{message}},
  "statusUrl": "{{statusUrl}}"
}`;

/**
 * Any WhatsApp gateway that accepts an outbound HTTP call. n8n applies the headers and,
 * when an Auth Token is set, `Authorization: Bearer <token>` to every request made with it.
 */
export class WhatsAppWebhookApi implements ICredentialType {
	name = 'whatsAppWebhookApi';

	displayName = 'WhatsApp Webhook Gateway (WhatsApp Providers) API';

	icon: Icon = { light: 'file:../icons/webhook.svg', dark: 'file:../icons/webhook.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-whatsapp-providers/n8n-nodes-whatsapp-providers#webhook-gateway';

	properties: INodeProperties[] = [
		{
			displayName: 'URL',
			name: 'url',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. https://gateway.example.com/whatsapp/send',
			description: "The gateway's send endpoint",
		},
		{
			displayName: 'Method',
			name: 'method',
			type: 'options',
			options: [
				{ name: 'POST', value: 'POST' },
				{ name: 'PUT', value: 'PUT' },
				{ name: 'PATCH', value: 'PATCH' },
			],
			default: 'POST',
		},
		// A password field: n8n never hands the values back to the editor (they are often API keys).
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password -- header values are secrets (X-Api-Key…)
		{
			displayName: 'Headers',
			name: 'headers',
			type: 'string',
			typeOptions: { password: true },
			default: '{}',
			placeholder: 'e.g. {"X-Api-Key": "…"}',
			description:
				'Extra headers sent with every request, as a JSON object of header names and values. Sent only to the gateway\'s own origin, never across a redirect.',
		},
		{
			displayName: 'Auth Token',
			name: 'authToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Optional. Sent as "Authorization: Bearer &lt;token&gt;"; the WhatsApp trigger also requires it on inbound calls from the gateway.',
		},
		{
			displayName: 'Signature Secret',
			name: 'signatureSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				"Optional. The HMAC-SHA256 secret the gateway signs its requests to the WhatsApp trigger with; when set, every such request must carry a valid signature (header and scheme: the trigger's options)",
		},
		{
			displayName: 'Body Template',
			name: 'bodyTemplate',
			type: 'json',
			default: DEFAULT_BODY_TEMPLATE,
			description:
				'JSON body sent to the gateway. Placeholders: {{to}}, {{messageType}}, {{text}}, {{mediaUrl}}, {{mediaType}}, {{mediaBase64}}, {{mimeType}}, {{fileName}}, {{caption}}, {{templateName}}, {{templateLanguage}}, {{templateVariables}}, {{replyTo}}, {{statusUrl}}, {{message}}. A placeholder that is a whole JSON value (e.g. {{message}}) inserts an object; inside a string it inserts text. Values are always escaped.',
		},
		{
			displayName: 'Status URL',
			name: 'statusUrl',
			type: 'string',
			default: '',
			placeholder: 'e.g. https://n8n.example.com/webhook/…/whatsapp',
			description:
				"Optional. Where the gateway should post delivery statuses (usually the WhatsApp trigger's production URL); available as {{statusUrl}}.",
		},
		...pacingProperties(20),
	];

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		// Only the connection test sends HEAD: it also checks what a send would need first.
		if (requestOptions.method === 'HEAD') checkForConnectionTest(credentials);
		const headers: Record<string, string> = {
			...(headerRecord(credentials.headers) ?? {}),
			...((requestOptions.headers as Record<string, string> | undefined) ?? {}),
		};
		const token = typeof credentials.authToken === 'string' ? credentials.authToken : '';
		if (token) headers.Authorization = `Bearer ${token}`;
		return { ...requestOptions, headers };
	}

	// A gateway has no standard "who am I" endpoint: HEAD asks for nothing to be sent and still proves
	// that the URL answers and accepts the credentials. Before it goes out, authenticate() checks the
	// Body Template and the Headers, so a connection that could not send fails its test.
	test: ICredentialTestRequest = {
		request: {
			url: '={{$credentials.url}}',
			method: 'HEAD',
		},
	};
}

/**
 * The connection's Test button: the Body Template must be JSON with known placeholders and the
 * Headers a JSON object. The error's message is what n8n shows next to the Test button.
 */
export function checkForConnectionTest(credentials: ICredentialDataDecryptedObject): void {
	const template = typeof credentials.bodyTemplate === 'string' && credentials.bodyTemplate.trim() ? credentials.bodyTemplate : DEFAULT_BODY_TEMPLATE;
	try {
		parseBodyTemplate(template);
	} catch (error) {
		throw new Error(`This connection could not send: ${(error as Error).message}. Fix the Body Template (its description lists the placeholders).`);
	}
	if (!headerRecord(credentials.headers)) {
		throw new Error('This connection could not send: the Headers are not a JSON object. Enter headers as {"Header-Name": "value"}.');
	}
}
