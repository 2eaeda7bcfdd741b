// Types shared by the sandbox's parts (index.js, twilio.js, meta.js, gateway.js, store.js,
// faults.js, control.js). Not public: the public types are in types.d.ts.
import type { IncomingMessage } from 'node:http';
import type { FireOptions, FireResult, Provider, RecordedRequest, SandboxAccounts, StoredMessage } from './types';
import type { Store } from './store';
import type { Faults } from './faults';

/** What a route handler answers. */
export interface Result {
	status: number;
	/** JSON body (ignored when raw is set) */
	body?: unknown;
	/** raw bytes */
	raw?: Buffer;
	headers?: Record<string, string>;
	/** destroy the socket instead of answering */
	reset?: boolean;
	tag?: 'rate' | 'fault500' | 'fault429' | 'faultReset' | 'injected' | 'accepted';
}

/** One provider request, as a route handler sees it. */
export interface Ctx {
	req: IncomingMessage;
	rec: RecordedRequest;
	url: URL;
	provider: Provider;
	/** path after the provider prefix */
	subpath: string;
}

/** What every part of one sandbox shares (made by startSandbox). */
export interface SandboxContext {
	accounts: SandboxAccounts;
	/** the server's own URL */
	baseUrl: string;
	/** base of links the sandbox hands out (media URLs) */
	publicUrl: string;
	startedAt: number;
	store: Store;
	faults: Faults;
	/** Sends 'sent' then 'delivered' for an accepted message (when autoStatusCallbacks is on). */
	scheduleStatuses(stored: StoredMessage, send: (status: string, extra?: Partial<FireOptions>) => Promise<FireResult>): void;
	/** Fires a webhook without counting it in stats().fired. */
	fireInternal(o: FireOptions): Promise<FireResult>;
}
