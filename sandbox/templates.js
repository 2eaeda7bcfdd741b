// @ts-check
'use strict';

/*
 * The sandbox's template library: the message templates of the Meta WABA (as GET
 * /{WABA-ID}/message_templates lists them, paginated by cursors) and the Twilio account's content
 * (as the Content API's ContentAndApprovals lists it, with the WhatsApp approval status), and the
 * check Meta makes of a template send: parameters that do not fit the template are refused with
 * 132000. meta.js and twilio.js call these; nothing else here knows about routing.
 */

/** @typedef {{ name: string, language: string, status: string, category: string, id: string, parameter_format?: string, components: Record<string, any>[] }} MetaTemplate */

/** @type {MetaTemplate[]} The Meta library, in the order Meta lists it (newest first does not matter here). */
const META_TEMPLATES = [
	{
		name: 'hello_world',
		parameter_format: 'POSITIONAL',
		components: [
			{ type: 'HEADER', format: 'TEXT', text: 'Hello World' },
			{ type: 'BODY', text: 'Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us.' },
			{ type: 'FOOTER', text: 'WhatsApp Business Platform sample message' },
		],
		language: 'en_US',
		status: 'APPROVED',
		category: 'UTILITY',
		id: '920070352646140',
	},
	{
		name: 'order_shipped',
		parameter_format: 'POSITIONAL',
		components: [
			{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way.', example: { body_text: [['Sheena', '#1234']] } },
			{ type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Track order' }] },
		],
		language: 'en_US',
		status: 'APPROVED',
		category: 'UTILITY',
		id: '920070352646141',
	},
	{
		name: 'order_shipped',
		parameter_format: 'POSITIONAL',
		components: [
			{ type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} está en camino.', example: { body_text: [['Sheena', '#1234']] } },
			{ type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Seguir pedido' }] },
		],
		language: 'es',
		status: 'APPROVED',
		category: 'UTILITY',
		id: '920070352646142',
	},
	{
		name: 'delivery_window',
		parameter_format: 'NAMED',
		components: [
			{ type: 'HEADER', format: 'TEXT', text: 'Delivery for {{customer_name}}', example: { header_text_named_params: [{ param_name: 'customer_name', example: 'Sheena' }] } },
			{
				type: 'BODY',
				text: 'Your order {{order_number}} arrives on {{delivery_date}}.',
				example: { body_text_named_params: [{ param_name: 'order_number', example: '#1234' }, { param_name: 'delivery_date', example: 'March 3' }] },
			},
			{ type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Track', url: 'https://example.com/track/{{1}}', example: ['https://example.com/track/1234'] }] },
		],
		language: 'en_US',
		status: 'APPROVED',
		category: 'UTILITY',
		id: '920070352646143',
	},
	{
		name: 'spring_sale',
		parameter_format: 'POSITIONAL',
		components: [
			{ type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://example.com/spring.jpg'] } },
			{ type: 'BODY', text: 'Spring sale, {{1}}: use the code below for 20% off.', example: { body_text: [['Sheena']] } },
			{ type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', example: 'SPRING20' }, { type: 'QUICK_REPLY', text: 'Unsubscribe' }] },
		],
		language: 'en_US',
		status: 'APPROVED',
		category: 'MARKETING',
		id: '920070352646144',
	},
	{
		name: 'store_location',
		parameter_format: 'POSITIONAL',
		components: [
			{ type: 'HEADER', format: 'LOCATION' },
			{ type: 'BODY', text: 'Your order is ready for pickup at our store.' },
		],
		language: 'en_US',
		status: 'APPROVED',
		category: 'UTILITY',
		id: '920070352646145',
	},
	{
		name: 'invoice_ready',
		parameter_format: 'POSITIONAL',
		components: [
			{ type: 'HEADER', format: 'DOCUMENT', example: { header_handle: ['https://example.com/invoice.pdf'] } },
			{ type: 'BODY', text: 'Invoice {{1}} is attached.', example: { body_text: [['INV-1']] } },
		],
		language: 'en_US',
		status: 'APPROVED',
		category: 'UTILITY',
		id: '920070352646146',
	},
	{
		name: 'product_tour',
		parameter_format: 'POSITIONAL',
		components: [
			{ type: 'HEADER', format: 'VIDEO', example: { header_handle: ['https://example.com/tour.mp4'] } },
			{ type: 'BODY', text: 'Hi {{1}}, here is a short tour.', example: { body_text: [['Sheena']] } },
		],
		language: 'en_US',
		status: 'APPROVED',
		category: 'MARKETING',
		id: '920070352646147',
	},
	{
		// Meta's documented carousel shape: a body bubble, then a CAROUSEL of cards, each with an image
		// or video header, a body and buttons (developers.facebook.com → WhatsApp → Templates → Media card carousel templates).
		name: 'summer_carousel',
		parameter_format: 'POSITIONAL',
		components: [
			{ type: 'BODY', text: 'Summer picks for you, {{1}}!', example: { body_text: [['Sheena']] } },
			{
				type: 'CAROUSEL',
				cards: [1, 2].map((n) => ({
					components: [
						{ type: 'HEADER', format: 'IMAGE', example: { header_handle: [`https://example.com/card${n}.jpg`] } },
						{ type: 'BODY', text: `Card ${n}: {{1}} off with code {{2}}.`, example: { body_text: [['10%', 'SUMMER']] } },
						{ type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Send more like this' }, { type: 'URL', text: 'Buy', url: 'https://example.com/p/{{1}}', example: ['https://example.com/p/1'] }] },
					],
				})),
			},
		],
		language: 'en_US',
		status: 'APPROVED',
		category: 'MARKETING',
		id: '920070352646148',
	},
	{
		// Meta's documented authentication template with a copy-code button (Authentication templates → Copy code).
		name: 'login_code',
		parameter_format: 'POSITIONAL',
		components: [
			{ type: 'BODY', text: '*{{1}}* is your verification code. For your security, do not share this code.', add_security_recommendation: true, example: { body_text: [['123456']] } },
			{ type: 'FOOTER', text: 'This code expires in 10 minutes.', code_expiration_minutes: 10 },
			{ type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: 'Copy code' }] },
		],
		language: 'en_US',
		status: 'APPROVED',
		category: 'AUTHENTICATION',
		id: '920070352646149',
	},
	{
		// Meta's documented limited-time offer template (Marketing templates → "Limited-time offer
		// templates", example "limited_time_offer_caribbean_pkg_2023"): image header, the offer with its
		// expiration shown, a body, then the copy-code button first and a URL button.
		name: 'holiday_offer',
		parameter_format: 'POSITIONAL',
		components: [
			{ type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2UvanBlZw==:ARb'] } },
			{ type: 'LIMITED_TIME_OFFER', limited_time_offer: { text: 'Expiring offer!', has_expiration: true } },
			{ type: 'BODY', text: 'Good news, {{1}}! Use code {{2}} to get 25% off all Caribbean Destination packages!', example: { body_text: [['Pablo', 'CARIBE25']] } },
			{
				type: 'BUTTONS',
				buttons: [
					{ type: 'COPY_CODE', example: 'CARIBE25' },
					{ type: 'URL', text: 'Book now!', url: 'https://awesomedestinations.com/offers?code={{1}}', example: ['https://awesomedestinations.com/offers?ref=n3mtql'] },
				],
			},
		],
		language: 'en_US',
		status: 'APPROVED',
		category: 'MARKETING',
		id: '920070352646151',
	},
	{
		// Meta's documented catalog template (Marketing templates → "Catalog templates"; the v23.0 spec's
		// example "Send Catalog Template Message" sends it): a body and a View catalog button, whose
		// thumbnail product is chosen at send time.
		name: 'intro_catalog_offer',
		parameter_format: 'POSITIONAL',
		components: [
			{
				type: 'BODY',
				text: 'Now shop for your favourite products right here on WhatsApp! Get Rs {{1}} off on all orders above {{2}}Rs! Valid for your first {{3}} orders placed on WhatsApp!',
				example: { body_text: [['100', '400', '3']] },
			},
			{ type: 'FOOTER', text: 'Best grocery deals on WhatsApp!' },
			{ type: 'BUTTONS', buttons: [{ type: 'CATALOG', text: 'View catalog' }] },
		],
		language: 'en_US',
		status: 'APPROVED',
		category: 'MARKETING',
		id: '920070352646152',
	},
	{
		name: 'winter_sale',
		parameter_format: 'POSITIONAL',
		components: [{ type: 'BODY', text: 'Winter sale starts {{1}}.', example: { body_text: [['Monday']] } }],
		language: 'en_US',
		status: 'REJECTED',
		category: 'MARKETING',
		id: '920070352646150',
	},
];

const META_PAGE_CAP = 5;
const TWILIO_PAGE_CAP = 2;

/** @param {number} offset */
const cursor = (offset) => Buffer.from(String(offset)).toString('base64');
/** @param {unknown} value */
function offsetOf(value) {
	if (typeof value !== 'string' || value === '') return 0;
	const n = Number(Buffer.from(value, 'base64').toString('utf8'));
	return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * GET /{WABA-ID}/message_templates: Meta's filters (name, status, category, language), `limit`
 * (default 25) and the `after` cursor; `paging.next` only while more remain.
 * @param {Record<string, unknown>} query first values of the query string
 * @param {string} selfUrl the request's URL without its query
 */
function listMetaTemplates(query, selfUrl) {
	const str = (/** @type {string} */ key) => (typeof query[key] === 'string' && query[key] !== '' ? String(query[key]) : undefined);
	const name = str('name');
	const status = str('status');
	const category = str('category');
	const language = str('language');
	const all = META_TEMPLATES.filter(
		(t) => (!name || t.name.includes(name)) && (!status || t.status === status.toUpperCase()) && (!category || t.category === category.toUpperCase()) && (!language || t.language === language),
	);
	// Like the Graph API, a page may hold fewer than `limit`: the sandbox serves at most 5, so
	// callers must follow the cursors.
	const limit = Math.max(1, Math.min(META_PAGE_CAP, Number(str('limit') ?? 25) || 25));
	const start = offsetOf(query.after);
	const data = all.slice(start, start + limit).map((t) => structuredClone(t));
	/** @type {Record<string, unknown>} */
	const paging = { cursors: { before: cursor(start), after: cursor(start + data.length) } };
	if (start + data.length < all.length) {
		const next = new URLSearchParams();
		for (const [key, value] of Object.entries(query)) if (key !== 'after' && key !== 'access_token' && typeof value === 'string') next.set(key, value);
		next.set('limit', String(limit));
		next.set('after', cursor(start + data.length));
		paging.next = `${selfUrl}?${next.toString()}`;
	}
	return { data, paging };
}

/** The placeholders of a text: {{1}}, {{2}} or {{name}}. @param {string | undefined} text */
function placeholders(text) {
	return [...new Set([...String(text ?? '').matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]))];
}

/**
 * Meta's check of a template send against the library: undefined when the template is not in it (the
 * sandbox does not know every account's templates) or the parameters fit; otherwise the 132000 text.
 * @param {Record<string, any>} template the request's `template` object
 */
function templateMismatch(template) {
	const language = template.language?.code;
	const known = META_TEMPLATES.find((t) => t.name === template.name && t.language === language && t.status === 'APPROVED');
	if (!known) return undefined;
	/** @type {Record<string, any>[]} */
	const given = Array.isArray(template.components) ? template.components : [];
	const part = (/** @type {string} */ type) => given.find((c) => String(c?.type).toLowerCase() === type);
	const count = (/** @type {Record<string, any> | undefined} */ c) => (Array.isArray(c?.parameters) ? c.parameters.length : 0);
	const body = known.components.find((c) => c.type === 'BODY');
	const expectedBody = placeholders(body?.text).length;
	if (count(part('body')) !== expectedBody) return `body: expected ${expectedBody}, received ${count(part('body'))}`;
	if (known.parameter_format === 'NAMED' && expectedBody > 0) {
		const names = (part('body')?.parameters ?? []).map((/** @type {any} */ p) => p.parameter_name);
		const missing = placeholders(body?.text).find((n) => !names.includes(n));
		if (missing) return `body: parameter name ${missing} is missing`;
	}
	const header = known.components.find((c) => c.type === 'HEADER');
	const expectedHeader = !header ? 0 : header.format === 'TEXT' ? placeholders(header.text).length : 1;
	if (count(part('header')) !== expectedHeader) return `header: expected ${expectedHeader}, received ${count(part('header'))}`;
	if (header && header.format !== 'TEXT' && expectedHeader === 1) {
		const kind = part('header')?.parameters?.[0]?.type;
		if (kind !== String(header.format).toLowerCase()) return `header: expected ${String(header.format).toLowerCase()}, received ${kind}`;
	}
	const offer = known.components.find((c) => c.type === 'LIMITED_TIME_OFFER');
	if (offer?.limited_time_offer?.has_expiration) {
		const expiry = part('limited_time_offer')?.parameters?.[0]?.limited_time_offer?.expiration_time_ms;
		if (typeof expiry !== 'number' || !Number.isFinite(expiry)) return 'limited_time_offer: expiration_time_ms is missing';
	}
	const carousel = known.components.find((c) => c.type === 'CAROUSEL');
	if (carousel) {
		const cards = Array.isArray(part('carousel')?.cards) ? part('carousel')?.cards : [];
		if (cards.length !== carousel.cards.length) return `carousel: expected ${carousel.cards.length} cards, received ${cards.length}`;
		for (let index = 0; index < cards.length; index++) {
			const card = cards.find((/** @type {any} */ c) => Number(c?.card_index) === index);
			if (!card) return `carousel: card_index ${index} is missing`;
			const cardPart = (/** @type {string} */ type) => (Array.isArray(card.components) ? card.components : []).find((/** @type {any} */ c) => String(c?.type).toLowerCase() === type);
			const cardBody = carousel.cards[index].components.find((/** @type {any} */ c) => c.type === 'BODY');
			const expected = placeholders(cardBody?.text).length;
			if (count(cardPart('body')) !== expected) return `card ${index} body: expected ${expected}, received ${count(cardPart('body'))}`;
			if (count(cardPart('header')) !== 1) return `card ${index} header: expected 1, received ${count(cardPart('header'))}`;
		}
	}
	return undefined;
}

/**
 * The WhatsApp approval status of the account's content, as ContentAndApprovals lists it.
 * @param {Record<string, unknown>} item
 */
function withApproval(item) {
	const rejected = String(item.friendly_name).includes('draft');
	return {
		...item,
		approval_requests: {
			type: 'whatsapp',
			name: item.friendly_name,
			category: 'UTILITY',
			content_type: Object.keys(/** @type {Record<string, unknown>} */ (item.types ?? {}))[0] ?? 'twilio/text',
			status: rejected ? 'rejected' : 'approved',
			rejection_reason: rejected ? 'Sandbox: a draft is never approved' : '',
			allow_category_change: true,
		},
	};
}

/**
 * One page of the Content API's list (Content or ContentAndApprovals): PageSize (the sandbox serves at
 * most 2) and PageToken; meta.next_page_url only while more remain.
 * @param {Record<string, unknown>[]} items @param {string} key @param {Record<string, unknown>} query @param {string} listUrl
 */
function pageTwilioContents(items, key, query, listUrl) {
	const pageSize = Math.max(1, Math.min(TWILIO_PAGE_CAP, Number(query.PageSize ?? 50) || 50));
	const start = offsetOf(query.PageToken);
	const page = Math.floor(start / pageSize);
	const url = (/** @type {number} */ offset) => `${listUrl}?PageSize=${pageSize}&Page=${Math.floor(offset / pageSize)}${offset > 0 ? `&PageToken=${encodeURIComponent(cursor(offset))}` : ''}`;
	return {
		[key]: items.slice(start, start + pageSize),
		meta: {
			page,
			page_size: pageSize,
			first_page_url: url(0),
			previous_page_url: start > 0 ? url(Math.max(0, start - pageSize)) : null,
			url: url(start),
			next_page_url: start + pageSize < items.length ? url(start + pageSize) : null,
			key,
		},
	};
}

module.exports = { META_TEMPLATES, listMetaTemplates, templateMismatch, withApproval, pageTwilioContents };
