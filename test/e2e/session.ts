/**
 * What the end-to-end test files share: the n8n that globalSetup.ts booted (its URL, user folder
 * and the owner's session), connections pointing at a test file's sandbox, workflow builders and
 * execution helpers around scripts/host/n8n.js.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import * as host from '../../scripts/host/n8n';
import type { Client, ClientSession, Execution, Workflow } from '../../scripts/host/n8n';
import type { Sandbox } from '../../sandbox';
import { connections, META, TWILIO, WEBHOOK } from '../helpers/fixtures';

export { META, TWILIO, WEBHOOK };

export const PACKAGE = 'n8n-nodes-whatsapp-providers';
export const SEND_TYPE = `${PACKAGE}.sendWhatsApp`;
export const TRIGGER_TYPE = `${PACKAGE}.whatsAppProvidersTrigger`;

export interface E2eSession extends ClientSession {
	userFolder: string;
	logFile: string;
	pid: number;
}

/** The n8n of this run and a client logged in as its owner. */
export function n8n(): E2eSession & { client: Client } {
	const raw = process.env.E2E_N8N;
	if (!raw) throw new Error('E2E_N8N is not set: run the end-to-end tests with npm run test:e2e (jest -c jest.e2e.config.js)');
	const session = JSON.parse(raw) as E2eSession;
	return { ...session, client: host.createClient(session.url, session) };
}

export type ConnectionIds = Record<string, { id: string; name: string }>;

/** One connection per provider, created through n8n's REST API, pointing at `sb`. */
export async function createConnections(
	client: Client,
	sb: Sandbox,
	label: string,
	overrides: Partial<Record<string, Record<string, unknown>>> = {},
): Promise<ConnectionIds> {
	const data = connections(sb);
	const names: Record<string, string> = { [TWILIO]: 'Twilio', [META]: 'Meta', [WEBHOOK]: 'Gateway' };
	const ids: ConnectionIds = {};
	for (const type of [TWILIO, META, WEBHOOK]) {
		const name = `${names[type]} ${label}`;
		const created = await host.createCredential(client, { name, type, data: { ...data[type], ...(overrides[type] ?? {}) } });
		ids[type] = { id: String(created.id), name };
	}
	return ids;
}

const position = (i: number): [number, number] => [i * 240, 0];

/** Manual Trigger → Send WhatsApp (parameters) with the connection of `type`. */
export function sendWorkflow(name: string, type: string, connection: { id: string; name: string }, parameters: Record<string, unknown>): Workflow {
	return {
		name,
		nodes: [
			{ id: randomUUID(), name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: position(0), parameters: {} },
			{
				id: randomUUID(),
				name: 'Send WhatsApp',
				type: SEND_TYPE,
				typeVersion: 1,
				position: position(1),
				parameters: { authentication: type, operation: 'send', ...parameters },
				credentials: { [type]: connection },
			},
		],
		connections: { Manual: { main: [[{ node: 'Send WhatsApp', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/**
 * Manual Trigger → Code (`count` customers, `json` built by `item`, a JS expression of `i`) → Send WhatsApp
 * (parameters) with the connection of `type`: a broadcast, one message per item.
 */
export function broadcastWorkflow(
	name: string,
	type: string,
	connection: { id: string; name: string },
	count: number,
	item: string,
	parameters: Record<string, unknown>,
): Workflow {
	return {
		name,
		nodes: [
			{ id: randomUUID(), name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: position(0), parameters: {} },
			{
				id: randomUUID(),
				name: 'Customers',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: position(1),
				parameters: { jsCode: `return Array.from({ length: ${count} }, (_, i) => ({ json: ${item} }));` },
			},
			{
				id: randomUUID(),
				name: 'Send WhatsApp',
				type: SEND_TYPE,
				typeVersion: 1,
				position: position(2),
				parameters: { authentication: type, operation: 'send', ...parameters },
				credentials: { [type]: { id: connection.id, name: connection.name } },
			},
		],
		connections: {
			Manual: { main: [[{ node: 'Customers', type: 'main', index: 0 }]] },
			Customers: { main: [[{ node: 'Send WhatsApp', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

/** WhatsApp Trigger (type, triggerOn) → No Operation "Received". Resolves with the trigger's production URL. */
export function triggerWorkflow(
	name: string,
	type: string,
	connection: { id: string; name: string },
	triggerOn: string[],
	options: Record<string, unknown> = {},
): { workflow: Workflow; webhookId: string } {
	const webhookId = randomUUID();
	return {
		webhookId,
		workflow: {
			name,
			nodes: [
				{
					id: randomUUID(),
					name: 'WhatsApp Trigger',
					type: TRIGGER_TYPE,
					typeVersion: 1.1,
					position: position(0),
					webhookId,
					parameters: { authentication: type, triggerOn, triggerOptions: options },
					credentials: { [type]: connection },
				},
				{ id: randomUUID(), name: 'Received', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: position(1), parameters: {} },
			],
			connections: { 'WhatsApp Trigger': { main: [[{ node: 'Received', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1' },
		},
	};
}

/** Import and activate a trigger workflow; resolves once its production webhook answers. */
export async function activate(client: Client, workflow: Workflow, webhookId: string): Promise<{ id: string; url: string }> {
	const saved = await host.importWorkflow(client, workflow);
	await host.activateWorkflow(client, saved.id);
	const base = client.url;
	await host.waitForWebhook(base, `${webhookId}/whatsapp`, { method: 'POST' });
	return { id: saved.id, url: `${base}/webhook/${webhookId}/whatsapp` };
}

/** The JSON of the items a node output in an execution (first run, first output). */
export function itemsOf(execution: Execution, node: string): Array<Record<string, unknown>> {
	const run = execution.data.resultData.runData[node]?.[0];
	if (!run) throw new Error(`node "${node}" did not run in execution ${execution.id} (${execution.status}): ${JSON.stringify(execution.data.resultData.error ?? null)}`);
	return (run.data?.main?.[0] ?? []).map((item) => item.json);
}

/** How many executions a workflow has (any status). */
export async function executionCount(client: Client, workflowId: string): Promise<number> {
	return (await host.getExecutions(client, workflowId, { full: false })).length;
}

/** `port` when it is free on 127.0.0.1, else 0 (= let the server pick one). */
export function portIfFree(port: number): Promise<number> {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(0));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
	});
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The raw bytes of n8n's SQLite database: the file and, if present, its write-ahead log and journal. */
export function databaseBytes(userFolder: string): Buffer {
	const base = path.join(userFolder, '.n8n', 'database.sqlite');
	const parts = [base, `${base}-wal`, `${base}-journal`].filter((file) => fs.existsSync(file)).map((file) => fs.readFileSync(file));
	if (parts.length === 0) throw new Error(`no SQLite database at ${base}`);
	return Buffer.concat(parts);
}

/** The secrets of the sandbox connections (test/helpers/fixtures.ts) that must never be stored in plain text. */
export { SECRETS } from '../helpers/fixtures';
