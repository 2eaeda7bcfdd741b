import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import type { ProviderNodeSurface } from '../types';
import { GATEWAY_FIELDS, type GatewayField, type GatewayInboundOptions } from './inbound';

/** What a gateway brings to the nodes: every message type, its template fields, the trigger's signature options. */
export const gatewayNodeSurface: ProviderNodeSurface = {
	name: 'Gateway',
	description: 'Any gateway that accepts an HTTP call',
	operations: ['send', 'sendAndWait', 'downloadMedia'],
	messageTypes: ['text', 'media', 'template', 'buttons', 'list', 'location', 'contacts', 'reaction'],
	sendFields: ['templateName', 'templateLanguage', 'templateVariables'],
	sendOptions: ['replyTo', 'statusCallbackUrl'],
	triggerFields: [
		{
			displayName:
				"Have your gateway POST inbound messages and delivery statuses to this node's Production URL as JSON, with the connection's Auth Token as a Bearer token, or signed with the connection's Signature Secret (see Options). Set the connection's Status URL to the same URL.",
			name: 'webhookNotice',
			type: 'notice',
			default: '',
		},
	],
	triggerOptions: [
		{
			displayName: 'Allow Unauthenticated Requests',
			name: 'allowUnauthenticated',
			type: 'boolean',
			default: false,
			description:
				'Whether to accept gateway requests when the connection has no Auth Token and no Signature Secret. Anyone who knows the URL could then start the workflow.',
		},
		{
			displayName: 'Events Path',
			name: 'eventsPath',
			type: 'string',
			default: '',
			placeholder: 'e.g. data.events',
			description: 'Where the gateway puts a list of events; leave empty when the body is one event or an array',
		},
		{
			displayName: 'Field Paths',
			name: 'fieldPaths',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			default: {},
			placeholder: 'Add Field Path',
			description: "Where each field of the item is in the gateway's payload (dot paths such as message.text); by default the field's own name",
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
			displayName: 'Signature Header',
			name: 'signatureHeader',
			type: 'string',
			default: 'X-Signature-256',
			description: 'The header carrying the hex HMAC-SHA256 of the raw body (an optional "sha256=" prefix is accepted)',
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
			displayOptions: { show: { '@version': [1, 1.1] } },
		},
		{
			displayName: 'Timestamp Header',
			name: 'timestampHeader',
			type: 'string',
			default: 'X-Signature-Timestamp',
			description: 'The header carrying the Unix-seconds timestamp the signature covers',
			displayOptions: { show: { signatureScheme: ['timestamped'] } },
		},
		{
			displayName: 'Timestamp Tolerance (Seconds)',
			name: 'timestampTolerance',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 300,
			description: 'How far the timestamp may be from n8n\'s clock; older (replayed) or future requests are refused with 401',
			displayOptions: { show: { signatureScheme: ['timestamped'] } },
		},
	],
};

/** The trigger's Options as the gateway's inbound options. */
export function gatewayInboundOptions(options: IDataObject, credentials: ICredentialDataDecryptedObject): GatewayInboundOptions {
	const paths: Partial<Record<GatewayField, string>> = {};
	for (const entry of ((options.fieldPaths as IDataObject | undefined)?.path as IDataObject[] | undefined) ?? []) {
		if (entry.field && entry.path) paths[entry.field as GatewayField] = String(entry.path);
	}
	// The connection's secret wins; a secret saved on the node (type versions 1 and 1.1) still works.
	const connectionSecret = typeof credentials.signatureSecret === 'string' ? credentials.signatureSecret : '';
	return {
		eventsPath: (options.eventsPath as string) || undefined,
		paths,
		signatureHeader: (options.signatureHeader as string) || undefined,
		signatureSecret: connectionSecret || (options.signatureSecret as string) || undefined,
		signatureScheme: options.signatureScheme === 'timestamped' ? 'timestamped' : 'body',
		timestampHeader: (options.timestampHeader as string) || undefined,
		toleranceSeconds: options.timestampTolerance === undefined ? undefined : Number(options.timestampTolerance),
		allowUnauthenticated: options.allowUnauthenticated === true,
	};
}
