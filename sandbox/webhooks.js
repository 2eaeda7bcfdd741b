// @ts-check
'use strict';

// Inbound webhooks the sandbox sends to a receiver (an n8n trigger): payload builders shaped like
// the providers' real webhooks, their signatures, and a tiny HTTP client.

const crypto = require('node:crypto');
const http = require('node:http');
const https = require('node:https');
const util = require('./util');
const identity = require('./identity');

/** @typedef {import('./types').FireOptions} FireOptions */
/** @typedef {import('./types').FireResult} FireResult */
/** @typedef {import('./types').SandboxAccounts} SandboxAccounts */
/** @typedef {import('./types').TwilioAccount} TwilioAccount */
/** @typedef {import('./types').MetaPhoneNumber} MetaPhoneNumber */

/**
 * What the builders need from the running sandbox.
 * @typedef {object} FireContext
 * @property {SandboxAccounts} accounts
 * @property {string} baseUrl
 * @property {(data: Buffer, mimeType: string, phoneNumberId: string, filename?: string) => string} addMetaMedia
 * @property {(accountSid: string, messageSid: string, data: Buffer, contentType: string) => string} addTwilioMedia
 */

const DEFAULT_TEXT = 'Hello from the sandbox';
const DEFAULT_META_FROM = '16505551234';
const DEFAULT_NAME = 'Sheena Nelson';
const DEFAULT_TWILIO_FROM = 'whatsapp:+14155551234';

/** A 1x1 transparent PNG, the default media bytes. */
const TINY_PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
	'base64',
);

/** @param {string | undefined} contentType @param {Buffer | string | undefined} data */
function mediaBytes(contentType, data) {
	if (data !== undefined) return Buffer.isBuffer(data) ? data : Buffer.from(data);
	if (!contentType || contentType === 'image/png' || contentType === 'image/jpeg') return TINY_PNG;
	return Buffer.from(`sandbox media (${contentType})\n`);
}

/** @param {string} mime */
function metaTypeForMime(mime) {
	if (mime.startsWith('image/webp')) return 'sticker';
	if (mime.startsWith('image/')) return 'image';
	if (mime.startsWith('video/')) return 'video';
	if (mime.startsWith('audio/')) return 'audio';
	return 'document';
}

/** @param {FireOptions} o @param {number} i */
function textAt(o, i) {
	if (o.texts && o.texts.length > 0) return o.texts[i % o.texts.length];
	return o.text ?? DEFAULT_TEXT;
}

/** @param {string | undefined} base @param {number} i @param {number} count @param {() => string} make */
function idAt(base, i, count, make) {
	if (!base) return make();
	return count > 1 ? `${base}${i}` : base;
}

/**
 * @param {FireContext} ctx
 * @param {string | undefined} id
 * @returns {MetaPhoneNumber}
 */
function metaPhone(ctx, id) {
	const meta = ctx.accounts.meta;
	const found = meta.phoneNumbers.find((p) => p.id === (id ?? meta.phoneNumberId));
	if (found) return found;
	// An unknown id is allowed (negative tests): reuse the primary number's display data.
	return { ...meta.phoneNumbers[0], id: String(id) };
}

/**
 * Meta webhook payload (object whatsapp_business_account), messages or statuses.
 * @param {FireContext} ctx
 * @param {FireOptions} o
 */
function buildMetaPayload(ctx, o) {
	const meta = ctx.accounts.meta;
	const phone = metaPhone(ctx, o.phoneNumberId);
	const count = Math.max(1, Math.floor(o.count ?? 1));
	const ts = String(o.timestamp ?? Math.floor(Date.now() / 1000));
	const metadata = { display_phone_number: phone.displayPhoneNumber.replace(/\D/g, ''), phone_number_id: phone.id };
	/** @type {Record<string, unknown>} */
	let value;
	if ((o.kind ?? 'message') === 'status') {
		const status = o.status ?? 'delivered';
		const recipient = (o.to ?? DEFAULT_META_FROM).replace(/\D/g, '');
		const statuses = [];
		for (let i = 0; i < count; i++) {
			/** @type {Record<string, unknown>} */
			const s = {
				id: idAt(o.messageId ?? o.id, i, count, () => util.wamid(recipient)),
				status,
				timestamp: ts,
				recipient_id: recipient,
			};
			if (status === 'failed') {
				const code = o.errorCode ?? 131026;
				const message = o.errorMessage ?? 'Message undeliverable';
				s.errors = [
					{
						code,
						title: message,
						message,
						error_data: { details: 'Message failed to send because of an unknown error.' },
						href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
					},
				];
			} else if (status === 'sent' || status === 'delivered') {
				/** @type {Record<string, unknown>} */
				const conversation = { id: util.hex(16), origin: { type: 'service' } };
				if (status === 'sent') conversation.expiration_timestamp = String(Number(ts) + 86400);
				s.conversation = conversation;
				s.pricing = { billable: true, pricing_model: 'PMP', category: 'service' };
			}
			if (o.message) Object.assign(s, o.message);
			statuses.push(s);
		}
		value = { messaging_product: 'whatsapp', metadata, statuses };
	} else {
		const from = (o.from ?? DEFAULT_META_FROM).replace(/\D/g, '');
		const media = o.media === true ? {} : o.media || undefined;
		const type = o.type ?? (media ? metaTypeForMime(media.contentType ?? 'image/jpeg') : 'text');
		const messages = [];
		for (let i = 0; i < count; i++) {
			/** @type {Record<string, unknown>} */
			const m = {
				from,
				id: idAt(o.id, i, count, () => util.wamid(from)),
				timestamp: ts,
				type,
			};
			const text = textAt(o, i);
			switch (type) {
				case 'text':
					m.text = { body: text };
					break;
				case 'image':
				case 'video':
				case 'audio':
				case 'document':
				case 'sticker': {
					const mime =
						media?.contentType ??
						{ image: 'image/jpeg', video: 'video/mp4', audio: 'audio/ogg; codecs=opus', document: 'application/pdf', sticker: 'image/webp' }[type];
					const data = mediaBytes(mime, media?.data);
					const id = ctx.addMetaMedia(data, mime, phone.id, media?.filename);
					/** @type {Record<string, unknown>} */
					const obj = {
						mime_type: mime,
						sha256: crypto.createHash('sha256').update(data).digest('base64'),
						id,
					};
					if (type === 'image' || type === 'video' || type === 'document') {
						if (media?.caption !== undefined) obj.caption = media.caption;
						else if (o.text !== undefined || o.texts) obj.caption = text;
					}
					if (type === 'document') obj.filename = media?.filename ?? 'document.pdf';
					if (type === 'audio') obj.voice = false;
					if (type === 'sticker') obj.animated = false;
					m[type] = obj;
					break;
				}
				case 'location':
					m.location = {
						latitude: 37.44221496582,
						longitude: -122.16165924072,
						name: 'Philz Coffee',
						address: '101 Forest Ave, Palo Alto, CA 94301',
					};
					break;
				case 'button':
					m.context = { from: metadata.display_phone_number, id: util.wamid(metadata.display_phone_number) };
					m.button = { payload: text, text };
					break;
				case 'interactive':
					m.context = { from: metadata.display_phone_number, id: util.wamid(metadata.display_phone_number) };
					m.interactive = { type: 'button_reply', button_reply: { id: 'button-1', title: text } };
					break;
				case 'reaction':
					m.reaction = { message_id: util.wamid(metadata.display_phone_number), emoji: '\u{1F44D}' };
					break;
				default:
					break;
			}
			if (o.message) Object.assign(m, o.message);
			messages.push(m);
		}
		value = {
			messaging_product: 'whatsapp',
			metadata,
			contacts: [{ profile: { name: o.name ?? DEFAULT_NAME }, wa_id: from }],
			messages,
		};
	}
	return {
		object: 'whatsapp_business_account',
		entry: [{ id: meta.wabaId, changes: [{ value, field: 'messages' }] }],
	};
}

/**
 * @param {FireContext} ctx
 * @param {string | undefined} sid
 * @returns {TwilioAccount}
 */
function twilioAccount(ctx, sid) {
	if (!sid) return ctx.accounts.twilio;
	return ctx.accounts.twilioAccounts.find((a) => a.accountSid === sid) ?? { ...ctx.accounts.twilio, accountSid: sid };
}

/** @param {string} addr */
function whatsappAddress(addr) {
	return /^[a-z]+:/i.test(addr) ? addr : `whatsapp:${addr.startsWith('+') ? addr : '+' + addr}`;
}

/**
 * Twilio form params of one inbound message or status callback.
 * @param {FireContext} ctx
 * @param {FireOptions} o
 * @param {number} i
 * @returns {Record<string, string | string[]>}
 */
function buildTwilioParams(ctx, o, i) {
	const account = twilioAccount(ctx, o.accountSid);
	const count = Math.max(1, Math.floor(o.count ?? 1));
	/** @type {Record<string, string | string[]>} */
	let params;
	if ((o.kind ?? 'message') === 'status') {
		const to = whatsappAddress(o.to ?? DEFAULT_TWILIO_FROM);
		const status = o.status ?? 'delivered';
		const sid = idAt(o.messageId ?? o.id, i, count, () => util.twilioSid('SM'));
		params = {
			AccountSid: account.accountSid,
			ApiVersion: '2010-04-01',
			ChannelInstallSid: 'XE' + util.hex(16),
			ChannelPrefix: 'whatsapp',
			ChannelToAddress: to.replace(/^whatsapp:/, ''),
			From: whatsappAddress(o.from ?? account.whatsappNumber),
			MessageSid: sid,
			MessageStatus: status,
			SmsSid: sid,
			SmsStatus: status,
			StructuredMessage: 'false',
			To: to,
		};
		if (status === 'failed' || status === 'undelivered' || o.errorCode !== undefined) {
			params.ErrorCode = String(o.errorCode ?? 63016);
			if (o.errorMessage) params.ErrorMessage = o.errorMessage;
		}
	} else {
		const from = whatsappAddress(o.from ?? DEFAULT_TWILIO_FROM);
		const waId = from.replace(/^whatsapp:\+?/, '');
		const media = o.media === true ? {} : o.media || undefined;
		const sid = idAt(o.id, i, count, () => util.twilioSid(media ? 'MM' : 'SM'));
		const text = textAt(o, i);
		params = {
			SmsMessageSid: sid,
			NumMedia: '0',
			ProfileName: o.name ?? DEFAULT_NAME,
			MessageType: o.type ?? (media ? (media.contentType ?? 'image/jpeg').split('/')[0] : 'text'),
			SmsSid: sid,
			WaId: waId,
			SmsStatus: 'received',
			Body: media && o.text === undefined && !o.texts ? (media.caption ?? '') : text,
			To: whatsappAddress(o.to ?? account.whatsappNumber),
			NumSegments: '1',
			ReferralNumMedia: '0',
			MessageSid: sid,
			AccountSid: account.accountSid,
			From: from,
			ApiVersion: '2010-04-01',
		};
		if (media) {
			const contentType = media.contentType ?? 'image/jpeg';
			const data = mediaBytes(contentType, media.data);
			params.NumMedia = '1';
			params.MediaContentType0 = contentType;
			params.MediaUrl0 = ctx.addTwilioMedia(account.accountSid, sid, data, contentType);
		}
		if (o.type === 'button') {
			params.ButtonPayload = text;
			params.ButtonText = text;
		}
		if (o.type === 'location') {
			params.Latitude = '37.44221496582';
			params.Longitude = '-122.16165924072';
			params.Address = '101 Forest Ave, Palo Alto, CA 94301';
			params.Label = 'Philz Coffee';
		}
	}
	if (o.message) for (const [k, v] of Object.entries(o.message)) params[k] = Array.isArray(v) ? v.map(String) : String(v);
	if (o.params) Object.assign(params, o.params);
	return params;
}

/**
 * Gateway JSON body of one inbound message or status.
 * @param {FireOptions} o
 * @param {number} i
 */
function buildGatewayPayload(o, i) {
	const count = Math.max(1, Math.floor(o.count ?? 1));
	const ts = o.timestamp ?? Math.floor(Date.now() / 1000);
	/** @type {Record<string, unknown>} */
	let body;
	if ((o.kind ?? 'message') === 'status') {
		body = {
			event: 'status',
			id: idAt(o.messageId ?? o.id, i, count, () => 'gw_' + util.hex(12)),
			status: o.status ?? 'delivered',
			to: o.to ?? '+16505551234',
			timestamp: ts,
		};
		if (o.errorCode !== undefined || o.status === 'failed') {
			body.error = { code: o.errorCode ?? 1, message: o.errorMessage ?? 'Message undeliverable' };
		}
	} else {
		body = {
			event: 'message',
			id: idAt(o.id, i, count, () => 'gw_in_' + util.hex(12)),
			from: o.from ?? '+16505551234',
			to: o.to ?? '+15550783881',
			name: o.name ?? DEFAULT_NAME,
			type: o.type ?? 'text',
			text: textAt(o, i),
			timestamp: ts,
		};
	}
	if (o.message) Object.assign(body, o.message);
	return body;
}

/**
 * Changes a JSON webhook after signing it (a different but valid body).
 * @param {unknown} payload
 */
function tamperJson(payload) {
	const copy = /** @type {any} */ (JSON.parse(JSON.stringify(payload ?? null)));
	const value = copy?.entry?.[0]?.changes?.[0]?.value;
	if (value?.messages?.[0]?.text?.body !== undefined) value.messages[0].text.body += ' [tampered]';
	else if (value?.statuses?.[0]?.status !== undefined) value.statuses[0].status = value.statuses[0].status === 'read' ? 'failed' : 'read';
	else if (copy && typeof copy === 'object' && !Array.isArray(copy) && typeof copy.text === 'string') copy.text += ' [tampered]';
	else if (copy && typeof copy === 'object' && !Array.isArray(copy) && typeof copy.status === 'string') copy.status += '-tampered';
	else if (copy && typeof copy === 'object' && !Array.isArray(copy)) copy.tampered = true;
	else return JSON.stringify({ tampered: copy });
	return JSON.stringify(copy);
}

/** @param {Record<string, string | string[]>} params */
function tamperParams(params) {
	const copy = { ...params };
	if (typeof copy.Body === 'string') copy.Body += ' [tampered]';
	else if (typeof copy.MessageStatus === 'string') copy.MessageStatus = copy.MessageStatus === 'read' ? 'failed' : 'read';
	else copy.Tampered = 'true';
	return copy;
}

/**
 * Sends one HTTP request and resolves with status, headers and body text.
 * @param {string} method
 * @param {string} url
 * @param {Record<string, string>} headers
 * @param {Buffer | undefined} body
 * @param {number} timeoutMs
 * @returns {Promise<{ status: number, headers: Record<string, string | string[] | undefined>, text: string, contentType: string }>}
 */
function httpRequest(method, url, headers, body, timeoutMs) {
	return new Promise((resolve, reject) => {
		const u = new URL(url);
		const lib = u.protocol === 'https:' ? https : http;
		const allHeaders = { ...headers };
		if (body) allHeaders['content-length'] = String(body.length);
		const req = lib.request(u, { method, headers: allHeaders, timeout: timeoutMs }, (res) => {
			/** @type {Buffer[]} */
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () =>
				resolve({
					status: res.statusCode ?? 0,
					headers: res.headers,
					text: Buffer.concat(chunks).toString('utf8'),
					contentType: String(res.headers['content-type'] ?? ''),
				}),
			);
			res.on('error', reject);
		});
		req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${u.origin}${u.pathname}`)));
		req.on('error', reject);
		if (body) req.write(body);
		req.end();
	});
}

/**
 * @param {string} method
 * @param {string} url
 * @param {Record<string, string>} headers
 * @param {Buffer | undefined} body
 * @param {unknown} payload
 * @param {number} timeoutMs
 * @returns {Promise<FireResult>}
 */
async function send(method, url, headers, body, payload, timeoutMs) {
	const res = await httpRequest(method, url, headers, body, timeoutMs);
	/** @type {unknown} */
	let parsed = res.text;
	if (/json/i.test(res.contentType) || /^\s*[[{]/.test(res.text)) {
		try {
			parsed = JSON.parse(res.text);
		} catch {
			parsed = res.text;
		}
	}
	return {
		status: res.status,
		headers: res.headers,
		body: parsed,
		text: res.text,
		request: { method, url, headers, rawBody: body ? body.toString('utf8') : '', payload },
	};
}

/**
 * Sends a signed inbound webhook as the provider would.
 * @param {FireContext} ctx
 * @param {FireOptions} o
 * @returns {Promise<FireResult>}
 */
async function fire(ctx, o) {
	if (!o || typeof o !== 'object') throw new Error('fire: options required');
	if (!o.url) throw new Error('fire: url required');
	const timeoutMs = o.timeoutMs ?? 30000;
	const kind = o.kind ?? 'message';
	if (o.provider === 'meta') {
		const meta = ctx.accounts.meta;
		if (kind === 'verify') {
			const challenge = o.challenge ?? String(1000000000 + Math.floor(Math.random() * 1000000000));
			const u = new URL(o.url);
			u.searchParams.set('hub.mode', 'subscribe');
			u.searchParams.set('hub.challenge', challenge);
			u.searchParams.set('hub.verify_token', o.wrongSecret ? 'wrong-verify-token' : (o.verifyToken ?? meta.verifyToken));
			const result = await send('GET', u.toString(), { 'user-agent': 'facebookplatform/1.0 (+http://developers.facebook.com)', ...o.headers }, undefined, undefined, timeoutMs);
			result.challenge = challenge;
			result.verified = result.status === 200 && result.text.trim() === challenge;
			return result;
		}
		const payload = o.payload !== undefined ? o.payload : identity.metaPayload(ctx, o, buildMetaPayload);
		const raw = o.rawBody !== undefined ? Buffer.from(o.rawBody) : Buffer.from(JSON.stringify(payload));
		const secret = o.wrongSecret ? 'wrong-' + (o.secret ?? meta.appSecret) : (o.secret ?? meta.appSecret);
		/** @type {Record<string, string>} */
		const headers = {
			'content-type': 'application/json',
			'user-agent': 'facebookexternalua',
		};
		if (!o.omitSignature) {
			headers['x-hub-signature'] = util.metaSignatureSha1(raw, secret);
			headers['x-hub-signature-256'] = util.metaSignature(raw, secret);
		}
		Object.assign(headers, o.headers);
		const sent = o.tamper ? Buffer.from(o.rawBody !== undefined ? raw.toString('utf8') + ' ' : tamperJson(payload)) : raw;
		return send('POST', o.url, headers, sent, payload, timeoutMs);
	}
	if (o.provider === 'twilio') {
		const count = Math.max(1, Math.floor(o.count ?? 1));
		/** @type {FireResult[]} */
		const results = [];
		for (let i = 0; i < count; i++) {
			const account = twilioAccount(ctx, o.accountSid);
			const params =
				o.payload !== undefined
					? /** @type {Record<string, string | string[]>} */ (o.payload)
					: buildTwilioParams(ctx, o, i);
			const token = o.wrongSecret ? 'wrong' + (o.secret ?? account.authToken) : (o.secret ?? account.authToken);
			const signature = util.twilioSignature(token, o.signatureUrl ?? o.url, params);
			/** @type {Record<string, string>} */
			const headers = {
				'content-type': 'application/x-www-form-urlencoded',
				'user-agent': 'TwilioProxy/1.1',
				'i-twilio-idempotency-token': util.hex(16),
			};
			if (!o.omitSignature) headers['x-twilio-signature'] = signature;
			Object.assign(headers, o.headers);
			const bodyParams = o.tamper ? tamperParams(params) : params;
			const raw = o.rawBody !== undefined ? Buffer.from(o.rawBody) : Buffer.from(util.encodeForm(bodyParams));
			results.push(await send('POST', o.url, headers, raw, params, timeoutMs));
		}
		const last = results[results.length - 1];
		return count > 1 ? { ...last, results } : last;
	}
	if (o.provider === 'gateway') {
		const gateway = ctx.accounts.gateway;
		const count = Math.max(1, Math.floor(o.count ?? 1));
		/** @type {FireResult[]} */
		const results = [];
		for (let i = 0; i < count; i++) {
			const payload = o.payload !== undefined ? o.payload : buildGatewayPayload(o, i);
			const raw = o.rawBody !== undefined ? Buffer.from(o.rawBody) : Buffer.from(JSON.stringify(payload));
			/** @type {Record<string, string>} */
			const headers = { 'content-type': 'application/json', 'user-agent': 'whatsapp-gateway-sandbox/1.0' };
			if (gateway.authToken && !o.omitAuth) headers.authorization = `Bearer ${o.wrongToken ? 'wrong-' + gateway.authToken : gateway.authToken}`;
			const secret = o.secret ?? gateway.webhookSecret;
			if (secret && !o.omitSignature) headers['x-signature-256'] = util.gatewaySignature(raw, o.wrongSecret ? 'wrong-' + secret : secret);
			Object.assign(headers, o.headers);
			const sent = o.tamper ? Buffer.from(o.rawBody !== undefined ? raw.toString('utf8') + ' ' : tamperJson(payload)) : raw;
			results.push(await send('POST', o.url, headers, sent, payload, timeoutMs));
		}
		const last = results[results.length - 1];
		return count > 1 ? { ...last, results } : last;
	}
	throw new Error(`fire: unknown provider ${String(o.provider)}`);
}

module.exports = {
	fire,
	buildMetaPayload,
	buildTwilioParams,
	buildGatewayPayload,
	httpRequest,
	whatsappAddress,
	TINY_PNG,
};
