import type { INodeProperties } from 'n8n-workflow';

import { META, TWILIO, WEBHOOK } from '../shared/connection';
import { GATEWAY_FIELDS } from '../shared/providers/gateway/inbound';

const forProvider = (...authentication: string[]) => ({ show: { authentication } });

export const triggerProperties: INodeProperties[] = [
	{
		displayName:
			'In Twilio Console → Messaging → Senders → WhatsApp senders (or your Messaging Service), set "When a message comes in" and the status callback URL to this node\'s Production URL (HTTP POST). Every request is checked against the Auth Token of the connection.',
		name: 'twilioNotice',
		type: 'notice',
		default: '',
		displayOptions: forProvider(TWILIO),
	},
	{
		displayName:
			'In the Meta App Dashboard → WhatsApp → Configuration, set the Callback URL to this node\'s Production URL and the Verify token to the connection\'s Verify Token, and subscribe to "messages". Or turn on "Register Webhook on Activation" to give this phone number its own URL, so other numbers of the same app can use other workflows.',
		name: 'metaNotice',
		type: 'notice',
		default: '',
		displayOptions: forProvider(META),
	},
	{
		displayName:
			"Have your gateway POST inbound messages and delivery statuses to this node's Production URL as JSON, with the connection's Auth Token as a Bearer token, or signed with the connection's Signature Secret (see Options). Set the connection's Status URL to the same URL.",
		name: 'webhookNotice',
		type: 'notice',
		default: '',
		displayOptions: forProvider(WEBHOOK),
	},
	{
		displayName: 'Trigger On',
		name: 'triggerOn',
		type: 'multiOptions',
		required: true,
		options: [
			{
				name: 'Account and Group Updates',
				value: 'update',
				description:
					"Meta: template status, account and group changes. Account-level updates are taken only for the connection's WhatsApp Business Account ID; without one they are refused, since one app can serve several businesses.",
			},
			{
				name: 'Delivery Statuses',
				value: 'status',
				description:
					'Every status of messages you sent: sent, delivered, read, and failed (Twilio: failed, undelivered). A failed one comes as event "error" with the provider\'s code and text in errors.',
			},
			{
				name: 'Errors',
				value: 'error',
				description: 'Failed deliveries (as under Delivery Statuses), and errors the provider reports that belong to no message',
			},
			{
				name: 'Messages',
				value: 'message',
				description: 'Messages customers send you',
			},
		],
		default: ['message'],
		description:
			'Statuses are off by default: each message you send produces up to three of them, and they would re-run a workflow meant for messages',
	},
	{
		displayName: 'Register Webhook on Activation',
		name: 'registerWebhook',
		type: 'boolean',
		default: false,
		description:
			"Whether to set this trigger's URL as the phone number's own webhook (override_callback_uri) when the workflow is activated, and remove it when deactivated",
		displayOptions: forProvider(META),
	},
	{
		displayName: 'Options',
		name: 'triggerOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Allow Unauthenticated Requests',
				name: 'allowUnauthenticated',
				type: 'boolean',
				default: false,
				description:
					'Whether to accept gateway requests when the connection has no Auth Token and no Signature Secret. Anyone who knows the URL could then start the workflow.',
				displayOptions: { show: { '/authentication': [WEBHOOK] } },
			},
			{
				displayName: 'Allowed Media Hosts',
				name: 'allowedMediaHosts',
				type: 'string',
				default: '',
				placeholder: 'e.g. media.gateway.internal, 10.0.0.5:8080, *.cdn.example.com',
				description:
					"Hosts (or host:port) media may be downloaded from although they resolve to a loopback, private or link-local address, separated by commas. The connection's own URL is always allowed; other hosts never get its credentials or headers.",
			},
			{
				displayName: 'Download Media',
				name: 'downloadMedia',
				type: 'boolean',
				default: false,
				description: 'Whether to download the media of inbound messages into the binary field "data"',
			},
			{
				displayName: 'Events Path',
				name: 'eventsPath',
				type: 'string',
				default: '',
				placeholder: 'e.g. data.events',
				description: 'Where the gateway puts a list of events; leave empty when the body is one event or an array',
				displayOptions: { show: { '/authentication': [WEBHOOK] } },
			},
			{
				displayName: 'Field Paths',
				name: 'fieldPaths',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				placeholder: 'Add Field Path',
				description: "Where each field of the item is in the gateway's payload (dot paths such as message.text); by default the field's own name",
				displayOptions: { show: { '/authentication': [WEBHOOK] } },
				options: [
					{
						name: 'path',
						displayName: 'Path',
						values: [
							{
								displayName: 'Field',
								name: 'field',
								type: 'options',
								options: GATEWAY_FIELDS.map((field) => ({ name: field, value: field })),
								default: 'text',
							},
							{
								displayName: 'Path',
								name: 'path',
								type: 'string',
								default: '',
								placeholder: 'e.g. message.body',
							},
						],
					},
				],
			},
			{
				displayName: 'Max Body Size (KB)',
				name: 'maxBodyKb',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 5120,
				description: 'Larger requests are refused with 413',
			},
			{
				displayName: 'Max Media Size (MB)',
				name: 'maxMediaMb',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 1 },
				default: 0,
				description:
					"The largest file downloaded; larger ones are stopped and the item says why. 0: WhatsApp's own maximum for the media type (image 5, audio and video 16, sticker 0.5, document 100).",
			},
			{
				displayName: 'Media Download Time Limit (Seconds)',
				name: 'mediaTimeLimit',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 60 },
				default: 8,
				description:
					'How long media downloads may delay the answer to the provider, which gives up on webhooks not answered within about 15 s. Media not downloaded in time keeps its ID and URL on the item.',
			},
			{
				displayName: 'Phone Number IDs',
				name: 'phoneNumberIds',
				type: 'string',
				default: '',
				placeholder: 'e.g. 106540352242922, 107655329012345',
				description: 'The Phone Number IDs this trigger takes, separated by commas',
				displayOptions: { show: { '/authentication': [META], phoneNumbers: ['list'] } },
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
				displayOptions: { show: { '/authentication': [META] } },
			},
			{
				displayName: 'Repeated Deliveries',
				name: 'repeatedDeliveries',
				type: 'options',
				options: [
					{
						name: 'Ignore',
						value: 'ignore',
						description: 'A message or status delivered again (same provider, message ID and status) within the window starts no second run; the provider gets its usual answer',
					},
					{ name: 'Run Again', value: 'run', description: 'Every delivery starts a run, repeated ones too' },
				],
				default: 'ignore',
				description:
					'Providers send a webhook again when it was not answered in time. Remembered in this n8n process only: separate webhook processes (n8n webhook) do not share it.',
			},
			{
				displayName: 'Repeated Delivery Window (Minutes)',
				name: 'repeatWindowMinutes',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 10080 },
				default: 60,
				description:
					'With Repeated Deliveries on Ignore (the default): how long a delivery is remembered (the memory also keeps at most the latest 20,000 deliveries)',
			},
			{
				displayName: 'Signature Header',
				name: 'signatureHeader',
				type: 'string',
				default: 'X-Signature-256',
				description: 'The header carrying the hex HMAC-SHA256 of the raw body (an optional "sha256=" prefix is accepted)',
				displayOptions: { show: { '/authentication': [WEBHOOK] } },
			},
			{
				displayName: 'Signature Scheme',
				name: 'signatureScheme',
				type: 'options',
				options: [
					{ name: 'Body', value: 'body', description: 'HMAC-SHA256 of the raw body' },
					{
						name: 'Timestamp and Body',
						value: 'timestamped',
						description: 'HMAC-SHA256 of "&lt;timestamp&gt;.&lt;raw body&gt;", the Unix-seconds timestamp in its own header; requests outside the tolerance are refused (no replays)',
					},
				],
				default: 'body',
				description: "How the gateway signs with the connection's Signature Secret",
				displayOptions: { show: { '/authentication': [WEBHOOK] } },
			},
			{
				// Kept for workflows saved before 1.2 (it is stored in the workflow): new nodes use the connection's Signature Secret.
				displayName: 'Signature Secret',
				name: 'signatureSecret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description:
					"Deprecated: move it to the connection's Signature Secret (a secret here is stored in the workflow). Used only when the connection has none.",
				displayOptions: { show: { '/authentication': [WEBHOOK], '@version': [1, 1.1] } },
			},
			{
				displayName: 'Timestamp Header',
				name: 'timestampHeader',
				type: 'string',
				default: 'X-Signature-Timestamp',
				description: 'The header carrying the Unix-seconds timestamp the signature covers',
				displayOptions: { show: { '/authentication': [WEBHOOK], signatureScheme: ['timestamped'] } },
			},
			{
				displayName: 'Timestamp Tolerance (Seconds)',
				name: 'timestampTolerance',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 300,
				description: 'How far the timestamp may be from n8n\'s clock; older (replayed) or future requests are refused with 401',
				displayOptions: { show: { '/authentication': [WEBHOOK], signatureScheme: ['timestamped'] } },
			},
		],
	},
];
