// Public types of the provider sandbox (sandbox/index.js). The JavaScript sources import these
// through JSDoc, so `npx tsc -p sandbox` checks the implementation against them.

export type Provider = 'twilio' | 'meta' | 'gateway';

export interface TwilioApiKey {
	/** API key SID, 'SK' + 32 hex. Usable as the Basic-auth username instead of the Account SID. */
	sid: string;
	secret: string;
}

export interface TwilioAccount {
	/** 'AC' + 32 hex */
	accountSid: string;
	authToken: string;
	friendlyName: string;
	/** The sender address of this account, e.g. 'whatsapp:+14155238886'. */
	whatsappNumber: string;
	/** 'MG' + 32 hex */
	messagingServiceSid: string;
	apiKeys: TwilioApiKey[];
}

export interface MetaPhoneNumber {
	/** Phone Number ID (numeric string). */
	id: string;
	/** e.g. '+1 555-078-3881' */
	displayPhoneNumber: string;
	verifiedName: string;
	qualityRating: 'GREEN' | 'YELLOW' | 'RED' | 'NA';
}

export interface MetaAccount {
	accessToken: string;
	/** The primary Phone Number ID (always also in phoneNumbers). */
	phoneNumberId: string;
	/** WhatsApp Business Account ID. */
	wabaId: string;
	appId: string;
	appSecret: string;
	verifyToken: string;
	displayPhoneNumber: string;
	verifiedName: string;
	/** The app-level callback URL (the lowest-priority webhook destination), if any. */
	appCallbackUrl?: string;
	/** Every phone number of the WABA; the primary one first. */
	phoneNumbers: MetaPhoneNumber[];
}

export type GatewayAuthMode = 'bearer' | 'header' | 'basic' | 'any';

export interface GatewayAccount {
	/** When set (non-empty), requests to /gateway/* must carry it (see authMode), else 401. */
	authToken?: string;
	/** bearer (default): `Authorization: Bearer <token>`; header: `<headerName>: <token>`; basic: password = token; any: any of these. */
	authMode: GatewayAuthMode;
	/** Header name for authMode 'header' (default 'x-api-key'). */
	headerName: string;
	/** Secret used by fire() to sign gateway webhooks (X-Signature-256: hex HMAC-SHA256 of the raw body). */
	webhookSecret?: string;
}

export interface SandboxAccounts {
	/** The primary Twilio account (= twilioAccounts[0]). */
	twilio: TwilioAccount;
	twilioAccounts: TwilioAccount[];
	meta: MetaAccount;
	gateway: GatewayAccount;
}

export interface SandboxAccountsInput {
	/** One account or several; each is merged over the default account (the first one keeps the default SID unless given). */
	twilio?: Partial<TwilioAccount> | Array<Partial<TwilioAccount>>;
	meta?: Partial<Omit<MetaAccount, 'phoneNumbers'>> & {
		phoneNumbers?: Array<Partial<MetaPhoneNumber> & { id: string }>;
	};
	/** Pass `{ authToken: '' }` (or null) to accept unauthenticated gateway requests. */
	gateway?: Partial<GatewayAccount> | null;
}

export interface SandboxOptions {
	/** Default '127.0.0.1'. */
	host?: string;
	/** Default 0 (a free port). */
	port?: number;
	accounts?: SandboxAccountsInput;
	/** Initial behaviour, as for configure(). */
	behaviour?: ConfigureOptions;
	/** Base URL put into media links (Twilio MediaUrl0, Meta media url) when receivers reach the sandbox under another address (default: the listening URL). */
	publicUrl?: string;
	/** Optional logger for one-line request summaries (never secrets). */
	log?: (line: string) => void;
}

export interface MultipartFile {
	name: string;
	filename: string;
	contentType: string;
	data: Buffer;
}

export interface MultipartBody {
	fields: Record<string, string | string[]>;
	files: MultipartFile[];
}

export type ParsedBody = unknown;

export interface RecordedRequest {
	/** Sequence number, 1-based, unique for the sandbox's lifetime. */
	id: number;
	provider: Provider;
	method: string;
	/** Path without the query string, as received (including the /twilio, /meta or /gateway prefix). */
	path: string;
	/** Path and query as received. */
	url: string;
	query: Record<string, string | string[]>;
	headers: Record<string, string | string[] | undefined>;
	rawBody: Buffer;
	/** JSON value, form record (repeated keys as arrays), MultipartBody, text, or undefined. */
	body: ParsedBody;
	/** Set when the body could not be parsed as its content type says. */
	parseError?: string;
	/** Epoch ms when the request was received. */
	at: number;
	/** HTTP status answered; 0 for a connection reset; undefined while pending. */
	status?: number;
	/** Parsed response body (JSON answers only). */
	response?: unknown;
}

export interface FailNextOptions {
	provider: Provider;
	/** HTTP status to answer (default 500). Ignored when reset is true. */
	status?: number;
	/** Response body; defaults to a realistic provider error body for the status. */
	body?: unknown;
	headers?: Record<string, string>;
	/** How many matching requests fail (default 1). */
	count?: number;
	/** Destroy the socket after the request was read (a connection reset) instead of answering. */
	reset?: boolean;
	/** Only requests whose path contains this string (or matches this RegExp source when it starts with '^') count. */
	match?: string;
	/** Only requests with this method count. */
	method?: string;
}

export interface FaultOptions {
	/** Probability of an HTTP 500 provider error. */
	p500?: number;
	/** Probability of an HTTP 429 provider error with Retry-After. */
	p429?: number;
	/** Probability of a connection reset after the request was read. */
	pReset?: number;
	/** Retry-After seconds sent with fault 429s (default 1). */
	retryAfterSeconds?: number;
	/** 'messages' (default): only message-creating requests; 'all': every provider API request. */
	scope?: 'messages' | 'all';
}

export interface RateLimitOptions {
	/** Tokens per window (the bucket size). */
	limit: number;
	/** Window length in ms: the bucket refills `limit` tokens per windowMs (sliding window: at most `limit` in any windowMs). */
	windowMs: number;
	/** 'tokenBucket' (default, refilled continuously) or 'slidingWindow' (strict: at most `limit` accepted in any windowMs). */
	shape?: RateLimiterShape;
}

export type RateLimiterShape = 'tokenBucket' | 'slidingWindow';

export interface GatewayResponseOptions {
	status?: number;
	body?: unknown;
	headers?: Record<string, string>;
}

export interface ConfigureOptions {
	/** Delay before every provider response (ms). */
	latencyMs?: number;
	/** Extra random delay 0..jitterMs (seeded PRNG). */
	jitterMs?: number;
	/** Per provider-account token bucket of this many message sends per second; null/0 disables. */
	ratePerSecond?: number | null;
	/** The limiter's shape for ratePerSecond (and rateLimit without a shape): 'tokenBucket' (default) or 'slidingWindow'. */
	limiterShape?: RateLimiterShape;
	/** Same as ratePerSecond with an explicit window (use a long window for deterministic tests); null disables. */
	rateLimit?: RateLimitOptions | null;
	/** Random faults on message sends (or all requests with scope 'all'); null disables. */
	faults?: FaultOptions | null;
	/** Seed of the PRNG used for faults and jitter (re-seeds when given). */
	seed?: number;
	/** false: do not keep requests in sb.requests (only count them). Default true. */
	record?: boolean;
	/** Keep at most this many recorded requests (default 50,000; oldest dropped). */
	maxRecorded?: number;
	/** HTTP status of Meta throttling answers (error code 130429): 429 (default) or 400 as Graph often does. */
	metaRateLimitStatus?: number;
	/** Meta: verify override_callback_uri with a hub.challenge GET before accepting it (like the real API). Default false. */
	verifyWebhookCallbacks?: boolean;
	/** After accepting a message, POST signed 'sent' and 'delivered' status webhooks to the configured callback (Twilio StatusCallback, Meta override/app callback URL, gateway body.statusCallback/callbackUrl). Default false. */
	autoStatusCallbacks?: boolean;
	/** Delay between those automatic status webhooks (default 50 ms). */
	statusCallbackDelayMs?: number;
	/** Replace the gateway's default answer to POSTs. */
	gatewayResponse?: GatewayResponseOptions | null;
}

export interface Behaviour {
	latencyMs: number;
	jitterMs: number;
	rateLimit: RateLimitOptions | null;
	faults: Required<FaultOptions> | null;
	seed: number;
	record: boolean;
	maxRecorded: number;
	metaRateLimitStatus: number;
	verifyWebhookCallbacks: boolean;
	autoStatusCallbacks: boolean;
	statusCallbackDelayMs: number;
	gatewayResponse: GatewayResponseOptions | null;
}

export interface ProviderCounts {
	/** Provider API requests received (recorded or not). */
	received: number;
	/** Messages created (Twilio 201 Message, Meta messages with a wamid, gateway POST accepted). */
	accepted: number;
	/** 429s from the rate limit. */
	rejected429: number;
	/** Random faults answered (500 + 429 + resets from configure({faults})). */
	faults: number;
	faults500: number;
	faults429: number;
	faultsReset: number;
	/** Failures injected by failNext. */
	injected: number;
	/** 401s for missing or wrong credentials. */
	authFailures: number;
	/** Other 4xx answers (validation errors, unknown objects, 404s). */
	clientErrors: number;
}

export interface DuplicateMessage {
	provider: Provider;
	/** Sender: Twilio AccountSid, Meta Phone Number ID or 'gateway'. */
	sender: string;
	to: string;
	/** First 120 characters of the content that was sent more than once. */
	preview: string;
	count: number;
}

export interface SandboxStats extends ProviderCounts {
	providers: Record<Provider, ProviderCounts>;
	messages: {
		/** Distinct (provider, sender, to, content) keys accepted. */
		unique: number;
		/** accepted - unique: how many accepted messages repeated an earlier one. */
		duplicates: number;
		/** The most repeated keys (count > 1), at most 100, most repeated first. */
		duplicateKeys: DuplicateMessage[];
		/** True when more than 1,000,000 distinct keys were seen and later ones were not tracked. */
		truncated: boolean;
	};
	/** Status webhooks the sandbox sent by itself (autoStatusCallbacks) and how many failed. */
	callbacks: { sent: number; failed: number };
	/** Webhooks sent by fire(). */
	fired: number;
	/** Requests currently held in sb.requests. */
	recorded: number;
	startedAt: number;
}

/** 'user_id_update' and 'user_changed_user_id' (Meta only): a user's BSUID changed (sandbox/identity.js). */
export type FireKind = 'message' | 'status' | 'verify' | 'user_id_update' | 'user_changed_user_id';

export interface FireMedia {
	/** Default 'image/jpeg'. */
	contentType?: string;
	/** Bytes to serve when the receiver downloads the media (default: a tiny generated file). */
	data?: Buffer | string;
	filename?: string;
	caption?: string;
}

export interface FireOptions {
	provider: Provider;
	/** The receiving URL (e.g. an n8n webhook/trigger URL). */
	url: string;
	/** Default 'message'. 'verify' (Meta only) sends the hub.challenge GET. */
	kind?: FireKind;
	/** Twilio: the URL used in the signature when it differs from `url` (e.g. a public tunnel URL). */
	signatureUrl?: string;
	/** Replace the generated payload: Meta/gateway JSON value, Twilio form params. */
	payload?: unknown;
	/** Send exactly this body (it is still signed unless omitSignature). */
	rawBody?: string | Buffer;
	/** Meta: messages/statuses in one webhook; Twilio/gateway: that many separate requests (results in `results`). */
	count?: number;
	/** Change the body after signing it (signature no longer matches). */
	tamper?: boolean;
	/** Sign with a wrong secret/token. */
	wrongSecret?: boolean;
	/** Send no signature header. */
	omitSignature?: boolean;
	/** Gateway: send no Authorization header. */
	omitAuth?: boolean;
	/** Gateway: send a wrong bearer token. */
	wrongToken?: boolean;
	/** Override the signing secret: Meta app secret, Twilio auth token, gateway webhook secret. */
	secret?: string;
	/** Extra request headers. */
	headers?: Record<string, string>;
	/** Default 30,000 ms. */
	timeoutMs?: number;

	// Common message fields
	/** Message text (default 'Hello from the sandbox'). */
	text?: string;
	/** Several texts: message i gets texts[i % length]. */
	texts?: string[];
	/** Sender: Meta wa_id digits, Twilio 'whatsapp:+…' (a bare number gets the prefix), gateway any. */
	from?: string;
	/** Recipient (Twilio To / gateway to); Meta: the business phone is `phoneNumberId`. */
	to?: string;
	/** Sender profile name. */
	name?: string;
	/** Message type (Meta: text|image|video|audio|document|sticker|location|button|interactive|reaction; Twilio MessageType). */
	type?: string;
	/** Attach media (Meta media message / Twilio MediaUrl0); served by the sandbox with auth. */
	media?: FireMedia | boolean;
	/** Message id (Meta wamid / Twilio MessageSid / gateway id); with count > 1 a suffix is added. */
	id?: string;
	/** Unix seconds (default now). */
	timestamp?: number;
	/** Extra fields merged into each Meta message object / Twilio params / gateway body. */
	message?: Record<string, unknown>;
	/** Twilio: extra or overriding form params. */
	params?: Record<string, string | string[]>;

	// Meta identities (sandbox/identity.js)
	/** The user's business-scoped user ID (contacts user_id, from_user_id / recipient_user_id); the new one of an ID change. */
	userId?: string;
	/** The user's parent BSUID (e.g. US.ENT.11815799212886844830). */
	parentUserId?: string;
	/** The user's username (contacts profile.username). */
	username?: string;
	/** Leave the phone number out (a username user whose number may not be shared). */
	withoutPhone?: boolean;
	/** The old BSUID of an ID change. */
	previousUserId?: string;

	// Status fields
	/** For kind 'status': sent | delivered | read | failed (Twilio also queued, undelivered…). Default 'delivered'. */
	status?: string;
	/** For kind 'status': the message the status is about (wamid / SM sid / gateway id). */
	messageId?: string;
	/** For failed statuses: error code (Meta errors[0].code, Twilio ErrorCode). */
	errorCode?: number;
	errorMessage?: string;

	// Provider account selection
	/** Meta: business phone number id (default: the primary). */
	phoneNumberId?: string;
	/** Twilio: account (default: the primary). */
	accountSid?: string;
	/** Meta kind 'verify': the verify token to present (default the account verifyToken). */
	verifyToken?: string;
	/** Meta kind 'verify': the challenge (default random digits). */
	challenge?: string;
}

export interface FireResult {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	/** Parsed JSON when the answer is JSON, else the text. */
	body: unknown;
	text: string;
	/** What was sent. */
	request: {
		method: string;
		url: string;
		headers: Record<string, string>;
		rawBody: string;
		payload: unknown;
	};
	/** kind 'verify': the challenge sent and whether it was echoed with 200. */
	challenge?: string;
	verified?: boolean;
	/** Twilio/gateway with count > 1: every result (the top level is the last one). */
	results?: FireResult[];
}

export interface Sandbox {
	readonly url: string;
	readonly port: number;
	readonly host: string;
	readonly twilioBaseUrl: string;
	readonly metaBaseUrl: string;
	readonly gatewayUrl: string;
	readonly controlUrl: string;
	readonly accounts: SandboxAccounts;
	/** Live array (newest last); emptied in place by reset(). */
	readonly requests: RecordedRequest[];
	reset(): void;
	failNext(options: FailNextOptions): void;
	configure(options: ConfigureOptions): Behaviour;
	stats(): SandboxStats;
	fire(options: FireOptions): Promise<FireResult>;
	/** Requests of one provider (and optionally a path substring). */
	requestsFor(provider: Provider, pathIncludes?: string): RecordedRequest[];
	/** Register bytes as Meta media (GET /{version}/{id}, download URL) and return its id. */
	addMetaMedia(data: Buffer | string, mimeType?: string, phoneNumberId?: string): string;
	/** Register bytes as the media of an inbound Twilio message and return its MediaUrl (served with the account's Basic auth). */
	addTwilioMedia(data: Buffer | string, contentType?: string, messageSid?: string): string;
	/** A message accepted by the sandbox, by wamid / SM sid / gateway id. */
	getMessage(id: string): StoredMessage | undefined;
	/** The playground phone (phone.js, customer.js): conversations, where customer messages go, the customer's actions. */
	phone: PhonePlayground;
	close(): Promise<void>;
}

/** Where a customer's messages go: the trigger URL of an active workflow for a business connection. */
export interface PhoneTarget {
	provider: Provider;
	url: string;
	workflow?: string;
	workflowId?: string;
	connection?: string;
}

/** A button of a template or an interactive message, as the phone shows it. */
export interface PhoneButton {
	/** QUICK_REPLY, URL, COPY_CODE, OTP… (templates); absent on interactive reply buttons. */
	type?: string;
	/** What a tap sends back: the reply button's id, or the quick reply's payload. */
	id?: string;
	title?: string;
	text?: string;
	url?: string;
	code?: string;
}

export interface PhoneList {
	button: string;
	sections: Array<{ title?: string; rows: Array<{ id: string; title: string; description?: string }> }>;
}

/** What a message holds (sandbox/phone-model.js): kind text, media, template, interactive, location, contacts, reaction, markRead. */
export interface PhoneContent {
	kind: string;
	text?: string;
	previewUrl?: boolean;
	/** The customer's tap or list choice: the id sent. */
	reply?: { id: string; description?: string };
	mediaType?: string;
	caption?: string;
	filename?: string;
	url?: string;
	mediaId?: string;
	name?: string;
	language?: string;
	known?: boolean;
	subtype?: string;
	header?: { format: string; text?: string; url?: string; filename?: string; location?: Record<string, unknown> };
	body?: string;
	footer?: string;
	buttons?: PhoneButton[];
	list?: PhoneList;
	cards?: PhoneContent[];
	latitude?: number;
	longitude?: number;
	address?: string;
	contacts?: Array<{ name: string; phones: string[] }>;
	messageId?: string;
	emoji?: string;
	typing?: boolean;
}

export interface PhoneMessage {
	/** The provider's message id (wamid, SM…, gw_…). */
	id: string;
	/** out: the business sent it; in: the customer. */
	dir: 'in' | 'out';
	at: number;
	/** out: accepted, sent, delivered, read, failed, rejected; in: sending, delivered (the trigger took it), read, error. */
	status: string;
	content: PhoneContent;
	quote?: string;
	quotePreview?: { dir: string; text: string };
	reactions?: { customer?: string; business?: string };
	error?: { code: number | string; message: string };
	/** false when no status callback exists for it: the ticks are the phone's own. */
	posted?: boolean;
}

export interface PhoneConversation {
	/** provider:business:customer */
	id: string;
	provider: Provider;
	business: string;
	businessInfo: { name: string; number: string; label: string };
	customer: { number?: string; userId?: string; name: string };
	target?: string;
	messages: PhoneMessage[];
	/** The code the next message fails with, or null. */
	fail: number | null;
	failAll: boolean;
	readAfterMs: number | null;
	readNever: boolean;
	typing: boolean;
	lastPreview: string;
	failCodes: Array<{ code: number; message: string }>;
	createdAt: number;
	updatedAt: number;
}

/** What a customer action answers. */
export interface PhoneCustomerResult {
	message?: PhoneMessage;
	reacted?: boolean;
	webhook: { status: number; text: string; url: string; error?: string };
	target?: { url: string; workflow?: string };
}

export interface PhonePlayground {
	/** The trigger URLs customer messages go to, or a function that finds them (e.g. through n8n's REST API). */
	setTargets(source: PhoneTarget[] | ((provider?: string) => Promise<PhoneTarget[]> | PhoneTarget[])): void;
	targets(provider?: string): Promise<PhoneTarget[]>;
	conversations(): PhoneConversation[];
	conversation(id: string): PhoneConversation | undefined;
	/** "New customer": { provider, name?, number?, target? } */
	newCustomer(o: { provider: Provider; name?: string; number?: string; target?: string }): PhoneConversation;
	/** { fail: code | null, failAll?, readAfterMs?, readNever?, target?, name? } */
	settings(id: string, o: Record<string, unknown>): PhoneConversation;
	/** The customer opened the chat: posts 'read' for delivered messages. Resolves with how many. */
	read(id: string): Promise<number>;
	/** Posts a failed status for a sent message. */
	failMessage(id: string, code?: number): Promise<{ posted: boolean }>;
	/** A customer action: text, tap, choose, react, location, media (body as for POST /__sandbox/customer/{action}). */
	customer(action: string, body: Record<string, unknown>): Promise<PhoneCustomerResult>;
}

export interface StoredMessage {
	provider: Provider;
	id: string;
	sender: string;
	to: string;
	status: string;
	at: number;
	/** The provider resource (Twilio Message JSON) or request body (Meta / gateway). */
	resource: Record<string, unknown>;
	statusCallback?: string;
}
