import { sleep } from 'n8n-workflow';

/** Time as the limiter and the retry policy see it; tests pass a fake one. */
export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: async (ms) => {
		if (ms > 0) await sleep(ms);
	},
};
