import type { ICredentialDataDecryptedObject, IHttpRequestMethods, INode } from 'n8n-workflow';

import { parseBodyTemplate, TemplateError } from '../../bodyTemplate';
import { inputError, toNodeError } from '../../errors';
import { headerRecord, text } from '../../values';

export const PROVIDER = 'the webhook gateway';
const METHODS = new Set(['POST', 'PUT', 'PATCH']);

export interface GatewayCredentials {
	url: string;
	method: IHttpRequestMethods;
	authToken: string;
	bodyTemplate: string;
	statusUrl: string;
}

export function gatewayCredentials(stored: ICredentialDataDecryptedObject): GatewayCredentials {
	const method = text(stored.method).toUpperCase() || 'POST';
	const template = stored.bodyTemplate;
	return {
		url: text(stored.url),
		method: method as IHttpRequestMethods,
		authToken: text(stored.authToken),
		bodyTemplate: typeof template === 'string' ? template : JSON.stringify(template ?? {}),
		statusUrl: text(stored.statusUrl),
	};
}

/** The connection's values that must never appear in an error, a log line or an output item. */
export function gatewaySecrets(stored: ICredentialDataDecryptedObject): string[] {
	// Header values are often API keys: treat them all as secrets.
	return [gatewayCredentials(stored).authToken, text(stored.signatureSecret), ...Object.values(headerRecord(stored.headers) ?? {})];
}

/** Checks the connection's fields once per execution. */
export function checkGatewayCredentials(node: INode, stored: ICredentialDataDecryptedObject, connectionName = 'webhook'): void {
	const credentials = gatewayCredentials(stored);
	if (!/^https?:\/\//i.test(credentials.url)) {
		throw inputError(node, undefined, "The webhook connection's URL is not valid", 'Enter the full http(s) URL of the gateway, e.g. https://gateway.example.com/send.');
	}
	if (!METHODS.has(credentials.method)) {
		throw inputError(node, undefined, `The webhook connection's Method must be POST, PUT or PATCH, not ${credentials.method}`);
	}
	if (!headerRecord(stored.headers)) {
		throw inputError(node, undefined, "The webhook connection's Headers are not a JSON object", 'Enter headers as {"Header-Name": "value"}.');
	}
	try {
		parseBodyTemplate(credentials.bodyTemplate);
	} catch (error) {
		throw bodyTemplateFailure(node, undefined, error, connectionName);
	}
}

/** A Body Template that does not parse or render: the connection named, and how to fix it. */
export function bodyTemplateFailure(node: INode, itemIndex: number | undefined, error: unknown, connectionName: string) {
	return error instanceof TemplateError
		? inputError(node, itemIndex, `Webhook connection "${connectionName}": ${error.message}`, 'Fix the Body Template in the connection: it must be JSON, and placeholders must be among the listed names.')
		: toNodeError(node, error, itemIndex);
}
