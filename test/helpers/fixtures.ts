import type { IDataObject } from 'n8n-workflow';

import { DEFAULT_BODY_TEMPLATE } from '../../credentials/WhatsAppWebhookApi.credentials';
import { DEFAULT_ACCOUNTS, type Sandbox } from '../../sandbox';

export const TWILIO = 'twilioWhatsAppApi';
export const META = 'metaWhatsAppCloudApi';
export const WEBHOOK = 'whatsAppWebhookApi';

export const accounts = DEFAULT_ACCOUNTS;

/** Connections as a user would save them, pointing at the sandbox. */
export function connections(sb: Sandbox): Record<string, IDataObject> {
	return {
		[TWILIO]: {
			accountSid: accounts.twilio.accountSid,
			authToken: accounts.twilio.authToken,
			from: '+1 415 523 8886',
			baseUrl: sb.twilioBaseUrl,
		},
		[META]: {
			accessToken: accounts.meta.accessToken,
			phoneNumberId: accounts.meta.phoneNumberId,
			wabaId: accounts.meta.wabaId,
			appSecret: accounts.meta.appSecret,
			verifyToken: accounts.meta.verifyToken,
			baseUrl: sb.metaBaseUrl,
		},
		[WEBHOOK]: {
			url: `${sb.gatewayUrl}/send`,
			method: 'POST',
			headers: '{"X-Tenant": "acme-tenant-key"}',
			authToken: accounts.gateway.authToken!,
			bodyTemplate: DEFAULT_BODY_TEMPLATE,
			statusUrl: 'https://n8n.example.com/webhook/abc/whatsapp',
		},
	};
}

/** Every secret of the default connections: none may appear in an error, a log line or an output. */
export const SECRETS = [
	accounts.twilio.authToken,
	accounts.meta.accessToken,
	accounts.meta.appSecret,
	accounts.meta.verifyToken,
	accounts.gateway.authToken!,
	'acme-tenant-key',
	Buffer.from(`${accounts.twilio.accountSid}:${accounts.twilio.authToken}`).toString('base64'),
];

export function expectNoSecrets(value: unknown): void {
	const text = JSON.stringify(value, (_key, inner: unknown) => (inner instanceof Error ? { ...inner, message: inner.message, stack: inner.stack } : inner)) ?? "";
	for (const secret of SECRETS) expect(text).not.toContain(secret);
}
