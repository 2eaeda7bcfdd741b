import type { INodeProperties } from 'n8n-workflow';

import { META, TWILIO, WEBHOOK } from '../shared/connection';
import { META_LIMITS } from '../shared/providers/metaCloud';
import { TWILIO_LIMITS } from '../shared/providers/twilio';

const send = { operation: ['send'] };
const ofType = (...messageType: string[]) => ({ operation: ['send'], messageType });

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: [
		{ name: 'Send', value: 'send', action: 'Send message', description: 'Send a WhatsApp message' },
		{
			name: 'Mark as Read',
			value: 'markAsRead',
			action: 'Mark message as read',
			description: 'Show blue ticks on a received message (Meta Cloud API)',
		},
	],
	default: 'send',
};

const recipient: INodeProperties = {
	displayName: 'Recipient Phone Number',
	name: 'to',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. +14155550123',
	description:
		"The customer's number in international format. Spaces, dashes, dots, brackets and a whatsapp: prefix are accepted.",
	displayOptions: { show: send },
};

const messageType: INodeProperties = {
	displayName: 'Message Type',
	name: 'messageType',
	type: 'options',
	noDataExpression: true,
	options: [
		{ name: 'Contacts', value: 'contacts', description: 'Contact cards (Meta, webhook gateway)' },
		{ name: 'Interactive Buttons', value: 'buttons', description: 'Up to 3 reply buttons (Meta, webhook gateway)' },
		{ name: 'Interactive List', value: 'list', description: 'A menu of up to 10 rows (Meta, webhook gateway)' },
		{ name: 'Location', value: 'location' },
		{ name: 'Media', value: 'media', description: 'Image, video, audio, document or sticker' },
		{ name: 'Reaction', value: 'reaction', description: 'An emoji on a received message (Meta, webhook gateway)' },
		{ name: 'Template', value: 'template', description: 'An approved template: required outside the 24-hour window' },
		{ name: 'Text', value: 'text' },
	],
	default: 'text',
	displayOptions: { show: send },
};

const text: INodeProperties[] = [
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		// The limits come from the provider modules, where every item is checked before sending.
		description: `Up to ${META_LIMITS.text} characters on Meta Cloud API, ${TWILIO_LIMITS.body} on Twilio; a webhook gateway sets its own limit. Every item is checked before the first message goes out.`,
		displayOptions: { show: ofType('text') },
	},
];

const media: INodeProperties[] = [
	{
		displayName: 'Media Type',
		name: 'mediaType',
		type: 'options',
		options: [
			{ name: 'Audio', value: 'audio' },
			{ name: 'Document', value: 'document' },
			{ name: 'Image', value: 'image' },
			{ name: 'Sticker', value: 'sticker' },
			{ name: 'Video', value: 'video' },
		],
		default: 'image',
		displayOptions: { show: ofType('media') },
	},
	{
		displayName: 'Media Source',
		name: 'mediaSource',
		type: 'options',
		options: [
			{ name: 'URL', value: 'url', description: 'A public https URL the provider downloads' },
			{
				name: 'Binary File',
				value: 'binary',
				description: 'A file from the input item (Meta uploads it first; not possible with Twilio)',
			},
			{ name: 'Media ID', value: 'id', description: 'A media ID uploaded to Meta before' },
		],
		default: 'url',
		displayOptions: { show: ofType('media') },
	},
	{
		displayName: 'Media URL',
		name: 'mediaUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. https://example.com/invoice.pdf',
		displayOptions: { show: { ...ofType('media'), mediaSource: ['url'] } },
	},
	{
		displayName: 'Media ID',
		name: 'mediaId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { ...ofType('media'), mediaSource: ['id'] } },
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		hint: 'The name of the input binary field containing the file to be sent',
		displayOptions: { show: { ...ofType('media'), mediaSource: ['binary'] } },
	},
	{
		displayName: 'Caption',
		name: 'caption',
		type: 'string',
		default: '',
		description: `Shown under images, videos and documents; up to ${META_LIMITS.caption} characters on Meta Cloud API, ${TWILIO_LIMITS.body} on Twilio`,
		displayOptions: { show: { ...ofType('media'), mediaType: ['image', 'video', 'document'] } },
	},
	{
		displayName: 'File Name',
		name: 'fileName',
		type: 'string',
		default: '',
		placeholder: 'e.g. invoice.pdf',
		description: 'The document name the customer sees',
		displayOptions: { show: { ...ofType('media'), mediaType: ['document'] } },
	},
];

const template: INodeProperties[] = [
	{
		displayName: 'Content SID',
		name: 'contentSid',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. HXb5b62575e6e4ff6129ad7c8efe1f983e',
		description: 'Twilio Console → Messaging → Content Template Builder',
		displayOptions: { show: { ...ofType('template'), authentication: [TWILIO] } },
	},
	{
		displayName: 'Template Name',
		name: 'templateName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. order_confirmation',
		description: 'The name of an approved template (WhatsApp Manager → Message templates)',
		displayOptions: { show: { ...ofType('template'), authentication: [META, WEBHOOK] } },
	},
	{
		displayName: 'Language Code',
		name: 'templateLanguage',
		type: 'string',
		default: 'en_US',
		placeholder: 'e.g. en_US',
		description: 'The language the template was approved in',
		displayOptions: { show: { ...ofType('template'), authentication: [META, WEBHOOK] } },
	},
	{
		displayName: 'Variables',
		name: 'templateVariables',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Variable',
		description: 'Values for the template placeholders, e.g. name "1" for {{1}}',
		displayOptions: { show: { ...ofType('template'), authentication: [TWILIO, WEBHOOK] } },
		options: [
			{
				name: 'variable',
				displayName: 'Variable',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'e.g. 1' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
					],
			},
		],
	},
	{
		displayName: 'Header',
		name: 'templateHeader',
		type: 'options',
		options: [
			{ name: 'Document', value: 'document' },
			{ name: 'Image', value: 'image' },
			{ name: 'Location', value: 'location' },
			{ name: 'None', value: 'none' },
			{ name: 'Text', value: 'text' },
			{ name: 'Video', value: 'video' },
		],
		default: 'none',
		description: "The parameter of the template's header, if it has one",
		displayOptions: { show: { ...ofType('template'), authentication: [META] } },
	},
	{
		displayName: 'Header Text',
		name: 'headerText',
		type: 'string',
		default: '',
		displayOptions: { show: { ...ofType('template'), authentication: [META], templateHeader: ['text'] } },
	},
	{
		displayName: 'Header Media Source',
		name: 'headerMediaSource',
		type: 'options',
		options: [
			{ name: 'URL', value: 'url' },
			{ name: 'Media ID', value: 'id' },
		],
		default: 'url',
		displayOptions: {
			show: { ...ofType('template'), authentication: [META], templateHeader: ['image', 'video', 'document'] },
		},
	},
	{
		displayName: 'Header Media URL or ID',
		name: 'headerMedia',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://example.com/banner.jpg',
		displayOptions: {
			show: { ...ofType('template'), authentication: [META], templateHeader: ['image', 'video', 'document'] },
		},
	},
	{
		displayName: 'Header Document File Name',
		name: 'headerFileName',
		type: 'string',
		default: '',
		displayOptions: { show: { ...ofType('template'), authentication: [META], templateHeader: ['document'] } },
	},
	{
		displayName: 'Header Location',
		name: 'headerLocation',
		type: 'collection',
		default: {},
		placeholder: 'Add Field',
		displayOptions: { show: { ...ofType('template'), authentication: [META], templateHeader: ['location'] } },
		options: [
			{ displayName: 'Latitude', name: 'latitude', type: 'number', typeOptions: { numberPrecision: 6 }, default: 0 },
			{ displayName: 'Longitude', name: 'longitude', type: 'number', typeOptions: { numberPrecision: 6 }, default: 0 },
			{ displayName: 'Name', name: 'name', type: 'string', default: '' },
			{ displayName: 'Address', name: 'address', type: 'string', default: '' },
		],
	},
	{
		displayName: 'Body Parameters',
		name: 'bodyParameters',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		placeholder: 'Add Parameter',
		description: 'Values for {{1}}, {{2}}, … in the template body, in order (or by name for named parameters)',
		displayOptions: { show: { ...ofType('template'), authentication: [META] } },
		options: [
			{
				name: 'parameter',
				displayName: 'Parameter',
				values: [
					{
						displayName: 'Amount',
						name: 'amount',
						type: 'number',
						typeOptions: { numberPrecision: 3 },
						displayOptions: { show: { type: ['currency'] } },
						default: 0,
						description: 'The amount in the currency, e.g. 100.99',
					},
					{
						displayName: 'Currency Code',
						name: 'currencyCode',
						type: 'string',
						displayOptions: { show: { type: ['currency'] } },
						default: 'USD',
					},
					{
						displayName: 'Fallback Value',
						name: 'fallback',
						type: 'string',
						displayOptions: { show: { type: ['currency', 'date_time'] } },
						default: '',
						description: 'Shown when the value cannot be localised, e.g. \'$100.99\' or \'February 25, 1977\'',
					},
					{
						displayName: 'Parameter Name',
						name: 'name',
						type: 'string',
						default: '',
						description: 'Only for templates with named parameters ({{customer_name}})',
					},
					{
						displayName: 'Text',
						name: 'text',
						type: 'string',
						displayOptions: { show: { type: ['text'] } },
						default: '',
					},
					{
						displayName: 'Type',
						name: 'type',
						type: 'options',
						options: [
							{
								name: 'Text',
								value: 'text',
							},
							{
								name: 'Currency',
								value: 'currency',
							},
							{
								name: 'Date Time',
								value: 'date_time',
							},
						],
						default: 'text',
					},
				],
			},
		],
	},
	{
		displayName: 'Buttons',
		name: 'templateButtons',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Button Parameter',
		description: "Parameters of the template's buttons",
		displayOptions: { show: { ...ofType('template'), authentication: [META] } },
		options: [
			{
				name: 'button',
				displayName: 'Button',
				values: [
					{
						displayName: 'Button Index',
						name: 'index',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 9 },
						default: 0,
						description: 'Position of the button in the template, starting at 0',
					},
					{
						displayName: 'Coupon Code',
						name: 'couponCode',
						type: 'string',
						displayOptions: { show: { type: ['copy_code'] } },
						default: '',
					},
					{
						displayName: 'Flow Action Data (JSON)',
						name: 'flowActionData',
						type: 'json',
						displayOptions: { show: { type: ['flow'] } },
						default: '',
					},
					{
						displayName: 'Flow Token',
						name: 'flowToken',
						type: 'string',
						displayOptions: { show: { type: ['flow'] } },
						typeOptions: { password: true },
						default: '',
					},
					{
						displayName: 'Kind',
						name: 'type',
						type: 'options',
						options: [
							{
								name: 'Quick Reply',
								value: 'quick_reply',
							},
							{
								name: 'URL',
								value: 'url',
							},
							{
								name: 'Copy Code',
								value: 'copy_code',
							},
							{
								name: 'Flow',
								value: 'flow',
							},
						],
						default: 'quick_reply',
					},
					{
						displayName: 'Payload',
						name: 'payload',
						type: 'string',
						displayOptions: { show: { type: ['quick_reply'] } },
						default: '',
						description: 'Returned in the webhook when the customer taps the button',
					},
					{
						displayName: 'URL Suffix',
						name: 'text',
						type: 'string',
						displayOptions: { show: { type: ['url'] } },
						default: '',
						description: 'Appended to the button\'s URL as approved in the template',
					},
				],
			},
		],
	},
];

const interactive: INodeProperties[] = [
	{
		displayName: 'Header Text',
		name: 'interactiveHeader',
		type: 'string',
		default: '',
		displayOptions: { show: ofType('buttons', 'list') },
	},
	{
		displayName: 'Body Text',
		name: 'interactiveBody',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		displayOptions: { show: ofType('buttons', 'list') },
	},
	{
		displayName: 'Footer Text',
		name: 'interactiveFooter',
		type: 'string',
		default: '',
		displayOptions: { show: ofType('buttons', 'list') },
	},
	{
		displayName: 'Buttons',
		name: 'replyButtons',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		placeholder: 'Add Button',
		description: 'Up to 3 buttons; the ID comes back in the trigger when the customer taps one',
		displayOptions: { show: ofType('buttons') },
		options: [
			{
				name: 'button',
				displayName: 'Button',
				values: [
					{ displayName: 'ID', name: 'id', type: 'string', default: '', placeholder: 'e.g. confirm' },
					{ displayName: 'Title', name: 'title', type: 'string', default: '', description: 'Up to 20 characters' },
					],
			},
		],
	},
	{
		displayName: 'Button Text',
		name: 'listButton',
		type: 'string',
		default: 'Choose',
		required: true,
		description: 'The button that opens the list (up to 20 characters)',
		displayOptions: { show: ofType('list') },
	},
	{
		displayName: 'Rows',
		name: 'listRows',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		placeholder: 'Add Row',
		description: 'Up to 10 rows; rows with the same section title are grouped',
		displayOptions: { show: ofType('list') },
		options: [
			{
				name: 'row',
				displayName: 'Row',
				values: [
					{ displayName: 'Section Title', name: 'section', type: 'string', default: '' },
					{ displayName: 'ID', name: 'id', type: 'string', default: '' },
					{ displayName: 'Title', name: 'title', type: 'string', default: '', description: 'Up to 24 characters' },
					{ displayName: 'Description', name: 'description', type: 'string', default: '' },
					],
			},
		],
	},
];

const location: INodeProperties[] = [
	{
		displayName: 'Latitude',
		name: 'latitude',
		type: 'number',
		typeOptions: { numberPrecision: 6, minValue: -90, maxValue: 90 },
		default: 0,
		required: true,
		displayOptions: { show: ofType('location') },
	},
	{
		displayName: 'Longitude',
		name: 'longitude',
		type: 'number',
		typeOptions: { numberPrecision: 6, minValue: -180, maxValue: 180 },
		default: 0,
		required: true,
		displayOptions: { show: ofType('location') },
	},
	{
		displayName: 'Location Name',
		name: 'locationName',
		type: 'string',
		default: '',
		displayOptions: { show: ofType('location') },
	},
	{
		displayName: 'Address',
		name: 'locationAddress',
		type: 'string',
		default: '',
		displayOptions: { show: ofType('location') },
	},
];

const contacts: INodeProperties[] = [
	{
		displayName: 'Contacts',
		name: 'contacts',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Contact',
		displayOptions: { show: ofType('contacts') },
		options: [
			{
				name: 'contact',
				displayName: 'Contact',
				values: [
					{
						displayName: 'Email',
						name: 'email',
						type: 'string',
						placeholder: 'name@email.com',
						default: '',
					},
					{
						displayName: 'First Name',
						name: 'firstName',
						type: 'string',
						default: '',
					},
					{
						displayName: 'Formatted Name',
						name: 'formattedName',
						type: 'string',
						default: '',
						required: true,
					},
					{
						displayName: 'Last Name',
						name: 'lastName',
						type: 'string',
						default: '',
					},
					{
						displayName: 'Organization',
						name: 'organization',
						type: 'string',
						default: '',
					},
					{
						displayName: 'Phone',
						name: 'phone',
						type: 'string',
						default: '',
					},
					{
						displayName: 'Phone Type',
						name: 'phoneType',
						type: 'options',
						options: [
							{
								name: 'Cell',
								value: 'CELL',
							},
							{
								name: 'Home',
								value: 'HOME',
							},
							{
								name: 'iPhone',
								value: 'IPHONE',
							},
							{
								name: 'Main',
								value: 'MAIN',
							},
							{
								name: 'Work',
								value: 'WORK',
							},
						],
						default: 'CELL',
					},
					{
						displayName: 'Website',
						name: 'url',
						type: 'string',
						default: '',
					},
				],
			},
		],
	},
];

const reaction: INodeProperties[] = [
	{
		displayName: 'Message ID',
		name: 'reactionMessageId',
		type: 'string',
		default: '',
		required: true,
		description: 'The ID of the received message to react to (wamid.…)',
		displayOptions: { show: ofType('reaction') },
	},
	{
		displayName: 'Emoji',
		name: 'emoji',
		type: 'string',
		default: '',
		description: 'One emoji; leave empty to remove a reaction',
		displayOptions: { show: ofType('reaction') },
	},
];

const markAsRead: INodeProperties[] = [
	{
		displayName: 'Message ID',
		name: 'readMessageId',
		type: 'string',
		default: '',
		required: true,
		description: 'The ID of the received message (wamid.…), e.g. from the WhatsApp trigger',
		displayOptions: { show: { operation: ['markAsRead'] } },
	},
	{
		displayName: 'Show Typing Indicator',
		name: 'typingIndicator',
		type: 'boolean',
		default: false,
		description: 'Whether to also show "typing…" to the customer while your workflow prepares the answer',
		displayOptions: { show: { operation: ['markAsRead'] } },
	},
];

const options: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Link Preview',
			name: 'previewUrl',
			displayOptions: { show: { '/authentication': [META] } },
			type: 'boolean',
			default: false,
			description: 'Whether to show a preview of the first URL in a text message (Meta)',
		},
		{
			displayName: 'Max Attempts',
			name: 'maxAttempts',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 10 },
			default: 5,
			description: 'Attempts per message when the provider throttles or has a temporary failure',
		},
		{
			displayName: 'Max Concurrent Requests',
			name: 'concurrency',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 100 },
			default: 0,
			description:
				'How many messages may be on their way at once. 0 chooses enough to keep the pace (one second of messages, at least 8).',
		},
		{
			displayName: 'Messages Per Second',
			name: 'messagesPerSecond',
			type: 'number',
			typeOptions: { minValue: 0, numberPrecision: 2 },
			default: 0,
			description:
				"Lowers this node's pace below the connection's Messages Per Second (it can never raise it). 0 uses the connection's.",
		},
		{
			displayName: 'Recipient Type',
			name: 'recipientType',
			displayOptions: { show: { '/authentication': [META] } },
			type: 'options',
			options: [
				{ name: 'Individual', value: 'individual' },
				{ name: 'Group', value: 'group' },
			],
			default: 'individual',
			description: 'Meta: a person, or a WhatsApp group ID in Recipient',
		},
		{
			displayName: 'Reply To Message ID',
			name: 'replyTo',
			displayOptions: { show: { '/authentication': [META, WEBHOOK] } },
			type: 'string',
			default: '',
			description: 'Quote a received message (wamid.…) in the reply (Meta, webhook gateway)',
		},
		{
			displayName: 'Retry When Delivery Is Unknown',
			name: 'retryUnknownDelivery',
			type: 'boolean',
			default: false,
			description:
				'Whether to resend a message whose delivery is unknown: the connection broke after the request was sent, or the provider answered HTTP 500, 502 or 504 (or Meta 131000). The customer may then get the message twice.',
		},
		{
			displayName: 'Status Callback URL',
			name: 'statusCallbackUrl',
			displayOptions: { show: { '/authentication': [TWILIO, WEBHOOK] } },
			type: 'string',
			default: '',
			placeholder: 'e.g. https://n8n.example.com/webhook/…',
			description: "Twilio: where delivery statuses are posted; webhook gateway: replaces the connection's Status URL",
		},
		{
			displayName: 'Tracking Data',
			name: 'trackingData',
			displayOptions: { show: { '/authentication': [META] } },
			type: 'string',
			default: '',
			description: 'Meta: an opaque string returned in the status webhooks of this message',
		},
		{
			displayName: 'Validity Period (Seconds)',
			name: 'validityPeriod',
			displayOptions: { show: { '/authentication': [TWILIO] } },
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 36000 },
			default: 36000,
			description: 'Twilio: drop the message if it cannot be sent within this time',
		},
	],
};

export const sendProperties: INodeProperties[] = [
	operationProperty,
	recipient,
	messageType,
	...text,
	...media,
	...template,
	...interactive,
	...location,
	...contacts,
	...reaction,
	...markAsRead,
	options,
];
