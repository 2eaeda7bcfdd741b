/**
 * Send and Wait for Reply in a real n8n 2.40.7 (regular mode): the question goes out over the Meta
 * sandbox, the execution waits through n8n's own mechanism, the customer's tap reaches the WhatsApp
 * trigger as a signed webhook, the trigger forwards it to the waiting execution, and that execution
 * resumes with the answer; no execution of the trigger's workflow starts for it.
 */
import * as fs from 'node:fs';

import * as host from '../../scripts/host/n8n';
import { startSandbox, type Sandbox } from '../../sandbox';
import { askAndWait, askWorkflow, lastMetaQuestion, tapMeta, waitForStatus } from './helpers/ask';
import { activate, createConnections, executionCount, itemsOf, META, n8n, sleep, triggerWorkflow, TWILIO, WEBHOOK, type ConnectionIds } from './session';

const CUSTOMER = '16505551234';
const OTHER = '16505559999';

describe('Send and Wait for Reply (Meta, regular mode)', () => {
	const { client, logFile } = n8n();
	let sb: Sandbox;
	let connections: ConnectionIds;
	let trigger: { id: string; url: string };
	let approval: string;

	beforeAll(async () => {
		sb = await startSandbox();
		connections = await createConnections(client, sb, 'ask');
		const { workflow, webhookId } = triggerWorkflow('e2e ask: inbound', META, connections[META], ['message']);
		trigger = await activate(client, workflow, webhookId);
		approval = (await host.importWorkflow(client, askWorkflow('e2e ask: approval', META, connections[META], { to: `+${CUSTOMER}`, message: 'Refund order 1042 (€30)?', responseType: 'approval' }))).id;
	}, 120000);
	afterAll(async () => {
		await sb?.close();
	});

	const logSince = (offset: number) => fs.readFileSync(logFile, 'utf8').slice(offset);
	const logSize = () => fs.statSync(logFile).size;

	it('Approve tapped: the waiting execution resumes with answer.id "approve", and no other execution starts', async () => {
		const before = await executionCount(client, trigger.id);
		const executionId = await askAndWait(client, approval);
		const question = lastMetaQuestion(sb);
		expect(question.to).toBe(CUSTOMER);
		expect(question.kind).toBe('button');
		expect(question.options.map((o) => o.title)).toEqual(['Approve', 'Decline']);
		for (const option of question.options) expect(option.id).toMatch(/^w1\.\d+\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{8}\.\d\.[A-Za-z0-9_-]{43}$/);

		const fired = await tapMeta(sb, trigger.url, CUSTOMER, question.options[0]);
		expect(fired.status).toBe(200);
		const done = await waitForStatus(client, executionId, ['success', 'error'], 60000);
		expect(done.status).toBe('success');
		const [answer] = itemsOf(done, 'After');
		expect(answer).toEqual(
			expect.objectContaining({
				answer: expect.objectContaining({ type: 'button', id: 'approve', title: 'Approve' }),
				approved: true,
				from: `+${CUSTOMER}`,
				question: expect.objectContaining({ to: `+${CUSTOMER}`, provider: 'meta' }),
			}),
		);
		await sleep(1500);
		expect(await executionCount(client, trigger.id)).toBe(before);
	});

	it('a forged tap and another customer’s tap resume nothing and start nothing (logged); a second tap after the answer starts nothing (logged)', async () => {
		const before = await executionCount(client, trigger.id);
		const executionId = await askAndWait(client, approval);
		const question = lastMetaQuestion(sb);
		const offset = logSize();
		// One character of the signature changed.
		const id = question.options[0].id;
		const forged = { ...question.options[0], id: id.slice(0, -2) + (id.at(-2) === 'A' ? 'B' : 'A') + id.at(-1) };
		expect((await tapMeta(sb, trigger.url, CUSTOMER, forged)).status).toBe(200);
		// The real id, tapped by someone else (their own signed delivery).
		expect((await tapMeta(sb, trigger.url, OTHER, question.options[0])).status).toBe(200);
		// The same id with another option index.
		const otherOption = { ...question.options[0], id: id.replace(/\.(\d)\.([^.]+)$/, '.1.$2') };
		expect((await tapMeta(sb, trigger.url, CUSTOMER, otherOption)).status).toBe(200);
		await sleep(1500);
		expect((await host.getExecution(client, executionId)).status).toBe('waiting');
		expect(logSince(offset).match(/was refused \(HTTP 401\)/g)?.length).toBe(3);

		// Decline, then Approve: the first answer wins; the second starts nothing and is logged.
		expect((await tapMeta(sb, trigger.url, CUSTOMER, question.options[1])).status).toBe(200);
		const done = await waitForStatus(client, executionId, ['success', 'error'], 60000);
		expect(itemsOf(done, 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ id: 'decline' }), approved: false }));
		const offset2 = logSize();
		expect((await tapMeta(sb, trigger.url, CUSTOMER, question.options[0])).status).toBe(200);
		await sleep(1500);
		expect(logSince(offset2)).toMatch(/answers a question already answered, timed out or gone/);
		expect(itemsOf(await host.getExecution(client, executionId), 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ id: 'decline' }) }));
		expect(await executionCount(client, trigger.id)).toBe(before);
	});

	it('a direct call of the resume URL without the trigger’s signature resumes nothing', async () => {
		const executionId = await askAndWait(client, approval);
		const question = lastMetaQuestion(sb);
		const [, exec, nodeId, q, c, sig] = question.options[0].id.split('.');
		const signature = Buffer.from(sig, 'base64url').toString('hex');
		const { createHash } = await import('node:crypto');
		const u = createHash('sha256').update(`+${CUSTOMER}`).digest('hex').slice(0, 16);
		const url = `${client.url}/webhook-waiting/${exec}/${nodeId}?q=${q}&c=${c}&u=${u}&signature=${signature}`;
		const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answer: { from: CUSTOMER, messageId: 'x' } }) });
		expect(response.status).toBe(401);
		await sleep(1000);
		expect((await host.getExecution(client, executionId)).status).toBe('waiting');
		// The customer then answers for real.
		await tapMeta(sb, trigger.url, CUSTOMER, question.options[0]);
		expect((await waitForStatus(client, executionId, ['success', 'error'])).status).toBe('success');
	});

	it('a list of 5 choices: the chosen row resumes with the user’s own id', async () => {
		const choices = ['Mon 9:00', 'Mon 14:00', 'Tue 9:00', 'Tue 14:00', 'Wed 9:00'].map((title, i) => ({ id: `slot-${i + 1}`, title }));
		const wf = await host.importWorkflow(
			client,
			askWorkflow('e2e ask: list', META, connections[META], { to: `+${CUSTOMER}`, message: 'Pick a delivery slot', responseType: 'choice', choices: { choice: choices }, choiceListButton: 'Slots' }),
		);
		const executionId = await askAndWait(client, wf.id);
		const question = lastMetaQuestion(sb);
		expect(question.kind).toBe('list');
		expect(question.options.map((o) => o.title)).toEqual(choices.map((c) => c.title));
		await tapMeta(sb, trigger.url, CUSTOMER, question.options[2], 'list');
		const done = await waitForStatus(client, executionId, ['success', 'error']);
		expect(itemsOf(done, 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ type: 'list', id: 'slot-3', title: 'Tue 9:00' }) }));
	});

	it('a normal message (and a reply to a button of the user’s own) still starts the workflow', async () => {
		const before = await executionCount(client, trigger.id);
		await sb.fire({ provider: 'meta', url: trigger.url, from: CUSTOMER, text: 'hello' });
		await sb.fire({ provider: 'meta', url: trigger.url, from: CUSTOMER, type: 'interactive', text: 'Yes' });
		await host.waitForExecutions(client, trigger.id, before + 2, 60000);
	});

	it('Limit Wait Time of 5 seconds: the execution resumes as timed out (n8n checks waiting executions every 60 s)', async () => {
		const wf = await host.importWorkflow(
			client,
			askWorkflow('e2e ask: timeout', META, connections[META], {
				to: `+${CUSTOMER}`,
				message: 'Still there?',
				responseType: 'approval',
				waitOptions: { limitWaitTime: { values: { limitType: 'afterTimeInterval', resumeAmount: 5, resumeUnit: 'seconds' } } },
			}),
		);
		const before = await executionCount(client, trigger.id);
		const executionId = await askAndWait(client, wf.id);
		const question = lastMetaQuestion(sb);
		const done = await waitForStatus(client, executionId, ['success', 'error'], 100000);
		expect(done.status).toBe('success');
		expect(itemsOf(done, 'After')[0]).toEqual(
			expect.objectContaining({
				answer: { type: 'timeout', id: null, title: null, text: null },
				approved: false,
				from: null,
				question: expect.objectContaining({ to: `+${CUSTOMER}`, provider: 'meta', messageId: expect.stringMatching(/^wamid\./) }),
			}),
		);
		// A tap after the timeout resumes nothing and starts nothing; it is logged.
		const offset = logSize();
		expect((await tapMeta(sb, trigger.url, CUSTOMER, question.options[0])).status).toBe(200);
		await sleep(1500);
		expect(logSince(offset)).toMatch(/answers a question already answered, timed out or gone/);
		expect(await executionCount(client, trigger.id)).toBe(before);
	}, 130000);
});

describe('Send and Wait for Reply (Twilio, regular mode)', () => {
	const { client } = n8n();
	let sb: Sandbox;
	let connections: ConnectionIds;
	let trigger: { id: string; url: string };
	const CUSTOMER_TWILIO = '+14155550123';

	beforeAll(async () => {
		sb = await startSandbox();
		connections = await createConnections(client, sb, 'ask twilio', { [TWILIO]: { contentBaseUrl: sb.twilioBaseUrl } });
		const { workflow, webhookId } = triggerWorkflow('e2e ask twilio: inbound', TWILIO, connections[TWILIO], ['message']);
		trigger = await activate(client, workflow, webhookId);
	}, 120000);
	afterAll(async () => {
		await sb?.close();
	});

	/** The ids of the last content the question was made of (quick reply or list picker). */
	function lastContentIds(): Array<{ id: string; title: string }> {
		const contents = sb.requestsFor('twilio', '/v1/Content').filter((r) => r.method === 'POST');
		const types = (contents[contents.length - 1].body as { types: Record<string, { actions?: Array<{ id: string; title: string }>; items?: Array<{ id: string; item: string }> }> }).types;
		return types['twilio/quick-reply']?.actions ?? (types['twilio/list-picker']?.items ?? []).map(({ id, item }) => ({ id, title: item }));
	}

	it('quick reply: the customer taps Approve (ButtonPayload); the execution resumes, nothing else starts', async () => {
		const wf = await host.importWorkflow(client, askWorkflow('e2e ask twilio: approval', TWILIO, connections[TWILIO], { to: CUSTOMER_TWILIO, message: 'Confirm your 10:00 appointment?', responseType: 'approval', approvalOptions: { values: { approveLabel: 'Confirm', disapproveLabel: 'Cancel' } } }));
		const before = await executionCount(client, trigger.id);
		const executionId = await askAndWait(client, wf.id);
		const [confirm] = lastContentIds();
		expect(confirm.title).toBe('Confirm');
		const fired = await sb.fire({ provider: 'twilio', url: trigger.url, from: CUSTOMER_TWILIO, type: 'button', text: 'Confirm', params: { ButtonPayload: confirm.id, ButtonText: 'Confirm' } });
		expect(fired.status).toBe(200);
		const done = await waitForStatus(client, executionId, ['success', 'error']);
		expect(itemsOf(done, 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ type: 'button', id: 'approve', title: 'Confirm' }), approved: true, from: CUSTOMER_TWILIO }));
		await sleep(1500);
		expect(await executionCount(client, trigger.id)).toBe(before);
	});

	it('free text: the question is registered with the trigger; the customer’s next message answers it; other customers’ messages start the workflow as usual', async () => {
		const wf = await host.importWorkflow(client, askWorkflow('e2e ask twilio: free text', TWILIO, connections[TWILIO], { to: CUSTOMER_TWILIO, message: 'What is your order number?', responseType: 'freeText', replyTriggerUrl: trigger.url }));
		const before = await executionCount(client, trigger.id);
		const executionId = await askAndWait(client, wf.id);
		const [sent] = sb.requestsFor('twilio', '/Messages.json').slice(-1).map((r) => r.body as Record<string, string>);
		expect(sent.Body).toBe('What is your order number?');
		// Someone else writes first: a normal message, it starts the workflow; the question keeps waiting.
		await sb.fire({ provider: 'twilio', url: trigger.url, from: '+14155550999', text: 'hello' });
		await host.waitForExecutions(client, trigger.id, before + 1, 60000);
		expect((await host.getExecution(client, executionId)).status).toBe('waiting');
		// The asked customer answers.
		expect((await sb.fire({ provider: 'twilio', url: trigger.url, from: CUSTOMER_TWILIO, text: '42' })).status).toBe(200);
		const done = await waitForStatus(client, executionId, ['success', 'error']);
		expect(itemsOf(done, 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ type: 'text', id: null, text: '42' }), from: CUSTOMER_TWILIO }));
		// The next message is a normal one again.
		await sb.fire({ provider: 'twilio', url: trigger.url, from: CUSTOMER_TWILIO, text: 'thanks' });
		await host.waitForExecutions(client, trigger.id, before + 2, 60000);
		await sleep(1000);
		expect(await executionCount(client, trigger.id)).toBe(before + 2);
	});

	it('with a Reply Trigger URL, a typed option number answers too (where WhatsApp shows the numbered text); other text stays a normal message', async () => {
		const wf = await host.importWorkflow(client, askWorkflow('e2e ask twilio: typed number', TWILIO, connections[TWILIO], { to: CUSTOMER_TWILIO, message: 'Keep the booking?', responseType: 'approval', replyTriggerUrl: trigger.url }));
		const before = await executionCount(client, trigger.id);
		const executionId = await askAndWait(client, wf.id);
		await sb.fire({ provider: 'twilio', url: trigger.url, from: CUSTOMER_TWILIO, text: 'which booking?' });
		await host.waitForExecutions(client, trigger.id, before + 1, 60000);
		expect((await host.getExecution(client, executionId)).status).toBe('waiting');
		await sb.fire({ provider: 'twilio', url: trigger.url, from: CUSTOMER_TWILIO, text: '2' });
		const done = await waitForStatus(client, executionId, ['success', 'error']);
		expect(itemsOf(done, 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ type: 'text', id: 'decline', title: 'Decline', text: '2' }), approved: false }));
		await sleep(1000);
		expect(await executionCount(client, trigger.id)).toBe(before + 1);
	});

	it('free text with the trigger inactive: the ask fails before anything is sent, saying what to do', async () => {
		const wf = await host.importWorkflow(client, askWorkflow('e2e ask twilio: no trigger', TWILIO, connections[TWILIO], { to: CUSTOMER_TWILIO, message: 'Anything else?', responseType: 'freeText', replyTriggerUrl: `${client.url}/webhook/00000000-0000-4000-8000-000000000000/whatsapp` }));
		const sentBefore = sb.requestsFor('twilio', '/Messages.json').length;
		const execution = await host.runWorkflowManually(client, wf.id, { wait: true });
		expect(execution.status).toBe('error');
		expect(JSON.stringify(execution.data.resultData.error)).toMatch(/no active workflow listens there \(HTTP 404\)/);
		expect(sb.requestsFor('twilio', '/Messages.json')).toHaveLength(sentBefore);
	});
});

describe('Send and Wait for Reply (gateway, regular mode)', () => {
	const { client } = n8n();
	let sb: Sandbox;
	let connections: ConnectionIds;
	let trigger: { id: string; url: string };

	beforeAll(async () => {
		sb = await startSandbox();
		connections = await createConnections(client, sb, 'ask gateway');
		const { workflow, webhookId } = triggerWorkflow('e2e ask gateway: inbound', WEBHOOK, connections[WEBHOOK], ['message']);
		trigger = await activate(client, workflow, webhookId);
	}, 120000);
	afterAll(async () => {
		await sb?.close();
	});

	it('the buttons and their answers go out in {{message}}; the gateway posts the tapped id back as reply.id; the execution resumes', async () => {
		const wf = await host.importWorkflow(
			client,
			askWorkflow('e2e ask gateway: choice', WEBHOOK, connections[WEBHOOK], {
				to: '+14155550123',
				message: 'Morning or afternoon?',
				responseType: 'choice',
				choices: { choice: [{ id: 'am', title: 'Morning' }, { id: 'pm', title: 'Afternoon' }] },
			}),
		);
		const before = await executionCount(client, trigger.id);
		const executionId = await askAndWait(client, wf.id);
		const [request] = sb.requestsFor('gateway').slice(-1);
		const message = (request.body as { message: { answers: Array<{ id: string; title: string; number: number }>; interactive: { type: string } } }).message;
		expect(message.interactive.type).toBe('button');
		expect(message.answers.map(({ title, number }) => [title, number])).toEqual([['Morning', 1], ['Afternoon', 2]]);
		const fired = await sb.fire({ provider: 'gateway', url: trigger.url, from: '+14155550123', text: 'Afternoon', message: { reply: { id: message.answers[1].id, title: 'Afternoon' } } });
		expect(fired.status).toBe(200);
		const done = await waitForStatus(client, executionId, ['success', 'error']);
		expect(itemsOf(done, 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ type: 'button', id: 'pm', title: 'Afternoon' }) }));
		await sleep(1000);
		expect(await executionCount(client, trigger.id)).toBe(before);
	});
});
