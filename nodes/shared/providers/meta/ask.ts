import { interactiveQuestion } from '../../ask/shape';
import type { ProviderAsk } from '../types';
import { metaCredentials } from './connection';

/** Meta: reply buttons (up to 3 options) or a list (up to 10); a tap brings the reply id back. */
export const metaAsk: ProviderAsk = {
	secret: (credentials) => metaCredentials(credentials).appSecret,
	secretField: 'App Secret',
	message: (question) => ({ message: interactiveQuestion(question, 3), answeredBy: 'replyId' }),
};
