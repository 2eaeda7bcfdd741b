/**
 * Reply ids of Send and Wait for Reply (one per answer option): `w1.<execId>.<nodeId>.<q>.<c>.<sig>`.
 * `sig` is n8n's own signature of the waiting execution's resume URL (getSignedResumeUrl, HMAC-SHA256
 * with the instance's secret, which no node sees) over `?q=<q>&c=<c>&u=<u>`, where `u` hashes the
 * customer's address. `u` is not in the id: the trigger recomputes it from the provider-verified sender,
 * so n8n itself refuses a tap by anyone but the asked customer, a changed option, question or execution.
 */
import { createHash } from 'node:crypto';

import { normaliseRecipient } from '../phone';

export const REPLY_ID_VERSION = 'w1';
/** The query parameter n8n signs and checks (n8n-core WAITING_TOKEN_QUERY_PARAM). */
const SIGNATURE_PARAM = 'signature';

export interface ReplyId {
	executionId: string;
	nodeId: string;
	/** The question's nonce (8 characters, base64url). */
	q: string;
	/** The option's index (0…9). */
	c: string;
	/** n8n's signature, hex (64 characters). */
	signature: string;
}

const SHAPE = /^w1\.([A-Za-z0-9_-]{1,40})\.([A-Za-z0-9_-][A-Za-z0-9_.-]{0,63})\.([A-Za-z0-9_-]{8})\.(\d)\.([A-Za-z0-9_-]{43})$/;

/** The customer binding: the first 16 hex characters of SHA-256 of their address (`+<digits>` or a BSUID). */
export function customerHash(address: string): string {
	const normalised = normaliseRecipient(address) ?? address.trim();
	return createHash('sha256').update(normalised).digest('hex').slice(0, 16);
}

/** The signed parameters, in the order n8n signs them (insertion order matters). */
export function resumeParameters(q: string, c: string, customer: string): Record<string, string> {
	return { q, c, u: customerHash(customer) };
}

/** The reply id of one option, from the URL getSignedResumeUrl returned for it. */
export function encodeReplyId(executionId: string, nodeId: string, q: string, c: string, signedUrl: string): string {
	const signature = new URL(signedUrl).searchParams.get(SIGNATURE_PARAM) ?? '';
	if (!/^[0-9a-f]{64}$/.test(signature)) throw new Error('n8n did not sign the resume URL as expected');
	return [REPLY_ID_VERSION, executionId, nodeId, q, c, Buffer.from(signature, 'hex').toString('base64url')].join('.');
}

/** The parts of a reply id of this package, or undefined for any other id (a normal reply). */
export function parseReplyId(value: unknown): ReplyId | undefined {
	if (typeof value !== 'string') return undefined;
	const match = SHAPE.exec(value);
	if (!match) return undefined;
	const [, executionId, nodeId, q, c, sig] = match;
	const bytes = Buffer.from(sig, 'base64url');
	if (bytes.length !== 32 || bytes.toString('base64url') !== sig) return undefined;
	return { executionId, nodeId, q, c, signature: bytes.toString('hex') };
}

/**
 * The resume URL the reply id stands for, as the customer `customer` answering it: exactly what
 * getSignedResumeUrl returned when the sender was that customer (n8n checks it).
 */
export function resumeUrl(waitingBaseUrl: string, reply: ReplyId, customer: string): string {
	const url = new URL(`${waitingBaseUrl.replace(/\/+$/, '')}/${reply.executionId}/${encodeURIComponent(reply.nodeId)}`);
	for (const [key, value] of Object.entries(resumeParameters(reply.q, reply.c, customer))) url.searchParams.set(key, value);
	url.searchParams.set(SIGNATURE_PARAM, reply.signature);
	return url.toString();
}
