/**
 * Send and Wait for Reply (operation `sendAndWait`): asks the customer on WhatsApp and puts the
 * execution to wait through n8n's own waiting mechanism; the customer's answer arrives at the
 * WhatsApp trigger, which forwards it to this node's waiting webhook (`webhook` below). Design:
 * ARCHITECTURE.md "Ask and wait" and docs/design/ask-and-wait.md.
 *
 * The field names (`message`, `responseType` approval | choice | freeText, `approvalOptions.values`)
 * are those n8n's auto-generated human-in-the-loop tool expects of a send-and-wait node.
 */
import { randomBytes } from 'node:crypto';

import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeOperationError, SEND_AND_WAIT_OPERATION, WAIT_INDEFINITELY } from 'n8n-workflow';

import { forwardedRegistration, readRequestBytes, verifyForward, type ForwardedAnswer } from '../shared/ask/forward';
import { encodeReplyId, resumeParameters } from '../shared/ask/token';
import { inputError, redact, redactValue, toNodeError } from '../shared/errors';
import type { OutboundMessage, SendOptions, SendResult } from '../shared/message';
import { normalisePhone, normaliseRecipient } from '../shared/phone';
import { providerFor } from '../shared/providers';
import type { AskOption, AskQuestion, WhatsAppProvider } from '../shared/providers/types';
import type { Transport } from '../shared/transport';
import { createPlainTransport } from '../shared/transport';
import { invalidItemError } from '../shared/validation';

export const SEND_AND_WAIT = SEND_AND_WAIT_OPERATION;
const shown = { operation: [SEND_AND_WAIT] };
const MAX_OPTIONS = 10;

/** What the answer item looks like before an answer: a timed-out question resumes with exactly this. */
interface QuestionRecord extends IDataObject {
	q: string;
	to: string;
	messageId: string;
	provider: string;
	responseType: string;
	/** How the options were shown: 'button', 'list', or 'text' (numbered, or free text). */
	shape: string;
	options: Array<{ id: string; title: string }>;
	askedAt: string;
}

export const sendAndWaitOperation = {
	name: 'Send and Wait for Reply',
	value: SEND_AND_WAIT,
	action: 'Send message and wait for reply',
	description: 'Ask the customer on WhatsApp (reply buttons, a list, or free text) and continue with their answer',
};

const limitWaitTime: INodeProperties = {
	displayName: 'Limit Wait Time',
	name: 'limitWaitTime',
	type: 'fixedCollection',
	description: 'Whether to stop waiting after a time: the node then outputs answer.type "timeout"',
	default: { values: { limitType: 'afterTimeInterval', resumeAmount: 45, resumeUnit: 'minutes' } },
	options: [
		{
			displayName: 'Values',
			name: 'values',
			values: [
				{
					displayName: 'Limit Type',
					name: 'limitType',
					type: 'options',
					default: 'afterTimeInterval',
					options: [
						{ name: 'After Time Interval', value: 'afterTimeInterval', description: 'Waits for a certain amount of time' },
						{ name: 'At Specified Time', value: 'atSpecifiedTime', description: 'Waits until a date and time' },
					],
				},
				{
					displayName: 'Amount',
					name: 'resumeAmount',
					type: 'number',
					displayOptions: { show: { limitType: ['afterTimeInterval'] } },
					typeOptions: { minValue: 0, numberPrecision: 2 },
					default: 1,
					description: 'The time to wait',
				},
				{
					displayName: 'Unit',
					name: 'resumeUnit',
					type: 'options',
					displayOptions: { show: { limitType: ['afterTimeInterval'] } },
					options: [
						{ name: 'Seconds', value: 'seconds' },
						{ name: 'Minutes', value: 'minutes' },
						{ name: 'Hours', value: 'hours' },
						{ name: 'Days', value: 'days' },
					],
					default: 'hours',
					description: 'Unit of the interval value',
				},
				{
					displayName: 'Max Date and Time',
					name: 'maxDateAndTime',
					type: 'dateTime',
					displayOptions: { show: { limitType: ['atSpecifiedTime'] } },
					default: '',
					description: 'Continue execution after the specified date and time',
				},
			],
		},
	],
};

/** The operation's fields (shown only for it; Recipient Phone Number is the send's, description.ts). */
export const sendAndWaitFields: INodeProperties[] = [
	{
		displayName: 'Message',
		name: 'message',
		type: 'string',
		default: '',
		required: true,
		typeOptions: { rows: 4 },
		description: 'The question',
		displayOptions: { show: shown },
	},
	{
		displayName: 'Response Type',
		name: 'responseType',
		type: 'options',
		default: 'approval',
		options: [
			{ name: 'Approval', value: 'approval', description: 'Approve and Decline buttons (labels can be changed)' },
			{ name: 'Choice', value: 'choice', description: 'Up to 3 reply buttons, or a list of up to 10 rows' },
			{ name: 'Free Text', value: 'freeText', description: "The customer's next message is the answer" },
		],
		displayOptions: { show: shown },
	},
	{
		displayName: 'Approval Options',
		name: 'approvalOptions',
		type: 'fixedCollection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Values',
				name: 'values',
				values: [
					{
						displayName: 'Type of Approval',
						name: 'approvalType',
						type: 'options',
						default: 'double',
						options: [
							{ name: 'Approve Only', value: 'single' },
							{ name: 'Approve and Disapprove', value: 'double' },
						],
					},
					{ displayName: 'Approve Button Label', name: 'approveLabel', type: 'string', default: 'Approve' },
					{
						displayName: 'Disapprove Button Label',
						name: 'disapproveLabel',
						type: 'string',
						default: 'Decline',
						displayOptions: { show: { approvalType: ['double'] } },
					},
					{
						displayName: 'Third Button Label',
						name: 'thirdLabel',
						type: 'string',
						default: '',
						description: 'An optional third button (its answer ID is "other"); empty: none',
					},
				],
			},
		],
		displayOptions: { show: { ...shown, responseType: ['approval'] } },
	},
	{
		displayName: 'Choices',
		name: 'choices',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		placeholder: 'Add Choice',
		description: 'Up to 3 are sent as reply buttons, 4 to 10 as a list',
		displayOptions: { show: { ...shown, responseType: ['choice'] } },
		options: [
			{
				name: 'choice',
				displayName: 'Choice',
				values: [
					{ displayName: 'ID', name: 'id', type: 'string', default: '', placeholder: 'e.g. slot-morning', description: 'The answer ID the workflow continues with' },
					{ displayName: 'Title', name: 'title', type: 'string', default: '', description: 'Meta: up to 20 characters on a button, 24 in a list' },
					{ displayName: 'Description', name: 'description', type: 'string', default: '', description: 'In a list only: up to 72 characters' },
				],
			},
		],
	},
	{
		displayName: 'List Button Text',
		name: 'choiceListButton',
		type: 'string',
		default: 'Choose',
		description: 'The button that opens the list (4 to 10 choices)',
		displayOptions: { show: { ...shown, responseType: ['choice'] } },
	},
	{
		displayName: 'Reply Trigger URL',
		name: 'replyTriggerUrl',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://n8n.example.com/webhook/…/whatsapp',
		description:
			"The production URL of the active WhatsApp trigger that receives this number's messages. Required for Free Text: the question is registered there, and the customer's next message answers it. Optional otherwise: then a typed option number (1, 2, …) answers too.",
		displayOptions: { show: shown },
	},
	{
		displayName: 'Wait Options',
		name: 'waitOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: shown },
		options: [
			{ displayName: 'Footer', name: 'footer', type: 'string', default: '', description: 'Small text under the question (buttons and lists)' },
			{ displayName: 'Header', name: 'header', type: 'string', default: '', description: 'A title above the question (buttons and lists)' },
			limitWaitTime,
		],
	},
];

/** When to stop waiting: Limit Wait Time, or never (n8n's WAIT_INDEFINITELY). */
export function waitTill(limit: IDataObject | undefined, now = Date.now()): Date {
	if (!limit || Object.keys(limit).length === 0) return WAIT_INDEFINITELY;
	let until: Date;
	if (limit.limitType === 'atSpecifiedTime') {
		until = new Date(String(limit.maxDateAndTime ?? ''));
	} else {
		const unit = { seconds: 1, minutes: 60, hours: 3600, days: 86400 }[String(limit.resumeUnit ?? 'hours')] ?? 3600;
		until = new Date(now + Number(limit.resumeAmount ?? 1) * unit * 1000);
	}
	if (Number.isNaN(until.getTime())) throw new Error('Limit Wait Time: invalid date or amount');
	return until;
}

interface Option {
	id: string;
	title: string;
	description?: string;
}

/** The answer options as the user configured them. */
export function readOptions(responseType: string, approval: IDataObject, choices: IDataObject[]): Option[] {
	if (responseType === 'freeText') return [];
	if (responseType === 'approval') {
		const options: Option[] = [{ id: 'approve', title: String(approval.approveLabel ?? 'Approve') || 'Approve' }];
		if ((approval.approvalType ?? 'double') === 'double') options.push({ id: 'decline', title: String(approval.disapproveLabel ?? 'Decline') || 'Decline' });
		if (typeof approval.thirdLabel === 'string' && approval.thirdLabel.trim()) options.push({ id: 'other', title: approval.thirdLabel.trim() });
		return options;
	}
	return choices.map((choice, index) => ({
		id: String(choice.id ?? '').trim() || String(index + 1),
		title: String(choice.title ?? ''),
		...(typeof choice.description === 'string' && choice.description ? { description: choice.description } : {}),
	}));
}

interface Context {
	provider: WhatsAppProvider;
	credentials: ICredentialDataDecryptedObject;
	secrets: string[];
	transport: Transport;
	connectionName: string;
	options: IDataObject;
}

/** Asks item 0's question and puts the execution to wait. */
export async function executeSendAndWait(ctx: IExecuteFunctions, { provider, credentials, secrets, transport, connectionName, options: nodeOptions }: Context): Promise<INodeExecutionData[][]> {
	const node = ctx.getNode();
	const items = ctx.getInputData();
	const ask = provider.ask;
	if (!ask || !provider.nodes.operations.includes(SEND_AND_WAIT)) {
		throw new NodeOperationError(node, `${provider.label} cannot send and wait for a reply`, { description: 'Choose a provider that offers it.' });
	}
	if (items.length > 1) {
		throw new NodeOperationError(node, `Send and Wait for Reply asks one customer per execution; it got ${items.length} items`, {
			description: 'Ask each customer in a sub-workflow (Execute Workflow, one item per call), or keep one item (e.g. with Limit).',
		});
	}
	if (!ask.secret(credentials)) {
		throw new NodeOperationError(node, `The connection "${connectionName}" has no ${ask.secretField}: answers cannot be checked without it`, {
			description: `Fill in ${ask.secretField} in the connection: the WhatsApp trigger that receives the answers uses the same value.`,
		});
	}
	const i = 0;
	const givenTo = ctx.getNodeParameter('to', i, '') as unknown;
	const to = normaliseRecipient(givenTo);
	if (!to) {
		throw inputError(node, i, `Invalid recipient phone number "${String(givenTo)}" (item ${i})`, 'Use a number in international format, e.g. +14155550123, or a BSUID.', {
			field: 'To',
			value: String(givenTo ?? ''),
			rule: 'must be a phone number in international format or a business-scoped user ID',
		});
	}
	const body = String(ctx.getNodeParameter('message', i, '') ?? '').trim();
	if (!body) throw inputError(node, i, `Message is empty (item ${i})`, 'Write the question in Message.', { field: 'Message', value: '', rule: 'must not be empty' });
	const responseType = ctx.getNodeParameter('responseType', i, 'approval') as string;
	const approval = ctx.getNodeParameter('approvalOptions.values', i, {}) as IDataObject;
	const choices = (ctx.getNodeParameter('choices.choice', i, []) as IDataObject[]) ?? [];
	const waitOptions = ctx.getNodeParameter('waitOptions', i, {}) as IDataObject;
	const options = readOptions(responseType, approval, choices);
	if (responseType === 'choice' && (options.length < 1 || options.length > MAX_OPTIONS)) {
		throw inputError(node, i, `Choices: ${options.length} given, 1 to ${MAX_OPTIONS} allowed (item ${i})`, 'Add between 1 and 10 choices.', {
			field: 'Choices',
			value: options.length,
			rule: `must have 1 to ${MAX_OPTIONS} choices`,
		});
	}
	const ids = new Set(options.map((option) => option.id));
	if (ids.size !== options.length) throw inputError(node, i, `Choices: each ID must be unique (item ${i})`);
	let until: Date;
	try {
		until = waitTill((waitOptions.limitWaitTime as IDataObject | undefined)?.values as IDataObject | undefined);
	} catch (error) {
		throw new NodeOperationError(node, 'Could not configure Limit Wait Time', { description: (error as Error).message, itemIndex: i });
	}

	const { replyTo, ...sendOptions } = readSendOptions(nodeOptions);
	const executionId = ctx.getExecutionId();
	const q = randomBytes(6).toString('base64url');
	const askOptions: AskOption[] = options.map((option, c) => ({
		replyId: encodeReplyId(executionId, node.id, q, String(c), ctx.getSignedResumeUrl(resumeParameters(q, String(c), to))),
		title: option.title,
		description: option.description,
	}));
	const question: AskQuestion = {
		to,
		body,
		header: text(waitOptions.header),
		footer: text(waitOptions.footer),
		listButton: String(ctx.getNodeParameter('choiceListButton', i, 'Choose') ?? 'Choose') || 'Choose',
		options: askOptions,
		replyTo,
		sendOptions,
	};

	// Free text: the question is registered with the trigger before it is sent (an inactive trigger fails the ask).
	const shaped = responseType === 'freeText' ? { message: freeTextMessage(question), answeredBy: 'text' as const } : ask.message(question);
	const checkContext = { credentials, node, itemIndex: i, connectionName };
	const violations = provider.check(checkContext, shaped.message);
	if (violations.length > 0) throw invalidItemError(node, i, violations);
	const registryUrl = String(ctx.getNodeParameter('replyTriggerUrl', i, '') ?? '').trim();
	// Free text (and a provider that can only number the options) needs the trigger's registry; with a
	// Reply Trigger URL, typed option numbers answer too.
	const answeredByText = responseType === 'freeText' || (!ask.send && shaped.answeredBy !== 'replyId');
	const expiresAt = until.getTime() >= WAIT_INDEFINITELY.getTime() ? undefined : until.toISOString();
	let registration: ReturnType<typeof forwardedRegistration> | undefined;
	if (answeredByText || registryUrl) {
		if (!/^https?:\/\/\S+$/i.test(registryUrl)) {
			throw inputError(node, i, 'Reply Trigger URL is required for answers given as text', "Copy the production URL of the active WhatsApp trigger that receives this number's messages.", {
				field: 'Reply Trigger URL',
				value: registryUrl,
				rule: 'must be the trigger’s production URL',
			});
		}
		registration = forwardedRegistration({
			to,
			q,
			resumeUrl: ctx.getSignedResumeUrl(resumeParameters(q, 't', to)),
			optionUrls: responseType === 'freeText' ? [] : options.map((_, c) => ctx.getSignedResumeUrl(resumeParameters(q, String(c), to))),
			expiresAt,
		});
		await registration.send(createPlainTransport(ctx), registryUrl, ask.secret(credentials), node, i);
	}

	let sent: SendResult;
	let shape = shaped.message.type === 'interactive' ? shaped.message.interactive.type : 'text';
	try {
		const context = { transport, credentials, node, itemIndex: i, connectionName };
		if (ask.send && responseType !== 'freeText') {
			const result = await ask.send(context, question);
			shape = result.shape;
			sent = result;
		} else {
			sent = await provider.send(context, shaped.message);
		}
	} catch (error) {
		const failure = toNodeError(node, error, i);
		failure.message = redact(failure.message, secrets);
		throw failure;
	}
	// Best effort: the question's message ID lets a reply that quotes it answer this question even when
	// a newer one is open. The question is registered (and sent) already; a failure here changes nothing.
	if (registration && sent.messageId) {
		try {
			await forwardedRegistration({ ...registration.registration, questionMessageId: sent.messageId }).send(createPlainTransport(ctx), registryUrl, ask.secret(credentials), node, i);
		} catch (error) {
			ctx.logger.warn(`Send WhatsApp: the question was sent, but its message ID could not be added at the Reply Trigger URL: ${redact((error as Error).message, secrets)}`);
		}
	}
	const record: QuestionRecord = {
		q,
		to,
		messageId: sent.messageId,
		provider: provider.id,
		responseType,
		shape,
		options: options.map(({ id, title }) => ({ id, title })),
		askedAt: new Date().toISOString(),
		...(expiresAt ? { expiresAt } : {}),
	};
	const marker: INodeExecutionData = {
		json: {
			answer: { type: 'timeout', id: null, title: null, text: null },
			...(responseType === 'approval' ? { approved: false } : {}),
			from: null,
			userId: null,
			messageId: null,
			answeredAt: null,
			question: record,
			sent: redactValue(sent.raw, secrets) as IDataObject,
		},
		pairedItem: { item: 0 },
	};
	// n8n re-runs this stack entry when the wait ends: on an answer our webhook replaces its input,
	// on a timeout n8n passes this input through (the waiting node is disabled), so it is the timeout item.
	const executeData = ctx.getExecuteData();
	executeData.data.main[0] = [marker];
	await ctx.putExecutionToWait(until);
	return [[marker]];
}

/** The node's Options that apply to a question: Reply To Message ID, Tracking Data, Status Callback URL. */
function readSendOptions(options: IDataObject): SendOptions & { replyTo?: string } {
	return {
		statusCallbackUrl: text(options.statusCallbackUrl),
		trackingData: text(options.trackingData),
		replyTo: text(options.replyTo),
	};
}

function text(value: unknown): string | undefined {
	return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function freeTextMessage(question: AskQuestion): OutboundMessage {
	const body = [question.header, question.body, question.footer].filter(Boolean).join('\n\n');
	return { to: question.to, replyTo: question.replyTo, options: question.sendOptions, type: 'text', text: { body } };
}

/** The question as asked, read from the waiting execution (the input n8n kept for this node). */
function waitingQuestion(ctx: IWebhookFunctions): QuestionRecord | undefined {
	try {
		const question = ctx.evaluateExpression('{{ $json.question }}', 0) as unknown;
		return question && typeof question === 'object' ? (question as QuestionRecord) : undefined;
	} catch {
		return undefined;
	}
}

/**
 * The waiting webhook: n8n checked its own signature (execution, node, question, option, customer);
 * this checks that the WhatsApp trigger forwarded it and that it answers the question now waiting.
 */
export async function sendAndWaitWebhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const res = this.getResponseObject();
	const refuse = (status: number, reason: string): IWebhookResponseData => {
		this.logger.warn(`Send WhatsApp refused an answer (${status}): ${reason}`, { node: this.getNode().name });
		res.status(status).json({ error: status === 401 ? 'Unauthorized' : 'This question is closed' });
		return { noWebhookResponse: true };
	};
	const credentialType = this.getNodeParameter('authentication') as string;
	const provider = providerFor(credentialType);
	if (!provider?.ask) return refuse(401, `unknown provider "${credentialType}"`);
	const credentials = await this.getCredentials(credentialType);
	const secret = provider.ask.secret(credentials);
	const req = this.getRequestObject();
	const bytes = await readRequestBytes(req as unknown as Parameters<typeof readRequestBytes>[0]);
	if (!bytes) return refuse(401, 'no body');
	const why = verifyForward(secret, req.headers as Record<string, unknown>, bytes);
	if (why) return refuse(401, why);
	let answer: ForwardedAnswer;
	try {
		answer = (JSON.parse(bytes.toString('utf8')) as { answer: ForwardedAnswer }).answer;
	} catch {
		return refuse(401, 'malformed body');
	}
	const query = this.getQueryData() as Record<string, string>;
	const question = waitingQuestion(this);
	if (!question || question.q !== query.q) return refuse(410, 'the answer is for another question of this node (it was asked again)');
	const sender = [normalisePhone(answer.from), answer.userId].filter(Boolean);
	if (!sender.includes(question.to)) return refuse(401, 'the answer comes from another customer');

	const option = /^\d$/.test(query.c) ? question.options[Number(query.c)] : undefined;
	if (query.c !== 't' && !option) return refuse(401, `unknown option ${query.c}`);
	// A tap answers as the question was shaped (reply buttons or a list); a typed answer is text.
	const type = option && answer.reply?.id ? question.shape : 'text';
	const item: IDataObject = {
		answer: {
			type,
			id: option?.id ?? null,
			title: option?.title ?? answer.reply?.title ?? null,
			text: answer.text ?? null,
			...(answer.media ? { media: answer.media as IDataObject } : {}),
			...(answer.location ? { location: answer.location as IDataObject } : {}),
			...(option ? {} : { messageType: answer.type ?? null }),
		},
		...(question.responseType === 'approval' ? { approved: option?.id === 'approve' } : {}),
		from: answer.from ?? null,
		userId: answer.userId ?? null,
		profileName: answer.profileName ?? null,
		messageId: answer.messageId ?? null,
		answeredAt: answer.timestamp ?? new Date().toISOString(),
		question: { messageId: question.messageId, q: question.q, to: question.to, provider: question.provider, responseType: question.responseType },
	};
	return { workflowData: [[{ json: item, pairedItem: { item: 0 } }]], webhookResponse: JSON.stringify({ resumed: true }) };
}
