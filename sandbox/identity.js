'use strict';

/**
 * WhatsApp usernames and business-scoped user IDs (BSUIDs) in the Meta stand-in's webhooks: the
 * identities of users who have a BSUID (with or without a phone number), and the ID-change events.
 *
 * Payload shapes as Meta documents them ("Business-scoped user IDs", WhatsApp Business Platform,
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids/,
 * and "System messages webhook reference", seen 2026-12-01); test/fixtures/identity/ holds the
 * documented payloads with their sources.
 *   - messages: contacts[].user_id, contacts[].parent_user_id, contacts[].profile.username;
 *     messages[].from_user_id, from_parent_user_id; `from` and `wa_id` omitted without the phone number
 *   - statuses: recipient_user_id, recipient_parent_user_id; recipient_id omitted without the phone number
 *   - field user_id_update: user_id_update[] { wa_id?, detail, user_id: { previous, current }, timestamp }
 *   - system message user_changed_user_id: system { body, user_id, type }, no contacts, no phone number
 */

const util = require('./util');

/** @typedef {import('./types').FireOptions} FireOptions */

const DEFAULT_USER_ID = 'US.13491208655302741918';

/**
 * The Meta payload of `fire`, with the user's identities added where the options ask for them
 * (`userId`, `parentUserId`, `username`, `withoutPhone`), or an ID-change event (kind
 * 'user_id_update' / 'user_changed_user_id'). Without any of these, `build`'s payload as it is.
 * @param {any} ctx
 * @param {FireOptions} o
 * @param {(ctx: any, o: FireOptions) => any} build the plain payload builder (webhooks.js)
 */
function metaPayload(ctx, o, build) {
	if (o.kind === 'user_id_update' || o.kind === 'user_changed_user_id') return identityChange(ctx, o, build);
	const payload = build(ctx, o);
	if (o.userId === undefined && o.parentUserId === undefined && o.username === undefined && !o.withoutPhone) return payload;
	const value = payload.entry[0].changes[0].value;
	const userId = o.userId ?? DEFAULT_USER_ID;
	for (const contact of value.contacts ?? []) {
		contact.user_id = userId;
		if (o.parentUserId) contact.parent_user_id = o.parentUserId;
		if (o.username) contact.profile = { ...contact.profile, username: o.username };
		if (o.withoutPhone) delete contact.wa_id;
	}
	for (const message of value.messages ?? []) {
		message.from_user_id = userId;
		if (o.parentUserId) message.from_parent_user_id = o.parentUserId;
		if (o.withoutPhone) delete message.from;
	}
	for (const status of value.statuses ?? []) {
		status.recipient_user_id = userId;
		if (o.parentUserId) status.recipient_parent_user_id = o.parentUserId;
		if (o.withoutPhone) delete status.recipient_id;
	}
	// Sent, delivered and read statuses carry the user in a contacts list (failed ones do not); the
	// username only in delivered and read ones.
	const statuses = value.statuses ?? [];
	if (statuses.length > 0 && !value.contacts && statuses.some((/** @type {any} */ s) => s.status !== 'failed')) {
		/** @type {Record<string, unknown>} */
		const contact = { user_id: userId };
		if (!o.withoutPhone) contact.wa_id = String(o.to ?? '16505551234').replace(/\D/g, '');
		if (o.parentUserId) contact.parent_user_id = o.parentUserId;
		if (o.username && statuses.some((/** @type {any} */ s) => s.status === 'delivered' || s.status === 'read')) contact.profile = { username: o.username };
		value.contacts = [contact];
	}
	return payload;
}

/**
 * @param {any} ctx
 * @param {FireOptions} o
 * @param {(ctx: any, o: FireOptions) => any} build
 */
function identityChange(ctx, o, build) {
	const base = build(ctx, { ...o, kind: 'message' });
	const change = base.entry[0].changes[0];
	const { metadata } = change.value;
	const previous = o.previousUserId ?? DEFAULT_USER_ID;
	const current = o.userId ?? 'US.24817305912873645029';
	const ts = String(o.timestamp ?? Math.floor(Date.now() / 1000));
	const name = o.name ?? 'Sheena Nelson';
	const phone = o.withoutPhone ? undefined : String(o.from ?? '16505551234').replace(/\D/g, '');
	if (o.kind === 'user_id_update') {
		/** @type {Record<string, unknown>} */
		const update = { detail: `User id for ${name} has been updated.`, user_id: { previous, current }, timestamp: ts };
		if (phone) update.wa_id = phone;
		/** @type {Record<string, unknown>} */
		const value = { messaging_product: 'whatsapp', metadata, user_id_update: [update] };
		if (phone) value.contacts = [{ profile: { name }, wa_id: phone }];
		change.value = value;
		change.field = 'user_id_update';
		return base;
	}
	change.value = {
		messaging_product: 'whatsapp',
		metadata,
		messages: [
			{
				id: o.id ?? util.wamid(current.replace(/\D/g, '')),
				timestamp: ts,
				type: 'system',
				system: { body: `User ${name} changed from ${previous} to ${current}`, user_id: current, type: 'user_changed_user_id' },
			},
		],
	};
	return base;
}

module.exports = { metaPayload, DEFAULT_USER_ID };
