import type { IDataObject } from 'n8n-workflow';

import type { ProviderNodeSurface } from '../types';
import { META_LIMITS } from './check';
import type { PhoneNumberScope } from './inbound';

/** What Meta brings to the nodes: every message type, its template and send options, the trigger's number scope. */
export const metaNodeSurface: ProviderNodeSurface = {
	name: 'Meta WhatsApp Cloud API',
	description: "Meta's WhatsApp Business Platform, directly",
	operations: ['send', 'sendAndWait', 'markAsRead', 'uploadMedia', 'downloadMedia', 'deleteMedia'],
	messageTypes: ['text', 'media', 'template', 'buttons', 'list', 'location', 'contacts', 'reaction'],
	recipients: ['phone', 'bsuid'],
	sendFields: [
		'templateName',
		'templateLanguage',
		'templateHeader',
		'headerText',
		'headerMediaSource',
		'headerMedia',
		'headerFileName',
		'headerLocation',
		'bodyParameters',
		'templateButtons',
	],
	sendOptions: ['previewUrl', 'recipientType', 'replyTo', 'trackingData'],
	limits: { text: META_LIMITS.text, caption: META_LIMITS.caption },
	triggerFields: [
		{
			displayName:
				'In the Meta App Dashboard → WhatsApp → Configuration, set the Callback URL to this node\'s Production URL and the Verify token to the connection\'s Verify Token, and subscribe to "messages". Or turn on "Register Webhook on Activation" to give this phone number its own URL, so other numbers of the same app can use other workflows.',
			name: 'metaNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Register Webhook on Activation',
			name: 'registerWebhook',
			type: 'boolean',
			default: false,
			description:
				"Whether to set this trigger's URL as the phone number's own webhook (override_callback_uri) when the workflow is activated, and remove it when deactivated",
		},
	],
	triggerOptions: [
		{
			displayName: 'Phone Number IDs',
			name: 'phoneNumberIds',
			type: 'string',
			default: '',
			placeholder: 'e.g. 106540352242922, 107655329012345',
			description: 'The Phone Number IDs this trigger takes, separated by commas',
			displayOptions: { show: { phoneNumbers: ['list'] } },
		},
		{
			displayName: 'Phone Numbers',
			name: 'phoneNumbers',
			type: 'options',
			options: [
				{ name: "The Connection's Number", value: 'connection', description: "Only events of the connection's Phone Number ID" },
				{ name: 'All Numbers of the App', value: 'all', description: 'Events of every number the app receives' },
				{ name: 'Listed Numbers', value: 'list', description: 'Events of the Phone Number IDs listed below' },
			],
			default: 'connection',
			description:
				'Which phone numbers of the Meta app this trigger takes events for. With more than the connection\'s own, each item says which number it came to (phoneNumberId). Events of other numbers are acknowledged and logged at debug level.',
		},
	],
};

/** The trigger's Phone Numbers option as the numbers it takes. */
export function phoneNumberScope(options: IDataObject): PhoneNumberScope {
	if (options.phoneNumbers === 'all') return 'all';
	if (options.phoneNumbers === 'list') {
		const ids = String(options.phoneNumberIds ?? '')
			.split(/[\s,;]+/)
			.map((id) => id.trim())
			.filter(Boolean);
		// An empty list would take nothing at all: keep the connection's own number then.
		return ids.length > 0 ? ids : 'connection';
	}
	return 'connection';
}
