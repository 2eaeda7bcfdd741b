import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { redact, redactValue, toNodeError } from '../shared/errors';
import { runItems } from '../shared/itemLoop';
import { ByteBudget, ExecutionUploads } from '../shared/media';
import type { OutboundMessage, SendResult } from '../shared/message';
import { DEFAULT_RETRY_POLICY, pacingSettings } from '../shared/pacing';
import { PROVIDERS, providerFor } from '../shared/providers';
import { createPlainTransport, createTransport } from '../shared/transport';
import { invalidItemError, preflightError, type InvalidItem } from '../shared/validation';
import { executeMediaOperation, isMediaOperation } from './mediaOperations';
import { messageFromParameters } from './messageFromParameters';
import { unsupportedBy } from './messages';
import { executeSendAndWait, SEND_AND_WAIT } from './sendAndWait';

/** The item's binary file, read now (pre-flight only named it). */
async function withBinary(ctx: IExecuteFunctions, itemIndex: number, message: OutboundMessage): Promise<OutboundMessage> {
	if (message.type !== 'media' || !message.media.file) return message;
	const { file } = message.media;
	const data = await ctx.helpers.getBinaryDataBuffer(itemIndex, file.property);
	return { ...message, media: { ...message.media, binary: { data, mimeType: file.mimeType, fileName: file.fileName, storedAs: file.storedAs } } };
}

/** Once per execution: provider, connection, transport and pace; then the item loop sends. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const credentialType = this.getNodeParameter('authentication', 0) as string;
	const provider = providerFor(credentialType);
	if (!provider) {
		throw new NodeOperationError(node, `Unknown provider "${credentialType}"`, {
			description: `Choose ${PROVIDERS.map((known) => known.nodes.name).join(', ').replace(/, ([^,]*)$/, ' or $1')} as the Provider.`,
		});
	}
	const credentials = await this.getCredentials(credentialType);
	const connectionName = node.credentials?.[credentialType]?.name ?? provider.label;
	provider.checkCredentials(node, credentials, connectionName);
	const secrets = provider.secrets(credentials);
	const transport = createTransport(this, credentialType);

	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const concurrency = Number(options.concurrency ?? 0);
	const maxAttempts = Number(options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts);
	const operation = this.getNodeParameter('operation', 0, 'send') as string;
	if (operation === SEND_AND_WAIT) return await executeSendAndWait(this, { provider, credentials, secrets, transport, connectionName, options });
	if (isMediaOperation(operation)) {
		return await executeMediaOperation(this, { operation, provider, credentials, secrets, transport, connectionName, options });
	}

	// Pre-flight: every item is read and checked before the first send.
	const itemCount = this.getInputData().length;
	const messages: Array<OutboundMessage | undefined> = new Array(itemCount);
	const invalid: InvalidItem[] = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			const message = await messageFromParameters(this, itemIndex, credentialType);
			const checked = provider.check({ credentials, node, itemIndex, connectionName }, message);
			const violations = checked.length > 0 ? checked : unsupportedBy(provider, message);
			if (violations.length > 0) throw invalidItemError(node, itemIndex, violations);
			messages[itemIndex] = message;
		} catch (error) {
			const failure = toNodeError(node, error, itemIndex);
			failure.message = redact(failure.message, secrets);
			invalid.push({ itemIndex, error: failure });
		}
	}
	if (invalid.length > 0 && !this.continueOnFail()) throw preflightError(node, invalid, itemCount);

	const uploads = new ExecutionUploads();
	const mediaBytes = new ByteBudget();

	// The connection's pace; with a Pace Sharing URL, workers take their share of it through the trigger.
	const { paceSharingUrl, ...pacing } = pacingSettings(credentials, provider.defaultRatePerSecond, options.messagesPerSecond);
	return await runItems(
		this,
		async (itemIndex) => {
			const message = messages[itemIndex]!;
			// A file is read just before its item is sent, within a bound on the bytes held at once.
			const file = message.type === 'media' ? message.media.file : undefined;
			const release = file ? await mediaBytes.acquire(file.byteLength ?? 0) : undefined;
			let result: SendResult;
			try {
				const ready = file ? await withBinary(this, itemIndex, message) : message;
				result = await provider.send({ transport, credentials, node, itemIndex, connectionName, uploads }, ready);
			} catch (error) {
				const failure = toNodeError(node, error, itemIndex);
				if (message.to) failure.context.to = message.to;
				failure.message = redact(failure.message, secrets);
				throw failure;
			} finally {
				release?.();
			}
			// The message went out: reporting it can no longer fail it. A gateway or proxy may echo
			// request headers back, so the output never carries a secret.
			let payload: unknown;
			try {
				payload = redactValue(result.raw, secrets);
			} catch {
				payload = '[redacted]';
			}
			return { ...result, raw: payload } as unknown as IDataObject;
		},
		{
			preFailed: new Map(invalid.map(({ itemIndex, error }) => [itemIndex, error])),
			// 0: enough requests in flight to keep the pace (the item loop decides).
			concurrency: Number.isFinite(concurrency) && concurrency >= 1 ? Math.floor(concurrency) : 0,
			// Executions sending through the same saved connection share its pace; the node can only lower it.
			limiterKey: `${credentialType}:${node.credentials?.[credentialType]?.id ?? connectionName}`,
			...pacing,
			paceSharing: paceSharingUrl
				? {
						url: paceSharingUrl,
						secret: provider.ask?.secret(credentials) ?? '',
						secretName: provider.ask?.secretField ?? 'secret',
						transport: createPlainTransport(this),
						warn: (message: string) => this.logger.warn(`Send WhatsApp (${connectionName}): ${redact(message, secrets)}`),
					}
				: undefined,
			retry: {
				...DEFAULT_RETRY_POLICY,
				maxAttempts: Number.isFinite(maxAttempts) && maxAttempts >= 1 ? Math.floor(maxAttempts) : DEFAULT_RETRY_POLICY.maxAttempts,
				retryUnknownDelivery: options.retryUnknownDelivery === true,
			},
		},
	);
}
