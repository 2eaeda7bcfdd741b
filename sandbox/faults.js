// @ts-check
'use strict';

/*
 * The sandbox's faults: the behaviour set by configure() (latency, rate limit, random faults,
 * callbacks), the rate limiter of the configured shape (sandbox/limiters.js), and the queue of
 * failures injected with failNext(). Every provider stand-in asks it before accepting a message.
 */

const util = require('./util');
const { createLimiter, SHAPES } = require('./limiters');

/** @typedef {import('./types').Provider} Provider */
/** @typedef {import('./types').FailNextOptions} FailNextOptions */
/** @typedef {import('./types').ConfigureOptions} ConfigureOptions */
/** @typedef {import('./types').Behaviour} Behaviour */
/** @typedef {import('./internal').Result} Result */

/** @returns {Behaviour} */
function defaultBehaviour() {
	return {
		latencyMs: 0,
		jitterMs: 0,
		rateLimit: null,
		faults: null,
		seed: 1,
		record: true,
		maxRecorded: 50000,
		metaRateLimitStatus: 429,
		verifyWebhookCallbacks: false,
		autoStatusCallbacks: false,
		statusCallbackDelayMs: 50,
		gatewayResponse: null,
	};
}

/**
 * A provider error Result.
 * @param {Provider} provider @param {number} status
 * @param {{ code?: number, message?: string, type?: string, subcode?: number, details?: string, transient?: boolean, detail?: string }} [o]
 * @returns {Result}
 */
function providerError(provider, status, o = {}) {
	if (provider === 'twilio') return { status, body: util.twilioError(status, o.code, o.message, o.detail) };
	if (provider === 'meta') return { status, body: util.metaError(status, o) };
	return { status, body: util.gatewayError(status, o.message) };
}

class Faults {
	constructor() {
		/** @type {Behaviour} */
		this.behaviour = defaultBehaviour();
		this.rand = util.prng(this.behaviour.seed);
		/** The rate limiter of the configured shape, made on first use. @type {ReturnType<typeof createLimiter> | null} */
		this.rateLimiter = null;
		/** @type {Array<Required<Pick<FailNextOptions, 'provider' | 'status' | 'count'>> & FailNextOptions>} */
		this.failQueue = [];
	}

	reset() {
		this.failQueue = [];
		this.behaviour = defaultBehaviour();
		this.rand = util.prng(this.behaviour.seed);
		this.rateLimiter = null;
	}

	/** How many injected failures are still queued. */
	queued() {
		return this.failQueue.reduce((n, f) => n + f.count, 0);
	}

	/**
	 * The configured limiter (token bucket or sliding window) per provider account; returns 0 when
	 * allowed, else ms until a request would be.
	 * @param {string} key
	 */
	takeToken(key) {
		const rl = this.behaviour.rateLimit;
		if (!rl || rl.limit <= 0) return 0;
		if (!this.rateLimiter) this.rateLimiter = createLimiter(rl);
		return this.rateLimiter.take(key);
	}

	/**
	 * Rate limit then random faults, for a message send (or any request with faults.scope 'all').
	 * @param {Provider} provider @param {string} accountKey @param {boolean} isMessage
	 * @returns {Result | undefined}
	 */
	throttleAndFaults(provider, accountKey, isMessage) {
		if (isMessage) {
			const waitMs = this.takeToken(`${provider}:${accountKey}`);
			if (waitMs > 0) {
				const retryAfter = String(Math.max(1, Math.ceil(waitMs / 1000)));
				/** @type {Result} */
				let r;
				if (provider === 'meta') {
					r = {
						status: this.behaviour.metaRateLimitStatus,
						body: util.metaError(this.behaviour.metaRateLimitStatus, {
							code: 130429,
							type: 'OAuthException',
							message: '(#130429) Rate limit hit',
							details: 'Cloud API message throughput has been reached.',
						}),
					};
				} else if (provider === 'twilio') {
					r = { status: 429, body: util.twilioError(429, 20429, 'Too Many Requests') };
				} else r = { status: 429, body: util.gatewayError(429, 'Rate limit exceeded') };
				r.headers = { 'retry-after': retryAfter };
				r.tag = 'rate';
				return r;
			}
		}
		const f = this.behaviour.faults;
		if (f && (isMessage || f.scope === 'all')) {
			const x = this.rand();
			if (x < f.pReset) return { status: 0, reset: true, tag: 'faultReset' };
			if (x < f.pReset + f.p500) return { ...providerError(provider, 500), tag: 'fault500' };
			if (x < f.pReset + f.p500 + f.p429) {
				/** @type {Result} */
				const r =
					provider === 'meta'
						? providerError('meta', 429, {
								code: 130429,
								type: 'OAuthException',
								message: '(#130429) Rate limit hit',
								details: 'Cloud API message throughput has been reached.',
							})
						: providerError(provider, 429, provider === 'twilio' ? { code: 20429, message: 'Too Many Requests' } : {});
				r.headers = { 'retry-after': String(f.retryAfterSeconds) };
				r.tag = 'fault429';
				return r;
			}
		}
		return undefined;
	}

	/**
	 * The first queued failNext entry matching this request (and consumes one use).
	 * @param {Provider} provider @param {string} method @param {string} path
	 * @returns {Result | undefined}
	 */
	takeInjected(provider, method, path) {
		const i = this.failQueue.findIndex(
			(f) =>
				f.provider === provider &&
				(!f.method || f.method.toUpperCase() === method) &&
				(!f.match || (f.match.startsWith('^') ? new RegExp(f.match).test(path) : path.includes(f.match))),
		);
		if (i < 0) return undefined;
		const f = this.failQueue[i];
		f.count--;
		if (f.count <= 0) this.failQueue.splice(i, 1);
		if (f.reset) return { status: 0, reset: true, tag: 'injected' };
		/** @type {Result} */
		const r = f.body !== undefined ? { status: f.status, body: f.body } : providerError(provider, f.status);
		const headers = { ...f.headers };
		if (f.status === 429 && !Object.keys(headers).some((h) => h.toLowerCase() === 'retry-after')) headers['retry-after'] = '1';
		r.headers = headers;
		r.tag = 'injected';
		return r;
	}

	/** @param {FailNextOptions} o */
	failNext(o) {
		if (!o || !['twilio', 'meta', 'gateway'].includes(o.provider)) throw new Error('failNext: provider must be twilio, meta or gateway');
		const status = o.status ?? 500;
		if (!o.reset && (!Number.isInteger(status) || status < 100 || status > 599)) throw new Error(`failNext: invalid status ${status}`);
		this.failQueue.push({ ...o, status, count: Math.max(1, Math.floor(o.count ?? 1)) });
	}

	/**
	 * @param {ConfigureOptions} o
	 * @returns {Behaviour}
	 */
	configure(o = {}) {
		const next = { ...this.behaviour };
		if (o.latencyMs !== undefined) next.latencyMs = Math.max(0, Number(o.latencyMs) || 0);
		if (o.jitterMs !== undefined) next.jitterMs = Math.max(0, Number(o.jitterMs) || 0);
		if (o.ratePerSecond !== undefined) {
			next.rateLimit = o.ratePerSecond ? { limit: Number(o.ratePerSecond), windowMs: 1000, shape: o.limiterShape ?? 'tokenBucket' } : null;
			this.rateLimiter = null;
		}
		if (o.rateLimit !== undefined) {
			if (o.rateLimit && (!(o.rateLimit.limit > 0) || !(o.rateLimit.windowMs > 0))) throw new Error('configure: rateLimit needs limit > 0 and windowMs > 0');
			next.rateLimit = o.rateLimit ? { limit: Number(o.rateLimit.limit), windowMs: Number(o.rateLimit.windowMs), shape: o.rateLimit.shape ?? o.limiterShape ?? 'tokenBucket' } : null;
			if (next.rateLimit && !(/** @type {string[]} */ (SHAPES)).includes(next.rateLimit.shape ?? '')) throw new Error(`configure: rateLimit.shape must be one of ${SHAPES.join(', ')}`);
			this.rateLimiter = null;
		}
		if (o.faults !== undefined) {
			next.faults = o.faults
				? {
						p500: Number(o.faults.p500 ?? 0),
						p429: Number(o.faults.p429 ?? 0),
						pReset: Number(o.faults.pReset ?? 0),
						retryAfterSeconds: Number(o.faults.retryAfterSeconds ?? 1),
						scope: o.faults.scope === 'all' ? 'all' : 'messages',
					}
				: null;
		}
		if (o.seed !== undefined) {
			next.seed = Number(o.seed);
			this.rand = util.prng(next.seed);
		}
		if (o.record !== undefined) next.record = Boolean(o.record);
		if (o.maxRecorded !== undefined) next.maxRecorded = Math.max(1, Math.floor(Number(o.maxRecorded)));
		if (o.metaRateLimitStatus !== undefined) next.metaRateLimitStatus = Number(o.metaRateLimitStatus);
		if (o.verifyWebhookCallbacks !== undefined) next.verifyWebhookCallbacks = Boolean(o.verifyWebhookCallbacks);
		if (o.autoStatusCallbacks !== undefined) next.autoStatusCallbacks = Boolean(o.autoStatusCallbacks);
		if (o.statusCallbackDelayMs !== undefined) next.statusCallbackDelayMs = Math.max(0, Number(o.statusCallbackDelayMs) || 0);
		if (o.gatewayResponse !== undefined) next.gatewayResponse = o.gatewayResponse ?? null;
		this.behaviour = next;
		return { ...this.behaviour };
	}
}

module.exports = { Faults, defaultBehaviour, providerError };
