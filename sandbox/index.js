// @ts-check
'use strict';

/*
 * Provider sandbox: ONE local HTTP server standing in for Twilio's Messages API (2010-04-01),
 * Meta's WhatsApp Cloud API (Graph) and a generic webhook gateway, with a control API to record
 * requests, inject failures, rate-limit, and fire signed inbound webhooks at a receiver.
 *
 * Shapes follow test/specs (twilio_api_v2010.json, meta-business-messaging-openapi-v23.0.yaml).
 * Zero dependencies; see sandbox/README.md for the API and the layout: this file starts the
 * server and routes each request; twilio.js, meta.js and gateway.js are the provider stand-ins,
 * store.js the shared store, faults.js the faults and rate limits, control.js the control API.
 */

const http = require('node:http');
const util = require('./util');
const webhooks = require('./webhooks');
const { DEFAULT_ACCOUNTS, resolveAccounts } = require('./accounts');
const { Store, PROVIDERS } = require('./store');
const { Faults, providerError } = require('./faults');
const { createTwilio } = require('./twilio');
const { createMeta } = require('./meta');
const { createGateway } = require('./gateway');
const { createControl } = require('./control');
const { createPhone } = require('./phone');

/** @typedef {import('./types').Provider} Provider */
/** @typedef {import('./types').SandboxOptions} SandboxOptions */
/** @typedef {import('./types').SandboxAccounts} SandboxAccounts */
/** @typedef {import('./types').RecordedRequest} RecordedRequest */
/** @typedef {import('./types').FailNextOptions} FailNextOptions */
/** @typedef {import('./types').ConfigureOptions} ConfigureOptions */
/** @typedef {import('./types').Behaviour} Behaviour */
/** @typedef {import('./types').SandboxStats} SandboxStats */
/** @typedef {import('./types').FireOptions} FireOptions */
/** @typedef {import('./types').FireResult} FireResult */
/** @typedef {import('./types').Sandbox} Sandbox */
/** @typedef {import('./types').StoredMessage} StoredMessage */

/** @typedef {import('./internal').Result} Result */
/** @typedef {import('./internal').Ctx} Ctx */
/** @typedef {import('./internal').SandboxContext} SandboxContext */

const MAX_BODY_BYTES = 110 * 1024 * 1024;

/**
 * Starts the sandbox server.
 * @param {SandboxOptions} [options]
 * @returns {Promise<Sandbox>}
 */
async function startSandbox(options = {}) {
	const accounts = resolveAccounts(options.accounts);
	const host = options.host ?? '127.0.0.1';
	const log = options.log;
	const store = new Store();
	const faults = new Faults();
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

	// ------------------------------------------------------------ timers and status callbacks

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

	/**
	 * Posts one status of an accepted message back (and counts it); true when the receiver took it.
	 * @param {StoredMessage} stored
	 * @param {(status: string, extra?: Partial<FireOptions>) => Promise<FireResult>} send
	 * @param {string} s @param {Partial<FireOptions>} [extra]
	 */
	async function postStatus(stored, send, s, extra) {
		stored.status = s;
		if (stored.provider === 'twilio') {
			stored.resource.status = s;
			stored.resource.date_updated = util.rfc2822();
			if (s === 'sent') stored.resource.date_sent = util.rfc2822();
		}
		let ok = false;
		try {
			const r = await send(s, extra);
			ok = r.status >= 200 && r.status < 300;
		} catch {
			ok = false;
		}
		if (ok) store.callbacks.sent++;
		else store.callbacks.failed++;
		return ok;
	}

	/**
	 * Sends 'sent' then 'delivered' for an accepted message (or 'failed', when the playground phone's
	 * conversation is set to fail: phone.js).
	 * @param {StoredMessage} stored
	 * @param {(status: string, extra?: Partial<FireOptions>) => Promise<FireResult>} send
	 */
	function scheduleStatuses(stored, send) {
		const steps = phone.plan(stored, send);
		steps.forEach((step, i) => {
			later(async () => {
				await postStatus(stored, send, step.status, step.extra);
				phone.posted(stored, step.status, step.extra);
			}, faults.behaviour.statusCallbackDelayMs * (i + 1));
		});
	}

	/** @param {FireOptions} o */
	function fireInternal(o) {
		return webhooks.fire(fireCtx, o);
	}

	/** @param {FireOptions} o */
	async function fire(o) {
		const r = await webhooks.fire(fireCtx, o);
		store.fired += r.results ? r.results.length : 1;
		return r;
	}

	// ------------------------------------------------------------ the parts

	/** @type {SandboxContext} */
	const sb = { accounts, baseUrl, publicUrl, startedAt: store.startedAt, store, faults, scheduleStatuses, fireInternal };
	const twilio = createTwilio(sb);
	const meta = createMeta(sb);
	const phone = createPhone(sb, { later, postStatus, contentOf: twilio.contentOf, fire });
	/** @type {Record<Provider, (ctx: Ctx) => Result | Promise<Result>>} */
	const routes = { twilio: twilio.route, meta: meta.route, gateway: createGateway(sb).route };
	/** @type {import('./webhooks').FireContext} */
	const fireCtx = {
		accounts,
		baseUrl: publicUrl,
		addMetaMedia: meta.addMedia,
		addTwilioMedia: twilio.addMedia,
	};

	// ------------------------------------------------------------ public API

	function reset() {
		store.reset();
		faults.reset();
		phone.reset();
		for (const t of timers) clearTimeout(t);
		timers.clear();
	}

	/** @param {FailNextOptions} o */
	function failNext(o) {
		faults.failNext(o);
	}

	/**
	 * @param {ConfigureOptions} o
	 * @returns {Behaviour}
	 */
	function configure(o = {}) {
		const behaviour = faults.configure(o);
		store.trimRequests(behaviour.maxRecorded);
		return behaviour;
	}

	/** @returns {SandboxStats} */
	function stats() {
		return store.stats();
	}

	async function close() {
		if (closed) return;
		closed = true;
		phone.close();
		for (const t of timers) clearTimeout(t);
		timers.clear();
		await new Promise((resolve) => {
			server.close(() => resolve(undefined));
			server.closeAllConnections();
		});
	}

	const ctl = createControl(sb, { reset, failNext, configure, stats, fire, phone: phone.handle, loopbackOnly: ['127.0.0.1', 'localhost', '::1'].includes(host) });

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
		for (const p of PROVIDERS) {
			if (path === `/${p}` || path.startsWith(`/${p}/`)) provider = p;
		}

		const raw = await readBody(req, res);
		if (raw === undefined) return;

		if (!provider) {
			// A web page open in the same browser must not drive the control API (fire webhooks, read
			// secrets): requests carrying another Origin, or marked cross-site by the browser, are refused.
			if (url.pathname.startsWith('/__sandbox') && !ctl.sameOrigin(req.headers)) {
				res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
				res.end(JSON.stringify({ error: 'the sandbox control API refuses requests from another origin' }));
				return;
			}
			return ctl.control(res, url, method, raw);
		}

		const contentType = req.headers['content-type'];
		const parsed = util.parseBody(raw, contentType);
		/** @type {RecordedRequest} */
		const rec = {
			id: ++store.seq,
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
		const c = store.counts[provider];
		c.received++;
		if (faults.behaviour.record) store.pushRecord(rec, faults.behaviour.maxRecorded);

		const { latencyMs, jitterMs } = faults.behaviour;
		const delay = latencyMs + (jitterMs > 0 ? Math.floor(faults.rand() * jitterMs) : 0);
		if (delay > 0) await sleep(delay);
		if (closed) return;

		const subpath = path.slice(provider.length + 1) || '/';
		/** @type {Result} */
		let result;
		const injected = faults.takeInjected(provider, method, subpath);
		if (injected) result = injected;
		else {
			/** @type {Ctx} */
			const ctx = { req, rec, url, provider, subpath };
			try {
				result = await routes[provider](ctx);
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
		if (!result.raw) rec.response = result.body;
		phone.observe(rec);
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
		requests: store.requests,
		reset,
		failNext,
		configure,
		stats,
		fire,
		requestsFor(provider, pathIncludes) {
			return store.requests.filter((r) => r.provider === provider && (!pathIncludes || r.path.includes(pathIncludes)));
		},
		addMetaMedia(data, mimeType = 'application/octet-stream', phoneNumberId = accounts.meta.phoneNumberId) {
			return meta.addMedia(Buffer.isBuffer(data) ? data : Buffer.from(data), mimeType, phoneNumberId);
		},
		addTwilioMedia(data, contentType = 'image/jpeg', messageSid = util.twilioSid('MM')) {
			return twilio.addMedia(accounts.twilio.accountSid, messageSid, Buffer.isBuffer(data) ? data : Buffer.from(data), contentType);
		},
		getMessage(id) {
			return store.messages.get(id);
		},
		phone: phone.api,
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
