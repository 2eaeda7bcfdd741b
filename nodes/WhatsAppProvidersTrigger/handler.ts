import type {
	IBinaryKeyData,
	ICredentialDataDecryptedObject,
	IDataObject,
	IHookFunctions,
	INodeExecutionData,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { askRegistration, routeAnswers } from '../shared/ask/answers';
import { redact } from '../shared/errors';
import { paceLease } from '../shared/paceSharing';
import { deliveryMemory } from '../shared/dedupe';
import { defaultMaxBytes, fetchMedia, isMediaRefusal, parseAllowedHosts, type EgressFilter, type MediaFetcher } from '../shared/mediaFetch';
import { toItem, type InboundEvent, type InboundRequest } from '../shared/inbound';
import { providerFor, type WhatsAppProvider } from '../shared/providers';
import { createPlainTransport, createTransport, type Transports } from '../shared/transport';

function providerOf(context: IWebhookFunctions | IHookFunctions): { provider: WhatsAppProvider; credentialType: string } {
	const credentialType = context.getNodeParameter('authentication') as string;
	const provider = providerFor(credentialType);
	if (!provider) throw new NodeOperationError(context.getNode(), `Unknown provider "${credentialType}"`);
	return { provider, credentialType };
}

/** Whether an event is a delivery status of a sent message (a failed one included). */
export function isDeliveryStatus(event: InboundEvent): boolean {
	return event.event === 'status' || (event.event === 'error' && event.status !== undefined);
}

/**
 * The Trigger On choices. "Delivery Statuses" delivers every status of a sent message, failed ones
 * included (their item keeps event "error", as before, with the provider's code and text in errors);
 * "Errors" delivers failed deliveries too, and the provider errors that belong to no message.
 */
export function wantedBy(triggerOn: Iterable<string>): (event: InboundEvent) => boolean {
	const wanted = new Set(triggerOn);
	return (event) => wanted.has(event.event) || (wanted.has('status') && isDeliveryStatus(event));
}

/** How long a delivery is remembered, in minutes, by default: Meta resends for hours, Twilio within seconds. */
const REPEAT_WINDOW_MINUTES = 60;

type RawBodyRequest = { rawBody?: Buffer; readRawBody?: () => Promise<void> };

/** The exact bytes received (n8n keeps them as rawBody; read them if it has not yet). */
async function readRawBody(req: RawBodyRequest): Promise<{ bytes?: Buffer; tooLarge?: boolean }> {
	if (!req.rawBody && typeof req.readRawBody === 'function') {
		try {
			await req.readRawBody();
		} catch (error) {
			const type = (error as { type?: string }).type;
			return { tooLarge: type === 'entity.too.large' };
		}
	}
	return { bytes: req.rawBody };
}

/**
 * Media downloads hold up the answer to the provider, which gives up on a webhook that does not
 * answer within about 15 s (Meta sends it again later; Twilio reports error 11200). Media not fetched within the time limit is
 * left for the workflow to fetch: the item keeps the media id and URL, with the reason.
 */
const MEDIA_TIME_LIMIT_S = 8;
const MEDIA_TIME_LIMIT_EXCEEDED =
	'Not downloaded within the Media Download Time Limit (the provider expects an answer within seconds). Download it in the workflow with the media id or URL.';

/** The trigger's webhook: verify, parse, filter, answer; only genuine requests start an execution. */
export async function handleWebhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const req = this.getRequestObject();
	const res = this.getResponseObject();
	const { provider, credentialType } = providerOf(this);
	const options = this.getNodeParameter('triggerOptions', {}) as IDataObject;
	const answer = (status: number, body: string, type: string): IWebhookResponseData => {
		res.status(status).type(type).send(body);
		return { noWebhookResponse: true };
	};
	const refuse = (status: number, message: string, reason?: string) => {
		// The caller learns the status only; why it was refused goes to n8n's log (never a secret).
		if (reason) this.logger.warn(`WhatsApp trigger refused a request (${status}): ${reason}`, { node: this.getNode().name });
		return answer(status, JSON.stringify({ error: message }), 'application/json');
	};

	if (this.getWebhookName() === 'setup' && provider.id !== 'meta') return refuse(405, 'Method not allowed');

	const maxBytes = Number(options.maxBodyKb ?? 5120) * 1024;
	const body = req.method === 'GET' ? { bytes: Buffer.alloc(0) } : await readRawBody(req as unknown as RawBodyRequest);
	if (body.tooLarge || (body.bytes && body.bytes.length > maxBytes)) return refuse(413, 'Payload too large');

	const credentials = await this.getCredentials(credentialType);
	const publicUrl = (this.getWebhookResourceUrl?.('default') ?? this.getNodeWebhookUrl('default') ?? '').replace(/\/+$/, '');
	const query = req.originalUrl?.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
	const request: InboundRequest = {
		method: req.method,
		url: publicUrl + query,
		headers: req.headers,
		query: (req.query ?? {}) as Record<string, unknown>,
		rawBody: body.bytes,
		parsedBody: req.body,
	};
	const secrets = provider.secrets(credentials);
	// A Send node's process taking its share of the connection's limit (Pace Sharing URL): answered here, starts nothing.
	const leased = paceLease(String(this.getWorkflow().id ?? ''), provider, credentials, req.headers, body.bytes);
	if (leased) return leased.reason ? refuse(leased.status, 'Unauthorized', leased.reason) : answer(leased.status, leased.body, 'application/json');
	// A Send node registering a question answered by text (Send and Wait for Reply).
	const registered = askRegistration(this, provider, credentials, req.headers, body.bytes);
	if (registered) return registered.reason ? refuse(registered.status, 'Unauthorized', registered.reason) : answer(registered.status, registered.body, 'application/json');
	const result = provider.handleInbound(request, credentials, options);
	if (result.kind === 'reject') {
		return refuse(result.status, redact(result.message, secrets), result.reason && redact(result.reason, secrets));
	}
	if (result.kind === 'respond') {
		// The handshake echoes what the caller sent (digits only): never let a browser sniff it as HTML.
		res.setHeader('X-Content-Type-Options', 'nosniff');
		return answer(result.status, result.body, result.contentType);
	}

	for (const note of result.notes ?? []) {
		this.logger[note.level](`WhatsApp trigger: ${redact(note.message, secrets)}`, { node: this.getNode().name });
	}
	const wanted = wantedBy((this.getNodeParameter('triggerOn', ['message']) as string[]) ?? ['message']);
	// Answers to Send and Wait for Reply questions resume their executions and start nothing here.
	const notAnswers = await routeAnswers(this, provider, credentials, result.events, result.authenticated, options.startOnAnswers === true);
	let events = notAnswers.filter(wanted);
	// A redelivery (same provider, message ID and status) within the window starts nothing. Checked and
	// remembered in one synchronous step, before any await, so two copies arriving together start one run.
	if (options.repeatedDeliveries !== 'run' && events.length > 0) {
		const windowMs = Math.max(1, Number(options.repeatWindowMinutes ?? REPEAT_WINDOW_MINUTES)) * 60_000;
		const scope = `${this.getWorkflow().id ?? ''}\u0000${this.getNode().id ?? this.getNode().name}`;
		const { fresh, repeated, keys } = deliveryMemory.admit(scope, events, windowMs);
		// Remembered only if the provider gets its 200: when n8n cannot create the execution (it answers
		// 500, or the connection drops first) the provider sends the webhook again, and that must run.
		const response = res as unknown as { once?: (event: string, listener: () => void) => unknown; statusCode?: number; writableFinished?: boolean };
		if (keys.length > 0 && typeof response.once === 'function') {
			let settled = false;
			const settle = (finished: boolean) => {
				if (settled) return;
				settled = true;
				if (!finished || (response.statusCode ?? 200) >= 300) deliveryMemory.forget(keys);
			};
			response.once('finish', () => settle(true));
			response.once('close', () => settle(response.writableFinished !== false));
		}
		if (repeated > 0) {
			this.logger.debug(`WhatsApp trigger ignored ${repeated} repeated deliver${repeated === 1 ? 'y' : 'ies'} (already started a run for them)`, { node: this.getNode().name });
		}
		events = fresh;
	}
	// Nothing this workflow listens for (or all of it already handled): acknowledge, start nothing.
	if (events.length === 0) return answer(result.ack.status, result.ack.body, result.ack.contentType);

	// Media URLs of a request that proved nothing about its sender are never fetched.
	const download = options.downloadMedia === true && result.authenticated;
	const deadline = Date.now() + Number(options.mediaTimeLimit ?? MEDIA_TIME_LIMIT_S) * 1000;
	const timeLeft = () => deadline - Date.now();
	const transports = download
		? { authenticated: createTransport(this, credentialType, timeLeft), plain: createPlainTransport(this, timeLeft) }
		: undefined;
	const items: INodeExecutionData[] = [];
	for (const event of events) {
		const item: INodeExecutionData = { json: toItem(event) as IDataObject };
		if (event.phoneNumberId) item.json.phoneNumberId = event.phoneNumberId;
		if (transports && event.event === 'message' && event.media) {
			const file = await downloadMedia(this, provider, transports, credentials, event, timeLeft, options);
			if (file) item.binary = file;
			item.json.media = event.media as IDataObject;
		}
		items.push(item);
	}
	// n8n answers with `webhookResponse` only once it has created the execution (the description's
	// `responseData: ''` makes it use this body), so the provider never gets a 200 for a message
	// that is not yet in n8n's hands; if n8n cannot take it, the provider gets n8n's 500 instead.
	// n8n keeps the Content-Type set here; the status is the description's responseCode (200), which
	// every acknowledgement uses.
	res.type(result.ack.contentType);
	return { workflowData: [items], webhookResponse: result.ack.body };
}

async function downloadMedia(
	context: IWebhookFunctions,
	provider: WhatsAppProvider,
	transports: Transports,
	credentials: ICredentialDataDecryptedObject,
	event: InboundEvent,
	timeLeft: () => number,
	options: IDataObject,
): Promise<IBinaryKeyData | undefined> {
	// A failed download must not lose the message: the item still goes out, with the reason.
	const failed = (reason: string) => {
		event.media = { ...event.media, downloadError: reason } as InboundEvent['media'];
		return undefined;
	};
	if (timeLeft() <= 0) return failed(MEDIA_TIME_LIMIT_EXCEEDED);
	const megabytes = Number(options.maxMediaMb ?? 0);
	const maxBytes = megabytes > 0 ? Math.floor(megabytes * 1024 * 1024) : defaultMaxBytes(event.type, event.media?.mimeType);
	// n8n 2.40's egress filter, with its SSRF rules enforced for these downloads whatever the instance's setting.
	const helpers = context.helpers as { getSecureEgressFilter?: (policy: 'enforced') => EgressFilter };
	const fetcher: MediaFetcher = async (url, origins) =>
		await fetchMedia(url, {
			node: context.getNode(),
			transports,
			...origins,
			allowedHosts: parseAllowedHosts(options.allowedMediaHosts),
			maxBytes,
			egress: typeof helpers.getSecureEgressFilter === 'function' ? helpers.getSecureEgressFilter('enforced') : undefined,
		});
	try {
		const file = await provider.downloadMedia(transports, context.getNode(), credentials, event, fetcher);
		if (!file) return undefined;
		const data = await context.helpers.prepareBinaryData(file.data, file.fileName, file.mimeType);
		return { data };
	} catch (error) {
		if (isMediaRefusal(error)) return failed(redact((error as Error).message, provider.secrets(credentials)));
		if (timeLeft() <= 0) return failed(MEDIA_TIME_LIMIT_EXCEEDED);
		return failed(redact((error as Error).message, provider.secrets(credentials)));
	}
}

/** Runs one registration step when the provider supports it and the user asked for it. */
async function registration(
	context: IHookFunctions,
	step: 'exists' | 'create' | 'remove',
): Promise<boolean> {
	const { provider, credentialType } = providerOf(context);
	const registrar = provider.webhookRegistration;
	if (!registrar || context.getNodeParameter('registerWebhook', false) !== true) return true;
	// "Listen for test event" must not point the number at the test URL, nor clear the production
	// registration when the listener stops: only the activated workflow registers.
	if (context.getMode() === 'manual' || context.getActivationMode?.() === 'manual') return true;
	const url = context.getNodeWebhookUrl('default') as string;
	const credentials = await context.getCredentials(credentialType);
	const transport = createTransport(context, credentialType);
	try {
		if (step === 'exists') return await registrar.exists(transport, context.getNode(), credentials, url);
		await registrar[step](transport, context.getNode(), credentials, url);
		return true;
	} catch (error) {
		// Deactivation must not be blocked by an unreachable provider; activation must fail loudly, so
		// the workflow is not shown as active while the number's webhook points elsewhere.
		if (step === 'remove') {
			context.logger.warn(`WhatsApp trigger could not remove the phone number's webhook: ${redact((error as Error).message, provider.secrets(credentials))}`);
			return true;
		}
		throw registrationError(context, provider, credentials, error);
	}
}

/** Why activation failed: what the provider answered, and what to do about it (n8n shows the message). */
function registrationError(
	context: IHookFunctions,
	provider: WhatsAppProvider,
	credentials: ICredentialDataDecryptedObject,
	error: unknown,
): NodeOperationError {
	const secrets = provider.secrets(credentials);
	const answered = redact((error as Error).message ?? String(error), secrets);
	const detail = redact(String((error as { description?: unknown }).description ?? ''), secrets);
	const fix =
		'Check the connection (Access Token, Phone Number ID, Base URL) and that n8n can reach the Graph API, then activate again; or turn off "Register Webhook on Activation" and set the Callback URL in the Meta App Dashboard.';
	const message = `Could not register this trigger's URL as the phone number's webhook: ${answered}. Nothing was registered. ${fix}`;
	// `message` set again: n8n would otherwise swap a message naming ECONNREFUSED & co.
	// for its generic text, losing what the provider answered; n8n's activation reports `detail`
	// in place of the message when an error has one.
	const failure = new NodeOperationError(context.getNode(), message, { description: detail || undefined });
	failure.message = message;
	(failure as unknown as { detail: string }).detail = message;
	return failure;
}

/** Activation hooks: only providers that let us point them at the URL do anything. */
export const webhookLifecycle = {
	async checkExists(this: IHookFunctions): Promise<boolean> {
		return await registration(this, 'exists');
	},
	async create(this: IHookFunctions): Promise<boolean> {
		return await registration(this, 'create');
	},
	async delete(this: IHookFunctions): Promise<boolean> {
		return await registration(this, 'remove');
	},
};
