import { interactiveQuestion } from '../../ask/shape';
import type { ProviderAsk } from '../types';
import { gatewayCredentials } from './connection';

/**
 * Gateway: {{message}} carries the buttons (or list) as Meta's interactive shape, plus `answers`
 * (each option's reply id, title and number). The gateway sends the tapped option's id back in the
 * reply id (Field Paths: replyId), or the customer's text.
 */
export const gatewayAsk: ProviderAsk = {
	secret: (credentials) => gatewayCredentials(credentials).authToken,
	secretField: 'Auth Token',
	message: (question) => ({
		message: {
			...interactiveQuestion(question, 3),
			answers: question.options.map((option, index) => ({ id: option.replyId, title: option.title, number: index + 1 })),
		},
		answeredBy: 'replyId',
	}),
};
