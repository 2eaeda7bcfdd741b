import type { INode } from 'n8n-workflow';

import { providerApiError } from '../../errors';
import { answerOutcome, unknownOutcomeHint } from '../../outcome';
import { retryAfterMs, type HttpResponse } from '../../transport';
import { firstValueAt } from '../../values';

/** The gateway's error answer as a node error: its own code and text where the body has them, and what to check. */
export function gatewayError(node: INode, itemIndex: number, response: HttpResponse, secrets: readonly unknown[]) {
	const code = firstValueAt(response.body, ['code', 'error.code', 'errorCode']);
	const text = firstValueAt(response.body, ['message', 'error.message', 'error']);
	const status = response.statusCode;
	const outcome = answerOutcome({ status });
	return providerApiError(
		node,
		itemIndex,
		{
			provider: 'webhook',
			message: `The webhook gateway answered HTTP ${status}${code !== undefined ? ` (code ${String(code)})` : ''}: ${typeof text === 'string' ? text : typeof response.body === 'string' ? response.body.slice(0, 200) : 'no message'}`,
			description: outcome.deliveryUnknown
				? unknownOutcomeHint('the webhook gateway', status)
				: status === 401 || status === 403
					? "The gateway refused the credentials: check the connection's Auth Token and Headers."
					: status === 404 || status === 405
						? "Check the connection's URL and Method."
						: status >= 500 || status === 429
							? 'The gateway had a temporary problem or is throttling; try again later.'
							: 'Check the Body Template matches what the gateway expects.',
			httpCode: status,
			providerCode: typeof code === 'string' || typeof code === 'number' ? code : undefined,
			retryable: outcome.retryable,
			deliveryUnknown: outcome.deliveryUnknown,
			retryAfterMs: retryAfterMs(response.headers),
		},
		secrets,
	);
}
