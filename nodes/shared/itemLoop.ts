import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	autoConcurrency,
	connectionLimiters,
	DEFAULT_RETRY_POLICY,
	effectiveRate,
	RateLimiter,
	runPool,
	systemClock,
	withRetries,
	type Clock,
	type LimiterRegistry,
	type RetryPolicy,
} from './pacing';

export interface ItemLoopOptions {
	/** Requests in flight at most; 0 = enough for the pace (see autoConcurrency). */
	concurrency: number;
	/** Messages per second of the connection (0 = no limit): the most this loop and its sharers send. */
	ratePerSecond: number;
	/** This node's own lower limit (0 = none): it can only lower the connection's pace for this loop. */
	nodeRatePerSecond?: number;
	/** n8n processes sending through the connection: its pace starts at their share (default 1). */
	processes?: number;
	retry: RetryPolicy;
	clock?: Clock;
	/**
	 * The connection this loop sends through (credential type and ID). Loops with the same key share
	 * one adaptive pacer, so that executions running at the same time keep to the connection's
	 * limit together. Without a key, the pace is this loop's own.
	 */
	limiterKey?: string;
	/** Where shared limiters live (tests pass their own). */
	limiters?: LimiterRegistry;
}

export const SEQUENTIAL: ItemLoopOptions = { concurrency: 1, ratePerSecond: 0, retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 } };

/** Safe fields of a node error for an error item: never the request, never headers. */
function errorJson(error: unknown, itemIndex: number, retries: number): IDataObject {
	const err = error as { message?: string; description?: string | null; httpCode?: string | null; context?: IDataObject };
	const context = err.context ?? {};
	const json: IDataObject = { error: err.message ?? String(error), itemIndex };
	if (err.description) json.description = err.description;
	if (err.httpCode) json.httpCode = err.httpCode;
	for (const key of ['provider', 'providerCode', 'fbtrace_id', 'errorSubcode', 'moreInfo', 'to']) {
		if (context[key] !== undefined) json[key] = context[key];
	}
	if ((context.failure as IDataObject | undefined)?.deliveryUnknown) json.deliveryUnknown = true;
	if (retries > 0) json.retries = retries;
	return json;
}

/**
 * The one item loop: every item gives exactly one output item paired with its input, in input
 * order; retries happen per item, never by re-running the node; continueOnFail turns a failure
 * into an error item; otherwise the first failure (by item index) stops the node with its index.
 */
export async function runItems(
	context: IExecuteFunctions,
	handle: (itemIndex: number) => Promise<IDataObject>,
	options: ItemLoopOptions = SEQUENTIAL,
): Promise<INodeExecutionData[][]> {
	const count = context.getInputData().length;
	const clock = options.clock ?? systemClock;
	const lease = options.limiterKey
		? (options.limiters ?? connectionLimiters).use(
				options.limiterKey,
				{ ratePerSecond: options.ratePerSecond, processes: options.processes },
				options.nodeRatePerSecond,
				clock,
			)
		: undefined;
	const rate = effectiveRate(options.ratePerSecond, options.nodeRatePerSecond);
	const limiter = lease?.limiter ?? new RateLimiter(rate, clock);
	const continueOnFail = context.continueOnFail();
	let stop = false;

	const concurrency = options.concurrency >= 1 ? options.concurrency : autoConcurrency(rate);
	const outcomes = await runPool(
		count,
		concurrency,
		async (itemIndex) => {
			const outcome = await withRetries(() => handle(itemIndex), options.retry, limiter, clock);
			if (outcome.error !== undefined && !continueOnFail) stop = true;
			return { itemIndex, ...outcome };
		},
		() => stop,
	).finally(() => lease?.release());

	const output: INodeExecutionData[] = [];
	for (const outcome of outcomes) {
		if (!outcome) continue; // not started because an earlier item failed the node
		const { itemIndex } = outcome;
		if (outcome.error !== undefined) {
			if (!continueOnFail) {
				const error = outcome.error as { context?: IDataObject };
				if (error instanceof NodeOperationError || (error && typeof error === 'object' && 'context' in error)) {
					(error.context as IDataObject).itemIndex = itemIndex;
					throw error;
				}
				throw new NodeOperationError(context.getNode(), String(outcome.error), { itemIndex });
			}
			output.push(
				...context.helpers.constructExecutionMetaData(
					context.helpers.returnJsonArray(errorJson(outcome.error, itemIndex, outcome.retries)),
					{ itemData: { item: itemIndex } },
				),
			);
			continue;
		}
		output.push(
			...context.helpers.constructExecutionMetaData(context.helpers.returnJsonArray(outcome.value as IDataObject), {
				itemData: { item: itemIndex },
			}),
		);
	}
	return [output];
}
