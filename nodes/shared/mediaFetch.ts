import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Transports } from './transport';

/**
 * Safe media downloads for the trigger. A media URL comes from outside (a gateway's payload, a
 * provider's answer), so every download:
 * - goes to http(s) only, one hop at a time (redirects are followed here, at most MAX_HOPS);
 * - on every hop, refuses loopback, private, link-local (cloud metadata), shared, multicast and
 *   reserved addresses, unless the hop is the connection's own configured origin or its host is in
 *   the Allowed Media Hosts option. Host names are resolved by n8n's own egress filter
 *   (getSecureEgressFilter('enforced'), n8n 2.40: its SSRF rules and DNS lookup, applied here even
 *   when the instance's SSRF protection is off); IP literals (and IPv4 inside IPv6) are also checked here;
 * - sends the connection's credentials (and a gateway's custom headers) only to the connection's
 *   own origin, never to the host a redirect points at;
 * - reads the body as a stream and aborts it past the size limit (Content-Length is checked first).
 *
 * The address is checked just before n8n connects; a host whose DNS answer changes in between
 * (DNS rebinding) is caught only by n8n's own SSRF protection (N8N_SSRF_PROTECTION_ENABLED=true),
 * which checks at connect time. On an n8n without getSecureEgressFilter, only IP literals and
 * localhost names are checked.
 */
export const MAX_HOPS = 5;

/** WhatsApp's own maximum sizes per media type (Cloud API media reference); documents are the largest. */
export const MEDIA_MAX_BYTES: Record<string, number> = {
	audio: 16 * 1024 * 1024,
	document: 100 * 1024 * 1024,
	image: 5 * 1024 * 1024,
	sticker: 500 * 1024,
	video: 16 * 1024 * 1024,
};

/** The provider's own maximum for a media type (image, video…) or MIME type; documents' when unknown. */
export function defaultMaxBytes(type?: string, mimeType?: string): number {
	if (type && MEDIA_MAX_BYTES[type]) return MEDIA_MAX_BYTES[type];
	if (mimeType === 'image/webp') return MEDIA_MAX_BYTES.sticker;
	const major = mimeType?.split('/')[0];
	if (major && MEDIA_MAX_BYTES[major]) return MEDIA_MAX_BYTES[major];
	return MEDIA_MAX_BYTES.document;
}

/** A download refused on purpose: a node error whose message is what the item says. */
export function mediaRefused(node: INode, reason: string): NodeOperationError {
	const error = new NodeOperationError(node, reason, { level: 'warning' });
	// n8n swaps messages naming ENOTFOUND & co. for its generic text: keep ours.
	error.message = reason;
	error.context.mediaRefused = true;
	return error;
}

export function isMediaRefusal(error: unknown): boolean {
	return error instanceof NodeOperationError && error.context?.mediaRefused === true;
}

/** The four bytes of a dotted IPv4 address, or undefined. */
function ipv4Bytes(address: string): number[] | undefined {
	const parts = address.split('.');
	if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return undefined;
	const bytes = parts.map(Number);
	return bytes.every((byte) => byte <= 255) ? bytes : undefined;
}

/** The eight 16-bit groups of an IPv6 address (an IPv4 tail included), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
	let text = address.toLowerCase().replace(/%.*$/, '');
	const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (tail) {
		const bytes = ipv4Bytes(tail[1]);
		if (!bytes) return undefined;
		text = text.slice(0, -tail[1].length) + `${((bytes[0] << 8) | bytes[1]).toString(16)}:${((bytes[2] << 8) | bytes[3]).toString(16)}`;
	}
	const halves = text.split('::');
	if (halves.length > 2) return undefined;
	const parse = (half: string) => (half === '' ? [] : half.split(':'));
	const head = parse(halves[0]);
	const rest = halves.length === 2 ? parse(halves[1]) : [];
	if (![...head, ...rest].every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
	const missing = 8 - head.length - rest.length;
	if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
	return [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest].map((group) => parseInt(group, 16));
}

const inV4 = (b: number[], network: number[], prefix: number) => {
	const value = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
	const net = (network[0] << 24) | (network[1] << 16) | (network[2] << 8) | network[3];
	const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) | 0;
	return (value & mask) === (net & mask);
};

/** Loopback, private, link-local (cloud metadata), shared, documentation, multicast and reserved IPv4 ranges. */
const BLOCKED_V4: Array<[number[], number]> = [
	[[0, 0, 0, 0], 8],
	[[10, 0, 0, 0], 8],
	[[100, 64, 0, 0], 10], // shared (carrier-grade NAT; Alibaba Cloud metadata 100.100.100.200)
	[[127, 0, 0, 0], 8],
	[[169, 254, 0, 0], 16], // link-local (AWS, GCP, Azure metadata 169.254.169.254)
	[[172, 16, 0, 0], 12],
	[[192, 0, 0, 0], 24],
	[[192, 0, 2, 0], 24],
	[[192, 168, 0, 0], 16],
	[[198, 18, 0, 0], 15],
	[[198, 51, 100, 0], 24],
	[[203, 0, 113, 0], 24],
	[[224, 0, 0, 0], 4],
	[[240, 0, 0, 0], 4],
];

/** Whether an IP address is one a download may reach (a public unicast address); false for anything else. */
export function isPublicAddress(address: string): boolean {
	const v4 = ipv4Bytes(address);
	if (v4) return !BLOCKED_V4.some(([network, prefix]) => inV4(v4, network, prefix));
	const g = ipv6Groups(address);
	if (!g) return false;
	const zeroUntil = (n: number) => g.slice(0, n).every((group) => group === 0);
	// IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96): the IPv4 inside decides.
	const embedded = [g[6] >> 8, g[6] & 255, g[7] >> 8, g[7] & 255];
	if ((zeroUntil(5) && g[5] === 0xffff) || (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))) return isPublicAddress(embedded.join('.'));
	if (zeroUntil(6)) return false; // ::, ::1 and IPv4-compatible
	if ((g[0] & 0xfe00) === 0xfc00) return false; // unique local (AWS metadata fd00:ec2::254)
	if ((g[0] & 0xffc0) === 0xfe80) return false; // link-local
	if ((g[0] & 0xff00) === 0xff00) return false; // multicast
	if (g[0] === 0x2001 && g[1] === 0x0db8) return false; // documentation
	return true;
}

const isIpLiteral = (host: string) => ipv4Bytes(host) !== undefined || ipv6Groups(host) !== undefined;

/** `host` or `host:port` entries, comma or space separated; `*.example.com` matches its subdomains. */
export function parseAllowedHosts(value: unknown): string[] {
	return String(value ?? '')
		.split(/[\s,;]+/)
		.map((entry) => entry.trim().toLowerCase().replace(/^\[(.*)\](:\d+)?$/, '$1$2'))
		.filter(Boolean);
}

function isAllowedHost(url: URL, allowed: readonly string[]): boolean {
	const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
	const port = url.port || (url.protocol === 'https:' ? '443' : '80');
	return allowed.some((entry) => {
		if (entry.startsWith('*.')) return host.endsWith(entry.slice(1));
		return entry === host || entry === `${host}:${port}`;
	});
}

export function originOf(url: string | undefined): string | undefined {
	if (!url) return undefined;
	try {
		const parsed = new URL(url);
		return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
	} catch {
		return undefined;
	}
}

/** n8n's egress filter as this module uses it (n8n-workflow's NodeEgressFilter). */
export interface EgressFilter {
	validateUrl(url: string): Promise<{ ok: boolean; error?: Error }>;
}

const LOCAL_NAMES = /^(localhost|.*\.localhost|localhost\.localdomain|metadata\.google\.internal|metadata)\.?$/i;

/** Refuses a hop whose host is (or resolves to) an address a download may not reach. */
async function checkHost(node: INode, url: URL, egress: EgressFilter | undefined): Promise<void> {
	const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
	const inward = (what: string) =>
		mediaRefused(
			node,
			`Not downloaded: the media URL's host ${host} ${what}. Media is not fetched from loopback, private, link-local (cloud metadata) or other internal addresses; add the host to the Allowed Media Hosts option if it is yours.`,
		);
	if (isIpLiteral(host)) {
		if (!isPublicAddress(host)) throw inward('is an internal address');
	} else if (LOCAL_NAMES.test(host)) {
		throw inward('names this machine or a metadata service');
	}
	if (!egress) return;
	// n8n resolves the name and checks every address against its SSRF rules.
	const verdict = await egress.validateUrl(url.toString());
	if (!verdict.ok) {
		const detail = verdict.error?.message ?? 'refused';
		throw /resolv|ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(detail) && !/restricted/i.test(detail)
			? mediaRefused(node, `Not downloaded: the media host ${host} could not be resolved (${detail})`)
			: inward(`resolves to an address n8n's egress rules refuse (${detail})`);
	}
}

export interface MediaFetchOptions {
	node: INode;
	transports: Transports;
	/** The connection's own configured origin: exempt from the address check, the only one given credentials. */
	ownOrigin?: string;
	/** Another origin the provider itself named for an authenticated download (Meta's media URL); still address-checked. */
	credentialedOrigin?: string;
	allowedHosts: readonly string[];
	maxBytes: number;
	/** n8n's egress filter (getSecureEgressFilter('enforced')), when the running n8n offers one. */
	egress?: EgressFilter;
}

function headerOf(headers: Record<string, unknown>, name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	return Array.isArray(value) ? String(value[0]) : value === undefined || value === null ? undefined : String(value);
}

type BodyStream = AsyncIterable<Uint8Array | string> & { destroy?: () => void };

const discard = (body: unknown) => (body as { destroy?: () => void } | undefined)?.destroy?.();

/** Reads a response body up to `maxBytes`, destroying the stream past it. */
async function readLimited(node: INode, body: unknown, maxBytes: number, url: URL): Promise<Buffer> {
	const tooLarge = () => mediaRefused(node, `Not downloaded: the file at ${url.host} is larger than the limit of ${maxBytes} bytes (Max Media Size)`);
	if (body === undefined || body === null) return Buffer.alloc(0);
	if (Buffer.isBuffer(body) || body instanceof ArrayBuffer || typeof body === 'string') {
		const data = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
		if (data.length > maxBytes) throw tooLarge();
		return data;
	}
	const stream = body as BodyStream;
	const chunks: Buffer[] = [];
	let total = 0;
	let complete = false;
	try {
		for await (const chunk of stream) {
			const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
			total += buffer.length;
			if (total > maxBytes) throw tooLarge();
			chunks.push(buffer);
		}
		complete = true;
	} finally {
		if (!complete) stream.destroy?.();
	}
	return Buffer.concat(chunks);
}

/** The file name a Content-Disposition header gives (filename*=UTF-8''… or filename=…), without any path. */
export function dispositionFileName(header: string | undefined): string | undefined {
	if (!header) return undefined;
	const extended = /filename\*\s*=\s*(?:[\w-]+)?'[^']*'([^;]+)/i.exec(header);
	let name: string | undefined;
	if (extended) {
		try {
			name = decodeURIComponent(extended[1].trim());
		} catch {
			name = undefined;
		}
	}
	name ??= /filename\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(header)?.slice(1).find((part) => part !== undefined)?.trim();
	const base = name?.split(/[\\/]/).pop()?.trim();
	return base ? base : undefined;
}

/**
 * Downloads one media file under the rules above. Throws a refusal (isMediaRefusal: its message is
 * what the item says) when a rule refuses it, or an error when the download itself fails.
 */
export async function fetchMedia(url: string, options: MediaFetchOptions): Promise<{ data: Buffer; mimeType?: string; fileName?: string }> {
	const { node } = options;
	let current: URL;
	try {
		current = new URL(url);
	} catch {
		throw mediaRefused(node, 'Not downloaded: the media URL is not a valid URL');
	}
	for (let hop = 0; hop <= MAX_HOPS; hop++) {
		if (current.protocol !== 'http:' && current.protocol !== 'https:') {
			throw mediaRefused(node, `Not downloaded: only http and https media URLs are fetched, not ${current.protocol.replace(/:$/, '')}`);
		}
		const own = options.ownOrigin !== undefined && current.origin === options.ownOrigin;
		const credentialed = own || (hop === 0 && options.credentialedOrigin !== undefined && current.origin === options.credentialedOrigin);
		if (!own && !isAllowedHost(current, options.allowedHosts)) await checkHost(node, current, options.egress);
		const transport = credentialed ? options.transports.authenticated : options.transports.plain;
		const result = await transport({ method: 'GET', url: current.toString(), encoding: 'stream', disableFollowRedirect: true });
		if (result.kind === 'network') throw new NodeOperationError(node, `Could not download the media at ${current.host}: ${result.message}`);
		const { statusCode, headers, body } = result.response;
		if (statusCode >= 300 && statusCode < 400) {
			discard(body);
			const location = headerOf(headers, 'location');
			if (!location) throw new NodeOperationError(node, `Could not download the media at ${current.host}: HTTP ${statusCode} without a Location`);
			current = new URL(location, current);
			continue;
		}
		if (statusCode < 200 || statusCode >= 300) {
			discard(body);
			throw new NodeOperationError(node, `Could not download the media at ${current.host} (HTTP ${statusCode})`);
		}
		const declared = Number(headerOf(headers, 'content-length'));
		if (Number.isFinite(declared) && declared > options.maxBytes) {
			discard(body);
			throw mediaRefused(node, `Not downloaded: the file at ${current.host} is ${declared} bytes, over the limit of ${options.maxBytes} bytes (Max Media Size)`);
		}
		const data = await readLimited(node, body, options.maxBytes, current);
		return { data, mimeType: headerOf(headers, 'content-type'), fileName: dispositionFileName(headerOf(headers, 'content-disposition')) };
	}
	throw mediaRefused(node, `Not downloaded: more than ${MAX_HOPS} redirects`);
}

/** What a provider's download is given: one fetch under the trigger's rules, per file. */
export type MediaFetcher = (
	url: string,
	origins: { ownOrigin?: string; credentialedOrigin?: string },
) => Promise<{ data: Buffer; mimeType?: string; fileName?: string }>;
