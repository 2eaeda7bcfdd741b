import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';

import { DEFAULT_TWILIO_BASE_URL, DEFAULT_TWILIO_CONTENT_BASE_URL } from '../../defaults';
import { inputError } from '../../errors';
import { normalisePhone } from '../../phone';
import { baseUrl, text } from '../../values';

export const PROVIDER = 'Twilio';
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
export const CONTENT_SID = /^HX[0-9a-fA-F]{32}$/;

export interface TwilioCredentials {
	accountSid: string;
	authToken: string;
	from: string;
	messagingServiceSid: string;
	baseUrl: string;
	/** The Content API's host (content.twilio.com): the templates' list. */
	contentBaseUrl: string;
}

export function twilioCredentials(stored: ICredentialDataDecryptedObject): TwilioCredentials {
	return {
		accountSid: text(stored.accountSid),
		authToken: text(stored.authToken),
		from: text(stored.from),
		messagingServiceSid: text(stored.messagingServiceSid),
		baseUrl: baseUrl(stored.baseUrl, DEFAULT_TWILIO_BASE_URL),
		contentBaseUrl: baseUrl(stored.contentBaseUrl, DEFAULT_TWILIO_CONTENT_BASE_URL),
	};
}

/** The connection's values that must never appear in an error, a log line or an output item. */
export function twilioSecrets(stored: ICredentialDataDecryptedObject): string[] {
	const { accountSid, authToken } = twilioCredentials(stored);
	return [authToken, Buffer.from(`${accountSid}:${authToken}`).toString('base64')];
}

/** Checks the connection's fields once per execution. */
export function checkTwilioCredentials(node: INode, stored: ICredentialDataDecryptedObject): void {
	const credentials = twilioCredentials(stored);
	if (!ACCOUNT_SID.test(credentials.accountSid)) {
		throw inputError(node, undefined, 'The Twilio connection\'s Account SID is not valid', 'It starts with AC followed by 32 hexadecimal characters (Twilio Console → Account Info).');
	}
	if (credentials.messagingServiceSid && !MESSAGING_SERVICE_SID.test(credentials.messagingServiceSid)) {
		throw inputError(node, undefined, 'The Twilio connection\'s Messaging Service SID is not valid', 'It starts with MG followed by 32 hexadecimal characters, or leave it empty to send from the From Number.');
	}
	if (!credentials.messagingServiceSid && credentials.from && !normalisePhone(credentials.from)) {
		throw inputError(node, undefined, `The Twilio connection's From Number "${credentials.from}" is not a phone number`, 'Use your WhatsApp-enabled Twilio number in E.164 format, e.g. +14155238886.');
	}
	if (!credentials.messagingServiceSid && !credentials.from) {
		throw inputError(node, undefined, 'The Twilio connection has neither a From Number nor a Messaging Service SID', 'Set the From Number to your WhatsApp-enabled Twilio number (E.164), or a Messaging Service SID.');
	}
}
