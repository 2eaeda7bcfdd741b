import type { INodeProperties } from 'n8n-workflow';

/** The Allowed Media Hosts option of every media download (the trigger's and Download Media's): see mediaFetch.ts. */
export const ALLOWED_MEDIA_HOSTS_OPTION: INodeProperties = {
	displayName: 'Allowed Media Hosts',
	name: 'allowedMediaHosts',
	type: 'string',
	default: '',
	placeholder: 'e.g. media.gateway.internal, 10.0.0.5:8080, *.cdn.example.com',
	description:
		"Hosts (or host:port) media may be downloaded from although they resolve to a loopback, private or link-local address, separated by commas. The connection's own URL is always allowed; other hosts never get its credentials or headers.",
};
