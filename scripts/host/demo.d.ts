// Type declarations of scripts/host/demo.js, for the TypeScript end-to-end tests (test/e2e).
import type { Client, Workflow } from './n8n';

export type CredentialTypeName = 'twilioWhatsAppApi' | 'metaWhatsAppCloudApi' | 'whatsAppWebhookApi';

export interface DemoSandbox {
	twilioBaseUrl: string;
	metaBaseUrl: string;
	gatewayUrl: string;
	accounts: {
		twilio: { accountSid: string; authToken: string; whatsappNumber: string };
		meta: { accessToken: string; phoneNumberId: string; wabaId: string; appSecret: string; verifyToken: string };
		gateway: { authToken?: string };
	};
}

export interface Example {
	file: string;
	workflow: Workflow;
}

export interface TriggerNode {
	node: string;
	credentialType: CredentialTypeName;
	provider: 'twilio' | 'meta' | 'gateway';
	webhookId: string;
	triggerOn: string[];
}

export interface DemoConnection {
	name: string;
	type: CredentialTypeName;
	data: Record<string, string>;
}

export interface ProvisionedCredential {
	id: string;
	name: string;
	type: CredentialTypeName;
	created: boolean;
}

export interface ProvisionedWorkflow {
	id: string;
	name: string;
	file: string;
	created: boolean;
	active: boolean;
	trigger: boolean;
	webhooks: Array<TriggerNode & { url: string }>;
}

export declare const PACKAGE: string;
export declare const SEND_TYPE: string;
export declare const TRIGGER_TYPE: string;
export declare const EXAMPLES_DIR: string;
export declare const DEMO_CONNECTION_NAMES: Readonly<Record<CredentialTypeName, string>>;
export declare const DEMO_GATEWAY_BODY_TEMPLATE: string;
export declare const CREDENTIAL_TYPES: Readonly<{ TWILIO: 'twilioWhatsAppApi'; META: 'metaWhatsAppCloudApi'; WEBHOOK: 'whatsAppWebhookApi' }>;

export declare function webhookUrl(n8nUrl: string, webhookId: string): string;
export declare function loadExamples(dir?: string): Example[];
export declare function triggerNodes(workflow: Workflow): TriggerNode[];
export declare function bindCredentials(workflow: Workflow, byType: Partial<Record<string, { id: string; name: string }>>): Workflow;
export declare function gatewayStatusUrl(n8nUrl: string, examples?: Example[]): string;
export declare function demoConnections(sandbox: DemoSandbox, options?: { statusUrl?: string }): DemoConnection[];
export declare function listCredentials(client: Client): Promise<Array<{ id: string; name: string; type: string }>>;
export declare function listWorkflows(client: Client): Promise<Workflow[]>;
export declare function upsertCredential(
	client: Client,
	credential: { name: string; type: string; data: Record<string, unknown> },
	existing?: Array<{ id: string; name: string; type: string }>,
): Promise<ProvisionedCredential>;
export declare function provisionDemo(
	client: Client,
	options: { sandbox: DemoSandbox; n8nUrl: string; examples?: Example[]; activate?: boolean; log?: (message: string) => void },
): Promise<{ credentials: Record<CredentialTypeName, ProvisionedCredential>; workflows: ProvisionedWorkflow[] }>;
