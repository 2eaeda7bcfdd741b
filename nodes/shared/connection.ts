import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';

import { PROVIDERS } from './providers';

/**
 * The Provider dropdown shared by both nodes. Its option values are the credential type names,
 * so the selected value goes straight to n8n's authenticated request and keys the provider registry.
 */
export const providerProperty: INodeProperties = {
	displayName: 'Provider',
	name: 'authentication',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Twilio',
			value: 'twilioWhatsAppApi',
			description: 'A Twilio account with a WhatsApp sender',
		},
		{
			name: 'Meta WhatsApp Cloud API',
			value: 'metaWhatsAppCloudApi',
			description: "Meta's WhatsApp Business Platform, directly",
		},
		{
			name: 'Webhook Gateway',
			value: 'whatsAppWebhookApi',
			description: 'Any gateway that accepts an HTTP call',
		},
	],
	default: 'metaWhatsAppCloudApi',
};

/**
 * One credential entry per provider, each shown only for its option. The node files write these
 * entries out (n8n's lint rules read them there) and add the gateway's `testedBy`; a test checks
 * that they match this list.
 */
export const providerCredentials: INodeCredentialDescription[] = PROVIDERS.map((provider) => ({
	name: provider.credentialType,
	required: true,
	displayOptions: { show: { authentication: [provider.credentialType] } },
}));

export const TWILIO = 'twilioWhatsAppApi';
export const META = 'metaWhatsAppCloudApi';
export const WEBHOOK = 'whatsAppWebhookApi';
