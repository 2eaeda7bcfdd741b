import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { connectionTests, withRegistryCredentials } from '../shared/providerFields';
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
		// One entry per provider, completed from the registry in the constructor. n8n's lint rule
		// (credential-test-required) reads testedBy only from an entry written out here, so the gateway's is.
		credentials: [
			{
				name: 'whatsAppWebhookApi',
				required: true,
				displayOptions: { show: { authentication: ['whatsAppWebhookApi'] } },
				testedBy: 'whatsAppWebhookApiTest',
			},
		],
		properties: sendProperties(),
	};

	constructor() {
		this.description.credentials = withRegistryCredentials(this.description.credentials ?? []);
	}

	/** The connections' Test buttons that the providers bring as functions of the nodes (e.g. the gateway's). */
	methods = { credentialTest: connectionTests() };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await execute.call(this);
	}
}
