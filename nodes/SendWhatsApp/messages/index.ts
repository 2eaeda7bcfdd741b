import type { INodeProperties } from 'n8n-workflow';

import type { OutboundMessage } from '../../shared/message';
import type { WhatsAppProvider } from '../../shared/providers';
import { isBsuid } from '../../shared/phone';
import { bsuidRecipientViolation, type Violation } from '../../shared/validation';

import { buttonsMessage } from './buttons';
import { contactsMessage } from './contacts';
import { interactiveFields } from './interactive';
import { listMessage } from './list';
import { locationMessage } from './location';
import { mediaMessage } from './media';
import { reactionMessage } from './reaction';
import { templateMessage } from './template';
import { textMessage } from './text';
import type { MessageTypeDefinition } from './types';

/** Every message type of the Send operation; a new type is one file here and one entry in this list. */
export const MESSAGE_TYPES: readonly MessageTypeDefinition[] = [
	textMessage,
	mediaMessage,
	templateMessage,
	buttonsMessage,
	listMessage,
	locationMessage,
	contactsMessage,
	reactionMessage,
];

export function messageTypeFor(value: string): MessageTypeDefinition | undefined {
	return MESSAGE_TYPES.find((type) => type.option.value === value);
}

/** The fields of every message type, in the order of the list (buttons and list share the interactive fields). */
export const messageTypeFields: INodeProperties[] = MESSAGE_TYPES.flatMap((type) =>
	type === buttonsMessage ? [...interactiveFields, ...type.fields] : type.fields,
);

/**
 * What the provider does not declare (its operations and message types): checked after the
 * provider's own check, which names the alternative where it knows one.
 */
export function unsupportedBy(provider: WhatsAppProvider, message: OutboundMessage): Violation[] {
	if (message.type === 'markRead') {
		return provider.nodes.operations.includes('markAsRead') ? [] : [{ field: 'Operation', value: 'Mark as Read', rule: `is not available on ${provider.label}` }];
	}
	if (isBsuid(message.to) && message.options.recipientType !== 'group' && !(provider.nodes.recipients ?? ['phone']).includes('bsuid')) {
		return [bsuidRecipientViolation(provider.label, message.to, 'it declares phone-number recipients only')];
	}
	const type = message.type === 'interactive' ? (message.interactive.type === 'list' ? 'list' : 'buttons') : message.type;
	if (provider.nodes.messageTypes.includes(type)) return [];
	const option = messageTypeFor(type)?.option.name ?? type;
	return [{ field: 'Message Type', value: option, rule: `is not available on ${provider.label}` }];
}
