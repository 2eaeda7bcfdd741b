import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { providerProperty } from '../shared/connection';
import { testGatewayConnection, GATEWAY_CONNECTION_TEST } from '../shared/credentialTest';
import { sendProperties } from './description';
import { execute } from './execute';

export class SendWhatsApp implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Send WhatsApp (Providers)',
		name: 'sendWhatsApp',
		icon: { light: 'file:../../icons/whatsapp.svg', dark: 'file:../../icons/whatsapp.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] === "markAsRead" ? "Mark as read" : "Send " + $parameter["messageType"]}}',
		description: 'Send WhatsApp messages through Twilio, the Meta Cloud API or a webhook gateway',
		defaults: { name: 'Send WhatsApp' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// One entry per provider (as providerCredentials in connection.ts, which a test compares), written
		// out so that n8n's lint rules can see the gateway's testedBy: its Test button runs a function of
		// this node that also checks the Body Template (credentialTest.ts).
		credentials: [
			{ name: 'twilioWhatsAppApi', required: true, displayOptions: { show: { authentication: ['twilioWhatsAppApi'] } } },
			{ name: 'metaWhatsAppCloudApi', required: true, displayOptions: { show: { authentication: ['metaWhatsAppCloudApi'] } } },
			{
				name: 'whatsAppWebhookApi',
				required: true,
				displayOptions: { show: { authentication: ['whatsAppWebhookApi'] } },
				testedBy: 'whatsAppWebhookApiTest',
			},
		],
		properties: [providerProperty, ...sendProperties],
	};

	/** The gateway connection's Test button (see credentialTest.ts). */
	methods = { credentialTest: { [GATEWAY_CONNECTION_TEST]: testGatewayConnection } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await execute.call(this);
	}
}
