'use strict';
/*
 * The playground phone's renderer: a conversation's messages (phone-model.js's bubbles) as WhatsApp
 * shows them, as HTML strings. Pure (no DOM, no I/O), so that Node tests load it too: in the browser it
 * is window.PhoneRender, in Node module.exports.
 */
(function (root, factory) {
	const api = factory();
	if (typeof module === 'object' && module.exports) module.exports = api;
	else root.PhoneRender = api;
})(typeof self !== 'undefined' ? self : this, function () {

	/** @param {unknown} s */
	function esc(s) {
		return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
	}

	/**
	 * WhatsApp's formatting: *bold*, _italic_, ~strike~, ```mono``` and `inline code`, links; the text
	 * is escaped first, so only these tags come out.
	 * @param {string} text
	 */
	function formatText(text) {
		const blocks = [];
		let s = esc(text).replace(/```([\s\S]+?)```/g, (_, code) => {
			blocks.push(`<code class="mono">${code}</code>`);
			return `\uE000${blocks.length - 1}\uE000`;
		});
		s = s.replace(/`([^`\n]+)`/g, (_, code) => {
			blocks.push(`<code>${code}</code>`);
			return `\uE000${blocks.length - 1}\uE000`;
		});
		const edge = (mark) => new RegExp(`(^|[\\s(\\[{"'])\\${mark}(?=\\S)([^\\n]*?\\S)\\${mark}(?=$|[\\s.,!?;:)\\]}"'])`, 'g');
		s = s.replace(edge('*'), '$1<strong>$2</strong>');
		s = s.replace(edge('_'), '$1<em>$2</em>');
		s = s.replace(edge('~'), '$1<s>$2</s>');
		s = s.replace(/(^|[\s(])(https?:\/\/[^\s<]+[^\s<.,;:!?)])/g, '$1<a href="$2" target="_blank" rel="noopener noreferrer">$2</a>');
		s = s.replace(/\n/g, '<br>');
		return s.replace(/\uE000(\d+)\uE000/g, (_, i) => blocks[Number(i)]);
	}

	/** The first link of a text, for the link preview. @param {string} text */
	function firstLink(text) {
		const m = /https?:\/\/[^\s<]+[^\s<.,;:!?)]/.exec(String(text ?? ''));
		return m ? m[0] : undefined;
	}

	/** The ticks of a sent message: ✓ sent, ✓✓ delivered, blue ✓✓ read, ! failed, a clock before. @param {string} status */
	function ticks(status) {
		switch (status) {
			case 'sent':
				return { symbol: '✓', cls: 'sent', label: 'Sent' };
			case 'delivered':
				return { symbol: '✓✓', cls: 'delivered', label: 'Delivered' };
			case 'read':
				return { symbol: '✓✓', cls: 'read', label: 'Read' };
			case 'failed':
			case 'rejected':
			case 'error':
				return { symbol: '!', cls: 'failed', label: status === 'rejected' ? 'Refused by the provider' : status === 'error' ? 'The trigger did not take it' : 'Failed' };
			default:
				return { symbol: '◷', cls: 'pending', label: status === 'sending' ? 'Sending' : 'Accepted, no status yet' };
		}
	}

	/** @param {number} at */
	function time(at) {
		const d = new Date(at);
		return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
	}

	/** Small line icons (inline SVG: no emoji font or image file needed, nothing fetched). */
	const svg = (d, size = 16) => `<svg class="icon" width="${size}" height="${size}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${d}</svg>`;
	const ICONS = {
		clock: svg('<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>', 12),
		image: svg('<rect x="3" y="3" width="18" height="18" rx="2"/><circle cx="8.5" cy="8.5" r="1.5"/><path d="M21 15l-5-5L5 21"/>', 28),
		video: svg('<rect x="2" y="6" width="14" height="12" rx="2"/><path d="M22 8l-6 4 6 4z"/>', 28),
		audio: svg('<path d="M9 18V5l12-2v13"/><circle cx="6" cy="18" r="3"/><circle cx="18" cy="16" r="3"/>', 28),
		document: svg('<path d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z"/><path d="M14 2v6h6"/>', 28),
		sticker: svg('<circle cx="12" cy="12" r="9"/><path d="M8 14s1.5 2 4 2 4-2 4-2"/><path d="M9 9h.01M15 9h.01"/>', 28),
		pin: svg('<path d="M21 10c0 7-9 13-9 13S3 17 3 10a9 9 0 0 1 18 0z"/><circle cx="12" cy="10" r="3"/>', 28),
		contact: svg('<path d="M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2"/><circle cx="12" cy="7" r="4"/>', 22),
		link: svg('<path d="M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6"/><path d="M15 3h6v6"/><path d="M10 14L21 3"/>', 14),
		copy: svg('<rect x="9" y="9" width="13" height="13" rx="2"/><path d="M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1"/>', 14),
		list: svg('<path d="M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01"/>', 14),
		reply: svg('<path d="M9 14L4 9l5-5"/><path d="M20 20v-7a4 4 0 0 0-4-4H4"/>', 14),
		warn: svg('<path d="M12 9v4M12 17h.01"/><circle cx="12" cy="12" r="9"/>', 13),
	};
	const MEDIA_ICONS = { image: ICONS.image, video: ICONS.video, audio: ICONS.audio, document: ICONS.document, sticker: ICONS.sticker };

	/** @param {any} m */
	function media(m) {
		const icon = MEDIA_ICONS[m.mediaType] ?? ICONS.document;
		const name = m.mediaType === 'document' ? esc(m.filename ?? 'Document') : esc(m.mediaType);
		const src = m.url ? `<div class="media-src" title="${esc(m.url)}">${esc(String(m.url).replace(/^https?:\/\//, '').slice(0, 60))}</div>` : m.mediaId ? `<div class="media-src">media ${esc(m.mediaId)}</div>` : '';
		const caption = m.caption ? `<div class="text">${formatText(m.caption)}</div>` : '';
		return `<div class="media media-${esc(m.mediaType)}"><span class="media-icon">${icon}</span><span class="media-name">${name}</span>${src}</div>${caption}`;
	}

	/** @param {any} h */
	function templateHeader(h) {
		if (!h) return '';
		if (h.format === 'TEXT') return `<div class="header">${formatText(h.text ?? '')}</div>`;
		if (h.format === 'LOCATION') return `<div class="media media-location"><span class="media-icon">${ICONS.pin}</span><span class="media-name">${esc(h.location?.name ?? 'Location')}</span></div>`;
		return media({ mediaType: String(h.format).toLowerCase(), url: h.url, filename: h.filename });
	}

	/**
	 * The buttons under a template or an interactive message. Quick replies and reply buttons can be
	 * tapped (data-action="tap"); links and copy-code buttons only show what they hold.
	 * @param {any[]} buttons @param {string} messageId
	 */
	function buttonsHtml(buttons, messageId) {
		if (!buttons || buttons.length === 0) return '';
		const items = buttons.map((b) => {
			const title = b.title ?? b.text ?? '';
			if (b.type === 'URL' || b.url) return `<a class="wa-button link" href="${esc(b.url ?? '#')}" target="_blank" rel="noopener noreferrer" title="${esc(b.url ?? '')}">${ICONS.link} ${esc(title)}</a>`;
			if (b.type === 'COPY_CODE' || b.type === 'OTP') return `<span class="wa-button code" title="${esc(b.code ?? '')}">${ICONS.copy} ${esc(title)}${b.code ? ` <small>${esc(b.code)}</small>` : ''}</span>`;
			if (b.type && b.type !== 'QUICK_REPLY') return `<span class="wa-button">${esc(title)}</span>`;
			const id = b.id ?? b.text ?? '';
			return `<button type="button" class="wa-button reply" data-action="tap" data-message="${esc(messageId)}" data-id="${esc(id)}">↩ ${esc(title)}</button>`;
		});
		return `<div class="buttons">${items.join('')}</div>`;
	}

	/** @param {any} list @param {string} messageId */
	function listHtml(list, messageId) {
		if (!list) return '';
		const rows = (list.sections ?? [])
			.map(
				(s) =>
					`${s.title ? `<div class="list-section">${esc(s.title)}</div>` : ''}${(s.rows ?? [])
						.map(
							(r) =>
								`<button type="button" class="list-row" data-action="choose" data-message="${esc(messageId)}" data-id="${esc(r.id)}"><span class="row-title">${esc(r.title)}</span>${r.description ? `<span class="row-desc">${esc(r.description)}</span>` : ''}</button>`,
						)
						.join('')}`,
			)
			.join('');
		return `<details class="list"><summary class="wa-button list-open">${ICONS.list} ${esc(list.button)}</summary><div class="list-rows">${rows}</div></details>`;
	}

	/**
	 * The inside of one bubble.
	 * @param {any} msg
	 */
	function content(msg) {
		const c = msg.content ?? {};
		switch (c.kind) {
			case 'text': {
				const link = c.previewUrl || msg.dir === 'out' ? firstLink(c.text) : undefined;
				const preview = link ? `<div class="link-preview"><span class="lp-site">${esc(new URL(link).hostname)}</span><span class="lp-url">${esc(link)}</span></div>` : '';
				const reply = c.reply ? `<div class="reply-id" title="the button or row id sent">${esc(c.reply.id)}</div>` : '';
				return `${preview}<div class="text">${formatText(c.text)}</div>${reply}`;
			}
			case 'media':
				return media(c);
			case 'template': {
				const tag = `<div class="template-tag">Template <b>${esc(c.name)}</b>${c.language ? ` · ${esc(c.language)}` : ''}${c.known ? '' : ' · not in the sandbox\u2019s library'}</div>`;
				const offer = c.offer
					? `<div class="offer">${ICONS.clock} <b>${esc(c.offer.text)}</b>${c.offer.endsAt ? ` <span class="offer-ends">Ends ${esc(c.offer.endsAt.slice(0, 16).replace('T', ' '))} UTC</span>` : ''}</div>`
					: '';
				const body = `${templateHeader(c.header)}${offer}<div class="text body">${formatText(c.body ?? '')}</div>${c.footer ? `<div class="footer">${esc(c.footer)}</div>` : ''}`;
				const cards = c.cards
					? `<div class="cards">${c.cards.map((card) => `<div class="card">${templateHeader(card.header)}<div class="text">${formatText(card.body ?? '')}</div>${buttonsHtml(card.buttons, msg.id)}</div>`).join('')}</div>`
					: '';
				return `${tag}${body}${buttonsHtml(c.buttons, msg.id)}${listHtml(c.list, msg.id)}${cards}`;
			}
			case 'interactive':
				return `${c.header ? `<div class="header">${esc(c.header)}</div>` : ''}<div class="text body">${formatText(c.body ?? '')}</div>${c.footer ? `<div class="footer">${esc(c.footer)}</div>` : ''}${buttonsHtml(
					c.buttons,
					msg.id,
				)}${listHtml(c.list, msg.id)}`;
			case 'location':
				return `<div class="location"><div class="map">${ICONS.pin}</div><div class="loc-name">${esc(c.name ?? 'Location')}</div>${c.address ? `<div class="loc-address">${esc(c.address)}</div>` : ''}<div class="loc-coords">${esc(c.latitude)}, ${esc(c.longitude)}</div></div>`;
			case 'contacts':
				return (c.contacts ?? []).map((x) => `<div class="contact"><span class="avatar">${ICONS.contact}</span><span class="contact-name">${esc(x.name)}</span><span class="contact-phones">${esc((x.phones ?? []).join(', '))}</span></div>`).join('');
			default:
				return `<div class="text">${esc(JSON.stringify(c))}</div>`;
		}
	}

	/**
	 * One message as a bubble: the business's on the left ("in" for the customer), the customer's on
	 * the right, with its time, ticks, reactions and the quoted message.
	 * @param {any} msg
	 */
	function bubble(msg) {
		// The page is the customer's phone: what the business sent arrives on the left.
		const side = msg.dir === 'out' ? 'left' : 'right';
		const t = ticks(msg.status);
		const quote = msg.quote ? `<div class="quote${msg.quotePreview?.dir === 'in' ? ' mine' : ''}" title="${esc(msg.quote)}">${esc(msg.quotePreview?.text ?? 'Quoted message')}</div>` : '';
		const error = msg.error ? `<div class="error" title="${esc(msg.error.message)}">${ICONS.warn} ${esc(msg.error.code)} ${esc(msg.error.message)}</div>` : '';
		const reactions = [msg.reactions?.customer, msg.reactions?.business].filter(Boolean);
		const reactionsHtml = reactions.length ? `<div class="reactions">${reactions.map((r) => `<span>${esc(r)}</span>`).join('')}</div>` : '';
		// The customer sees ticks on their own messages (read = the business marked it read); the business's
		// messages carry the ticks the sandbox posted back, shown small, as the builder wants to see them.
		const tickHtml = `<span class="ticks ${t.cls}" data-status="${esc(msg.status)}" title="${esc(t.label)}${msg.dir === 'out' && msg.posted === false ? ' (no status callback: nothing posted)' : ''}">${t.cls === 'pending' ? ICONS.clock : t.symbol}</span>`;
		const actions =
			msg.dir === 'out' && !['failed', 'rejected'].includes(msg.status)
				? `<div class="bubble-actions"><button type="button" data-action="react" data-message="${esc(msg.id)}" title="React with a thumbs-up">+1</button><button type="button" data-action="reply" data-message="${esc(msg.id)}" title="Reply to this message">↩</button><button type="button" data-action="fail" data-message="${esc(msg.id)}" title="Make this message fail (posts a failed status)">✕</button></div>`
				: '';
		return `<div class="bubble ${side} kind-${esc(msg.content?.kind)}" data-id="${esc(msg.id)}" data-dir="${esc(msg.dir)}" data-status="${esc(msg.status)}">${actions}${quote}${content(msg)}${error}<div class="meta"><span class="time">${time(msg.at)}</span>${tickHtml}</div>${reactionsHtml}</div>`;
	}

	/** A conversation's row in the chat list. @param {any} conv @param {boolean} selected */
	function chatRow(conv, selected) {
		const last = conv.messages[conv.messages.length - 1];
		const t = last ? time(last.at) : '';
		return `<button type="button" class="chat-row${selected ? ' selected' : ''}" data-conversation="${esc(conv.id)}"><span class="avatar">${esc((conv.customer.name || '?').slice(0, 1))}</span><span class="chat-main"><span class="chat-name">${esc(conv.customer.name)}</span><span class="chat-preview">${conv.typing ? '<i>typing…</i>' : esc(String(conv.lastPreview ?? '').replace(/[*_~`]/g, ''))}</span></span><span class="chat-side"><span class="chat-time">${esc(t)}</span><span class="provider provider-${esc(conv.provider)}">${esc(conv.businessInfo.label)}</span></span></button>`;
	}

	return { esc, formatText, firstLink, ticks, bubble, content, chatRow, time, ICONS };
});
