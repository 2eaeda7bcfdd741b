// @ts-check
'use strict';

/*
 * The customer's side of the playground phone: what a customer does on WhatsApp (type a text, send a
 * photo or a document, share a location, react, tap a reply button, choose a list row) becomes the
 * provider's real signed webhook (webhooks.js: Meta with X-Hub-Signature-256, Twilio's form with
 * X-Twilio-Signature, the gateway's JSON with its bearer token and HMAC), sent to the trigger URL of
 * the conversation's workflow. The page calls these through POST /__sandbox/customer/{action}; tests
 * and tools can act as the customer the same way, or through sandbox.phone.customer(action, body).
 *
 * A tap passes the button's id through untouched (a payload, or a signed token of Send and Wait) and
 * quotes the message it was on (Meta context, Twilio OriginalRepliedMessageSid, gateway
 * contextMessageId), as WhatsApp does.
 */

const util = require('./util');
const { TINY_PNG } = require('./webhooks');

/** @typedef {import('./types').FireOptions} FireOptions */
/** @typedef {import('./types').FireResult} FireResult */
/** @typedef {import('./types').SandboxAccounts} SandboxAccounts */
/** @typedef {Record<string, any>} Json */

/** A one-page PDF, the sample document. */
const SAMPLE_PDF = Buffer.from(
	'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

/** The sample location: the customer shares where they are. */
const SAMPLE_LOCATION = Object.freeze({ latitude: 52.520008, longitude: 13.404954, name: 'Alexanderplatz', address: 'Alexanderplatz, 10178 Berlin' });

const ACTIONS = ['text', 'tap', 'choose', 'react', 'location', 'media'];

/**
 * @param {{
 *   accounts: SandboxAccounts,
 *   fire: (o: FireOptions) => Promise<FireResult>,
 *   conversation: (id: string) => Json | undefined,
 *   findMessage: (id: string) => { conv: Json, msg: Json } | undefined,
 *   targetOf: (conv: Json) => Promise<{ url: string, workflow?: string }>,
 *   businessInfo: (provider: string, business: string) => { name: string, number: string },
 *   addInbound: (conv: Json, msg: Json) => Json,
 *   react: (conv: Json, messageId: string, emoji: string | undefined, reactionId: string) => void,
 *   changed: (conv: Json) => void,
 * }} deps
 */
function createCustomer(deps) {
	/** @param {string} message @param {number} [status] */
	const fail = (message, status = 400) => Object.assign(new Error(message), { status });

	/**
	 * The fire() options of one customer message to a conversation's trigger, and the id the message gets.
	 * @param {Json} conv @param {string} url @param {Json} o what the customer sends
	 * @returns {{ fire: FireOptions, id: string }}
	 */
	function build(conv, url, o) {
		const c = conv.customer;
		const business = deps.businessInfo(conv.provider, conv.business);
		if (conv.provider === 'meta') {
			const from = c.number ?? '';
			const id = util.wamid(from);
			/** @type {FireOptions} */
			const f = { provider: 'meta', url, id, name: c.name, phoneNumberId: conv.business, type: o.type, text: o.text };
			if (c.number) f.from = c.number;
			else {
				f.userId = c.userId;
				f.withoutPhone = true;
			}
			const context = o.quote ? { context: { from: business.number.replace(/\D/g, ''), id: o.quote } } : {};
			if (o.type === 'interactive') f.message = { ...context, interactive: o.interactive };
			else if (o.type === 'button') f.message = { ...context, button: o.button };
			else if (o.type === 'reaction') f.message = { reaction: o.reaction };
			else if (o.type === 'location') f.message = { location: o.location };
			else if (o.media) {
				f.media = o.media;
				if (o.quote) f.message = context;
			} else if (o.quote) f.message = context;
			return { fire: f, id };
		}
		if (conv.provider === 'twilio') {
			const id = util.twilioSid(o.media ? 'MM' : 'SM');
			/** @type {Record<string, string>} */
			const params = { ...o.twilio };
			if (o.quote) {
				params.OriginalRepliedMessageSid = o.quote;
				params.OriginalRepliedMessageSender = `whatsapp:${business.number}`;
			}
			/** @type {FireOptions} */
			const f = { provider: 'twilio', url, id, accountSid: conv.business, from: `+${c.number}`, name: c.name, to: `whatsapp:${business.number}`, type: o.twilioType ?? o.type, text: o.text ?? '', params };
			if (o.media) f.media = o.media;
			return { fire: f, id };
		}
		const id = 'gw_in_' + util.hex(12);
		/** @type {Json} */
		const message = { ...o.gateway };
		if (o.quote) message.contextMessageId = o.quote;
		/** @type {FireOptions} */
		const f = { provider: 'gateway', url, id, from: `+${c.number}`, to: business.number.replace(/[^\d+]/g, ''), name: c.name, type: o.gatewayType ?? o.type ?? 'text', text: o.text ?? '', message };
		return { fire: f, id };
	}

	/**
	 * The reply button or list row `id` on message `messageId` of the conversation.
	 * @param {Json} conv @param {string} messageId @param {string} id @param {'button' | 'row'} what
	 */
	function option(conv, messageId, id, what) {
		const found = deps.findMessage(messageId);
		if (!found || found.conv !== conv || found.msg.dir !== 'out') throw fail(`no message ${messageId} from the business in this conversation`, 404);
		const content = found.msg.content;
		if (what === 'button') {
			const b = (content.buttons ?? []).find((/** @type {Json} */ x) => (x.id ?? x.text) === id);
			if (!b) throw fail(`message ${messageId} has no reply button ${JSON.stringify(id)}`, 404);
			return { content, title: String(b.title ?? b.text), description: undefined };
		}
		const rows = (content.list?.sections ?? []).flatMap((/** @type {Json} */ s) => s.rows ?? []);
		const r = rows.find((/** @type {Json} */ x) => x.id === id);
		if (!r) throw fail(`message ${messageId} has no list row ${JSON.stringify(id)}`, 404);
		return { content, title: String(r.title), description: r.description };
	}

	/**
	 * One customer action. body: { conversation, … } (see the README).
	 * @param {string} action @param {Json} body
	 * @returns {Promise<import('./types').PhoneCustomerResult>}
	 */
	async function act(action, body) {
		if (!ACTIONS.includes(action)) throw fail(`unknown customer action ${action}: one of ${ACTIONS.join(', ')}`, 404);
		const conv = deps.conversation(String(body.conversation ?? ''));
		if (!conv) throw fail(`no conversation ${JSON.stringify(body.conversation)}: create one with POST /__sandbox/phone/conversations`, 404);
		/** @type {Json} */
		let o;
		/** @type {Json} */
		let content;
		switch (action) {
			case 'text': {
				const text = String(body.text ?? '');
				if (!text.trim()) throw fail('text: the message is empty');
				o = { type: 'text', text, quote: body.replyTo };
				content = { kind: 'text', text };
				break;
			}
			case 'tap': {
				const id = String(body.buttonId ?? body.id ?? '');
				const { content: on, title } = option(conv, String(body.messageId), id, 'button');
				const quote = String(body.messageId);
				if (on.kind === 'template') {
					// A template's quick-reply button (Meta type "button"; Twilio ButtonPayload).
					o = { type: 'button', button: { payload: id, text: title }, text: title, quote, twilio: { ButtonPayload: id, ButtonText: title, MessageType: 'button' }, gateway: { replyId: id, replyTitle: title }, twilioType: 'button', gatewayType: 'button' };
				} else {
					o = { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id, title } }, text: title, quote, twilio: { ButtonPayload: id, ButtonText: title, MessageType: 'interactive' }, gateway: { replyId: id, replyTitle: title }, twilioType: 'interactive', gatewayType: 'button' };
				}
				content = { kind: 'text', text: title, reply: { id } };
				break;
			}
			case 'choose': {
				const id = String(body.rowId ?? body.id ?? '');
				const { title, description } = option(conv, String(body.messageId), id, 'row');
				const listReply = { id, title, ...(description ? { description } : {}) };
				o = {
					type: 'interactive',
					interactive: { type: 'list_reply', list_reply: listReply },
					text: title,
					quote: String(body.messageId),
					twilio: { ListId: id, ListTitle: title, ...(description ? { ListDescription: String(description) } : {}), MessageType: 'interactive' },
					gateway: { replyId: id, replyTitle: title },
					twilioType: 'interactive',
					gatewayType: 'list',
				};
				content = { kind: 'text', text: title, reply: { id, description } };
				break;
			}
			case 'react': {
				const messageId = String(body.messageId ?? '');
				if (!deps.findMessage(messageId)) throw fail(`no message ${messageId} in this conversation`, 404);
				const emoji = body.emoji === undefined ? '\u{1F44D}' : String(body.emoji);
				if (conv.provider === 'twilio') throw fail('the sandbox\'s Twilio stand-in sends no reaction webhooks; react in a Meta or gateway conversation');
				o = { type: 'reaction', reaction: { message_id: messageId, emoji }, gateway: { reaction: { messageId, emoji } }, text: emoji };
				content = { kind: 'reaction', messageId, emoji };
				break;
			}
			case 'location': {
				const loc = { ...SAMPLE_LOCATION, ...pick(body, ['latitude', 'longitude', 'name', 'address']) };
				o = {
					type: 'location',
					location: loc,
					text: '',
					twilio: { Latitude: String(loc.latitude), Longitude: String(loc.longitude), Address: String(loc.address ?? ''), Label: String(loc.name ?? '') },
					gateway: { location: loc },
				};
				content = { kind: 'location', ...loc };
				break;
			}
			case 'media': {
				const kind = body.kind === 'document' ? 'document' : 'image';
				const caption = body.caption === undefined || body.caption === '' ? undefined : String(body.caption);
				const media = kind === 'image' ? { contentType: 'image/png', data: TINY_PNG, caption } : { contentType: 'application/pdf', data: SAMPLE_PDF, filename: 'sample.pdf', caption };
				o = { type: kind, media, text: caption, gateway: {} };
				content = { kind: 'media', mediaType: kind, caption, filename: kind === 'document' ? 'sample.pdf' : undefined };
				break;
			}
			default:
				throw fail(`unknown customer action ${action}`, 404);
		}
		const target = await deps.targetOf(conv);
		const built = build(conv, target.url, o);
		if (action === 'media' && conv.provider === 'gateway') {
			// The gateway's JSON carries the media as a link the receiver downloads; the sandbox serves none for it.
			built.fire.message = { ...built.fire.message, mediaType: content.mediaType, caption: content.caption };
		}
		if (action === 'react') {
			deps.react(conv, String(body.messageId), content.emoji || undefined, built.id);
			const fired = await send(built.fire);
			return { reacted: true, webhook: fired };
		}
		const msg = deps.addInbound(conv, { id: built.id, dir: 'in', at: Date.now(), content, status: 'sending', quote: o.quote });
		const webhook = await send(built.fire);
		msg.status = webhook.status >= 200 && webhook.status < 300 ? (msg.status === 'read' ? 'read' : 'delivered') : 'error';
		if (msg.status === 'error') msg.error = { code: webhook.status, message: webhook.error ?? `the trigger answered HTTP ${webhook.status}: ${webhook.text.slice(0, 200)}` };
		deps.changed(conv);
		return { message: /** @type {import('./types').PhoneMessage} */ (msg), webhook, target: { url: target.url, workflow: target.workflow } };
	}

	/** @param {FireOptions} f */
	async function send(f) {
		try {
			const r = await deps.fire(f);
			return { status: r.status, text: r.text, url: f.url, error: undefined };
		} catch (e) {
			return { status: 0, text: '', url: f.url, error: `the trigger could not be reached: ${/** @type {Error} */ (e).message}` };
		}
	}

	return { act, build };
}

/** @param {Json} o @param {string[]} keys */
function pick(o, keys) {
	/** @type {Json} */
	const out = {};
	for (const k of keys) if (o[k] !== undefined && o[k] !== '') out[k] = k === 'latitude' || k === 'longitude' ? Number(o[k]) : String(o[k]);
	return out;
}

module.exports = { createCustomer, SAMPLE_PDF, SAMPLE_LOCATION, ACTIONS };
