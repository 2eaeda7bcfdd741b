/**
 * Send and Wait for Reply in real n8n: the asking workflow, waiting for an execution's status, the
 * reply ids of the question as the sandbox recorded it, and taps as the customer (signed by the
 * sandbox like any inbound webhook).
 */
import { randomUUID } from 'node:crypto';

import * as host from '../../../scripts/host/n8n';
import type { Client, Execution, Workflow } from '../../../scripts/host/n8n';
import type { FireResult, Sandbox } from '../../../sandbox';
import { SEND_TYPE } from '../session';

/** Manual Trigger → Send WhatsApp (Send and Wait for Reply) → No Operation "After". */
export function askWorkflow(name: string, type: string, connection: { id: string; name: string }, parameters: Record<string, unknown>): Workflow {
	return {
		name,
		nodes: [
			{ id: randomUUID(), name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: randomUUID(),
				name: 'Ask',
				type: SEND_TYPE,
				typeVersion: 1.1,
				position: [240, 0],
				webhookId: randomUUID(),
				parameters: { authentication: type, operation: 'sendAndWait', ...parameters },
				credentials: { [type]: connection },
			},
			{ id: randomUUID(), name: 'After', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [480, 0], parameters: {} },
		],
		connections: { Manual: { main: [[{ node: 'Ask', type: 'main', index: 0 }]] }, Ask: { main: [[{ node: 'After', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/** Polls an execution until its status is one of `statuses`. */
export async function waitForStatus(client: Client, executionId: string, statuses: string[], timeoutMs = 60000): Promise<Execution> {
	const deadline = Date.now() + timeoutMs;
	let last: Execution | undefined;
	while (Date.now() < deadline) {
		try {
			last = await host.getExecution(client, executionId);
			if (statuses.includes(last.status)) return last;
		} catch {
			// not saved yet
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	throw new Error(`execution ${executionId} did not reach ${statuses.join('/')} (last: ${last?.status ?? 'none'})`);
}

/** Starts the asking workflow and resolves once its execution waits for the answer. */
export async function askAndWait(client: Client, workflowId: string, timeoutMs = 60000): Promise<string> {
	const started = (await host.runWorkflowManually(client, workflowId)) as { executionId?: string };
	if (!started.executionId) throw new Error(`the asking workflow ${workflowId} did not start: ${JSON.stringify(started)}`);
	await waitForStatus(client, started.executionId, ['waiting'], timeoutMs);
	return started.executionId;
}

/** The last interactive question sent through the Meta sandbox: its kind and the reply ids with titles. */
export function lastMetaQuestion(sb: Sandbox): { kind: 'button' | 'list'; to: string; options: Array<{ id: string; title: string }>; body: Record<string, unknown> } {
	type Interactive = {
		type: 'button' | 'list';
		action: { buttons?: Array<{ reply: { id: string; title: string } }>; sections?: Array<{ rows: Array<{ id: string; title: string }> }> };
	};
	const sent = sb.requestsFor('meta', '/messages').map((r) => r.body as Record<string, unknown>).filter((body) => body.type === 'interactive');
	const body = sent[sent.length - 1];
	if (!body) throw new Error('no interactive message was sent to the Meta sandbox');
	const interactive = body.interactive as Interactive;
	const options =
		interactive.type === 'button'
			? (interactive.action.buttons ?? []).map((button) => button.reply)
			: (interactive.action.sections ?? []).flatMap((section) => section.rows.map(({ id, title }) => ({ id, title })));
	return { kind: interactive.type, to: String(body.to), options, body };
}

/** The customer taps a reply button (or a list row) with this id, in a signed Meta webhook. */
export async function tapMeta(sb: Sandbox, url: string, from: string, option: { id: string; title: string }, kind: 'button' | 'list' = 'button', extra: Partial<Parameters<Sandbox['fire']>[0]> = {}): Promise<FireResult> {
	const interactive = kind === 'button' ? { type: 'button_reply', button_reply: option } : { type: 'list_reply', list_reply: { ...option, description: '' } };
	return await sb.fire({ provider: 'meta', url, from, type: 'interactive', message: { interactive }, ...extra });
}
