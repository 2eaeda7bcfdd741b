/**
 * The trigger's side of Send and Wait for Reply (nodes/shared/ask/answers.ts), against a stand-in of
 * n8n's waiting endpoint on 127.0.0.1 that checks n8n's URL signature the way n8n-core does (an HMAC of
 * path and query with the instance's secret): which events are answers, where they are forwarded,
 * what is left to start the workflow, and the free-text registry.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { askRegistration, clearAskRegistries, routeAnswers } from '../../nodes/shared/ask/answers';
import { signForward, type AskRegistration } from '../../nodes/shared/ask/forward';
import type { InboundEvent } from '../../nodes/shared/inbound';
import { metaCloud } from '../../nodes/shared/providers/meta';

const INSTANCE_SECRET = 'instance-secret';
const APP_SECRET = 'meta-app-secret';
const credentials = { appSecret: APP_SECRET, accessToken: 't', phoneNumberId: '1' };
const NODE_ID = '3f1c2a9e-5b7d-4c8e-9f00-1a2b3c4d5e6f';
const CUSTOMER = '+16505551234';

const u = (address: string) => createHash('sha256').update(address).digest('hex').slice(0, 16);
const sign = (pathAndQuery: string) => createHmac('sha256', INSTANCE_SECRET).update(pathAndQuery).digest('hex');

/** The reply id n8n's signature would give option `c` of question `q`, asked to `to`. */
function replyId(executionId: string, q: string, c: number, to: string): string {
	const signature = sign(`/webhook-waiting/${executionId}/${NODE_ID}?q=${q}&c=${c}&u=${u(to)}`);
	return `w1.${executionId}.${NODE_ID}.${q}.${c}.${Buffer.from(signature, 'hex').toString('base64url')}`;
}

/** A resume URL as a (worker's) getSignedResumeUrl gives it: on another host, which the trigger must not use. */
function signedUrl(executionId: string, q: string, c: string, to: string): string {
	const path = `/webhook-waiting/${executionId}/${NODE_ID}?q=${q}&c=${c}&u=${u(to)}`;
	return `http://worker.internal:5679${path}&signature=${sign(path)}`;
}

interface Forward {
	path: string;
	body: { answer: InboundEvent };
	status: number;
}

let server: http.Server;
let base: string;
const forwards: Forward[] = [];
const resumed = new Set<string>();

beforeAll(async () => {
	// n8n's WaitingWebhooks for a send-and-wait node: the URL signature, then one resume per execution.
	server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const url = new URL(req.url!, 'http://x');
			const signature = url.searchParams.get('signature') ?? '';
			url.searchParams.delete('signature');
			const execution = url.pathname.split('/')[2];
			let status = 200;
			let body = '{"resumed":true}';
			if (sign(`${url.pathname}${url.search}`) !== signature) [status, body] = [401, '<html>invalid token</html>'];
			else if (resumed.has(execution)) body = '<html>no action required</html>';
			else resumed.add(execution);
			forwards.push({ path: `${url.pathname}${url.search}`, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Forward['body'], status });
			res.writeHead(status, { 'content-type': status === 200 && body.startsWith('{') ? 'application/json' : 'text/html' }).end(body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
	await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
	forwards.length = 0;
	resumed.clear();
	clearAskRegistries();
});

/** The webhook functions routeAnswers uses: the waiting base URL, static data, n8n's HTTP helper, the log. */
function context(staticData: IDataObject = {}) {
	const logs: Array<[string, string]> = [];
	const ctx = {
		getWorkflow: () => ({ id: 'wf-1' }),
		getNode: () => ({ name: 'WhatsApp Trigger' }),
		getWorkflowStaticData: () => staticData,
		evaluateExpression: () => `${base}/webhook-waiting/__UNKNOWN__`,
		getNodeWebhookUrl: () => `${base}/webhook/abc/whatsapp`,
		logger: { info: (message: string) => logs.push(['info', message]), warn: (message: string) => logs.push(['warn', message]), debug: () => undefined },
		helpers: {
			async httpRequest(options: { url: string; method: string; body: string; headers: Record<string, string> }) {
				const response = await fetch(options.url, { method: options.method, body: options.body, headers: options.headers });
				return { statusCode: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
			},
			httpRequestWithAuthentication: () => Promise.reject(new Error('not used')),
		},
	} as unknown as IWebhookFunctions;
	return { ctx, logs, staticData };
}

const message = (extra: Partial<InboundEvent>): InboundEvent => ({ provider: 'meta', event: 'message', from: CUSTOMER, messageId: `wamid.${Math.random()}`, type: 'text', raw: { secret: 'x' }, ...extra });
const tap = (id: string, from = CUSTOMER, extra: Partial<InboundEvent> = {}) => message({ type: 'interactive', reply: { id, title: 'Approve' }, from, ...extra });

describe('taps (reply ids)', () => {
	it('forwards the asked customer’s tap to the execution’s resume URL on this instance, with the event but not its raw payload; nothing starts', async () => {
		const { ctx, logs } = context();
		const id = replyId('42', 'AbCdEf12', 0, CUSTOMER);
		const left = await routeAnswers(ctx, metaCloud, credentials, [tap(id)], true, false);
		expect(left).toEqual([]);
		expect(forwards).toHaveLength(1);
		expect(forwards[0]).toEqual(expect.objectContaining({ path: `/webhook-waiting/42/${NODE_ID}?q=AbCdEf12&c=0&u=${u(CUSTOMER)}`, status: 200 }));
		expect(forwards[0].body.answer).toEqual(expect.objectContaining({ from: CUSTOMER, reply: { id, title: 'Approve' } }));
		expect(forwards[0].body.answer).not.toHaveProperty('raw');
		expect(logs).toEqual([['info', expect.stringMatching(/resumed its waiting execution/)]]);
	});

	it('another customer’s tap, a changed option and a second tap resume nothing, start nothing, and are logged', async () => {
		const { ctx, logs } = context();
		const id = replyId('43', 'AbCdEf12', 0, CUSTOMER);
		const changed = id.replace('.0.', '.1.');
		const left = await routeAnswers(ctx, metaCloud, credentials, [tap(id, '+16505559999'), tap(changed), tap(id), tap(id)], true, false);
		expect(left).toEqual([]);
		expect(forwards.map((f) => f.status)).toEqual([401, 401, 200, 200]);
		expect(logs.map(([level, text]) => `${level} ${/refused|resumed|already answered/.exec(text)?.[0]}`)).toEqual(['warn refused', 'warn refused', 'info resumed', 'warn already answered']);
	});

	it('a question asked to the BSUID is answered by its user (the number is tried first)', async () => {
		const { ctx } = context();
		const id = replyId('44', 'AbCdEf12', 1, 'US.13491208655302741918');
		await routeAnswers(ctx, metaCloud, credentials, [tap(id, CUSTOMER, { userId: 'US.13491208655302741918' })], true, false);
		expect(forwards.map((f) => f.status)).toEqual([401, 200]);
	});

	it('leaves other events alone: other reply ids, statuses, unverified requests; with Also Start, answers start the workflow too', async () => {
		const { ctx } = context();
		const id = replyId('45', 'AbCdEf12', 0, CUSTOMER);
		const own = tap('confirm-order');
		const status: InboundEvent = { provider: 'meta', event: 'status', status: 'read', raw: {} };
		expect(await routeAnswers(ctx, metaCloud, credentials, [own, status], true, false)).toEqual([own, status]);
		const unverified = tap(id);
		expect(await routeAnswers(ctx, metaCloud, credentials, [unverified], false, false)).toEqual([unverified]);
		expect(forwards).toHaveLength(0);
		const answer = tap(id);
		expect(await routeAnswers(ctx, metaCloud, credentials, [answer], true, true)).toEqual([answer]);
		expect(forwards).toHaveLength(1);
	});
});

describe('questions answered by text (the registry)', () => {
	function register(ctx: IWebhookFunctions, entry: Partial<AskRegistration>, secret = APP_SECRET) {
		const body = JSON.stringify({ kind: 'ask-register', to: CUSTOMER, optionUrls: [], ...entry });
		return askRegistration(ctx, metaCloud, credentials, signForward(secret, body), Buffer.from(body));
	}

	it('a registration must carry the forward signature of the same account', () => {
		const { ctx, staticData } = context();
		expect(register(ctx, { q: 'AbCdEf12', resumeUrl: signedUrl('50', 'AbCdEf12', 't', CUSTOMER) }, 'another-secret')).toEqual(expect.objectContaining({ status: 401, reason: expect.stringMatching(/does not match/) }));
		expect(staticData.askRegistry).toBeUndefined();
		expect(register(ctx, { q: 'AbCdEf12', resumeUrl: signedUrl('50', 'AbCdEf12', 't', CUSTOMER) })).toEqual({ status: 200, body: '{"registered":true}' });
		expect(staticData.askRegistry).toEqual({ [CUSTOMER]: [expect.objectContaining({ q: 'AbCdEf12' })] });
		// Not a registration at all (no forward signature): the provider's verification runs as usual.
		expect(askRegistration(ctx, metaCloud, credentials, {}, Buffer.from('{}'))).toBeUndefined();
	});

	it('the newest open question takes the next message, then the older one; a numbered question takes only its numbers; others start the workflow', async () => {
		const { ctx, staticData } = context();
		register(ctx, { q: 'Older111', resumeUrl: signedUrl('51', 'Older111', 't', CUSTOMER) });
		register(ctx, { q: 'Newer222', resumeUrl: signedUrl('52', 'Newer222', 't', CUSTOMER) });
		register(ctx, {
			q: 'Numbers3',
			resumeUrl: signedUrl('53', 'Numbers3', 't', CUSTOMER),
			optionUrls: [signedUrl('53', 'Numbers3', '0', CUSTOMER), signedUrl('53', 'Numbers3', '1', CUSTOMER)],
		});
		const someoneElse = message({ from: '+16505559999', text: 'hi' });
		const first = message({ text: 'my order is A-1' });
		expect(await routeAnswers(ctx, metaCloud, credentials, [someoneElse, first], true, false)).toEqual([someoneElse]);
		expect(forwards.map((f) => f.path.split('?')[0])).toEqual([`/webhook-waiting/52/${NODE_ID}`]);
		expect(await routeAnswers(ctx, metaCloud, credentials, [message({ text: '2' })], true, false)).toEqual([]);
		expect(forwards[1].path).toContain('/53/');
		expect(forwards[1].path).toContain('c=1');
		expect(await routeAnswers(ctx, metaCloud, credentials, [message({ text: 'and another thing' })], true, false)).toEqual([]);
		expect(forwards[2].path).toContain('/51/');
		expect(forwards.every((f) => f.status === 200)).toBe(true);
		const last = message({ text: 'thanks' });
		expect(await routeAnswers(ctx, metaCloud, credentials, [last], true, false)).toEqual([last]);
		expect(staticData.askRegistry).toEqual({});
	});

	it('a reply quoting a question answers that one, even when a newer one is open', async () => {
		const { ctx } = context();
		register(ctx, { q: 'Quoted77', resumeUrl: signedUrl('57', 'Quoted77', 't', CUSTOMER) });
		register(ctx, { q: 'Quoted77', resumeUrl: signedUrl('57', 'Quoted77', 't', CUSTOMER), questionMessageId: 'wamid.QUESTION57' });
		register(ctx, { q: 'Newest88', resumeUrl: signedUrl('58', 'Newest88', 't', CUSTOMER), questionMessageId: 'wamid.QUESTION58' });
		await routeAnswers(ctx, metaCloud, credentials, [message({ text: 'about the first', context: { messageId: 'wamid.QUESTION57' } })], true, false);
		await routeAnswers(ctx, metaCloud, credentials, [message({ text: 'unquoted' })], true, false);
		expect(forwards.map((f) => f.path.split('/')[2])).toEqual(['57', '58']);
	});

	it('a tap closes the same question’s typed-number entry; expired questions take nothing', async () => {
		const { ctx, staticData } = context();
		register(ctx, { q: 'Numbers4', resumeUrl: signedUrl('54', 'Numbers4', 't', CUSTOMER), optionUrls: [signedUrl('54', 'Numbers4', '0', CUSTOMER)] });
		register(ctx, { q: 'Expired5', resumeUrl: signedUrl('55', 'Expired5', 't', CUSTOMER), expiresAt: '2020-01-01T00:00:00.000Z' });
		await routeAnswers(ctx, metaCloud, credentials, [tap(replyId('54', 'Numbers4', 0, CUSTOMER))], true, false);
		expect(staticData.askRegistry).toEqual({});
		const typed = message({ text: '1' });
		expect(await routeAnswers(ctx, metaCloud, credentials, [typed], true, false)).toEqual([typed]);
		expect(forwards).toHaveLength(1);
	});

	it('after a restart (no copy in this process), the registry comes back from the workflow’s static data', async () => {
		const first = context();
		register(first.ctx, { q: 'Restart6', resumeUrl: signedUrl('56', 'Restart6', 't', CUSTOMER) });
		clearAskRegistries();
		const { ctx } = context(JSON.parse(JSON.stringify(first.staticData)) as IDataObject);
		expect(await routeAnswers(ctx, metaCloud, credentials, [message({ text: 'here' })], true, false)).toEqual([]);
		expect(forwards.map((f) => f.status)).toEqual([200]);
	});
});
