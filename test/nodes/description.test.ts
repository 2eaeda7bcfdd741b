import type { INodeProperties } from 'n8n-workflow';

import { SendWhatsApp } from '../../nodes/SendWhatsApp/SendWhatsApp.node';
import { PROVIDERS } from '../../nodes/shared/providers';
import { WhatsAppProvidersTrigger } from '../../nodes/WhatsAppProvidersTrigger/WhatsAppProvidersTrigger.node';
import { CREDENTIAL_TYPES } from '../helpers/n8n';
import packageJson from '../../package.json';

const SECRET_NAMES = ['authToken', 'accessToken', 'appSecret', 'verifyToken'];

function walk(properties: INodeProperties[], visit: (property: INodeProperties) => void): void {
	for (const property of properties) {
		visit(property);
		for (const option of (property.options ?? []) as Array<INodeProperties & { values?: INodeProperties[] }>) {
			if ('type' in option && option.type) walk([option], visit);
			if (option.values) walk(option.values, visit);
		}
	}
}

describe('credentials', () => {
	it.each(Object.values(CREDENTIAL_TYPES).map((type) => [type.name, type]))('%s keeps secrets in password fields and has a connection test', (_name, type) => {
		for (const property of type.properties) {
			if (SECRET_NAMES.includes(property.name)) expect(property.typeOptions?.password).toBe(true);
		}
		expect(type.test).toBeDefined();
		expect(type.authenticate).toBeDefined();
		expect(type.name).toMatch(/Api$/);
		expect(['twilioApi', 'whatsAppApi', 'whatsAppTriggerApi']).not.toContain(type.name);
	});

	it('are all listed in package.json and used by both nodes', () => {
		const listed = packageJson.n8n.credentials.map((file) => file.replace(/^dist\/credentials\/(\w+)\.credentials\.js$/, '$1'));
		expect(listed.sort()).toEqual(['MetaWhatsAppCloudApi', 'TwilioWhatsAppApi', 'WhatsAppWebhookApi']);
		for (const node of [new SendWhatsApp(), new WhatsAppProvidersTrigger()]) {
			expect(node.description.credentials!.map((credential) => credential.name).sort()).toEqual(Object.keys(CREDENTIAL_TYPES).sort());
		}
	});
});

describe('nodes', () => {
	const send = new SendWhatsApp().description;
	const trigger = new WhatsAppProvidersTrigger().description;

	it('offer one Provider option per provider module, valued by credential name, each credential shown only for it', () => {
		for (const description of [send, trigger]) {
			const provider = description.properties.find((property) => property.name === 'authentication')!;
			expect((provider.options as Array<{ value: string }>).map((option) => option.value).sort()).toEqual(PROVIDERS.map((p) => p.credentialType).sort());
			for (const credential of description.credentials!) {
				expect(credential.displayOptions).toEqual({ show: { authentication: [credential.name] } });
			}
		}
	});

	it('name Send WhatsApp as users know it, usable as an AI tool', () => {
		expect(send.name).toBe('sendWhatsApp');
		expect(send.usableAsTool).toBe(true);
		expect(send.displayName).not.toBe('WhatsApp Business Cloud');
		expect(trigger.name).toMatch(/Trigger$/);
		expect(trigger.displayName).not.toBe('WhatsApp Trigger');
	});

	it('write actions in sentence case and keep every secret-like parameter hidden', () => {
		const operation = send.properties.find((property) => property.name === 'operation')!;
		for (const option of operation.options as Array<{ action: string }>) expect(option.action).toMatch(/^[A-Z][a-z ]+$/);
		for (const description of [send, trigger]) {
			walk(description.properties, (property) => {
				if (/secret|token/i.test(property.name) && property.type === 'string') expect(property.typeOptions?.password).toBe(true);
				if (property.type === 'boolean' && property.description) expect(property.description).toMatch(/^Whether/);
			});
		}
	});

	it('listen for Meta\'s GET handshake and POST events on one path', () => {
		expect(trigger.webhooks!.map((webhook) => [webhook.name, webhook.httpMethod, webhook.path])).toEqual([
			['setup', 'GET', 'whatsapp'],
			['default', 'POST', 'whatsapp'],
		]);
	});
});
