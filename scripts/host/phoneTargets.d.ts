import type { PhoneTarget } from '../../sandbox/types';
import type { Client } from './n8n';

/** A target finder for sandbox.phone.setTargets: the WhatsApp Triggers (messages) of n8n's active workflows. */
export function phoneTargets(client: Client, n8nUrl: string): (provider?: string) => Promise<PhoneTarget[]>;
