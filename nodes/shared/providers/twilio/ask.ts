import { numberedQuestion, numberedText } from '../../ask/shape';
import { successful } from '../../transport';
import type { ProviderAsk } from '../types';
import { PROVIDER, twilioCredentials, twilioSecrets } from './connection';
import { twilioError } from './errors';
import { sendTwilio } from './send';

/**
 * Twilio: one content per question through the Content API (POST /v1/Content): `twilio/quick-reply`
 * for up to 3 options (in-session sends allow three), `twilio/list-picker` for 4 to 10, each with a
 * `twilio/text` of numbered options beside it; then the message with its ContentSid. A tap brings the
 * option's id back as ButtonPayload (ListId for a list). Outside the 24-hour window WhatsApp takes no
 * free-form message at all (63016), numbered text included.
 */
export const twilioAsk: ProviderAsk = {
	secret: (credentials) => twilioCredentials(credentials).authToken,
	secretField: 'Auth Token',
	// What the pre-flight check sees (the body's length); the content is made in `send`.
	message: (question) => ({ message: numberedQuestion(question), answeredBy: 'replyId' }),
	async send(context, question) {
		const { transport, credentials: stored, node, itemIndex } = context;
		const credentials = twilioCredentials(stored);
		const secrets = twilioSecrets(stored);
		const body = [question.header, question.body, question.footer].filter(Boolean).join('\n\n');
		const shape = question.options.length <= 3 ? 'button' : 'list';
		const interactive =
			shape === 'button'
				? { 'twilio/quick-reply': { body, actions: question.options.map((option) => ({ title: option.title, id: option.replyId })) } }
				: {
						'twilio/list-picker': {
							body,
							button: question.listButton,
							items: question.options.map((option) => ({ id: option.replyId, item: option.title, ...(option.description ? { description: option.description } : {}) })),
						},
					};
		const created = await transport({
			method: 'POST',
			url: `${credentials.contentBaseUrl}/v1/Content`,
			json: true,
			body: {
				friendly_name: `n8n_ask_${Date.now().toString(36)}`,
				language: 'en',
				types: { ...interactive, 'twilio/text': { body: numberedText(question) } },
			},
		});
		const response = successful(created, node, itemIndex, PROVIDER, secrets, (answer) => twilioError(node, itemIndex, answer, secrets));
		const contentSid = String((response.body as { sid?: unknown } | undefined)?.sid ?? '');
		const result = await sendTwilio(context, { to: question.to, options: question.sendOptions, type: 'template', template: { contentSid } });
		return { ...result, shape };
	},
};
