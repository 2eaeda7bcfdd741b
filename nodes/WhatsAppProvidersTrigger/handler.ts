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

import { redact } from '../shared/errors';
import type { InboundEvent, InboundRequest } from '../shared/inbound';
import { providerFor, type WhatsAppProvider } from '../shared/providers';
import type { GatewayField, GatewayInboundOptions } from '../shared/providers/webhook';
import { createTransport } from '../shared/transport';

function providerOf(context: IWebhookFunctions | IHookFunctions): { provider: WhatsAppProvider; credentialType: string } {
	const credentialType = context.getNodeParameter('authentication') as string;
	const provider = providerFor(credentialType);
	if (!provider) throw new NodeOperationError(context.getNode(), `Unknown provider "${credentialType}"`);
	return { provider, credentialType };
}

function gatewayOptions(options: IDataObject): GatewayInboundOptions {
	const paths: Partial<Record<GatewayField, string>> = {};
	for (const entry of ((options.fieldPaths as IDataObject | undefined)?.path as IDataObject[] | undefined) ?? []) {
		if (entry.field && entry.path) paths[entry.field as GatewayField] = String(entry.path);
	}
	return {
		eventsPath: (options.eventsPath as string) || undefined,
		paths,
		signatureHeader: (options.signatureHeader as string) || undefined,
		signatureSecret: (options.signatureSecret as string) || undefined,
		allowUnauthenticated: options.allowUnauthenticated === true,
	};
}

/** The trigger's webhook: verify, parse, filter, answer; only genuine requests start an execution. */
export async function handleWebhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const req = this.getRequestObject();
	const res = this.getResponseObject();
	const { provider, credentialType } = providerOf(this);
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const answer = (status: number, body: string, type: string): IWebhookResponseData => {
		res.status(status).type(type).send(body);
		return { noWebhookResponse: true };
	};
	const refuse = (status: number, message: string) => answer(status, JSON.stringify({ error: message }), 'application/json');

	if (this.getWebhookName() === 'setup' && provider.id !== 'meta') return refuse(405, 'Only POST is accepted');

	const rawBody = (req as { rawBody?: Buffer }).rawBody;
	const maxBytes = Number(options.maxBodyKb ?? 5120) * 1024;
	if (rawBody && rawBody.length > maxBytes) return refuse(413, 'Request body too large');

	const credentials = await this.getCredentials(credentialType);
	const publicUrl = (this.getWebhookResourceUrl?.('default') ?? this.getNodeWebhookUrl('default') ?? '').replace(/\/+$/, '');
	const query = req.originalUrl?.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
	const request: InboundRequest = {
		method: req.method,
		url: publicUrl + query,
		headers: req.headers,
		query: (req.query ?? {}) as Record<string, unknown>,
		rawBody,
		parsedBody: req.body,
	};
	const result = provider.handleInbound(request, credentials, gatewayOptions(options));
	if (result.kind === 'reject') return refuse(result.status, redact(result.message, provider.secrets(credentials)));
	if (result.kind === 'respond') return answer(result.status, result.body, result.contentType);

	// Answer at once: providers retry slow webhooks, and media downloads below can take a while.
	res.status(result.ack.status).type(result.ack.contentType).send(result.ack.body);
	const wanted = new Set((this.getNodeParameter('triggerOn', ['message']) as string[]) ?? ['message']);
	const events = result.events.filter((event) => wanted.has(event.event));
	const items: INodeExecutionData[] = [];
	const download = options.downloadMedia === true;
	const transport = download ? createTransport(this, credentialType) : undefined;
	for (const event of events) {
		const item: INodeExecutionData = { json: event as unknown as IDataObject };
		if (transport && event.event === 'message' && event.media) {
			const file = await downloadMedia(this, provider, transport, credentials, event);
			if (file) item.binary = file;
		}
		items.push(item);
	}
	if (items.length === 0) return { noWebhookResponse: true };
	return { noWebhookResponse: true, workflowData: [items] };
}

async function downloadMedia(
	context: IWebhookFunctions,
	provider: WhatsAppProvider,
	transport: ReturnType<typeof createTransport>,
	credentials: ICredentialDataDecryptedObject,
	event: InboundEvent,
): Promise<IBinaryKeyData | undefined> {
	// A failed download must not lose the message: the item still goes out, with the reason.
	try {
		const file = await provider.downloadMedia(transport, context.getNode(), credentials, event);
		if (!file) return undefined;
		const data = await context.helpers.prepareBinaryData(file.data, file.fileName, file.mimeType);
		return { data };
	} catch (error) {
		event.media = { ...event.media, downloadError: redact((error as Error).message, provider.secrets(credentials)) } as InboundEvent['media'];
		return undefined;
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
	const url = context.getNodeWebhookUrl('default') as string;
	const credentials = await context.getCredentials(credentialType);
	const transport = createTransport(context, credentialType);
	if (step === 'exists') return await registrar.exists(transport, context.getNode(), credentials, url);
	await registrar[step](transport, context.getNode(), credentials, url);
	return true;
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
