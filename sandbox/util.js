// @ts-check
'use strict';

// Helpers of the provider sandbox: ids, a seeded PRNG, body parsing, signatures and the
// providers' error bodies. Zero dependencies.

const crypto = require('node:crypto');

/** @typedef {import('./types').MultipartBody} MultipartBody */
/** @typedef {import('./types').MultipartFile} MultipartFile */

// ---------------------------------------------------------------- ids

/** @param {number} bytes */
function hex(bytes) {
	return crypto.randomBytes(bytes).toString('hex');
}

/** Twilio-style SID: two-letter prefix + 32 hex. @param {string} prefix */
function twilioSid(prefix) {
	return prefix + hex(16);
}

/** A numeric Graph object id of `digits` digits (no leading zero). @param {number} [digits] */
function graphId(digits = 15) {
	let s = String(crypto.randomInt(1, 10));
	while (s.length < digits) s += String(crypto.randomInt(0, 10));
	return s;
}

/** A WhatsApp message id shaped like the real ones ('wamid.' + base64). @param {string} [waId] */
function wamid(waId = '') {
	const inner = Buffer.concat([
		Buffer.from([0x1c, 0x18, 0x0b]),
		Buffer.from(String(waId).replace(/\D/g, '').slice(0, 15) || '0'),
		Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, 0x12]),
		Buffer.from(hex(9).toUpperCase()),
		Buffer.from([0x00]),
	]);
	return 'wamid.' + inner.toString('base64');
}

/** Graph fbtrace_id-like token. */
function fbtraceId() {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
	let s = 'A';
	const bytes = crypto.randomBytes(22);
	for (const b of bytes) s += alphabet[b % alphabet.length];
	return s;
}

// ---------------------------------------------------------------- PRNG

/**
 * mulberry32: a small seeded PRNG returning floats in [0, 1).
 * @param {number} seed
 * @returns {() => number}
 */
function prng(seed) {
	let a = seed >>> 0;
	return function next() {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

// ---------------------------------------------------------------- dates

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 2822 date as Twilio writes it: 'Thu, 24 Aug 2023 05:01:45 +0000'. @param {Date} [d] */
function rfc2822(d = new Date()) {
	const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
	return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

// ---------------------------------------------------------------- parsing

/**
 * Parses a query string or form body; repeated keys become arrays.
 * @param {string} text
 * @returns {Record<string, string | string[]>}
 */
function parseForm(text) {
	/** @type {Record<string, string | string[]>} */
	const out = {};
	for (const [k, v] of new URLSearchParams(text)) {
		const prev = out[k];
		if (prev === undefined) out[k] = v;
		else if (Array.isArray(prev)) prev.push(v);
		else out[k] = [prev, v];
	}
	return out;
}

/**
 * Encodes params (values may be arrays) as application/x-www-form-urlencoded.
 * @param {Record<string, unknown>} params
 */
function encodeForm(params) {
	const usp = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) {
		if (v === undefined || v === null) continue;
		if (Array.isArray(v)) for (const item of v) usp.append(k, String(item));
		else usp.append(k, String(v));
	}
	return usp.toString();
}

/**
 * Reads a parameter of a header value, e.g. boundary of a content-type.
 * @param {string} header
 * @param {string} name
 */
function headerParam(header, name) {
	const re = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;]*))`, 'i');
	const m = re.exec(header);
	if (!m) return undefined;
	return (m[1] ?? m[2] ?? '').trim();
}

/**
 * Parses multipart/form-data.
 * @param {Buffer} raw
 * @param {string} boundary
 * @returns {MultipartBody}
 */
function parseMultipart(raw, boundary) {
	/** @type {MultipartBody} */
	const result = { fields: {}, files: [] };
	const delimiter = Buffer.from(`--${boundary}`);
	let pos = raw.indexOf(delimiter);
	if (pos < 0) throw new Error('multipart boundary not found');
	for (;;) {
		pos += delimiter.length;
		// '--' after the delimiter ends the body
		if (raw[pos] === 0x2d && raw[pos + 1] === 0x2d) break;
		// skip CRLF after the delimiter
		if (raw[pos] === 0x0d && raw[pos + 1] === 0x0a) pos += 2;
		const headerEnd = raw.indexOf('\r\n\r\n', pos);
		if (headerEnd < 0) throw new Error('multipart part without headers');
		const headerText = raw.subarray(pos, headerEnd).toString('utf8');
		const next = raw.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
		if (next < 0) throw new Error('multipart part not terminated');
		const data = raw.subarray(headerEnd + 4, next);
		/** @type {Record<string, string>} */
		const headers = {};
		for (const line of headerText.split('\r\n')) {
			const i = line.indexOf(':');
			if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
		}
		const disposition = headers['content-disposition'] ?? '';
		const name = headerParam(disposition, 'name') ?? '';
		const filename = headerParam(disposition, 'filename');
		if (filename !== undefined || (headers['content-type'] && !/^text\/plain/i.test(headers['content-type']))) {
			result.files.push({
				name,
				filename: filename ?? '',
				contentType: headers['content-type'] ?? 'application/octet-stream',
				data: Buffer.from(data),
			});
		} else {
			const value = data.toString('utf8');
			const prev = result.fields[name];
			if (prev === undefined) result.fields[name] = value;
			else if (Array.isArray(prev)) prev.push(value);
			else result.fields[name] = [prev, value];
		}
		pos = next + 2;
	}
	return result;
}

/**
 * Parses a request body according to its content type.
 * @param {Buffer} raw
 * @param {string | undefined} contentType
 * @returns {{ body: unknown, kind: 'json' | 'form' | 'multipart' | 'text' | 'binary' | 'empty', error?: string }}
 */
function parseBody(raw, contentType) {
	const ct = (contentType ?? '').toLowerCase();
	if (raw.length === 0) return { body: undefined, kind: 'empty' };
	if (ct.includes('multipart/form-data')) {
		const boundary = headerParam(contentType ?? '', 'boundary');
		if (!boundary) return { body: undefined, kind: 'multipart', error: 'multipart body without boundary' };
		try {
			return { body: parseMultipart(raw, boundary), kind: 'multipart' };
		} catch (e) {
			return { body: undefined, kind: 'multipart', error: /** @type {Error} */ (e).message };
		}
	}
	if (ct.includes('application/x-www-form-urlencoded')) {
		return { body: parseForm(raw.toString('utf8')), kind: 'form' };
	}
	const text = raw.toString('utf8');
	if (ct.includes('json') || (!ct && /^\s*[[{]/.test(text))) {
		try {
			return { body: JSON.parse(text), kind: 'json' };
		} catch (e) {
			return { body: undefined, kind: 'json', error: /** @type {Error} */ (e).message };
		}
	}
	if (ct.startsWith('text/') || !ct) return { body: text, kind: 'text' };
	return { body: undefined, kind: 'binary' };
}

/**
 * JSON with sorted keys, for idempotency keys.
 * @param {unknown} value
 * @returns {string}
 */
function stableStringify(value) {
	if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
	if (Array.isArray(value)) return '[' + value.map(stableStringify).join(',') + ']';
	const obj = /** @type {Record<string, unknown>} */ (value);
	return (
		'{' +
		Object.keys(obj)
			.sort()
			.filter((k) => obj[k] !== undefined)
			.map((k) => JSON.stringify(k) + ':' + stableStringify(obj[k]))
			.join(',') +
		'}'
	);
}

/** @param {Buffer} buf */
function isProbablyText(buf) {
	if (buf.includes(0)) return false;
	const text = buf.toString('utf8');
	return !text.includes('\uFFFD');
}

/** @param {string} s */
function escapeHtml(s) {
	return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** Constant-time string comparison. @param {string} a @param {string} b */
function safeEqual(a, b) {
	const ba = Buffer.from(a);
	const bb = Buffer.from(b);
	return ba.length === bb.length && crypto.timingSafeEqual(ba, bb);
}

// ---------------------------------------------------------------- signatures

/**
 * Meta: X-Hub-Signature-256 value for a raw webhook body.
 * @param {Buffer | string} rawBody
 * @param {string} appSecret
 */
function metaSignature(rawBody, appSecret) {
	return 'sha256=' + crypto.createHmac('sha256', appSecret).update(rawBody).digest('hex');
}

/**
 * Meta: legacy X-Hub-Signature (SHA-1) value.
 * @param {Buffer | string} rawBody
 * @param {string} appSecret
 */
function metaSignatureSha1(rawBody, appSecret) {
	return 'sha1=' + crypto.createHmac('sha1', appSecret).update(rawBody).digest('hex');
}

/**
 * Twilio: X-Twilio-Signature = base64(HMAC-SHA1(authToken, url + sorted param names each followed by its value(s))).
 * Array values are de-duplicated and sorted like the twilio library does.
 * @param {string} authToken
 * @param {string} url
 * @param {Record<string, string | string[]>} params
 */
function twilioSignature(authToken, url, params) {
	let data = url;
	for (const key of Object.keys(params).sort()) {
		const v = params[key];
		if (Array.isArray(v)) for (const item of Array.from(new Set(v)).sort()) data += key + item;
		else data += key + v;
	}
	return crypto.createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}

/**
 * Gateway: hex HMAC-SHA256 of the raw body.
 * @param {Buffer | string} rawBody
 * @param {string} secret
 */
function gatewaySignature(rawBody, secret) {
	return crypto.createHmac('sha256', secret).update(rawBody).digest('hex');
}

// ---------------------------------------------------------------- provider error bodies

/** @type {Record<number, [number, string]>} */
const TWILIO_DEFAULT_ERRORS = {
	400: [21211, "Invalid 'To' Phone Number"],
	401: [20003, 'Authenticate'],
	403: [20403, 'Forbidden'],
	404: [20404, 'The requested resource was not found'],
	405: [20004, 'Method not allowed'],
	409: [20409, 'Conflict'],
	413: [20413, 'Request entity too large'],
	429: [20429, 'Too Many Requests'],
	500: [20500, 'Internal Server Error'],
	502: [20502, 'Bad Gateway'],
	503: [20503, 'Service Unavailable'],
	504: [20504, 'Gateway Timeout'],
};

/**
 * A Twilio REST error body: { code, message, more_info, status }.
 * @param {number} status
 * @param {number} [code]
 * @param {string} [message]
 * @param {string} [detail]
 */
function twilioError(status, code, message, detail) {
	const fallback = TWILIO_DEFAULT_ERRORS[status] ?? (status >= 500 ? [20500, 'Internal Server Error'] : [20001, 'Bad Request']);
	const c = code ?? fallback[0];
	/** @type {Record<string, unknown>} */
	const body = {
		code: c,
		message: message ?? fallback[1],
		more_info: `https://www.twilio.com/docs/errors/${c}`,
		status,
	};
	if (detail) body.detail = detail;
	return body;
}

/** @type {Record<number, { code: number, type: string, message: string, subcode?: number, transient?: boolean, details?: string }>} */
const META_DEFAULT_ERRORS = {
	400: { code: 100, type: 'OAuthException', message: '(#100) Invalid parameter' },
	401: { code: 190, type: 'OAuthException', message: 'Invalid OAuth access token - Cannot parse access token' },
	403: { code: 200, type: 'OAuthException', message: "(#200) Your app doesn't have permission to access this phone number", subcode: 1349174 },
	404: { code: 803, type: 'GraphMethodException', message: '(#803) Some of the aliases you requested do not exist' },
	429: {
		code: 130429,
		type: 'OAuthException',
		message: '(#130429) Rate limit hit',
		details: 'Cloud API message throughput has been reached.',
	},
	500: { code: 2, type: 'GraphMethodException', message: 'An unexpected error has occurred. Please retry your request later.', transient: true },
	502: { code: 2, type: 'GraphMethodException', message: 'An unexpected error has occurred. Please retry your request later.', transient: true },
	503: { code: 2, type: 'GraphMethodException', message: 'Service temporarily unavailable', transient: true },
	504: { code: 2, type: 'GraphMethodException', message: 'Service temporarily unavailable', transient: true },
};

/**
 * A Graph API error body: { error: { message, type, code, error_subcode?, error_data?, is_transient?, fbtrace_id } }.
 * @param {number} status
 * @param {{ code?: number, type?: string, message?: string, subcode?: number, details?: string, transient?: boolean }} [o]
 */
function metaError(status, o = {}) {
	const fallback = META_DEFAULT_ERRORS[status] ?? (status >= 500 ? META_DEFAULT_ERRORS[500] : META_DEFAULT_ERRORS[400]);
	/** @type {Record<string, unknown>} */
	const error = {
		message: o.message ?? fallback.message,
		type: o.type ?? fallback.type,
		code: o.code ?? fallback.code,
	};
	const subcode = o.subcode ?? (o.code === undefined ? fallback.subcode : undefined);
	if (subcode !== undefined) error.error_subcode = subcode;
	const details = o.details ?? (o.code === undefined ? fallback.details : undefined);
	if (details) error.error_data = { messaging_product: 'whatsapp', details };
	const transient = o.transient ?? (o.code === undefined ? fallback.transient : undefined);
	if (transient !== undefined) error.is_transient = transient;
	error.fbtrace_id = fbtraceId();
	return { error };
}

/**
 * The gateway's error body: { error: { status, message } }.
 * @param {number} status
 * @param {string} [message]
 */
function gatewayError(status, message) {
	const defaults = /** @type {Record<number, string>} */ ({
		400: 'Bad request',
		401: 'Unauthorized',
		403: 'Forbidden',
		404: 'Not found',
		429: 'Too many requests',
		500: 'Internal server error',
		502: 'Bad gateway',
		503: 'Service unavailable',
	});
	return { error: { status, message: message ?? defaults[status] ?? (status >= 500 ? 'Server error' : 'Request failed') } };
}

/** @param {unknown} v @returns {v is Record<string, any>} */
function isObject(v) {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The first value of a repeated parameter. @param {unknown} v */
function first(v) {
	return Array.isArray(v) ? v[0] : v;
}

/** Every value of a repeated parameter, as strings. @param {unknown} v @returns {string[]} */
function all(v) {
	if (v === undefined || v === null) return [];
	return Array.isArray(v) ? v.map(String) : [String(v)];
}

module.exports = {
	isObject,
	first,
	all,
	hex,
	twilioSid,
	graphId,
	wamid,
	fbtraceId,
	prng,
	rfc2822,
	parseForm,
	encodeForm,
	headerParam,
	parseMultipart,
	parseBody,
	stableStringify,
	isProbablyText,
	escapeHtml,
	safeEqual,
	metaSignature,
	metaSignatureSha1,
	twilioSignature,
	gatewaySignature,
	twilioError,
	metaError,
	gatewayError,
};
