import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';

import type { InboundEvent, InboundRequest, InboundResult } from '../inbound';
import type { MediaFetcher } from '../mediaFetch';
import type { OutboundMessage, SendResult } from '../message';
import type { Transport, Transports } from '../transport';
import type { GatewayInboundOptions } from './webhook';

/** Which Meta phone numbers a trigger takes: the connection's own, every number of the app, or these IDs. */
export type PhoneNumberScope = 'connection' | 'all' | string[];

/** What the trigger passes to every provider; each provider reads only its own options. */
export type InboundOptions = GatewayInboundOptions & { phoneNumbers?: PhoneNumberScope };

export type ProviderId = 'twilio' | 'meta' | 'webhook';

export interface SendContext {
	transport: Transport;
	credentials: ICredentialDataDecryptedObject;
	node: INode;
	itemIndex: number;
	/** The saved connection's name, used in messages about its configuration. */
	connectionName?: string;
}

/**
 * One provider, one module, one surface. The nodes only ever talk to this interface; adding a
 * provider means adding one module that implements it and one entry in the registry.
 */
export interface WhatsAppProvider {
	id: ProviderId;
	/** The n8n credential type name; also the value of the node's Provider option. */
	credentialType: string;
	label: string;
	/** A rate (messages/second) that stays inside the provider's default limits. */
	defaultRatePerSecond: number;
	/** The credential values that must never appear in an error, a log line or an output item. */
	secrets(credentials: ICredentialDataDecryptedObject): string[];
	/** Checks the connection's fields once per execution; throws an error saying which field is wrong. */
	checkCredentials(node: INode, credentials: ICredentialDataDecryptedObject): void;
	/** Builds the request(s), sends them through n8n, parses the answer or maps the provider's error. */
	send(context: SendContext, message: OutboundMessage): Promise<SendResult>;
	/** Verifies an inbound request and turns it into events, or says which 4xx to answer. */
	handleInbound(request: InboundRequest, credentials: ICredentialDataDecryptedObject, options: InboundOptions): InboundResult;
	/**
	 * Downloads the media of an inbound message: provider API calls through `transports`, the file
	 * itself through `fetchMedia` (safe downloads: address checks, credentials to the own origin only, size limit).
	 */
	downloadMedia(
		transports: Transports,
		node: INode,
		credentials: ICredentialDataDecryptedObject,
		event: InboundEvent,
		fetchMedia: MediaFetcher,
	): Promise<{ data: Buffer; mimeType?: string; fileName?: string } | undefined>;
	/** Points the provider at the trigger's URL on activation, where the provider allows it. */
	webhookRegistration?: {
		exists(transport: Transport, node: INode, credentials: ICredentialDataDecryptedObject, url: string): Promise<boolean>;
		create(transport: Transport, node: INode, credentials: ICredentialDataDecryptedObject, url: string): Promise<void>;
		remove(transport: Transport, node: INode, credentials: ICredentialDataDecryptedObject, url: string): Promise<void>;
	};
}

