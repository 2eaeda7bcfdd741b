// @ts-check
'use strict';

/*
 * The sandbox's Twilio stand-in: Messages API (2010-04-01) under /twilio, the Content API
 * (/twilio/v1/Content) and the media of inbound messages. Routed by sandbox/index.js.
 */

const templates = require('./templates');
const util = require('./util');
const { isObject, first, all } = util;
const { providerError } = require('./faults');

/** @typedef {import('./types').TwilioAccount} TwilioAccount */
/** @typedef {import('./types').StoredMessage} StoredMessage */
/** @typedef {import('./internal').Result} Result */
/** @typedef {import('./internal').Ctx} Ctx */
/** @typedef {import('./internal').SandboxContext} SandboxContext */

/**
 * The Twilio routes over the shared sandbox state.
 * @param {SandboxContext} sb
 */
function createTwilio(sb) {
	const { accounts, publicUrl, startedAt, store, faults } = sb;

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
			if (content[1] === 'Content' && !content[2] && method === 'POST') return createTwilioContent(ctx, auth.account);
			if (content[1] === 'Content' && content[2] && method === 'DELETE') return created.delete(content[2]) ? { status: 204, body: '' } : notFound();
			const items = content[1] === 'ContentAndApprovals' ? twilioContents(auth.account).map(templates.withApproval) : twilioContents(auth.account);
			if (content[2]) {
				const item = items.find((x) => x.sid === content[2]);
				return item ? { status: 200, body: item } : notFound();
			}
			/** @type {Record<string, unknown>} */
			const query = {};
			for (const name of Object.keys(ctx.rec.query)) query[name] = first(ctx.rec.query[name]);
			return { status: 200, body: templates.pageTwilioContents(items, 'contents', query, `${publicUrl}/twilio/v1/${content[1]}`) };
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
				const list = [...store.messages.values()]
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
			const stored = store.messages.get(messageSid);
			if (!stored || stored.provider !== 'twilio' || stored.sender !== account.accountSid) return notFound();
			if (method === 'DELETE') {
				store.messages.delete(messageSid);
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
		const mediaOfMessage = [...store.twilioMedia.values()].filter((x) => x.messageSid === messageSid && x.accountSid === account.accountSid);
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
			store.twilioMedia.delete(`${messageSid}/${media.sid}`);
			return { status: 204 };
		}
		if (mm[5]) return { status: 200, body: mediaResource(media) };
		return {
			status: 200,
			raw: media.data,
			headers: { 'content-type': media.contentType, 'content-length': String(media.data.length) },
		};
	}

	/** Content created through the Content API (POST /v1/Content), by SID: Send and Wait for Reply makes one per question. */
	/** @type {Map<string, Record<string, unknown>>} */
	const created = new Map();

	/**
	 * POST /v1/Content (JSON: friendly_name, language, variables, types): stored and listed with the library.
	 * @param {Ctx} ctx @param {TwilioAccount} account
	 * @returns {Result}
	 */
	function createTwilioContent(ctx, account) {
		const body = isObject(ctx.rec.body) ? ctx.rec.body : {};
		if (typeof body.language !== 'string' || !isObject(body.types) || Object.keys(body.types).length === 0) {
			return providerError('twilio', 400, { code: 20001, message: 'Missing required parameter language or types in the post body' });
		}
		const sid = `HX${util.hex(16)}`;
		const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
		const item = {
			sid,
			account_sid: account.accountSid,
			friendly_name: typeof body.friendly_name === 'string' ? body.friendly_name : '',
			language: body.language,
			variables: isObject(body.variables) ? body.variables : {},
			types: body.types,
			url: `${publicUrl}/twilio/v1/Content/${sid}`,
			date_created: now,
			date_updated: now,
			links: {},
		};
		created.set(sid, item);
		return { status: 201, body: item };
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
		const own = [...created.values()].filter((content) => content.account_sid === account.accountSid);
		return [
			...own,
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
			item('HX5a4db0c5000000000000000000000003', 'promo_draft', { 1: 'discount' }, {
				'twilio/text': { body: 'Take {{1}} off today.' },
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

		const limited = faults.throttleAndFaults('twilio', account.accountSid, true);
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
		store.storeMessage(stored);
		store.countIdempotency(
			'twilio',
			account.accountSid,
			to,
			util.stableStringify({ body: body ?? '', media: mediaUrls, contentSid, contentVariables: contentVariables ?? '' }),
		);
		if (faults.behaviour.autoStatusCallbacks && stored.statusCallback) {
			sb.scheduleStatuses(stored, (s, extra) =>
				sb.fireInternal({
					provider: 'twilio',
					kind: 'status',
					url: /** @type {string} */ (stored.statusCallback),
					accountSid: account.accountSid,
					messageId: sid,
					status: s,
					from: from || account.whatsappNumber,
					to,
					...extra,
				}),
			);
		}
		return { status: 201, body: resource, tag: 'accepted' };
	}

	/**
	 * @param {string} accountSid @param {string} messageSid @param {Buffer} data @param {string} contentType
	 */
	function addTwilioMediaInternal(accountSid, messageSid, data, contentType) {
		const sid = util.twilioSid('ME');
		store.twilioMedia.set(`${messageSid}/${sid}`, { sid, accountSid, messageSid, data, contentType, at: Date.now() });
		if (store.twilioMedia.size > 10000) {
			const oldest = store.twilioMedia.keys().next().value;
			if (oldest !== undefined) store.twilioMedia.delete(oldest);
		}
		return `${publicUrl}/twilio/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media/${sid}`;
	}

	return {
		route: routeTwilio,
		addMedia: addTwilioMediaInternal,
		/** The account's Content API item with this SID, for the playground phone. @param {string} accountSid @param {string} contentSid */
		contentOf: (accountSid, contentSid) => twilioContents(accounts.twilioAccounts.find((a) => a.accountSid === accountSid) ?? accounts.twilio).find((x) => x.sid === contentSid),
	};
}

module.exports = { createTwilio };
