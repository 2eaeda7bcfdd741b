/**
 * Connections in a real n8n: created through its REST API, stored encrypted (no secret in the
 * SQLite file), redacted when read back, and checked by n8n's own credential test against the
 * sandbox: success with the right details, failure with a wrong token.
 */
import { startSandbox, type Sandbox } from '../../sandbox';
import { accounts, connections } from '../helpers/fixtures';
import { createConnections, databaseBytes, META, n8n, SECRETS, TWILIO, WEBHOOK, type ConnectionIds } from './session';

const { client, userFolder } = n8n();
let sb: Sandbox;
let ids: ConnectionIds;

beforeAll(async () => {
	sb = await startSandbox();
	ids = await createConnections(client, sb, 'e2e connection');
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => sb.reset());

const secretFields: Record<string, string[]> = {
	[TWILIO]: ['authToken'],
	[META]: ['accessToken', 'appSecret', 'verifyToken'],
	[WEBHOOK]: ['authToken', 'headers'],
};

describe('connections saved in n8n', () => {
	it('are listed with their types', async () => {
		const saved = (await client.get('/credentials')) as Array<{ id: string; name: string; type: string }>;
		for (const type of [TWILIO, META, WEBHOOK]) {
			expect(saved).toContainEqual(expect.objectContaining({ id: ids[type].id, name: ids[type].name, type }));
		}
	});

	it('are stored encrypted: no secret appears in plain text in the SQLite database', () => {
		const bytes = databaseBytes(userFolder);
		// The right file: the connections' names are stored in plain text next to the encrypted data.
		for (const type of [TWILIO, META, WEBHOOK]) expect(bytes.includes(Buffer.from(ids[type].name))).toBe(true);
		for (const secret of SECRETS) expect(bytes.includes(Buffer.from(secret))).toBe(false);
		// Not even the non-secret fields: n8n encrypts the whole data object.
		expect(bytes.includes(Buffer.from(accounts.twilio.accountSid))).toBe(false);
		expect(bytes.includes(Buffer.from(sb.metaBaseUrl))).toBe(false);
	});

	it('do not hand their secrets back to the editor', async () => {
		for (const type of [TWILIO, META, WEBHOOK]) {
			const credential = (await client.get(`/credentials/${ids[type].id}?includeData=true`)) as { data: Record<string, unknown> };
			const text = JSON.stringify(credential);
			for (const field of secretFields[type]) {
				expect(credential.data[field]).toBeDefined(); // a redaction placeholder
				expect(text).not.toContain(String(connections(sb)[type][field]));
			}
			for (const secret of SECRETS) expect(text).not.toContain(secret);
		}
	});
});

describe("n8n's credential test (the Test button)", () => {
	async function test(type: string, data: Record<string, unknown>): Promise<{ status: string; message: string }> {
		return (await client.post('/credentials/test', { credentials: { id: ids[type].id, name: ids[type].name, type, data } })) as {
			status: string;
			message: string;
		};
	}

	it('Twilio: fetches the account with Basic auth (Account SID : Auth Token)', async () => {
		const ok = await test(TWILIO, connections(sb)[TWILIO]);
		expect(ok).toEqual(expect.objectContaining({ status: 'OK' }));
		const [request] = sb.requestsFor('twilio');
		expect(request.method).toBe('GET');
		expect(request.path).toBe(`/twilio/2010-04-01/Accounts/${accounts.twilio.accountSid}.json`);
		expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${accounts.twilio.accountSid}:${accounts.twilio.authToken}`).toString('base64')}`);
		expect(request.status).toBe(200);

		const wrong = await test(TWILIO, { ...connections(sb)[TWILIO], authToken: 'not-the-auth-token-0000000000000' });
		expect(wrong.status).toBe('Error');
		expect(sb.requestsFor('twilio').at(-1)?.status).toBe(401);
	});

	it('Meta: fetches the phone number with the Bearer access token', async () => {
		const ok = await test(META, connections(sb)[META]);
		expect(ok).toEqual(expect.objectContaining({ status: 'OK' }));
		const [request] = sb.requestsFor('meta');
		expect(request.method).toBe('GET');
		expect(request.path).toBe(`/meta/v23.0/${accounts.meta.phoneNumberId}`);
		expect(request.query.fields).toBe('display_phone_number,verified_name');
		expect(request.headers.authorization).toBe(`Bearer ${accounts.meta.accessToken}`);

		const wrong = await test(META, { ...connections(sb)[META], accessToken: 'EAAWrongToken' });
		expect(wrong.status).toBe('Error');
		expect(wrong.message).not.toContain(accounts.meta.accessToken);
		expect(sb.requestsFor('meta').at(-1)?.status).toBe(401);
	});

	it('Gateway: a HEAD request with the token and the headers, sending nothing', async () => {
		const ok = await test(WEBHOOK, connections(sb)[WEBHOOK]);
		expect(ok).toEqual(expect.objectContaining({ status: 'OK' }));
		const [request] = sb.requestsFor('gateway');
		expect(request.method).toBe('HEAD');
		expect(request.path).toBe('/gateway/send');
		expect(request.headers.authorization).toBe(`Bearer ${accounts.gateway.authToken}`);
		expect(request.headers['x-tenant']).toBe('acme-tenant-key');
		expect(sb.stats().accepted).toBe(0);

		const wrong = await test(WEBHOOK, { ...connections(sb)[WEBHOOK], authToken: 'not-the-gateway-token' });
		expect(wrong.status).toBe('Error');
		expect(sb.requestsFor('gateway').at(-1)?.status).toBe(401);
	});

	it('Gateway: a Body Template or Headers the node could not send with fail the test, before any request', async () => {
		sb.reset();
		const unknown = await test(WEBHOOK, { ...connections(sb)[WEBHOOK], bodyTemplate: '{"to": "{{phone}}"}' });
		expect(unknown).toEqual(expect.objectContaining({ status: 'Error', message: expect.stringMatching(/could not send: .*unknown placeholder \{\{phone\}\}/) }));
		const notJson = await test(WEBHOOK, { ...connections(sb)[WEBHOOK], bodyTemplate: '{"to": {{to}' });
		expect(notJson).toEqual(expect.objectContaining({ status: 'Error', message: expect.stringMatching(/Body Template is not valid JSON/) }));
		const headers = await test(WEBHOOK, { ...connections(sb)[WEBHOOK], headers: 'X-Tenant: acme' });
		expect(headers).toEqual(expect.objectContaining({ status: 'Error', message: expect.stringMatching(/Headers are not a JSON object/) }));
		expect(sb.requestsFor('gateway')).toHaveLength(0);
	});

	it('tests the saved details when the editor sends none (the stored, encrypted data is used)', async () => {
		// The editor sends password fields as a redaction placeholder; n8n merges the stored values.
		const saved = (await client.get(`/credentials/${ids[TWILIO].id}?includeData=true`)) as { data: Record<string, unknown> };
		const result = await test(TWILIO, saved.data);
		expect(result).toEqual(expect.objectContaining({ status: 'OK' }));
		expect(sb.requestsFor('twilio').at(-1)?.headers.authorization).toBe(
			`Basic ${Buffer.from(`${accounts.twilio.accountSid}:${accounts.twilio.authToken}`).toString('base64')}`,
		);
	});
});
