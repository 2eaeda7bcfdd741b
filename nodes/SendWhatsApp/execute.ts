import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { redact, redactValue, toNodeError } from '../shared/errors';
import { runItems } from '../shared/itemLoop';
import { DEFAULT_RETRY_POLICY, pacingSettings } from '../shared/pacing';
import { providerFor } from '../shared/providers';
import { createTransport } from '../shared/transport';
import { readMessage } from './readMessage';

/** Once per execution: provider, connection, transport and pace; then the item loop sends. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const credentialType = this.getNodeParameter('authentication', 0) as string;
	const provider = providerFor(credentialType);
	if (!provider) {
		throw new NodeOperationError(node, `Unknown provider "${credentialType}"`, {
			description: 'Choose Twilio, Meta WhatsApp Cloud API or Webhook Gateway as the Provider.',
		});
	}
	const credentials = await this.getCredentials(credentialType);
	provider.checkCredentials(node, credentials);
	const secrets = provider.secrets(credentials);
	const transport = createTransport(this, credentialType);
	const connectionName = node.credentials?.[credentialType]?.name ?? provider.label;

	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const concurrency = Number(options.concurrency ?? 0);
	const maxAttempts = Number(options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts);

	return await runItems(
		this,
		async (itemIndex) => {
			const message = await readMessage(this, itemIndex, credentialType);
			try {
				const result = await provider.send({ transport, credentials, node, itemIndex, connectionName }, message);
				// A gateway or proxy may echo request headers back: the output never carries a secret.
				return { ...result, raw: redactValue(result.raw, secrets) } as unknown as IDataObject;
			} catch (error) {
				const failure = toNodeError(node, error, itemIndex);
				if (message.to) failure.context.to = message.to;
				failure.message = redact(failure.message, secrets);
				throw failure;
			}
		},
		{
			// 0: enough requests in flight to keep the pace (the item loop decides).
			concurrency: Number.isFinite(concurrency) && concurrency >= 1 ? Math.floor(concurrency) : 0,
			// Executions sending through the same saved connection share its pace; the node can only lower it.
			limiterKey: `${credentialType}:${node.credentials?.[credentialType]?.id ?? connectionName}`,
			...pacingSettings(credentials, provider.defaultRatePerSecond, options.messagesPerSecond),
			retry: {
				...DEFAULT_RETRY_POLICY,
				maxAttempts: Number.isFinite(maxAttempts) && maxAttempts >= 1 ? Math.floor(maxAttempts) : DEFAULT_RETRY_POLICY.maxAttempts,
				retryUnknownDelivery: options.retryUnknownDelivery === true,
			},
		},
	);
}
