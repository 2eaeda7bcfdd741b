import { gateway } from './gateway';
import { metaCloud } from './meta';
import { twilio } from './twilio';
import type { WhatsAppProvider } from './types';

/** Every provider, keyed by its credential type (the value of the nodes' Provider option). */
export const PROVIDERS: readonly WhatsAppProvider[] = [twilio, metaCloud, gateway];

export function providerFor(credentialType: string): WhatsAppProvider | undefined {
	return PROVIDERS.find((provider) => provider.credentialType === credentialType);
}

export type { WhatsAppProvider, SendContext, ProviderId } from './types';
