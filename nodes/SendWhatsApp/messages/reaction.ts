import { inputError } from '../../shared/errors';
import { ofType, text, type MessageTypeDefinition } from './types';

export const reactionMessage: MessageTypeDefinition = {
	option: { name: 'Reaction', value: 'reaction', description: 'An emoji on a received message' },
	fields: [
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
	],
	read(reader, common) {
		const { ctx, itemIndex: i } = reader;
		const messageId = text(reader, 'reactionMessageId');
		if (!messageId) {
			throw inputError(ctx.getNode(), i, `Message ID is empty (item ${i})`, 'Map the id of the received message to react to.', { field: 'Message ID', value: '', rule: 'must not be empty' });
		}
		return { ...common, type: 'reaction', reaction: { messageId, emoji: String(ctx.getNodeParameter('emoji', i, '') ?? '') } };
	},
};
