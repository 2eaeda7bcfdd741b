import type { IDataObject, IExecuteFunctions, INodeExecutionData, NodeApiError, NodeOperationError } from 'n8n-workflow';

import { failureInfo, toNodeError } from './errors';
import {
	connectionLimiters,
	DEFAULT_RETRY_POLICY,
	effectiveRate,
	RateLimiter,
	systemClock,
	withRetries,
	type Clock,
	type LimiterRegistry,
	type PaceSharing,
	type RetryPolicy,
} from './pacing';
import { LEASE_MIN_ITEMS } from './paceSharing';
import { autoConcurrency, runPool } from './pool';

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
	/** Queue mode: the trigger through which this process takes its share of the connection's limit. */
	paceSharing?: PaceSharing;
	/** Where shared limiters live (tests pass their own). */
	limiters?: LimiterRegistry;
	/**
	 * Items that failed the pre-flight check (only with continueOnFail): they are never sent and
	 * become error items, paired with their input like every other item.
	 */
	preFailed?: ReadonlyMap<number, unknown>;
	/** How a stop's error names what was done (default: messages sent, with their message IDs). */
	report?: StopReport;
}

/** The words of a stop's summary for what the loop does to each item. */
export interface StopReport {
	/** What was done, e.g. "Sent", "Uploaded". */
	done: string;
	/** What identifies each done item, e.g. "message ID", "media ID". */
	idName: string;
	/** That identifier in an item's result. */
	idOf(value: IDataObject | undefined): string;
	/** What a plain re-run would do again, when that matters (e.g. "sent again"); nothing for a harmless repeat. */
	again?: string;
}

const SENDING: StopReport = { done: 'Sent', idName: 'message ID', idOf: (value) => String(value?.messageId ?? ''), again: 'sent again' };

/** Thrown inside a retry when the node has stopped: carries the item's last real failure. */
class StoppedBeforeRetry {
	constructor(readonly error: unknown) {}
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
 * An error item for n8n's error output. n8n routes an item there when its JSON holds only `error`,
 * `message` and `details` (or when it carries an error object, but then n8n replaces its JSON by the
 * message alone and the provider's code, the recipient and "delivery unknown" would be lost). So the
 * details go under `details`; n8n adds the input item's fields.
 */
function errorOutputJson(json: IDataObject): IDataObject {
	const { error, ...details } = json;
	return { error, details };
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
				// A few messages take no lease: they adapt like any other, without a round trip to the trigger.
				count >= LEASE_MIN_ITEMS ? options.paceSharing : undefined,
			)
		: undefined;
	const rate = effectiveRate(options.ratePerSecond, options.nodeRatePerSecond);
	const limiter = lease?.limiter ?? new RateLimiter(rate, clock);
	const continueOnFail = context.continueOnFail();
	// Settings → On Error "Continue (using error output)": failures go to the error output (see errorOutputJson).
	const errorOutput = context.getNode().onError === 'continueErrorOutput';
	let stop = false;

	const concurrency = options.concurrency >= 1 ? options.concurrency : autoConcurrency(rate);
	// With a Pace Sharing URL, the process's share is known before the first send (join never throws).
	const outcomes = await (lease?.ready ?? Promise.resolve()).then(async () => await runPool(
		count,
		concurrency,
		async (itemIndex) => {
			const preFailed = options.preFailed?.get(itemIndex);
			if (preFailed !== undefined) return { itemIndex, error: preFailed, attempts: 0, retries: 0 };
			let lastError: unknown;
			let attempt = 0;
			const outcome = await withRetries(
				async () => {
					// After a failure has stopped the node, no new request starts, not even a retry.
					if (attempt++ > 0 && stop) throw new StoppedBeforeRetry(lastError);
					return await handle(itemIndex).catch(async (error: unknown) => {
						lastError = error;
						return await Promise.reject(error);
					});
				},
				options.retry,
				limiter,
				clock,
			);
			if (outcome.error instanceof StoppedBeforeRetry) outcome.error = outcome.error.error;
			if (outcome.error !== undefined && !continueOnFail) stop = true;
			return { itemIndex, ...outcome };
		},
		() => stop,
	)).finally(() => lease?.release());

	if (!continueOnFail && outcomes.some((outcome) => outcome?.error !== undefined)) {
		throw accountedFailure(context, outcomes, count, options.report ?? SENDING);
	}

	const output: INodeExecutionData[] = [];
	for (const outcome of outcomes) {
		if (!outcome) continue;
		const { itemIndex } = outcome;
		if (outcome.error !== undefined) {
			const json = errorJson(outcome.error, itemIndex, outcome.retries);
			output.push(
				...context.helpers.constructExecutionMetaData(context.helpers.returnJsonArray(errorOutput ? errorOutputJson(json) : json), {
					itemData: { item: itemIndex },
				}),
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

/** Message IDs listed in the error's description at most (all of them are in its context). */
const MAX_LISTED_IN_DESCRIPTION = 500;

/**
 * On Error: Stop, after a failure during the run: the requests in flight have finished. The first
 * failure (by item index) is thrown, telling how many items were sent, failed and not attempted, with
 * the sent items' indices and message IDs, so that nothing that went out is unaccounted for.
 */
function accountedFailure(
	context: IExecuteFunctions,
	outcomes: Array<{ itemIndex: number; value?: IDataObject; error?: unknown } | undefined>,
	count: number,
	report: StopReport,
): NodeApiError | NodeOperationError {
	const sent: Array<{ itemIndex: number; messageId: string }> = [];
	const failed: Array<{ itemIndex: number; error: string; deliveryUnknown?: true }> = [];
	for (const outcome of outcomes) {
		if (!outcome) continue;
		if (outcome.error !== undefined) {
			failed.push({
				itemIndex: outcome.itemIndex,
				error: (outcome.error as { message?: string }).message ?? String(outcome.error),
				...(failureInfo(outcome.error).deliveryUnknown ? { deliveryUnknown: true as const } : {}),
			});
		} else {
			sent.push({ itemIndex: outcome.itemIndex, messageId: report.idOf(outcome.value) });
		}
	}
	const notAttempted = count - sent.length - failed.length;
	const first = outcomes.find((outcome) => outcome?.error !== undefined)!;
	const error = toNodeError(context.getNode(), first.error, first.itemIndex);
	error.context.itemIndex = first.itemIndex;
	const unknown = failed.filter((entry) => entry.deliveryUnknown).map((entry) => entry.itemIndex);
	const summary =
		`${report.done} ${sent.length}, failed ${failed.length}, not attempted ${notAttempted} (of ${count} items). The node stopped at the first failure and started nothing new; requests already on their way were finished.` +
		(unknown.length > 0 ? ` Delivery unknown (may have gone out) for item${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}.` : '');
	const lines = [summary];
	if (sent.length > 0) {
		lines.push(
			`${report.done} before the stop (item → ${report.idName}): ${sent
				.slice(0, MAX_LISTED_IN_DESCRIPTION)
				.map((entry) => `${entry.itemIndex} → ${entry.messageId || '(no ID)'}`)
				.join(', ')}${sent.length > MAX_LISTED_IN_DESCRIPTION ? `, … (${sent.length - MAX_LISTED_IN_DESCRIPTION} more in the error's context "sent")` : ''}.`,
			report.again
				? `Do not simply retry the execution: the items above would be ${report.again}. Set Settings → On Error to "Continue (using error output)" to get every result paired with its item.`
				: 'Set Settings → On Error to "Continue (using error output)" to get every result paired with its item.',
		);
	}
	if (failed.length > 1) lines.push(`Failed: ${failed.map((entry) => `item ${entry.itemIndex}: ${entry.error}`).join('; ')}.`);
	error.description = [error.description, lines.join('\n')].filter(Boolean).join('\n\n');
	error.context.sentCount = sent.length;
	error.context.failedCount = failed.length;
	error.context.notAttemptedCount = notAttempted;
	error.context.sent = sent;
	error.context.failed = failed;
	return error;
}
