import type { RateLimiterShape } from './types';

export const SHAPES: RateLimiterShape[];

/** A limiter of the given shape per key: take() answers 0 when allowed (and counts it), else ms until it would be. */
export function createLimiter(rl: { limit: number; windowMs: number; shape?: RateLimiterShape | string }): {
	shape: RateLimiterShape;
	take(key: string, now?: number): number;
};
