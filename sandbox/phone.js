// @ts-check
'use strict';

/*
 * The playground phone: the conversations between customers and the business connections, as a
 * WhatsApp-like page shows them (GET /, files in sandbox/phone/). It watches every provider request
 * the sandbox answers (observe), keeps one conversation per business connection and customer, plans
 * the statuses the sandbox posts back for each sent message (sent, delivered, read, or failed when the
 * conversation is set to fail), and streams changes to the page as server-sent events. The customer's
 * side (typing, tapping a button, …) is customer.js.
 *
 * Control routes (same-origin only, like the rest of /__sandbox):
 *   GET  /__sandbox/phone/state                    conversations, targets, failure codes
 *   GET  /__sandbox/phone/events                   server-sent events: conversation, request, targets
 *   GET|POST /__sandbox/phone/targets              where customer messages go (trigger URLs)
 *   POST /__sandbox/phone/conversations            "New customer" { provider, name?, number?, target? }
 *   POST /__sandbox/phone/conversations/{id}/settings  { fail: code | null, failAll?, readAfterMs?, target? }
 *   POST /__sandbox/phone/conversations/{id}/read  the customer opened the chat: read receipts
 *   POST /__sandbox/phone/messages/{id}/fail       posts a failed status for a sent message { code? }
 *   POST /__sandbox/customer/{action}              customer.js
 */

const fs = require('node:fs');
const path = require('node:path');
const model = require('./phone-model');
const { createCustomer } = require('./customer');

/** @typedef {import('./types').StoredMessage} StoredMessage */
/** @typedef {import('./types').FireResult} FireResult */
/** @typedef {import('./types').FireOptions} FireOptions */
/** @typedef {import('./types').RecordedRequest} RecordedRequest */
/** @typedef {import('./internal').SandboxContext} SandboxContext */
/** @typedef {import('./internal').Result} Result */
/** @typedef {Record<string, any>} Json */
/** @typedef {(status: string, extra?: Partial<FireOptions>) => Promise<FireResult>} SendStatus */
/** Where a customer's messages go: the trigger URL of an active workflow for a business connection. @typedef {import('./types').PhoneTarget} Target */

const STATIC_DIR = path.join(__dirname, 'phone');
const STATIC_TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
const MAX_CONVERSATIONS = 2000;
const MAX_MESSAGES = 400;
const TYPING_MS = 25000;

/** The failure codes the page offers, per provider (the provider's own code and title). */
const FAIL_CODES = Object.freeze({
	meta: [
		{ code: 131047, message: 'Re-engagement message: more than 24 hours have passed since the customer last replied' },
		{ code: 131026, message: 'Message undeliverable' },
		{ code: 131049, message: 'This message was not delivered to maintain healthy ecosystem engagement' },
		{ code: 131050, message: 'The user has stopped marketing messages' },
	],
	twilio: [
		{ code: 63016, message: 'Failed to send freeform message because you are outside the allowed window' },
		{ code: 63024, message: 'Invalid message recipient' },
		{ code: 63049, message: 'Meta chose not to deliver this WhatsApp marketing message' },
	],
	gateway: [
		{ code: 131047, message: 'Re-engagement message: outside the 24-hour window' },
		{ code: 1, message: 'Message undeliverable' },
	],
});

/** Customer numbers and names for "New customer". */
const FIRST_NAMES = ['Sheena', 'Amir', 'Lucía', 'Kenji', 'Fatou', 'Olga', 'Mateo', 'Priya', 'Noah', 'Aiko', 'Jonas', 'Zanele'];
const LAST_NAMES = ['Nelson', 'Haddad', 'García', 'Sato', 'Diop', 'Ivanova', 'Rossi', 'Patel', 'Smith', 'Tanaka', 'Berg', 'Dlamini'];

/** @param {unknown} v */
const digits = (v) => String(v ?? '').replace(/^whatsapp:/i, '').replace(/\D/g, '');
/** @param {unknown} v */
const first = (v) => (Array.isArray(v) ? v[0] : v);

/**
 * @param {SandboxContext} sb
 * @param {{
 *   later: (fn: () => void | Promise<void>, ms: number) => void,
 *   postStatus: (stored: StoredMessage, send: SendStatus, status: string, extra?: Partial<FireOptions>) => Promise<boolean>,
 *   contentOf: (accountSid: string, contentSid: string) => Json | undefined,
 *   fire: (o: FireOptions) => Promise<FireResult>,
 * }} deps
 */
function createPhone(sb, deps) {
	const { accounts, faults } = sb;
	/** @type {Map<string, Json>} */
	const conversations = new Map();
	/** message id → conversation id */
	/** @type {Map<string, string>} */
	const owner = new Map();
	/** message id → how to post its statuses @type {Map<string, { stored: StoredMessage, send: SendStatus }>} */
	const senders = new Map();
	/** @type {Set<import('node:http').ServerResponse>} */
	const clients = new Set();
	/** @type {Target[] | ((provider?: string) => Promise<Target[]> | Target[])} */
	let targetSource = [];
	let seq = 0;

	// ------------------------------------------------------------ events

	/** @param {string} event @param {() => unknown} data */
	function emit(event, data) {
		if (clients.size === 0) return;
		const text = `event: ${event}\ndata: ${JSON.stringify(data())}\n\n`;
		for (const res of clients) res.write(text);
	}
	/** @param {Json} conv */
	const changed = (conv) => emit('conversation', () => view(conv));

	// ------------------------------------------------------------ conversations

	/** The business of a provider's primary account. @param {string} provider */
	function defaultBusiness(provider) {
		if (provider === 'meta') return accounts.meta.phoneNumberId;
		if (provider === 'twilio') return accounts.twilio.accountSid;
		return 'gateway';
	}

	/** How the business appears to the customer. @param {string} provider @param {string} business */
	function businessInfo(provider, business) {
		if (provider === 'meta') {
			const p = accounts.meta.phoneNumbers.find((x) => x.id === business) ?? accounts.meta.phoneNumbers[0];
			return { name: p.verifiedName, number: p.displayPhoneNumber, label: `Meta · ${p.verifiedName}` };
		}
		if (provider === 'twilio') {
			const a = accounts.twilioAccounts.find((x) => x.accountSid === business) ?? accounts.twilio;
			return { name: a.friendlyName || 'Twilio sender', number: a.whatsappNumber.replace(/^whatsapp:/, ''), label: `Twilio · ${a.friendlyName || 'sender'}` };
		}
		return { name: 'Gateway business', number: '+1 555-078-3881', label: 'Webhook gateway' };
	}

	/** @param {string} provider @param {string} business @param {string} customer */
	const convId = (provider, business, customer) => `${provider}:${business}:${customer}`;

	/**
	 * The conversation of a customer with a business (made when missing).
	 * @param {string} provider @param {string} business @param {string} customer digits or a BSUID @param {{ name?: string, target?: string }} [o]
	 */
	function conversationFor(provider, business, customer, o = {}) {
		const id = convId(provider, business, customer);
		let conv = conversations.get(id);
		if (!conv) {
			const isBsuid = /^[A-Z]{2}\./.test(customer);
			conv = {
				id,
				provider,
				business,
				businessInfo: businessInfo(provider, business),
				customer: { number: isBsuid ? undefined : customer, userId: isBsuid ? customer : undefined, name: o.name ?? (isBsuid ? customer : `+${customer}`) },
				target: o.target,
				messages: [],
				fail: null,
				failAll: false,
				readAfterMs: null,
				readNever: false,
				typingUntil: 0,
				createdAt: Date.now(),
				updatedAt: Date.now(),
			};
			conversations.set(id, conv);
			if (conversations.size > MAX_CONVERSATIONS) {
				const oldest = conversations.keys().next().value;
				if (oldest !== undefined) drop(oldest);
			}
		}
		return conv;
	}

	/** @param {string} id */
	function drop(id) {
		const conv = conversations.get(id);
		if (!conv) return;
		for (const m of conv.messages) {
			owner.delete(m.id);
			senders.delete(m.id);
		}
		conversations.delete(id);
	}

	/** @param {Json} conv @param {Json} msg */
	function addMessage(conv, msg) {
		conv.messages.push(msg);
		owner.set(msg.id, conv.id);
		conv.updatedAt = Date.now();
		while (conv.messages.length > MAX_MESSAGES) {
			const old = conv.messages.shift();
			owner.delete(old.id);
			senders.delete(old.id);
		}
		return msg;
	}

	/** @param {string} id */
	function findMessage(id) {
		const conv = conversations.get(owner.get(id) ?? '');
		const msg = conv?.messages.find((/** @type {Json} */ m) => m.id === id);
		return conv && msg ? { conv, msg } : undefined;
	}

	/**
	 * What the page gets of a conversation.
	 * @param {Json} conv
	 * @returns {import('./types').PhoneConversation}
	 */
	function view(conv) {
		const last = conv.messages[conv.messages.length - 1];
		return /** @type {import('./types').PhoneConversation} */ ({
			...conv,
			typing: conv.typingUntil > Date.now(),
			lastPreview: last ? model.preview(last.content) : '',
			failCodes: FAIL_CODES[/** @type {'meta'} */ (conv.provider)] ?? [],
		});
	}

	// ------------------------------------------------------------ what the business sent

	/**
	 * The conversation a provider request addresses, with the message it sent (or undefined).
	 * @param {RecordedRequest} rec
	 */
	function outbound(rec) {
		if (rec.method !== 'POST' || !rec.body || typeof rec.body !== 'object') return undefined;
		const body = /** @type {Json} */ (rec.body);
		const response = /** @type {Json} */ (rec.response ?? {});
		if (rec.provider === 'meta') {
			const m = /^\/meta\/v\d+\.\d+\/(\d+)\/messages\/?$/.exec(rec.path);
			if (!m) return undefined;
			const content = model.fromMeta(body);
			const customer = body.to ? digits(body.to) : String(body.recipient ?? '');
			return { business: m[1], customer, content, id: String(response.messages?.[0]?.id ?? ''), quote: body.context?.message_id, error: response.error ? { code: response.error.code, message: response.error.message } : undefined };
		}
		if (rec.provider === 'twilio') {
			const m = /^\/twilio\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(rec.path);
			if (!m) return undefined;
			const content = model.fromTwilio(body, (sid) => deps.contentOf(m[1], sid));
			return { business: m[1], customer: digits(first(body.To)), content, id: String(response.sid ?? ''), error: response.code && !response.sid ? { code: response.code, message: response.message } : undefined };
		}
		const to = body.to ?? body.phone ?? body.recipient ?? body.number;
		if (to === undefined) return undefined;
		const content = model.fromGateway(body);
		const quote = body.message?.replyTo ?? body.replyTo;
		return { business: 'gateway', customer: digits(to) || String(to), content, id: String(response.id ?? response.messageId ?? ''), quote, error: response.error ? { code: response.error.status, message: response.error.message } : undefined };
	}

	/**
	 * Called for every provider request the sandbox answered.
	 * @param {RecordedRequest} rec
	 */
	function observe(rec) {
		emit('request', () => ({ id: rec.id }));
		const status = rec.status ?? 0;
		let o;
		try {
			o = outbound(rec);
		} catch {
			return;
		}
		if (!o) return;
		const { content } = o;
		if (content.kind === 'markRead') {
			const found = findMessage(String(content.messageId));
			if (!found || status >= 300) return;
			// Like WhatsApp: reading a message reads every earlier one too.
			for (const m of found.conv.messages) {
				if (m.dir === 'in') m.status = 'read';
				if (m === found.msg) break;
			}
			if (content.typing) {
				found.conv.typingUntil = Date.now() + TYPING_MS;
				deps.later(() => changed(found.conv), TYPING_MS + 50);
			}
			changed(found.conv);
			return;
		}
		if (!o.customer) return;
		const conv = conversationFor(rec.provider, o.business, o.customer);
		if (content.kind === 'reaction' && status < 300) {
			const found = findMessage(String(content.messageId));
			if (found) {
				found.msg.reactions = { ...found.msg.reactions, business: content.emoji || undefined };
				changed(found.conv);
			}
			return;
		}
		conv.typingUntil = 0;
		if (status >= 300 || status === 0) {
			const error = o.error ?? { code: status, message: `HTTP ${status}` };
			addMessage(conv, { id: `rejected-${++seq}`, dir: 'out', at: Date.now(), content, status: 'rejected', error, quote: o.quote });
			changed(conv);
			return;
		}
		const msg = addMessage(conv, { id: o.id || `out-${++seq}`, dir: 'out', at: Date.now(), content, status: 'accepted', quote: o.quote, quotePreview: quotePreview(o.quote), posted: senders.has(o.id) });
		if (!senders.has(msg.id)) localTicks(conv, msg);
		changed(conv);
	}

	/** The customer's reactions by their own message id (a reply may quote one). @type {Map<string, string>} */
	const reactionIds = new Map();

	/** @param {string | undefined} id */
	function quotePreview(id) {
		if (!id) return undefined;
		const found = findMessage(id);
		if (found) return { dir: found.msg.dir, text: model.preview(found.msg.content) };
		const reaction = reactionIds.get(id);
		return reaction ? { dir: 'in', text: reaction } : undefined;
	}

	/**
	 * No status callback for this message (e.g. a Twilio send without StatusCallback): the phone still
	 * shows it arrive, without posting anything.
	 * @param {Json} conv @param {Json} msg
	 */
	function localTicks(conv, msg) {
		const delay = faults.behaviour.statusCallbackDelayMs;
		if (conv.fail) {
			const f = takeFail(conv);
			deps.later(() => setStatus(msg.id, 'failed', f), delay);
			return;
		}
		deps.later(() => setStatus(msg.id, 'sent'), delay);
		deps.later(() => setStatus(msg.id, 'delivered'), delay * 2);
	}

	const RANK = { accepted: 0, sent: 1, delivered: 2, read: 3 };
	/** @param {string} id @param {string} status @param {{ code: number, message: string }} [error] */
	function setStatus(id, status, error) {
		const found = findMessage(id);
		if (!found) return;
		const { msg, conv } = found;
		if (msg.status === 'failed') return;
		if (status === 'failed') {
			msg.status = 'failed';
			msg.error = error;
		} else if ((RANK[/** @type {'sent'} */ (status)] ?? -1) > (RANK[/** @type {'sent'} */ (msg.status)] ?? -1)) msg.status = status;
		else return;
		changed(conv);
		if (status === 'delivered' && conv.readAfterMs !== null && conv.readAfterMs >= 0) deps.later(() => read(conv.id, [id]), conv.readAfterMs);
	}

	/** @param {Json} conv */
	function takeFail(conv) {
		const codes = FAIL_CODES[/** @type {'meta'} */ (conv.provider)] ?? [];
		const f = codes.find((c) => c.code === conv.fail) ?? { code: Number(conv.fail), message: 'Message failed to send' };
		if (!conv.failAll) {
			conv.fail = null;
			changed(conv);
		}
		return f;
	}

	/** @param {{ code: number, message: string }} f @returns {Partial<FireOptions>} */
	const failExtra = (f) => ({ errorCode: f.code, errorMessage: f.message });

	/**
	 * The statuses to post back for an accepted message (index.js's scheduleStatuses): sent and
	 * delivered, or failed when its conversation is set to fail.
	 * @param {StoredMessage} stored @param {SendStatus} send
	 * @returns {Array<{ status: string, extra?: Partial<FireOptions> }>}
	 */
	function plan(stored, send) {
		senders.set(stored.id, { stored, send });
		const customer = stored.provider === 'meta' ? String(stored.to).replace(/^\+/, '') : digits(stored.to) || String(stored.to);
		const conv = conversations.get(convId(stored.provider, stored.provider === 'gateway' ? 'gateway' : stored.sender, customer));
		if (conv?.fail) {
			const f = takeFail(conv);
			return [{ status: 'failed', extra: failExtra(f) }];
		}
		// Meta: a reaction gets a sent status only, never delivered or read (Reaction messages → Limitations).
		if (stored.provider === 'meta' && stored.resource?.type === 'reaction') return [{ status: 'sent' }];
		return [{ status: 'sent' }, { status: 'delivered' }];
	}

	/**
	 * A status was posted back (or could not be).
	 * @param {StoredMessage} stored @param {string} status @param {Partial<FireOptions> | undefined} extra
	 */
	function posted(stored, status, extra) {
		setStatus(stored.id, status, status === 'failed' ? { code: Number(extra?.errorCode ?? 0), message: String(extra?.errorMessage ?? '') } : undefined);
	}

	/**
	 * The customer read the conversation: 'read' for every delivered message not read yet.
	 * @param {string} id @param {string[]} [only]
	 */
	async function read(id, only) {
		const conv = conversations.get(id);
		if (!conv) throw Object.assign(new Error(`no conversation ${id}`), { status: 404 });
		const list = conv.messages.filter((/** @type {Json} */ m) => m.dir === 'out' && (m.status === 'delivered' || m.status === 'sent') && (!only || only.includes(m.id)));
		for (const m of list) {
			const s = senders.get(m.id);
			m.status = 'read';
			if (s) await deps.postStatus(s.stored, s.send, 'read');
		}
		if (list.length) changed(conv);
		return list.length;
	}

	/** @param {string} id @param {number | undefined} code */
	async function failMessage(id, code) {
		const found = findMessage(id);
		if (!found || found.msg.dir !== 'out') throw Object.assign(new Error(`no sent message ${id}`), { status: 404 });
		const codes = FAIL_CODES[/** @type {'meta'} */ (found.conv.provider)] ?? [];
		const f = codes.find((c) => c.code === code) ?? codes[0];
		const s = senders.get(id);
		if (s) await deps.postStatus(s.stored, s.send, 'failed', failExtra(f));
		setStatus(id, 'failed', f);
		return { posted: Boolean(s) };
	}

	// ------------------------------------------------------------ targets

	/** @param {string} [provider] @returns {Promise<Target[]>} */
	async function targets(provider) {
		const list = typeof targetSource === 'function' ? await targetSource(provider) : targetSource;
		return list.filter((t) => !provider || t.provider === provider);
	}

	/** The trigger URL a conversation's customer messages go to. @param {Json} conv */
	async function targetOf(conv) {
		const list = await targets(conv.provider);
		const chosen = (conv.target && list.find((t) => t.url === conv.target)) || list[0] || (conv.target ? { provider: conv.provider, url: conv.target } : undefined);
		if (!chosen) {
			throw Object.assign(
				new Error(`no active workflow with a WhatsApp trigger (messages) for the ${conv.provider} connection: activate one in n8n, or set the targets (POST /__sandbox/phone/targets)`),
				{ status: 409 },
			);
		}
		return chosen;
	}

	/** "New customer": a conversation with a generated number and name. @param {Json} o */
	function newCustomer(o) {
		const provider = ['meta', 'twilio', 'gateway'].includes(o.provider) ? o.provider : 'meta';
		const n = ++seq;
		const name = typeof o.name === 'string' && o.name.trim() ? o.name.trim() : `${FIRST_NAMES[n % FIRST_NAMES.length]} ${LAST_NAMES[(n * 5) % LAST_NAMES.length]}`;
		const number = digits(o.number) || `1650555${String(1000 + ((Date.now() + n * 7919) % 9000)).padStart(4, '0')}`;
		const conv = conversationFor(provider, typeof o.business === 'string' ? o.business : defaultBusiness(provider), number, { name, target: typeof o.target === 'string' ? o.target : undefined });
		conv.customer.name = name;
		if (typeof o.target === 'string') conv.target = o.target;
		changed(conv);
		return view(conv);
	}

	/** @param {string} id @param {Json} o */
	function settings(id, o) {
		const conv = conversations.get(id);
		if (!conv) throw Object.assign(new Error(`no conversation ${id}`), { status: 404 });
		if (o.fail !== undefined) conv.fail = o.fail === null || o.fail === false || o.fail === '' ? null : Number(o.fail);
		if (o.failAll !== undefined) conv.failAll = Boolean(o.failAll);
		if (o.readAfterMs !== undefined) conv.readAfterMs = o.readAfterMs === null || o.readAfterMs === '' ? null : Math.max(0, Number(o.readAfterMs) || 0);
		if (o.readNever !== undefined) conv.readNever = Boolean(o.readNever);
		if (o.target !== undefined) conv.target = o.target || undefined;
		if (typeof o.name === 'string' && o.name.trim()) conv.customer.name = o.name.trim();
		changed(conv);
		return view(conv);
	}

	const customer = createCustomer({
		accounts,
		fire: deps.fire,
		conversation: (/** @type {string} */ id) => conversations.get(id),
		findMessage,
		targetOf,
		businessInfo,
		/** @param {Json} conv @param {Json} msg */
		addInbound(conv, msg) {
			msg.quotePreview = quotePreview(msg.quote);
			addMessage(conv, msg);
			changed(conv);
			return msg;
		},
		/** @param {Json} conv @param {string} messageId @param {string | undefined} emoji @param {string} reactionId */
		react(conv, messageId, emoji, reactionId) {
			const found = findMessage(messageId);
			if (found) found.msg.reactions = { ...found.msg.reactions, customer: emoji || undefined };
			reactionIds.set(reactionId, `Reacted ${emoji ?? ''} to: ${found ? model.preview(found.msg.content).slice(0, 80) : 'a message'}`);
			if (reactionIds.size > 5000) reactionIds.delete(/** @type {string} */ (reactionIds.keys().next().value));
			changed(conv);
		},
		changed,
	});

	// ------------------------------------------------------------ HTTP

	/**
	 * Routes /__sandbox/phone/*, /__sandbox/customer/* and the page's files. Returns false when the
	 * path is not the phone's.
	 * @param {import('node:http').ServerResponse} res @param {URL} url @param {string} method @param {Buffer} raw
	 */
	async function handle(res, url, method, raw) {
		const p = url.pathname.replace(/\/+$/, '') || '/';
		/** @param {number} status @param {unknown} body */
		const json = (status, body) => {
			res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
			res.end(JSON.stringify(body));
		};
		const body = () => {
			const text = raw.toString('utf8').trim();
			return text ? JSON.parse(text) : {};
		};
		if (method === 'GET' && (p === '/' || p.startsWith('/phone/'))) {
			const name = p === '/' ? 'index.html' : p.slice('/phone/'.length);
			if (!/^[a-z0-9-]+\.(html|js|css|svg)$/.test(name)) return false;
			const file = path.join(STATIC_DIR, name);
			if (!fs.existsSync(file)) return false;
			res.writeHead(200, {
				'content-type': STATIC_TYPES[/** @type {'.js'} */ (path.extname(name))],
				'cache-control': 'no-store',
				'x-content-type-options': 'nosniff',
				'x-frame-options': 'DENY',
				'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
			});
			res.end(fs.readFileSync(file));
			return true;
		}
		if (!p.startsWith('/__sandbox/phone') && !p.startsWith('/__sandbox/customer/')) return false;
		try {
			if (p === '/__sandbox/phone/events' && method === 'GET') {
				res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
				res.write(': connected\n\n');
				clients.add(res);
				const ping = setInterval(() => res.write(': ping\n\n'), 15000);
				res.on('close', () => {
					clearInterval(ping);
					clients.delete(res);
				});
				return true;
			}
			if (p === '/__sandbox/phone/state' && method === 'GET') {
				const list = [...conversations.values()].sort((a, b) => b.updatedAt - a.updatedAt).map(view);
				/** @type {Target[]} */
				let t = [];
				let targetsError;
				try {
					t = await targets();
				} catch (e) {
					targetsError = /** @type {Error} */ (e).message;
				}
				json(200, { conversations: list, targets: t, targetsError, failCodes: FAIL_CODES, businesses: ['meta', 'twilio', 'gateway'].map((pr) => ({ provider: pr, business: defaultBusiness(pr), ...businessInfo(pr, defaultBusiness(pr)) })) });
				return true;
			}
			if (p === '/__sandbox/phone/targets') {
				if (method === 'GET') {
					json(200, await targets(url.searchParams.get('provider') ?? undefined));
					return true;
				}
				if (method === 'POST') {
					const list = body();
					if (!Array.isArray(list) || !list.every((t) => t && typeof t.url === 'string' && ['meta', 'twilio', 'gateway'].includes(t.provider))) {
						json(400, { error: 'targets: send an array of { provider: meta | twilio | gateway, url, workflow? }' });
						return true;
					}
					targetSource = list;
					emit('targets', () => list);
					json(200, list);
					return true;
				}
			}
			if (p === '/__sandbox/phone/conversations' && method === 'POST') {
				json(200, newCustomer(body()));
				return true;
			}
			let m = /^\/__sandbox\/phone\/conversations\/([^/]+)\/(settings|read)$/.exec(p);
			if (m && method === 'POST') {
				const id = decodeURIComponent(m[1]);
				if (m[2] === 'settings') json(200, settings(id, body()));
				else json(200, { read: await read(id) });
				return true;
			}
			m = /^\/__sandbox\/phone\/messages\/([^/]+)\/fail$/.exec(p);
			if (m && method === 'POST') {
				const b = body();
				json(200, await failMessage(decodeURIComponent(m[1]), b.code === undefined ? undefined : Number(b.code)));
				return true;
			}
			m = /^\/__sandbox\/customer\/([a-z]+)$/.exec(p);
			if (m && method === 'POST') {
				json(200, await customer.act(m[1], body()));
				return true;
			}
			json(404, { error: `no route ${method} ${p}` });
		} catch (e) {
			const err = /** @type {Error & { status?: number }} */ (e);
			json(err.status ?? 400, { error: err.message });
		}
		return true;
	}

	function reset() {
		conversations.clear();
		owner.clear();
		senders.clear();
		reactionIds.clear();
		emit('reset', () => ({}));
	}

	function close() {
		for (const res of clients) res.end();
		clients.clear();
	}

	return {
		observe,
		plan,
		posted,
		handle,
		reset,
		close,
		/** The public face (sandbox.phone). */
		api: {
			/** @param {Target[] | ((provider?: string) => Promise<Target[]> | Target[])} source */
			setTargets(source) {
				targetSource = source;
				emit('targets', () => ({}));
			},
			targets,
			conversations: () => [...conversations.values()].map(view),
			/** @param {string} id */
			conversation: (id) => {
				const c = conversations.get(id);
				return c ? view(c) : undefined;
			},
			newCustomer,
			settings,
			read,
			failMessage,
			customer: customer.act,
		},
	};
}

module.exports = { createPhone, FAIL_CODES };
