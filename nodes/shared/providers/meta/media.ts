import type { ICredentialDataDecryptedObject, IHttpRequestOptions, INode } from 'n8n-workflow';
import { createHash } from 'node:crypto';

import { inputError } from '../../errors';
import { originOf, type MediaFetcher } from '../../mediaFetch';
import type { BinaryFile } from '../../message';
import type { Transport } from '../../transport';
import { graphCall, graphUrl, metaCredentials, metaSecrets, type MetaCredentials } from './connection';

/** A multipart/form-data body built by hand: exact bytes, no dependency, works with any transport. */
export function multipartBody(
	fields: Record<string, string>,
	file: { field: string; data: Buffer; fileName: string; mimeType: string },
	boundary: string,
): Buffer {
	const parts: Buffer[] = [];
	const quote = (value: string) => value.replace(/["\r\n\\]/g, '_');
	for (const [name, value] of Object.entries(fields)) {
		parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`));
	}
	parts.push(
		Buffer.from(
			`--${boundary}\r\nContent-Disposition: form-data; name="${quote(file.field)}"; filename="${quote(file.fileName)}"\r\nContent-Type: ${file.mimeType}\r\n\r\n`,
		),
	);
	parts.push(file.data, Buffer.from(`\r\n--${boundary}--\r\n`));
	return Buffer.concat(parts);
}

/** Same bytes (SHA-256), same type and file name: same upload. */
export function metaUploadKey(file: BinaryFile, hash = createHash('sha256').update(file.data).digest('hex')): string {
	return `meta-media:${hash}:${file.mimeType}:${file.fileName ?? ''}`;
}

export function buildMetaUploadRequest(credentials: MetaCredentials, file: BinaryFile): IHttpRequestOptions {
	const boundary = `----n8nWhatsAppProviders${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
	return {
		method: 'POST',
		url: graphUrl(credentials, `${encodeURIComponent(credentials.phoneNumberId)}/media`),
		headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, Accept: 'application/json' },
		body: multipartBody(
			{ messaging_product: 'whatsapp', type: file.mimeType },
			{ field: 'file', data: file.data, fileName: file.fileName || 'file', mimeType: file.mimeType },
			boundary,
		),
	};
}

/**
 * Looks a media ID up on the Graph API, then downloads the file from the URL Meta answered with the
 * connection's token (Meta requires it there), under the trigger's safe-download rules.
 */
export async function downloadMetaMedia(
	transport: Transport,
	node: INode,
	stored: ICredentialDataDecryptedObject,
	mediaId: string,
	fetchMedia: MediaFetcher,
): Promise<{ data: Buffer; mimeType?: string; fileName?: string }> {
	const credentials = metaCredentials(stored);
	const secrets = metaSecrets(stored);
	const lookup = await graphCall(transport, node, 0, { method: 'GET', url: graphUrl(credentials, encodeURIComponent(mediaId)), json: true }, secrets);
	const info = lookup.body as { url?: string; mime_type?: string };
	if (!info.url) throw inputError(node, undefined, `Meta returned no download URL for media ${mediaId}`);
	const file = await fetchMedia(info.url, { ownOrigin: originOf(credentials.baseUrl), credentialedOrigin: originOf(info.url) });
	return { data: file.data, mimeType: info.mime_type ?? file.mimeType };
}
