import { originOf } from '../../mediaFetch';
import { gatewayAsk } from './ask';
import { checkGatewayMessage } from './check';
import { checkGatewayCredentials, gatewayCredentials, gatewaySecrets } from './connection';
import { gatewayInboundOptions, gatewayNodeSurface } from './fields';
import { handleGatewayInbound } from './inbound';
import { gatewayMediaOperations } from './media';
import { sendGateway } from './send';
import type { WhatsAppProvider } from '../types';

export const gateway: WhatsAppProvider = {
	id: 'webhook',
	credentialType: 'whatsAppWebhookApi',
	label: 'Gateway',
	nodes: gatewayNodeSurface,
	defaultRatePerSecond: 20,

	secrets: gatewaySecrets,
	checkCredentials: checkGatewayCredentials,

	check: checkGatewayMessage,

	send: sendGateway,

	handleInbound: (request, credentials, options) => handleGatewayInbound(request, credentials, gatewayInboundOptions(options, credentials)),

	async downloadMedia(_transports, _node, credentials, event, fetchMedia) {
		if (!event.media?.url) return undefined;
		// The connection's token and headers go only to the gateway's own origin; a media URL of any
		// other host (a CDN, a pre-signed link) is fetched without them, after its address is checked.
		const file = await fetchMedia(event.media.url, { ownOrigin: originOf(gatewayCredentials(credentials).url) });
		return { data: file.data, mimeType: file.mimeType ?? event.media.mimeType, fileName: event.media.filename };
	},

	media: gatewayMediaOperations,

	ask: gatewayAsk,
};
