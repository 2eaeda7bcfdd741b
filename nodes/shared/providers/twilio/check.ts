import type { OutboundMessage } from '../../message';
import { isBsuid } from '../../phone';
import { bsuidRecipientViolation, Checks, violationsOf, type Violation } from '../../validation';
import { PROVIDER, twilioCredentials } from './connection';
import { buildTwilioParams } from './send';
import type { CheckContext } from '../types';

/**
 * Twilio's limits, checked for every item before the first send. Source: Twilio's Messages API
 * (test/specs/twilio_api_v2010.json: Body up to 1,600 characters, ValidityPeriod 1 to 36000 s).
 */
export const TWILIO_LIMITS = {
	body: 1600,
	validityPeriod: { min: 1, max: 36000 },
} as const;

/** Every rule of TWILIO_LIMITS that applies to the message, then a dry run of the request builder. */
export function checkTwilioMessage(context: CheckContext, message: OutboundMessage): Violation[] {
	if (message.type !== 'markRead' && isBsuid(message.to)) {
		// Twilio's Messages API documents To as a phone number (whatsapp:+<digits>); it documents no BSUID form.
		return [bsuidRecipientViolation(PROVIDER, message.to, "Twilio's Messages API takes a phone number in To (whatsapp:+<digits>) and documents no form for a BSUID")];
	}
	const c = new Checks(PROVIDER);
	if (message.type === 'text') c.maxLength('Text', message.text.body, TWILIO_LIMITS.body);
	if (message.type === 'media') c.maxLength('Caption', message.media.caption, TWILIO_LIMITS.body);
	const validity = message.options.validityPeriod;
	if (validity !== undefined && (!Number.isInteger(validity) || validity < TWILIO_LIMITS.validityPeriod.min || validity > TWILIO_LIMITS.validityPeriod.max)) {
		c.add('Options → Validity Period', validity, `must be whole seconds from ${TWILIO_LIMITS.validityPeriod.min} to ${TWILIO_LIMITS.validityPeriod.max}`);
	}
	if (c.violations.length === 0) {
		try {
			buildTwilioParams(context.node, context.itemIndex, twilioCredentials(context.credentials), message);
		} catch (error) {
			c.violations.push(...violationsOf(error));
		}
	}
	return c.violations;
}

/** Form parameters of `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`; MediaUrl may repeat. */
