/**
 * Serves the WhatsApp trigger on 127.0.0.1 the way n8n does: a real HTTP request arrives, its raw
 * body is kept and parsed like n8n's body parser, n8n-core's real WebhookContext runs the node's
 * webhook(), and whatever the node answers goes back on the wire. Executions started are recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

import { HookContext, WebhookContext } from 'n8n-core';
import {
	Workflow,
	type IDataObject,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeParameters,
	type IWebhookData,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { WhatsAppProvidersTrigger } from '../../nodes/WhatsAppProvidersTrigger/WhatsAppProvidersTrigger.node';
import { nodeTypesOf, PACKAGE, TestCredentialsHelper, withDefaults } from './n8n';

export interface TriggerServer {
	/** The production URL of the trigger, as n8n would show it. */
	url: string;
	/** Items of every execution the trigger started, in order. */
	executions: INodeExecutionData[][];
	/** Who answered each request, in order: the node itself, or n8n after creating the execution (or deciding none starts). */
	answeredBy: Array<'node' | 'n8n'>;
	/** Resolves when every request received so far has finished (the node may answer before it returns). */
	settled(): Promise<void>;
	/** When set, the next execution the node asks for fails to be created, as when n8n's database is down: n8n answers 500. */
	failNextExecution: boolean;
	/** Runs an activation hook (checkExists / create / delete) as n8n does on (de)activation. */
	hook(name: 'checkExists' | 'create' | 'delete', options?: { test?: boolean }): Promise<boolean>;
	close(): Promise<void>;
}

/** Each trigger server is its own workflow, as in n8n (what a trigger remembers is per workflow and node). */
let workflowCount = 0;

export async function startTrigger(options: {
	parameters: INodeParameters;
	credentials: Record<string, IDataObject>;
	typeVersion?: number;
}): Promise<TriggerServer> {
	const nodeType = new WhatsAppProvidersTrigger();
	const store = Object.fromEntries(Object.entries(options.credentials).map(([type, data]) => [type, withDefaults(type, data)]));
	const nodeCredentials: Record<string, INodeCredentialsDetails> = Object.fromEntries(
		Object.keys(options.credentials).map((type) => [type, { id: `cred-${type}`, name: `My ${type}` }]),
	);
	const node: INode = {
		id: 'node-trigger',
		name: 'WhatsApp Trigger',
		type: `${PACKAGE}.whatsAppProvidersTrigger`,
		typeVersion: options.typeVersion ?? 1.1,
		position: [0, 0],
		webhookId: 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff',
		parameters: options.parameters,
		credentials: nodeCredentials,
	};
	const workflow = new Workflow({ id: `wf-trigger-${++workflowCount}`, name: 'trigger', nodes: [node], connections: {}, active: true, nodeTypes: nodeTypesOf(['whatsAppProvidersTrigger', nodeType]) });
	const workflowNode = workflow.getNode(node.name)!;
	const executions: INodeExecutionData[][] = [];
	const answeredBy: Array<'node' | 'n8n'> = [];
	const pending = new Set<Promise<void>>();
	let baseUrl = '';

	const additionalDataFor = (req?: unknown, res?: unknown) =>
		({
			credentialsHelper: new TestCredentialsHelper(store),
			webhookBaseUrl: `${baseUrl}/webhook`,
			webhookTestBaseUrl: `${baseUrl}/webhook-test`,
			instanceBaseUrl: `${baseUrl}/`,
			restApiUrl: `${baseUrl}/rest`,
			variables: {},
			httpRequest: req,
			httpResponse: res,
		}) as unknown as IWorkflowExecuteAdditionalData;

	const webhookData = (name: 'default' | 'setup', additionalData: IWorkflowExecuteAdditionalData): IWebhookData => {
		const description = nodeType.description.webhooks!.find((webhook) => webhook.name === name)!;
		return {
			httpMethod: description.httpMethod as IWebhookData['httpMethod'],
			node: node.name,
			path: 'whatsapp',
			webhookDescription: description,
			workflowId: workflow.id,
			workflowExecuteAdditionalData: additionalData,
			webhookId: node.webhookId,
			isTest: false,
		};
	};

	const httpServer = http.createServer((incoming, outgoing) => {
		const chunks: Buffer[] = [];
		incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
		incoming.on('end', () => {
			const handling = (async () => {
				const bytes = Buffer.concat(chunks);
				const type = (incoming.headers['content-type'] ?? '').split(';')[0].trim();
				const url = new URL(incoming.url ?? '/', baseUrl);
				const req = Object.assign(incoming, {
					rawBody: undefined as Buffer | undefined,
					body: undefined as unknown,
					query: Object.fromEntries(url.searchParams),
					originalUrl: incoming.url,
					contentType: type,
					// n8n's rawBodyReader: the body is read on demand.
					readRawBody: async () => {
						req.rawBody = bytes;
					},
				});
				// n8n's parseRequestBody: its body parser runs for every request to a node of version 1 and
				// otherwise for JSON, text, form and XML bodies; it refuses JSON that does not parse (422).
				// (This harness parses JSON and forms, the bodies providers send; others stay raw.)
				const parsedByN8n =
					node.typeVersion === 1 ||
					['application/json', 'text/plain', 'application/x-www-form-urlencoded'].some((prefix) => type.startsWith(prefix)) ||
					type.endsWith('/xml') ||
					type.endsWith('+xml');
				if (parsedByN8n) {
					req.rawBody = bytes;
					if (bytes.length && type === 'application/json') {
						try {
							req.body = JSON.parse(bytes.toString());
						} catch {
							outgoing.writeHead(422, { 'content-type': 'application/json' }).end('{"message":"Failed to parse request body"}');
							return;
						}
					} else if (bytes.length && type === 'application/x-www-form-urlencoded') req.body = parseQuery(bytes.toString());
				}
				let sent = false;
				const res = {
					statusCode: 200,
					contentType: 'application/json',
					headers: {} as Record<string, string>,
					setHeader(name: string, value: string) {
						this.headers[name.toLowerCase()] = value;
						return this;
					},
					status(code: number) {
						this.statusCode = code;
						return this;
					},
					type(value: string) {
						this.contentType = value;
						return this;
					},
					send(payload: string) {
						sent = true;
						outgoing.writeHead(this.statusCode, { ...this.headers, 'content-type': this.contentType }).end(payload);
						return this;
					},
					json(payload: unknown) {
						return this.type('application/json').send(JSON.stringify(payload));
					},
					// Express's response is the Node response: its events are the wire's.
					once(event: string, listener: () => void) {
						outgoing.once(event, listener);
						return this;
					},
					get writableFinished() {
						return outgoing.writableFinished;
					},
				};
				const additionalData = additionalDataFor(req, res);
				const name = incoming.method === 'GET' ? 'setup' : 'default';
				const context = new WebhookContext(workflow, workflowNode, additionalData, 'webhook', webhookData(name, additionalData), [], null);
				try {
					const result = await nodeType.webhook.call(context);
					answeredBy.push(sent ? 'node' : 'n8n');
					if (!sent && result.workflowData && server.failNextExecution) {
						server.failNextExecution = false;
						res.status(500).type('application/json').send('{"code":0,"message":"Error in workflow"}');
					} else if (!sent && result.noWebhookResponse !== true) {
						// n8n's webhook helpers, responseMode 'onReceived': the execution is created first,
						// then the answer goes out with the description's responseData, else the node's
						// webhookResponse, with the description's responseCode (200 unless set).
						const description = webhookData(name, additionalData).webhookDescription;
						if (result.workflowData) executions.push(result.workflowData[0]);
						const responseData = result.workflowData ? (description.responseData ?? 'firstEntryJson') : undefined;
						const body =
							responseData === 'noData'
								? undefined
								: responseData || (result.webhookResponse ?? { message: result.workflowData ? 'Workflow was started' : 'Webhook call received' });
						res.status(Number(description.responseCode ?? 200));
						if (typeof body === 'string') res.send(body);
						else res.json(body);
					} else if (result.workflowData) executions.push(result.workflowData[0]);
				} catch (error) {
					if (!sent) outgoing.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: (error as Error).message }));
				}
			})();
			pending.add(handling);
			void handling.finally(() => pending.delete(handling));
		});
	});
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;

	const server: TriggerServer = {
		failNextExecution: false,
		url: `${baseUrl}/webhook/${node.webhookId}/whatsapp`,
		executions,
		answeredBy,
		async settled() {
			while (pending.size > 0) await Promise.all([...pending]);
		},
		async hook(name, hookOptions = {}) {
			const additionalData = additionalDataFor();
			// "Listen for test event" registers test webhooks with mode and activation mode 'manual'.
			const data = { ...webhookData('default', additionalData), isTest: hookOptions.test === true };
			const context = hookOptions.test
				? new HookContext(workflow, workflowNode, additionalData, 'manual', 'manual', data)
				: new HookContext(workflow, workflowNode, additionalData, 'trigger', 'activate', data);
			return await nodeType.webhookMethods.default[name].call(context);
		},
		close: () => new Promise<void>((resolve) => httpServer.close(() => resolve())),
	};
	return server;
}
