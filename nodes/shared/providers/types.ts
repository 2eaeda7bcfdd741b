import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';

import type { InboundEvent, InboundRequest, InboundResult } from '../inbound';
import type { MediaFetcher } from '../mediaFetch';
import type { BinaryFile, OutboundMessage, SendResult } from '../message';
import type { Transport, Transports } from '../transport';
import type { Violation } from '../validation';
import type { GatewayInboundOptions } from './gateway/inbound';

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
	/** Uploads made in this execution, shared by its items (the same file is uploaded once). */
	uploads?: UploadCache;
}

/** What a provider's pre-flight check gets: no transport, nothing is sent. */
export interface CheckContext {
	credentials: ICredentialDataDecryptedObject;
	node: INode;
	itemIndex: number;
	connectionName?: string;
}

/** One upload per key (e.g. a content hash) per execution; concurrent callers share the same promise. */
export interface UploadCache {
	once(key: string, upload: () => Promise<string>): Promise<string>;
	/** The SHA-256 (hex) of a file's bytes, computed once per stored file in this execution. */
	contentHash(file: BinaryFile): string;
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
	checkCredentials(node: INode, credentials: ICredentialDataDecryptedObject, connectionName?: string): void;
	/**
	 * Pre-flight: every rule of this provider and message type that can be checked without sending
	 * (lengths, counts, required fields, what the provider supports). Empty when the message is valid.
	 */
	check(context: CheckContext, message: OutboundMessage): Violation[];
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

