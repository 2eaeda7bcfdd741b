import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { providerCredentials } from '../shared/providerFields';
import { sendProperties } from './description';
import { execute } from './execute';
import { getTemplateFields, searchTemplates } from './methods/templates';
import { sendAndWaitWebhook } from './sendAndWait';

// Its only webhook is n8n's waiting endpoint of Send and Wait for Reply (restartWebhook): n8n serves it
// for waiting executions and nothing is registered with a third party, so there is no lifecycle to implement.
// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete
export class SendWhatsApp implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Send WhatsApp (Providers)',
		name: 'sendWhatsApp',
		icon: { light: 'file:../../icons/whatsapp.svg', dark: 'file:../../icons/whatsapp.dark.svg' },
		group: ['output'],
		// 1.1: Template Name and Content SID are picked from the account (resource locators).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle:
			'={{ {"markAsRead": "Mark as read", "uploadMedia": "Upload media", "downloadMedia": "Download media", "deleteMedia": "Delete media", "sendAndWait": "Send and wait for reply"}[$parameter["operation"]] ?? "Send " + $parameter["messageType"] }}',
		description: 'Send WhatsApp messages, mark them as read, and upload, download or delete media, through Twilio, the Meta Cloud API or a webhook gateway',
		defaults: { name: 'Send WhatsApp' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// One entry per provider, from the registry.
		credentials: providerCredentials(),
		properties: sendProperties(),
		// Send and Wait for Reply: the answer, forwarded by the WhatsApp trigger, resumes the waiting execution here.
		webhooks: [
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', responseData: '', path: '={{ $nodeId }}', restartWebhook: true, isFullPath: true },
		],
	};

	methods = {
		listSearch: { searchTemplates },
		resourceMapping: { getTemplateFields },
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await sendAndWaitWebhook.call(this);
	}

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await execute.call(this);
	}
}
