import type { ICredentialDataDecryptedObject, IHttpRequestOptions, INode } from 'n8n-workflow';

import { DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_VERSION } from '../../defaults';
import { inputError } from '../../errors';
import { successful, type HttpResponse, type Transport } from '../../transport';
import { baseUrl, text } from '../../values';
import { metaError } from './errors';

/** The provider as named in errors. */
export const PROVIDER = 'Meta Cloud API';

export interface MetaCredentials {
	accessToken: string;
	phoneNumberId: string;
	wabaId: string;
	appSecret: string;
	verifyToken: string;
	graphApiVersion: string;
	baseUrl: string;
}

export function metaCredentials(stored: ICredentialDataDecryptedObject): MetaCredentials {
	return {
		accessToken: text(stored.accessToken),
		phoneNumberId: text(stored.phoneNumberId),
		wabaId: text(stored.wabaId),
		appSecret: text(stored.appSecret),
		verifyToken: text(stored.verifyToken),
		graphApiVersion: text(stored.graphApiVersion) || DEFAULT_GRAPH_VERSION,
		baseUrl: baseUrl(stored.baseUrl, DEFAULT_GRAPH_BASE_URL),
	};
}

/** The connection's values that must never appear in an error, a log line or an output item. */
export function metaSecrets(stored: ICredentialDataDecryptedObject): string[] {
	const credentials = metaCredentials(stored);
	return [credentials.accessToken, credentials.appSecret, credentials.verifyToken];
}

/** Checks the connection's fields once per execution. */
export function checkMetaCredentials(node: INode, stored: ICredentialDataDecryptedObject): void {
	const credentials = metaCredentials(stored);
	if (!/^\d+$/.test(credentials.phoneNumberId)) {
		throw inputError(node, undefined, "The Meta connection's Phone Number ID is not valid", 'It is a number such as 106540352242922 (App Dashboard → WhatsApp → API Setup), not the phone number itself.');
	}
	if (!/^v\d+\.\d+$/.test(credentials.graphApiVersion)) {
		throw inputError(node, undefined, "The Meta connection's Graph API Version is not valid", 'Use the form v23.0.');
	}
}

/** `https://graph.facebook.com/v23.0` (or the connection's override). */
export function graphUrl(credentials: MetaCredentials, path: string): string {
	return `${credentials.baseUrl}/${credentials.graphApiVersion}/${path.replace(/^\/+/, '')}`;
}

/** One Graph API call: network failures and error answers become node errors; success returns the body. */
export async function graphCall(
	transport: Transport,
	node: INode,
	itemIndex: number,
	options: IHttpRequestOptions,
	secrets: readonly unknown[],
): Promise<HttpResponse> {
	const result = await transport(options);
	return successful(result, node, itemIndex, PROVIDER, secrets, (response) => metaError(node, itemIndex, response, secrets));
}
