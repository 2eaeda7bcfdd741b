import type {
	ICredentialDataDecryptedObject,
	IBinaryKeyData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	IPairedItemData,
} from 'n8n-workflow';

import { inputError, redact, redactValue, toNodeError } from '../shared/errors';
import { runItems, type StopReport } from '../shared/itemLoop';
import { defaultMaxBytes, fetchMedia, parseAllowedHosts, type EgressFilter, type MediaFetcher } from '../shared/mediaFetch';
import type { BinaryReference } from '../shared/message';
import { DEFAULT_RETRY_POLICY } from '../shared/pacing';
import { offeredBy } from '../shared/providerFields';
import { PROVIDERS, type MediaOperationContext, type WhatsAppProvider } from '../shared/providers';
import { createPlainTransport, type Transport } from '../shared/transport';
import { invalidItemError, preflightError, type InvalidItem } from '../shared/validation';
import { ALLOWED_MEDIA_HOSTS_OPTION } from '../shared/mediaFields';

/**
 * Send WhatsApp's media operations: Upload Media (a binary of the input item → a media ID),
 * Download Media (a media ID or URL → a binary, under the trigger's safe-download rules:
 * mediaFetch.ts) and Delete Media. Each provider declares which it offers (`nodes.operations`) and
 * implements them (`media`); the item loop and pre-flight are the same as for sends.
 */

export const MEDIA_OPERATIONS = {
	uploadMedia: { name: 'Upload Media', action: 'Upload media', description: 'Upload a file of the input item and get its media ID', method: 'upload' },
	downloadMedia: { name: 'Download Media', action: 'Download media', description: 'Download a received media file into a binary field', method: 'download' },
	deleteMedia: { name: 'Delete Media', action: 'Delete media', description: 'Delete an uploaded media file by its media ID', method: 'delete' },
} as const;

export type MediaOperation = keyof typeof MEDIA_OPERATIONS;

/** How a stop's error names the items each media operation handled before the stop. */
const STOP_REPORTS: Record<MediaOperation, StopReport> = {
	uploadMedia: { done: 'Uploaded', idName: 'media ID', idOf: (value) => String(value?.mediaId ?? ''), again: 'uploaded again' },
	downloadMedia: { done: 'Downloaded', idName: 'file', idOf: (value) => String(value?.fileName ?? '') },
	deleteMedia: { done: 'Deleted', idName: 'media ID', idOf: (value) => String(value?.mediaId ?? '') },
};

/** Media requests in flight at once unless Max Concurrent Requests says otherwise. */
const MEDIA_CONCURRENCY = 4;

export function isMediaOperation(operation: string): operation is MediaOperation {
	return Object.prototype.hasOwnProperty.call(MEDIA_OPERATIONS, operation);
}

/** The Operation dropdown's options of the media operations, each naming the providers that offer it. */
export function mediaOperationOptions() {
	return (Object.keys(MEDIA_OPERATIONS) as MediaOperation[]).map((value) => {
		const { name, action, description } = MEDIA_OPERATIONS[value];
		return { name, value, action, description: `${description}${offeredBy((provider) => provider.operations.includes(value))}` };
	});
}

const show = (operation: MediaOperation) => ({ show: { operation: [operation] } });

/** "Meta WhatsApp Cloud API: the media ID …; Twilio, Gateway: the media URL …", from the providers' declarations. */
function referenceDescription(): string {
	const taking = (kind: 'id' | 'url') =>
		PROVIDERS.filter((provider) => provider.nodes.operations.includes('downloadMedia') && provider.media?.downloadReference === kind).map(
			(provider) => provider.label,
		);
	const parts = [];
	const ids = taking('id');
	const urls = taking('url');
	if (ids.length > 0) parts.push(`${ids.join(', ')}: the media ID, e.g. {{ $json.media.id }} from the WhatsApp trigger`);
	if (urls.length > 0) parts.push(`${urls.join(', ')}: the media URL, e.g. {{ $json.media.url }}`);
	return parts.join('. ');
}

/** The fields of the media operations (each shown only for its operation). */
export function mediaOperationFields(): INodeProperties[] {
	return [
		{
			displayName: 'Input Binary Field',
			name: 'uploadBinaryPropertyName',
			type: 'string',
			default: 'data',
			required: true,
			hint: 'The name of the input binary field containing the file to upload',
			displayOptions: show('uploadMedia'),
		},
		{
			displayName: 'Media ID or URL',
			name: 'mediaReference',
			type: 'string',
			default: '',
			required: true,
			description: referenceDescription(),
			displayOptions: show('downloadMedia'),
		},
		{
			displayName: 'Media ID',
			name: 'deleteMediaId',
			type: 'string',
			default: '',
			required: true,
			description: 'The media ID an upload returned',
			displayOptions: show('deleteMedia'),
		},
	];
}

/** Download Media's options (in Options, shown only for it). */
export const mediaDownloadOptions: INodeProperties[] = [
	{ ...ALLOWED_MEDIA_HOSTS_OPTION, displayOptions: { show: { '/operation': ['downloadMedia'] } } },
	{
		displayName: 'Max Media Size (MB)',
		name: 'maxMediaMb',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 2 },
		default: 0,
		description: "The largest file downloaded; a larger one is stopped and the item fails with the reason. 0: WhatsApp's largest media size (documents, 100 MB).",
		displayOptions: { show: { '/operation': ['downloadMedia'] } },
	},
	{
		displayName: 'Put Output File in Field',
		name: 'outputBinaryPropertyName',
		type: 'string',
		default: 'data',
		description: 'The name of the output binary field to put the downloaded file in',
		displayOptions: { show: { '/operation': ['downloadMedia'] } },
	},
];

type Request = { operation: 'uploadMedia'; file: BinaryReference } | { operation: 'downloadMedia' | 'deleteMedia'; reference: string };

/** One item's request, read and checked (pre-flight): nothing is sent. */
function readRequest(ctx: IExecuteFunctions, provider: WhatsAppProvider, operation: MediaOperation, itemIndex: number): Request {
	const node = ctx.getNode();
	const i = itemIndex;
	const { name, method } = MEDIA_OPERATIONS[operation];
	if (!provider.nodes.operations.includes(operation) || !provider.media?.[method]) {
		throw invalidItemError(node, i, [{ field: 'Operation', value: name, rule: `is not available on ${provider.label}` }]);
	}
	const violation = (field: string, value: string, rule: string, hint?: string) =>
		inputError(node, i, `${field} ${rule} (item ${i})`, hint, { field, value, rule });
	if (operation === 'uploadMedia') {
		const property = String(ctx.getNodeParameter('uploadBinaryPropertyName', i, 'data') ?? '').trim();
		let binary;
		try {
			binary = ctx.helpers.assertBinaryData(i, property);
		} catch {
			throw violation('Input Binary Field', property, 'names no binary data of the input item', 'Set "Input Binary Field" to the name of the binary property that holds the file.');
		}
		const byteLength = typeof binary.bytes === 'number' ? binary.bytes : !binary.id && typeof binary.data === 'string' ? Math.ceil((binary.data.length * 3) / 4) : undefined;
		return { operation, file: { property, mimeType: binary.mimeType, fileName: binary.fileName, byteLength, storedAs: binary.id } };
	}
	const field = operation === 'downloadMedia' ? 'Media ID or URL' : 'Media ID';
	const reference = String(ctx.getNodeParameter(operation === 'downloadMedia' ? 'mediaReference' : 'deleteMediaId', i, '') ?? '').trim();
	if (!reference) throw violation(field, '', 'must not be empty');
	if (operation === 'downloadMedia') {
		const takesUrl = provider.media!.downloadReference === 'url';
		if (takesUrl && !/^https?:\/\/\S+$/i.test(reference)) {
			throw violation(field, reference, `must be an http(s) media URL on ${provider.label}`, 'Map the media URL of the received message, e.g. {{ $json.media.url }}.');
		}
		if (!takesUrl && /[\s/?#]/.test(reference)) {
			throw violation(field, reference, `must be a media ID on ${provider.label}`, 'Map the media ID of the received message, e.g. {{ $json.media.id }}.');
		}
	}
	return { operation, reference };
}

/**
 * The downloaded file's name: the one the provider gave, else the media ID (or the URL's last
 * segment); with an extension from its MIME type when it has none.
 */
export function downloadFileName(given: string | undefined, reference: string, mimeType: string | undefined): string {
	const last = given ?? reference.split(/[?#]/)[0].split('/').filter(Boolean).pop() ?? 'media';
	const base = (given ? last : last.replace(/[^\w.-]/g, '_')).slice(0, 200) || 'media';
	if (/\.\w{1,8}$/.test(base)) return base;
	const subtype = (mimeType ?? '').split(';')[0].trim().toLowerCase().split('/')[1] ?? '';
	const known: Record<string, string> = { jpeg: 'jpg', plain: 'txt', mpeg: 'mp3', quicktime: 'mov', 'vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx' };
	const extension = known[subtype] ?? (/^[a-z0-9]{1,8}$/.test(subtype) ? subtype : '');
	return extension ? `${base}.${extension}` : base;
}

export interface MediaOperationSetup {
	operation: MediaOperation;
	provider: WhatsAppProvider;
	credentials: ICredentialDataDecryptedObject;
	secrets: string[];
	transport: Transport;
	connectionName?: string;
	options: IDataObject;
}

/** Runs a media operation for every item: pre-flight first, then the item loop. */
export async function executeMediaOperation(ctx: IExecuteFunctions, setup: MediaOperationSetup): Promise<INodeExecutionData[][]> {
	const { operation, provider, credentials, secrets, transport, connectionName, options } = setup;
	const node = ctx.getNode();
	const itemCount = ctx.getInputData().length;

	// Pre-flight: every item is read and checked before the first request.
	const requests: Array<Request | undefined> = new Array(itemCount);
	const invalid: InvalidItem[] = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			requests[itemIndex] = readRequest(ctx, provider, operation, itemIndex);
		} catch (error) {
			const failure = toNodeError(node, error, itemIndex);
			failure.message = redact(failure.message, secrets);
			invalid.push({ itemIndex, error: failure });
		}
	}
	if (invalid.length > 0 && !ctx.continueOnFail()) throw preflightError(node, invalid, itemCount);

	const transports = { authenticated: transport, plain: createPlainTransport(ctx) };
	const megabytes = Number(options.maxMediaMb ?? 0);
	const maxBytes = Number.isFinite(megabytes) && megabytes > 0 ? Math.floor(megabytes * 1024 * 1024) : defaultMaxBytes();
	const helpers = ctx.helpers as unknown as { getSecureEgressFilter?: (policy: 'enforced') => EgressFilter };
	// n8n 2.40's egress filter, with its SSRF rules enforced whatever the instance's setting (as in the
	// trigger); taken from n8n only when a host name must be checked.
	let filter: EgressFilter | undefined;
	const egress: EgressFilter | undefined =
		typeof helpers.getSecureEgressFilter === 'function'
			? { validateUrl: async (url) => await (filter ??= helpers.getSecureEgressFilter!('enforced')).validateUrl(url) }
			: undefined;
	const fetcher: MediaFetcher = async (url, origins) =>
		await fetchMedia(url, {
			node,
			transports,
			...origins,
			allowedHosts: parseAllowedHosts(options.allowedMediaHosts),
			maxBytes,
			egress,
		});
	const outputProperty = String(options.outputBinaryPropertyName ?? '').trim() || 'data';
	const files = new Map<number, IBinaryKeyData>();
	const maxAttempts = Number(options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts);

	const output = await runItems(
		ctx,
		async (itemIndex) => {
			const request = requests[itemIndex]!;
			const context: MediaOperationContext = { transport, transports, credentials, node, itemIndex, connectionName };
			try {
				if (request.operation === 'uploadMedia') {
					const { file } = request;
					const data = await ctx.helpers.getBinaryDataBuffer(itemIndex, file.property);
					const uploaded = await provider.media!.upload!(context, { data, mimeType: file.mimeType, fileName: file.fileName, storedAs: file.storedAs });
					return { provider: provider.id, operation, mediaId: uploaded.mediaId, mimeType: file.mimeType, fileName: file.fileName, fileSize: data.length, raw: safe(uploaded.raw, secrets) } as IDataObject;
				}
				if (request.operation === 'downloadMedia') {
					const file = await provider.media!.download!(context, request.reference, fetcher);
					const fileName = downloadFileName(file.fileName, request.reference, file.mimeType);
					const binary = await ctx.helpers.prepareBinaryData(file.data, fileName, file.mimeType);
					files.set(itemIndex, { [outputProperty]: binary });
					return { provider: provider.id, operation, media: request.reference, mimeType: binary.mimeType, fileName: binary.fileName ?? fileName, fileSize: file.data.length } as IDataObject;
				}
				const deleted = await provider.media!.delete!(context, request.reference);
				return { provider: provider.id, operation, mediaId: request.reference, deleted: true, raw: safe(deleted.raw, secrets) } as IDataObject;
			} catch (error) {
				const failure = toNodeError(node, error, itemIndex);
				failure.message = redact(failure.message, secrets);
				throw failure;
			}
		},
		{
			preFailed: new Map(invalid.map(({ itemIndex, error }) => [itemIndex, error])),
			report: STOP_REPORTS[operation],
			// Files are held while they download or upload: a few at a time (Max Concurrent Requests can change it).
			concurrency: Number(options.concurrency) >= 1 ? Math.floor(Number(options.concurrency)) : MEDIA_CONCURRENCY,
			ratePerSecond: 0,
			retry: {
				...DEFAULT_RETRY_POLICY,
				maxAttempts: Number.isFinite(maxAttempts) && maxAttempts >= 1 ? Math.floor(maxAttempts) : DEFAULT_RETRY_POLICY.maxAttempts,
				retryUnknownDelivery: false,
			},
		},
	);
	// The item loop pairs JSON with its input; the downloaded files join their items here.
	for (const item of output[0] ?? []) {
		const paired = item.pairedItem as IPairedItemData | undefined;
		const binary = paired ? files.get(paired.item) : undefined;
		if (binary && item.json.error === undefined) item.binary = binary;
	}
	return output;
}

/** A provider's answer in an output item: never a secret, and reporting it never fails the item. */
function safe(raw: unknown, secrets: readonly unknown[]): unknown {
	try {
		return redactValue(raw, secrets);
	} catch {
		return '[redacted]';
	}
}
