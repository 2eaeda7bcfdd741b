// @ts-check
'use strict';

/*
 * The playground phone's model (pure, no I/O): what a business sent, read from the provider request
 * the sandbox accepted, as one provider-neutral "bubble" the page renders as WhatsApp does. Templates
 * are filled in from the sandbox's template library (templates.js) and the Twilio account's content.
 *
 * A bubble's content is one of:
 *   { kind: 'text', text, previewUrl? }
 *   { kind: 'media', mediaType: image|video|audio|document|sticker, caption?, filename?, url?, mediaId? }
 *   { kind: 'template', name, language, known, header?: { format, text? }, body, footer?, buttons: [{ type, text, id? }], cards? }
 *   { kind: 'interactive', subtype: 'button'|'list'|'cta_url', header?, body, footer?, buttons: [{ id, title }], list?: { button, sections }, url? }
 *   { kind: 'location', latitude, longitude, name?, address? }
 *   { kind: 'contacts', contacts: [{ name, phones: string[] }] }
 *   { kind: 'reaction', messageId, emoji } (shown on the reacted bubble, not as a bubble)
 *   { kind: 'markRead', messageId, typing } (ticks of the customer's message, and the typing indicator)
 */

const { META_TEMPLATES } = require('./templates');

/** @typedef {Record<string, any>} Json */

/** @param {unknown} v @returns {v is Json} */
const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** @param {unknown} v */
const first = (v) => (Array.isArray(v) ? v[0] : v);
/** @param {unknown} v */
const str = (v) => (v === undefined || v === null ? undefined : String(v));

/**
 * Replaces {{1}} / {{name}} with values; unknown placeholders stay as they are.
 * @param {string | undefined} text @param {Record<string, string>} values
 */
function fill(text, values) {
	if (text === undefined) return undefined;
	return String(text).replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (all, key) => (values[key] !== undefined ? values[key] : all));
}

/**
 * The values of a Meta template component's parameters: { '1': …, '2': … } and by parameter_name.
 * @param {Json | undefined} component
 */
function metaValues(component) {
	/** @type {Record<string, string>} */
	const values = {};
	const params = Array.isArray(component?.parameters) ? component.parameters : [];
	params.forEach((/** @type {Json} */ p, /** @type {number} */ i) => {
		let v;
		if (p.type === 'text') v = p.text;
		else if (p.type === 'currency') v = p.currency?.fallback_value;
		else if (p.type === 'date_time') v = p.date_time?.fallback_value;
		else if (p.type === 'payload') v = p.payload;
		else v = p[p.type]?.link ?? p[p.type]?.id ?? p.type;
		values[String(i + 1)] = String(v ?? '');
		if (p.parameter_name) values[p.parameter_name] = String(v ?? '');
	});
	return values;
}

/**
 * A Meta template send, filled in from the library (or, for a template the sandbox does not know,
 * its name with the parameters given).
 * @param {Json} template the request's `template` object
 */
function metaTemplate(template) {
	const language = template.language?.code ?? template.language;
	const given = Array.isArray(template.components) ? template.components : [];
	const part = (/** @type {string} */ type) => given.find((/** @type {Json} */ c) => String(c?.type).toLowerCase() === type);
	const buttonAt = (/** @type {number} */ index) => given.find((/** @type {Json} */ c) => String(c?.type).toLowerCase() === 'button' && Number(c.index) === index);
	const known = META_TEMPLATES.find((t) => t.name === template.name && t.language === language);
	const bodyValues = metaValues(part('body'));
	/** @type {Json} */
	const out = { kind: 'template', name: String(template.name ?? ''), language: String(language ?? ''), known: Boolean(known), buttons: [] };
	if (!known) {
		out.body = Object.values(metaValues(part('body'))).join(' · ');
		const headerValues = Object.values(metaValues(part('header')));
		if (headerValues.length) out.header = { format: 'TEXT', text: headerValues.join(' ') };
		for (const b of given.filter((/** @type {Json} */ c) => String(c?.type).toLowerCase() === 'button')) {
			const v = metaValues(b)['1'];
			out.buttons.push({ type: String(b.sub_type ?? 'quick_reply').toUpperCase(), text: v ?? String(b.sub_type ?? 'button'), id: b.sub_type === 'quick_reply' ? v : undefined });
		}
		return out;
	}
	/** @param {Json[]} components @param {(i: number) => Json | undefined} buttonOf @param {Record<string, string>} values @param {Json | undefined} headerPart */
	const build = (components, buttonOf, values, headerPart) => {
		/** @type {Json} */
		const o = { buttons: [] };
		for (const c of components) {
			if (c.type === 'HEADER') {
				if (c.format === 'TEXT') o.header = { format: 'TEXT', text: fill(c.text, metaValues(headerPart)) };
				else {
					const p = first(headerPart?.parameters);
					const media = p ? p[String(c.format).toLowerCase()] : undefined;
					o.header = { format: c.format, url: media?.link, filename: media?.filename, location: c.format === 'LOCATION' ? p?.location : undefined };
				}
			} else if (c.type === 'LIMITED_TIME_OFFER') {
				// The offer's text, and its end when the template shows it (the send's expiration_time_ms).
				const ms = first(part('limited_time_offer')?.parameters)?.limited_time_offer?.expiration_time_ms;
				o.offer = { text: String(c.limited_time_offer?.text ?? ''), ...(c.limited_time_offer?.has_expiration && Number.isFinite(ms) ? { endsAt: new Date(ms).toISOString() } : {}) };
			} else if (c.type === 'BODY') o.body = fill(c.text, values);
			else if (c.type === 'FOOTER') o.footer = c.text;
			else if (c.type === 'BUTTONS') {
				c.buttons.forEach((/** @type {Json} */ b, /** @type {number} */ i) => {
					const param = buttonOf(i);
					const v = metaValues(param)['1'];
					if (b.type === 'QUICK_REPLY') o.buttons.push({ type: 'QUICK_REPLY', text: b.text, id: v ?? b.text });
					else if (b.type === 'URL') o.buttons.push({ type: 'URL', text: b.text, url: fill(b.url, v !== undefined ? { 1: v } : {}) });
					else if (b.type === 'COPY_CODE') o.buttons.push({ type: 'COPY_CODE', text: 'Copy offer code', code: v });
					else if (b.type === 'OTP') o.buttons.push({ type: 'OTP', text: b.text ?? 'Copy code', code: bodyValues['1'] });
					else if (b.type === 'CATALOG') o.buttons.push({ type: 'CATALOG', text: b.text ?? 'View catalog', code: param?.parameters?.[0]?.action?.thumbnail_product_retailer_id });
					else o.buttons.push({ type: String(b.type), text: b.text ?? String(b.type) });
				});
			}
		}
		return o;
	};
	Object.assign(out, build(known.components, buttonAt, bodyValues, part('header')));
	const carousel = known.components.find((c) => c.type === 'CAROUSEL');
	if (carousel) {
		const cards = Array.isArray(part('carousel')?.cards) ? part('carousel').cards : [];
		out.cards = carousel.cards.map((/** @type {Json} */ card, /** @type {number} */ index) => {
			const sent = cards.find((/** @type {Json} */ c) => Number(c?.card_index) === index);
			const comps = Array.isArray(sent?.components) ? sent.components : [];
			const cardPart = (/** @type {string} */ type) => comps.find((/** @type {Json} */ c) => String(c?.type).toLowerCase() === type);
			const cardButton = (/** @type {number} */ i) => comps.find((/** @type {Json} */ c) => String(c?.type).toLowerCase() === 'button' && Number(c.index) === i);
			return build(card.components, cardButton, metaValues(cardPart('body')), cardPart('header'));
		});
	}
	return out;
}

/**
 * A Meta interactive object.
 * @param {Json} i
 */
function metaInteractive(i) {
	const header = i.header?.type === 'text' ? i.header.text : i.header ? `[${i.header.type}]` : undefined;
	/** @type {Json} */
	const out = { kind: 'interactive', subtype: i.type, header, body: i.body?.text ?? '', footer: i.footer?.text, buttons: [] };
	if (i.type === 'button') {
		out.buttons = (i.action?.buttons ?? []).map((/** @type {Json} */ b) => ({ id: String(b.reply?.id ?? ''), title: String(b.reply?.title ?? '') }));
	} else if (i.type === 'list') {
		out.list = {
			button: String(i.action?.button ?? 'Choose'),
			sections: (i.action?.sections ?? []).map((/** @type {Json} */ s) => ({
				title: s.title,
				rows: (s.rows ?? []).map((/** @type {Json} */ r) => ({ id: String(r.id), title: String(r.title), description: r.description })),
			})),
		};
	} else if (i.type === 'cta_url') {
		out.buttons = [{ id: '', title: String(i.action?.parameters?.display_text ?? 'Open'), url: i.action?.parameters?.url }];
	}
	return out;
}

/**
 * The content of a Meta /messages request body.
 * @param {Json} b
 * @returns {Json}
 */
function fromMeta(b) {
	if (b.status === 'read') return { kind: 'markRead', messageId: String(b.message_id ?? ''), typing: Boolean(b.typing_indicator) };
	const type = String(b.type ?? 'text');
	const o = isObj(b[type]) ? b[type] : {};
	switch (type) {
		case 'text':
			return { kind: 'text', text: String(o.body ?? ''), previewUrl: Boolean(o.preview_url) };
		case 'image':
		case 'video':
		case 'audio':
		case 'document':
		case 'sticker':
			return { kind: 'media', mediaType: type, caption: o.caption, filename: o.filename, url: o.link, mediaId: o.id };
		case 'template':
			return metaTemplate(o);
		case 'interactive':
			return metaInteractive(o);
		case 'location':
			return { kind: 'location', latitude: Number(o.latitude), longitude: Number(o.longitude), name: o.name, address: o.address };
		case 'contacts':
			return {
				kind: 'contacts',
				contacts: (Array.isArray(b.contacts) ? b.contacts : []).map((/** @type {Json} */ c) => ({
					name: c.name?.formatted_name ?? '',
					phones: (c.phones ?? []).map((/** @type {Json} */ p) => String(p.phone ?? p.wa_id ?? '')),
				})),
			};
		case 'reaction':
			return { kind: 'reaction', messageId: String(o.message_id ?? ''), emoji: String(o.emoji ?? '') };
		default:
			return { kind: 'text', text: `[${type} message]` };
	}
}

/**
 * A Twilio Content API item with its variables filled in.
 * @param {Json | undefined} item @param {Record<string, string>} variables @param {string} sid
 */
function twilioContent(item, variables, sid) {
	if (!item) return { kind: 'template', name: sid, language: '', known: false, body: Object.values(variables).join(' · '), buttons: [] };
	const values = { ...(item.variables ?? {}), ...variables };
	const types = item.types ?? {};
	const [type] = Object.keys(types);
	const t = types[type] ?? {};
	/** @type {Json} */
	const out = { kind: 'template', name: String(item.friendly_name ?? sid), language: String(item.language ?? ''), known: true, body: fill(t.body, values) ?? '', buttons: [] };
	if (type === 'twilio/quick-reply') out.buttons = (t.actions ?? []).map((/** @type {Json} */ a) => ({ type: 'QUICK_REPLY', text: fill(a.title, values), id: fill(a.id, values) }));
	else if (type === 'twilio/call-to-action') out.buttons = (t.actions ?? []).map((/** @type {Json} */ a) => ({ type: String(a.type ?? 'URL'), text: fill(a.title, values), url: fill(a.url, values) }));
	else if (type === 'twilio/list-picker') {
		out.list = { button: fill(t.button, values) ?? 'Choose', sections: [{ rows: (t.items ?? []).map((/** @type {Json} */ r) => ({ id: fill(r.id, values), title: fill(r.item, values), description: fill(r.description, values) })) }] };
	} else if (type === 'twilio/media') out.header = { format: 'IMAGE', url: (t.media ?? [])[0] };
	return out;
}

/**
 * The content of a Twilio Messages.json request (form parameters).
 * @param {Json} params @param {(sid: string) => Json | undefined} contentOf
 * @returns {Json}
 */
function fromTwilio(params, contentOf) {
	const sid = str(first(params.ContentSid));
	if (sid) {
		/** @type {Record<string, string>} */
		let variables = {};
		try {
			const parsed = JSON.parse(String(first(params.ContentVariables) ?? '{}'));
			if (isObj(parsed)) variables = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
		} catch {
			variables = {};
		}
		return twilioContent(contentOf(sid), variables, sid);
	}
	const geo = /^geo:(-?[\d.]+),(-?[\d.]+)(?:\|(.*))?$/.exec(String(first(params.PersistentAction) ?? ''));
	if (geo) return { kind: 'location', latitude: Number(geo[1]), longitude: Number(geo[2]), name: geo[3] || undefined };
	/** @type {unknown[]} */
	const media = params.MediaUrl === undefined ? [] : [].concat(params.MediaUrl);
	const body = str(first(params.Body));
	if (media.length > 0) {
		const url = String(media[0]);
		return { kind: 'media', mediaType: mediaTypeOfUrl(url), caption: body || undefined, url, filename: url.split('/').pop() };
	}
	return { kind: 'text', text: body ?? '' };
}

/** @param {string} url */
function mediaTypeOfUrl(url) {
	const ext = (/\.([a-z0-9]+)(?:\?|#|$)/i.exec(url)?.[1] ?? '').toLowerCase();
	if (['jpg', 'jpeg', 'png', 'gif'].includes(ext)) return 'image';
	if (ext === 'webp') return 'sticker';
	if (['mp4', '3gp', 'mov'].includes(ext)) return 'video';
	if (['mp3', 'ogg', 'opus', 'aac', 'm4a', 'amr'].includes(ext)) return 'audio';
	return ext ? 'document' : 'image';
}

/**
 * The content of the provider-neutral message ({{message}} of a gateway's body template), or of a
 * gateway body without it (its text).
 * @param {Json} body
 * @returns {Json}
 */
function fromGateway(body) {
	const m = isObj(body.message) ? body.message : undefined;
	if (!m) return { kind: 'text', text: String(body.text ?? body.body ?? JSON.stringify(body)) };
	switch (m.type) {
		case 'text':
			return { kind: 'text', text: String(m.text?.body ?? ''), previewUrl: Boolean(m.text?.previewUrl) };
		case 'media':
			return { kind: 'media', mediaType: m.media?.type ?? 'document', caption: m.media?.caption, filename: m.media?.fileName, url: m.media?.url, mediaId: m.media?.id };
		case 'template': {
			const t = m.template ?? {};
			/** @type {Json} */
			const components = [];
			if (Array.isArray(t.body)) components.push({ type: 'body', parameters: t.body.map((/** @type {Json} */ p) => ({ type: 'text', text: p.text ?? p.fallback, parameter_name: p.name })) });
			if (t.header?.type === 'text') components.push({ type: 'header', parameters: [{ type: 'text', text: t.header.text }] });
			for (const b of t.buttons ?? []) if (b.type === 'quick_reply') components.push({ type: 'button', sub_type: 'quick_reply', index: b.index, parameters: [{ type: 'payload', payload: b.payload }] });
			if (t.name) return metaTemplate({ name: t.name, language: { code: t.language }, components });
			return { kind: 'template', name: String(t.contentSid ?? 'template'), language: '', known: false, body: Object.values(t.variables ?? {}).join(' · '), buttons: [] };
		}
		case 'interactive': {
			const i = m.interactive ?? {};
			return {
				kind: 'interactive',
				subtype: i.type,
				header: i.header,
				body: String(i.body ?? ''),
				footer: i.footer,
				buttons: (i.buttons ?? []).map((/** @type {Json} */ b) => ({ id: String(b.id), title: String(b.title) })),
				list: i.list,
			};
		}
		case 'location':
			return { kind: 'location', ...m.location };
		case 'contacts':
			return { kind: 'contacts', contacts: (m.contacts ?? []).map((/** @type {Json} */ c) => ({ name: c.formattedName, phones: c.phone ? [c.phone] : [] })) };
		case 'reaction':
			return { kind: 'reaction', messageId: String(m.reaction?.messageId ?? ''), emoji: String(m.reaction?.emoji ?? '') };
		default:
			return { kind: 'text', text: String(m.text?.body ?? body.text ?? '') };
	}
}

/** A short preview of a content, for the chat list and quotes. @param {Json | undefined} c */
function preview(c) {
	if (!c) return '';
	switch (c.kind) {
		case 'text':
			return c.text;
		case 'media': {
			const name = { image: 'Photo', video: 'Video', audio: 'Audio', document: c.filename ?? 'Document', sticker: 'Sticker' }[/** @type {'image'} */ (c.mediaType)] ?? String(c.mediaType);
			return `${name}${c.caption ? ': ' + c.caption : ''}`;
		}
		case 'template':
		case 'interactive':
			return c.body || c.header?.text || c.name || '';
		case 'location':
			return `Location: ${c.name ?? `${c.latitude}, ${c.longitude}`}`;
		case 'contacts':
			return `Contact: ${(c.contacts ?? []).map((/** @type {Json} */ x) => x.name).join(', ')}`;
		case 'reaction':
			return `Reacted ${c.emoji}`;
		default:
			return '';
	}
}

module.exports = { fill, metaTemplate, metaInteractive, fromMeta, fromTwilio, twilioContent, fromGateway, preview, mediaTypeOfUrl };
