// @ts-check
'use strict';

/*
 * The sandbox's accounts: the default credentials of the three provider stand-ins and the merge of
 * a caller's overrides over them.
 */

const util = require('./util');

/** @typedef {import('./types').SandboxAccounts} SandboxAccounts */
/** @typedef {import('./types').SandboxAccountsInput} SandboxAccountsInput */
/** @typedef {import('./types').TwilioAccount} TwilioAccount */
/** @typedef {import('./types').MetaAccount} MetaAccount */
/** @typedef {import('./types').MetaPhoneNumber} MetaPhoneNumber */
/** @typedef {import('./types').GatewayAccount} GatewayAccount */

/** @type {TwilioAccount} */
const DEFAULT_TWILIO = {
	accountSid: 'AC5a4db0c5000000000000000000000001',
	authToken: 'sandbox0twilio0auth0token0000001',
	friendlyName: 'Sandbox Twilio account',
	whatsappNumber: 'whatsapp:+14155238886',
	messagingServiceSid: 'MG5a4db0c5000000000000000000000001',
	apiKeys: [{ sid: 'SK5a4db0c5000000000000000000000001', secret: 'sandbox0twilio0api0key0secret001' }],
};

/** @type {SandboxAccounts} */
const DEFAULT_ACCOUNTS = deepFreeze({
	twilio: DEFAULT_TWILIO,
	// The first account is the default one (as resolveAccounts returns it).
	twilioAccounts: [DEFAULT_TWILIO],
	meta: {
		accessToken: 'EAASandboxAccessToken0000000000000000000000000000',
		phoneNumberId: '106540352242922',
		wabaId: '102290129340398',
		appId: '1234567890123456',
		appSecret: 'sandbox-meta-app-secret',
		verifyToken: 'sandbox-verify-token',
		displayPhoneNumber: '+1 555-078-3881',
		verifiedName: 'Sandbox Business',
		phoneNumbers: [
			{ id: '106540352242922', displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Sandbox Business', qualityRating: 'GREEN' },
		],
	},
	gateway: {
		authToken: 'sandbox-gateway-token',
		authMode: 'bearer',
		headerName: 'x-api-key',
		webhookSecret: 'sandbox-gateway-webhook-secret',
	},
});

/**
 * @template T
 * @param {T} o
 * @returns {T}
 */
function deepFreeze(o) {
	if (o && typeof o === 'object') {
		for (const v of Object.values(o)) deepFreeze(v);
		Object.freeze(o);
	}
	return o;
}

/**
 * Merges overrides over DEFAULT_ACCOUNTS (returns fresh, mutable objects).
 * @param {SandboxAccountsInput} [input]
 * @returns {SandboxAccounts}
 */
function resolveAccounts(input = {}) {
	const d = DEFAULT_ACCOUNTS;
	const twilioInputs = input.twilio === undefined ? [{}] : Array.isArray(input.twilio) ? input.twilio : [input.twilio];
	const twilioAccounts = twilioInputs.map((t, i) => {
		/** @type {TwilioAccount} */
		const base = i === 0 ? { ...d.twilio, apiKeys: d.twilio.apiKeys.map((k) => ({ ...k })) } : {
			accountSid: 'AC' + util.hex(16),
			authToken: util.hex(16),
			friendlyName: `Sandbox Twilio account ${i + 1}`,
			whatsappNumber: `whatsapp:+1415523${String(8886 + i).padStart(4, '0')}`,
			messagingServiceSid: 'MG' + util.hex(16),
			apiKeys: [],
		};
		return { ...base, ...t, apiKeys: (t.apiKeys ?? base.apiKeys).map((k) => ({ ...k })) };
	});
	if (twilioAccounts.length === 0) throw new Error('accounts.twilio: at least one account');

	const mi = input.meta ?? {};
	const phoneNumberId = mi.phoneNumberId ?? mi.phoneNumbers?.[0]?.id ?? d.meta.phoneNumberId;
	const displayPhoneNumber = mi.displayPhoneNumber ?? d.meta.displayPhoneNumber;
	const verifiedName = mi.verifiedName ?? d.meta.verifiedName;
	/** @type {MetaPhoneNumber[]} */
	const phoneNumbers = (mi.phoneNumbers ?? []).map((p, i) => ({
		id: String(p.id),
		displayPhoneNumber: p.displayPhoneNumber ?? (p.id === phoneNumberId ? displayPhoneNumber : `+1 555-078-${String(3882 + i).padStart(4, '0')}`),
		verifiedName: p.verifiedName ?? verifiedName,
		qualityRating: p.qualityRating ?? 'GREEN',
	}));
	const primaryIndex = phoneNumbers.findIndex((p) => p.id === phoneNumberId);
	if (primaryIndex < 0) phoneNumbers.unshift({ id: phoneNumberId, displayPhoneNumber, verifiedName, qualityRating: 'GREEN' });
	else if (primaryIndex > 0) phoneNumbers.unshift(...phoneNumbers.splice(primaryIndex, 1));
	/** @type {MetaAccount} */
	const meta = {
		accessToken: mi.accessToken ?? d.meta.accessToken,
		phoneNumberId,
		wabaId: mi.wabaId ?? d.meta.wabaId,
		appId: mi.appId ?? d.meta.appId,
		appSecret: mi.appSecret ?? d.meta.appSecret,
		verifyToken: mi.verifyToken ?? d.meta.verifyToken,
		displayPhoneNumber: phoneNumbers[0].displayPhoneNumber,
		verifiedName: phoneNumbers[0].verifiedName,
		phoneNumbers,
	};
	if (mi.appCallbackUrl) meta.appCallbackUrl = mi.appCallbackUrl;

	const gi = input.gateway === null ? { authToken: '' } : (input.gateway ?? {});
	/** @type {GatewayAccount} */
	const gateway = {
		authMode: gi.authMode ?? d.gateway.authMode,
		headerName: (gi.headerName ?? d.gateway.headerName).toLowerCase(),
	};
	const token = 'authToken' in gi ? gi.authToken : d.gateway.authToken;
	if (token) gateway.authToken = token;
	const secret = 'webhookSecret' in gi ? gi.webhookSecret : d.gateway.webhookSecret;
	if (secret) gateway.webhookSecret = secret;

	return { twilio: twilioAccounts[0], twilioAccounts, meta, gateway };
}

// ---------------------------------------------------------------- behaviour

module.exports = { DEFAULT_ACCOUNTS, resolveAccounts };
