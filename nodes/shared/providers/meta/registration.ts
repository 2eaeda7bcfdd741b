import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';

import type { Transport } from '../../transport';
import { graphCall, graphUrl, metaCredentials, metaSecrets } from './connection';
import type { WhatsAppProvider } from '../types';

/** The phone number's own webhook (override_callback_uri): what lets each number have its own workflow. */
export async function metaWebhookOverride(
	transport: Transport,
	node: INode,
	stored: ICredentialDataDecryptedObject,
	action: 'get' | 'set' | 'clear',
	callbackUrl = '',
): Promise<string | undefined> {
	const credentials = metaCredentials(stored);
	const secrets = metaSecrets(stored);
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

/** Points the phone number at the trigger's URL on activation (its override), and back on deactivation. */
export const metaWebhookRegistration: NonNullable<WhatsAppProvider['webhookRegistration']> = {
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
};
