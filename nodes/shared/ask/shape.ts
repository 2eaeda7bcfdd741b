/**
 * The shapes a question can take, shared by the providers' `ask` capabilities: reply buttons or a
 * list (an interactive message), or numbered text answered by typing the number.
 */
import type { OutboundMessage } from '../message';
import type { AskQuestion } from '../providers/types';

/** Up to `maxButtons` options as reply buttons, more as a list of rows (one section). */
export function interactiveQuestion(question: AskQuestion, maxButtons = 3): OutboundMessage {
	const { to, replyTo, sendOptions: options, header, footer, body } = question;
	const base = { to, replyTo, options };
	if (question.options.length <= maxButtons) {
		return {
			...base,
			type: 'interactive',
			interactive: { type: 'button', header, body, footer, buttons: question.options.map(({ replyId, title }) => ({ id: replyId, title })) },
		};
	}
	return {
		...base,
		type: 'interactive',
		interactive: {
			type: 'list',
			header,
			body,
			footer,
			list: {
				button: question.listButton,
				sections: [{ rows: question.options.map(({ replyId, title, description }) => ({ id: replyId, title, ...(description ? { description } : {}) })) }],
			},
		},
	};
}

/** The question as text: the body, then one numbered line per option ("1. Approve"). */
export function numberedText(question: AskQuestion): string {
	const lines = question.options.map((option, index) => `${index + 1}. ${option.title}`).join('\n');
	return [question.header, question.body, lines, question.footer].filter((part) => part !== undefined && part !== '').join('\n\n');
}

export function numberedQuestion(question: AskQuestion): OutboundMessage {
	return { to: question.to, replyTo: question.replyTo, options: question.sendOptions, type: 'text', text: { body: numberedText(question) } };
}
