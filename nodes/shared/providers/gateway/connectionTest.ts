import type { ICredentialDataDecryptedObject, ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { WhatsAppWebhookApi } from '../../../../credentials/WhatsAppWebhookApi.credentials';
import { parseBodyTemplate, renderBodyTemplate } from '../../bodyTemplate';
import { gatewayCredentials } from './connection';
import { placeholderValues } from './send';
import { headerRecord } from '../../values';

/** The name the nodes' credentials entry refers to (`testedBy`) and `methods.credentialTest` defines. */
export const GATEWAY_CONNECTION_TEST = 'whatsAppWebhookApiTest';

/**
 * The gateway connection's Test button: the Body Template must be JSON with known placeholders and
 * render a sample message, the Headers must be a JSON object, and the URL must answer a HEAD request
 * with the connection's token and headers (HEAD asks for nothing to be sent).
 */
export async function testGatewayConnection(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as ICredentialDataDecryptedObject;
	const connection = gatewayCredentials(data);
	const name = credential.name ? `"${credential.name}"` : '';
	try {
		const parsed = parseBodyTemplate(connection.bodyTemplate);
		renderBodyTemplate(parsed, placeholderValues({ to: '+14155550123', type: 'text', text: { body: 'Test' }, options: {} }, connection.statusUrl));
	} catch (error) {
		return { status: 'Error', message: `Webhook connection ${name}: ${(error as Error).message}`.replace('  ', ' ') };
	}
	if (!/^https?:\/\/\S+$/i.test(connection.url)) {
		return { status: 'Error', message: 'The URL is not valid: enter the full http(s) URL of the gateway, e.g. https://gateway.example.com/send.' };
	}
	if (!headerRecord(data.headers)) {
		return { status: 'Error', message: 'The Headers are not a JSON object: enter headers as {"Header-Name": "value"}.' };
	}
	const request = await new WhatsAppWebhookApi().authenticate(data, { url: connection.url, method: 'HEAD', headers: {} });
	let statusCode: number;
	try {
		// Credential test functions get only `request` from n8n (ICredentialTestFunctions has no httpRequest).
		// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions
		const response = (await this.helpers.request({
			method: 'HEAD',
			uri: connection.url,
			headers: request.headers,
			resolveWithFullResponse: true,
			simple: false,
			timeout: 15_000,
		})) as { statusCode?: number };
		statusCode = Number(response?.statusCode ?? 0);
	} catch (error) {
		const status = Number((error as { statusCode?: unknown; httpCode?: unknown }).statusCode ?? (error as { httpCode?: unknown }).httpCode);
		if (!Number.isFinite(status) || status === 0) {
			const code = String((error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code ?? 'no answer');
			return { status: 'Error', message: `Could not reach the gateway at its URL (${code}): check the URL and that the gateway is reachable from n8n.` };
		}
		statusCode = status;
	}
	if (statusCode === 401 || statusCode === 403) {
		return { status: 'Error', message: `The gateway refused the credentials (HTTP ${statusCode}): check the Auth Token and Headers.` };
	}
	if (statusCode >= 400) {
		return { status: 'Error', message: `The gateway answered HTTP ${statusCode} at its URL: check the URL.` };
	}
	return { status: 'OK', message: 'The gateway answered, and the Body Template is valid JSON with known placeholders.' };
}
