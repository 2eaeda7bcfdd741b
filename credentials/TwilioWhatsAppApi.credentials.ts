import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { DEFAULT_TWILIO_BASE_URL, DEFAULT_TWILIO_CONTENT_BASE_URL } from '../nodes/shared/defaults';
import { pacingProperties } from '../nodes/shared/pacingFields';

/**
 * A Twilio account (or subaccount) with a WhatsApp-enabled sender.
 * n8n injects HTTP Basic auth (Account SID : Auth Token) into every request made with it.
 */
export class TwilioWhatsAppApi implements ICredentialType {
	name = 'twilioWhatsAppApi';

	displayName = 'Twilio (WhatsApp Providers) API';

	icon: Icon = { light: 'file:../icons/twilio.svg', dark: 'file:../icons/twilio.dark.svg' };

	documentationUrl = 'https://www.twilio.com/docs/whatsapp/api';

	properties: INodeProperties[] = [
		{
			displayName: 'Account SID',
			name: 'accountSid',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
			description:
				'Starts with AC followed by 32 hexadecimal characters. Twilio Console → Account Dashboard → Account Info.',
		},
		{
			displayName: 'Auth Token',
			name: 'authToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Twilio Console → Account Dashboard → Account Info → Auth Token',
		},
		{
			displayName: 'From Number',
			name: 'from',
			type: 'string',
			default: '',
			placeholder: 'e.g. +14155238886',
			description:
				'Your WhatsApp-enabled Twilio number in E.164 format (Twilio Console → Messaging → Senders → WhatsApp senders). Not needed when a Messaging Service SID is set.',
		},
		{
			displayName: 'Messaging Service SID',
			name: 'messagingServiceSid',
			type: 'string',
			default: '',
			placeholder: 'e.g. MGxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
			description:
				'Optional. When set, messages are sent through this Messaging Service instead of the From Number (Twilio Console → Messaging → Services).',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: DEFAULT_TWILIO_BASE_URL,
			description:
				'Advanced: change only for a Twilio regional edge, a proxy, or a local test server',
		},
		{
			displayName: 'Content API Base URL',
			name: 'contentBaseUrl',
			type: 'string',
			default: DEFAULT_TWILIO_CONTENT_BASE_URL,
			description:
				"Advanced: where Send WhatsApp's template picker lists the account's content templates (the Content API has its own host). Change only for a proxy or a local test server.",
		},
		...pacingProperties(10),
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			auth: {
				username: '={{$credentials.accountSid}}',
				password: '={{$credentials.authToken}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{($credentials.baseUrl || "${DEFAULT_TWILIO_BASE_URL}").replace(/\\/+$/, "")}}`,
			url: '=/2010-04-01/Accounts/{{$credentials.accountSid}}.json',
			method: 'GET',
		},
	};
}
