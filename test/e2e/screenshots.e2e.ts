/**
 * Pictures of the package in the real n8n editor. Each run writes them to test-results/screenshots/
 * (git-ignored), so running the tests leaves the tree clean; `npm run docs:screenshots` writes them to
 * docs/images/, the README's pictures (E2E_SCREENSHOT_DIR chooses any folder). Debian's Chromium, driven headless by playwright-core, logs into the
 * editor that globalSetup.ts started, with the demo connections and example workflows of `npm start`.
 * Chromium is found at CHROMIUM_PATH or /usr/bin/chromium (`apt-get install chromium`); without it
 * these tests are skipped with a warning, except in CI (CI=true) or with E2E_SCREENSHOTS=1, where
 * they fail.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

import * as demo from '../../scripts/host/demo';
import * as host from '../../scripts/host/n8n';
import { startSandbox, type Sandbox } from '../../sandbox';
import { META, n8n, portIfFree, TWILIO, WEBHOOK } from './session';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
const REQUIRED = Boolean(process.env.CI) || process.env.E2E_SCREENSHOTS === '1';
const OUT_DIR = path.resolve(process.env.E2E_SCREENSHOT_DIR || path.join(__dirname, '..', '..', 'test-results', 'screenshots'));

if (!HAVE_CHROMIUM && !REQUIRED) {
	process.stderr.write(`\n[e2e] WARNING: no Chromium at ${CHROMIUM}: the screenshot tests are skipped (apt-get install -y chromium, or set CHROMIUM_PATH)\n\n`);
}

const { client, url } = n8n();
const describeWithBrowser = HAVE_CHROMIUM || REQUIRED ? describe : describe.skip;

describeWithBrowser('screenshots of the editor (docs/images)', () => {
	let sb: Sandbox;
	let provisioned: Awaited<ReturnType<typeof demo.provisionDemo>>;
	let context: BrowserContext;
	let page: Page;
	let userDataDir: string;

	beforeAll(async () => {
		if (!HAVE_CHROMIUM) throw new Error(`Chromium is required for the screenshot tests (CI): none at ${CHROMIUM}. Install it with apt-get install -y chromium.`);
		sb = await startSandbox({ port: await portIfFree(4010) }); // npm start's port, if free
		provisioned = await demo.provisionDemo(client, { sandbox: sb, n8nUrl: url });
		// A second number of the same Meta account: connections are saved once and picked per node.
		const meta = demo.demoConnections(sb).find((c) => c.type === META)!;
		await demo.upsertCredential(client, { ...meta, name: 'Meta support line (sandbox)' });

		userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-chromium-'));
		context = await chromium.launchPersistentContext(userDataDir, {
			executablePath: CHROMIUM,
			headless: true,
			args: [
				'--headless',
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
			],
			viewport: { width: 1440, height: 900 },
			deviceScaleFactor: 1,
			colorScheme: 'light',
			locale: 'en-US',
			timezoneId: 'UTC',
		});
		// Nothing may leave the machine: fail any request that is not for this n8n.
		await context.route(/.*/, (route) => {
			const target = route.request().url();
			return target.startsWith(url) || /^(data|blob):/.test(target) ? route.continue() : route.abort();
		});
		page = context.pages()[0] ?? (await context.newPage());
		await page.goto(`${url}/signin`);
		await page.locator('#emailOrLdapLoginId').fill(host.DEFAULT_OWNER.email);
		await page.locator('#password').fill(host.DEFAULT_OWNER.password);
		await page.locator('[data-test-id="form-submit-button"]').click();
		await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
		fs.mkdirSync(OUT_DIR, { recursive: true });
	});

	afterAll(async () => {
		await context?.close();
		if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
		await sb?.close();
	});

	/** The union of the boxes of the locators, padded, within the viewport. */
	async function around(locators: Locator[], pad = 12) {
		const boxes = [];
		for (const locator of locators) {
			const box = await locator.boundingBox();
			if (box) boxes.push(box);
		}
		if (boxes.length === 0) throw new Error('nothing to capture');
		const viewport = page.viewportSize()!;
		const x = Math.max(0, Math.min(...boxes.map((b) => b.x)) - pad);
		const y = Math.max(0, Math.min(...boxes.map((b) => b.y)) - pad);
		const right = Math.min(viewport.width, Math.max(...boxes.map((b) => b.x + b.width)) + pad);
		const bottom = Math.min(viewport.height, Math.max(...boxes.map((b) => b.y + b.height)) + pad);
		return { x, y, width: right - x, height: bottom - y };
	}

	function save(name: string) {
		const file = path.join(OUT_DIR, name);
		expect(fs.statSync(file).size).toBeGreaterThan(5000);
		expect(fs.statSync(file).size).toBeLessThan(400_000);
		return file;
	}

	const workflowId = (file: string) => provisioned.workflows.find((w) => w.file === file)!.id;

	async function openNode(workflowFile: string, nodeName: string) {
		await page.setViewportSize({ width: 1440, height: 900 });
		await page.goto(`${url}/workflow/${workflowId(workflowFile)}`);
		const node = page.locator('[data-test-id="canvas-node"]').filter({ hasText: nodeName }).first();
		await node.waitFor();
		await node.dblclick();
		await page.locator('[data-test-id="ndv"] [data-test-id="node-parameters"]').waitFor();
		return page.locator('[data-test-id="ndv"]');
	}

	it('a workflow on the canvas: the Meta inbound example', async () => {
		await page.setViewportSize({ width: 1200, height: 640 });
		await page.goto(`${url}/workflow/${workflowId('meta-inbound.json')}`);
		await page.locator('[data-test-id="canvas-node"]').filter({ hasText: 'Mark as Read' }).waitFor();
		await page.locator('[data-test-id="zoom-to-fit"]').click();
		await page.waitForTimeout(800);
		await page.screenshot({ path: path.join(OUT_DIR, 'workflow-meta-inbound.png') });
		save('workflow-meta-inbound.png');
	});

	it('Send WhatsApp after a run, with its connection dropdown open, listing the saved connections of every provider', async () => {
		await page.setViewportSize({ width: 1360, height: 820 });
		await page.goto(`${url}/workflow/${workflowId('meta-send-template.json')}`);
		const node = page.locator('[data-test-id="canvas-node"]').filter({ hasText: 'Send WhatsApp' }).first();
		await node.waitFor();
		// Run it as a user would (the sandbox answers like Meta), so the panels show the data.
		const before = sb.requestsFor('meta', '/messages').length;
		await page.locator('[data-test-id="execute-workflow-button"]').click();
		for (let i = 0; i < 200 && sb.requestsFor('meta', '/messages').length === before; i++) await page.waitForTimeout(100);
		expect(sb.requestsFor('meta', '/messages')).toHaveLength(before + 1);
		await node.dblclick();
		const ndv = page.locator('[data-test-id="ndv"]');
		// The output as JSON: one item { provider, messageId, to, status, raw } per message.
		await ndv.locator('[data-test-id="output-panel"] [data-test-id="radio-button-json"]').click();
		await ndv.locator('[data-test-id="output-panel"]').getByText('"messageId"').first().waitFor({ timeout: 20000 });
		await ndv.locator('[data-test-id="node-credentials-select"]').click();
		const popper = page.locator('.el-select__popper:visible').filter({ hasText: 'Create new credential' });
		await popper.waitFor();
		for (const name of [...Object.values(demo.DEMO_CONNECTION_NAMES), 'Meta support line (sandbox)']) {
			await expect(popper.getByText(name, { exact: true }).isVisible()).resolves.toBe(true);
		}
		await page.locator('.el-notification').evaluateAll((toasts) => toasts.forEach((toast) => toast.remove()));
		await page.waitForTimeout(400); // the dropdown's opening animation
		await page.screenshot({ path: path.join(OUT_DIR, 'send-node-connections.png'), clip: await around([ndv], 0) });
		save('send-node-connections.png');
		await page.keyboard.press('Escape');
	});

	for (const [type, file] of [
		[TWILIO, 'connection-twilio.png'],
		[META, 'connection-meta.png'],
		[WEBHOOK, 'connection-gateway.png'],
	] as const) {
		it(`the ${type} connection form`, async () => {
			// Tall enough for the whole form: the modal is let grow instead of scrolling inside, so the
			// picture shows every field at once.
			await page.setViewportSize({ width: 1440, height: 1500 });
			await page.goto(`${url}/home/credentials/${provisioned.credentials[type].id}`);
			const modal = page.locator('[data-test-id="editCredential-modal"]');
			await modal.waitFor();
			await page.addStyleTag({
				content: `[data-test-id="editCredential-modal"] { height: auto !important; max-height: none !important; }
				[data-test-id="editCredential-modal"] .modal-content, [data-test-id="editCredential-modal"] [class*="_mainContent_"] { height: auto !important; max-height: none !important; overflow: visible !important; }`,
			});
			// n8n tests the connection when the form opens: against the sandbox, it succeeds.
			await modal.locator('[data-test-id="credentials-config-container-test-success"]').waitFor({ timeout: 20000 });
			// Every connection type ends with its pace fields, Pace Sharing URL (queue mode) last.
			for (const label of ['Messages Per Second', 'Processes Sharing the Limit', 'Pace Sharing URL']) {
				await expect(modal.getByText(label, { exact: true }).first().isVisible()).resolves.toBe(true);
			}
			await page.waitForTimeout(300);
			await modal.screenshot({ path: path.join(OUT_DIR, file) });
			save(file);
		});
	}

	it('the trigger with its production webhook URL', async () => {
		const ndv = await openNode('twilio-auto-reply.json', 'WhatsApp Trigger');
		await ndv.getByText('Webhook URLs', { exact: true }).click();
		await ndv.locator('[data-test-id="radio-button-production"]').click();
		const hook = provisioned.workflows.find((w) => w.file === 'twilio-auto-reply.json')!.webhooks[0];
		const shown = ndv.getByText(hook.url, { exact: true }).first();
		await shown.waitFor();
		await page.waitForTimeout(300);
		const parameters = ndv.locator('[data-test-id="node-parameters"]');
		const triggerOn = ndv.locator('[data-test-id="parameter-input-triggerOn"]');
		const box = await around([parameters], 0);
		const last = await triggerOn.boundingBox();
		if (last) box.height = last.y + last.height + 12 - box.y;
		await page.screenshot({ path: path.join(OUT_DIR, 'trigger-webhook-url.png'), clip: box });
		save('trigger-webhook-url.png');
	});

	it('Send and Wait for Reply: the approval question of the refund example', async () => {
		const ndv = await openNode('meta-approval.json', 'Ask for Approval');
		await page.setViewportSize({ width: 1440, height: 1300 });
		const parameters = ndv.locator('[data-test-id="node-parameters"]');
		await parameters.getByText('Approve Button Label').first().waitFor();
		await page.locator('.el-notification').evaluateAll((toasts) => toasts.forEach((toast) => toast.remove()));
		await page.waitForTimeout(400);
		await page.screenshot({ path: path.join(OUT_DIR, 'send-and-wait.png'), clip: await around([parameters], 0) });
		save('send-and-wait.png');
		await page.keyboard.press('Escape');
	});

	it("the trigger's options, and Download Media's fields and options", async () => {
		const meta = provisioned.credentials[META];
		const saved = await host.importWorkflow(client, {
			name: 'Trigger options and Download Media',
			nodes: [
				{
					id: crypto.randomUUID(),
					name: 'WhatsApp Trigger',
					type: 'n8n-nodes-whatsapp-providers.whatsAppProvidersTrigger',
					typeVersion: 1.2,
					position: [0, 0],
					webhookId: crypto.randomUUID(),
					parameters: {
						authentication: META,
						triggerOn: ['message'],
						triggerOptions: { startOnAnswers: false, downloadMedia: true, maxMediaMb: 16, allowedMediaHosts: 'media.example.com', repeatedDeliveries: 'ignore', repeatWindowMinutes: 60, phoneNumbers: 'list', phoneNumberIds: '106540352242922' },
					},
					credentials: { [META]: { id: String(meta.id), name: meta.name } },
				},
				{
					id: crypto.randomUUID(),
					name: 'Download Media',
					type: 'n8n-nodes-whatsapp-providers.sendWhatsApp',
					typeVersion: 1.1,
					position: [240, 0],
					parameters: { authentication: META, operation: 'downloadMedia', mediaReference: '={{ $json.media.id }}', options: { maxMediaMb: 16, outputBinaryPropertyName: 'file' } },
					credentials: { [META]: { id: String(meta.id), name: meta.name } },
				},
			],
			connections: { 'WhatsApp Trigger': { main: [[{ node: 'Download Media', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1' },
		});
		for (const [nodeName, file, labels] of [
			[
				'WhatsApp Trigger',
				'trigger-options.png',
				['Also Start This Workflow for Answers', 'Download Media', 'Max Media Size (MB)', 'Allowed Media Hosts', 'Repeated Deliveries', 'Repeated Delivery Window (Minutes)', 'Phone Numbers', 'Phone Number IDs'],
			],
			['Download Media', 'download-media.png', ['Media ID or URL', 'Max Media Size (MB)', 'Put Output File in Field']],
		] as const) {
			await page.setViewportSize({ width: 1440, height: 1400 });
			await page.goto(`${url}/workflow/${saved.id}`);
			const node = page.locator('[data-test-id="canvas-node"]').filter({ hasText: nodeName }).first();
			await node.waitFor();
			await node.dblclick();
			const parameters = page.locator('[data-test-id="ndv"] [data-test-id="node-parameters"]');
			await parameters.waitFor();
			for (const label of labels) await parameters.getByText(label, { exact: true }).first().waitFor({ timeout: 20000 });
			// Send-only options are not offered for a media operation.
			if (nodeName === 'Download Media') expect(await parameters.getByText('Link Preview', { exact: true }).count()).toBe(0);
			await page.locator('.el-notification').evaluateAll((toasts) => toasts.forEach((toast) => toast.remove()));
			await page.waitForTimeout(300);
			// Down to the last option's input and the Add Option button under it.
			const box = await around([parameters], 0);
			const bottoms = await parameters.locator('[data-test-id^="parameter-input-"], [data-test-id="fixed-collection-add-property"], .add-option').evaluateAll((els) =>
				els.map((el) => el.getBoundingClientRect()).filter((r) => r.height > 0).map((r) => r.bottom),
			);
			if (bottoms.length > 0) box.height = Math.min(box.height, Math.max(...bottoms) + 56 - box.y);
			await page.screenshot({ path: path.join(OUT_DIR, file), clip: box });
			save(file);
			await page.keyboard.press('Escape');
		}
	});

	it('the template picker (Send WhatsApp 1.1) and the form of the chosen template', async () => {
		const meta = provisioned.credentials[META];
		const saved = await host.importWorkflow(client, {
			name: 'Template picked from the account',
			nodes: [
				{ id: crypto.randomUUID(), name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: crypto.randomUUID(),
					name: 'Send WhatsApp',
					type: 'n8n-nodes-whatsapp-providers.sendWhatsApp',
					typeVersion: 1.1,
					position: [240, 0],
					parameters: { authentication: META, operation: 'send', to: '={{ $json.phone }}', messageType: 'template', templateLanguage: 'en_US' },
					credentials: { [META]: { id: String(meta.id), name: meta.name } },
				},
			],
			connections: { Manual: { main: [[{ node: 'Send WhatsApp', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1' },
		});
		await page.setViewportSize({ width: 1440, height: 1000 });
		await page.goto(`${url}/workflow/${saved.id}`);
		const node = page.locator('[data-test-id="canvas-node"]').filter({ hasText: 'Send WhatsApp' }).first();
		await node.waitFor();
		await node.dblclick();
		const ndv = page.locator('[data-test-id="ndv"]');
		const parameters = ndv.locator('[data-test-id="node-parameters"]');
		await parameters.waitFor();
		// From List: the connection's approved templates with language and category, from the sandbox's WABA.
		const picker = ndv.locator('[data-test-id="resource-locator-templateName"]');
		await picker.locator('[data-test-id="rlc-input"]').click();
		const entry = page.getByText('spring_sale (en_US, marketing)', { exact: true });
		await entry.waitFor({ timeout: 20000 });
		const last = page.getByText('product_tour (en_US, marketing)', { exact: true });
		await page.locator('.el-notification').evaluateAll((toasts) => toasts.forEach((toast) => toast.remove()));
		await page.waitForTimeout(400);
		await page.screenshot({ path: path.join(OUT_DIR, 'template-picker.png'), clip: await around([picker, last], 16) });
		save('template-picker.png');

		// Picking one loads its form, exactly the template's parameters, at once: Recipient holds an
		// expression the editor cannot resolve before a run, which kept n8n 2.40.7 from reloading a form
		// already shown; the form now appears only once a template is picked.
		const form = ndv.locator('[data-test-id="mapping-fields-container"]');
		expect(await form.count()).toBe(0);
		await entry.click();
		await form.getByText('Header Image (URL or Media ID)').first().waitFor({ timeout: 20000 });
		await page.waitForTimeout(400);
		await page.screenshot({ path: path.join(OUT_DIR, 'template-form.png'), clip: await around([picker, form]) });
		save('template-form.png');
		await page.keyboard.press('Escape');
	});
});
