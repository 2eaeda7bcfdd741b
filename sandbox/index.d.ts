// Type declarations of sandbox/index.js (used by the Jest TypeScript tests: `import { startSandbox } from '../sandbox'`).
import type {
	SandboxOptions,
	Sandbox,
	SandboxAccounts,
	SandboxAccountsInput,
} from './types';

export * from './types';

/** Starts the provider sandbox on host:port (default 127.0.0.1, a free port). */
export declare function startSandbox(options?: SandboxOptions): Promise<Sandbox>;
/** The default sandbox credentials (frozen). */
export declare const DEFAULT_ACCOUNTS: Readonly<SandboxAccounts>;
/** Merges overrides over DEFAULT_ACCOUNTS. */
export declare function resolveAccounts(input?: SandboxAccountsInput): SandboxAccounts;
/** 'sha256=' + hex HMAC-SHA256(rawBody, appSecret): Meta's X-Hub-Signature-256. */
export declare function metaSignature(rawBody: Buffer | string, appSecret: string): string;
/** base64 HMAC-SHA1(authToken, url + sorted params): Twilio's X-Twilio-Signature. */
export declare function twilioSignature(authToken: string, url: string, params: Record<string, string | string[]>): string;
/** hex HMAC-SHA256(rawBody, secret): the gateway's X-Signature-256. */
export declare function gatewaySignature(rawBody: Buffer | string, secret: string): string;
/** A Twilio REST error body { code, message, more_info, status[, detail] }. */
export declare function twilioError(status: number, code?: number, message?: string, detail?: string): Record<string, unknown>;
/** A Graph error body { error: { message, type, code, error_subcode?, error_data?, is_transient?, fbtrace_id } }. */
export declare function metaError(
	status: number,
	o?: { code?: number; type?: string; message?: string; subcode?: number; details?: string; transient?: boolean },
): { error: Record<string, unknown> };
/** The gateway's error body { error: { status, message } }. */
export declare function gatewayError(status: number, message?: string): { error: { status: number; message: string } };
