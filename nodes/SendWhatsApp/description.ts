import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { offeredBy, ownFields, providerProperty, withProviderRules } from '../shared/providerFields';
import { MESSAGE_TYPES, messageTypeFields } from './messages';
import { markReadFields } from './messages/markRead';
import { mediaDownloadOptions, mediaOperationFields, mediaOperationOptions } from './mediaOperations';
import { withTemplatePickers } from './messages/template';
import { SEND_AND_WAIT, sendAndWaitFields, sendAndWaitOperation } from './sendAndWait';

const send = { operation: ['send'] };
/** In Options: what only a message sent needs (not Mark as Read or the media operations). */
const whenSending = { show: { '/operation': ['send'] } };
/** In Options: what a question of Send and Wait for Reply takes as well. */
const whenSendingOrAsking = { show: { '/operation': ['send', SEND_AND_WAIT] } };

const messageOperations = (): INodePropertyOptions[] => [
	{ name: 'Send', value: 'send', action: 'Send message', description: 'Send a WhatsApp message' },
	{
		...sendAndWaitOperation,
		description: `${sendAndWaitOperation.description}${offeredBy((provider) => provider.operations.includes(SEND_AND_WAIT))}`,
	},
	{
		name: 'Mark as Read',
		value: 'markAsRead',
		action: 'Mark message as read',
		description: `Show blue ticks on a received message${offeredBy((provider) => provider.operations.includes('markAsRead'))}`,
	},
];

const operationProperty = (): INodeProperties => ({
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: messageOperations().concat(mediaOperationOptions()),
	default: 'send',
});

const recipient: INodeProperties = {
	displayName: 'Recipient Phone Number',
	name: 'to',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. +14155550123',
	description:
		"The customer's number in international format (spaces, dashes, dots, brackets and a whatsapp: prefix are accepted), or their business-scoped user ID (BSUID, e.g. US.13491208655302741918), as the trigger gives it in replyTo. Only the Meta Cloud API sends to a BSUID.",
	// Send and Wait for Reply asks this customer too.
	displayOptions: { show: { operation: ['send', SEND_AND_WAIT] } },
};

const messageTypeProperty = (): INodeProperties => ({
	displayName: 'Message Type',
	name: 'messageType',
	type: 'options',
	noDataExpression: true,
	// n8n lists options alphabetically; a type not every provider sends names those that do.
	options: MESSAGE_TYPES.map(({ option }) => {
		const offered = offeredBy((provider) => provider.messageTypes.includes(option.value));
		return offered ? { ...option, description: `${option.description ?? ''}${offered}`.trim() } : option;
	}).sort((a, b) => a.name.localeCompare(b.name)),
	default: 'text',
	displayOptions: { show: send },
});

const optionsProperty = (): INodeProperties => ({
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: withProviderRules(
		([
			{
				displayName: 'Link Preview',
				name: 'previewUrl',
				type: 'boolean',
				default: false,
				description: 'Whether to show a preview of the first URL in a text message (Meta)',
				displayOptions: whenSending,
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
				type: 'options',
				options: [
					{ name: 'Individual', value: 'individual' },
					{ name: 'Group', value: 'group' },
				],
				default: 'individual',
				description: 'Meta: a person, or a WhatsApp group ID in Recipient',
				displayOptions: whenSending,
			},
			{
				displayName: 'Reply To Message ID',
				name: 'replyTo',
				type: 'string',
				default: '',
				description: 'Quote a received message (wamid.…) in the reply (Meta, webhook gateway)',
				displayOptions: whenSendingOrAsking,
			},
			{
				displayName: 'Retry When Delivery Is Unknown',
				name: 'retryUnknownDelivery',
				type: 'boolean',
				default: false,
				description:
					'Whether to resend a message whose delivery is unknown: the connection broke after the request was sent, or the provider answered HTTP 500, 502 or 504 (or Meta 131000). The customer may then get the message twice.',
				displayOptions: whenSending,
			},
			{
				displayName: 'Status Callback URL',
				name: 'statusCallbackUrl',
				type: 'string',
				default: '',
				placeholder: 'e.g. https://n8n.example.com/webhook/…',
				description: "Twilio: where delivery statuses are posted; webhook gateway: replaces the connection's Status URL",
				displayOptions: whenSendingOrAsking,
			},
			{
				displayName: 'Tracking Data',
				name: 'trackingData',
				type: 'string',
				default: '',
				description: 'Meta: an opaque string returned in the status webhooks of this message',
				displayOptions: whenSendingOrAsking,
			},
			{
				displayName: 'Validity Period (Seconds)',
				name: 'validityPeriod',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 36000 },
				default: 36000,
				description: 'Twilio: drop the message if it cannot be sent within this time',
				displayOptions: whenSending,
			},
			...mediaDownloadOptions,
		] as INodeProperties[]).sort((a, b) => a.displayName.localeCompare(b.displayName)),
		'sendOptions',
		'/authentication',
	),
});

/** Built when a node is created, from the message types and the providers in the registry. */
export function sendProperties(): INodeProperties[] {
	return [
		providerProperty(),
		operationProperty(),
		recipient,
		messageTypeProperty(),
		...withTemplatePickers(withProviderRules(messageTypeFields, 'sendFields', 'authentication')),
		...ownFields('ownSendFields', 'authentication'),
		...markReadFields,
		...sendAndWaitFields,
		...mediaOperationFields(),
		optionsProperty(),
	];
}
