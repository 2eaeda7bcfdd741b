import type { INodeProperties } from 'n8n-workflow';

import { ownFields, providerProperty } from '../shared/providerFields';
import { ALLOWED_MEDIA_HOSTS_OPTION } from '../shared/mediaFields';

const triggerOn: INodeProperties = {
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
			name: 'Identity Changes',
			value: 'identity',
			description:
				'Meta: a user\'s business-scoped user ID (BSUID) changed (the user_id_update webhook field, and the user_changed_user_id system message): the item has the new ID in userId and the old one in previousUserId',
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
};

/** Options every provider has; each provider adds its own (shown only for it). */
const commonOptions: INodeProperties[] = [
	ALLOWED_MEDIA_HOSTS_OPTION,
	{
		displayName: 'Also Start This Workflow for Answers',
		name: 'startOnAnswers',
		type: 'boolean',
		default: false,
		description:
			"Whether answers to Send WhatsApp's Send and Wait for Reply questions also start this workflow. Off: they only resume the execution that asked.",
	},
	{
		displayName: 'Download Media',
		name: 'downloadMedia',
		type: 'boolean',
		default: false,
		description: 'Whether to download the media of inbound messages into the binary field "data"',
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
];

/** Built when a node is created, from the providers in the registry. */
export function triggerProperties(): INodeProperties[] {
	const own = ownFields('triggerFields', 'authentication');
	return [
		providerProperty(),
		// Set-up notices first, the provider's other fields after Trigger On.
		...own.filter((field) => field.type === 'notice'),
		triggerOn,
		...own.filter((field) => field.type !== 'notice'),
		{
			displayName: 'Options',
			name: 'triggerOptions',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			// n8n lists options alphabetically.
			options: [...commonOptions, ...ownFields('triggerOptions', '/authentication')].sort((a, b) => a.displayName.localeCompare(b.displayName)),
		},
	];
}
