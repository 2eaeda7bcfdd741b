import type { Clock } from '../../nodes/shared/pacing';

/**
 * Virtual time: sleep() resolves only when the test advances the clock. run() keeps advancing to
 * the next due timer until the given promise settles, so no test ever waits for real time.
 */
export class FakeClock implements Clock {
	private time = 0;

	private timers: Array<{ at: number; resolve: () => void }> = [];

	now(): number {
		return this.time;
	}

	async sleep(ms: number): Promise<void> {
		if (ms <= 0) return;
		await new Promise<void>((resolve) => this.timers.push({ at: this.time + ms, resolve }));
	}

	private async flush(): Promise<void> {
		for (let i = 0; i < 20; i++) await Promise.resolve();
	}

	async run<T>(promise: Promise<T>): Promise<T> {
		let settled = false;
		const tracked = promise.finally(() => {
			settled = true;
		});
		tracked.catch(() => undefined);
		for (let guard = 0; guard < 100_000; guard++) {
			await this.flush();
			if (settled) break;
			this.timers.sort((a, b) => a.at - b.at);
			const next = this.timers.shift();
			if (!next) {
				await new Promise((resolve) => setImmediate(resolve));
				continue;
			}
			this.time = Math.max(this.time, next.at);
			next.resolve();
		}
		return await tracked;
	}
}
