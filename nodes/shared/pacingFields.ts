import type { INodeProperties } from 'n8n-workflow';

/**
 * The pace fields every connection type carries (credentials/*): the number's own limit, and how
 * many n8n processes share it. `defaultRate` is the provider's (its `defaultRatePerSecond`).
 */
export function pacingProperties(defaultRate: number): INodeProperties[] {
	return [
		{
			displayName: 'Messages Per Second',
			name: 'messagesPerSecond',
			type: 'number',
			typeOptions: { minValue: 0, numberPrecision: 2 },
			default: defaultRate,
			description: `The most messages per second this connection may send, across every workflow and execution of an n8n process (default ${defaultRate}). Sending adapts below it when the provider throttles. A node's own Messages Per Second can only lower it.`,
		},
		{
			displayName: 'Processes Sharing the Limit',
			name: 'processesSharingLimit',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 100 },
			default: 1,
			description:
				'Queue mode: how many n8n processes (workers) usually send through this connection at the same time. Each starts at its share of Messages Per Second and adapts from there.',
		},
		{
			displayName: 'Pace Sharing URL',
			name: 'paceSharingUrl',
			type: 'string',
			default: '',
			placeholder: 'https://n8n.example.com/webhook/…/whatsapp',
			description:
				"Queue mode: the production URL of an active WhatsApp trigger whose connection is of this account. Each worker then takes its share of Messages Per Second from it (the trigger runs on n8n's main instance), and a worker that finishes hands its share to the others. Leave empty for one n8n process: then each process finds its share from the provider's answers.",
		},
	];
}
