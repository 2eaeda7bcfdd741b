import type { INodeProperties } from 'n8n-workflow';

import { inputError } from '../../shared/errors';
import type { InteractiveContent } from '../../shared/message';
import { ofType, text, type ParameterReader } from './types';

/** The fields that buttons and list messages share: header, body and footer. */
export const interactiveFields: INodeProperties[] = [
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
];

/** The shared part of an interactive message; its body must not be empty. */
export function readInteractiveBase(reader: ParameterReader): Pick<InteractiveContent, 'header' | 'body' | 'footer'> {
	const i = reader.itemIndex;
	const base = {
		header: text(reader, 'interactiveHeader') || undefined,
		body: text(reader, 'interactiveBody'),
		footer: text(reader, 'interactiveFooter') || undefined,
	};
	if (!base.body) {
		throw inputError(reader.ctx.getNode(), i, `Body Text is empty (item ${i})`, 'Interactive messages need a body text.', { field: 'Body Text', value: '', rule: 'must not be empty' });
	}
	return base;
}
