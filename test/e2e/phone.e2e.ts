/**
 * The playground phone (sandbox/phone.js, sandbox/customer.js, the page in sandbox/phone/) in headless
 * Chromium, against npm start's stack: the sandbox posting statuses back, a real n8n with the demo
 * connections and the example workflows (scripts/host/demo.js), and the customer's messages sent to
 * the active workflows' triggers found through n8n's REST API (scripts/host/phoneTargets.js).
 * Every check reads the DOM (bubble present, on its side, in order); the pictures go to
 * test-results/screenshots/ (docs/images with npm run docs:screenshots).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

import * as demo from '../../scripts/host/demo';
import * as host from '../../scripts/host/n8n';
import { phoneTargets } from '../../scripts/host/phoneTargets';
import { startSandbox, type Sandbox } from '../../sandbox';
import { askAndWait, askWorkflow, waitForStatus } from './helpers/ask';
import { executionCount, itemsOf, META, n8n, sendWorkflow } from './session';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const OUT_DIR = path.resolve(process.env.E2E_SCREENSHOT_DIR || path.join(__dirname, '..', '..', 'test-results', 'screenshots'));
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
const describeWithBrowser = HAVE_CHROMIUM || process.env.CI ? describe : describe.skip;

const { client, url } = n8n();
let sb: Sandbox;
let provisioned: Awaited<ReturnType<typeof demo.provisionDemo>>;
let context: BrowserContext;
let page: Page;
let userDataDir: string;

const META_WORKFLOW = 'Meta inbound: mark as read and reply';
const TWILIO_WORKFLOW = 'Twilio auto-reply';
const wait = { timeout: 30000 };

/** Waits until `read()` gives `expected` (or matches it), then checks it. */
async function poll<T>(read: () => Promise<T> | T, expected: T | RegExp, timeoutMs = 30000): Promise<void> {
	const ok = (v: T) => (expected instanceof RegExp ? expected.test(String(v)) : v === expected);
	const end = Date.now() + timeoutMs;
	let value = await read();
	while (!ok(value) && Date.now() < end) {
		await new Promise((r) => setTimeout(r, 100));
		value = await read();
	}
	if (expected instanceof RegExp) expect(String(value)).toMatch(expected);
	else expect(value).toBe(expected);
}

const workflow = (file: string) => provisioned.workflows.find((w) => w.file === file)!;

/** The bubbles of the open chat: side, status and text, in order. */
async function bubbles(): Promise<Array<{ side: string; status: string; kind: string; text: string }>> {
	return page.locator('#messages .bubble').evaluateAll((els) =>
		els.map((el) => ({
			side: el.classList.contains('right') ? 'right' : 'left',
			status: el.getAttribute('data-status') ?? '',
			kind: [...el.classList].find((c) => c.startsWith('kind-'))?.slice(5) ?? '',
			text: (el.querySelector('.text')?.textContent ?? '').trim(),
		})),
	);
}

const bubble = (text: string | RegExp): Locator => page.locator('#messages .bubble').filter({ has: page.locator('.text', { hasText: text }) });

/** "New customer" for a connection, then the workflow its messages go to. */
async function newCustomer(provider: 'meta' | 'twilio', workflowName: string): Promise<string> {
	await page.locator('#new-customer select').selectOption(provider);
	await page.locator('#new-customer-button').click();
	await page.locator('#chat:not(.empty)').waitFor(wait);
	const option = page.locator('#target option', { hasText: workflowName });
	await option
		.first()
		.waitFor({ state: 'attached', ...wait })
		.catch(async (error: Error) => {
			await shot('phone-failed-target.png');
			const state = (await (await fetch(`${sb.url}/__sandbox/phone/state`)).json()) as { targets: unknown; targetsError?: string };
			throw new Error(`${error.message}\ntargets: ${JSON.stringify(state.targets)} ${state.targetsError ?? ''}`);
		});
	await page.locator('#target').selectOption({ label: workflowName });
	const id = await page.locator('.chat-row.selected').getAttribute('data-conversation');
	expect(id).toBeTruthy();
	// The choice is saved on the conversation.
	await poll(() => sb.phone.conversation(id!)?.target, provisioned.workflows.find((w) => w.name === workflowName)!.webhooks[0].url);
	return id!;
}

async function type(text: string): Promise<void> {
	await page.locator('#text').fill(text);
	await page.locator('#text').press('Enter');
}

async function shot(name: string): Promise<void> {
	fs.mkdirSync(OUT_DIR, { recursive: true });
	await page.screenshot({ path: path.join(OUT_DIR, name) });
}

describeWithBrowser('the playground phone (npm start) in Chromium', () => {
	beforeAll(async () => {
		if (!HAVE_CHROMIUM) throw new Error(`Chromium is required for the phone tests (CI): none at ${CHROMIUM}. Install it with apt-get install -y chromium.`);
		const metaInbound = demo.loadExamples().flatMap((e) => demo.triggerNodes(e.workflow)).find((t) => t.provider === 'meta')!;
		// As npm start does (scripts/host/start.js).
		sb = await startSandbox({
			accounts: { meta: { appCallbackUrl: demo.webhookUrl(url, metaInbound.webhookId) } },
			behaviour: { autoStatusCallbacks: true, statusCallbackDelayMs: 300 },
		});
		provisioned = await demo.provisionDemo(client, { sandbox: sb, n8nUrl: url });
		for (const w of provisioned.workflows) for (const hook of w.webhooks) await host.waitForWebhook(url, `${hook.webhookId}/whatsapp`);
		sb.phone.setTargets(phoneTargets(client, url));

		userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-phone-'));
		context = await chromium.launchPersistentContext(userDataDir, {
			executablePath: CHROMIUM,
			headless: true,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
			viewport: { width: 1280, height: 800 },
			deviceScaleFactor: 1,
			colorScheme: 'light',
			locale: 'en-US',
			timezoneId: 'UTC',
		});
		// The page works offline: any request that is not for the sandbox fails the test.
		const outside: string[] = [];
		await context.route(/.*/, (route) => {
			const target = route.request().url();
			if (target.startsWith(sb.url) || /^(data|blob):/.test(target)) return route.continue();
			outside.push(target);
			return route.abort();
		});
		(globalThis as { __outside?: string[] }).__outside = outside;
		page = context.pages()[0] ?? (await context.newPage());
		page.on('pageerror', (error) => process.stderr.write(`[phone page] ${error.message}\n`));
		page.on('console', (m) => m.type() === 'error' && process.stderr.write(`[phone page console] ${m.text()}\n`));
		await page.goto(sb.url);
		await page.locator('#new-customer-button:not([disabled])').waitFor(wait);
	});

	afterAll(async () => {
		await context?.close();
		if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
		await sb?.close();
	});

	it('Meta: the customer writes, the workflow marks it read and answers with reply buttons; a tap gets the next step', async () => {
		const conv = await newCustomer('meta', META_WORKFLOW);
		const name = sb.phone.conversation(conv)!.customer.name as string;
		await type('Does it come in *another* colour?');

		// The workflow's reply, quoting the message, with its two buttons, on the left.
		const reply = page.locator('#messages .bubble.left.kind-interactive');
		await reply.waitFor(wait);
		await poll(async () => (await reply.locator('.text').textContent())?.trim(), `Hi ${name}, thanks for your message! How can we help?`);
		expect(await reply.locator('.quote').textContent()).toContain('Does it come in *another* colour?');
		expect(await reply.locator('button.reply').allTextContents()).toEqual(['↩ Opening hours', '↩ Talk to a person']);
		// The customer's message: on the right, formatted, blue ticks once the workflow marked it read.
		const mine = bubble('Does it come in another colour?');
		expect(await mine.locator('strong').textContent()).toBe('another');
		await poll(() => mine.getAttribute('data-status'), 'read');
		// The reply's ticks follow the statuses posted back to the trigger: sent, delivered, then read
		// because the customer has the chat open.
		await poll(() => reply.getAttribute('data-status'), 'read');
		expect(await reply.locator('.ticks.read').textContent()).toBe('✓✓');
		await shot('phone-meta-buttons.png');

		// Tap "Opening hours": the button's id goes to the trigger, quoting the message.
		const before = sb.requestsFor('meta', '/messages').length;
		await reply.locator('button.reply', { hasText: 'Opening hours' }).click();
		const answer = bubble(/We're open 9:00–17:00/);
		await answer.waitFor(wait);
		expect(await answer.locator('strong').textContent()).toBe('9:00–17:00');
		const sent = sb.requestsFor('meta', '/messages').slice(before).map((r) => r.body as Record<string, unknown>);
		const tapped = sb.phone.conversation(conv)!.messages.find((m) => m.dir === 'in' && m.content.reply?.id === 'hours');
		expect(tapped).toBeDefined();
		expect(sent).toContainEqual(expect.objectContaining({ type: 'text', context: { message_id: tapped!.id } }));

		expect((await bubbles()).map((b) => [b.side, b.kind])).toEqual([
			['right', 'text'],
			['left', 'interactive'],
			['right', 'text'],
			['left', 'text'],
		]);
		expect((await bubbles())[2].text).toContain('Opening hours');
		await shot('phone-meta-conversation.png');
	});

	it('Meta: a message set to fail (131047) shows the failure, and the workflow’s failure branch runs', async () => {
		const w = workflow('meta-inbound.json');
		await newCustomer('meta', META_WORKFLOW);
		await page.locator('#fail').selectOption('131047');
		const before = (await host.getExecutions(client, w.id)).length;
		await type('Are you still there?');
		const failed = page.locator('#messages .bubble.left[data-status="failed"]');
		await failed.waitFor(wait);
		expect(await failed.locator('.error').textContent()).toContain('131047');
		expect(await failed.locator('.ticks').textContent()).toBe('!');
		// The fail toggle was for the next message only.
		expect(await page.locator('#fail').inputValue()).toBe('');
		// n8n: the failed status reached the trigger and ran Record Failure.
		const executions = await host.waitForExecutions(client, w.id, before + 2, 60000);
		const failures = executions.filter((e) => e.data?.resultData?.runData?.['Record Failure']).map((e) => itemsOf(e, 'Record Failure')[0]);
		expect(failures).toContainEqual(expect.objectContaining({ code: '131047' }));
		await shot('phone-meta-failure.png');
	});

	it('Meta: a template renders with its variables, footer and buttons; its quick reply goes back as a button reply', async () => {
		const conv = await newCustomer('meta', META_WORKFLOW);
		const number = sb.phone.conversation(conv)!.customer.number as string;
		const created = await host.importWorkflow(
			client,
			sendWorkflow('Phone e2e: order shipped', META, provisioned.credentials[META], {
				to: `+${number}`,
				messageType: 'template',
				templateName: 'order_shipped',
				templateLanguage: 'en_US',
				bodyParameters: { parameter: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '#1234' }] },
				templateButtons: { button: [{ index: 0, type: 'quick_reply', payload: 'TRACK' }] },
			}),
		);
		const execution = await host.runWorkflowManually(client, String(created.id), { wait: true });
		expect(execution.status).toBe('success');
		const template = page.locator('#messages .bubble.left.kind-template');
		await template.waitFor(wait);
		expect((await template.locator('.text.body').textContent())?.trim()).toBe('Hi Ana, your order #1234 is on its way.');
		expect(await template.locator('.template-tag').textContent()).toContain('order_shipped');
		expect(await template.locator('button.reply').allTextContents()).toEqual(['↩ Track order']);
		await poll(() => template.getAttribute('data-status'), 'read');
		await shot('phone-meta-template.png');
		await template.locator('button.reply').click();
		// The workflow gets reply.id TRACK (Meta type "button") and answers.
		await bubble('You chose: TRACK').or(bubble('You chose: Track order')).first().waitFor(wait);
		// The customer's button reply (not another inbound message of the conversation, whatever order they were stored in).
		const tapId = () => sb.phone.conversation(conv)!.messages.find((m) => m.dir === 'in' && m.content?.reply)?.content.reply?.id;
		await poll(tapId, 'TRACK');
		await client.delete(`/workflows/${created.id}`).catch(() => undefined);
	});

	it('Meta: Send and Wait for Reply shows its question with buttons; the customer taps Approve and the waiting execution resumes, starting nothing else', async () => {
		const conv = await newCustomer('meta', META_WORKFLOW);
		const number = sb.phone.conversation(conv)!.customer.number as string;
		const inbound = provisioned.workflows.find((w) => w.name === META_WORKFLOW)!;
		const created = await host.importWorkflow(
			client,
			askWorkflow('Phone e2e: refund approval', META, provisioned.credentials[META], { to: `+${number}`, message: 'Your order #1042 can be refunded. Shall we refund it?', responseType: 'approval' }),
		);
		const executionId = await askAndWait(client, String(created.id));
		const before = await executionCount(client, String(inbound.id));

		const question = page.locator('#messages .bubble.left.kind-interactive');
		await question.waitFor(wait);
		expect((await question.locator('.text').textContent())?.trim()).toBe('Your order #1042 can be refunded. Shall we refund it?');
		expect(await question.locator('button.reply').allTextContents()).toEqual(['↩ Approve', '↩ Decline']);
		await shot('phone-ask.png');
		await question.locator('button.reply', { hasText: 'Approve' }).click();

		const done = await waitForStatus(client, executionId, ['success', 'error'], 60000);
		expect(done.status).toBe('success');
		expect(itemsOf(done, 'After')[0]).toEqual(expect.objectContaining({ answer: expect.objectContaining({ type: 'button', id: 'approve', title: 'Approve' }), approved: true, from: `+${number}` }));
		// The tap (a signed reply id, sent back untouched and quoting the question) answered the question only.
		const tap = sb.phone.conversation(conv)!.messages.find((m) => m.dir === 'in');
		expect(tap!.content.reply!.id).toMatch(/^w1\./);
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(await executionCount(client, String(inbound.id))).toBe(before);
		expect((await bubbles()).map((b) => [b.side, b.kind])).toEqual([
			['left', 'interactive'],
			['right', 'text'],
		]);
		await client.delete(`/workflows/${created.id}`).catch(() => undefined);
	});

	it('Meta: the composer sends a sample image, a PDF and a location, and a reaction lands on its bubble; the workflow gets each', async () => {
		const w = workflow('meta-inbound.json');
		const before = (await host.getExecutions(client, w.id)).length;
		await newCustomer('meta', META_WORKFLOW);
		for (const kind of ['image', 'document', 'location']) {
			await page.locator('.attach summary').click();
			await page.locator(`[data-attach="${kind}"]`).click();
			await page.locator(`#messages .bubble.right.kind-${kind === 'location' ? 'location' : 'media'}`).last().waitFor(wait);
		}
		await poll(() => page.locator('#messages .bubble.left.kind-interactive').count(), 3);
		const first = page.locator('#messages .bubble.left.kind-interactive').first();
		await first.hover();
		await first.locator('[data-action="react"]').click();
		await first.locator('.reactions').waitFor(wait);
		expect(await page.locator('#messages .bubble.right.kind-media .media-name').allTextContents()).toEqual(['image', 'sample.pdf']);
		expect(await page.locator('#messages .bubble.right.kind-location .loc-name').textContent()).toBe('Alexanderplatz');
		const executions = await host.waitForExecutions(client, w.id, before + 4, 60000);
		const types = executions.slice(0, 4).map((e) => itemsOf(e, 'WhatsApp Trigger')[0]?.type);
		expect([...types].sort()).toEqual(['document', 'image', 'location', 'reaction']);
		await shot('phone-meta-composer.png');
	});

	it('Twilio: the customer asks for an appointment, gets the quick-reply template and taps Yes', async () => {
		await newCustomer('twilio', TWILIO_WORKFLOW);
		await type("I'd like to book an appointment");
		const template = page.locator('#messages .bubble.left.kind-template');
		await template.waitFor(wait);
		expect((await template.locator('.text.body').textContent())?.trim()).toBe('Your appointment is on Tuesday 3 March at 10:00. Can you make it?');
		expect(await template.locator('button.reply').allTextContents()).toEqual(['↩ Yes', '↩ No']);
		await poll(() => template.getAttribute('data-status'), /^(delivered|read)$/);
		await template.locator('button.reply', { hasText: 'Yes' }).click();
		await bubble('Great, see you then!').waitFor(wait);
		const request = sb.requestsFor('twilio', '/Messages.json').pop()!;
		expect(request.body).toEqual(expect.objectContaining({ Body: 'Great, see you then!' }));
		expect((await bubbles()).map((b) => [b.side, b.kind])).toEqual([
			['right', 'text'],
			['left', 'template'],
			['right', 'text'],
			['left', 'text'],
		]);
		await shot('phone-twilio.png');
	});

	it('gateway: what the gateway example sends shows in its customer’s conversation, from the provider-neutral {{message}}', async () => {
		const w = workflow('gateway-send-and-status.json');
		const execution = await host.runWorkflowManually(client, w.id, { triggerName: 'When clicking ‘Execute workflow’', wait: true });
		expect(execution.status).toBe('success');
		const row = page.locator('.chat-row', { hasText: '+447700900123' });
		await row.waitFor(wait);
		await row.click();
		const parcel = bubble('Your parcel is out for delivery today between 14:00 and 16:00.');
		await parcel.waitFor(wait);
		expect(await parcel.getAttribute('data-dir')).toBe('out');
		expect(await parcel.evaluate((el) => el.classList.contains('left'))).toBe(true);
		// The gateway posts sent and delivered to the Delivery Status trigger; the open chat reads it.
		await poll(() => parcel.getAttribute('data-status'), /^(delivered|read)$/);
	});

	it('the Requests tab lists the requests with secrets masked; the page asked for nothing outside the sandbox', async () => {
		await page.locator('.tab[data-tab="requests"]').click();
		await page.locator('#requests details').first().waitFor(wait);
		const text = await page.locator('#tab-requests').textContent();
		expect(text).toContain('[redacted]');
		for (const secret of [sb.accounts.meta.accessToken, sb.accounts.twilio.authToken, sb.accounts.meta.appSecret]) expect(text).not.toContain(secret);
		expect((globalThis as { __outside?: string[] }).__outside).toEqual([]);
		await page.locator('#requests details').first().locator('summary').click();
		await shot('phone-requests.png');
		await page.locator('.tab[data-tab="chats"]').click();
	});
});
