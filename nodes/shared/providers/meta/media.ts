import type { ICredentialDataDecryptedObject, IHttpRequestOptions, INode } from 'n8n-workflow';
import { createHash } from 'node:crypto';

import { inputError } from '../../errors';
import { originOf, type MediaFetcher } from '../../mediaFetch';
import type { BinaryFile } from '../../message';
import type { Transport } from '../../transport';
import type { ProviderMediaOperations } from '../types';
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
	itemIndex = 0,
): Promise<{ data: Buffer; mimeType?: string; fileName?: string }> {
	const credentials = metaCredentials(stored);
	const secrets = metaSecrets(stored);
	const lookup = await graphCall(transport, node, itemIndex, { method: 'GET', url: graphUrl(credentials, encodeURIComponent(mediaId)), json: true }, secrets);
	const info = lookup.body as { url?: string; mime_type?: string };
	if (!info.url) throw inputError(node, itemIndex, `Meta returned no download URL for media ${mediaId}`);
	const file = await fetchMedia(info.url, { ownOrigin: originOf(credentials.baseUrl), credentialedOrigin: originOf(info.url) });
	return { data: file.data, mimeType: info.mime_type ?? file.mimeType, fileName: file.fileName };
}

/** Send WhatsApp's media operations on the Graph API: POST /{Phone-Number-ID}/media, GET and DELETE /{Media-ID}. */
export const metaMediaOperations: ProviderMediaOperations = {
	downloadReference: 'id',
	async upload({ transport, node, itemIndex, credentials: stored }, file) {
		const answer = await graphCall(transport, node, itemIndex, buildMetaUploadRequest(metaCredentials(stored), file), metaSecrets(stored));
		const mediaId = (answer.body as { id?: unknown }).id;
		if (typeof mediaId !== 'string' || !mediaId) throw inputError(node, itemIndex, `Meta accepted the media upload but returned no media ID (item ${itemIndex})`);
		return { mediaId, raw: answer.body };
	},
	async download({ transport, node, itemIndex, credentials }, mediaId, fetchMedia) {
		return await downloadMetaMedia(transport, node, credentials, mediaId, fetchMedia, itemIndex);
	},
	async delete({ transport, node, itemIndex, credentials: stored }, mediaId) {
		const url = graphUrl(metaCredentials(stored), encodeURIComponent(mediaId));
		const answer = await graphCall(transport, node, itemIndex, { method: 'DELETE', url, json: true }, metaSecrets(stored));
		return { raw: answer.body };
	},
};
