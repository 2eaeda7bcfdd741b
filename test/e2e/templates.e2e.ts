/**
 * Templates picked from the account, in a real n8n 2.40.7, through the REST endpoints the editor
 * calls (n8n's DynamicNodeParametersController: POST /rest/dynamic-node-parameters/resource-locator-results
 * for Template Name → From List, /resource-mapper-fields for Template Parameters), then a saved
 * Send WhatsApp 1.1 with the picked template and the mapped fields, run as the editor runs it.
 */
import { randomUUID } from 'node:crypto';

import * as host from '../../scripts/host/n8n';
import { startSandbox, type Sandbox } from '../../sandbox';
import { accounts } from '../helpers/fixtures';
import { createConnections, itemsOf, META, n8n, SEND_TYPE, sendWorkflow, TWILIO, type ConnectionIds } from './session';

const { client } = n8n();
let sb: Sandbox;
let ids: ConnectionIds;

beforeAll(async () => {
	sb = await startSandbox();
	ids = await createConnections(client, sb, 'e2e templates', { [TWILIO]: { contentBaseUrl: sb.twilioBaseUrl } });
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

const VERSION = 1.1;
const locator = (value: string) => ({ __rl: true, mode: 'list', value });

/** The body the editor posts: the node's type and version, its parameters as edited, its connection. */
function editorRequest(type: string, path: string, methodName: string, parameters: Record<string, unknown>) {
	return {
		path,
		methodName,
		nodeTypeAndVersion: { name: SEND_TYPE, version: VERSION },
		currentNodeParameters: { authentication: type, operation: 'send', messageType: 'template', ...parameters },
		credentials: { [type]: ids[type] },
	};
}

interface ListPage {
	results: Array<{ name: string; value: string }>;
	paginationToken?: string;
}

async function pickerList(type: string, parameter: string, filter?: string): Promise<ListPage['results']> {
	const results: ListPage['results'] = [];
	let paginationToken: string | undefined;
	for (let page = 0; page < 10; page++) {
		const body = { ...editorRequest(type, `parameters.${parameter}`, 'searchTemplates', { [parameter]: locator('') }), ...(filter ? { filter } : {}), ...(paginationToken ? { paginationToken } : {}) };
		const answer = (await client.post('/dynamic-node-parameters/resource-locator-results', body)) as ListPage;
		results.push(...answer.results);
		paginationToken = answer.paginationToken;
		if (!paginationToken) break;
	}
	return results;
}

async function formFields(type: string, parameters: Record<string, unknown>) {
	return (await client.post(
		'/dynamic-node-parameters/resource-mapper-fields',
		editorRequest(type, 'parameters.templateParameters', 'getTemplateFields', parameters),
	)) as { fields: Array<Record<string, unknown>>; emptyFieldsNotice?: string };
}

async function runVersion11(type: string, parameters: Record<string, unknown>) {
	const workflow = sendWorkflow(`e2e template ${type} ${randomUUID().slice(0, 8)}`, type, ids[type], parameters);
	workflow.nodes[1].typeVersion = VERSION;
	const saved = await host.importWorkflow(client, workflow);
	return host.runWorkflowManually(client, saved.id, { wait: true });
}

describe('a template picked in the editor and sent with its form, in n8n', () => {
	it('Meta: the list (every page), the form of the picked template, and the send with the mapped fields', async () => {
		const list = await pickerList(META, 'templateName');
		expect(list.map((entry) => entry.name)).toContain('delivery_window (en_US, utility)');
		expect(list).toHaveLength(11); // three pages of the sandbox's approved templates, one entry per name
		expect(sb.requestsFor('meta', '/message_templates').length).toBe(3);
		expect(await pickerList(META, 'templateName', 'delivery')).toEqual([{ name: 'delivery_window (en_US, utility)', value: 'delivery_window' }]);

		const picked = list.find((entry) => entry.name.startsWith('delivery_window'))!;
		const form = await formFields(META, { templateName: locator(picked.value), templateLanguage: 'en_US' });
		expect(form.fields.filter((field) => field.display).map((field) => field.id)).toEqual(['header_text_customer_name', 'body_order_number', 'body_delivery_date', 'button_0_url']);

		sb.reset();
		const execution = await runVersion11(META, {
			to: '+1 415 555 0123',
			messageType: 'template',
			templateName: locator(picked.value),
			templateLanguage: 'en_US',
			templateInput: 'form',
			templateParameters: {
				mappingMode: 'defineBelow',
				value: { header_text_customer_name: 'Ana', body_order_number: '={{ "#" + 77 }}', body_delivery_date: 'May 2', button_0_url: '77' },
				matchingColumns: [],
				schema: form.fields,
				attemptToConvertTypes: false,
				convertFieldsToString: false,
			},
		});
		expect(execution.status).toBe('success');
		const [request] = sb.requestsFor('meta', '/messages');
		expect(request.path).toBe(`/meta/v23.0/${accounts.meta.phoneNumberId}/messages`);
		expect((request.body as { template: unknown }).template).toEqual({
			name: 'delivery_window',
			language: { code: 'en_US', policy: 'deterministic' },
			components: [
				{ type: 'header', parameters: [{ type: 'text', text: 'Ana', parameter_name: 'customer_name' }] },
				{
					type: 'body',
					parameters: [
						{ type: 'text', text: '#77', parameter_name: 'order_number' },
						{ type: 'text', text: 'May 2', parameter_name: 'delivery_date' },
					],
				},
				{ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '77' }] },
			],
		});
		expect(request.status).toBe(200);
		expect(itemsOf(execution, 'Send WhatsApp')).toEqual([expect.objectContaining({ provider: 'meta', status: 'accepted' })]);
	});

	it('Twilio: the Content API list with approval status on the Content API Base URL, the variables form, the send', async () => {
		const list = await pickerList(TWILIO, 'contentSid');
		expect(list.map((entry) => entry.name)).toEqual(['order_update (en, approved)', 'appointment_reminder (en, approved)', 'promo_draft (en, rejected)']);
		const sid = list[0].value;
		const form = await formFields(TWILIO, { contentSid: locator(sid) });
		expect(form.fields.filter((field) => field.display).map((field) => field.id)).toEqual(['1', '2']);

		sb.reset();
		const execution = await runVersion11(TWILIO, {
			to: '+1 415 555 0123',
			messageType: 'template',
			contentSid: locator(sid),
			templateParameters: { mappingMode: 'defineBelow', value: { 1: 'Ana', 2: '#77' }, matchingColumns: [], schema: form.fields, attemptToConvertTypes: false, convertFieldsToString: false },
		});
		expect(execution.status).toBe('success');
		const [request] = sb.requestsFor('twilio', '/Messages.json');
		expect(request.body).toEqual(expect.objectContaining({ ContentSid: sid, ContentVariables: JSON.stringify({ 1: 'Ana', 2: '#77' }) }));
	});

	it('a form left incomplete fails before anything is sent: n8n flags a missing field, the node an empty value, naming the template and the field', async () => {
		const form = await formFields(META, { templateName: locator('order_shipped'), templateLanguage: 'es' });
		const parameters = (value: Record<string, unknown>) => ({
			to: '+1 415 555 0123',
			messageType: 'template',
			templateName: locator('order_shipped'),
			templateLanguage: 'es',
			templateParameters: { mappingMode: 'defineBelow', value, matchingColumns: [], schema: form.fields, attemptToConvertTypes: false, convertFieldsToString: false },
		});
		// A required field of the form left out: n8n itself refuses to run the node.
		const missing = await runVersion11(META, parameters({ body_1: 'Ana' }));
		expect(missing.status).toBe('error');
		expect(JSON.stringify(missing.data.resultData.error)).toMatch(/body_2.*is required/);
		// Given, but empty once its expression is resolved: the node's own check, before the first send.
		const empty = await runVersion11(META, parameters({ body_1: 'Ana', body_2: '={{ $json.order ?? "" }}' }));
		expect(empty.status).toBe('error');
		expect(JSON.stringify(empty.data.resultData.error)).toMatch(/Template \\"order_shipped\\" → Body \{\{2\}\} \(e\.g\. #1234\): must not be empty/);
		expect(sb.requestsFor('meta', '/messages')).toHaveLength(0);
	});
});
