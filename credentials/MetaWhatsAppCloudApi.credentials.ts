import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_VERSION } from '../nodes/shared/defaults';
import { pacingProperties } from '../nodes/shared/pacingFields';

/**
 * One phone number of a WhatsApp Business Account on Meta's Cloud API.
 * n8n injects `Authorization: Bearer <Access Token>` into every request made with it.
 */
export class MetaWhatsAppCloudApi implements ICredentialType {
	name = 'metaWhatsAppCloudApi';

	displayName = 'Meta WhatsApp Cloud (WhatsApp Providers) API';

	icon: Icon = { light: 'file:../icons/meta.svg', dark: 'file:../icons/meta.dark.svg' };

	documentationUrl = 'https://developers.facebook.com/docs/whatsapp/cloud-api/get-started';

	properties: INodeProperties[] = [
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'A System User access token with whatsapp_business_messaging and whatsapp_business_management permissions (Meta Business Settings → Users → System users → Generate new token). Temporary tokens from the App Dashboard expire after 24 hours.',
		},
		{
			displayName: 'Phone Number ID',
			name: 'phoneNumberId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 106540352242922',
			description:
				'App Dashboard → WhatsApp → API Setup → Phone number ID (not the phone number itself)',
		},
		{
			displayName: 'WhatsApp Business Account ID',
			name: 'wabaId',
			type: 'string',
			default: '',
			placeholder: 'e.g. 102290129340398',
			description: 'App Dashboard → WhatsApp → API Setup → WhatsApp Business Account ID',
		},
		{
			displayName: 'App Secret',
			name: 'appSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Verifies the X-Hub-Signature-256 of inbound webhooks. App Dashboard → App settings → Basic → App secret. Required by the WhatsApp trigger.',
		},
		{
			displayName: 'Verify Token',
			name: 'verifyToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Any secret string you choose; enter the same value as the Verify token when you configure the webhook in the App Dashboard (WhatsApp → Configuration). Required by the WhatsApp trigger.',
		},
		{
			displayName: 'Graph API Version',
			name: 'graphApiVersion',
			type: 'string',
			default: DEFAULT_GRAPH_VERSION,
			placeholder: `e.g. ${DEFAULT_GRAPH_VERSION}`,
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: DEFAULT_GRAPH_BASE_URL,
			description: 'Advanced: change only for a proxy or a local test server',
		},
		...pacingProperties(80),
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{($credentials.baseUrl || "${DEFAULT_GRAPH_BASE_URL}").replace(/\\/+$/, "")}}/{{$credentials.graphApiVersion || "${DEFAULT_GRAPH_VERSION}"}}`,
			url: '=/{{$credentials.phoneNumberId}}',
			method: 'GET',
			qs: { fields: 'display_phone_number,verified_name' },
		},
	};
}
