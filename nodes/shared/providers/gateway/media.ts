import { originOf } from '../../mediaFetch';
import type { ProviderMediaOperations } from '../types';
import { gatewayCredentials } from './connection';

/**
 * Send WhatsApp's Download Media: a media URL the gateway handed out. The connection's token and
 * headers go only to the gateway's own origin; a URL of any other host (a CDN, a pre-signed link)
 * is fetched without them, after its address is checked.
 */
export const gatewayMediaOperations: ProviderMediaOperations = {
	downloadReference: 'url',
	async download({ credentials }, url, fetchMedia) {
		return await fetchMedia(url, { ownOrigin: originOf(gatewayCredentials(credentials).url) });
	},
};
