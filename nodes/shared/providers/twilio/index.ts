import { twilioAsk } from './ask';
import { checkTwilioMessage } from './check';
import { checkTwilioCredentials, twilioSecrets } from './connection';
import { twilioNodeSurface } from './fields';
import { handleTwilioInbound } from './inbound';
import { downloadTwilioMedia, twilioMediaOperations } from './media';
import { sendTwilio } from './send';
import { twilioTemplates } from './templates';
import type { WhatsAppProvider } from '../types';

export const twilio: WhatsAppProvider = {
	id: 'twilio',
	credentialType: 'twilioWhatsAppApi',
	label: 'Twilio',
	nodes: twilioNodeSurface,
	// Twilio queues per sender; 10/s keeps well inside a new WhatsApp sender's throughput.
	defaultRatePerSecond: 10,

	secrets: twilioSecrets,
	checkCredentials: checkTwilioCredentials,

	check: checkTwilioMessage,

	send: sendTwilio,

	templates: twilioTemplates,

	ask: twilioAsk,

	handleInbound: (request, credentials) => handleTwilioInbound(request, credentials),

	async downloadMedia(_transports, _node, credentials, event, fetchMedia) {
		if (!event.media?.url) return undefined;
		return await downloadTwilioMedia(credentials, event.media.url, fetchMedia);
	},

	media: twilioMediaOperations,
};
