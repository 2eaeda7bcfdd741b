/**
 * The workflows saved before the layout of issue 11 (test/fixtures/saved-workflows) keep every
 * parameter when n8n reads them with today's descriptions: each one is known and shown (n8n's own
 * getNodeParameters keeps it), and n8n finds no parameter issue. test/e2e/savedWorkflows.e2e.ts runs them.
 */
import { NodeHelpers, type INode, type INodeParameters, type INodeType } from 'n8n-workflow';

import { SendWhatsApp } from '../../nodes/SendWhatsApp/SendWhatsApp.node';
import { WhatsAppProvidersTrigger } from '../../nodes/WhatsAppProvidersTrigger/WhatsAppProvidersTrigger.node';
import { MetaWhatsAppCloudApi } from '../../credentials/MetaWhatsAppCloudApi.credentials';
import { TwilioWhatsAppApi } from '../../credentials/TwilioWhatsAppApi.credentials';
import { WhatsAppWebhookApi } from '../../credentials/WhatsAppWebhookApi.credentials';
import fixture from '../fixtures/saved-workflows/before-issue-11.json';

const TYPES: Record<string, INodeType> = {
	'n8n-nodes-whatsapp-providers.sendWhatsApp': new SendWhatsApp(),
	'n8n-nodes-whatsapp-providers.whatsAppProvidersTrigger': new WhatsAppProvidersTrigger(),
};

/** The paths of `given` that n8n did not keep, or kept with another value. */
function lost(given: INodeParameters, kept: INodeParameters | undefined, path = ''): string[] {
	return Object.entries(given).flatMap(([key, value]) => {
		if (!kept || !(key in kept)) return [`${path}${key} dropped`];
		// Rows of a fixedCollection are kept with their unset fields filled with defaults.
		if (Array.isArray(value) && value.some((row) => row && typeof row === 'object')) return value.flatMap((row, index) => lost(row as INodeParameters, (kept[key] as INodeParameters[] | undefined)?.[index], `${path}${key}[${index}].`));
		if (value && typeof value === 'object' && !Array.isArray(value)) return lost(value as INodeParameters, kept[key] as INodeParameters, `${path}${key}.`);
		return JSON.stringify(value) === JSON.stringify(kept[key]) ? [] : [`${path}${key} changed`];
	});
}

const nodes = (fixture.workflows as unknown as Array<{ name: string; nodes: INode[] }>).flatMap((workflow) =>
	workflow.nodes.filter((node) => TYPES[node.type]).map((node) => [`${workflow.name} / ${node.name}`, node] as const),
);

describe('workflows saved before issue 11', () => {
	it('cover every message type of every provider and both operations', () => {
		const sends = nodes.filter(([, node]) => node.type.endsWith('sendWhatsApp')).map(([, node]) => `${String(node.parameters.authentication)} ${String(node.parameters.messageType ?? node.parameters.operation)}`);
		expect(sends).toEqual(expect.arrayContaining(['metaWhatsAppCloudApi markAsRead', 'twilioWhatsAppApi location', 'whatsAppWebhookApi reaction']));
		expect(new Set(sends.filter((entry) => entry.startsWith('metaWhatsAppCloudApi')).map((entry) => entry.split(' ')[1])).size).toBe(9);
	});

	it('every credential the saved nodes name (e.g. whatsAppWebhookApi, now listed from the provider registry) is still a credential type and a credential of its node, shown for its Provider', () => {
		const credentialTypes = [new TwilioWhatsAppApi(), new MetaWhatsAppCloudApi(), new WhatsAppWebhookApi()].map((type) => type.name);
		const used = nodes.flatMap(([, node]) => Object.keys(node.credentials ?? {}).map((name) => [node, name] as const));
		expect(new Set(used.map(([, name]) => name))).toEqual(new Set(['twilioWhatsAppApi', 'metaWhatsAppCloudApi', 'whatsAppWebhookApi']));
		for (const [node, name] of used) {
			expect(credentialTypes).toContain(name);
			const { description } = TYPES[node.type];
			const offered = (description.credentials ?? []).find((credential) => credential.name === name);
			expect({ node: node.name, name, offered: Boolean(offered) }).toEqual({ node: node.name, name, offered: true });
			expect(offered!.displayOptions?.show?.authentication).toEqual([node.parameters.authentication]);
		}
	});

	it.each(nodes)('%s: every parameter is kept, with no issue', (_name, node) => {
		const { description } = TYPES[node.type];
		const full = NodeHelpers.getNodeParameters(description.properties, node.parameters, true, false, node, description);
		expect(lost(node.parameters, full ?? undefined)).toEqual([]);
		expect(NodeHelpers.getNodeParametersIssues(description.properties, { ...node, parameters: full! }, description)).toBeNull();
	});
});
