// @ts-check
'use strict';

/*
 * The sandbox's shared store: the recorded requests, the accepted messages, the media of both
 * Meta and Twilio, Meta's webhook settings, and the counters behind stats(). One store per sandbox;
 * every provider stand-in reads and writes it, the control API serves it.
 */

const crypto = require('node:crypto');

/** @typedef {import('./types').Provider} Provider */
/** @typedef {import('./types').RecordedRequest} RecordedRequest */
/** @typedef {import('./types').ProviderCounts} ProviderCounts */
/** @typedef {import('./types').SandboxStats} SandboxStats */
/** @typedef {import('./types').DuplicateMessage} DuplicateMessage */
/** @typedef {import('./types').StoredMessage} StoredMessage */
/** @typedef {{ id: string, data: Buffer, mimeType: string, sha256: string, phoneNumberId: string, filename?: string, at: number }} MetaMedia */
/** @typedef {{ sid: string, accountSid: string, messageSid: string, data: Buffer, contentType: string, at: number }} TwilioMedia */

const MAX_RECORDED_BYTES = 512 * 1024 * 1024;
const MAX_IDEMPOTENCY_KEYS = 500000;
const MAX_STORED_MESSAGES = 50000;
const PROVIDERS = /** @type {Provider[]} */ (['twilio', 'meta', 'gateway']);

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

class Store {
	constructor() {
		this.startedAt = Date.now();
		/** The recorded requests, oldest first (the same array for the sandbox's whole life). @type {RecordedRequest[]} */
		this.requests = [];
		this.recordedBytes = 0;
		this.seq = 0;
		/** @type {Map<string, StoredMessage>} */
		this.messages = new Map();
		/** @type {Map<string, MetaMedia>} */
		this.metaMedia = new Map();
		this.metaMediaBytes = 0;
		/** @type {Map<string, TwilioMedia>} */
		this.twilioMedia = new Map();
		/** @type {Map<string, { uri: string, verifyToken?: string }>} */
		this.phoneWebhooks = new Map();
		/** @type {{ subscribed: boolean, overrideUri?: string, verifyToken?: string }} */
		this.wabaSubscription = { subscribed: true };
		/** @type {Record<Provider, ProviderCounts>} */
		this.counts = { twilio: zeroCounts(), meta: zeroCounts(), gateway: zeroCounts() };
		/** @type {Map<string, DuplicateMessage>} */
		this.idem = new Map();
		this.idemTruncated = false;
		this.callbacks = { sent: 0, failed: 0 };
		this.fired = 0;
	}

	/** Forgets everything but the start time (the requests array stays the same object). */
	reset() {
		this.clearRequests();
		this.counts = { twilio: zeroCounts(), meta: zeroCounts(), gateway: zeroCounts() };
		this.idem = new Map();
		this.idemTruncated = false;
		this.callbacks = { sent: 0, failed: 0 };
		this.fired = 0;
		this.messages.clear();
		this.metaMedia.clear();
		this.metaMediaBytes = 0;
		this.twilioMedia.clear();
		this.phoneWebhooks.clear();
		this.wabaSubscription = { subscribed: true };
	}

	clearRequests() {
		this.requests.length = 0;
		this.recordedBytes = 0;
	}

	/** @param {RecordedRequest} rec @param {number} maxRecorded */
	pushRecord(rec, maxRecorded) {
		const requests = this.requests;
		requests.push(rec);
		this.recordedBytes += rec.rawBody.length;
		const cap = Math.max(1, maxRecorded);
		// Trim in batches so that a long run stays O(1) per request.
		if (requests.length > cap + Math.max(1, Math.floor(cap / 10)) || this.recordedBytes > MAX_RECORDED_BYTES) {
			let drop = Math.max(0, requests.length - cap);
			while (this.recordedBytes > MAX_RECORDED_BYTES * 0.9 && drop < requests.length - 1) drop++;
			this.dropOldest(drop);
		}
	}

	/** Keeps at most maxRecorded requests. @param {number} maxRecorded */
	trimRequests(maxRecorded) {
		if (this.requests.length > maxRecorded) this.dropOldest(this.requests.length - maxRecorded);
	}

	/** @param {number} drop */
	dropOldest(drop) {
		if (drop <= 0) return;
		for (let i = 0; i < drop; i++) this.recordedBytes -= this.requests[i].rawBody.length;
		this.requests.splice(0, drop);
	}

	/** @param {StoredMessage} m */
	storeMessage(m) {
		this.messages.set(m.id, m);
		if (this.messages.size > MAX_STORED_MESSAGES) {
			const oldest = this.messages.keys().next().value;
			if (oldest !== undefined) this.messages.delete(oldest);
		}
	}

	/**
	 * Counts an accepted message for duplicate detection.
	 * @param {Provider} provider @param {string} sender @param {string} to @param {string} content
	 */
	countIdempotency(provider, sender, to, content) {
		const key = crypto.createHash('sha1').update(`${provider}\n${sender}\n${to}\n${content}`).digest('base64');
		const e = this.idem.get(key);
		if (e) e.count++;
		else if (this.idem.size < MAX_IDEMPOTENCY_KEYS) this.idem.set(key, { provider, sender, to, preview: content.slice(0, 120), count: 1 });
		else this.idemTruncated = true;
	}

	/** @returns {SandboxStats} */
	stats() {
		const counts = this.counts;
		const total = zeroCounts();
		for (const p of PROVIDERS) {
			for (const k of /** @type {(keyof ProviderCounts)[]} */ (Object.keys(total))) total[k] += counts[p][k];
		}
		const duplicateKeys = [...this.idem.values()]
			.filter((e) => e.count > 1)
			.sort((a, b) => b.count - a.count)
			.slice(0, 100)
			.map((e) => ({ ...e }));
		return {
			...total,
			providers: { twilio: { ...counts.twilio }, meta: { ...counts.meta }, gateway: { ...counts.gateway } },
			messages: { unique: this.idem.size, duplicates: total.accepted - this.idem.size, duplicateKeys, truncated: this.idemTruncated },
			callbacks: { ...this.callbacks },
			fired: this.fired,
			recorded: this.requests.length,
			startedAt: this.startedAt,
		};
	}
}

module.exports = { Store, PROVIDERS };
