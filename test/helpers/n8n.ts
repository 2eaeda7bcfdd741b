/**
 * Runs our nodes inside n8n's own execution context (n8n-core's ExecuteContext / WebhookContext /
 * HookContext) with n8n's real Workflow, parameter defaults, expressions and HTTP helpers. Only the
 * credential store is replaced: credentials are kept in memory, and `authenticate` is applied
 * exactly as n8n's CredentialsHelper applies it (generic: each `={{$credentials.x}}` expression
 * resolved by the workflow's expression engine; function: called with the decrypted data).
 */
import { ExecuteContext } from 'n8n-core';
import {
	createRunExecutionData,
	ICredentialsHelper,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type ICredentials,
	type IDataObject,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeParameters,
	type INodeProperties,
	type INodeType,
	type INodeTypes,
	type IRequestOptionsSimplified,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { MetaWhatsAppCloudApi } from '../../credentials/MetaWhatsAppCloudApi.credentials';
import { TwilioWhatsAppApi } from '../../credentials/TwilioWhatsAppApi.credentials';
import { WhatsAppWebhookApi } from '../../credentials/WhatsAppWebhookApi.credentials';
import { SendWhatsApp } from '../../nodes/SendWhatsApp/SendWhatsApp.node';

export const PACKAGE = 'n8n-nodes-whatsapp-providers';

export const CREDENTIAL_TYPES: Record<string, ICredentialType> = Object.fromEntries(
	[new TwilioWhatsAppApi(), new MetaWhatsAppCloudApi(), new WhatsAppWebhookApi()].map((type) => [type.name, type]),
);

/** Applies a credential's defaults the way n8n does when a user saves the form. */
export function withDefaults(type: string, data: IDataObject): ICredentialDataDecryptedObject {
	const defaults: IDataObject = {};
	for (const property of CREDENTIAL_TYPES[type].properties) defaults[property.name] = property.default as IDataObject[string];
	return { ...defaults, ...data } as ICredentialDataDecryptedObject;
}

/** A stand-in for n8n's CredentialsHelper: in-memory store, real `authenticate` semantics. */
export class TestCredentialsHelper extends ICredentialsHelper {
	/** Every request options object after authentication, for assertions. */
	readonly authenticated: IHttpRequestOptions[] = [];

	constructor(private readonly store: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		incoming: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const requestOptions = incoming as IHttpRequestOptions;
		const type = CREDENTIAL_TYPES[typeName];
		const { authenticate } = type;
		if (typeof authenticate === 'function') {
			const result = await authenticate(credentials, requestOptions);
			this.authenticated.push(result);
			return result;
		}
		if (authenticate && authenticate.type === 'generic') {
			requestOptions.headers ??= {};
			for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
				for (const [key, value] of Object.entries(outerValue as Record<string, string>)) {
					const resolvedKey = this.resolve(key, credentials, workflow, node);
					const resolvedValue = this.resolve(value, credentials, workflow, node);
					const target = requestOptions as unknown as Record<string, Record<string, unknown>>;
					target[outerKey] ??= {};
					target[outerKey][resolvedKey] = resolvedValue;
				}
			}
		}
		this.authenticated.push(requestOptions);
		return requestOptions;
	}

	/** n8n's CredentialsHelper.resolveValue: an `=`-prefixed value is an expression with $credentials. */
	private resolve(value: string, credentials: ICredentialDataDecryptedObject, workflow?: Workflow, node?: INode): string {
		if (typeof value !== 'string' || !value.startsWith('=')) return value;
		const resolved = workflow!.expression.getSimpleParameterValue(node!, value, 'internal', { $credentials: credentials }, undefined, '');
		return resolved ? String(resolved) : '';
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const data = this.store[type];
		if (!data) throw new Error(`No test credentials of type ${type} (${nodeCredentials.name})`);
		return data;
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string): INodeProperties[] {
		return CREDENTIAL_TYPES[type].properties;
	}
}

export function nodeTypesOf(...types: Array<[string, INodeType]>): INodeTypes {
	const byName = new Map(types.map(([name, type]) => [`${PACKAGE}.${name}`, type]));
	return {
		getByName: (name) => byName.get(name)!,
		getByNameAndVersion: (name) => byName.get(name)!,
		getKnownTypes: () => ({}),
	} as INodeTypes;
}

export interface RunOptions {
	parameters: INodeParameters;
	credentials: Record<string, IDataObject>;
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
	/** The node's Settings → On Error (overrides continueOnFail). */
	onError?: INode['onError'];
	mode?: WorkflowExecuteMode;
	/** The node's type version (default 1, as the saved workflows before 1.1). */
	typeVersion?: number;
	/** The execution's data (e.g. to see `waitTill` after Send and Wait for Reply). */
	runExecutionData?: ReturnType<typeof createRunExecutionData>;
	/** The node's ID (default node-send). */
	nodeId?: string;
}

export interface RunResult {
	output?: INodeExecutionData[][];
	error?: Error & { context?: IDataObject; description?: string; httpCode?: string };
	helper: TestCredentialsHelper;
}

/** Executes Send WhatsApp once with the given parameters, credentials and input items. */
/** What n8n passes to an execution, for one run in the tests: the credentials and the instance's URLs. */
export function testAdditionalData(credentialsHelper: TestCredentialsHelper, executionId: string): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper,
		executionId,
		restApiUrl: 'http://127.0.0.1/rest',
		instanceBaseUrl: 'http://127.0.0.1/',
		webhookBaseUrl: 'http://127.0.0.1/webhook',
		webhookTestBaseUrl: 'http://127.0.0.1/webhook-test',
		webhookWaitingBaseUrl: 'http://127.0.0.1/webhook-waiting',
		formWaitingBaseUrl: 'http://127.0.0.1/form-waiting',
		variables: {},
		userId: 'user-test',
	} as unknown as IWorkflowExecuteAdditionalData;
}

export async function runSendWhatsApp(options: RunOptions): Promise<RunResult> {
	const nodeType = new SendWhatsApp();
	const store: Record<string, ICredentialDataDecryptedObject> = {};
	const nodeCredentials: Record<string, INodeCredentialsDetails> = {};
	for (const [type, data] of Object.entries(options.credentials)) {
		store[type] = withDefaults(type, data);
		nodeCredentials[type] = { id: `cred-${type}`, name: `My ${type}` };
	}
	const node: INode = {
		id: options.nodeId ?? 'node-send',
		name: 'Send WhatsApp',
		type: `${PACKAGE}.sendWhatsApp`,
		typeVersion: options.typeVersion ?? 1,
		position: [0, 0],
		parameters: options.parameters,
		credentials: nodeCredentials,
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		...(options.onError ? { onError: options.onError } : {}),
	};
	const workflow = new Workflow({
		id: 'wf-test',
		name: 'test',
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: nodeTypesOf(['sendWhatsApp', nodeType]),
	});
	const helper = new TestCredentialsHelper(store);
	const additionalData = testAdditionalData(helper, 'exec-test');
	const items = options.items ?? [{ json: {} }];
	const workflowNode = workflow.getNode(node.name)!;
	const context = new ExecuteContext(
		workflow,
		workflowNode,
		additionalData,
		options.mode ?? 'manual',
		options.runExecutionData ?? createRunExecutionData(),
		0,
		items,
		{ main: [items] },
		{ node: workflowNode, data: { main: [items] }, source: { main: [{ previousNode: 'Start' }] } },
		[],
	);
	try {
		const output = await nodeType.execute.call(context);
		return { output, helper };
	} catch (error) {
		return { error: error as RunResult['error'], helper };
	}
}
