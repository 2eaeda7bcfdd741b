/**
 * The provider-neutral message: what the Send WhatsApp node reads from its parameters and
 * every provider module turns into its own request. Nothing here knows about a provider.
 */
export type MediaType = 'image' | 'video' | 'audio' | 'document' | 'sticker';

export interface BinaryFile {
	data: Buffer;
	mimeType: string;
	fileName?: string;
	/** Where n8n stores the file (its binary data ID), when it is stored outside the item: the same ID is the same bytes. */
	storedAs?: string;
}

/**
 * A binary file of the input item, named but not read: pre-flight checks never hold the bytes of
 * every item; the item loop reads them just before the item is sent (see `binary`).
 */
export interface BinaryReference {
	/** The item's binary property, e.g. "data". */
	property: string;
	mimeType: string;
	fileName?: string;
	/** The size n8n recorded for the file, when it did (used to bound the bytes in flight). */
	byteLength?: number;
	/** n8n's binary data ID, when the file is stored outside the item. */
	storedAs?: string;
}

export interface MediaContent {
	type: MediaType;
	/** Exactly one source: a public URL, a media ID uploaded before (Meta), or a binary file. */
	url?: string;
	id?: string;
	/** The binary file, once read for sending. */
	binary?: BinaryFile;
	/** The binary file to read for sending (set by messageFromParameters; `binary` is filled in when sending). */
	file?: BinaryReference;
	caption?: string;
	fileName?: string;
}

export type TemplateHeader =
	| { type: 'text'; text: string; name?: string }
	| { type: 'image' | 'video' | 'document'; url?: string; id?: string; fileName?: string }
	| { type: 'location'; latitude: number; longitude: number; name?: string; address?: string };

export type TemplateBodyParameter =
	| { type: 'text'; text: string; name?: string }
	| { type: 'currency'; fallback: string; code: string; amount1000: number; name?: string }
	| { type: 'date_time'; fallback: string; name?: string };

export type TemplateButton =
	| { type: 'quick_reply'; index: number; payload: string }
	| { type: 'url'; index: number; text: string }
	| { type: 'copy_code'; index: number; couponCode: string }
	| { type: 'flow'; index: number; flowToken?: string; flowActionData?: Record<string, unknown> }
	/** REQUEST_CONTACT_INFO: fixed by the template, no value; no component is sent for it. */
	| { type: 'request_contact_info'; index: number }
	/** Catalog templates' View catalog button: the product whose image is the thumbnail (optional). */
	| { type: 'catalog'; index: number; thumbnailProductRetailerId?: string };

/** One card of a carousel template: its media header, body variables and button values. */
export interface TemplateCard {
	header?: { type: 'image' | 'video'; url?: string; id?: string };
	body?: TemplateBodyParameter[];
	buttons?: TemplateButton[];
}

export interface TemplateContent {
	/** Meta and webhook gateways: the template's name and language. */
	name?: string;
	language?: string;
	header?: TemplateHeader;
	body?: TemplateBodyParameter[];
	buttons?: TemplateButton[];
	/** Meta: the cards of a carousel template, in order (card_index 0, 1, …). */
	cards?: TemplateCard[];
	/** Meta: a limited-time offer template's expiry (Unix milliseconds), shown as a countdown. */
	limitedTimeOffer?: { expirationTimeMs: number };
	/** Twilio: the Content SID (HX…) of a Content API template. */
	contentSid?: string;
	/** Twilio and webhook gateways: named variables ({"1": "Ana"}). */
	variables?: Record<string, string>;
}

export interface InteractiveContent {
	type: 'button' | 'list';
	header?: string;
	body: string;
	footer?: string;
	buttons?: Array<{ id: string; title: string }>;
	list?: {
		button: string;
		sections: Array<{ title?: string; rows: Array<{ id: string; title: string; description?: string }> }>;
	};
}

export interface LocationContent {
	latitude: number;
	longitude: number;
	name?: string;
	address?: string;
}

export interface ContactContent {
	formattedName: string;
	firstName?: string;
	lastName?: string;
	phone?: string;
	phoneType?: string;
	email?: string;
	organization?: string;
	url?: string;
}

export type OutboundMessage = {
	/** `+<digits>` (normalised E.164). */
	to: string;
	/** The message ID this one replies to (WhatsApp "context"). */
	replyTo?: string;
	options: SendOptions;
	/**
	 * Send and Wait for Reply: the question's answer options (the reply id to send back, the title, the
	 * number to type); a gateway finds them in {{message}}, the other providers do not send them.
	 */
	answers?: Array<{ id: string; title: string; number: number }>;
	/** The values of the provider's own Send fields (ProviderNodeSurface.ownSendFields), by name. */
	providerFields?: Record<string, unknown>;
} & (
	| { type: 'text'; text: { body: string; previewUrl?: boolean } }
	| { type: 'media'; media: MediaContent }
	| { type: 'template'; template: TemplateContent }
	| { type: 'interactive'; interactive: InteractiveContent }
	| { type: 'location'; location: LocationContent }
	| { type: 'contacts'; contacts: ContactContent[] }
	| { type: 'reaction'; reaction: { messageId: string; emoji: string } }
	| { type: 'markRead'; markRead: { messageId: string; typingIndicator?: boolean } }
);

export type MessageType = OutboundMessage['type'];

export interface SendOptions {
	/** Twilio: StatusCallback; webhook gateways: overrides the connection's Status URL. */
	statusCallbackUrl?: string;
	/** Meta: individual (default) or group. */
	recipientType?: 'individual' | 'group';
	/** Meta: biz_opaque_callback_data, echoed back in status webhooks. */
	trackingData?: string;
	/** Twilio: ValidityPeriod in seconds. */
	validityPeriod?: number;
}

/** What every provider returns for one sent message; the node's output item. */
export interface SendResult {
	provider: string;
	messageId: string;
	to: string;
	status: string;
	raw: unknown;
}
