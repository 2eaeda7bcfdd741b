import { metaAsk } from './ask';
import { checkMetaMessage } from './check';
import { checkMetaCredentials, metaSecrets } from './connection';
import { metaNodeSurface, phoneNumberScope } from './fields';
import { handleMetaInbound } from './inbound';
import { downloadMetaMedia, metaMediaOperations } from './media';
import { metaWebhookRegistration } from './registration';
import { sendMeta } from './send';
import { metaTemplates } from './templates';
import type { WhatsAppProvider } from '../types';

export const metaCloud: WhatsAppProvider = {
	id: 'meta',
	credentialType: 'metaWhatsAppCloudApi',
	label: 'Meta Cloud API',
	nodes: metaNodeSurface,
	// Cloud API default throughput is 80 messages/s per phone number.
	defaultRatePerSecond: 80,

	secrets: metaSecrets,
	checkCredentials: checkMetaCredentials,

	check: checkMetaMessage,

	send: sendMeta,

	templates: metaTemplates,

	handleInbound: (request, credentials, options) => handleMetaInbound(request, credentials, { phoneNumbers: phoneNumberScope(options) }),

	async downloadMedia(transports, node, credentials, event, fetchMedia) {
		if (!event.media?.id) return undefined;
		const file = await downloadMetaMedia(transports.authenticated, node, credentials, event.media.id, fetchMedia);
		return { ...file, mimeType: file.mimeType ?? event.media.mimeType, fileName: event.media.filename };
	},

	media: metaMediaOperations,

	webhookRegistration: metaWebhookRegistration,

	ask: metaAsk,
};
