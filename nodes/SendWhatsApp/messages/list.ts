import type { IDataObject } from 'n8n-workflow';

import { readInteractiveBase } from './interactive';
import { ofType, rows, text, type MessageTypeDefinition } from './types';

type Section = { title?: string; rows: Array<{ id: string; title: string; description?: string }> };

export const listMessage: MessageTypeDefinition = {
	option: { name: 'Interactive List', value: 'list', description: 'A menu of up to 10 rows' },
	fields: [
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
	],
	read(reader, common) {
		const base = readInteractiveBase(reader);
		// Rows with the same section title are grouped, in the order their sections first appear.
		const sections: Section[] = [];
		for (const row of rows<IDataObject>(reader, 'listRows', 'row')) {
			const title = String(row.section ?? '') || undefined;
			let section = sections.find((candidate) => candidate.title === title);
			if (!section) {
				section = { title, rows: [] };
				sections.push(section);
			}
			section.rows.push({ id: String(row.id ?? ''), title: String(row.title ?? ''), description: (row.description as string) || undefined });
		}
		return { ...common, type: 'interactive', interactive: { type: 'list', ...base, list: { button: text(reader, 'listButton', 'Choose'), sections } } };
	},
};
