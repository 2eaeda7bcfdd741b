// Type declarations of scripts/host/n8n.js, for the TypeScript end-to-end tests (test/e2e).

export interface Owner {
	email: string;
	password: string;
	firstName?: string;
	lastName?: string;
}

export declare const DEFAULT_OWNER: Readonly<Required<Owner>>;

export declare const paths: {
	repoRoot: string;
	hostDir: string;
	nodeDir: string;
	nodeBinDir: string;
	nodeBin: string;
	n8nBin: string;
	n8nDir: string;
	marker: string;
};

export interface CommunityPackageInstall {
	installed: boolean;
	name: string;
	version: string;
	reason?: string;
	dir?: string;
}

export interface StartN8nOptions {
	port?: number;
	brokerPort?: number;
	userFolder?: string;
	env?: Record<string, string>;
	packageDir?: string | null;
	installHost?: boolean;
	readyTimeoutMs?: number;
	launcher?: string[];
	log?: (message: string) => void;
	/** 'worker': a queue-mode worker (same userFolder and queue env as its main instance, packageDir null; port = health check). */
	command?: 'start' | 'worker';
}

export interface N8nInstance {
	url: string;
	port: number;
	brokerPort: number;
	pid: number;
	logFile: string;
	userFolder: string;
	bootMs: number;
	communityPackage: CommunityPackageInstall | null;
	registration: unknown;
	memory(): { n8nRssMb: number; groupRssMb: number };
	exited: Promise<{ code: number | null; signal: string | null }>;
	stop(options?: { timeoutMs?: number }): Promise<void>;
}

export interface ClientSession {
	url: string;
	browserId: string;
	cookies: Record<string, string>;
}

export interface RequestOptions {
	raw?: boolean;
	headers?: Record<string, string>;
}

/** Error thrown by the client on an HTTP error status. */
export interface ClientError extends Error {
	status: number;
	body: unknown;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface Client {
	url: string;
	browserId: string;
	cookies: Map<string, string>;
	request(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<any>;
	get(path: string, options?: RequestOptions): Promise<any>;
	post(path: string, body?: unknown, options?: RequestOptions): Promise<any>;
	patch(path: string, body?: unknown, options?: RequestOptions): Promise<any>;
	put(path: string, body?: unknown, options?: RequestOptions): Promise<any>;
	delete(path: string, options?: RequestOptions): Promise<any>;
	session(): ClientSession;
}

export interface NodeRunItem {
	json: Record<string, any>;
	binary?: Record<string, any>;
	pairedItem?: unknown;
}

export interface NodeRun {
	startTime: number;
	executionTime: number;
	executionStatus?: string;
	error?: { message: string; description?: string; [key: string]: any };
	data?: { main: Array<NodeRunItem[] | null> };
}

export interface Execution {
	id: string;
	status: string;
	mode: string;
	finished: boolean;
	workflowId: string;
	startedAt: string;
	createdAt?: string;
	stoppedAt?: string;
	data: {
		resultData: {
			runData: Record<string, NodeRun[]>;
			error?: { message: string; [key: string]: any };
			lastNodeExecuted?: string;
		};
		[key: string]: any;
	};
	[key: string]: any;
}

export interface ExecutionSummary {
	id: string;
	status: string;
	mode: string;
	workflowId: string;
	[key: string]: any;
}

export interface Workflow {
	id?: string;
	name: string;
	nodes: Array<Record<string, any>>;
	connections: Record<string, any>;
	settings?: Record<string, any>;
	active?: boolean;
	versionId?: string;
	activeVersionId?: string | null;
	[key: string]: any;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export declare function offlineEnv(): Record<string, string>;
export declare function getFreePort(): Promise<number>;
export declare function installPackageIntoNodesDir(packageDir: string, userFolder: string, log?: (message: string) => void): CommunityPackageInstall;
export declare function startN8n(options?: StartN8nOptions): Promise<N8nInstance>;
export declare function createClient(url: string, session?: { browserId?: string; cookies?: Record<string, string> }): Client;
export declare function setupOwner(url: string, owner?: Owner): Promise<Client>;
export declare function login(url: string, owner?: Owner): Promise<Client>;
export declare function createCredential(
	client: Client,
	credential: { name: string; type: string; data: Record<string, unknown>; projectId?: string },
): Promise<{ id: string; name: string; type: string }>;
export declare function importWorkflow(client: Client, workflow: Workflow): Promise<Workflow & { id: string; versionId: string }>;
export declare function activateWorkflow(client: Client, id: string): Promise<Workflow>;
export declare function deactivateWorkflow(client: Client, id: string): Promise<Workflow>;
export declare function runWorkflowManually(
	client: Client,
	id: string,
	options: { triggerName?: string; destinationNode?: string; wait: true; timeoutMs?: number },
): Promise<Execution>;
export declare function runWorkflowManually(
	client: Client,
	id: string,
	options?: { triggerName?: string; destinationNode?: string; wait?: false; timeoutMs?: number },
): Promise<{ executionId?: string; waitingForWebhook?: boolean }>;
export declare function getExecution(client: Client, executionId: string): Promise<Execution>;
export declare function getExecutions(client: Client, workflowId: string, options: { full: false; limit?: number }): Promise<ExecutionSummary[]>;
export declare function getExecutions(client: Client, workflowId: string, options?: { full?: true; limit?: number }): Promise<Execution[]>;
export declare function waitForExecution(client: Client, executionId: string, timeoutMs?: number): Promise<Execution>;
export declare function waitForExecutions(client: Client, workflowId: string, n?: number, timeoutMs?: number): Promise<Execution[]>;
export declare function waitForWebhook(
	url: string,
	webhookPath: string,
	options?: { timeoutMs?: number; method?: string; test?: boolean },
): Promise<string>;
export declare function getCommunityPackages(client: Client): Promise<Array<Record<string, unknown>>>;
export declare function decodeExecution(execution: unknown): Execution;
