import type { INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { providerCredentials } from '../shared/providerFields';
import { triggerProperties } from './description';
import { handleWebhook, webhookLifecycle } from './handler';

export class WhatsAppProvidersTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp (Providers) Trigger',
		name: 'whatsAppProvidersTrigger',
		icon: { light: 'file:../../icons/whatsapp.svg', dark: 'file:../../icons/whatsapp.dark.svg' },
		group: ['trigger'],
		// 1.1 behaves as 1; n8n only evaluates an extra expression per request for nodes of version 1.
		// 1.2 behaves as 1.1, but no longer offers the node-level Signature Secret (it lives in the connection).
		version: [1, 1.1, 1.2],
		defaultVersion: 1.2,
		subtitle: '={{"On " + $parameter["triggerOn"].join(", ")}}',
		description: 'Starts the workflow on WhatsApp messages and delivery statuses from Twilio, the Meta Cloud API or a webhook gateway',
		defaults: { name: 'WhatsApp Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		// One entry per provider, from the registry.
		credentials: providerCredentials(),
		// `responseData: ''`: n8n answers with the node's `webhookResponse` (the provider's
		// acknowledgement) once it has created the execution, instead of its default body.
		webhooks: [
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', responseData: '', path: 'whatsapp' },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', responseData: '', path: 'whatsapp' },
		],
		properties: triggerProperties(),
	};

	webhookMethods = { default: webhookLifecycle };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleWebhook.call(this);
	}
}
