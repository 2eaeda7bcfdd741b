// @ts-check
'use strict';

/*
 * The sandbox's Meta stand-in: the WhatsApp Cloud API (Graph) under /meta — messages, media,
 * phone numbers, the WABA's templates and webhook subscription. Routed by sandbox/index.js.
 */

const crypto = require('node:crypto');
const util = require('./util');
const webhooks = require('./webhooks');
const { isObject, first } = util;
const { providerError } = require('./faults');
const templates = require('./templates');

/** @typedef {import('./types').MetaPhoneNumber} MetaPhoneNumber */
/** @typedef {import('./types').MultipartBody} MultipartBody */
/** @typedef {import('./types').StoredMessage} StoredMessage */
/** @typedef {import('./internal').Result} Result */
/** @typedef {import('./internal').Ctx} Ctx */
/** @typedef {import('./internal').SandboxContext} SandboxContext */

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

/**
 * The Meta routes over the shared sandbox state.
 * @param {SandboxContext} sb
 */
function createMeta(sb) {
	const { accounts, publicUrl, store, faults } = sb;

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
			const media = segs[1] ? store.metaMedia.get(segs[1]) : undefined;
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
		const media = store.metaMedia.get(id);
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
				store.metaMedia.delete(id);
				store.metaMediaBytes -= media.data.length;
				return { status: 200, body: { success: true } };
			}
		}
		return metaUnsupported(method, id);
	}

	/** @param {MetaPhoneNumber} phone */
	function phoneFieldValues(phone) {
		/** @type {Record<string, unknown>} */
		const wc = {};
		const override = store.phoneWebhooks.get(phone.id);
		if (override) wc.phone_number = override.uri;
		if (store.wabaSubscription.overrideUri) wc.whatsapp_business_account = store.wabaSubscription.overrideUri;
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
					if (uri === '') store.phoneWebhooks.delete(phone.id);
					else {
						if (!/^https?:\/\/\S+$/i.test(uri)) return metaBadParam('(#100) Param webhook_configuration[override_callback_uri] must be a valid URL');
						const verifyToken = typeof wc.verify_token === 'string' ? wc.verify_token : undefined;
						if (faults.behaviour.verifyWebhookCallbacks) {
							const failure = await verifyCallback(uri, verifyToken ?? '');
							if (failure) return failure;
						}
						/** @type {{ uri: string, verifyToken?: string }} */
						const entry = { uri };
						if (verifyToken !== undefined) entry.verifyToken = verifyToken;
						store.phoneWebhooks.set(phone.id, entry);
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
		// A business-scoped user ID goes in `recipient`; when both are given, `to` wins (Meta, "Business-scoped user IDs").
		const bsuid = (b.to === undefined || b.to === null || String(b.to).trim() === '') && typeof b.recipient === 'string' && b.recipient.trim() ? b.recipient.trim() : undefined;
		if (bsuid !== undefined && !/^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/.test(bsuid)) return metaBadParam(`(#100) Invalid parameter recipient: "${bsuid.slice(0, 40)}" is not a business-scoped user ID.`);
		if (bsuid === undefined && (b.to === undefined || b.to === null || String(b.to).trim() === '')) return metaBadParam('(#100) The parameter to is required.');
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

		if (type === 'template') {
			const mismatch = templates.templateMismatch(content);
			if (mismatch) {
				return providerError('meta', 400, {
					code: 132000,
					type: 'OAuthException',
					message: '(#132000) Number of parameters does not match the expected number of params',
					details: `${mismatch} (template ${content.name}, ${content.language.code})`,
				});
			}
		}

		const limited = faults.throttleAndFaults('meta', phone.id, true);
		if (limited) return limited;

		const to = bsuid ?? String(b.to);
		const waId = bsuid ?? to.replace(/\D/g, '');
		const id = util.wamid(bsuid ? bsuid.replace(/\D/g, '') : waId);
		/** @type {Record<string, unknown>} */
		const message = { id };
		if (type === 'template') message.message_status = 'accepted';
		const response = {
			messaging_product: 'whatsapp',
			// A send to a BSUID answers with user_id instead of wa_id.
			contacts: [bsuid ? { input: to, user_id: bsuid } : { input: to, wa_id: waId }],
			messages: [message],
		};
		/** @type {StoredMessage} */
		const stored = { provider: 'meta', id, sender: phone.id, to: waId, status: 'accepted', at: Date.now(), resource: b };
		store.storeMessage(stored);
		const { messaging_product: _mp, recipient_type: _rt, to: _to, recipient: _r, biz_opaque_callback_data: _bo, ...rest } = b;
		store.countIdempotency('meta', phone.id, waId, util.stableStringify(rest));
		if (faults.behaviour.autoStatusCallbacks) {
			const target = store.phoneWebhooks.get(phone.id)?.uri ?? store.wabaSubscription.overrideUri ?? accounts.meta.appCallbackUrl;
			if (target) {
				sb.scheduleStatuses(stored, (s, extra) =>
					sb.fireInternal(
						bsuid
							? { provider: 'meta', kind: 'status', url: target, phoneNumberId: phone.id, messageId: id, status: s, userId: bsuid, withoutPhone: true, ...extra }
							: { provider: 'meta', kind: 'status', url: target, phoneNumberId: phone.id, messageId: id, status: s, to: waId, ...extra },
					),
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
		store.metaMedia.set(id, media);
		store.metaMediaBytes += data.length;
		while (store.metaMediaBytes > MAX_MEDIA_BYTES && store.metaMedia.size > 1) {
			const oldest = store.metaMedia.values().next().value;
			if (!oldest) break;
			store.metaMedia.delete(oldest.id);
			store.metaMediaBytes -= oldest.data.length;
		}
		return id;
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
				/** @type {Record<string, unknown>} */
				const query = {};
				for (const key of Object.keys(ctx.rec.query)) query[key] = first(ctx.rec.query[key]);
				return { status: 200, body: templates.listMetaTemplates(query, `${publicUrl}/meta${ctx.subpath.split('?')[0]}`) };
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
				if (store.wabaSubscription.subscribed) {
					/** @type {Record<string, unknown>} */
					const app = {
						whatsapp_business_api_data: {
							id: meta.appId,
							link: `https://www.facebook.com/games/?app_id=${meta.appId}`,
							name: 'Sandbox App',
						},
					};
					if (store.wabaSubscription.overrideUri) app.override_callback_uri = store.wabaSubscription.overrideUri;
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
					if (faults.behaviour.verifyWebhookCallbacks) {
						const failure = await verifyCallback(uri.trim(), verifyToken);
						if (failure) return failure;
					}
					next.overrideUri = uri.trim();
					next.verifyToken = verifyToken;
				}
				store.wabaSubscription = next;
				return { status: 200, body: { success: true } };
			}
			if (method === 'DELETE') {
				store.wabaSubscription = { subscribed: false };
				return { status: 200, body: { success: true } };
			}
		}
		if (!edge) return metaUnsupported(method, meta.wabaId);
		return providerError('meta', 400, { code: 2500, type: 'OAuthException', message: `Unknown path components: /${edge}` });
	}

	return { route: routeMeta, addMedia: addMetaMediaInternal };
}

module.exports = { createMeta };
