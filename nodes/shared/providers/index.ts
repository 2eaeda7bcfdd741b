import { gateway } from './gateway';
import { metaCloud } from './meta';
import { twilio } from './twilio';
import type { WhatsAppProvider } from './types';

/**
 * Every provider, keyed by its credential type (the value of the nodes' Provider option), in the
 * order of the Provider dropdown. A new provider is one module and one entry here.
 */
const registry: WhatsAppProvider[] = [twilio, metaCloud, gateway];

export const PROVIDERS: readonly WhatsAppProvider[] = registry;

/** The Provider dropdown's default (saved workflows without a Provider value rely on it). */
export const DEFAULT_PROVIDER = metaCloud.credentialType;

/** Adds a provider to the registry (e.g. a test-only one); nodes built afterwards offer it. */
export function registerProvider(provider: WhatsAppProvider): void {
	if (providerFor(provider.credentialType)) throw new Error(`A provider for ${provider.credentialType} is already registered`);
	registry.push(provider);
}

export function providerFor(credentialType: string): WhatsAppProvider | undefined {
	return PROVIDERS.find((provider) => provider.credentialType === credentialType);
}

export type {
	WhatsAppProvider,
	SendContext,
	ProviderId,
	ProviderNodeSurface,
	MediaOperationContext,
	TemplateCatalog,
	TemplateFormField,
	TemplateReference,
	TemplateSummary,
} from './types';
