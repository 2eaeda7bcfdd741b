import type { IDataObject } from 'n8n-workflow';

import { inputError } from '../../shared/errors';
import { declaredLimits } from '../../shared/providerFields';
import { ofType, type MessageTypeDefinition } from './types';

export const textMessage: MessageTypeDefinition = {
	option: { name: 'Text', value: 'text' },
	fields: [
		{
			displayName: 'Text',
			name: 'text',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			required: true,
			// The limits come from the providers, where every item is checked before sending.
			description: `Up to ${declaredLimits('text')}; a gateway sets its own limit. Every item is checked before the first message goes out.`,
			displayOptions: { show: ofType('text') },
		},
	],
	read({ ctx, itemIndex: i }, common) {
		const previewUrl = (ctx.getNodeParameter('options', i, {}) as IDataObject).previewUrl === true;
		const body = String(ctx.getNodeParameter('text', i, '') ?? '');
		if (!body.trim()) {
			throw inputError(ctx.getNode(), i, `Text is empty (item ${i})`, 'Enter the message text, or map it from an earlier node.', { field: 'Text', value: body, rule: 'must not be empty' });
		}
		return { ...common, type: 'text', text: { body, previewUrl } };
	},
};
