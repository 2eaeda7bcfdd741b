import type { IDataObject } from 'n8n-workflow';

import { inputError } from '../../shared/errors';
import type { ContactContent } from '../../shared/message';
import { ofType, rows, type MessageTypeDefinition } from './types';

export const contactsMessage: MessageTypeDefinition = {
	option: { name: 'Contacts', value: 'contacts', description: 'Contact cards' },
	fields: [
		{
			displayName: 'Contacts',
			name: 'contacts',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			default: {},
			placeholder: 'Add Contact',
			displayOptions: { show: ofType('contacts') },
			options: [
				{
					name: 'contact',
					displayName: 'Contact',
					values: [
						{
							displayName: 'Email',
							name: 'email',
							type: 'string',
							placeholder: 'name@email.com',
							default: '',
						},
						{
							displayName: 'First Name',
							name: 'firstName',
							type: 'string',
							default: '',
						},
						{
							displayName: 'Formatted Name',
							name: 'formattedName',
							type: 'string',
							default: '',
							required: true,
						},
						{
							displayName: 'Last Name',
							name: 'lastName',
							type: 'string',
							default: '',
						},
						{
							displayName: 'Organization',
							name: 'organization',
							type: 'string',
							default: '',
						},
						{
							displayName: 'Phone',
							name: 'phone',
							type: 'string',
							default: '',
						},
						{
							displayName: 'Phone Type',
							name: 'phoneType',
							type: 'options',
							options: [
								{
									name: 'Cell',
									value: 'CELL',
								},
								{
									name: 'Home',
									value: 'HOME',
								},
								{
									name: 'iPhone',
									value: 'IPHONE',
								},
								{
									name: 'Main',
									value: 'MAIN',
								},
								{
									name: 'Work',
									value: 'WORK',
								},
							],
							default: 'CELL',
						},
						{
							displayName: 'Website',
							name: 'url',
							type: 'string',
							default: '',
						},
					],
				},
			],
		},
	],
	read(reader, common) {
		const i = reader.itemIndex;
		const contacts = rows<IDataObject>(reader, 'contacts', 'contact').map(
			(contact): ContactContent => ({
				formattedName: String(contact.formattedName ?? ''),
				firstName: (contact.firstName as string) || undefined,
				lastName: (contact.lastName as string) || undefined,
				phone: (contact.phone as string) || undefined,
				phoneType: (contact.phoneType as string) || undefined,
				email: (contact.email as string) || undefined,
				organization: (contact.organization as string) || undefined,
				url: (contact.url as string) || undefined,
			}),
		);
		if (contacts.length === 0 || contacts.some((contact) => !contact.formattedName)) {
			throw inputError(reader.ctx.getNode(), i, `Add at least one contact with a Formatted Name (item ${i})`, undefined, {
				field: 'Contacts → Formatted Name',
				rule: 'at least one contact, each with a Formatted Name',
			});
		}
		return { ...common, type: 'contacts', contacts };
	},
};
