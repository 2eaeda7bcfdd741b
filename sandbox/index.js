// @ts-check
'use strict';

/*
 * Provider sandbox: ONE local HTTP server standing in for Twilio's Messages API (2010-04-01),
 * Meta's WhatsApp Cloud API (Graph) and a generic webhook gateway, with a control API to record
 * requests, inject failures, rate-limit, and fire signed inbound webhooks at a receiver.
 *
 * Shapes follow test/specs (twilio_api_v2010.json, meta-business-messaging-openapi-v23.0.yaml).
 * Zero dependencies; see sandbox/README.md for the API.
 */

const http = require('node:http');
const crypto = require('node:crypto');
const util = require('./util');
const webhooks = require('./webhooks');
const { renderPage } = require('./page');
const { createLimiter, SHAPES } = require('./limiters');

/** @typedef {import('./types').Provider} Provider */
/** @typedef {import('./types').SandboxOptions} SandboxOptions */
/** @typedef {import('./types').SandboxAccounts} SandboxAccounts */
/** @typedef {import('./types').SandboxAccountsInput} SandboxAccountsInput */
/** @typedef {import('./types').TwilioAccount} TwilioAccount */
/** @typedef {import('./types').MetaAccount} MetaAccount */
/** @typedef {import('./types').MetaPhoneNumber} MetaPhoneNumber */
/** @typedef {import('./types').GatewayAccount} GatewayAccount */
/** @typedef {import('./types').RecordedRequest} RecordedRequest */
/** @typedef {import('./types').FailNextOptions} FailNextOptions */
/** @typedef {import('./types').ConfigureOptions} ConfigureOptions */
/** @typedef {import('./types').Behaviour} Behaviour */
/** @typedef {import('./types').ProviderCounts} ProviderCounts */
/** @typedef {import('./types').SandboxStats} SandboxStats */
/** @typedef {import('./types').DuplicateMessage} DuplicateMessage */
/** @typedef {import('./types').FireOptions} FireOptions */
/** @typedef {import('./types').FireResult} FireResult */
/** @typedef {import('./types').Sandbox} Sandbox */
/** @typedef {import('./types').StoredMessage} StoredMessage */
/** @typedef {import('./types').MultipartBody} MultipartBody */

/**
 * What a route handler answers.
 * @typedef {object} Result
 * @property {number} status
 * @property {unknown} [body] JSON body (ignored when raw is set)
 * @property {Buffer} [raw] raw bytes
 * @property {Record<string, string>} [headers]
 * @property {boolean} [reset] destroy the socket instead of answering
 * @property {'rate' | 'fault500' | 'fault429' | 'faultReset' | 'injected' | 'accepted'} [tag]
 */

/**
 * @typedef {object} Ctx
 * @property {http.IncomingMessage} req
 * @property {RecordedRequest} rec
 * @property {URL} url
 * @property {Provider} provider
 * @property {string} subpath path after the provider prefix
 */

// ---------------------------------------------------------------- accounts

/** @type {TwilioAccount} */
const DEFAULT_TWILIO = {
	accountSid: 'AC5a4db0c5000000000000000000000001',
	authToken: 'sandbox0twilio0auth0token0000001',
	friendlyName: 'Sandbox Twilio account',
	whatsappNumber: 'whatsapp:+14155238886',
	messagingServiceSid: 'MG5a4db0c5000000000000000000000001',
	apiKeys: [{ sid: 'SK5a4db0c5000000000000000000000001', secret: 'sandbox0twilio0api0key0secret001' }],
};

/** @type {SandboxAccounts} */
const DEFAULT_ACCOUNTS = deepFreeze({
	twilio: DEFAULT_TWILIO,
	// The first account is the default one (as resolveAccounts returns it).
	twilioAccounts: [DEFAULT_TWILIO],
	meta: {
		accessToken: 'EAASandboxAccessToken0000000000000000000000000000',
		phoneNumberId: '106540352242922',
		wabaId: '102290129340398',
		appId: '1234567890123456',
		appSecret: 'sandbox-meta-app-secret',
		verifyToken: 'sandbox-verify-token',
		displayPhoneNumber: '+1 555-078-3881',
		verifiedName: 'Sandbox Business',
		phoneNumbers: [
			{ id: '106540352242922', displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Sandbox Business', qualityRating: 'GREEN' },
		],
	},
	gateway: {
		authToken: 'sandbox-gateway-token',
		authMode: 'bearer',
		headerName: 'x-api-key',
		webhookSecret: 'sandbox-gateway-webhook-secret',
	},
});

/**
 * @template T
 * @param {T} o
 * @returns {T}
 */
function deepFreeze(o) {
	if (o && typeof o === 'object') {
		for (const v of Object.values(o)) deepFreeze(v);
		Object.freeze(o);
	}
	return o;
}

/**
 * Merges overrides over DEFAULT_ACCOUNTS (returns fresh, mutable objects).
 * @param {SandboxAccountsInput} [input]
 * @returns {SandboxAccounts}
 */
function resolveAccounts(input = {}) {
	const d = DEFAULT_ACCOUNTS;
	const twilioInputs = input.twilio === undefined ? [{}] : Array.isArray(input.twilio) ? input.twilio : [input.twilio];
	const twilioAccounts = twilioInputs.map((t, i) => {
		/** @type {TwilioAccount} */
		const base = i === 0 ? { ...d.twilio, apiKeys: d.twilio.apiKeys.map((k) => ({ ...k })) } : {
			accountSid: 'AC' + util.hex(16),
			authToken: util.hex(16),
			friendlyName: `Sandbox Twilio account ${i + 1}`,
			whatsappNumber: `whatsapp:+1415523${String(8886 + i).padStart(4, '0')}`,
			messagingServiceSid: 'MG' + util.hex(16),
			apiKeys: [],
		};
		return { ...base, ...t, apiKeys: (t.apiKeys ?? base.apiKeys).map((k) => ({ ...k })) };
	});
	if (twilioAccounts.length === 0) throw new Error('accounts.twilio: at least one account');

	const mi = input.meta ?? {};
	const phoneNumberId = mi.phoneNumberId ?? mi.phoneNumbers?.[0]?.id ?? d.meta.phoneNumberId;
	const displayPhoneNumber = mi.displayPhoneNumber ?? d.meta.displayPhoneNumber;
	const verifiedName = mi.verifiedName ?? d.meta.verifiedName;
	/** @type {MetaPhoneNumber[]} */
	const phoneNumbers = (mi.phoneNumbers ?? []).map((p, i) => ({
		id: String(p.id),
		displayPhoneNumber: p.displayPhoneNumber ?? (p.id === phoneNumberId ? displayPhoneNumber : `+1 555-078-${String(3882 + i).padStart(4, '0')}`),
		verifiedName: p.verifiedName ?? verifiedName,
		qualityRating: p.qualityRating ?? 'GREEN',
	}));
	const primaryIndex = phoneNumbers.findIndex((p) => p.id === phoneNumberId);
	if (primaryIndex < 0) phoneNumbers.unshift({ id: phoneNumberId, displayPhoneNumber, verifiedName, qualityRating: 'GREEN' });
	else if (primaryIndex > 0) phoneNumbers.unshift(...phoneNumbers.splice(primaryIndex, 1));
	/** @type {MetaAccount} */
	const meta = {
		accessToken: mi.accessToken ?? d.meta.accessToken,
		phoneNumberId,
		wabaId: mi.wabaId ?? d.meta.wabaId,
		appId: mi.appId ?? d.meta.appId,
		appSecret: mi.appSecret ?? d.meta.appSecret,
		verifyToken: mi.verifyToken ?? d.meta.verifyToken,
		displayPhoneNumber: phoneNumbers[0].displayPhoneNumber,
		verifiedName: phoneNumbers[0].verifiedName,
		phoneNumbers,
	};
	if (mi.appCallbackUrl) meta.appCallbackUrl = mi.appCallbackUrl;

	const gi = input.gateway === null ? { authToken: '' } : (input.gateway ?? {});
	/** @type {GatewayAccount} */
	const gateway = {
		authMode: gi.authMode ?? d.gateway.authMode,
		headerName: (gi.headerName ?? d.gateway.headerName).toLowerCase(),
	};
	const token = 'authToken' in gi ? gi.authToken : d.gateway.authToken;
	if (token) gateway.authToken = token;
	const secret = 'webhookSecret' in gi ? gi.webhookSecret : d.gateway.webhookSecret;
	if (secret) gateway.webhookSecret = secret;

	return { twilio: twilioAccounts[0], twilioAccounts, meta, gateway };
}

// ---------------------------------------------------------------- behaviour

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

/** @returns {ProviderCounts} */
function zeroCounts() {
	return {
		received: 0,
		accepted: 0,
		rejected429: 0,
		faults: 0,
		faults500: 0,
		faults429: 0,
		faultsReset: 0,
		injected: 0,
		authFailures: 0,
		clientErrors: 0,
	};
}

const MAX_BODY_BYTES = 110 * 1024 * 1024;
const MAX_RECORDED_BYTES = 512 * 1024 * 1024;
const MAX_IDEMPOTENCY_KEYS = 500000;
const MAX_STORED_MESSAGES = 50000;
const MAX_MEDIA_BYTES = 512 * 1024 * 1024;
const GRAPH_DOCS = 'Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api';
const META_MESSAGE_TYPES = [
	'text',
	'image',
	'audio',
	'video',
	'document',
	'sticker',
	'location',
	'contacts',
	'interactive',
	'template',
	'reaction',
];
const META_PHONE_FIELDS = [
	'id',
	'display_phone_number',
	'verified_name',
	'quality_rating',
	'code_verification_status',
	'name_status',
	'platform_type',
	'throughput',
	'status',
	'messaging_limit_tier',
	'is_official_business_account',
	'webhook_configuration',
	'account_mode',
	'is_pin_enabled',
];

/** @param {unknown} v @returns {v is Record<string, any>} */
function isObject(v) {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** @param {unknown} v */
function first(v) {
	return Array.isArray(v) ? v[0] : v;
}

/** @param {unknown} v @returns {string[]} */
function all(v) {
	if (v === undefined || v === null) return [];
	return Array.isArray(v) ? v.map(String) : [String(v)];
}

// ---------------------------------------------------------------- the sandbox

/**
 * Starts the sandbox server.
 * @param {SandboxOptions} [options]
 * @returns {Promise<Sandbox>}
 */
async function startSandbox(options = {}) {
	const accounts = resolveAccounts(options.accounts);
	const host = options.host ?? '127.0.0.1';
	const log = options.log;

	/** @type {RecordedRequest[]} */
	const requests = [];
	let recordedBytes = 0;
	let seq = 0;
	/** @type {Array<Required<Pick<FailNextOptions, 'provider' | 'status' | 'count'>> & FailNextOptions>} */
	let failQueue = [];
	/** @type {Behaviour} */
	let behaviour = defaultBehaviour();
	let rand = util.prng(behaviour.seed);
	/** @type {Map<string, { tokens: number, last: number }>} */
	/** The rate limiter of the configured shape (sandbox/limiters.js), made on first use. */
	let rateLimiter = null;
	/** @type {Record<Provider, ProviderCounts>} */
	let counts = { twilio: zeroCounts(), meta: zeroCounts(), gateway: zeroCounts() };
	/** @type {Map<string, DuplicateMessage>} */
	let idem = new Map();
	let idemTruncated = false;
	let callbacks = { sent: 0, failed: 0 };
	let fired = 0;
	const startedAt = Date.now();
	/** @type {Map<string, StoredMessage>} */
	const messages = new Map();
	/** @type {Map<string, { id: string, data: Buffer, mimeType: string, sha256: string, phoneNumberId: string, filename?: string, at: number }>} */
	const metaMedia = new Map();
	let metaMediaBytes = 0;
	/** @type {Map<string, { sid: string, accountSid: string, messageSid: string, data: Buffer, contentType: string, at: number }>} */
	const twilioMedia = new Map();
	/** @type {Map<string, { uri: string, verifyToken?: string }>} */
	const phoneWebhooks = new Map();
	/** @type {{ subscribed: boolean, overrideUri?: string, verifyToken?: string }} */
	let wabaSubscription = { subscribed: true };
	/** @type {Set<NodeJS.Timeout>} */
	const timers = new Set();
	let closed = false;

	const server = http.createServer((req, res) => {
		handle(req, res).catch((e) => {
			if (log) log(`sandbox: internal error ${/** @type {Error} */ (e).message}`);
			if (!res.headersSent) {
				res.writeHead(500, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ error: { message: 'sandbox internal error' } }));
			} else res.destroy();
		});
	});
	server.keepAliveTimeout = 30000;

	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, host, () => {
			server.off('error', reject);
			resolve(undefined);
		});
	});
	const address = /** @type {import('node:net').AddressInfo} */ (server.address());
	const urlHost = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
	const baseUrl = `http://${urlHost}:${address.port}`;
	/** Base of links the sandbox hands out (media URLs). */
	const publicUrl = (options.publicUrl ?? baseUrl).replace(/\/+$/, '');

	// ------------------------------------------------------------ helpers

	/** @param {number} ms */
	function sleep(ms) {
		return new Promise((resolve) => {
			const t = setTimeout(() => {
				timers.delete(t);
				resolve(undefined);
			}, ms);
			timers.add(t);
		});
	}

	/** @param {() => void | Promise<void>} fn @param {number} ms */
	function later(fn, ms) {
		if (closed) return;
		const t = setTimeout(() => {
			timers.delete(t);
			if (!closed) Promise.resolve(fn()).catch(() => undefined);
		}, ms);
		timers.add(t);
	}

	/** @param {RecordedRequest} rec */
	function pushRecord(rec) {
		requests.push(rec);
		recordedBytes += rec.rawBody.length;
		const cap = Math.max(1, behaviour.maxRecorded);
		// Trim in batches so that a long run stays O(1) per request.
		if (requests.length > cap + Math.max(1, Math.floor(cap / 10)) || recordedBytes > MAX_RECORDED_BYTES) {
			let drop = Math.max(0, requests.length - cap);
			while (recordedBytes > MAX_RECORDED_BYTES * 0.9 && drop < requests.length - 1) drop++;
			if (drop > 0) {
				for (let i = 0; i < drop; i++) recordedBytes -= requests[i].rawBody.length;
				requests.splice(0, drop);
			}
		}
	}

	/** @param {StoredMessage} m */
	function storeMessage(m) {
		messages.set(m.id, m);
		if (messages.size > MAX_STORED_MESSAGES) {
			const oldest = messages.keys().next().value;
			if (oldest !== undefined) messages.delete(oldest);
		}
	}

	/**
	 * Counts an accepted message for duplicate detection.
	 * @param {Provider} provider @param {string} sender @param {string} to @param {string} content
	 */
	function countIdempotency(provider, sender, to, content) {
		const key = crypto.createHash('sha1').update(`${provider}\n${sender}\n${to}\n${content}`).digest('base64');
		const e = idem.get(key);
		if (e) e.count++;
		else if (idem.size < MAX_IDEMPOTENCY_KEYS) idem.set(key, { provider, sender, to, preview: content.slice(0, 120), count: 1 });
		else idemTruncated = true;
	}

	/**
	 * The configured limiter (token bucket or sliding window) per provider account; returns 0 when
	 * allowed, else ms until a request would be.
	 * @param {string} key
	 */
	function takeToken(key) {
		const rl = behaviour.rateLimit;
		if (!rl || rl.limit <= 0) return 0;
		if (!rateLimiter) rateLimiter = createLimiter(rl);
		return rateLimiter.take(key);
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

	/**
	 * Rate limit then random faults, for a message send (or any request with faults.scope 'all').
	 * @param {Provider} provider @param {string} accountKey @param {boolean} isMessage
	 * @returns {Result | undefined}
	 */
	function throttleAndFaults(provider, accountKey, isMessage) {
		if (isMessage) {
			const waitMs = takeToken(`${provider}:${accountKey}`);
			if (waitMs > 0) {
				const retryAfter = String(Math.max(1, Math.ceil(waitMs / 1000)));
				/** @type {Result} */
				let r;
				if (provider === 'meta') {
					r = {
						status: behaviour.metaRateLimitStatus,
						body: util.metaError(behaviour.metaRateLimitStatus, {
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
		const f = behaviour.faults;
		if (f && (isMessage || f.scope === 'all')) {
			const x = rand();
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
	function takeInjected(provider, method, path) {
		const i = failQueue.findIndex(
			(f) =>
				f.provider === provider &&
				(!f.method || f.method.toUpperCase() === method) &&
				(!f.match || (f.match.startsWith('^') ? new RegExp(f.match).test(path) : path.includes(f.match))),
		);
		if (i < 0) return undefined;
		const f = failQueue[i];
		f.count--;
		if (f.count <= 0) failQueue.splice(i, 1);
		if (f.reset) return { status: 0, reset: true, tag: 'injected' };
		/** @type {Result} */
		const r = f.body !== undefined ? { status: f.status, body: f.body } : providerError(provider, f.status);
		const headers = { ...f.headers };
		if (f.status === 429 && !Object.keys(headers).some((h) => h.toLowerCase() === 'retry-after')) headers['retry-after'] = '1';
		r.headers = headers;
		r.tag = 'injected';
		return r;
	}

	// ------------------------------------------------------------ request handling

	/**
	 * @param {http.IncomingMessage} req
	 * @param {http.ServerResponse} res
	 */
	async function handle(req, res) {
		const url = new URL(req.url ?? '/', 'http://sandbox.local');
		const path = url.pathname;
		const method = (req.method ?? 'GET').toUpperCase();
		/** @type {Provider | undefined} */
		let provider;
		for (const p of /** @type {Provider[]} */ (['twilio', 'meta', 'gateway'])) {
			if (path === `/${p}` || path.startsWith(`/${p}/`)) provider = p;
		}

		const raw = await readBody(req, res);
		if (raw === undefined) return;

		if (!provider) {
			// A web page open in the same browser must not drive the control API (fire webhooks, read
			// secrets): requests carrying another Origin, or marked cross-site by the browser, are refused.
			if (url.pathname.startsWith('/__sandbox') && !sameOrigin(req.headers)) {
				res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
				res.end(JSON.stringify({ error: 'the sandbox control API refuses requests from another origin' }));
				return;
			}
			return control(res, url, method, raw);
		}

		const contentType = req.headers['content-type'];
		const parsed = util.parseBody(raw, contentType);
		/** @type {RecordedRequest} */
		const rec = {
			id: ++seq,
			provider,
			method,
			path,
			url: req.url ?? path,
			query: util.parseForm(url.search),
			headers: { ...req.headers },
			rawBody: raw,
			body: parsed.body,
			at: Date.now(),
		};
		if (parsed.error) rec.parseError = parsed.error;
		const c = counts[provider];
		c.received++;
		if (behaviour.record) pushRecord(rec);

		const delay = behaviour.latencyMs + (behaviour.jitterMs > 0 ? Math.floor(rand() * behaviour.jitterMs) : 0);
		if (delay > 0) await sleep(delay);
		if (closed) return;

		const subpath = path.slice(provider.length + 1) || '/';
		/** @type {Result} */
		let result;
		const injected = takeInjected(provider, method, subpath);
		if (injected) result = injected;
		else {
			/** @type {Ctx} */
			const ctx = { req, rec, url, provider, subpath };
			try {
				result =
					provider === 'twilio' ? await routeTwilio(ctx) : provider === 'meta' ? await routeMeta(ctx) : await routeGateway(ctx);
			} catch (e) {
				if (log) log(`sandbox: handler error on ${method} ${path}: ${/** @type {Error} */ (e).message}`);
				result = providerError(provider, 500);
			}
		}

		// statistics
		switch (result.tag) {
			case 'rate':
				c.rejected429++;
				break;
			case 'fault500':
				c.faults++;
				c.faults500++;
				break;
			case 'fault429':
				c.faults++;
				c.faults429++;
				break;
			case 'faultReset':
				c.faults++;
				c.faultsReset++;
				break;
			case 'injected':
				c.injected++;
				break;
			case 'accepted':
				c.accepted++;
				break;
			default:
				if (result.status === 401) c.authFailures++;
				else if (result.status >= 400 && result.status < 500) c.clientErrors++;
		}

		if (log) log(`${method} ${path} -> ${result.reset ? 'RESET' : result.status}`);
		if (result.reset) {
			rec.status = 0;
			req.socket.destroy();
			return;
		}
		rec.status = result.status;
		/** @type {Record<string, string>} */
		const headers = {};
		if (provider === 'meta') {
			const version = /^\/(v\d+\.\d+)\//.exec(subpath)?.[1] ?? 'v23.0';
			headers['facebook-api-version'] = version;
			headers['x-fb-request-id'] = util.fbtraceId();
			headers['x-fb-trace-id'] = util.fbtraceId();
		} else if (provider === 'twilio') {
			headers['twilio-request-id'] = 'RQ' + util.hex(16);
		}
		Object.assign(headers, result.headers);
		if (result.raw) {
			if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/octet-stream';
			res.writeHead(result.status, headers);
			res.end(result.raw);
		} else if (result.body === undefined || result.status === 204) {
			res.writeHead(result.status, headers);
			res.end();
		} else {
			if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json; charset=utf-8';
			rec.response = result.body;
			res.writeHead(result.status, headers);
			res.end(typeof result.body === 'string' ? result.body : JSON.stringify(result.body));
		}
	}

	/**
	 * @param {http.IncomingMessage} req @param {http.ServerResponse} res
	 * @returns {Promise<Buffer | undefined>}
	 */
	function readBody(req, res) {
		return new Promise((resolve) => {
			/** @type {Buffer[]} */
			const chunks = [];
			let size = 0;
			let done = false;
			req.on('data', (chunk) => {
				if (done) return;
				size += chunk.length;
				if (size > MAX_BODY_BYTES) {
					done = true;
					res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
					res.end(JSON.stringify({ error: { message: 'request body too large' } }));
					req.destroy();
					resolve(undefined);
					return;
				}
				chunks.push(chunk);
			});
			req.on('end', () => {
				if (done) return;
				done = true;
				resolve(Buffer.concat(chunks));
			});
			req.on('error', () => {
				if (done) return;
				done = true;
				resolve(undefined);
			});
			req.on('aborted', () => {
				if (done) return;
				done = true;
				resolve(undefined);
			});
		});
	}

	// ------------------------------------------------------------ Twilio

	/**
	 * Checks HTTP Basic auth against the account of the path.
	 * @param {Ctx} ctx @param {string | undefined} pathAccountSid
	 * @returns {{ account: TwilioAccount } | { error: Result }}
	 */
	function twilioAuth(ctx, pathAccountSid) {
		const header = String(ctx.req.headers.authorization ?? '');
		const unauthorized = (/** @type {string} */ message) => ({
			error: {
				status: 401,
				body: util.twilioError(401, 20003, message, 'Your AccountSid or AuthToken was incorrect.'),
				headers: { 'www-authenticate': 'Basic realm="Twilio API"' },
			},
		});
		const m = /^Basic\s+(.+)$/i.exec(header);
		if (!m) return unauthorized('Authentication Error - No credentials provided');
		const decoded = Buffer.from(m[1], 'base64').toString('utf8');
		const i = decoded.indexOf(':');
		const user = i >= 0 ? decoded.slice(0, i) : decoded;
		const pass = i >= 0 ? decoded.slice(i + 1) : '';
		for (const account of accounts.twilioAccounts) {
			if (pathAccountSid && account.accountSid !== pathAccountSid) continue;
			if (user === account.accountSid && util.safeEqual(pass, account.authToken)) return { account };
			if (account.apiKeys.some((k) => k.sid === user && util.safeEqual(pass, k.secret))) return { account };
		}
		return unauthorized('Authenticate');
	}

	/** @param {string} accountSid @param {string} sid */
	function twilioMessageUri(accountSid, sid) {
		return `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`;
	}

	/** @param {TwilioAccount} account */
	function twilioAccountResource(account) {
		const base = `/2010-04-01/Accounts/${account.accountSid}`;
		const sub = ['available_phone_numbers:AvailablePhoneNumbers', 'calls:Calls', 'conferences:Conferences', 'incoming_phone_numbers:IncomingPhoneNumbers', 'notifications:Notifications', 'outgoing_caller_ids:OutgoingCallerIds', 'recordings:Recordings', 'transcriptions:Transcriptions', 'addresses:Addresses', 'signing_keys:SigningKeys', 'connect_apps:ConnectApps', 'sip:SIP', 'authorized_connect_apps:AuthorizedConnectApps', 'usage:Usage', 'keys:Keys', 'applications:Applications', 'short_codes:SMS/ShortCodes', 'queues:Queues', 'messages:Messages', 'balance:Balance'];
		const created = util.rfc2822(new Date(startedAt));
		return {
			auth_token: '[Redacted]',
			date_created: created,
			date_updated: created,
			friendly_name: account.friendlyName,
			owner_account_sid: account.accountSid,
			sid: account.accountSid,
			status: 'active',
			subresource_uris: Object.fromEntries(sub.map((s) => {
				const [k, p] = s.split(':');
				return [k, `${base}/${p}.json`];
			})),
			type: 'Full',
			uri: `${base}.json`,
		};
	}

	/**
	 * @param {Ctx} ctx
	 * @returns {Promise<Result>}
	 */
	async function routeTwilio(ctx) {
		const method = ctx.rec.method;
		const p = ctx.subpath;
		const notFound = () => providerError('twilio', 404, { code: 20404, message: `The requested resource ${p} was not found` });

		// Content API (content.twilio.com/v1/Content), served under the same base URL.
		const content = /^\/v1\/(Content|ContentAndApprovals)(?:\/(HX[0-9a-fA-F]{32}))?\/?$/.exec(p);
		if (content) {
			const auth = twilioAuth(ctx, undefined);
			if ('error' in auth) return auth.error;
			const items = twilioContents(auth.account);
			if (content[2]) {
				const item = items.find((x) => x.sid === content[2]);
				return item ? { status: 200, body: item } : notFound();
			}
			const key = 'contents';
			return {
				status: 200,
				body: {
					[key]: items,
					meta: {
						page: 0,
						page_size: 50,
						first_page_url: `${publicUrl}/twilio/v1/${content[1]}?PageSize=50&Page=0`,
						previous_page_url: null,
						url: `${publicUrl}/twilio/v1/${content[1]}?PageSize=50&Page=0`,
						next_page_url: null,
						key,
					},
				},
			};
		}

		const m = /^\/2010-04-01\/Accounts(?:\/([^/]+?))?(\.json)?(\/.*)?$/.exec(p);
		if (!m) return notFound();
		if (!m[1]) {
			// /2010-04-01/Accounts.json
			if (m[2] !== '.json' || m[3]) return notFound();
			const auth = twilioAuth(ctx, undefined);
			if ('error' in auth) return auth.error;
			const account = auth.account;
			return {
				status: 200,
				body: {
					accounts: [twilioAccountResource(account)],
					end: 0,
					first_page_uri: '/2010-04-01/Accounts.json?PageSize=50&Page=0',
					next_page_uri: null,
					page: 0,
					page_size: 50,
					previous_page_uri: null,
					start: 0,
					uri: '/2010-04-01/Accounts.json?PageSize=50&Page=0',
				},
			};
		}
		const accountSid = m[1];
		const auth = twilioAuth(ctx, accountSid);
		if ('error' in auth) return auth.error;
		const account = auth.account;
		const rest = m[3] ?? '';

		if (m[2] === '.json' && !rest) {
			if (method === 'GET' || method === 'POST') {
				if (method === 'POST' && isObject(ctx.rec.body) && typeof ctx.rec.body.FriendlyName === 'string') {
					account.friendlyName = ctx.rec.body.FriendlyName;
				}
				return { status: 200, body: twilioAccountResource(account) };
			}
			return providerError('twilio', 405, { code: 20004, message: 'Method not allowed' });
		}
		if (m[2]) return notFound();

		if (rest === '/Messages.json') {
			if (method === 'POST') return twilioCreateMessage(ctx, account);
			if (method === 'GET') {
				const q = ctx.rec.query;
				const pageSize = Math.min(1000, Math.max(1, Number(first(q.PageSize)) || 50));
				const list = [...messages.values()]
					.filter((x) => x.provider === 'twilio' && x.sender === account.accountSid)
					.filter((x) => !q.To || x.to === first(q.To))
					.filter((x) => !q.From || x.resource.from === first(q.From))
					.reverse()
					.slice(0, pageSize)
					.map((x) => x.resource);
				const uri = `/2010-04-01/Accounts/${account.accountSid}/Messages.json?PageSize=${pageSize}&Page=0`;
				return {
					status: 200,
					body: {
						end: Math.max(0, list.length - 1),
						first_page_uri: uri,
						next_page_uri: null,
						page: 0,
						page_size: pageSize,
						previous_page_uri: null,
						messages: list,
						start: 0,
						uri,
					},
				};
			}
			return providerError('twilio', 405, { code: 20004, message: 'Method not allowed' });
		}

		const mm = /^\/Messages\/((?:SM|MM)[0-9a-fA-F]{32})(?:(\.json)|\/Media(?:(\.json)|\/(ME[0-9a-fA-F]{32})(\.json)?))$/.exec(rest);
		if (!mm) return notFound();
		const messageSid = mm[1];
		if (mm[2]) {
			const stored = messages.get(messageSid);
			if (!stored || stored.provider !== 'twilio' || stored.sender !== account.accountSid) return notFound();
			if (method === 'DELETE') {
				messages.delete(messageSid);
				return { status: 204 };
			}
			if (method === 'POST') {
				const b = isObject(ctx.rec.body) ? ctx.rec.body : {};
				if (b.Body === '') stored.resource.body = '';
				if (b.Status === 'canceled') {
					stored.resource.status = 'canceled';
					stored.status = 'canceled';
				}
				stored.resource.date_updated = util.rfc2822();
			}
			return { status: 200, body: stored.resource };
		}
		const mediaOfMessage = [...twilioMedia.values()].filter((x) => x.messageSid === messageSid && x.accountSid === account.accountSid);
		/** @param {{ sid: string, contentType: string, at: number }} x */
		const mediaResource = (x) => ({
			account_sid: account.accountSid,
			content_type: x.contentType,
			date_created: util.rfc2822(new Date(x.at)),
			date_updated: util.rfc2822(new Date(x.at)),
			parent_sid: messageSid,
			sid: x.sid,
			uri: `/2010-04-01/Accounts/${account.accountSid}/Messages/${messageSid}/Media/${x.sid}.json`,
		});
		if (mm[3]) {
			const uri = `/2010-04-01/Accounts/${account.accountSid}/Messages/${messageSid}/Media.json?PageSize=50&Page=0`;
			return {
				status: 200,
				body: {
					end: Math.max(0, mediaOfMessage.length - 1),
					first_page_uri: uri,
					media_list: mediaOfMessage.map(mediaResource),
					next_page_uri: null,
					page: 0,
					page_size: 50,
					previous_page_uri: null,
					start: 0,
					uri,
				},
			};
		}
		const media = mediaOfMessage.find((x) => x.sid === mm[4]);
		if (!media) return notFound();
		if (method === 'DELETE') {
			twilioMedia.delete(`${messageSid}/${media.sid}`);
			return { status: 204 };
		}
		if (mm[5]) return { status: 200, body: mediaResource(media) };
		return {
			status: 200,
			raw: media.data,
			headers: { 'content-type': media.contentType, 'content-length': String(media.data.length) },
		};
	}

	/** @param {TwilioAccount} account */
	function twilioContents(account) {
		const now = new Date(startedAt).toISOString().replace(/\.\d+Z$/, 'Z');
		/** @param {string} sid @param {string} name @param {Record<string, string>} variables @param {Record<string, unknown>} types */
		const item = (sid, name, variables, types) => ({
			sid,
			account_sid: account.accountSid,
			friendly_name: name,
			language: 'en',
			variables,
			types,
			url: `${publicUrl}/twilio/v1/Content/${sid}`,
			date_created: now,
			date_updated: now,
			links: {
				approval_create: `${publicUrl}/twilio/v1/Content/${sid}/ApprovalRequests/whatsapp`,
				approval_fetch: `${publicUrl}/twilio/v1/Content/${sid}/ApprovalRequests`,
			},
		});
		return [
			item('HX5a4db0c5000000000000000000000001', 'order_update', { 1: 'Customer', 2: 'order number' }, {
				'twilio/text': { body: 'Hi {{1}}, your order {{2}} is on its way.' },
			}),
			item('HX5a4db0c5000000000000000000000002', 'appointment_reminder', { 1: 'date', 2: 'time' }, {
				'twilio/quick-reply': {
					body: 'Your appointment is on {{1}} at {{2}}. Can you make it?',
					actions: [
						{ title: 'Yes', id: 'confirm' },
						{ title: 'No', id: 'cancel' },
					],
				},
			}),
		];
	}

	/**
	 * POST /2010-04-01/Accounts/{AccountSid}/Messages.json
	 * @param {Ctx} ctx @param {TwilioAccount} account
	 * @returns {Result}
	 */
	function twilioCreateMessage(ctx, account) {
		// Twilio reads form parameters only: a JSON body carries no parameters.
		const params = isObject(ctx.rec.body) && !ctx.rec.parseError && /form-urlencoded/i.test(String(ctx.req.headers['content-type'] ?? ''))
			? /** @type {Record<string, string | string[]>} */ (ctx.rec.body)
			: {};
		const bad = (/** @type {number} */ code, /** @type {string} */ message) => providerError('twilio', 400, { code, message });
		const to = String(first(params.To) ?? '').trim();
		const from = String(first(params.From) ?? '').trim();
		const service = String(first(params.MessagingServiceSid) ?? '').trim();
		const body = first(params.Body);
		const mediaUrls = all(params.MediaUrl);
		const contentSid = String(first(params.ContentSid) ?? '').trim();
		const contentVariables = first(params.ContentVariables);
		if (!to) return bad(21604, "A 'To' phone number is required.");
		if (!from && !service) return bad(21603, "A 'From' phone number is required.");
		if ((body === undefined || body === '') && mediaUrls.length === 0 && !contentSid) return bad(21602, 'Message body is required.');
		const toNumber = to.replace(/^whatsapp:/i, '');
		if (!/^\+?[1-9]\d{5,14}$/.test(toNumber)) return bad(21211, `Invalid 'To' Phone Number: ${to.replace(/^whatsapp:/i, '').slice(0, 40)}`);
		if (from) {
			const fromNumber = from.replace(/^whatsapp:/i, '');
			if (!/^\+?[1-9]\d{2,14}$/.test(fromNumber) && !/^[A-Za-z0-9 ]{1,11}$/.test(fromNumber)) return bad(21212, `Invalid From Number (caller ID): ${from.slice(0, 40)}`);
			if (/^whatsapp:/i.test(from) !== /^whatsapp:/i.test(to)) {
				return bad(21910, 'Invalid From and To pair. From and To should be of the same channel');
			}
		}
		if (service && !/^MG[0-9a-fA-F]{32}$/.test(service)) return bad(21701, `The Messaging Service Sid ${service.slice(0, 40)} is invalid.`);
		if (contentSid && !/^HX[0-9a-fA-F]{32}$/.test(contentSid)) return bad(21655, 'The ContentSid is Invalid.');
		if (contentVariables !== undefined && contentVariables !== '') {
			try {
				const v = JSON.parse(String(contentVariables));
				if (!isObject(v)) throw new Error('not an object');
			} catch {
				return bad(21656, 'The ContentVariables Parameter is invalid.');
			}
		}
		if (typeof body === 'string' && body.length > 1600) return bad(21617, 'The concatenated message body exceeds the 1600 character limit.');
		if (mediaUrls.length > 10) return bad(21623, 'The number of media files exceeds the 10 media limit.');
		for (const u of mediaUrls) {
			if (!/^https?:\/\/\S+$/i.test(u)) return bad(21620, `Invalid media URL(s): ${u.slice(0, 80)}`);
		}
		const statusCallback = first(params.StatusCallback);
		if (statusCallback !== undefined && statusCallback !== '' && !/^https?:\/\/\S+$/i.test(String(statusCallback))) {
			return bad(21609, 'Invalid StatusCallback url');
		}

		const limited = throttleAndFaults('twilio', account.accountSid, true);
		if (limited) return limited;

		const sid = util.twilioSid(mediaUrls.length > 0 ? 'MM' : 'SM');
		const now = util.rfc2822();
		const scheduled = first(params.ScheduleType) === 'fixed' && first(params.SendAt);
		const status = scheduled ? 'scheduled' : !from && service ? 'accepted' : 'queued';
		const resource = {
			account_sid: account.accountSid,
			api_version: '2010-04-01',
			body: typeof body === 'string' ? body : '',
			date_created: now,
			date_sent: null,
			date_updated: now,
			direction: 'outbound-api',
			error_code: null,
			error_message: null,
			from: from || null,
			messaging_service_sid: service || null,
			num_media: String(mediaUrls.length),
			num_segments: '1',
			price: null,
			price_unit: null,
			sid,
			status,
			subresource_uris: {
				media: `/2010-04-01/Accounts/${account.accountSid}/Messages/${sid}/Media.json`,
			},
			to,
			uri: twilioMessageUri(account.accountSid, sid),
		};
		/** @type {StoredMessage} */
		const stored = { provider: 'twilio', id: sid, sender: account.accountSid, to, status, at: Date.now(), resource };
		if (statusCallback) stored.statusCallback = String(statusCallback);
		storeMessage(stored);
		countIdempotency(
			'twilio',
			account.accountSid,
			to,
			util.stableStringify({ body: body ?? '', media: mediaUrls, contentSid, contentVariables: contentVariables ?? '' }),
		);
		if (behaviour.autoStatusCallbacks && stored.statusCallback) {
			scheduleStatuses(stored, (s) =>
				fireInternal({
					provider: 'twilio',
					kind: 'status',
					url: /** @type {string} */ (stored.statusCallback),
					accountSid: account.accountSid,
					messageId: sid,
					status: s,
					from: from || account.whatsappNumber,
					to,
				}),
			);
		}
		return { status: 201, body: resource, tag: 'accepted' };
	}

	// ------------------------------------------------------------ Meta

	/**
	 * @param {Ctx} ctx
	 * @returns {Result | undefined}
	 */
	function metaAuth(ctx) {
		const header = String(ctx.req.headers.authorization ?? '');
		const m = /^Bearer\s+(.+)$/i.exec(header) ?? /^OAuth\s+(.+)$/i.exec(header);
		const token = m ? m[1].trim() : first(ctx.rec.query.access_token);
		if (!token) {
			return {
				status: 401,
				body: util.metaError(401, { code: 104, type: 'OAuthException', message: 'An access token is required to request this resource.' }),
				headers: { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_request" "An access token is required to request this resource."' },
			};
		}
		if (!util.safeEqual(String(token), accounts.meta.accessToken)) {
			return {
				status: 401,
				body: util.metaError(401, { code: 190, type: 'OAuthException', message: 'Invalid OAuth access token - Cannot parse access token' }),
				headers: { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token - Cannot parse access token"' },
			};
		}
		return undefined;
	}

	/** @param {string} method @param {string} id */
	function metaUnsupported(method, id) {
		return providerError('meta', 400, {
			code: 100,
			subcode: 33,
			type: 'GraphMethodException',
			message: `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. ${GRAPH_DOCS}`,
		});
	}

	/** @param {string} message */
	function metaBadParam(message) {
		return providerError('meta', 400, { code: 100, type: 'OAuthException', message });
	}

	/**
	 * The request's parameters: JSON body, or a form body whose JSON-looking values are parsed (Graph accepts both).
	 * @param {Ctx} ctx
	 * @returns {{ params: Record<string, any> } | { error: Result }}
	 */
	function metaParams(ctx) {
		const ct = String(ctx.req.headers['content-type'] ?? '');
		if (ctx.rec.parseError && /json/i.test(ct)) {
			return {
				error: providerError('meta', 400, {
					code: 100,
					type: 'OAuthException',
					message: '(#100) Invalid parameter',
					details: 'Request body is not valid JSON.',
				}),
			};
		}
		const b = ctx.rec.body;
		/** @type {Record<string, any>} */
		const params = {};
		// Graph also reads parameters from the query string.
		for (const [k, v] of Object.entries(ctx.rec.query)) if (k !== 'access_token') params[k] = first(v);
		if (isObject(b) && !('files' in b && 'fields' in b && /multipart/i.test(ct))) {
			const isForm = /form-urlencoded/i.test(ct);
			for (const [k, v] of Object.entries(b)) {
				let value = isForm ? first(v) : v;
				if (isForm && typeof value === 'string' && /^\s*[[{]/.test(value)) {
					try {
						value = JSON.parse(value);
					} catch {
						/* keep the string */
					}
				}
				params[k] = value;
			}
		} else if (b !== undefined && !isObject(b)) {
			return { error: metaBadParam('(#100) Invalid parameter') };
		}
		return { params };
	}

	/**
	 * @param {Ctx} ctx
	 * @returns {Promise<Result>}
	 */
	async function routeMeta(ctx) {
		const method = ctx.rec.method;
		const segs = ctx.subpath.split('/').filter(Boolean);

		// Media download URL (the real one lives on lookaside.fbsbx.com and also needs the token).
		if (segs[0] === 'media-download') {
			const authError = metaAuth(ctx);
			if (authError) return authError;
			const media = segs[1] ? metaMedia.get(segs[1]) : undefined;
			if (!media || segs.length !== 2) return metaUnsupported(method, segs[1] ?? '');
			return {
				status: 200,
				raw: media.data,
				headers: {
					'content-type': media.mimeType,
					'content-length': String(media.data.length),
					'content-disposition': `inline;filename=${media.filename ?? 'File'}`,
				},
			};
		}

		// The version segment (v23.0; any vNN.N is accepted). Graph also serves unversioned paths.
		if (segs[0] && /^v\d+(\.\d+)?$/.test(segs[0])) segs.shift();
		else if (segs[0] && /^v/i.test(segs[0])) {
			return providerError('meta', 400, { code: 100, type: 'OAuthException', message: `Invalid version format. Use format like 'v23.0'` });
		}

		const authError = metaAuth(ctx);
		if (authError) return authError;

		if (segs.length === 0) return metaUnsupported(method, '');
		const id = /** @type {string} */ (segs[0]);
		const edge = segs[1];
		if (segs.length > 2) {
			return providerError('meta', 400, { code: 2500, type: 'OAuthException', message: `Unknown path components: /${segs.slice(1).join('/')}` });
		}
		const phone = accounts.meta.phoneNumbers.find((x) => x.id === id);
		if (phone) return metaPhoneRoute(ctx, phone, edge);
		if (id === accounts.meta.wabaId) return metaWabaRoute(ctx, edge);
		const media = metaMedia.get(id);
		if (media && !edge) {
			const q = first(ctx.rec.query.phone_number_id);
			if (q && q !== media.phoneNumberId) {
				return metaBadParam(`(#100) Media ${id} does not belong to phone number ${String(q).slice(0, 30)}`);
			}
			if (method === 'GET') {
				return {
					status: 200,
					body: {
						url: `${publicUrl}/meta/media-download/${id}?mid=${id}&ext=${Math.floor(Date.now() / 1000)}&hash=${media.sha256.slice(0, 16)}`,
						mime_type: media.mimeType,
						sha256: media.sha256,
						file_size: String(media.data.length),
						id,
						messaging_product: 'whatsapp',
					},
				};
			}
			if (method === 'DELETE') {
				metaMedia.delete(id);
				metaMediaBytes -= media.data.length;
				return { status: 200, body: { success: true } };
			}
		}
		return metaUnsupported(method, id);
	}

	/** @param {MetaPhoneNumber} phone */
	function phoneFieldValues(phone) {
		/** @type {Record<string, unknown>} */
		const wc = {};
		const override = phoneWebhooks.get(phone.id);
		if (override) wc.phone_number = override.uri;
		if (wabaSubscription.overrideUri) wc.whatsapp_business_account = wabaSubscription.overrideUri;
		if (accounts.meta.appCallbackUrl) wc.application = accounts.meta.appCallbackUrl;
		return {
			id: phone.id,
			display_phone_number: phone.displayPhoneNumber,
			verified_name: phone.verifiedName,
			quality_rating: phone.qualityRating,
			code_verification_status: 'VERIFIED',
			name_status: 'APPROVED',
			platform_type: 'CLOUD_API',
			throughput: { level: 'STANDARD' },
			status: 'CONNECTED',
			messaging_limit_tier: 'TIER_1K',
			is_official_business_account: false,
			webhook_configuration: wc,
			account_mode: 'SANDBOX',
			is_pin_enabled: false,
		};
	}

	/**
	 * @param {Ctx} ctx @param {MetaPhoneNumber} phone @param {string | undefined} edge
	 * @returns {Promise<Result>}
	 */
	async function metaPhoneRoute(ctx, phone, edge) {
		const method = ctx.rec.method;
		if (!edge) {
			if (method === 'GET') {
				const values = phoneFieldValues(phone);
				const requested = String(first(ctx.rec.query.fields) ?? '')
					.split(',')
					.map((s) => s.trim())
					.filter(Boolean);
				const fields = requested.length > 0 ? requested : ['id', 'display_phone_number', 'verified_name', 'quality_rating'];
				/** @type {Record<string, unknown>} */
				const out = {};
				for (const f of fields) {
					if (!META_PHONE_FIELDS.includes(f)) {
						return metaBadParam(`(#100) Tried accessing nonexisting field (${f.slice(0, 60)}) on node type (WhatsAppBusinessPhoneNumber)`);
					}
					out[f] = /** @type {Record<string, unknown>} */ (values)[f];
				}
				if (!('id' in out)) out.id = phone.id;
				return { status: 200, body: out };
			}
			if (method === 'POST') {
				const p = metaParams(ctx);
				if ('error' in p) return p.error;
				const wc = p.params.webhook_configuration;
				if (wc !== undefined) {
					if (!isObject(wc) || typeof wc.override_callback_uri !== 'string') {
						return metaBadParam('(#100) The parameter webhook_configuration[override_callback_uri] is required.');
					}
					const uri = wc.override_callback_uri.trim();
					if (uri === '') phoneWebhooks.delete(phone.id);
					else {
						if (!/^https?:\/\/\S+$/i.test(uri)) return metaBadParam('(#100) Param webhook_configuration[override_callback_uri] must be a valid URL');
						const verifyToken = typeof wc.verify_token === 'string' ? wc.verify_token : undefined;
						if (behaviour.verifyWebhookCallbacks) {
							const failure = await verifyCallback(uri, verifyToken ?? '');
							if (failure) return failure;
						}
						/** @type {{ uri: string, verifyToken?: string }} */
						const entry = { uri };
						if (verifyToken !== undefined) entry.verifyToken = verifyToken;
						phoneWebhooks.set(phone.id, entry);
					}
				}
				return { status: 200, body: { success: true } };
			}
			return metaUnsupported(method, phone.id);
		}
		if (edge === 'messages' && method === 'POST') return metaSendMessage(ctx, phone);
		if (edge === 'media' && method === 'POST') return metaUpload(ctx, phone);
		if (edge === 'whatsapp_business_profile') {
			if (method === 'GET') {
				return {
					status: 200,
					body: {
						data: [
							{
								about: 'Sandbox business',
								address: '1 Hacker Way, Menlo Park, CA 94025',
								description: 'A local stand-in for the WhatsApp Cloud API',
								email: 'sandbox@example.com',
								websites: ['https://example.com/'],
								vertical: 'OTHER',
								messaging_product: 'whatsapp',
							},
						],
					},
				};
			}
			if (method === 'POST') return { status: 200, body: { success: true } };
		}
		if (['register', 'deregister', 'request_code', 'verify_code', 'settings'].includes(edge) && method === 'POST') {
			return { status: 200, body: { success: true } };
		}
		if (edge === 'messages' || edge === 'media') return metaUnsupported(method, phone.id);
		return providerError('meta', 400, { code: 2500, type: 'OAuthException', message: `Unknown path components: /${edge}` });
	}

	/**
	 * Real Graph checks a new callback URL with a hub.challenge GET.
	 * @param {string} uri @param {string} verifyToken
	 * @returns {Promise<Result | undefined>}
	 */
	async function verifyCallback(uri, verifyToken) {
		const challenge = String(crypto.randomInt(100000000, 999999999));
		const u = new URL(uri);
		u.searchParams.set('hub.mode', 'subscribe');
		u.searchParams.set('hub.challenge', challenge);
		u.searchParams.set('hub.verify_token', verifyToken);
		let detail;
		try {
			const r = await webhooks.httpRequest('GET', u.toString(), { 'user-agent': 'facebookplatform/1.0 (+http://developers.facebook.com)' }, undefined, 10000);
			if (r.status === 200 && r.text.trim() === challenge) return undefined;
			detail = r.status === 200 ? `The URL couldn't be validated. Response does not match challenge, expected value="${challenge}", received="${r.text.slice(0, 40)}"` : `HTTP Status Code = ${r.status}`;
		} catch (e) {
			detail = `curl_errno = 7; curl_error = ${/** @type {Error} */ (e).message}`;
		}
		return providerError('meta', 400, {
			code: 2200,
			type: 'OAuthException',
			message: `(#2200) Callback verification failed with the following errors: ${detail}`,
		});
	}

	/**
	 * POST /{Version}/{Phone-Number-ID}/messages
	 * @param {Ctx} ctx @param {MetaPhoneNumber} phone
	 * @returns {Result}
	 */
	function metaSendMessage(ctx, phone) {
		const p = metaParams(ctx);
		if ('error' in p) return p.error;
		const b = p.params;
		if (b.messaging_product === undefined) return metaBadParam('(#100) The parameter messaging_product is required.');
		if (String(b.messaging_product).toLowerCase() !== 'whatsapp') {
			return metaBadParam(`(#100) Param messaging_product must be one of {WHATSAPP} - got "${String(b.messaging_product).slice(0, 30)}".`);
		}
		// Mark as read / typing indicator
		if (b.status !== undefined) {
			if (b.status !== 'read') return metaBadParam(`(#100) Param status must be one of {READ} - got "${String(b.status).slice(0, 30)}".`);
			if (typeof b.message_id !== 'string' || !b.message_id) return metaBadParam('(#100) The parameter message_id is required.');
			return { status: 200, body: { success: true } };
		}
		if (b.to === undefined || b.to === null || String(b.to).trim() === '') return metaBadParam('(#100) The parameter to is required.');
		const type = b.type === undefined ? 'text' : String(b.type);
		if (!META_MESSAGE_TYPES.includes(type)) {
			return metaBadParam(`(#100) Param type must be one of {${META_MESSAGE_TYPES.map((t) => t.toUpperCase()).join(', ')}} - got "${type.slice(0, 30)}".`);
		}
		const content = b[type];
		if (content === undefined || content === null) return metaBadParam(`(#100) The parameter ${type} is required.`);
		if (type === 'text' && (!isObject(content) || typeof content.body !== 'string' || content.body === '')) {
			return metaBadParam("(#100) The parameter text['body'] is required.");
		}
		if (type === 'text' && content.body.length > 4096) {
			return providerError('meta', 400, { code: 100, type: 'OAuthException', message: '(#100) Param text[\'body\'] must be at most 4096 characters long.' });
		}
		if (['image', 'audio', 'video', 'document', 'sticker'].includes(type) && (!isObject(content) || (!content.id && !content.link))) {
			return metaBadParam(`(#100) The parameter ${type}['id'] or ${type}['link'] is required.`);
		}
		if (type === 'template' && (!isObject(content) || !content.name || !isObject(content.language))) {
			return metaBadParam(!isObject(content) || !content.name ? "(#100) The parameter template['name'] is required." : "(#100) The parameter template['language'] is required.");
		}

		const limited = throttleAndFaults('meta', phone.id, true);
		if (limited) return limited;

		const to = String(b.to);
		const waId = to.replace(/\D/g, '');
		const id = util.wamid(waId);
		/** @type {Record<string, unknown>} */
		const message = { id };
		if (type === 'template') message.message_status = 'accepted';
		const response = {
			messaging_product: 'whatsapp',
			contacts: [{ input: to, wa_id: waId }],
			messages: [message],
		};
		/** @type {StoredMessage} */
		const stored = { provider: 'meta', id, sender: phone.id, to: waId, status: 'accepted', at: Date.now(), resource: b };
		storeMessage(stored);
		const { messaging_product: _mp, recipient_type: _rt, to: _to, biz_opaque_callback_data: _bo, ...rest } = b;
		countIdempotency('meta', phone.id, waId, util.stableStringify(rest));
		if (behaviour.autoStatusCallbacks) {
			const target = phoneWebhooks.get(phone.id)?.uri ?? wabaSubscription.overrideUri ?? accounts.meta.appCallbackUrl;
			if (target) {
				scheduleStatuses(stored, (s) =>
					fireInternal({ provider: 'meta', kind: 'status', url: target, phoneNumberId: phone.id, messageId: id, status: s, to: waId }),
				);
			}
		}
		return { status: 200, body: response, tag: 'accepted' };
	}

	/**
	 * POST /{Version}/{Phone-Number-ID}/media (multipart/form-data: file, messaging_product[, type])
	 * @param {Ctx} ctx @param {MetaPhoneNumber} phone
	 * @returns {Result}
	 */
	function metaUpload(ctx, phone) {
		const ct = String(ctx.req.headers['content-type'] ?? '');
		const b = ctx.rec.body;
		if (!/multipart\/form-data/i.test(ct) || !isObject(b) || !('files' in b)) {
			if (ctx.rec.parseError) return metaBadParam('(#100) Invalid parameter');
			return metaBadParam('(#100) The parameter file is required.');
		}
		const mp = /** @type {MultipartBody} */ (b);
		const product = first(mp.fields.messaging_product);
		if (!product) return metaBadParam('(#100) The parameter messaging_product is required.');
		if (String(product).toLowerCase() !== 'whatsapp') {
			return metaBadParam(`(#100) Param messaging_product must be one of {WHATSAPP} - got "${String(product).slice(0, 30)}".`);
		}
		const file = mp.files.find((f) => f.name === 'file');
		if (!file) return metaBadParam('(#100) The parameter file is required.');
		const typeField = first(mp.fields.type);
		const mimeType = String(typeField ?? (file.contentType || 'application/octet-stream'));
		const id = addMetaMediaInternal(file.data, mimeType, phone.id, file.filename || undefined);
		return { status: 200, body: { id } };
	}

	/**
	 * @param {Buffer} data @param {string} mimeType @param {string} phoneNumberId @param {string} [filename]
	 */
	function addMetaMediaInternal(data, mimeType, phoneNumberId, filename) {
		const id = util.graphId(16);
		/** @type {{ id: string, data: Buffer, mimeType: string, sha256: string, phoneNumberId: string, filename?: string, at: number }} */
		const media = {
			id,
			data,
			mimeType,
			sha256: crypto.createHash('sha256').update(data).digest('hex'),
			phoneNumberId,
			at: Date.now(),
		};
		if (filename) media.filename = filename;
		metaMedia.set(id, media);
		metaMediaBytes += data.length;
		while (metaMediaBytes > MAX_MEDIA_BYTES && metaMedia.size > 1) {
			const oldest = metaMedia.values().next().value;
			if (!oldest) break;
			metaMedia.delete(oldest.id);
			metaMediaBytes -= oldest.data.length;
		}
		return id;
	}

	/**
	 * @param {string} accountSid @param {string} messageSid @param {Buffer} data @param {string} contentType
	 */
	function addTwilioMediaInternal(accountSid, messageSid, data, contentType) {
		const sid = util.twilioSid('ME');
		twilioMedia.set(`${messageSid}/${sid}`, { sid, accountSid, messageSid, data, contentType, at: Date.now() });
		if (twilioMedia.size > 10000) {
			const oldest = twilioMedia.keys().next().value;
			if (oldest !== undefined) twilioMedia.delete(oldest);
		}
		return `${publicUrl}/twilio/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media/${sid}`;
	}

	/**
	 * @param {Ctx} ctx @param {string | undefined} edge
	 * @returns {Promise<Result>}
	 */
	async function metaWabaRoute(ctx, edge) {
		const method = ctx.rec.method;
		const meta = accounts.meta;
		if (!edge && method === 'GET') {
			return {
				status: 200,
				body: {
					id: meta.wabaId,
					name: `${meta.verifiedName} WABA`,
					currency: 'USD',
					timezone_id: '1',
					message_template_namespace: 'sandbox_namespace_0000',
				},
			};
		}
		if (edge === 'phone_numbers' && method === 'GET') {
			return {
				status: 200,
				body: {
					data: meta.phoneNumbers.map((ph) => {
						const v = phoneFieldValues(ph);
						return {
							verified_name: v.verified_name,
							code_verification_status: v.code_verification_status,
							display_phone_number: v.display_phone_number,
							quality_rating: v.quality_rating,
							platform_type: v.platform_type,
							throughput: v.throughput,
							id: v.id,
						};
					}),
					paging: { cursors: { before: 'QVFIUBEFORE', after: 'QVFIUAFTER' } },
				},
			};
		}
		if (edge === 'message_templates') {
			if (method === 'GET') {
				const name = first(ctx.rec.query.name);
				const data = metaTemplates().filter((t) => !name || t.name === name);
				return { status: 200, body: { data, paging: { cursors: { before: 'MAZDZD', after: 'MjQZD' } } } };
			}
			if (method === 'POST') {
				const p = metaParams(ctx);
				if ('error' in p) return p.error;
				if (!p.params.name) return metaBadParam('(#100) The parameter name is required.');
				return { status: 200, body: { id: util.graphId(15), status: 'PENDING', category: String(p.params.category ?? 'UTILITY') } };
			}
		}
		if (edge === 'subscribed_apps') {
			if (method === 'GET') {
				/** @type {Record<string, unknown>[]} */
				const data = [];
				if (wabaSubscription.subscribed) {
					/** @type {Record<string, unknown>} */
					const app = {
						whatsapp_business_api_data: {
							id: meta.appId,
							link: `https://www.facebook.com/games/?app_id=${meta.appId}`,
							name: 'Sandbox App',
						},
					};
					if (wabaSubscription.overrideUri) app.override_callback_uri = wabaSubscription.overrideUri;
					data.push(app);
				}
				return { status: 200, body: { data } };
			}
			if (method === 'POST') {
				const p = metaParams(ctx);
				if ('error' in p) return p.error;
				const uri = p.params.override_callback_uri;
				/** @type {{ subscribed: boolean, overrideUri?: string, verifyToken?: string }} */
				const next = { subscribed: true };
				if (typeof uri === 'string' && uri.trim() !== '') {
					if (!/^https?:\/\/\S+$/i.test(uri.trim())) return metaBadParam('(#100) Param override_callback_uri must be a valid URL');
					const verifyToken = typeof p.params.verify_token === 'string' ? p.params.verify_token : '';
					if (behaviour.verifyWebhookCallbacks) {
						const failure = await verifyCallback(uri.trim(), verifyToken);
						if (failure) return failure;
					}
					next.overrideUri = uri.trim();
					next.verifyToken = verifyToken;
				}
				wabaSubscription = next;
				return { status: 200, body: { success: true } };
			}
			if (method === 'DELETE') {
				wabaSubscription = { subscribed: false };
				return { status: 200, body: { success: true } };
			}
		}
		if (!edge) return metaUnsupported(method, meta.wabaId);
		return providerError('meta', 400, { code: 2500, type: 'OAuthException', message: `Unknown path components: /${edge}` });
	}

	function metaTemplates() {
		return [
			{
				name: 'hello_world',
				parameter_format: 'POSITIONAL',
				components: [
					{ type: 'HEADER', format: 'TEXT', text: 'Hello World' },
					{ type: 'BODY', text: 'Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us.' },
					{ type: 'FOOTER', text: 'WhatsApp Business Platform sample message' },
				],
				language: 'en_US',
				status: 'APPROVED',
				category: 'UTILITY',
				id: '920070352646140',
			},
			{
				name: 'order_update',
				parameter_format: 'POSITIONAL',
				components: [
					{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way.', example: { body_text: [['Sheena', '#1234']] } },
					{ type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Track order' }] },
				],
				language: 'en_US',
				status: 'APPROVED',
				category: 'UTILITY',
				id: '920070352646141',
			},
		];
	}

	// ------------------------------------------------------------ gateway

	/**
	 * @param {Ctx} ctx
	 * @returns {Result | undefined}
	 */
	function gatewayAuth(ctx) {
		const g = accounts.gateway;
		if (!g.authToken) return undefined;
		const token = g.authToken;
		const h = ctx.req.headers;
		const auth = String(h.authorization ?? '');
		const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
		const basic = /^Basic\s+(.+)$/i.exec(auth)?.[1];
		let basicPass;
		if (basic) {
			const d = Buffer.from(basic, 'base64').toString('utf8');
			basicPass = d.slice(d.indexOf(':') + 1);
		}
		const headerValue = first(h[g.headerName]);
		const ok = {
			bearer: bearer !== undefined && util.safeEqual(bearer, token),
			header: headerValue !== undefined && util.safeEqual(String(headerValue), token),
			basic: basicPass !== undefined && util.safeEqual(basicPass, token),
		};
		const passed = g.authMode === 'any' ? ok.bearer || ok.header || ok.basic : ok[g.authMode];
		if (passed) return undefined;
		return { status: 401, body: util.gatewayError(401, 'Unauthorized: missing or invalid token'), headers: { 'www-authenticate': 'Bearer realm="gateway"' } };
	}

	/**
	 * /gateway/* — any method, any subpath.
	 * @param {Ctx} ctx
	 * @returns {Result}
	 */
	function routeGateway(ctx) {
		const authError = gatewayAuth(ctx);
		if (authError) return authError;
		const method = ctx.rec.method;
		if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
			if (ctx.rec.parseError) return { status: 400, body: util.gatewayError(400, `Invalid body: ${ctx.rec.parseError}`) };
			const limited = throttleAndFaults('gateway', 'gateway', true);
			if (limited) return limited;
			const b = isObject(ctx.rec.body) ? ctx.rec.body : {};
			const to = String(b.to ?? b.phone ?? b.recipient ?? b.number ?? '');
			const id = 'gw_' + util.hex(12);
			/** @type {StoredMessage} */
			const stored = { provider: 'gateway', id, sender: 'gateway', to, status: 'queued', at: Date.now(), resource: b };
			const cb = b.statusCallback ?? b.callbackUrl ?? b.callback_url ?? b.webhookUrl;
			if (typeof cb === 'string' && /^https?:\/\//i.test(cb)) stored.statusCallback = cb;
			storeMessage(stored);
			const { to: _t, phone: _p, recipient: _r, number: _n, ...rest } = b;
			countIdempotency('gateway', 'gateway', to, ctx.rec.body === undefined ? ctx.rec.rawBody.toString('utf8') : util.stableStringify(rest));
			if (behaviour.autoStatusCallbacks && stored.statusCallback) {
				scheduleStatuses(stored, (s) =>
					fireInternal({ provider: 'gateway', kind: 'status', url: /** @type {string} */ (stored.statusCallback), messageId: id, status: s, to }),
				);
			}
			const override = behaviour.gatewayResponse;
			if (override) {
				/** @type {Result} */
				const r = { status: override.status ?? 200, body: override.body ?? { success: true, id, messageId: id, status: 'queued' }, tag: 'accepted' };
				if (override.headers) r.headers = { ...override.headers };
				if (r.status >= 300) delete r.tag;
				return r;
			}
			return { status: 200, body: { success: true, id, messageId: id, status: 'queued', to }, tag: 'accepted' };
		}
		if (method === 'GET') {
			const m = /\/(gw_[0-9a-f]{24})\/?$/.exec(ctx.subpath);
			if (m) {
				const stored = messages.get(m[1]);
				if (!stored || stored.provider !== 'gateway') return { status: 404, body: util.gatewayError(404, `Message ${m[1]} not found`) };
				return { status: 200, body: { id: stored.id, messageId: stored.id, status: stored.status, to: stored.to } };
			}
			return { status: 200, body: { ok: true, status: 'ok' } };
		}
		if (method === 'DELETE') return { status: 200, body: { success: true } };
		return { status: 200, body: { ok: true } };
	}

	// ------------------------------------------------------------ status callbacks & fire

	/**
	 * Sends 'sent' then 'delivered' for an accepted message.
	 * @param {StoredMessage} stored
	 * @param {(status: string) => Promise<FireResult>} send
	 */
	function scheduleStatuses(stored, send) {
		const statuses = ['sent', 'delivered'];
		statuses.forEach((s, i) => {
			later(async () => {
				stored.status = s;
				if (stored.provider === 'twilio') {
					stored.resource.status = s;
					stored.resource.date_updated = util.rfc2822();
					if (s === 'sent') stored.resource.date_sent = util.rfc2822();
				}
				try {
					const r = await send(s);
					if (r.status >= 200 && r.status < 300) callbacks.sent++;
					else callbacks.failed++;
				} catch {
					callbacks.failed++;
				}
			}, behaviour.statusCallbackDelayMs * (i + 1));
		});
	}

	/** @type {import('./webhooks').FireContext} */
	const fireCtx = {
		accounts,
		baseUrl: publicUrl,
		addMetaMedia: addMetaMediaInternal,
		addTwilioMedia: addTwilioMediaInternal,
	};

	/** @param {FireOptions} o */
	function fireInternal(o) {
		return webhooks.fire(fireCtx, o);
	}

	/** @param {FireOptions} o */
	async function fire(o) {
		const r = await webhooks.fire(fireCtx, o);
		fired += r.results ? r.results.length : 1;
		return r;
	}

	// ------------------------------------------------------------ public API

	function reset() {
		requests.length = 0;
		recordedBytes = 0;
		failQueue = [];
		behaviour = defaultBehaviour();
		rand = util.prng(behaviour.seed);
		rateLimiter = null;
		counts = { twilio: zeroCounts(), meta: zeroCounts(), gateway: zeroCounts() };
		idem = new Map();
		idemTruncated = false;
		callbacks = { sent: 0, failed: 0 };
		fired = 0;
		messages.clear();
		metaMedia.clear();
		metaMediaBytes = 0;
		twilioMedia.clear();
		phoneWebhooks.clear();
		wabaSubscription = { subscribed: true };
		for (const t of timers) clearTimeout(t);
		timers.clear();
	}

	/** @param {FailNextOptions} o */
	function failNext(o) {
		if (!o || !['twilio', 'meta', 'gateway'].includes(o.provider)) throw new Error('failNext: provider must be twilio, meta or gateway');
		const status = o.status ?? 500;
		if (!o.reset && (!Number.isInteger(status) || status < 100 || status > 599)) throw new Error(`failNext: invalid status ${status}`);
		failQueue.push({ ...o, status, count: Math.max(1, Math.floor(o.count ?? 1)) });
	}

	/**
	 * @param {ConfigureOptions} o
	 * @returns {Behaviour}
	 */
	function configure(o = {}) {
		const next = { ...behaviour };
		if (o.latencyMs !== undefined) next.latencyMs = Math.max(0, Number(o.latencyMs) || 0);
		if (o.jitterMs !== undefined) next.jitterMs = Math.max(0, Number(o.jitterMs) || 0);
		if (o.ratePerSecond !== undefined) {
			next.rateLimit = o.ratePerSecond ? { limit: Number(o.ratePerSecond), windowMs: 1000, shape: o.limiterShape ?? 'tokenBucket' } : null;
			rateLimiter = null;
		}
		if (o.rateLimit !== undefined) {
			if (o.rateLimit && (!(o.rateLimit.limit > 0) || !(o.rateLimit.windowMs > 0))) throw new Error('configure: rateLimit needs limit > 0 and windowMs > 0');
			next.rateLimit = o.rateLimit ? { limit: Number(o.rateLimit.limit), windowMs: Number(o.rateLimit.windowMs), shape: o.rateLimit.shape ?? o.limiterShape ?? 'tokenBucket' } : null;
			if (next.rateLimit && !SHAPES.includes(next.rateLimit.shape)) throw new Error(`configure: rateLimit.shape must be one of ${SHAPES.join(', ')}`);
			rateLimiter = null;
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
			rand = util.prng(next.seed);
		}
		if (o.record !== undefined) next.record = Boolean(o.record);
		if (o.maxRecorded !== undefined) next.maxRecorded = Math.max(1, Math.floor(Number(o.maxRecorded)));
		if (o.metaRateLimitStatus !== undefined) next.metaRateLimitStatus = Number(o.metaRateLimitStatus);
		if (o.verifyWebhookCallbacks !== undefined) next.verifyWebhookCallbacks = Boolean(o.verifyWebhookCallbacks);
		if (o.autoStatusCallbacks !== undefined) next.autoStatusCallbacks = Boolean(o.autoStatusCallbacks);
		if (o.statusCallbackDelayMs !== undefined) next.statusCallbackDelayMs = Math.max(0, Number(o.statusCallbackDelayMs) || 0);
		if (o.gatewayResponse !== undefined) next.gatewayResponse = o.gatewayResponse ?? null;
		behaviour = next;
		if (requests.length > behaviour.maxRecorded) {
			const drop = requests.length - behaviour.maxRecorded;
			for (let i = 0; i < drop; i++) recordedBytes -= requests[i].rawBody.length;
			requests.splice(0, drop);
		}
		return { ...behaviour };
	}

	/** @returns {SandboxStats} */
	function stats() {
		const total = zeroCounts();
		for (const p of /** @type {Provider[]} */ (['twilio', 'meta', 'gateway'])) {
			for (const k of /** @type {(keyof ProviderCounts)[]} */ (Object.keys(total))) total[k] += counts[p][k];
		}
		const duplicateKeys = [...idem.values()]
			.filter((e) => e.count > 1)
			.sort((a, b) => b.count - a.count)
			.slice(0, 100)
			.map((e) => ({ ...e }));
		return {
			...total,
			providers: { twilio: { ...counts.twilio }, meta: { ...counts.meta }, gateway: { ...counts.gateway } },
			messages: { unique: idem.size, duplicates: total.accepted - idem.size, duplicateKeys, truncated: idemTruncated },
			callbacks: { ...callbacks },
			fired,
			recorded: requests.length,
			startedAt,
		};
	}

	async function close() {
		if (closed) return;
		closed = true;
		for (const t of timers) clearTimeout(t);
		timers.clear();
		await new Promise((resolve) => {
			server.close(() => resolve(undefined));
			server.closeAllConnections();
		});
	}

	// ------------------------------------------------------------ control API

	/** @param {RecordedRequest} r @param {boolean} unredacted */
	function serializeRecord(r, unredacted) {
		const text = util.isProbablyText(r.rawBody);
		/** @type {unknown} */
		let body = r.body;
		if (isObject(body) && Array.isArray(body.files) && isObject(body.fields)) {
			const mp = /** @type {MultipartBody} */ (body);
			body = {
				fields: mp.fields,
				files: mp.files.map((f) => ({ name: f.name, filename: f.filename, contentType: f.contentType, size: f.data.length, data: f.data.toString('base64'), encoding: 'base64' })),
			};
		}
		return {
			id: r.id,
			provider: r.provider,
			method: r.method,
			path: r.path,
			url: r.url,
			query: r.query,
			headers: unredacted ? r.headers : redactHeaders(r.headers),
			rawBody: text ? r.rawBody.toString('utf8') : r.rawBody.toString('base64'),
			rawBodyEncoding: text ? 'utf8' : 'base64',
			body,
			parseError: r.parseError,
			at: r.at,
			status: r.status,
			response: r.response,
		};
	}

	/** @param {Record<string, string | string[] | undefined>} h */
	function redactHeaders(h) {
		/** @type {Record<string, string | string[] | undefined>} */
		const out = {};
		for (const [k, v] of Object.entries(h)) {
			if (k === 'authorization' && typeof v === 'string') out[k] = v.replace(/^(\S+)\s+.*$/, '$1 [redacted]');
			else if (k === accounts.gateway.headerName || k === 'cookie') out[k] = '[redacted]';
			else out[k] = v;
		}
		return out;
	}

	/** @param {boolean} withSecrets */
	function accountsView(withSecrets) {
		if (withSecrets) return accounts;
		return {
			twilio: accounts.twilioAccounts.map((a) => ({
				accountSid: a.accountSid,
				friendlyName: a.friendlyName,
				whatsappNumber: a.whatsappNumber,
				messagingServiceSid: a.messagingServiceSid,
				apiKeys: a.apiKeys.map((k) => ({ sid: k.sid })),
			})),
			meta: {
				phoneNumberId: accounts.meta.phoneNumberId,
				wabaId: accounts.meta.wabaId,
				appId: accounts.meta.appId,
				displayPhoneNumber: accounts.meta.displayPhoneNumber,
				verifiedName: accounts.meta.verifiedName,
				phoneNumbers: accounts.meta.phoneNumbers,
			},
			gateway: { authMode: accounts.gateway.authMode, headerName: accounts.gateway.headerName, authRequired: Boolean(accounts.gateway.authToken) },
		};
	}

	/**
	 * Whether a control request comes from the sandbox's own page or from a non-browser client: no
	 * Origin (or `null` is refused), or an Origin on the sandbox's own port at a local host name.
	 * @param {http.IncomingHttpHeaders} headers
	 */
	function sameOrigin(headers) {
		if (String(headers['sec-fetch-site'] ?? '') === 'cross-site') return false;
		const origin = headers.origin;
		if (origin === undefined) return true;
		try {
			const parsed = new URL(String(origin));
			const own = new URL(baseUrl);
			return parsed.protocol === own.protocol && parsed.port === own.port && ['127.0.0.1', 'localhost', '[::1]', own.hostname].includes(parsed.hostname);
		} catch {
			return false;
		}
	}

	/**
	 * @param {http.ServerResponse} res @param {URL} url @param {string} method @param {Buffer} raw
	 */
	async function control(res, url, method, raw) {
		const path = url.pathname.replace(/\/+$/, '') || '/';
		/** @param {number} status @param {unknown} body */
		const json = (status, body) => {
			res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
			res.end(JSON.stringify(body));
		};
		/** @returns {any} */
		const jsonBody = () => {
			const text = raw.toString('utf8').trim();
			if (!text) return {};
			return JSON.parse(text);
		};
		try {
			if (path === '/' && method === 'GET') {
				res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
				res.end(renderPage({ baseUrl, accounts: accountsView(false), stats: stats(), requests: requests.slice(-100).map((r) => serializeRecord(r, false)) }));
				return;
			}
			if (path === '/favicon.ico') {
				res.writeHead(204);
				res.end();
				return;
			}
			if (path === '/__sandbox/health') return json(200, { ok: true, url: baseUrl });
			if (path === '/__sandbox/requests' && method === 'GET') {
				const provider = url.searchParams.get('provider');
				const since = Number(url.searchParams.get('since') ?? 0);
				const limitParam = url.searchParams.get('limit');
				const limit = limitParam === 'all' ? Infinity : Math.max(0, Number(limitParam ?? 1000) || 1000);
				const unredacted = url.searchParams.get('unredacted') === '1';
				let list = requests.filter((r) => (!provider || r.provider === provider) && r.id > since);
				if (list.length > limit) list = list.slice(list.length - limit);
				return json(200, list.map((r) => serializeRecord(r, unredacted)));
			}
			if (path === '/__sandbox/requests' && method === 'DELETE') {
				requests.length = 0;
				recordedBytes = 0;
				return json(200, { ok: true });
			}
			if (path === '/__sandbox/reset' && method === 'POST') {
				reset();
				return json(200, { ok: true });
			}
			if (path === '/__sandbox/fail' && method === 'POST') {
				const b = jsonBody();
				for (const item of Array.isArray(b) ? b : [b]) failNext(item);
				return json(200, { ok: true, queued: failQueue.reduce((n, f) => n + f.count, 0) });
			}
			if (path === '/__sandbox/configure') {
				if (method === 'GET') return json(200, { ...behaviour });
				if (method === 'POST') return json(200, configure(jsonBody()));
			}
			if (path === '/__sandbox/stats' && method === 'GET') return json(200, stats());
			if (path === '/__sandbox/accounts' && method === 'GET') return json(200, accountsView(url.searchParams.get('secrets') === '1'));
			if (path === '/__sandbox/messages' && method === 'GET') {
				const provider = url.searchParams.get('provider');
				const limit = Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100);
				const list = [...messages.values()].filter((m) => !provider || m.provider === provider);
				return json(200, list.slice(-limit));
			}
			if (path === '/__sandbox/fire' && method === 'POST') {
				const b = jsonBody();
				try {
					return json(200, await fire(b));
				} catch (e) {
					return json(502, { error: `fire failed: ${/** @type {Error} */ (e).message}` });
				}
			}
			return json(404, { error: `no route ${method} ${path}; provider APIs live under /twilio, /meta and /gateway, the control API under /__sandbox` });
		} catch (e) {
			return json(400, { error: /** @type {Error} */ (e).message });
		}
	}

	/** @type {Sandbox} */
	const sandbox = {
		url: baseUrl,
		port: address.port,
		host,
		twilioBaseUrl: `${baseUrl}/twilio`,
		metaBaseUrl: `${baseUrl}/meta`,
		gatewayUrl: `${baseUrl}/gateway`,
		controlUrl: `${baseUrl}/__sandbox`,
		accounts,
		requests,
		reset,
		failNext,
		configure,
		stats,
		fire,
		requestsFor(provider, pathIncludes) {
			return requests.filter((r) => r.provider === provider && (!pathIncludes || r.path.includes(pathIncludes)));
		},
		addMetaMedia(data, mimeType = 'application/octet-stream', phoneNumberId = accounts.meta.phoneNumberId) {
			return addMetaMediaInternal(Buffer.isBuffer(data) ? data : Buffer.from(data), mimeType, phoneNumberId);
		},
		getMessage(id) {
			return messages.get(id);
		},
		close,
	};
	if (options.behaviour) configure(options.behaviour);
	return sandbox;
}

module.exports = {
	startSandbox,
	DEFAULT_ACCOUNTS,
	resolveAccounts,
	metaSignature: util.metaSignature,
	twilioSignature: util.twilioSignature,
	gatewaySignature: util.gatewaySignature,
	twilioError: util.twilioError,
	metaError: util.metaError,
	gatewayError: util.gatewayError,
};
