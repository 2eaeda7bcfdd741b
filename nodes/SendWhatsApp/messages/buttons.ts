import { readInteractiveBase } from './interactive';
import { ofType, rows, type MessageTypeDefinition } from './types';

export const buttonsMessage: MessageTypeDefinition = {
	option: { name: 'Interactive Buttons', value: 'buttons', description: 'Up to 3 reply buttons' },
	fields: [
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
	],
	read(reader, common) {
		const base = readInteractiveBase(reader);
		const buttons = rows<{ id: string; title: string }>(reader, 'replyButtons', 'button').map((button) => ({
			id: String(button.id ?? ''),
			title: String(button.title ?? ''),
		}));
		return { ...common, type: 'interactive', interactive: { type: 'button', ...base, buttons } };
	},
};
