import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { originOf, type MediaFetcher } from '../../mediaFetch';
import type { ProviderMediaOperations } from '../types';
import { twilioCredentials } from './connection';

/**
 * Downloads MediaUrlN: with the account's credentials on Twilio's own origin (the connection's Base
 * URL); Twilio answers with a redirect to its CDN, which is fetched without them.
 */
export async function downloadTwilioMedia(
	stored: ICredentialDataDecryptedObject,
	url: string,
	fetchMedia: MediaFetcher,
): Promise<{ data: Buffer; mimeType?: string; fileName?: string }> {
	const file = await fetchMedia(url, { ownOrigin: originOf(twilioCredentials(stored).baseUrl) });
	return { data: file.data, mimeType: file.mimeType, fileName: file.fileName };
}

/** Send WhatsApp's Download Media: a MediaUrl of an inbound message (Twilio has no media upload or delete for WhatsApp). */
export const twilioMediaOperations: ProviderMediaOperations = {
	downloadReference: 'url',
	async download({ credentials }, url, fetchMedia) {
		return await downloadTwilioMedia(credentials, url, fetchMedia);
	},
};
