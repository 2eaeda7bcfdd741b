/**
 * Test helpers that check what the nodes send (and what fake servers answer) against the
 * providers' official API specifications in `<repo>/test/specs` (source, commit and licence in
 * test/specs/SOURCES.md and LICENSES.md):
 *
 * - Meta WhatsApp Cloud API, OpenAPI 3.1 (`meta-business-messaging-openapi-v23.0.yaml`):
 *   request bodies of `POST /{Version}/{Phone-Number-ID}/messages` are validated against
 *   `components.schemas.Message`, after the corrections in `META_SCHEMA_CORRECTIONS`.
 * - Twilio REST API 2010-04-01, OpenAPI 3.0 (`twilio_api_v2010.json`): form parameters of
 *   `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` and the Message resource it returns.
 *
 * The spec files are parsed once per test module (module-level cache) and each validator is
 * compiled once.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

/** A JSON Schema (or any JSON object) node of a spec. */
export type SchemaObject = { [key: string]: unknown };

/** `components.schemas` of a spec: schema name → schema. */
export type SchemaMap = Record<string, SchemaObject>;

export interface ValidationResult {
	valid: boolean;
	errors: string[];
}

export interface NamedExample {
	name: string;
	body: unknown;
}

/** One fix of a known defect in Meta's published `Message` schema. */
export interface MetaSchemaCorrection {
	/** Stable identifier, used in test names and to omit a correction. */
	id: string;
	/** Why the published schema is wrong, in prose. */
	reason: string;
	/** Patches the (deep-copied) `components.schemas` of the Meta spec in place. */
	apply(schemas: SchemaMap): void;
}

// ---------------------------------------------------------------------------------------------
// Spec files
// ---------------------------------------------------------------------------------------------

/** The repository root (this file is `<repo>/test/helpers/specs.ts`). */
const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The repository's own copy of the specs: a clone of the repository alone passes `npm test`. */
export const SPECS_DIR = path.join(REPO_ROOT, 'test', 'specs');
export const META_SPEC_FILE = path.join(SPECS_DIR, 'meta-business-messaging-openapi-v23.0.yaml');
export const TWILIO_SPEC_FILE = path.join(SPECS_DIR, 'twilio_api_v2010.json');

const META_SEND_PATH = '/{Version}/{Phone-Number-ID}/messages';
const META_WEBHOOK_PATH = '/whatsapp/webhooks';
const TWILIO_CREATE_MESSAGE_PATH = '/2010-04-01/Accounts/{AccountSid}/Messages.json';
const TWILIO_MESSAGE_SCHEMA = 'api.v2010.account.message';

let metaSpecCache: SchemaObject | undefined;
let twilioSpecCache: SchemaObject | undefined;

/** The parsed Meta spec (parsed once; treat as read-only). */
export function metaSpec(): SchemaObject {
	metaSpecCache ??= asObject(parseYaml(readFileSync(META_SPEC_FILE, 'utf8')), META_SPEC_FILE);
	return metaSpecCache;
}

/** The parsed Twilio spec (parsed once; treat as read-only). */
export function twilioSpec(): SchemaObject {
	twilioSpecCache ??= asObject(JSON.parse(readFileSync(TWILIO_SPEC_FILE, 'utf8')), TWILIO_SPEC_FILE);
	return twilioSpecCache;
}

// ---------------------------------------------------------------------------------------------
// Small JSON helpers
// ---------------------------------------------------------------------------------------------

function isObject(value: unknown): value is SchemaObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown, where: string): SchemaObject {
	if (!isObject(value)) throw new Error(`Expected an object at ${where}`);
	return value;
}

function asArray(value: unknown, where: string): unknown[] {
	if (!Array.isArray(value)) throw new Error(`Expected an array at ${where}`);
	return value;
}

/**
 * The object at `keys` below `root`. Throws when the path is missing, so that a new spec
 * version that moves things around fails loudly instead of silently skipping a correction.
 */
function at(root: unknown, ...keys: Array<string | number>): SchemaObject {
	let node: unknown = root;
	for (const key of keys) {
		node = Array.isArray(node) ? node[Number(key)] : isObject(node) ? node[key] : undefined;
		if (node === undefined) throw new Error(`Spec path not found: ${keys.join(' → ')}`);
	}
	return asObject(node, keys.join(' → '));
}

/**
 * Deep copy of JSON data. (Not structuredClone: under Jest that returns objects of the host
 * realm, which then fail `instanceof Array` checks such as `expect.any(Array)` in tests.)
 */
function clone<T>(value: T): T {
	return JSON.parse(JSON.stringify(value)) as T;
}

/** Local `$ref` to a component schema. */
function ref(name: string): SchemaObject {
	return { $ref: `#/components/schemas/${name}` };
}

function refName(schema: unknown): string | undefined {
	if (!isObject(schema) || typeof schema.$ref !== 'string') return undefined;
	const match = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref);
	return match ? match[1] : undefined;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
	const seen = new Set<string>();
	for (const error of errors ?? []) {
		const where = error.instancePath || '(root)';
		const params = error.params as Record<string, unknown>;
		let detail = '';
		if (typeof params.additionalProperty === 'string') detail = `: ${params.additionalProperty}`;
		if (typeof params.unevaluatedProperty === 'string') detail = `: ${params.unevaluatedProperty}`;
		if (Array.isArray(params.allowedValues)) detail = `: ${params.allowedValues.join(', ')}`;
		if (typeof params.propertyName === 'string') detail = `: ${params.propertyName}`;
		seen.add(`${where} ${error.message ?? 'is invalid'}${detail}`);
	}
	return [...seen];
}

// ---------------------------------------------------------------------------------------------
// Meta: spec examples
// ---------------------------------------------------------------------------------------------

function operationExamples(spec: SchemaObject, route: string): NamedExample[] {
	const examples = at(spec, 'paths', route, 'post', 'requestBody', 'content', 'application/json', 'examples');
	return Object.entries(examples).map(([name, example]) => ({
		name,
		body: asObject(example, `${route} example ${name}`).value,
	}));
}

/**
 * Placeholders of the spec's send examples that cannot be valid as written, with the value we
 * substitute. Only enum-typed fields need this: string placeholders such as
 * `'{{Recipient-Phone-Number}}'` or `<IMAGE_OBJECT_ID>` are valid strings and stay as they are.
 */
export const META_EXAMPLE_PLACEHOLDERS: Readonly<Record<string, unknown>> = {
	// "Send Multi-Product Message": interactive.header.type is an enum; product_list headers are text.
	'<HEADER_TYPE>': 'text',
};

function substitutePlaceholders(value: unknown): unknown {
	if (typeof value === 'string') {
		return Object.prototype.hasOwnProperty.call(META_EXAMPLE_PLACEHOLDERS, value)
			? META_EXAMPLE_PLACEHOLDERS[value]
			: value;
	}
	if (Array.isArray(value)) return value.map(substitutePlaceholders);
	if (isObject(value)) {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitutePlaceholders(v)]));
	}
	return value;
}

/**
 * The request body examples of Meta's `POST /{Version}/{Phone-Number-ID}/messages`, named as in
 * the spec (fresh copies, with `META_EXAMPLE_PLACEHOLDERS` substituted).
 */
export function metaSendExamples(): NamedExample[] {
	return operationExamples(metaSpec(), META_SEND_PATH).map(({ name, body }) => ({
		name,
		body: substitutePlaceholders(body),
	}));
}

/**
 * Every inbound webhook payload example of the spec: the request body examples of
 * `POST /whatsapp/webhooks` (schema `WebhookPayload`), named as in the spec (fresh copies).
 */
export function metaWebhookExamples(): NamedExample[] {
	return operationExamples(metaSpec(), META_WEBHOOK_PATH).map(({ name, body }) => ({
		name,
		body: clone(body),
	}));
}

// ---------------------------------------------------------------------------------------------
// Meta: corrections of the published Message schema
// ---------------------------------------------------------------------------------------------

/** Names of the per-type message schemas listed in `Message.oneOf` (TextMessage, ...). */
function messageVariantNames(schemas: SchemaMap): string[] {
	return asArray(at(schemas, 'Message').oneOf, 'Message.oneOf')
		.map(refName)
		.filter((name): name is string => name !== undefined);
}

/**
 * The inline part of a schema shaped `allOf: [<base $ref>, {...}]`: the type-specific part of a
 * message type (base BaseMessageProperties), template component or parameter.
 */
function inlinePart(schemas: SchemaMap, name: string): SchemaObject {
	const part = asArray(at(schemas, name).allOf, `${name}.allOf`).find((p) => refName(p) === undefined);
	return asObject(part, `${name}.allOf (inline part)`);
}

/** The branch of `ActionObject.oneOf` that requires all of `keys`. */
function actionBranchRequiring(schemas: SchemaMap, ...keys: string[]): SchemaObject | undefined {
	return asArray(at(schemas, 'ActionObject').oneOf, 'ActionObject.oneOf')
		.filter(isObject)
		.find((branch) => {
			const required = Array.isArray(branch.required) ? branch.required : [];
			return keys.every((key) => required.includes(key));
		});
}

/** The branch of `ActionObject.oneOf` whose `name` enum contains `actionName`. */
function actionBranchNamed(schemas: SchemaMap, actionName: string): SchemaObject | undefined {
	return asArray(at(schemas, 'ActionObject').oneOf, 'ActionObject.oneOf')
		.filter(isObject)
		.find((branch) => {
			const name = isObject(branch.properties) ? branch.properties.name : undefined;
			return isObject(name) && Array.isArray(name.enum) && name.enum.includes(actionName);
		});
}

/** Template button sub_types the Cloud API accepts (it accepts them in lower or upper case). */
const TEMPLATE_BUTTON_SUB_TYPES = [
	'quick_reply',
	'url',
	'copy_code',
	'flow',
	'catalog',
	'mpm',
	'voice_call',
	'order_details',
];

/** The `index` of a template button component as the Cloud API accepts it. */
const TEMPLATE_BUTTON_INDEX: SchemaObject = {
	description: 'Position index of the button (0-9), as an integer or a string of digits.',
	anyOf: [
		{ type: 'integer', minimum: 0, maximum: 9 },
		{ type: 'string', pattern: '^[0-9]$' },
	],
};

/**
 * Schema replacing a `$ref` to a schema that carries an OpenAPI `discriminator`: the base schema,
 * plus "if the discriminating property equals X, then the mapped schema X applies".
 */
function discriminated(schemas: SchemaMap, baseName: string): SchemaObject {
	const discriminator = at(schemas, baseName, 'discriminator');
	const property = String(discriminator.propertyName);
	const mapping = at(discriminator, 'mapping');
	return {
		...ref(baseName),
		allOf: Object.entries(mapping).map(([value, target]) => ({
			if: { properties: { [property]: { const: value } }, required: [property] },
			then: { $ref: target },
		})),
	};
}

/**
 * Known defects of Meta's published `Message` schema, each fixed once, here. They are applied in
 * this order to a deep copy of `components.schemas`; each one is needed (see test/specs.test.ts,
 * which checks that omitting any of them changes the verdict on a spec example or on a body the
 * API would reject).
 */
export const META_SCHEMA_CORRECTIONS: readonly MetaSchemaCorrection[] = [
	{
		id: 'message-parts-closed-by-unevaluated-properties',
		reason:
			'Each message type is `allOf: [BaseMessageProperties, {type, <content>}]` with ' +
			'`additionalProperties: false` on the second part. additionalProperties cannot see the ' +
			'properties declared in a sibling allOf part, so read literally every body fails ' +
			'(messaging_product, to, recipient_type and context are "additional"). JSON Schema 2020-12 ' +
			'`unevaluatedProperties: false` on the message type says what was meant: no property ' +
			'beyond the shared ones and the type\'s own. TemplateMessage forgot the restriction ' +
			'altogether; it gets it too so unknown top-level fields fail for every type.',
		apply(schemas) {
			for (const name of messageVariantNames(schemas)) {
				for (const part of asArray(at(schemas, name).allOf, `${name}.allOf`)) {
					if (isObject(part)) delete part.additionalProperties;
				}
				at(schemas, name).unevaluatedProperties = false;
			}
		},
	},
	{
		id: 'defaulted-base-fields-optional',
		reason:
			'BaseMessageProperties requires `recipient_type` and `type`, but the API defaults ' +
			'recipient_type to "individual" and type to the one content object present (the spec\'s ' +
			'own examples "Send Contact Message", "Send Test Message" and "Send Text Message with ' +
			'Preview URL" omit them). Only messaging_product and to stay required; when type is ' +
			'given it must still match the content object, since each message type pins its `type` enum.',
		apply(schemas) {
			const base = at(schemas, 'BaseMessageProperties');
			base.required = asArray(base.required, 'BaseMessageProperties.required').filter(
				(key) => key !== 'recipient_type' && key !== 'type',
			);
		},
	},
	{
		id: 'template-language-policy-optional',
		reason:
			'LanguageObject requires `policy`, whose only value "deterministic" is the default the ' +
			'API applies; nearly every template example sends `language: {code}` alone.',
		apply(schemas) {
			at(schemas, 'LanguageObject').required = ['code'];
		},
	},
	{
		id: 'template-button-index',
		reason:
			'The button `index` is typed as a string with pattern `^[2-6, 11-14]$`, a character class ' +
			'that rejects "0" and "1"; the examples send "0", "1" and the integers 0 and 1. The API ' +
			'takes the button position 0-9 as an integer or a string of digits.',
		apply(schemas) {
			at(schemas, 'TemplateComponent', 'properties').index = clone(TEMPLATE_BUTTON_INDEX);
			at(inlinePart(schemas, 'ButtonComponent'), 'properties').index = clone(TEMPLATE_BUTTON_INDEX);
		},
	},
	{
		id: 'template-button-sub-types',
		reason:
			'The button `sub_type` enum lists only quick_reply, url and catalog, and only in lower ' +
			'case, while the examples send "flow" and "CATALOG" and the API also has copy_code, mpm, ' +
			'voice_call and order_details buttons, in either case.',
		apply(schemas) {
			const subType = {
				type: 'string',
				enum: [...TEMPLATE_BUTTON_SUB_TYPES, ...TEMPLATE_BUTTON_SUB_TYPES.map((s) => s.toUpperCase())],
			};
			at(schemas, 'TemplateComponent', 'properties').sub_type = clone(subType);
			at(inlinePart(schemas, 'ButtonComponent'), 'properties').sub_type = clone(subType);
		},
	},
	{
		id: 'template-button-parameter-types',
		reason:
			'Button parameters may only be `payload` or `text`, but catalog and flow buttons take an ' +
			'`action` parameter (examples "Send Catalog Template Message", "Send Flow Template ' +
			'Message") and copy_code buttons a `coupon_code` parameter.',
		apply(schemas) {
			const base = at(schemas, 'ButtonParameterObject');
			asArray(at(base, 'properties', 'type').enum, 'ButtonParameterObject.type.enum').push(
				'action',
				'coupon_code',
			);
			schemas.ButtonActionParameter = {
				allOf: [
					ref('ButtonParameterObject'),
					{
						type: 'object',
						required: ['action'],
						properties: {
							type: { enum: ['action'] },
							action: {
								type: 'object',
								description:
									'thumbnail_product_retailer_id (catalog), flow_token/flow_action_data (flow), sections (mpm).',
							},
						},
					},
				],
			};
			schemas.ButtonCouponCodeParameter = {
				allOf: [
					ref('ButtonParameterObject'),
					{
						type: 'object',
						required: ['coupon_code'],
						properties: { type: { enum: ['coupon_code'] }, coupon_code: { type: 'string', maxLength: 15 } },
					},
				],
			};
			const mapping = at(base, 'discriminator', 'mapping');
			mapping.action = '#/components/schemas/ButtonActionParameter';
			mapping.coupon_code = '#/components/schemas/ButtonCouponCodeParameter';
		},
	},
	{
		id: 'template-header-location-parameter',
		reason:
			'Templates with a location header take the location as a header parameter ' +
			'`{type: "location", location: {latitude, longitude, name?, address?}}` (Meta\'s template ' +
			'docs, "Location headers"); ParameterObject lists media and text types only, so a valid ' +
			'location-header template send fails.',
		apply(schemas) {
			const base = at(schemas, 'ParameterObject');
			asArray(at(base, 'properties', 'type').enum, 'ParameterObject.type.enum').push('location');
			schemas.LocationParameter = {
				allOf: [
					ref('ParameterObject'),
					{
						type: 'object',
						required: ['location'],
						properties: {
							type: { enum: ['location'] },
							location: {
								type: 'object',
								additionalProperties: false,
								required: ['latitude', 'longitude'],
								properties: {
									latitude: { type: 'number', minimum: -90, maximum: 90 },
									longitude: { type: 'number', minimum: -180, maximum: 180 },
									name: { type: 'string' },
									address: { type: 'string' },
								},
							},
						},
					},
				],
			};
			at(base, 'discriminator', 'mapping').location = '#/components/schemas/LocationParameter';
		},
	},
	{
		id: 'base-tracking-data',
		reason:
			'BaseMessageProperties omits `biz_opaque_callback_data`, the tracking string every message ' +
			'send accepts and that comes back in its status webhooks (Meta\'s "Messages" reference; the ' +
			'spec itself documents the field, max 512 characters, only for calls).',
		apply(schemas) {
			at(schemas, 'BaseMessageProperties', 'properties').biz_opaque_callback_data = { type: 'string', maxLength: 512 };
		},
	},
	{
		id: 'contact-phone-types',
		reason:
			'PhoneObject.type allows HOME and WORK only; Meta\'s "Contacts messages" reference lists the ' +
			'standard values CELL, MAIN, IPHONE, HOME and WORK, and inbound contacts arrive with MOBILE.',
		apply(schemas) {
			at(schemas, 'PhoneObject', 'properties', 'type').enum = ['CELL', 'MAIN', 'IPHONE', 'HOME', 'WORK', 'MOBILE'];
		},
	},
	{
		id: 'template-button-text-parameter-boolean',
		reason:
			'Example "Send Sample Issue Resolution Template" sends quick-reply button parameters ' +
			'`{type: text, text: true}` / `{text: false}` (most likely "Yes"/"No" turned into booleans by ' +
			'a YAML 1.1 round trip). Only this parameter kind is widened to string or boolean so the ' +
			'example stays usable as a fixture; every other text stays string-only.',
		apply(schemas) {
			at(inlinePart(schemas, 'ButtonTextParameter'), 'properties', 'text').type = ['string', 'boolean'];
		},
	},
	{
		id: 'template-discriminators-enforced',
		reason:
			'Template components and their parameters are only tied to their specific schemas through ' +
			'OpenAPI `discriminator` mappings (TemplateComponent → Header/Body/ButtonComponent, ' +
			'ParameterObject → Text/Currency/…Parameter, ButtonParameterObject → Payload/Text). JSON ' +
			'Schema ignores `discriminator`, so read literally a body parameter `{type: "text"}` without ' +
			'text, or a button without index, passes. Each reference to a discriminated base is ' +
			'replaced by "base, and if type is X then the mapped schema X".',
		apply(schemas) {
			at(schemas, 'TemplateObject', 'properties', 'components').items = discriminated(
				schemas,
				'TemplateComponent',
			);
			for (const component of ['HeaderComponent', 'BodyComponent']) {
				at(inlinePart(schemas, component), 'properties', 'parameters').items = discriminated(
					schemas,
					'ParameterObject',
				);
			}
			at(inlinePart(schemas, 'ButtonComponent'), 'properties', 'parameters').items = discriminated(
				schemas,
				'ButtonParameterObject',
			);
		},
	},
	{
		id: 'location-coordinates-numeric',
		reason:
			'Location `latitude`/`longitude` are typed as strings (while their own `example`s are ' +
			'numbers) and optional. The API takes numbers, as in the examples, and needs both.',
		apply(schemas) {
			const location = at(inlinePart(schemas, 'LocationMessage'), 'properties', 'location');
			const properties = at(location, 'properties');
			properties.latitude = { type: 'number', minimum: -90, maximum: 90, description: 'Latitude.' };
			properties.longitude = { type: 'number', minimum: -180, maximum: 180, description: 'Longitude.' };
			location.required = ['latitude', 'longitude'];
		},
	},
	{
		id: 'text-body-required',
		reason:
			'The `text` object of a text message does not require `body`, so `{type: "text", text: {}}` ' +
			'passes although the API rejects a text message without body.',
		apply(schemas) {
			at(inlinePart(schemas, 'TextMessage'), 'properties', 'text').required = ['body'];
		},
	},
	{
		id: 'interactive-order-types',
		reason:
			'InteractiveObject.type lacks `order_details` and `order_status` and ActionObject has no ' +
			'branch for their actions `review_and_pay` / `review_order`, so the examples "Send Order ' +
			'Details Message" and "Send Order Status Message" fail.',
		apply(schemas) {
			asArray(at(schemas, 'InteractiveObject', 'properties', 'type').enum, 'InteractiveObject.type.enum').push(
				'order_details',
				'order_status',
			);
			asArray(at(schemas, 'ActionObject').oneOf, 'ActionObject.oneOf').push(
				{
					required: ['name', 'parameters'],
					properties: {
						name: { type: 'string', enum: ['review_and_pay'] },
						parameters: {
							type: 'object',
							required: ['reference_id', 'type', 'currency', 'total_amount', 'order'],
						},
					},
				},
				{
					required: ['name', 'parameters'],
					properties: {
						name: { type: 'string', enum: ['review_order'] },
						parameters: {
							type: 'object',
							required: ['reference_id', 'order'],
							properties: { order: { type: 'object', required: ['status'] } },
						},
					},
				},
			);
		},
	},
	{
		id: 'interactive-action-matches-type',
		reason:
			'ActionObject is a oneOf of every action shape, not tied to the interactive `type`: a ' +
			'`type: "button"` message with a list action (or with a call-permission name next to ' +
			'invalid buttons) passes. Each interactive type is tied to its action shape: button → 1-3 ' +
			'reply buttons with id and title; list → button text and sections with rows; product → ' +
			'catalog_id and product_retailer_id; product_list → catalog_id and sections with ' +
			'product_items, plus a header; catalog_message/flow/call_permission_request/order_* → the ' +
			'action of that name. `body` is required except for product, as the descriptions state.',
		apply(schemas) {
			const rules: Array<{ type: string; action?: SchemaObject; required: string[] }> = [];
			// A copy of an ActionObject branch, with extra requirements.
			const withRequirements = (
				branch: SchemaObject | undefined,
				extra: (action: SchemaObject) => void = () => undefined,
			): SchemaObject | undefined => {
				if (!branch) return undefined;
				const action = clone(branch);
				extra(action);
				return action;
			};
			rules.push({
				type: 'button',
				action: withRequirements(actionBranchRequiring(schemas, 'buttons')),
				required: ['body'],
			});
			rules.push({
				type: 'list',
				action: withRequirements(actionBranchRequiring(schemas, 'button', 'sections'), (action) => {
					const sections = at(action, 'properties', 'sections');
					sections.items = { allOf: [sections.items], required: ['rows'], properties: { rows: { minItems: 1 } } };
				}),
				required: ['body'],
			});
			rules.push({
				type: 'product',
				action: withRequirements(actionBranchRequiring(schemas, 'catalog_id'), (action) => {
					action.required = ['catalog_id', 'product_retailer_id'];
				}),
				required: [],
			});
			rules.push({
				type: 'product_list',
				action: withRequirements(actionBranchRequiring(schemas, 'catalog_id'), (action) => {
					action.required = ['catalog_id', 'sections'];
					const sections = at(action, 'properties', 'sections');
					sections.items = { allOf: [sections.items], required: ['product_items'] };
				}),
				required: ['body', 'header'],
			});
			const namedActions: Record<string, string> = {
				catalog_message: 'catalog_message',
				flow: 'flow',
				call_permission_request: 'call_permission_request',
				order_details: 'review_and_pay',
				order_status: 'review_order',
			};
			for (const [type, actionName] of Object.entries(namedActions)) {
				rules.push({ type, action: actionBranchNamed(schemas, actionName), required: ['body'] });
			}
			at(schemas, 'InteractiveObject').allOf = rules
				.filter((rule) => rule.action !== undefined)
				.map((rule) => ({
					if: { properties: { type: { const: rule.type } }, required: ['type'] },
					then: { required: rule.required, properties: { action: rule.action } },
				}));
		},
	},
	{
		id: 'mark-as-read-body',
		reason:
			'Marking a message as read (optionally showing a typing indicator) is sent to the same ' +
			'endpoint — example "Send typing indicator and read receipt" — but Message has no schema ' +
			'for it. The spec\'s MarkMessageRequestPayload (where status is any string) becomes the ' +
			'last Message alternative, with status "read", an optional typing_indicator of type text, ' +
			'and no other fields.',
		apply(schemas) {
			const markRead = at(schemas, 'MarkMessageRequestPayload');
			const properties = at(markRead, 'properties');
			properties.status = { type: 'string', enum: ['read'] };
			properties.typing_indicator = {
				type: 'object',
				additionalProperties: false,
				required: ['type'],
				properties: { type: { type: 'string', enum: ['text'] } },
			};
			markRead.additionalProperties = false;
			asArray(at(schemas, 'Message').oneOf, 'Message.oneOf').push(ref('MarkMessageRequestPayload'));
		},
	},
	{
		id: 'bsuid-recipient',
		reason:
			'The v23.0 spec predates business-scoped user IDs. Meta\'s page "Business-scoped user IDs" ' +
			'(WhatsApp Business Platform, developers.facebook.com/documentation/business-messaging/' +
			'whatsapp/business-scoped-user-ids/, seen 2026-12-01) adds `recipient` to every message send: ' +
			'a BSUID (two-letter country code, a dot, up to 128 letters and digits) or a parent BSUID ' +
			'(with ENT. after the country code), used instead of `to`; when both are given `to` wins. ' +
			'So a body needs `to` or `recipient`, and `recipient` has that form.',
		apply(schemas) {
			const base = at(schemas, 'BaseMessageProperties');
			at(base, 'properties').recipient = {
				type: 'string',
				pattern: '^[A-Z]{2}\\.(ENT\\.)?[A-Za-z0-9]{1,128}$',
				description: 'A business-scoped user ID or parent BSUID, instead of `to`.',
			};
			base.required = asArray(base.required, 'BaseMessageProperties.required').filter((key) => key !== 'to');
			base.anyOf = [{ required: ['to'] }, { required: ['recipient'] }];
		},
	},
];

// ---------------------------------------------------------------------------------------------
// Meta: validators
// ---------------------------------------------------------------------------------------------

export type MetaMessageValidator = (body: unknown) => ValidationResult;

const META_ROOT_ID = 'meta-business-messaging';

/**
 * Compiles a validator for Meta's POST /messages body: the spec's `Message` schema, all its
 * `$ref`s into components.schemas resolved, with `corrections` applied (in order) to a deep copy.
 * Pass a subset of META_SCHEMA_CORRECTIONS to see what a correction changes.
 */
export function buildMetaMessageValidator(
	corrections: readonly MetaSchemaCorrection[] = META_SCHEMA_CORRECTIONS,
): MetaMessageValidator {
	const schemas = clone(at(metaSpec(), 'components', 'schemas')) as SchemaMap;
	for (const correction of corrections) correction.apply(schemas);

	const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
	addFormats(ajv);
	// `url` (MediaObject.link) is not a JSON Schema format, and the spec's examples use placeholder
	// links such as `<http(s)://audio-url>`: require only a non-empty string without whitespace.
	ajv.addFormat('url', /^\S+$/);
	// `float` (number format in other operations) is informational only.
	ajv.addFormat('float', { type: 'number', validate: () => true });
	ajv.addSchema({ $id: META_ROOT_ID, components: { schemas } });

	const compile = (name: string): ValidateFunction => {
		const validate = ajv.getSchema(`${META_ROOT_ID}#/components/schemas/${name}`);
		if (!validate) throw new Error(`Schema ${name} not found in the Meta spec`);
		return validate;
	};
	const validateMessage = compile('Message');
	const mapping = isObject(schemas.Message.discriminator) ? at(schemas.Message, 'discriminator', 'mapping') : {};
	const hasMarkAsRead = messageVariantNames(schemas).includes('MarkMessageRequestPayload');

	return (body) => {
		// (A plain boolean: Ajv's type-guard signature would narrow `body` to `never` below.)
		const valid: boolean = validateMessage(body);
		if (valid) return { valid: true, errors: [] };
		// A failed oneOf reports the errors of every alternative. When the intended message type is
		// clear (its `type`, or else the one content object present), report that type's errors.
		let intended: string | undefined;
		if (isObject(body)) {
			const type = typeof body.type === 'string' ? body.type : Object.keys(mapping).find((key) => key in body);
			if (type !== undefined && Object.hasOwn(mapping, type)) intended = refName({ $ref: mapping[type] });
			else if (type === undefined && 'status' in body && hasMarkAsRead) intended = 'MarkMessageRequestPayload';
		}
		if (intended) {
			const validateIntended = compile(intended);
			const intendedValid: boolean = validateIntended(body);
			if (!intendedValid) return { valid: false, errors: formatErrors(validateIntended.errors) };
		}
		return { valid: false, errors: formatErrors(validateMessage.errors) };
	};
}

let metaValidatorCache: MetaMessageValidator | undefined;

/**
 * Validates a JSON body for Meta's `POST /{Version}/{Phone-Number-ID}/messages` against the spec's
 * `Message` schema with META_SCHEMA_CORRECTIONS applied (send and mark-as-read bodies).
 */
export function validateMetaMessage(body: unknown): ValidationResult {
	metaValidatorCache ??= buildMetaMessageValidator();
	return metaValidatorCache(body);
}

// ---------------------------------------------------------------------------------------------
// Twilio
// ---------------------------------------------------------------------------------------------

const TWILIO_ROOT_ID = 'twilio-api-v2010';

/** The spec's `application/x-www-form-urlencoded` schema of the Messages create operation. */
function twilioCreateMessageSchema(): SchemaObject {
	return at(
		twilioSpec(),
		'paths',
		TWILIO_CREATE_MESSAGE_PATH,
		'post',
		'requestBody',
		'content',
		'application/x-www-form-urlencoded',
		'schema',
	);
}

function twilioAjv(coerce: boolean): Ajv {
	// Twilio's spec is OpenAPI 3.0 (JSON Schema draft-04/07 flavoured, with `nullable`).
	const ajv = new Ajv({ strict: false, allErrors: true, logger: false, coerceTypes: coerce ? 'array' : false });
	addFormats(ajv);
	// Twilio's own formats. Lenient on purpose: they catch wrong kinds of values, not every typo.
	// `phone-number`: E.164, a short code, an alphanumeric sender ID or a channel address such as
	// `whatsapp:+15552229999`.
	ajv.addFormat('phone-number', /^(?:[a-z][a-z0-9-]*:)?\+?[0-9A-Za-z][0-9A-Za-z ]*$/);
	ajv.addFormat(
		'date-time-rfc-2822',
		/^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/,
	);
	ajv.addFormat('currency', /^[A-Za-z]{3}$/);
	ajv.addFormat('uri-map', true); // applies to an object of URIs; informational only
	const spec = twilioSpec();
	ajv.addSchema({
		$id: TWILIO_ROOT_ID,
		components: { schemas: at(spec, 'components', 'schemas') },
		createMessageRequest: twilioCreateMessageSchema(),
	});
	return ajv;
}

let twilioCreateValidatorCache: ValidateFunction | undefined;

function twilioCreateValidator(): ValidateFunction {
	if (twilioCreateValidatorCache) return twilioCreateValidatorCache;
	const ajv = twilioAjv(true);
	const parameterNames = Object.keys(at(twilioCreateMessageSchema(), 'properties'));
	twilioCreateValidatorCache = ajv.compile({
		allOf: [
			// The spec's schema (types, enums, formats, `To` required).
			{ $ref: `${TWILIO_ROOT_ID}#/createMessageRequest` },
			// Every parameter must be one of the spec's properties.
			{
				properties: Object.fromEntries(parameterNames.map((name) => [name, true])),
				additionalProperties: false,
			},
			// Twilio's documented rules (https://www.twilio.com/docs/messaging/api/message-resource):
			// a sender, `From` or `MessagingServiceSid`, ...
			{
				anyOf: [
					{ required: ['From'], properties: { From: { minLength: 1 } } },
					{ required: ['MessagingServiceSid'] },
				],
			},
			// ... and content, `Body`, `MediaUrl` or `ContentSid`.
			{
				anyOf: [
					{ required: ['Body'], properties: { Body: { minLength: 1 } } },
					{ required: ['MediaUrl'], properties: { MediaUrl: { minItems: 1 } } },
					{ required: ['ContentSid'] },
				],
			},
		],
		// The spec's description of ContentVariables: "`content_sid` parameter must also be provided".
		dependencies: { ContentVariables: ['ContentSid'] },
	});
	return twilioCreateValidatorCache;
}

/**
 * Parses an `application/x-www-form-urlencoded` body into parameters; a repeated key (such as
 * `MediaUrl`) becomes an array of its values, in order.
 */
export function parseForm(rawBody: string): Record<string, string | string[]> {
	const params: Record<string, string | string[]> = {};
	for (const [key, value] of new URLSearchParams(rawBody)) {
		const previous = params[key];
		if (previous === undefined) params[key] = value;
		else params[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
	}
	return params;
}

/**
 * Validates the form parameters of Twilio's `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`
 * against the spec's request body schema: only the spec's parameter names, their types (form
 * strings are coerced: "true" → boolean, a single MediaUrl → array), enums and formats, `To`
 * required, plus Twilio's rules: `From` or `MessagingServiceSid`; `Body`, `MediaUrl` or
 * `ContentSid`; ContentVariables only with ContentSid and holding a JSON object.
 */
export function validateTwilioCreateMessage(params: Record<string, string | string[]>): ValidationResult {
	const validate = twilioCreateValidator();
	const data = clone(params); // type coercion rewrites the data
	const errors = validate(data) ? [] : formatErrors(validate.errors);
	const contentVariables = params.ContentVariables;
	if (typeof contentVariables === 'string') {
		let parsed: unknown;
		try {
			parsed = JSON.parse(contentVariables);
		} catch {
			parsed = undefined;
		}
		if (!isObject(parsed)) errors.push('/ContentVariables must be a JSON object (as a string)');
	}
	return { valid: errors.length === 0, errors };
}

let twilioResourceValidatorCache: ValidateFunction | undefined;

/** Validates an object against the spec's Message resource schema (`api.v2010.account.message`). */
export function validateTwilioMessageResource(obj: unknown): ValidationResult {
	twilioResourceValidatorCache ??= (() => {
		const validate = twilioAjv(false).getSchema(`${TWILIO_ROOT_ID}#/components/schemas/${TWILIO_MESSAGE_SCHEMA}`);
		if (!validate) throw new Error(`Schema ${TWILIO_MESSAGE_SCHEMA} not found in the Twilio spec`);
		return validate;
	})();
	const valid = twilioResourceValidatorCache(obj);
	return { valid, errors: valid ? [] : formatErrors(twilioResourceValidatorCache.errors) };
}

function hex32(): string {
	return randomBytes(16).toString('hex');
}

/** RFC 2822 date as Twilio writes it: `Thu, 24 Aug 2023 05:01:45 +0000`. */
function rfc2822(date: Date): string {
	return date.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * A Message resource as Twilio returns it from Messages create: every property of the spec's
 * `api.v2010.account.message` schema, with realistic values (fresh `SM…` sid, status `queued`,
 * outbound-api, RFC 2822 dates, relative URIs). `overrides` replace or add properties.
 */
export function twilioMessageResourceExample(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	const sid = typeof overrides.sid === 'string' ? overrides.sid : `SM${hex32()}`;
	const accountSid = typeof overrides.account_sid === 'string' ? overrides.account_sid : `AC${hex32()}`;
	const now = rfc2822(new Date());
	const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}`;
	const realistic: Record<string, unknown> = {
		account_sid: accountSid,
		api_version: '2010-04-01',
		body: 'Hello from n8n',
		date_created: now,
		date_sent: null,
		date_updated: now,
		direction: 'outbound-api',
		error_code: null,
		error_message: null,
		from: 'whatsapp:+14155238886',
		messaging_service_sid: null,
		num_media: '0',
		num_segments: '1',
		price: null,
		price_unit: 'USD',
		sid,
		status: 'queued',
		subresource_uris: { media: `${uri}/Media.json` },
		to: 'whatsapp:+15005550006',
		uri: `${uri}.json`,
	};
	const properties = at(twilioSpec(), 'components', 'schemas', TWILIO_MESSAGE_SCHEMA, 'properties');
	const resource: Record<string, unknown> = {};
	for (const [name, schema] of Object.entries(properties)) {
		// A property added in a newer spec version gets null (all of them are nullable so far).
		resource[name] = name in realistic ? realistic[name] : isObject(schema) && schema.nullable ? null : undefined;
	}
	return { ...resource, ...overrides };
}

// ---------------------------------------------------------------------------------------------
// Twilio Content API: the create request (POST /v1/Content)
// ---------------------------------------------------------------------------------------------

export const TWILIO_CONTENT_SPEC_FILE = path.join(SPECS_DIR, 'twilio_content_v1.json');
let twilioContentValidatorCache: ValidateFunction | undefined;

/** Validates a JSON body of Twilio's `POST /v1/Content` against the Content API spec's `ContentCreateRequest`. */
export function validateTwilioContentCreate(body: unknown): ValidationResult {
	twilioContentValidatorCache ??= (() => {
		const spec = asObject(JSON.parse(readFileSync(TWILIO_CONTENT_SPEC_FILE, 'utf8')), TWILIO_CONTENT_SPEC_FILE);
		const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
		addFormats(ajv);
		const id = 'https://content.twilio.com/v1/spec';
		ajv.addSchema({ $id: id, components: { schemas: at(spec, 'components', 'schemas') } });
		const validate = ajv.getSchema(`${id}#/components/schemas/ContentCreateRequest`);
		if (!validate) throw new Error('ContentCreateRequest not found in the Twilio Content spec');
		return validate;
	})();
	const valid = twilioContentValidatorCache(body);
	return { valid, errors: valid ? [] : formatErrors(twilioContentValidatorCache.errors) };
}
