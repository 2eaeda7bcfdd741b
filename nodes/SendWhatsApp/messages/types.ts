import type { IDataObject, IExecuteFunctions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import type { OutboundMessage, SendOptions } from '../../shared/message';

/** What every message of the Send operation has, read once before the message type's own fields. */
export interface CommonFields {
	to: string;
	replyTo?: string;
	options: SendOptions;
}

/** Reading one item's parameters: the node's context, the item and the provider chosen. */
export interface ParameterReader {
	ctx: IExecuteFunctions;
	itemIndex: number;
	credentialType: string;
}

/**
 * One message type, one home: its option in Message Type, its fields (with their display rules),
 * and how its fields become the provider-neutral message, refusing bad input with a clear error.
 * The providers' own limits are checked by the providers (`check`).
 */
export interface MessageTypeDefinition {
	option: INodePropertyOptions & { value: string };
	fields: INodeProperties[];
	read(reader: ParameterReader, common: CommonFields): OutboundMessage;
}

/** The display rule of a field of one or more message types of the Send operation. */
export const ofType = (...messageType: string[]) => ({ operation: ['send'], messageType });

export function text(reader: ParameterReader, name: string, fallback = ''): string {
	return String(reader.ctx.getNodeParameter(name, reader.itemIndex, fallback) ?? '').trim();
}

/** The rows of a fixedCollection parameter (e.g. replyButtons → button). */
export function rows<T = IDataObject>(reader: ParameterReader, name: string, key: string): T[] {
	const value = reader.ctx.getNodeParameter(name, reader.itemIndex, {}) as IDataObject;
	return ((value?.[key] as T[] | undefined) ?? []).filter(Boolean);
}
