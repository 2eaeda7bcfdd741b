// @ts-check
'use strict';

/*
 * The sandbox's gateway stand-in: any method on any path under /gateway, with the configured auth
 * mode, and a canned (or configured) answer. Routed by sandbox/index.js.
 */

const util = require('./util');
const { isObject, first } = util;

/** @typedef {import('./types').StoredMessage} StoredMessage */
/** @typedef {import('./internal').Result} Result */
/** @typedef {import('./internal').Ctx} Ctx */
/** @typedef {import('./internal').SandboxContext} SandboxContext */

/**
 * The gateway route over the shared sandbox state.
 * @param {SandboxContext} sb
 */
function createGateway(sb) {
	const { accounts, store, faults } = sb;

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
			const limited = faults.throttleAndFaults('gateway', 'gateway', true);
			if (limited) return limited;
			const b = isObject(ctx.rec.body) ? ctx.rec.body : {};
			const to = String(b.to ?? b.phone ?? b.recipient ?? b.number ?? '');
			const id = 'gw_' + util.hex(12);
			/** @type {StoredMessage} */
			const stored = { provider: 'gateway', id, sender: 'gateway', to, status: 'queued', at: Date.now(), resource: b };
			const cb = b.statusCallback ?? b.callbackUrl ?? b.callback_url ?? b.webhookUrl;
			if (typeof cb === 'string' && /^https?:\/\//i.test(cb)) stored.statusCallback = cb;
			store.storeMessage(stored);
			const { to: _t, phone: _p, recipient: _r, number: _n, ...rest } = b;
			store.countIdempotency('gateway', 'gateway', to, ctx.rec.body === undefined ? ctx.rec.rawBody.toString('utf8') : util.stableStringify(rest));
			if (faults.behaviour.autoStatusCallbacks && stored.statusCallback) {
				sb.scheduleStatuses(stored, (s, extra) =>
					sb.fireInternal({ provider: 'gateway', kind: 'status', url: /** @type {string} */ (stored.statusCallback), messageId: id, status: s, to, ...extra }),
				);
			}
			const override = faults.behaviour.gatewayResponse;
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
				const stored = store.messages.get(m[1]);
				if (!stored || stored.provider !== 'gateway') return { status: 404, body: util.gatewayError(404, `Message ${m[1]} not found`) };
				return { status: 200, body: { id: stored.id, messageId: stored.id, status: stored.status, to: stored.to } };
			}
			return { status: 200, body: { ok: true, status: 'ok' } };
		}
		if (method === 'DELETE') return { status: 200, body: { success: true } };
		return { status: 200, body: { ok: true } };
	}

	return { route: routeGateway };
}

module.exports = { createGateway };
