import type { OutboundMessage } from '../../message';
import { isBsuid } from '../../phone';
import { bsuidRecipientViolation, violationsOf, type Violation } from '../../validation';
import { gatewayCredentials } from './connection';
import { buildGatewayRequest } from './send';
import type { CheckContext } from '../types';

/**
 * A gateway has no limits of its own that this package could know; what is checked before sending:
 * the message type is one a gateway can take, and the Body Template renders for this item.
 */
export function checkGatewayMessage(context: CheckContext, message: OutboundMessage): Violation[] {
	if (message.type === 'markRead') {
		return [
			{
				field: 'Operation',
				value: 'Mark as Read',
				rule: 'is not available on a webhook gateway connection (read receipts need the Meta Cloud API connection)',
			},
		];
	}
	if (isBsuid(message.to)) {
		// The Body Template's {{to}} is documented as the phone number in E.164; a gateway is not told a BSUID.
		return [bsuidRecipientViolation('a webhook gateway', message.to, 'its Body Template gets the recipient as a phone number ({{to}}, E.164)')];
	}
	try {
		buildGatewayRequest(context.node, context.itemIndex, gatewayCredentials(context.credentials), message, context.connectionName ?? 'webhook');
	} catch (error) {
		return violationsOf(error);
	}
	return [];
}
