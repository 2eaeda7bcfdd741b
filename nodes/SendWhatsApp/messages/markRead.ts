import type { INodeProperties } from 'n8n-workflow';

import { inputError } from '../../shared/errors';
import type { OutboundMessage, SendOptions } from '../../shared/message';
import { text, type ParameterReader } from './types';

/** The Mark as Read operation: not a message type, but its fields and reading live here the same way. */
export const markReadFields: INodeProperties[] = [
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

export function readMarkRead(reader: ParameterReader, options: SendOptions): OutboundMessage {
	const { ctx, itemIndex: i } = reader;
	const messageId = text(reader, 'readMessageId');
	if (!messageId) {
		throw inputError(ctx.getNode(), i, `Message ID is empty (item ${i})`, 'Map the id of the received message, e.g. {{ $json.messageId }} from the WhatsApp trigger.', {
			field: 'Message ID',
			value: '',
			rule: 'must not be empty',
		});
	}
	return { type: 'markRead', to: '', options, markRead: { messageId, typingIndicator: ctx.getNodeParameter('typingIndicator', i, false) === true } };
}
