/** Defaults shared by the connection types and the provider modules: one place each. */
export const DEFAULT_GRAPH_VERSION = 'v23.0';
export const DEFAULT_GRAPH_BASE_URL = 'https://graph.facebook.com';
export const DEFAULT_TWILIO_BASE_URL = 'https://api.twilio.com';
export const DEFAULT_TWILIO_CONTENT_BASE_URL = 'https://content.twilio.com';
