import type { IHttpRequestOptions, INode } from 'n8n-workflow';

import { inputError } from '../../errors';
import type { OutboundMessage, SendResult } from '../../message';
import { toTwilioAddress } from '../../phone';
import { successful } from '../../transport';
import { CONTENT_SID, PROVIDER, twilioCredentials, twilioSecrets, type TwilioCredentials } from './connection';
import { twilioError } from './errors';
import type { SendContext } from '../types';

export type TwilioParams = Array<[string, string]>;

function unsupported(node: INode, itemIndex: number, what: string, howTo: string): never {
	throw inputError(node, itemIndex, `Twilio cannot send ${what} through its Messages API`, howTo);
}

export function buildTwilioParams(
	node: INode,
	itemIndex: number,
	credentials: TwilioCredentials,
	message: OutboundMessage,
): TwilioParams {
	const params: TwilioParams = [['To', toTwilioAddress(message.to)]];
	if (credentials.messagingServiceSid) {
		params.push(['MessagingServiceSid', credentials.messagingServiceSid]);
	} else {
		params.push(['From', toTwilioAddress(credentials.from)]);
	}
	if (message.replyTo) {
		unsupported(
			node,
			itemIndex,
			'a reply to a specific message (context)',
			'Remove "Reply To Message ID": Twilio WhatsApp messages cannot quote an earlier message.',
		);
	}
	switch (message.type) {
		case 'text':
			params.push(['Body', message.text.body]);
			break;
		case 'media': {
			const { media } = message;
			if (!media.url) {
				unsupported(
					node,
					itemIndex,
					media.binary || media.file ? 'a file from binary data' : 'media by ID',
					'Twilio accepts only public media URLs: set Media Source to "URL" with an https URL Twilio can download, or use the Meta Cloud API or a webhook gateway connection to send files.',
				);
			}
			params.push(['MediaUrl', media.url]);
			if (media.caption) params.push(['Body', media.caption]);
			break;
		}
		case 'template': {
			const { template } = message;
			if (!template.contentSid || !CONTENT_SID.test(template.contentSid)) {
				throw inputError(
					node,
					itemIndex,
					`Invalid Content SID "${template.contentSid ?? ''}" (item ${itemIndex})`,
					'Twilio templates are sent by Content SID: HX followed by 32 hexadecimal characters (Twilio Console → Messaging → Content Template Builder).',
				);
			}
			params.push(['ContentSid', template.contentSid]);
			if (template.variables && Object.keys(template.variables).length > 0) {
				params.push(['ContentVariables', JSON.stringify(template.variables)]);
			}
			break;
		}
		case 'location': {
			const { location } = message;
			const label = location.name ?? location.address ?? '';
			params.push([
				'PersistentAction',
				`geo:${location.latitude},${location.longitude}${label ? `|${label}` : ''}`,
			]);
			params.push(['Body', [location.name, location.address].filter(Boolean).join(', ') || 'Location']);
			break;
		}
		case 'interactive':
			unsupported(
				node,
				itemIndex,
				message.interactive.type === 'list' ? 'an interactive list' : 'interactive reply buttons',
				'Create a Content template with the buttons or list (Twilio Console → Messaging → Content Template Builder, type twilio/quick-reply or twilio/list-picker), then choose Message Type "Template" and enter its Content SID.',
			);
			break;
		case 'contacts':
			unsupported(node, itemIndex, 'contact cards', 'Send the contact as text or as a vCard file URL (Media, type document).');
			break;
		case 'reaction':
			unsupported(node, itemIndex, 'reactions', 'Reactions are available with the Meta Cloud API connection.');
			break;
		case 'markRead':
			unsupported(node, itemIndex, 'read receipts', 'Twilio marks messages as read itself; "Mark as Read" is available with the Meta Cloud API connection.');
			break;
	}
	if (message.options.statusCallbackUrl) params.push(['StatusCallback', message.options.statusCallbackUrl]);
	if (message.options.validityPeriod) params.push(['ValidityPeriod', String(message.options.validityPeriod)]);
	return params;
}

export function buildTwilioRequest(
	node: INode,
	itemIndex: number,
	credentials: TwilioCredentials,
	message: OutboundMessage,
): IHttpRequestOptions {
	const form = new URLSearchParams(buildTwilioParams(node, itemIndex, credentials, message));
	return {
		method: 'POST',
		url: `${credentials.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(credentials.accountSid)}/Messages.json`,
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
		body: form.toString(),
	};
}

/** Sends the message through Twilio's Messages API and reads its answer. */
export async function sendTwilio(context: SendContext, message: OutboundMessage): Promise<SendResult> {
	const { node, itemIndex, credentials: stored } = context;
	const credentials = twilioCredentials(stored);
	const secrets = twilioSecrets(stored);
	const result = await context.transport(buildTwilioRequest(node, itemIndex, credentials, message));
	const response = successful(result, node, itemIndex, PROVIDER, secrets, (answer) => twilioError(node, itemIndex, answer, secrets));
	const body = response.body as { sid?: string; status?: string };
	return {
		provider: 'twilio',
		messageId: body.sid ?? '',
		to: message.to,
		status: body.status ?? 'queued',
		raw: response.body,
	};
}
