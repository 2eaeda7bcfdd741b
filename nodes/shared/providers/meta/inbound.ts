import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { reject, unauthorized, type InboundEvent, type InboundNote, type InboundRequest, type InboundResult } from '../../inbound';
import { contentType, header, parseJsonBody, rawBytes, type ParseResult } from '../../requestBody';
import { hmacHex, safeEqual } from '../../signatures';
import { compact, isoFromUnixSeconds, listOf } from '../../values';
import { metaCredentials, type MetaCredentials } from './connection';

/* ------------------------------------------------------------------------------------------------
 * Inbound: the webhook handshake, X-Hub-Signature-256, and the WebhookPayload of the v23.0 spec.
 * ---------------------------------------------------------------------------------------------- */

/** Fields of a WhatsApp Business Account webhook that are not messages/statuses but are real. */
const META_UPDATE_FIELDS = new Set([
	'account_alerts',
	'account_review_update',
	'account_update',
	'business_capability_update',
	'business_status_update',
	'calls',
	'flows',
	'group_lifecycle_update',
	'group_participants_update',
	'group_settings_update',
	'group_status_update',
	'history',
	'message_echoes',
	'message_template_components_update',
	'message_template_quality_update',
	'message_template_status_update',
	'partner_solutions',
	'payment_configuration_update',
	'phone_number_name_update',
	'phone_number_quality_update',
	'security',
	'smb_app_state_sync',
	'smb_message_echoes',
	'template_category_update',
	'tracking_events',
	'user_preferences',
]);

/** GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… : echo the challenge only for our token. */
export function metaHandshake(request: InboundRequest, verifyToken: string): InboundResult {
	const mode = String(request.query['hub.mode'] ?? '');
	const token = String(request.query['hub.verify_token'] ?? '');
	const challenge = String(request.query['hub.challenge'] ?? '');
	if (mode !== 'subscribe' || !verifyToken || !safeEqual(token, verifyToken) || !challenge) {
		return reject(403, 'Forbidden', 'the verify token of the handshake does not match the connection\'s Verify Token');
	}
	// Meta's challenge is a number; anything else is not echoed (no reflected content from this URL).
	if (!/^[0-9]{1,64}$/.test(challenge)) return reject(400, 'Bad challenge', 'the handshake\'s hub.challenge is not plain digits');
	return { kind: 'respond', status: 200, body: challenge, contentType: 'text/plain' };
}

/** `sha256=` + hex HMAC-SHA256 of the exact body bytes with the App Secret, compared timing-safe. */
export function verifyMetaSignature(rawBody: Buffer, signatureHeader: string | undefined, appSecret: string): boolean {
	if (!signatureHeader || !appSecret) return false;
	const expected = `sha256=${hmacHex('sha256', appSecret, rawBody)}`;
	return safeEqual(signatureHeader.trim().toLowerCase(), expected);
}

/**
 * A user as Meta's webhooks describe them (Meta, "Business-scoped user IDs", WhatsApp Business
 * Platform, seen 2026-12-01): `wa_id` only when the phone number may be shared, `user_id` (BSUID)
 * always, `parent_user_id` where parent BSUIDs are enabled, `profile.username` once one is set.
 */
type MetaContact = { profile?: { name?: string; username?: string }; wa_id?: string; user_id?: string; parent_user_id?: string };

type MetaValue = {
	metadata?: { display_phone_number?: string; phone_number_id?: string };
	contacts?: MetaContact[];
	user_id_update?: Array<Record<string, unknown>>;
	messages?: Array<Record<string, unknown>>;
	statuses?: Array<Record<string, unknown>>;
	errors?: Array<Record<string, unknown>>;
};

const plus = (digits: unknown) => (typeof digits === 'string' && digits ? (digits.startsWith('+') ? digits : `+${digits}`) : undefined);

function metaErrors(list: unknown): InboundEvent['errors'] {
	if (!Array.isArray(list) || list.length === 0) return undefined;
	return list.map((entry: Record<string, unknown>) =>
		compact({
			code: entry.code as number | undefined,
			title: entry.title as string | undefined,
			message: entry.message as string | undefined,
			details: (entry.error_data as { details?: string } | undefined)?.details,
		}),
	);
}

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

/** The contact of `value` for this user: by phone number or BSUID, else the first. */
function contactOf(value: MetaValue, phone: unknown, userId: unknown): MetaContact | undefined {
	const contacts = listOf<MetaContact>(value.contacts);
	return (
		contacts.find((candidate) => (phone !== undefined && candidate.wa_id === phone) || (userId !== undefined && candidate.user_id === userId)) ??
		contacts[0]
	);
}

/** `user_changed_user_id` (a system message): Meta gives the new BSUID in system.user_id, the old one only in its body. */
function previousUserIdOf(system: Record<string, unknown> | undefined): string | undefined {
	const match = /changed from (\S+) to (\S+)/.exec(String(system?.body ?? ''));
	return match && /^[A-Z]{2}\./.test(match[1]) ? match[1] : undefined;
}

function metaMessage(message: Record<string, unknown>, value: MetaValue): InboundEvent {
	const type = String(message.type ?? 'unknown');
	const contact = contactOf(value, message.from, message.from_user_id);
	const context = message.context as { id?: string; from?: string } | undefined;
	const event: InboundEvent = {
		provider: 'meta',
		event: 'message',
		messageId: message.id as string | undefined,
		from: plus(message.from ?? contact?.wa_id),
		to: plus(value.metadata?.display_phone_number),
		profileName: contact?.profile?.name,
		userId: text(message.from_user_id) ?? text(contact?.user_id),
		parentUserId: text(message.from_parent_user_id) ?? text(contact?.parent_user_id),
		username: text(contact?.profile?.username),
		timestamp: isoFromUnixSeconds(message.timestamp),
		type,
		context: context?.id ? compact({ messageId: context.id, from: plus(context.from) }) : undefined,
		errors: metaErrors(message.errors),
		account: value.metadata?.phone_number_id,
		raw: message,
	};
	const content = message[type] as Record<string, unknown> | undefined;
	switch (type) {
		case 'text':
			event.text = (content?.body as string) ?? '';
			break;
		case 'image':
		case 'video':
		case 'audio':
		case 'document':
		case 'sticker':
			event.media = compact({
				id: content?.id as string | undefined,
				url: content?.url as string | undefined,
				mimeType: content?.mime_type as string | undefined,
				caption: content?.caption as string | undefined,
				filename: content?.filename as string | undefined,
				sha256: content?.sha256 as string | undefined,
			});
			event.text = content?.caption as string | undefined;
			break;
		case 'location':
			event.location = compact({
				latitude: content?.latitude as number | undefined,
				longitude: content?.longitude as number | undefined,
				name: content?.name as string | undefined,
				address: content?.address as string | undefined,
				url: content?.url as string | undefined,
			});
			break;
		case 'button':
			event.reply = compact({ id: content?.payload as string | undefined, title: content?.text as string | undefined });
			event.text = content?.text as string | undefined;
			break;
		case 'interactive': {
			const kind = String(content?.type ?? '');
			const reply = content?.[kind] as Record<string, unknown> | undefined;
			if (kind === 'nfm_reply') {
				event.reply = compact({ id: reply?.name as string | undefined, title: reply?.body as string | undefined });
				event.text = reply?.response_json as string | undefined;
			} else {
				event.reply = compact({
					id: reply?.id as string | undefined,
					title: reply?.title as string | undefined,
					description: reply?.description as string | undefined,
				});
				event.text = reply?.title as string | undefined;
			}
			event.type = kind || 'interactive';
			break;
		}
		case 'reaction':
			event.reaction = compact({ messageId: content?.message_id as string | undefined, emoji: content?.emoji as string | undefined });
			event.text = content?.emoji as string | undefined;
			break;
		case 'contacts': {
			const cards = listOf<{ name?: { formatted_name?: string }; phones?: Array<{ phone?: string }> }>(message.contacts);
			if (message.origin === 'contact_request') {
				// The user tapped a REQUEST_CONTACT_INFO button and shared their own phone number.
				event.type = 'contact_request';
				event.text = cards.flatMap((card) => listOf<{ phone?: string }>(card.phones).map((phone) => phone.phone)).filter(Boolean).join(', ');
			} else {
				event.text = cards.map((card) => card.name?.formatted_name).filter(Boolean).join(', ');
			}
			break;
		}
		case 'order':
			event.text = (content?.text as string) || undefined;
			break;
		case 'system':
			event.text = content?.body as string | undefined;
			if (content?.type === 'user_changed_user_id') {
				// An identity change (Trigger On: Identity Changes): the new BSUID, and the old one when the body names it.
				event.event = 'identity';
				event.type = 'user_changed_user_id';
				event.previousUserId = previousUserIdOf(content);
				event.userId = text(content.user_id) ?? event.userId;
			}
			break;
		default:
			break;
	}
	return compact(event);
}

function metaStatus(status: Record<string, unknown>, value: MetaValue): InboundEvent {
	const errors = metaErrors(status.errors);
	const contact = contactOf(value, status.recipient_id, status.recipient_user_id);
	return compact({
		provider: 'meta',
		// A failed delivery is an error for "Trigger On": workflows that alert on failures need it.
		event: status.status === 'failed' ? 'error' : 'status',
		messageId: status.id as string | undefined,
		from: plus(value.metadata?.display_phone_number),
		to: plus(status.recipient_id ?? contact?.wa_id),
		userId: text(status.recipient_user_id) ?? text(contact?.user_id),
		parentUserId: text(status.recipient_parent_user_id) ?? text(contact?.parent_user_id),
		username: text(contact?.profile?.username),
		timestamp: isoFromUnixSeconds(status.timestamp),
		type: 'status',
		status: status.status as string | undefined,
		errors,
		account: value.metadata?.phone_number_id,
		raw: status,
	}) as InboundEvent;
}

/**
 * One entry of the `user_id_update` webhook field: a user's BSUID changed (`user_id.previous` →
 * `user_id.current`), with their phone number (`wa_id`) when it may be shared.
 */
function metaUserIdUpdate(update: Record<string, unknown>, value: MetaValue): InboundEvent {
	const ids = (update.user_id ?? {}) as { previous?: unknown; current?: unknown };
	const contact = contactOf(value, update.wa_id, ids.current);
	return compact({
		provider: 'meta',
		event: 'identity',
		type: 'user_id_update',
		from: plus(update.wa_id ?? contact?.wa_id),
		to: plus(value.metadata?.display_phone_number),
		profileName: contact?.profile?.name,
		userId: text(ids.current),
		previousUserId: text(ids.previous),
		parentUserId: text(contact?.parent_user_id),
		username: text(contact?.profile?.username),
		text: text(update.detail),
		timestamp: isoFromUnixSeconds(update.timestamp),
		account: value.metadata?.phone_number_id,
		raw: update,
	}) as InboundEvent;
}

/**
 * Turns a webhook payload into events. A body that is not a WhatsApp Business Account webhook at all
 * is rejected with 400; inside one, an unknown field or a malformed entry costs only itself: it is
 * skipped and noted (`skipped`), and the rest of the signed batch goes through.
 */
export function normaliseMetaPayload(payload: unknown, skipped: InboundNote[] = []): ParseResult<InboundEvent[]> {
	const body = payload as { object?: unknown; entry?: unknown };
	if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, status: 400, message: 'Body is not a JSON object' };
	if (body.object !== 'whatsapp_business_account') {
		return { ok: false, status: 400, message: 'Unknown object: expected "whatsapp_business_account"' };
	}
	if (!Array.isArray(body.entry)) return { ok: false, status: 400, message: 'Missing "entry" array' };
	const events: InboundEvent[] = [];
	(body.entry as Array<{ id?: string; changes?: unknown } | null>).forEach((entry, entryIndex) => {
		if (!entry || typeof entry !== 'object' || !Array.isArray(entry.changes)) {
			skipped.push({ level: 'warn', message: `skipped entry ${entryIndex}: it has no "changes" list` });
			return;
		}
		(entry.changes as unknown[]).forEach((received, changeIndex) => {
			const change = (received && typeof received === 'object' ? received : {}) as { field?: unknown; value?: unknown };
			const field = typeof change.field === 'string' ? change.field : '';
			const where = `entry ${entryIndex}, change ${changeIndex}`;
			if (!change.value || typeof change.value !== 'object' || Array.isArray(change.value)) {
				skipped.push({ level: 'warn', message: `skipped ${where} (field "${field.slice(0, 60)}"): its value is not an object` });
				return;
			}
			const value = change.value as MetaValue;
			try {
				if (field === 'messages') {
					const found: InboundEvent[] = [];
					for (const message of listOf(value.messages)) found.push(metaMessage(message, value));
					for (const status of listOf(value.statuses)) found.push(metaStatus(status, value));
					if (listOf(value.errors).length > 0) {
						found.push(compact({ provider: 'meta', event: 'error', type: 'error', errors: metaErrors(value.errors), account: value.metadata?.phone_number_id, raw: value }) as InboundEvent);
					}
					events.push(...found);
				} else if (field === 'user_id_update') {
					for (const update of listOf<Record<string, unknown>>(value.user_id_update)) events.push(metaUserIdUpdate(update, value));
				} else if (META_UPDATE_FIELDS.has(field)) {
					events.push(
						compact({
							provider: 'meta',
							event: 'update',
							type: field,
							account: value.metadata?.phone_number_id,
							businessAccount: value.metadata?.phone_number_id ? undefined : entry.id,
							timestamp: isoFromUnixSeconds((value as { timestamp?: unknown }).timestamp),
							raw: value,
						}) as InboundEvent,
					);
				} else {
					skipped.push({ level: 'info', message: `skipped ${where}: unknown field "${field.slice(0, 60)}" (not handled by this version of the node)` });
				}
			} catch (error) {
				skipped.push({ level: 'warn', message: `skipped ${where} (field "${field.slice(0, 60)}"): ${(error as Error).message}` });
			}
		});
	});
	return { ok: true, value: events };
}

/** Whether the event belongs to the numbers (and WhatsApp Business Account) this trigger takes. */
function takes(event: InboundEvent, credentials: MetaCredentials, scope: PhoneNumberScope): boolean {
	if (!event.account) {
		// Account-level updates: only of the connection's own WhatsApp Business Account. Without a WABA
		// ID there is no telling which business an update belongs to, so none is taken.
		return Boolean(event.businessAccount && credentials.wabaId && event.businessAccount === credentials.wabaId);
	}
	if (scope === 'all') return true;
	if (Array.isArray(scope)) return scope.includes(event.account);
	return event.account === credentials.phoneNumberId;
}

/** Which Meta phone numbers a trigger takes: the connection's own, every number of the app, or these IDs. */
export type PhoneNumberScope = 'connection' | 'all' | string[];

export function handleMetaInbound(request: InboundRequest, stored: ICredentialDataDecryptedObject, options: { phoneNumbers?: PhoneNumberScope } = {}): InboundResult {
	const credentials = metaCredentials(stored);
	if (request.method === 'GET') return metaHandshake(request, credentials.verifyToken);
	if (!credentials.appSecret) {
		return unauthorized('the Meta connection has no App Secret, so no request can be verified: add it to the connection');
	}
	const bytes = rawBytes(request);
	if (!verifyMetaSignature(bytes, header(request, 'x-hub-signature-256'), credentials.appSecret)) {
		return unauthorized('missing or invalid X-Hub-Signature-256 (check the App Secret)');
	}
	if (contentType(request) !== 'application/json') return reject(415, 'Expected application/json');
	const parsed = parseJsonBody(bytes);
	if (!parsed.ok) return reject(parsed.status, parsed.message);
	const notes: InboundNote[] = [];
	const events = normaliseMetaPayload(parsed.value, notes);
	if (!events.ok) return reject(events.status, events.message);
	// Several numbers (and workflows) can share one Meta app: keep only the numbers this trigger takes,
	// and account-level updates only of this connection's WhatsApp Business Account.
	const scope = options.phoneNumbers ?? 'connection';
	const mine: InboundEvent[] = [];
	const otherNumbers = new Map<string, number>();
	let otherAccounts = 0;
	for (const event of events.value) {
		if (takes(event, credentials, scope)) {
			mine.push(scope === 'connection' || !event.account ? event : { ...event, phoneNumberId: event.account });
		} else if (event.account) otherNumbers.set(event.account, (otherNumbers.get(event.account) ?? 0) + 1);
		else otherAccounts += 1;
	}
	if (otherNumbers.size > 0) {
		const count = [...otherNumbers.values()].reduce((sum, n) => sum + n, 0);
		notes.push({
			level: 'debug',
			message: `skipped ${count} event(s) for other phone numbers of the app (${[...otherNumbers].map(([id, n]) => `${id}: ${n}`).join(', ')}); set the Phone Numbers option to take them`,
		});
	}
	if (otherAccounts > 0) {
		notes.push({
			level: 'debug',
			message: credentials.wabaId
				? `skipped ${otherAccounts} account-level update(s) of another WhatsApp Business Account than the connection's`
				: `skipped ${otherAccounts} account-level update(s): the connection has no WhatsApp Business Account ID, so they cannot be told apart from other businesses' updates`,
		});
	}
	return { kind: 'events', events: mine, ack: { status: 200, body: 'OK', contentType: 'text/plain' }, authenticated: true, notes };
}
