/** The request pool of the item loop: how many requests are in flight, and the pool itself. */

/**
 * Requests in flight needed to keep a pace: the limiter spaces the sends, and the pool must have
 * enough of them on their way to fill the spaces while the provider answers. One second's worth of
 * messages keeps the pace for answers up to a second long (at least 8, at most 100).
 */
export function autoConcurrency(ratePerSecond: number): number {
	if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) return 8;
	return Math.min(100, Math.max(8, Math.ceil(ratePerSecond)));
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; results keep input order. */
export async function runPool<T>(
	count: number,
	concurrency: number,
	task: (index: number) => Promise<T>,
	shouldStop: () => boolean = () => false,
): Promise<Array<T | undefined>> {
	const results: Array<T | undefined> = new Array(count);
	let next = 0;
	const worker = async () => {
		while (next < count && !shouldStop()) {
			const index = next++;
			results[index] = await task(index);
		}
	};
	const workers = Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker);
	await Promise.all(workers);
	return results;
}
