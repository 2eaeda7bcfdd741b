// @ts-check
'use strict';

/*
 * The sandbox's control API (/__sandbox/*) and its page (/): recorded requests, stats, accounts,
 * configure, failNext, fire and reset, for tests, scripts and a browser on the same origin.
 */

const util = require('./util');
const { isObject } = util;
const { renderPage } = require('./page');

/** @typedef {import('node:http').IncomingHttpHeaders} IncomingHttpHeaders */
/** @typedef {import('node:http').ServerResponse} ServerResponse */
/** @typedef {import('./types').RecordedRequest} RecordedRequest */
/** @typedef {import('./types').MultipartBody} MultipartBody */
/** @typedef {import('./types').FailNextOptions} FailNextOptions */
/** @typedef {import('./types').ConfigureOptions} ConfigureOptions */
/** @typedef {import('./types').Behaviour} Behaviour */
/** @typedef {import('./types').SandboxStats} SandboxStats */
/** @typedef {import('./types').FireOptions} FireOptions */
/** @typedef {import('./internal').SandboxContext} SandboxContext */

/**
 * The control API over the shared sandbox state and the sandbox's public operations.
 * @param {SandboxContext} sb
 * @param {{ reset: () => void, failNext: (o: FailNextOptions) => void, configure: (o?: ConfigureOptions) => Behaviour, stats: () => SandboxStats, fire: (o: FireOptions) => Promise<unknown>, phone?: (res: ServerResponse, url: URL, method: string, raw: Buffer) => Promise<boolean>, loopbackOnly?: boolean }} api
 */
function createControl(sb, api) {
	const { accounts, baseUrl, store, faults } = sb;
	const { reset, failNext, configure, stats, fire } = api;

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
	 * @param {IncomingHttpHeaders} headers
	 */
	function sameOrigin(headers) {
		if (String(headers['sec-fetch-site'] ?? '') === 'cross-site') return false;
		// A page whose own name was made to point at 127.0.0.1 (DNS rebinding) is "same origin" to the
		// browser: a sandbox listening on a loopback address answers only its own local host names.
		const own = new URL(baseUrl);
		if (headers.host !== undefined && api.loopbackOnly) {
			const host = String(headers.host).toLowerCase();
			if (![`127.0.0.1:${own.port}`, `localhost:${own.port}`, `[::1]:${own.port}`].includes(host)) return false;
		}
		const origin = headers.origin;
		if (origin === undefined) return true;
		try {
			const parsed = new URL(String(origin));
			return parsed.protocol === own.protocol && parsed.port === own.port && ['127.0.0.1', 'localhost', '[::1]', own.hostname].includes(parsed.hostname);
		} catch {
			return false;
		}
	}

	/**
	 * @param {ServerResponse} res @param {URL} url @param {string} method @param {Buffer} raw
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
			// The playground phone: the page (/), its files (/phone/*) and its routes (phone.js, customer.js).
			if (api.phone && (await api.phone(res, url, method, raw))) return;
			if ((path === '/' || path === '/dev') && method === 'GET') {
				res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
				res.end(renderPage({ baseUrl, accounts: accountsView(false), stats: stats(), requests: store.requests.slice(-100).map((r) => serializeRecord(r, false)) }));
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
				let list = store.requests.filter((r) => (!provider || r.provider === provider) && r.id > since);
				if (list.length > limit) list = list.slice(list.length - limit);
				return json(200, list.map((r) => serializeRecord(r, unredacted)));
			}
			if (path === '/__sandbox/requests' && method === 'DELETE') {
				store.clearRequests();
				return json(200, { ok: true });
			}
			if (path === '/__sandbox/reset' && method === 'POST') {
				reset();
				return json(200, { ok: true });
			}
			if (path === '/__sandbox/fail' && method === 'POST') {
				const b = jsonBody();
				for (const item of Array.isArray(b) ? b : [b]) failNext(item);
				return json(200, { ok: true, queued: faults.queued() });
			}
			if (path === '/__sandbox/configure') {
				if (method === 'GET') return json(200, { ...faults.behaviour });
				if (method === 'POST') return json(200, configure(jsonBody()));
			}
			if (path === '/__sandbox/stats' && method === 'GET') return json(200, stats());
			if (path === '/__sandbox/accounts' && method === 'GET') return json(200, accountsView(url.searchParams.get('secrets') === '1'));
			if (path === '/__sandbox/messages' && method === 'GET') {
				const provider = url.searchParams.get('provider');
				const limit = Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100);
				const list = [...store.messages.values()].filter((m) => !provider || m.provider === provider);
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

	return { control, sameOrigin };
}

module.exports = { createControl };
