/**
 * The stored surface of both nodes: what saved workflows depend on. Per node and version, every
 * parameter's path, type, default and option values, and where it is displayed: the combinations of
 * the values its display rules name (provider, operation, message type, …), evaluated by n8n's own
 * NodeHelpers.displayParameter and reduced to the values that change the answer. The fixture was
 * written from the descriptions before the layout of issue 11; a refactor must keep it.
 * UPDATE_SURFACE=1 rewrites it (only for a deliberate, reviewed change).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { NodeHelpers, type INodeParameters, type INodeProperties, type INodeTypeDescription } from 'n8n-workflow';

import { SendWhatsApp } from '../../nodes/SendWhatsApp/SendWhatsApp.node';
import { WhatsAppProvidersTrigger } from '../../nodes/WhatsAppProvidersTrigger/WhatsAppProvidersTrigger.node';

const FIXTURE = join(__dirname, '..', 'fixtures', 'node-surface.json');

type Value = string | number | boolean;
type Property = INodeProperties & { values?: INodeProperties[] };

function optionValues(property: INodeProperties | undefined): Value[] {
	if (!property) return [];
	if (property.type === 'boolean') return [true, false];
	if (property.type !== 'options' && property.type !== 'multiOptions') return [];
	return ((property.options ?? []) as Array<{ value?: Value }>).map((option) => option.value!).filter((value) => value !== undefined);
}

function keysOf(property: INodeProperties): string[] {
	const keys = new Set<string>();
	for (const rules of [property.displayOptions?.show, property.displayOptions?.hide]) {
		for (const key of Object.keys(rules ?? {})) keys.add(key);
	}
	return [...keys].sort();
}

function ruleValues(property: INodeProperties, key: string): Value[] {
	const values: Value[] = [];
	for (const rules of [property.displayOptions?.show, property.displayOptions?.hide]) {
		for (const value of (rules?.[key] as unknown[] | undefined) ?? []) if (typeof value !== 'object') values.push(value as Value);
	}
	return values;
}

function product(keys: string[], values: Record<string, Value[]>): Array<Record<string, Value>> {
	let combos: Array<Record<string, Value>> = [{}];
	for (const key of keys) combos = combos.flatMap((combo) => values[key].map((value) => ({ ...combo, [key]: value })));
	return combos;
}

/** Where a parameter is displayed: "always", or the combinations (over the keys that matter) that show it. */
function display(
	property: INodeProperties,
	description: INodeTypeDescription,
	version: number,
	siblings: INodeProperties[],
): string | string[] {
	const keys = keysOf(property);
	if (keys.length === 0) return 'always';
	const values: Record<string, Value[]> = {};
	for (const key of keys) {
		const known =
			key === '@version'
				? [version]
				: key.startsWith('/')
					? optionValues(description.properties.find((candidate) => candidate.name === key.slice(1)))
					: optionValues(siblings.find((candidate) => candidate.name === key));
		values[key] = [...new Set([...known, ...ruleValues(property, key), '(other)'])];
	}
	const shown = (combo: Record<string, Value>) => {
		const root: INodeParameters = {};
		const own: INodeParameters = {};
		for (const [key, value] of Object.entries(combo)) {
			if (key === '@version') continue;
			if (key.startsWith('/')) root[key.slice(1)] = value;
			else own[key] = value;
		}
		return NodeHelpers.displayParameter(own, property, { typeVersion: version }, description, { ...root, ...own });
	};
	const combos = product(keys, values);
	const results = new Map(combos.map((combo) => [JSON.stringify(combo), shown(combo)]));
	// Keys whose value never changes the answer (e.g. @version on a one-version node) are dropped.
	const relevant = keys.filter((key) =>
		combos.some((combo) => values[key].some((value) => results.get(JSON.stringify({ ...combo, [key]: value })) !== results.get(JSON.stringify(combo)))),
	);
	if (relevant.length === 0) return results.values().next().value ? 'always' : 'never';
	const shownCombos = new Set<string>();
	for (const combo of combos) {
		if (!results.get(JSON.stringify(combo))) continue;
		shownCombos.add(relevant.map((key) => `${key.replace(/^\//, '')}=${String(combo[key])}`).join(' '));
	}
	return [...shownCombos].sort();
}

function inVersion(property: INodeProperties, description: INodeTypeDescription, version: number): boolean {
	const rule = property.displayOptions?.show?.['@version'];
	if (!rule) return true;
	const probe = { ...property, displayOptions: { show: { '@version': rule } } } as INodeProperties;
	return NodeHelpers.displayParameter({}, probe, { typeVersion: version }, description, {});
}

function introducedLater(property: INodeProperties, description: INodeTypeDescription, version: number): boolean {
	const versions = Array.isArray(description.version) ? description.version : [description.version];
	const shownIn = versions.filter((candidate) => inVersion(property, description, candidate));
	return shownIn.length > 0 && shownIn.every((candidate) => candidate > version);
}

interface Row {
	path: string;
	type: string;
	default: unknown;
	options?: Value[];
	display: string | string[];
}

function surface(properties: Property[], description: INodeTypeDescription, version: number, prefix = ''): Row[] {
	const rows: Row[] = [];
	for (const property of properties) {
		// A parameter introduced by a later version (its @version rule admits only later ones) is not
		// part of this version's surface; one that a later version hides stays, displayed "never".
		if (introducedLater(property, description, version)) continue;
		const path = `${prefix}${property.name}`;
		const values = optionValues(property);
		rows.push({
			path,
			type: property.type,
			default: property.default,
			...(values.length && property.type !== 'boolean' ? { options: values } : {}),
			display: display(property, description, version, properties),
		});
		if (property.type === 'collection' && property.options) rows.push(...surface(property.options as Property[], description, version, `${path}.`));
		if (property.type === 'fixedCollection' && property.options) {
			for (const group of property.options as Property[]) rows.push(...surface(group.values ?? [], description, version, `${path}.${group.name}.`));
		}
	}
	return rows.sort((a, b) => a.path.localeCompare(b.path));
}

function nodeSurface(description: INodeTypeDescription) {
	const versions = Array.isArray(description.version) ? description.version : [description.version];
	return {
		name: description.name,
		versions,
		credentials: (description.credentials ?? []).map(({ name, required, displayOptions, testedBy }) => ({ name, required, displayOptions, testedBy })),
		parameters: Object.fromEntries(versions.map((version) => [String(version), surface(description.properties as Property[], description, version)])),
	};
}

describe('stored surface of the nodes', () => {
	const current = {
		sendWhatsApp: nodeSurface(new SendWhatsApp().description),
		whatsAppProvidersTrigger: nodeSurface(new WhatsAppProvidersTrigger().description),
	};

	if (process.env.UPDATE_SURFACE === '1') writeFileSync(FIXTURE, `${JSON.stringify(current, null, '\t')}\n`);
	const saved = JSON.parse(readFileSync(FIXTURE, 'utf8')) as typeof current;

	it.each(Object.keys(saved) as Array<keyof typeof current>)('%s keeps every parameter name, type, default, option value and display rule', (node) => {
		expect(current[node]).toEqual(saved[node]);
	});
});
