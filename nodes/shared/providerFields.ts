import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';

import { DEFAULT_PROVIDER, PROVIDERS, providerFor, type ProviderNodeSurface, type WhatsAppProvider } from './providers';

/**
 * The nodes' fields that depend on the provider, built from what each provider declares (its
 * `nodes` surface) in the registry: the Provider dropdown, the credentials, and the display rules
 * of fields only some providers use. No node file names a provider.
 */

/**
 * The Provider dropdown shared by both nodes. Its option values are the credential type names,
 * so the selected value goes straight to n8n's authenticated request and keys the provider registry.
 */
export function providerProperty(): INodeProperties {
	return {
		displayName: 'Provider',
		name: 'authentication',
		type: 'options',
		noDataExpression: true,
		options: PROVIDERS.map((provider) => ({ name: provider.nodes.name, value: provider.credentialType, description: provider.nodes.description })),
		default: DEFAULT_PROVIDER,
	};
}

/** One credential entry per provider, each shown only for its option. */
export function providerCredentials(): INodeCredentialDescription[] {
	return PROVIDERS.map((provider) => ({
		name: provider.credentialType,
		required: true,
		displayOptions: { show: { authentication: [provider.credentialType] } },
	}));
}

type Declared = 'sendFields' | 'sendOptions';
/** 'authentication' for top-level fields; '/authentication' for the options inside a collection. */
type ProviderKey = 'authentication' | '/authentication';

/**
 * Fields that only some providers use (by their declarations) are shown for those providers; the
 * others are left as they are (shown for every provider).
 */
export function withProviderRules(fields: INodeProperties[], declared: Declared, key: ProviderKey): INodeProperties[] {
	return fields.map((field) => {
		const providers = PROVIDERS.filter((provider) => provider.nodes[declared]?.includes(field.name));
		if (providers.length === 0) return field;
		return showFor(field, providers, key);
	});
}

/** Every provider's own fields of one kind (e.g. its trigger options), each shown only for it. */
export function ownFields(kind: 'ownSendFields' | 'triggerFields' | 'triggerOptions', key: ProviderKey): INodeProperties[] {
	return PROVIDERS.flatMap((provider) => (provider.nodes[kind] ?? []).map((field) => showFor(field, [provider], key)));
}

function showFor(field: INodeProperties, providers: WhatsAppProvider[], key: ProviderKey): INodeProperties {
	const show = { ...field.displayOptions?.show, [key]: providers.map((provider) => provider.credentialType) };
	return { ...field, displayOptions: { ...field.displayOptions, show } };
}

/** " (Meta Cloud API, Gateway)": the providers that offer something, when not all of them do. */
export function offeredBy(offers: (surface: ProviderNodeSurface) => boolean): string {
	const providers = PROVIDERS.filter((provider) => offers(provider.nodes));
	return providers.length === PROVIDERS.length ? '' : ` (${providers.map((provider) => provider.label).join(', ')})`;
}

/** Whether the chosen provider uses a field that only some providers use. */
export function providerUses(credentialType: string, declared: Declared, name: string): boolean {
	return providerFor(credentialType)?.nodes[declared]?.includes(name) === true;
}

/** "4096 characters on Meta Cloud API, 1600 on Twilio": the limits the providers declare, the default provider's first. */
export function declaredLimits(kind: 'text' | 'caption'): string {
	const byDefaultFirst = [...PROVIDERS].sort((a, b) => Number(b.credentialType === DEFAULT_PROVIDER) - Number(a.credentialType === DEFAULT_PROVIDER));
	return byDefaultFirst.filter((provider) => provider.nodes.limits?.[kind] !== undefined)
		.map((provider, index) => `${provider.nodes.limits![kind]}${index === 0 ? ' characters' : ''} on ${provider.label}`)
		.join(', ');
}
