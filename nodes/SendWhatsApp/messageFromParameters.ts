import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { inputError } from '../shared/errors';
import type { OutboundMessage, SendOptions } from '../shared/message';
import { normaliseRecipient } from '../shared/phone';
import { providerFor } from '../shared/providers';
import { messageTypeFor } from './messages';
import { readMarkRead } from './messages/markRead';
import { text, type ParameterReader } from './messages/types';

function sendOptions(reader: ParameterReader): SendOptions & { replyTo?: string } {
	const options = reader.ctx.getNodeParameter('options', reader.itemIndex, {}) as IDataObject;
	return {
		statusCallbackUrl: typeof options.statusCallbackUrl === 'string' && options.statusCallbackUrl ? options.statusCallbackUrl : undefined,
		recipientType: options.recipientType === 'group' ? 'group' : undefined,
		trackingData: typeof options.trackingData === 'string' && options.trackingData ? options.trackingData : undefined,
		validityPeriod: typeof options.validityPeriod === 'number' ? options.validityPeriod : undefined,
		replyTo: typeof options.replyTo === 'string' && options.replyTo.trim() ? options.replyTo.trim() : undefined,
	};
}

/**
 * Item `itemIndex`'s parameters as the provider-neutral message: the recipient and options here, the
 * rest by its message type (messages/). Binary files are only named here; execute reads them.
 */
export async function messageFromParameters(ctx: IExecuteFunctions, itemIndex: number, credentialType: string): Promise<OutboundMessage> {
	const reader: ParameterReader = { ctx, itemIndex, credentialType };
	const i = itemIndex;
	const node = ctx.getNode();
	const { replyTo, ...options } = sendOptions(reader);
	if (text(reader, 'operation', 'send') === 'markAsRead') return readMarkRead(reader, options);
	const givenTo = ctx.getNodeParameter('to', i, '') as unknown;
	// A WhatsApp group (Meta recipient type "group") is addressed by its group ID, not a number.
	const to = options.recipientType === 'group' ? String(givenTo ?? '').trim() || undefined : normaliseRecipient(givenTo);
	if (!to) {
		throw inputError(
			node,
			i,
			`Invalid recipient phone number "${String(givenTo)}" (item ${i})`,
			'Use a phone number in international format with country code, e.g. +14155550123 (spaces, dashes, dots and brackets are fine), or a business-scoped user ID (BSUID) as the trigger gives it in userId or replyTo, e.g. US.13491208655302741918.',
			{
				field: 'To',
				value: String(givenTo ?? ''),
				rule:
					options.recipientType === 'group'
						? 'must be a WhatsApp group ID'
						: 'must be a phone number in international format with country code (7 to 15 digits, e.g. +14155550123) or a business-scoped user ID (e.g. US.13491208655302741918 or US.ENT.11815799212886844830)',
			},
		);
	}
	const type = text(reader, 'messageType', 'text');
	const definition = messageTypeFor(type);
	if (!definition) throw inputError(node, i, `Unknown message type "${type}" (item ${i})`);
	const message = definition.read(reader, { to, replyTo, options });
	const own = providerFor(credentialType)?.nodes.ownSendFields ?? [];
	if (own.length === 0) return message;
	return { ...message, providerFields: Object.fromEntries(own.map((field) => [field.name, ctx.getNodeParameter(field.name, i, field.default)])) };
}
