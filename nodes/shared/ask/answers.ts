/**
 * The trigger's side of Send and Wait for Reply: it recognises answers among the verified events
 * (a reply id of this package, or the next message of a customer with a question registered for a
 * text answer), forwards each to its waiting execution, and leaves every other event to start the
 * workflow as usual. A message whose reply id is not of this package is a normal message.
 */
import type { ICredentialDataDecryptedObject, IDataObject, IWebhookFunctions } from 'n8n-workflow';

import type { InboundEvent } from '../inbound';
import { normalisePhone } from '../phone';
import type { WhatsAppProvider } from '../providers/types';
import { safeEqual } from '../signatures';
import { createPlainTransport } from '../transport';
import { ASK_SIGNATURE_HEADER, forwardAnswer, forwardedAnswer, verifyForward, type AskRegistration, type ForwardOutcome } from './forward';
import { parseReplyId, resumeUrl } from './token';

/** Questions answered by text, per trigger workflow: this process's copy, saved whole into the workflow's static data. */
const registries = new Map<string, Record<string, AskRegistration[]>>();
/** Registered questions kept when they have no time limit. */
const NO_LIMIT_KEEP_MS = 30 * 86_400_000;
const MAX_OPEN_PER_CUSTOMER = 20;

type Registry = Record<string, AskRegistration[]>;

function registryOf(ctx: IWebhookFunctions): Registry {
	const key = String(ctx.getWorkflow().id ?? '');
	let registry = registries.get(key);
	if (!registry) {
		const stored = ctx.getWorkflowStaticData('global').askRegistry as Registry | undefined;
		registry = stored && typeof stored === 'object' ? (JSON.parse(JSON.stringify(stored)) as Registry) : {};
		registries.set(key, registry);
	}
	return registry;
}

function saveRegistry(ctx: IWebhookFunctions, registry: Registry, now = Date.now()): void {
	for (const [customer, entries] of Object.entries(registry)) {
		const open = entries.filter((entry) => (entry.expiresAt ? Date.parse(entry.expiresAt) : Date.parse(entry.registeredAt) + NO_LIMIT_KEEP_MS) > now);
		if (open.length > 0) registry[customer] = open.slice(-MAX_OPEN_PER_CUSTOMER);
		else delete registry[customer];
	}
	// n8n saves the workflow's static data after this request when it changed.
	ctx.getWorkflowStaticData('global').askRegistry = JSON.parse(JSON.stringify(registry)) as IDataObject;
}

/** Forgets this process's copies (tests; a restart does the same). */
export function clearAskRegistries(): void {
	registries.clear();
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
	const value = headers[name];
	return Array.isArray(value) ? String(value[0]) : typeof value === 'string' ? value : undefined;
}

/**
 * A Send node registering a question answered by text, or undefined when the request is not one
 * (then the provider's verification runs as usual).
 */
export function askRegistration(
	ctx: IWebhookFunctions,
	provider: WhatsAppProvider,
	credentials: ICredentialDataDecryptedObject,
	headers: Record<string, unknown>,
	body: Buffer | undefined,
): { status: number; body: string; reason?: string } | undefined {
	if (header(headers, ASK_SIGNATURE_HEADER) === undefined) return undefined;
	const secret = provider.ask?.secret(credentials) ?? '';
	const why = verifyForward(secret, headers, body ?? Buffer.alloc(0));
	if (why) return { status: 401, body: JSON.stringify({ error: 'Unauthorized' }), reason: `question registration refused: ${why}` };
	let entry: AskRegistration;
	try {
		entry = JSON.parse((body ?? Buffer.alloc(0)).toString('utf8')) as AskRegistration;
	} catch {
		return { status: 400, body: JSON.stringify({ error: 'Malformed registration' }) };
	}
	if (entry.kind !== 'ask-register' || typeof entry.to !== 'string' || typeof entry.resumeUrl !== 'string' || typeof entry.q !== 'string') {
		return { status: 400, body: JSON.stringify({ error: 'Malformed registration' }) };
	}
	const registry = registryOf(ctx);
	const clean: AskRegistration = {
		kind: 'ask-register',
		to: entry.to,
		q: entry.q,
		resumeUrl: entry.resumeUrl,
		optionUrls: Array.isArray(entry.optionUrls) ? entry.optionUrls.map(String) : [],
		expiresAt: typeof entry.expiresAt === 'string' ? entry.expiresAt : undefined,
		registeredAt: new Date().toISOString(),
		...(typeof entry.questionMessageId === 'string' ? { questionMessageId: entry.questionMessageId } : {}),
	};
	const open = registry[clean.to] ?? [];
	const known = open.find((existing) => existing.q === clean.q);
	if (known) {
		// The same question again, with its message ID now: it keeps its place (registration time).
		Object.assign(known, { questionMessageId: clean.questionMessageId ?? known.questionMessageId });
	} else {
		registry[clean.to] = [...open, clean];
	}
	saveRegistry(ctx, registry);
	return { status: 200, body: JSON.stringify({ registered: true }) };
}

/** Where n8n serves waiting executions (…/webhook-waiting), as this instance's resume URLs use it. */
export function waitingBaseUrl(ctx: IWebhookFunctions): string {
	try {
		const url = ctx.evaluateExpression('{{ $execution.resumeUrl }}', 0);
		if (typeof url === 'string' && /^https?:\/\//.test(url)) return url.replace(/\/[^/]*$/, '');
	} catch {
		// fall through
	}
	const own = ctx.getNodeWebhookUrl('default') ?? '';
	return own.replace(/\/webhook\/.*$/, '/webhook-waiting');
}

/** The sender's addresses a question may have been asked to: the number, then the BSUID. */
function senderAddresses(event: InboundEvent): string[] {
	return [normalisePhone(event.from), event.userId].filter((address): address is string => Boolean(address));
}

const label = (event: InboundEvent) => `message ${event.messageId ?? '?'}`;

/**
 * Takes the answers out of `events` and forwards them; resolves with the events left to start the
 * workflow (all of them when `alsoStart`). Only verified deliveries are looked at.
 */
export async function routeAnswers(
	ctx: IWebhookFunctions,
	provider: WhatsAppProvider,
	credentials: ICredentialDataDecryptedObject,
	events: InboundEvent[],
	authenticated: boolean,
	alsoStart: boolean,
): Promise<InboundEvent[]> {
	const secret = provider.ask?.secret(credentials) ?? '';
	if (!authenticated || !provider.ask || !secret) return events;
	const node = { node: ctx.getNode().name };
	const transport = createPlainTransport(ctx);
	const log = (outcome: ForwardOutcome, event: InboundEvent, what: string) => {
		if (outcome.kind === 'resumed') ctx.logger.info(`WhatsApp trigger: ${what} from ${label(event)} resumed its waiting execution`, node);
		else if (outcome.kind === 'refused') ctx.logger.warn(`WhatsApp trigger: ${what} from ${label(event)} was refused (HTTP ${outcome.status}): forged, changed, or another customer's; nothing resumed or started`, node);
		else if (outcome.kind === 'closed') ctx.logger.warn(`WhatsApp trigger: ${what} from ${label(event)} answers a question already answered, timed out or gone (HTTP ${outcome.status}); nothing resumed or started`, node);
		else ctx.logger.warn(`WhatsApp trigger: ${what} from ${label(event)} could not be handed to its waiting execution: ${outcome.reason}`, node);
	};
	let registry: Registry | undefined;
	let registryChanged = false;
	const left: InboundEvent[] = [];
	for (const event of events) {
		if (event.event !== 'message') {
			left.push(event);
			continue;
		}
		const reply = parseReplyId(event.reply?.id);
		if (reply) {
			// The reply id is signed for the customer it was sent to: try the sender's number, then BSUID.
			let outcome: ForwardOutcome = { kind: 'refused', status: 401 };
			let answeredBy: string | undefined;
			for (const address of senderAddresses(event)) {
				outcome = await forwardAnswer(transport, resumeUrl(waitingBaseUrl(ctx), reply, address), secret, forwardedAnswer(event));
				answeredBy = address;
				if (outcome.kind !== 'refused') break;
			}
			log(outcome, event, 'an answer tap');
			// A question also open for a typed number is closed by the tap.
			if (answeredBy && (outcome.kind === 'resumed' || outcome.kind === 'closed')) {
				registry ??= registryOf(ctx);
				const open = registry[answeredBy] ?? [];
				if (open.some((entry) => entry.q === reply.q)) {
					registry[answeredBy] = open.filter((entry) => entry.q !== reply.q);
					registryChanged = true;
				}
			}
			if (alsoStart) left.push(event);
			continue;
		}
		// A question answered by text: the one the message quotes, else the newest open one of this
		// customer that takes it (a free-text question takes any message; numbered options only their numbers).
		registry ??= registryOf(ctx);
		let match: { customer: string; entry: AskRegistration; url: string } | undefined;
		for (const customer of senderAddresses(event)) {
			const entries = (registry[customer] ?? []).filter((entry) => !expired(entry));
			const quoted = event.context?.messageId ? entries.filter((entry) => entry.questionMessageId === event.context?.messageId) : [];
			for (const candidates of [quoted, entries]) {
				for (let index = candidates.length - 1; index >= 0 && !match; index--) {
					const url = acceptedUrl(candidates[index], event);
					if (url) match = { customer, entry: candidates[index], url };
				}
			}
			if (match) break;
		}
		if (!match) {
			left.push(event);
			continue;
		}
		const { customer, entry } = match;
		const outcome = await forwardAnswer(transport, rebased(match.url, waitingBaseUrl(ctx)), secret, forwardedAnswer(event));
		// A text whose question is no longer waiting (answered or timed out) is a normal message again.
		if (outcome.kind === 'closed') ctx.logger.info(`WhatsApp trigger: ${label(event)} would answer a question no longer waiting (HTTP ${outcome.status}); it starts the workflow as a normal message`, node);
		else log(outcome, event, 'a text answer');
		if (outcome.kind !== 'failed') {
			registry[customer] = registry[customer].filter((open) => !safeEqual(open.q, entry.q));
			registryChanged = true;
		}
		if (alsoStart || outcome.kind === 'closed') left.push(event);
	}
	if (registry && registryChanged) saveRegistry(ctx, registry);
	return left;
}

/** The resume URL a message answers an entry with, or undefined when the entry does not take it. */
function acceptedUrl(entry: AskRegistration, event: InboundEvent): string | undefined {
	if (entry.optionUrls.length === 0) return entry.resumeUrl;
	const number = /^\s*(\d{1,2})\s*\.?\s*$/.exec(event.text ?? '')?.[1];
	return number ? entry.optionUrls[Number(number) - 1] : undefined;
}

/**
 * A registered resume URL on this instance's waiting base: a worker signs with its own base URL (its
 * host and port), while n8n checks only the path from the execution on and the query.
 */
function rebased(url: string, base: string): string {
	const parsed = new URL(url);
	const tail = parsed.pathname.split('/').slice(-2).join('/');
	return `${base.replace(/\/+$/, '')}/${tail}${parsed.search}`;
}

function expired(entry: AskRegistration, now = Date.now()): boolean {
	return entry.expiresAt !== undefined && Date.parse(entry.expiresAt) <= now;
}
