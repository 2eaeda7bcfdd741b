import type { ProviderNodeSurface } from '../types';
import { TWILIO_LIMITS } from './check';

/** What Twilio brings to the nodes: the message types and fields it uses, the trigger's set-up notice. */
export const twilioNodeSurface: ProviderNodeSurface = {
	name: 'Twilio',
	description: 'A Twilio account with a WhatsApp sender',
	operations: ['send', 'sendAndWait', 'downloadMedia'],
	messageTypes: ['text', 'media', 'template', 'location'],
	sendFields: ['contentSid', 'templateVariables'],
	sendOptions: ['statusCallbackUrl', 'validityPeriod'],
	limits: { text: TWILIO_LIMITS.body, caption: TWILIO_LIMITS.body },
	triggerFields: [
		{
			displayName:
				'In Twilio Console → Messaging → Senders → WhatsApp senders (or your Messaging Service), set "When a message comes in" and the status callback URL to this node\'s Production URL (HTTP POST). Every request is checked against the Auth Token of the connection.',
			name: 'twilioNotice',
			type: 'notice',
			default: '',
		},
	],
};
