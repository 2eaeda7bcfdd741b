import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { originOf, type MediaFetcher } from '../../mediaFetch';
import { twilioCredentials } from './connection';

/**
 * Downloads MediaUrlN: with the account's credentials on Twilio's own origin (the connection's Base
 * URL); Twilio answers with a redirect to its CDN, which is fetched without them.
 */
export async function downloadTwilioMedia(
	stored: ICredentialDataDecryptedObject,
	url: string,
	fetchMedia: MediaFetcher,
): Promise<{ data: Buffer; mimeType?: string }> {
	const file = await fetchMedia(url, { ownOrigin: originOf(twilioCredentials(stored).baseUrl) });
	return { data: file.data, mimeType: file.mimeType };
}
