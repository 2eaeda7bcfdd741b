/**
 * Safe media downloads (issue 10): a media URL named by a gateway (or a provider) never reaches an
 * internal address, directly, through a redirect, through a host name, or as IPv6; credentials and
 * custom headers go only to the connection's own origin; a size limit stops big or endless files.
 * Real HTTP servers on 127.0.0.1 / ::1 stand in for the internal services.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';

import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { defaultMaxBytes, isPublicAddress, parseAllowedHosts } from '../../nodes/shared/mediaFetch';
import { accounts, connections, expectNoSecrets, META, TWILIO, WEBHOOK } from '../helpers/fixtures';
import { startTrigger, type TriggerServer } from '../helpers/trigger';

let sb: Sandbox;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
	sb = await startSandbox();
});
afterAll(async () => {
	for (const close of closers) await close();
	await sb.close();
});
beforeEach(() => sb.reset());

interface Seen {
	path: string;
	authorization?: string;
	tenant?: string;
	closedEarly?: boolean;
}

/** A local server; `handler` answers; every request it sees is recorded. */
async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void, host = '127.0.0.1') {
	const seen: Seen[] = [];
	const server = http.createServer((req, res) => {
		const entry: Seen = { path: req.url ?? '', authorization: req.headers.authorization, tenant: req.headers['x-tenant'] as string | undefined };
		seen.push(entry);
		res.on('close', () => {
			if (!res.writableFinished) entry.closedEarly = true;
		});
		handler(req, res);
	});
	await new Promise<void>((resolve) => server.listen(0, host, resolve));
	const port = (server.address() as AddressInfo).port;
	closers.push(async () => {
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	});
	return { seen, port, origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
}

/** Waits (up to 5 s) until the server saw the client hang up; resolves to whether it did. */
async function hungUp(entry: Seen): Promise<boolean> {
	for (let i = 0; i < 100 && !entry.closedEarly; i++) await new Promise((resolve) => setTimeout(resolve, 50));
	return entry.closedEarly === true;
}

const imageServer = () => serve((_req, res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end('internal-bytes'));

async function gatewayTrigger(options: IDataObject = {}, credentials: IDataObject = {}): Promise<TriggerServer> {
	const server = await startTrigger({
		parameters: { authentication: WEBHOOK, triggerOptions: { downloadMedia: true, ...options } },
		credentials: { [WEBHOOK]: { ...connections(sb)[WEBHOOK], ...credentials } },
	});
	closers.push(() => server.close());
	return server;
}

/** Posts a gateway message naming `mediaUrl`; resolves to the one item it started. */
async function receive(server: TriggerServer, mediaUrl: string, mimeType = 'image/jpeg', type?: string) {
	const response = await sb.fire({ url: server.url, provider: 'gateway', kind: 'message', message: { mediaUrl, mimeType, ...(type ? { type } : {}) } });
	await server.settled();
	expect(response.status).toBe(200);
	const items = server.executions.at(-1)!;
	expect(items).toHaveLength(1);
	return items[0];
}

describe('internal addresses are refused', () => {
	it('127.0.0.1 directly: not fetched, the item says why', async () => {
		const target = await imageServer();
		const server = await gatewayTrigger();
		const item = await receive(server, `${target.origin}/admin.jpg`);
		expect(item.binary).toBeUndefined();
		expect(item.json.media).toMatchObject({ downloadError: expect.stringContaining('127.0.0.1 is an internal address') });
		expect(String((item.json.media as IDataObject).downloadError)).toContain('Allowed Media Hosts');
		expect(target.seen).toHaveLength(0);
	});

	it('a redirect from the connection\'s own origin to 127.0.0.1: the second hop is refused', async () => {
		const target = await imageServer();
		const own = await serve((_req, res) => res.writeHead(302, { location: `${target.origin}/secret.jpg` }).end());
		const server = await gatewayTrigger({}, { url: `${own.origin}/send` });
		const item = await receive(server, `${own.origin}/media/1.jpg`);
		expect(own.seen).toHaveLength(1);
		expect(target.seen).toHaveLength(0);
		expect(item.binary).toBeUndefined();
		expect(item.json.media).toMatchObject({ downloadError: expect.stringContaining('is an internal address') });
	});

	it('a host name for this machine: localhost, and the machine\'s own name resolved by DNS', async () => {
		const target = await imageServer();
		const server = await gatewayTrigger();
		const byName = await receive(server, `http://localhost:${target.port}/x.jpg`);
		expect(byName.json.media).toMatchObject({ downloadError: expect.stringContaining('localhost names this machine') });
		// The machine's name is not a known local name: n8n's egress filter resolves it and refuses
		// the internal address it resolves to.
		const name = hostname();
		const { address } = await lookup(name);
		expect(isPublicAddress(address)).toBe(false);
		const resolved = await receive(server, `http://${name}:${target.port}/x.jpg`);
		expect(resolved.json.media).toMatchObject({ downloadError: expect.stringContaining("egress rules refuse") });
		expect(target.seen).toHaveLength(0);
	});

	it('IPv6 loopback [::1], and IPv4 written in other forms', async () => {
		const target = await serve((_req, res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end('v6-bytes'), '::1');
		const server = await gatewayTrigger();
		for (const url of [`http://[::1]:${target.port}/x.jpg`, `http://[::ffff:127.0.0.1]:${target.port}/x.jpg`, 'http://2130706433/x.jpg', 'http://0x7f.1/x.jpg', 'http://169.254.169.254/latest/meta-data/']) {
			const item = await receive(server, url);
			expect(item.binary).toBeUndefined();
			expect(item.json.media).toMatchObject({ downloadError: expect.stringContaining('is an internal address') });
		}
		expect(target.seen).toHaveLength(0);
	});

	it('only http and https', async () => {
		const server = await gatewayTrigger();
		for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/x.jpg', 'gopher://example.com/x']) {
			const item = await receive(server, url);
			expect(item.json.media).toMatchObject({ downloadError: expect.stringContaining('only http and https') });
		}
	});
});

describe('the exceptions', () => {
	it('a host in Allowed Media Hosts is fetched, without the connection\'s credentials', async () => {
		const target = await imageServer();
		const server = await gatewayTrigger({ allowedMediaHosts: `other.example, 127.0.0.1:${target.port}` });
		const item = await receive(server, `${target.origin}/ok.jpg`);
		expect(Buffer.from(item.binary!.data.data, 'base64').toString()).toBe('internal-bytes');
		expect(target.seen).toEqual([{ path: '/ok.jpg', authorization: undefined, tenant: undefined }]);
	});

	it('IPv6 in Allowed Media Hosts', async () => {
		const target = await serve((_req, res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end('v6-bytes'), '::1');
		const server = await gatewayTrigger({ allowedMediaHosts: `[::1]:${target.port}` });
		const item = await receive(server, `http://[::1]:${target.port}/ok.jpg`);
		expect(Buffer.from(item.binary!.data.data, 'base64').toString()).toBe('v6-bytes');
	});

	it('the connection\'s own origin is fetched with its token and headers (the sandbox gateway on 127.0.0.1)', async () => {
		const server = await gatewayTrigger();
		const item = await receive(server, `${sb.gatewayUrl}/media/1.jpg`);
		expect(item.binary).toBeDefined();
		const own = sb.requests.find((request) => request.provider === 'gateway' && request.method === 'GET');
		expect(own!.headers.authorization).toBe(`Bearer ${accounts.gateway.authToken}`);
		expect(own!.headers['x-tenant']).toBe('acme-tenant-key');
	});

	it('every provider downloads from its own origin: Meta (Graph media URL) and Twilio (MediaUrl)', async () => {
		for (const provider of [META, TWILIO]) {
			const server = await startTrigger({ parameters: { authentication: provider, triggerOptions: { downloadMedia: true } }, credentials: { [provider]: connections(sb)[provider] } });
			closers.push(() => server.close());
			const data = Buffer.from(`${provider}-bytes`);
			await sb.fire({ url: server.url, provider: provider === META ? 'meta' : 'twilio', kind: 'message', type: 'image', media: { contentType: 'image/jpeg', data } });
			await server.settled();
			expect(Buffer.from(server.executions[0][0].binary!.data.data, 'base64').equals(data)).toBe(true);
		}
	});
});

describe('credentials and headers never cross a redirect', () => {
	it('the own origin gets the token and the custom header; the host it redirects to gets neither', async () => {
		const cdn = await imageServer();
		const own = await serve((_req, res) => res.writeHead(307, { location: `${cdn.origin}/file.jpg` }).end());
		const server = await gatewayTrigger({ allowedMediaHosts: `127.0.0.1:${cdn.port}` }, { url: `${own.origin}/send` });
		const item = await receive(server, `${own.origin}/media/9.jpg`);
		expect(Buffer.from(item.binary!.data.data, 'base64').toString()).toBe('internal-bytes');
		expect(own.seen).toEqual([{ path: '/media/9.jpg', authorization: `Bearer ${accounts.gateway.authToken}`, tenant: 'acme-tenant-key' }]);
		expect(cdn.seen).toEqual([{ path: '/file.jpg', authorization: undefined, tenant: undefined }]);
	});

	it('a redirect back to the own origin from elsewhere gets no credentials on the foreign hop', async () => {
		const foreign = await serve((_req, res) => res.writeHead(302, { location: `${sb.gatewayUrl}/media/back.jpg` }).end());
		const server = await gatewayTrigger({ allowedMediaHosts: `127.0.0.1:${foreign.port}` });
		await receive(server, `${foreign.origin}/start.jpg`);
		expect(foreign.seen).toEqual([{ path: '/start.jpg', authorization: undefined, tenant: undefined }]);
	});
});

describe('size limit', () => {
	it('a trickling body is stopped once past the limit', async () => {
		const trickle = await serve((_req, res) => {
			res.writeHead(200, { 'content-type': 'image/jpeg' });
			let sent = 0;
			const drip = setInterval(() => {
				if (res.destroyed || sent >= 400) {
					clearInterval(drip);
					if (!res.destroyed) res.end();
					return;
				}
				res.write(Buffer.alloc(64, 1));
				sent += 1;
			}, 5);
		});
		// 0.0002 MB = 209 bytes: exceeded on the fourth chunk, long before the 400th.
		const server = await gatewayTrigger({ allowedMediaHosts: `127.0.0.1:${trickle.port}`, maxMediaMb: 0.0002, mediaTimeLimit: 30 });
		const item = await receive(server, `${trickle.origin}/slow.jpg`);
		expect(item.binary).toBeUndefined();
		expect(item.json.media).toMatchObject({ downloadError: expect.stringContaining('larger than the limit of 209 bytes') });
		expect(await hungUp(trickle.seen[0])).toBe(true);
	});

	it('a fast oversized body without a length is stopped; one with a length is refused before reading', async () => {
		const chunk = Buffer.alloc(64 * 1024, 7);
		const endless = await serve((_req, res) => {
			res.writeHead(200, { 'content-type': 'image/jpeg' });
			const pump = () => {
				while (!res.destroyed && res.write(chunk));
				if (!res.destroyed) res.once('drain', pump);
			};
			pump();
		});
		const declared = await serve((_req, res) => {
			res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(50 * 1024 * 1024) });
			res.write(chunk);
		});
		const server = await gatewayTrigger({ allowedMediaHosts: `127.0.0.1:${endless.port}, 127.0.0.1:${declared.port}`, maxMediaMb: 1 });
		const stopped = await receive(server, `${endless.origin}/endless.jpg`);
		expect(stopped.json.media).toMatchObject({ downloadError: expect.stringContaining(`larger than the limit of ${1024 * 1024} bytes`) });
		expect(await hungUp(endless.seen[0])).toBe(true);
		const refused = await receive(server, `${declared.origin}/big.jpg`);
		expect(refused.json.media).toMatchObject({ downloadError: expect.stringContaining(`is ${50 * 1024 * 1024} bytes, over the limit`) });
	});

	it('by default, WhatsApp\'s own maximum for the media type', async () => {
		const big = await serve((_req, res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.alloc(5 * 1024 * 1024 + 1)));
		const server = await gatewayTrigger({ allowedMediaHosts: `127.0.0.1:${big.port}` });
		const image = await receive(server, `${big.origin}/big.jpg`, 'image/jpeg');
		expect(image.json.media).toMatchObject({ downloadError: expect.stringContaining(`limit of ${5 * 1024 * 1024} bytes`) });
		const video = await receive(server, `${big.origin}/big.mp4`, 'video/mp4');
		expect(video.binary).toBeDefined();
		expect(defaultMaxBytes('sticker')).toBe(500 * 1024);
		expect(defaultMaxBytes(undefined, 'application/pdf')).toBe(100 * 1024 * 1024);
		expect(defaultMaxBytes('audio')).toBe(16 * 1024 * 1024);
	});
});

describe('address rules', () => {
	it.each([
		['127.0.0.1', false],
		['10.1.2.3', false],
		['172.31.255.255', false],
		['192.168.1.1', false],
		['169.254.169.254', false],
		['100.100.100.200', false],
		['0.0.0.0', false],
		['224.0.0.1', false],
		['::1', false],
		['::', false],
		['fe80::1', false],
		['fd00:ec2::254', false],
		['::ffff:127.0.0.1', false],
		['::ffff:7f00:1', false],
		['64:ff9b::a9fe:a9fe', false],
		['8.8.8.8', true],
		['157.240.1.35', true],
		['2a03:2880:f10c:83:face:b00c:0:25de', true],
		['::ffff:8.8.8.8', true],
		['not-an-ip', false],
	])('%s public: %s', (address, expected) => {
		expect(isPublicAddress(address)).toBe(expected);
	});

	it('reads Allowed Media Hosts', () => {
		expect(parseAllowedHosts(' Media.Example.com, [::1]:8080 ;10.0.0.5:9000\n*.cdn.example ')).toEqual(['media.example.com', '::1:8080', '10.0.0.5:9000', '*.cdn.example']);
	});

	it('never puts a secret in a reason', async () => {
		const server = await gatewayTrigger();
		const item = await receive(server, `http://user:${accounts.gateway.authToken}@127.0.0.1:1/x.jpg`);
		expectNoSecrets((item.json.media as IDataObject).downloadError);
	});
});
