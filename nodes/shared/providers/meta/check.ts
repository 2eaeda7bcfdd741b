import type { OutboundMessage } from '../../message';
import { Checks, violationsOf, type Violation } from '../../validation';
import { buildMetaMessageBody } from './send';
import type { CheckContext } from '../types';
import { PROVIDER } from './connection';

/**
 * Meta's limits, checked for every item before the first send. Source: the Cloud API's OpenAPI spec
 * v23.0 (test/specs/meta-business-messaging-openapi-v23.0.yaml: TextObject, InteractiveObject,
 * Section, Row, Button, MediaObject) and the template documentation (coupon code, button index).
 */
export const META_LIMITS = {
	text: 4096,
	caption: 1024,
	templateName: 512,
	templateTextParameter: 32768,
	templateHeaderText: 60,
	templateButtonIndex: 9,
	couponCode: 15,
	/** Authentication templates: the one-time code. */
	otpCode: 15,
	/** Media card carousel templates: at most 10 cards. */
	carouselCards: { min: 1, max: 10 },
	trackingData: 512,
	interactiveHeader: 60,
	interactiveBody: 1024,
	interactiveFooter: 60,
	replyButtons: { min: 1, max: 3 },
	buttonId: 256,
	buttonTitle: 20,
	listButton: 20,
	listSections: { min: 1, max: 10 },
	listRows: { min: 1, max: 10 },
	sectionTitle: 24,
	rowId: 200,
	rowTitle: 24,
	rowDescription: 72,
} as const;

const L = META_LIMITS;

/** Every rule of META_LIMITS that applies to the message, then a dry run of the request builder. */
export function checkMetaMessage(context: CheckContext, message: OutboundMessage): Violation[] {
	const c = new Checks(PROVIDER);
	c.maxLength('Options → Tracking Data', message.options.trackingData, L.trackingData);
	switch (message.type) {
		case 'text':
			c.maxLength('Text', message.text.body, L.text);
			break;
		case 'media': {
			const { media } = message;
			if (media.type !== 'audio' && media.type !== 'sticker') c.maxLength('Caption', media.caption, L.caption);
			break;
		}
		case 'template': {
			const { template } = message;
			c.required('Template Name', template.name);
			c.maxLength('Template Name', template.name, L.templateName);
			const { header } = template;
			if (header?.type === 'text') {
				c.required('Header Text', header.text);
				c.maxLength('Header Text', header.text, L.templateHeaderText);
			} else if (header && header.type !== 'location') {
				if (!header.id && !header.url) c.add('Header Media', '', 'must not be empty (a URL or a media ID)');
				if (header.url) c.httpUrl('Header Media', header.url);
			}
			(template.body ?? []).forEach((parameter, index) => {
				const field = `Body Parameters → parameter ${index + 1}`;
				if (parameter.type === 'text') {
					c.required(`${field} → Text`, parameter.text);
					c.maxLength(`${field} → Text`, parameter.text, L.templateTextParameter);
				} else {
					c.required(`${field} → Fallback`, parameter.fallback);
					if (parameter.type === 'currency') {
						if (!/^[A-Z]{3}$/.test(parameter.code)) c.add(`${field} → Currency Code`, parameter.code, 'must be an ISO 4217 code such as USD');
						if (!Number.isFinite(parameter.amount1000)) c.add(`${field} → Amount`, parameter.amount1000, 'must be a number');
					}
				}
			});
			(template.buttons ?? []).forEach((button, index) => {
				const field = `Buttons → button ${index + 1}`;
				if (!Number.isInteger(button.index) || button.index < 0 || button.index > L.templateButtonIndex) {
					c.add(`${field} → Index`, button.index, `must be a whole number from 0 to ${L.templateButtonIndex}`);
				}
				if (button.type === 'copy_code') {
					c.required(`${field} → Coupon Code`, button.couponCode);
					c.maxLength(`${field} → Coupon Code`, button.couponCode, L.couponCode);
				}
				if (button.type === 'url') c.required(`${field} → URL Suffix`, button.text);
			});
			if (template.cards) {
				c.count('Carousel Cards', template.cards.length, L.carouselCards.min, L.carouselCards.max, 'cards');
				template.cards.forEach((card, index) => {
					const field = `Card ${index + 1}`;
					if (!card.header || (!card.header.id && !card.header.url)) c.add(`${field} → Header`, '', 'must not be empty (the image or video: a URL or a media ID)');
					else if (card.header.url) c.httpUrl(`${field} → Header`, card.header.url);
					(card.body ?? []).forEach((parameter, position) => {
						if (parameter.type !== 'text') return;
						c.required(`${field} → Body {{${parameter.name ?? position + 1}}}`, parameter.text);
						c.maxLength(`${field} → Body {{${parameter.name ?? position + 1}}}`, parameter.text, L.templateTextParameter);
					});
					(card.buttons ?? []).forEach((button) => {
						if (button.type === 'url') c.required(`${field} → Button ${button.index + 1} → URL Suffix`, button.text);
					});
				});
			}
			break;
		}
		case 'interactive': {
			const { interactive } = message;
			c.maxLength('Header Text', interactive.header, L.interactiveHeader);
			c.maxLength('Body Text', interactive.body, L.interactiveBody);
			c.maxLength('Footer Text', interactive.footer, L.interactiveFooter);
			if (interactive.type === 'button') {
				const buttons = interactive.buttons ?? [];
				c.count('Reply Buttons', buttons.length, L.replyButtons.min, L.replyButtons.max, 'buttons');
				buttons.forEach((button, index) => {
					const field = `Reply Buttons → button ${index + 1}`;
					c.required(`${field} → ID`, button.id);
					c.maxLength(`${field} → ID`, button.id, L.buttonId);
					c.required(`${field} → Title`, button.title);
					c.maxLength(`${field} → Title`, button.title, L.buttonTitle);
				});
				c.unique('Reply Buttons → ID', buttons.map((button) => button.id));
				c.unique('Reply Buttons → Title', buttons.map((button) => button.title));
			} else {
				const list = interactive.list ?? { button: '', sections: [] };
				c.required('List Button Text', list.button);
				c.maxLength('List Button Text', list.button, L.listButton);
				const rows = list.sections.flatMap((section) => section.rows);
				c.count('List Rows', rows.length, L.listRows.min, L.listRows.max, 'rows across all sections');
				c.count('List Rows → Section', list.sections.length, L.listSections.min, L.listSections.max, 'sections');
				list.sections.forEach((section) => {
					if (list.sections.length > 1 && !section.title) c.add('List Rows → Section', '', 'must be set on every row when the list has more than one section');
					c.maxLength('List Rows → Section', section.title, L.sectionTitle);
				});
				rows.forEach((row, index) => {
					const field = `List Rows → row ${index + 1}`;
					c.required(`${field} → ID`, row.id);
					c.maxLength(`${field} → ID`, row.id, L.rowId);
					c.required(`${field} → Title`, row.title);
					c.maxLength(`${field} → Title`, row.title, L.rowTitle);
					c.maxLength(`${field} → Description`, row.description, L.rowDescription);
				});
				c.unique('List Rows → ID', rows.map((row) => row.id));
			}
			break;
		}
		default:
			break;
	}
	if (c.violations.length === 0) {
		// Whatever the request builder refuses is refused now, before anything is sent.
		try {
			const pendingUpload = message.type === 'media' && (message.media.binary || message.media.file) ? 'pre-flight' : undefined;
			buildMetaMessageBody(context.node, context.itemIndex, message, pendingUpload);
		} catch (error) {
			c.violations.push(...violationsOf(error));
		}
	}
	return c.violations;
}
