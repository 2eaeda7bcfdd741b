import { createHmac } from 'node:crypto';

import { accounts } from '../helpers/fixtures';

/** One signed Meta delivery, byte for byte the same each time it is posted. */
export function metaDelivery(messageId: string): { body: string; headers: Record<string, string> } {
	const body = JSON.stringify({
		object: 'whatsapp_business_account',
		entry: [
			{
				id: accounts.meta.wabaId,
				changes: [
					{
						field: 'messages',
						value: {
							messaging_product: 'whatsapp',
							metadata: { display_phone_number: '15550783881', phone_number_id: accounts.meta.phoneNumberId },
							contacts: [{ profile: { name: 'Ana' }, wa_id: '16505551234' }],
							messages: [{ from: '16505551234', id: messageId, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'sent twice' } }],
						},
					},
				],
			},
		],
	});
	const signature = `sha256=${createHmac('sha256', accounts.meta.appSecret).update(body).digest('hex')}`;
	return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } };
}
