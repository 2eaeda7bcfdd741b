import type { ICredentialDataDecryptedObject, IDataObject, INode, INodeProperties } from 'n8n-workflow';

import type { InboundEvent, InboundRequest, InboundResult } from '../inbound';
import type { MediaFetcher } from '../mediaFetch';
import type { BinaryFile, OutboundMessage, SendOptions, SendResult, TemplateContent } from '../message';
import type { Transport, Transports } from '../transport';
import type { Violation } from '../validation';

/** The provider's ID in output items (`provider`): stored in users' data, so it never changes. */
export type ProviderId = string;

/**
 * What a provider brings to the nodes. The nodes build the Provider dropdown and every display rule
 * that depends on the provider from these declarations, so no node file names a provider.
 */
export interface ProviderNodeSurface {
	/** The Provider dropdown's option (its value is the credential type). */
	name: string;
	description: string;
	/** Send WhatsApp's operations it offers ('send', 'markAsRead', 'uploadMedia', 'downloadMedia', 'deleteMedia'). */
	operations: string[];
	/** Message Type values it sends; others are refused before anything is sent. */
	messageTypes: string[];
	/**
	 * The recipient forms it sends to: 'phone' (a number) and 'bsuid' (a business-scoped user ID).
	 * Without it, phone numbers only; a BSUID is then refused before anything is sent.
	 */
	recipients?: Array<'phone' | 'bsuid'>;
	/** Send WhatsApp fields of the message types (by parameter name) that only some providers use. */
	sendFields?: string[];
	/** Send WhatsApp options (by name, in Options) that only some providers use. */
	sendOptions?: string[];
	/**
	 * Its own Send WhatsApp fields, shown only for it; their values reach `send` and `check` as
	 * `message.providerFields`.
	 */
	ownSendFields?: INodeProperties[];
	/** Its own trigger fields, shown only for it (notices come first, the others after Trigger On). */
	triggerFields?: INodeProperties[];
	/** Its own trigger options (in Options), shown only for it. */
	triggerOptions?: INodeProperties[];
	/** Its longest text and caption (characters), shown in the fields' descriptions; checked by `check`. */
	limits?: { text?: number; caption?: number };
}

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

/** A file downloaded by the Download Media operation. */
export interface DownloadedMedia {
	data: Buffer;
	mimeType?: string;
	fileName?: string;
}

/** What a media operation gets: both transports (a download may leave the provider's own host). */
export interface MediaOperationContext extends SendContext {
	transports: Transports;
}

/**
 * Send WhatsApp's media operations (Upload Media, Download Media, Delete Media). Each is offered
 * when the provider declares it in `nodes.operations` and implements it here.
 */
export interface ProviderMediaOperations {
	/** What Download Media takes from this provider: a media ID (`id`) or a media URL (`url`). */
	downloadReference: 'id' | 'url';
	/** Uploads a file; answers the provider's media ID. */
	upload?(context: MediaOperationContext, file: BinaryFile): Promise<{ mediaId: string; raw: unknown }>;
	/** Downloads a media ID or URL; the file itself only through `fetchMedia` (the trigger's safe-download rules). */
	download?(context: MediaOperationContext, reference: string, fetchMedia: MediaFetcher): Promise<DownloadedMedia>;
	/** Deletes an uploaded media ID. */
	delete?(context: MediaOperationContext, mediaId: string): Promise<{ raw: unknown }>;
}

/** One template of the account, as the template picker lists it. */
export interface TemplateSummary {
	/** What the picker shows: the name with its language, category or approval status. */
	name: string;
	/** What the field stores: the template name (Meta) or the content SID (Twilio). */
	value: string;
}

/** One field of the form that fits a template (n8n's resource mapper shows them). */
export interface TemplateFormField {
	/** Stored in the node as the key of its value: it never changes for the same part of a template. */
	id: string;
	displayName: string;
	required: boolean;
	type: 'string' | 'number';
}

/** Which template a form is for: the picked value (name or SID) and, where it matters, its language. */
export interface TemplateReference {
	value: string;
	language?: string;
}

/**
 * The account's templates: the picker's list, one page at a time (the token comes from the previous
 * page), and the form that fits one template: its fields, and how their values become the message.
 */
export interface TemplateCatalog {
	list(
		transport: Transport,
		node: INode,
		credentials: ICredentialDataDecryptedObject,
		query: { filter?: string; paginationToken?: string },
	): Promise<{ templates: TemplateSummary[]; paginationToken?: string }>;
	/** The template's own fields: each variable, its header's kind, each button that takes a value. */
	form(
		transport: Transport,
		node: INode,
		credentials: ICredentialDataDecryptedObject,
		template: TemplateReference,
	): Promise<{ fields: TemplateFormField[]; notice?: string }>;
	/**
	 * The form's values (by field ID) as the parts of the message. `fields` are the form's fields as
	 * saved with the node; a required one without a value is reported, naming the field.
	 */
	fromForm(values: Record<string, string>, fields: TemplateFormField[]): { content: Partial<TemplateContent>; problems: Violation[] };
}

/** One answer option of a question, as sent: what the customer sees and the reply id a tap brings back. */
export interface AskOption {
	replyId: string;
	title: string;
	description?: string;
}

/** A Send and Wait for Reply question, provider-neutral (nodes/SendWhatsApp/sendAndWait.ts builds it). */
export interface AskQuestion {
	to: string;
	body: string;
	header?: string;
	footer?: string;
	/** The list's button text, when the options do not fit in reply buttons. */
	listButton: string;
	/** Empty for a free-text question. */
	options: AskOption[];
	replyTo?: string;
	sendOptions: SendOptions;
}

/**
 * What a provider does for Send and Wait for Reply: the shape of the question (reply buttons, a list,
 * numbered text) and the connection secret that keys the trigger → Send node forward of answers.
 */
export interface ProviderAsk {
	/** The connection secret the trigger and the Send node share ('' when the connection has none). */
	secret(credentials: ICredentialDataDecryptedObject): string;
	/** Which connection field holds that secret, for the error when it is empty. */
	secretField: string;
	/**
	 * The question as a message this provider sends. `answeredBy: 'replyId'` when a tap brings the
	 * option's reply id back; 'number' when the customer answers by typing the option's number.
	 */
	message(question: AskQuestion): { message: OutboundMessage; answeredBy: 'replyId' | 'number' };
	/**
	 * Sends the question itself where it needs more than one request (e.g. a content template first);
	 * `message` is then what the pre-flight check sees. Answers as `shape` ('button', 'list') come back by reply id.
	 */
	send?(context: SendContext, question: AskQuestion): Promise<SendResult & { shape: 'button' | 'list' }>;
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
	nodes: ProviderNodeSurface;
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
	/**
	 * Verifies an inbound request and turns it into events, or says which 4xx to answer. `triggerOptions`
	 * are the trigger's Options as saved; the provider reads its own (those it declares in `nodes`).
	 */
	handleInbound(request: InboundRequest, credentials: ICredentialDataDecryptedObject, triggerOptions: IDataObject): InboundResult;
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
	/** Send WhatsApp's media operations, where the provider has them (declared in `nodes.operations`). */
	media?: ProviderMediaOperations;
	/** The account's templates for Send WhatsApp's template picker, where the provider can list them. */
	templates?: TemplateCatalog;
	/** Send and Wait for Reply, where the provider offers it (declared as the operation 'sendAndWait'). */
	ask?: ProviderAsk;
	/** Points the provider at the trigger's URL on activation, where the provider allows it. */
	webhookRegistration?: {
		exists(transport: Transport, node: INode, credentials: ICredentialDataDecryptedObject, url: string): Promise<boolean>;
		create(transport: Transport, node: INode, credentials: ICredentialDataDecryptedObject, url: string): Promise<void>;
		remove(transport: Transport, node: INode, credentials: ICredentialDataDecryptedObject, url: string): Promise<void>;
	};
}

