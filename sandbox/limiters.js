'use strict';
/*
 * The sandbox's rate limiter shapes, per provider account (sandbox/index.js picks one through
 * configure({ rateLimit: { limit, windowMs, shape } }) or configure({ ratePerSecond, limiterShape })):
 *
 *   tokenBucket    `limit` tokens refilled continuously over `windowMs` (the default): forgives a
 *                  request that comes a little early, allows a burst of `limit` after a quiet spell.
 *   slidingWindow  at most `limit` accepted in any `windowMs`: strict, as many real gateways count.
 *
 * take(key) answers 0 when the request is allowed (and counts it), else the ms until it would be;
 * the caller turns that into a 429 with Retry-After.
 */

const SHAPES = ['tokenBucket', 'slidingWindow'];

/** @param {{ limit: number, windowMs: number, shape?: string }} rl */
function createLimiter(rl) {
	const shape = rl.shape ?? 'tokenBucket';
	if (!SHAPES.includes(shape)) throw new Error(`rate limit shape must be one of ${SHAPES.join(', ')}, not ${shape}`);
	/** @type {Map<string, any>} */
	const state = new Map();

	/** @param {string} key @param {number} now */
	function tokenBucket(key, now) {
		let b = state.get(key);
		if (!b) {
			b = { tokens: rl.limit, last: now };
			state.set(key, b);
		} else {
			b.tokens = Math.min(rl.limit, b.tokens + ((now - b.last) * rl.limit) / rl.windowMs);
			b.last = now;
		}
		if (b.tokens >= 1) {
			b.tokens -= 1;
			return 0;
		}
		return Math.max(1, Math.ceil(((1 - b.tokens) * rl.windowMs) / rl.limit));
	}

	/** @param {string} key @param {number} now */
	function slidingWindow(key, now) {
		let w = state.get(key);
		if (!w) {
			w = { times: [], head: 0 };
			state.set(key, w);
		}
		while (w.head < w.times.length && w.times[w.head] <= now - rl.windowMs) w.head++;
		if (w.head > 4096) {
			w.times = w.times.slice(w.head);
			w.head = 0;
		}
		if (w.times.length - w.head < rl.limit) {
			w.times.push(now);
			return 0;
		}
		return Math.max(1, w.times[w.head] + rl.windowMs - now);
	}

	return {
		shape,
		/** @param {string} key @param {number} [now] */
		take(key, now = Date.now()) {
			return shape === 'slidingWindow' ? slidingWindow(key, now) : tokenBucket(key, now);
		},
	};
}

module.exports = { createLimiter, SHAPES };
