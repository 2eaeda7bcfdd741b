/**
 * The playground phone's pure parts: phone-model.js (what the business sent, read from the provider
 * request, templates filled in from the sandbox's library) and the page's renderer render.js
 * (WhatsApp's formatting, ticks, bubbles), loaded in Node as the browser loads it.
 */
import * as model from '../../sandbox/phone-model';
import * as render from '../../sandbox/phone/render';

describe('render.js', () => {
	it.each([
		['*bold* text', '<strong>bold</strong> text'],
		['_italic_ and ~gone~', '<em>italic</em> and <s>gone</s>'],
		['```const a = 1;```', '<code class="mono">const a = 1;</code>'],
		['a `code` span', 'a <code>code</code> span'],
		['2*3*4 and snake_case_name', '2*3*4 and snake_case_name'],
		['line one\nline two', 'line one<br>line two'],
		['see https://example.com/a?b=1.', 'see <a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer">https://example.com/a?b=1</a>.'],
	])('formats %j as WhatsApp does', (text, html) => {
		expect(render.formatText(text)).toBe(html);
	});

	it('escapes what the workflow sent before formatting it: no markup gets through', () => {
		const html = render.formatText('<img src=x onerror=alert(1)> *<b>hi</b>* "q"');
		expect(html).toBe('&lt;img src=x onerror=alert(1)&gt; <strong>&lt;b&gt;hi&lt;/b&gt;</strong> &quot;q&quot;');
		expect(render.formatText('```<script>```')).toBe('<code class="mono">&lt;script&gt;</code>');
	});

	it('ticks: a clock before any status, ✓ sent, ✓✓ delivered, blue ✓✓ read, ! failed', () => {
		expect(['accepted', 'sent', 'delivered', 'read', 'failed'].map((s) => [render.ticks(s).symbol, render.ticks(s).cls])).toEqual([
			['◷', 'pending'],
			['✓', 'sent'],
			['✓✓', 'delivered'],
			['✓✓', 'read'],
			['!', 'failed'],
		]);
	});

	it('bubbles: the business on the left, the customer on the right; reply buttons carry the id untouched', () => {
		const out = render.bubble({
			id: 'wamid.1',
			dir: 'out',
			at: 0,
			status: 'read',
			content: { kind: 'interactive', subtype: 'button', body: 'Approve?', buttons: [{ id: 'w1.a"b.c', title: 'Yes <3' }] },
		});
		expect(out).toMatch(/^<div class="bubble left kind-interactive" data-id="wamid\.1" data-dir="out" data-status="read">/);
		expect(out).toContain('data-action="tap" data-message="wamid.1" data-id="w1.a&quot;b.c">↩ Yes &lt;3</button>');
		expect(out).toContain('<span class="ticks read"');
		const mine = render.bubble({ id: 'x', dir: 'in', at: 0, status: 'delivered', content: { kind: 'text', text: 'hi' }, quote: 'wamid.1', quotePreview: { dir: 'out', text: 'Approve?' } });
		expect(mine).toMatch(/^<div class="bubble right kind-text"/);
		expect(mine).toContain('<div class="quote" title="wamid.1">Approve?</div>');
	});

	it('a template: header, filled body, footer, buttons of each kind; a list opens its rows', () => {
		const html = render.bubble({
			id: 'm',
			dir: 'out',
			at: 0,
			status: 'sent',
			content: {
				kind: 'template',
				name: 'spring_sale',
				language: 'en_US',
				known: true,
				header: { format: 'TEXT', text: 'Hello' },
				body: 'Hi *Ana*',
				footer: 'Reply STOP',
				buttons: [{ type: 'QUICK_REPLY', text: 'Track', id: 'TRACK' }, { type: 'URL', text: 'Open', url: 'https://example.com/t/1' }, { type: 'COPY_CODE', text: 'Copy offer code', code: 'SPRING20' }],
				list: { button: 'Slots', sections: [{ title: 'Tue', rows: [{ id: 'r1', title: '10:00', description: 'am' }] }] },
			},
		});
		expect(html).toContain('<div class="header">Hello</div><div class="text body">Hi <strong>Ana</strong></div><div class="footer">Reply STOP</div>');
		expect(html).toContain('data-action="tap" data-message="m" data-id="TRACK">↩ Track</button>');
		expect(html).toContain('href="https://example.com/t/1"');
		expect(html).toContain('</svg> Copy offer code <small>SPRING20</small>');
		expect(html).toContain('data-action="choose" data-message="m" data-id="r1"><span class="row-title">10:00</span><span class="row-desc">am</span>');
	});
});

describe('phone-model.js', () => {
	it('fills a Meta template from the library: positional, named, header, buttons and carousel cards', () => {
		expect(
			model.fromMeta({
				type: 'template',
				template: {
					name: 'delivery_window',
					language: { code: 'en_US' },
					components: [
						{ type: 'header', parameters: [{ type: 'text', parameter_name: 'customer_name', text: 'Ana' }] },
						{ type: 'body', parameters: [{ type: 'text', parameter_name: 'order_number', text: '#9' }, { type: 'text', parameter_name: 'delivery_date', text: 'May 2' }] },
						{ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '9' }] },
					],
				},
			}),
		).toEqual(
			expect.objectContaining({
				known: true,
				header: { format: 'TEXT', text: 'Delivery for Ana' },
				body: 'Your order #9 arrives on May 2.',
				buttons: [{ type: 'URL', text: 'Track', url: 'https://example.com/track/9' }],
			}),
		);
		const carousel = model.fromMeta({
			type: 'template',
			template: {
				name: 'summer_carousel',
				language: { code: 'en_US' },
				components: [
					{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] },
					{
						type: 'carousel',
						cards: [0, 1].map((i) => ({
							card_index: i,
							components: [
								{ type: 'header', parameters: [{ type: 'image', image: { link: `https://example.com/${i}.jpg` } }] },
								{ type: 'body', parameters: [{ type: 'text', text: `${i + 1}0%` }, { type: 'text', text: 'SUN' }] },
								{ type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: `more-${i}` }] },
							],
						})),
					},
				],
			},
		});
		expect(carousel.body).toBe('Summer picks for you, Ana!');
		expect(carousel.cards!.map((c) => [c.header!.url, c.body, c.buttons![0].id])).toEqual([
			['https://example.com/0.jpg', 'Card 1: 10% off with code SUN.', 'more-0'],
			['https://example.com/1.jpg', 'Card 2: 20% off with code SUN.', 'more-1'],
		]);
	});

	it("a limited-time offer shows the offer and its end; a catalog button its thumbnail product", () => {
		const offer = model.fromMeta({
			type: 'template',
			template: {
				name: 'holiday_offer',
				language: { code: 'en_US' },
				components: [
					{ type: 'header', parameters: [{ type: 'image', image: { id: '1166301034380136' } }] },
					{ type: 'body', parameters: [{ type: 'text', text: 'Pablo' }, { type: 'text', text: 'CARIBE25' }] },
					{ type: 'limited_time_offer', parameters: [{ type: 'limited_time_offer', limited_time_offer: { expiration_time_ms: Date.UTC(2026, 11, 24, 23, 59) } }] },
					{ type: 'button', sub_type: 'copy_code', index: '0', parameters: [{ type: 'coupon_code', coupon_code: 'CARIBE25' }] },
				],
			},
		});
		expect(offer).toEqual(expect.objectContaining({ known: true, offer: { text: 'Expiring offer!', endsAt: '2026-12-24T23:59:00.000Z' } }));
		expect(offer.body).toContain('Good news, Pablo! Use code CARIBE25');
		const html = render.bubble({ id: 'o', dir: 'out', at: 0, status: 'sent', content: offer });
		expect(html).toMatch(/<div class="offer">.*<b>Expiring offer!<\/b> <span class="offer-ends">Ends 2026-12-24 23:59 UTC<\/span><\/div><div class="text body">Good news/);
		const catalog = model.fromMeta({
			type: 'template',
			template: {
				name: 'intro_catalog_offer',
				language: { code: 'en_US' },
				components: [
					{ type: 'body', parameters: ['100', '400', '3'].map((text) => ({ type: 'text', text })) },
					{ type: 'button', sub_type: 'catalog', index: '0', parameters: [{ type: 'action', action: { thumbnail_product_retailer_id: '2lc20305pt' } }] },
				],
			},
		});
		expect(catalog.buttons).toEqual([{ type: 'CATALOG', text: 'View catalog', code: '2lc20305pt' }]);
	});

	it('a template the sandbox does not know shows its name and the values given', () => {
		expect(
			model.fromMeta({
				type: 'template',
				template: { name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Sheena' }, { type: 'text', text: '#1234' }] }, { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'TRACK' }] }] },
			}),
		).toEqual(expect.objectContaining({ kind: 'template', name: 'order_update', known: false, body: 'Sheena · #1234', buttons: [expect.objectContaining({ text: 'TRACK', id: 'TRACK' })] }));
	});

	it('reads Meta media, location, contacts, lists, reactions and read receipts', () => {
		expect(model.fromMeta({ type: 'document', document: { link: 'https://x.test/a.pdf', filename: 'a.pdf', caption: 'Invoice' } })).toEqual(
			expect.objectContaining({ kind: 'media', mediaType: 'document', filename: 'a.pdf', caption: 'Invoice' }),
		);
		expect(model.fromMeta({ type: 'location', location: { latitude: 1, longitude: 2, name: 'Shop' } })).toEqual(expect.objectContaining({ kind: 'location', latitude: 1, name: 'Shop' }));
		expect(model.fromMeta({ type: 'contacts', contacts: [{ name: { formatted_name: 'Bo' }, phones: [{ phone: '+1 555' }] }] })).toEqual({ kind: 'contacts', contacts: [{ name: 'Bo', phones: ['+1 555'] }] });
		expect(model.fromMeta({ type: 'interactive', interactive: { type: 'list', body: { text: 'Pick' }, action: { button: 'Menu', sections: [{ rows: [{ id: 'a', title: 'A' }] }] } } }).list).toEqual({
			button: 'Menu',
			sections: [{ title: undefined, rows: [{ id: 'a', title: 'A', description: undefined }] }],
		});
		expect(model.fromMeta({ type: 'reaction', reaction: { message_id: 'w', emoji: '👍' } })).toEqual({ kind: 'reaction', messageId: 'w', emoji: '👍' });
		expect(model.fromMeta({ status: 'read', message_id: 'w', typing_indicator: { type: 'text' } })).toEqual({ kind: 'markRead', messageId: 'w', typing: true });
	});

	it('reads Twilio: Content templates with their variables, media, and a location', () => {
		const item = { friendly_name: 'pick', language: 'en', variables: { 1: 'x' }, types: { 'twilio/list-picker': { body: 'Hi {{1}}', button: 'Open', items: [{ id: 'a', item: 'A {{1}}', description: 'd' }] } } };
		expect(model.fromTwilio({ ContentSid: 'HX1', ContentVariables: '{"1":"Ana"}' }, () => item)).toEqual(
			expect.objectContaining({ kind: 'template', body: 'Hi Ana', list: { button: 'Open', sections: [{ rows: [{ id: 'a', title: 'A Ana', description: 'd' }] }] } }),
		);
		expect(model.fromTwilio({ Body: 'look', MediaUrl: 'https://x.test/cat.jpg' }, () => undefined)).toEqual(expect.objectContaining({ kind: 'media', mediaType: 'image', caption: 'look' }));
		expect(model.fromTwilio({ Body: 'Shop', PersistentAction: 'geo:52.5,13.4|Shop' }, () => undefined)).toEqual({ kind: 'location', latitude: 52.5, longitude: 13.4, name: 'Shop' });
	});

	it('reads a gateway’s provider-neutral {{message}}', () => {
		expect(model.fromGateway({ to: '+1', message: { type: 'text', text: { body: 'hi' } } })).toEqual({ kind: 'text', text: 'hi', previewUrl: false });
		expect(
			model.fromGateway({ message: { type: 'template', template: { name: 'order_shipped', language: 'en_US', body: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '#1' }], buttons: [{ type: 'quick_reply', index: 0, payload: 'T' }] } } }),
		).toEqual(expect.objectContaining({ body: 'Hi Ana, your order #1 is on its way.', buttons: [expect.objectContaining({ text: 'Track order', id: 'T' })] }));
		expect(model.fromGateway({ to: '+1', text: 'plain' })).toEqual({ kind: 'text', text: 'plain' });
	});
});
