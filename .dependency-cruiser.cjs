/**
 * Import rules of the package, checked in `npm run lint` (depcruise nodes credentials):
 * no import cycles; nodes/ imports nothing from sandbox/, scripts/ or test/; provider modules never
 * import the node files; the nodes reach a provider only through the registry and the interface.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
	forbidden: [
		{
			name: 'no-cycles',
			comment: 'Modules form no import cycle (type-only imports included).',
			severity: 'error',
			from: {},
			to: { circular: true },
		},
		{
			name: 'package-not-to-tooling',
			comment: 'The package (nodes/, credentials/) imports nothing from the sandbox, the scripts or the tests.',
			severity: 'error',
			from: { path: '^(nodes|credentials)/' },
			to: { path: '^(sandbox|scripts|test)/' },
		},
		{
			name: 'providers-not-to-nodes',
			comment: 'Provider modules never import the node files (nodes/SendWhatsApp, nodes/WhatsAppProvidersTrigger).',
			severity: 'error',
			from: { path: '^nodes/shared/providers/' },
			to: { path: '^nodes/(SendWhatsApp|WhatsAppProvidersTrigger)/' },
		},
		{
			name: 'nodes-through-registry',
			comment: 'The nodes and the shared modules reach a provider only through the registry and the interface (providers/index.ts, types.ts), never a provider folder.',
			severity: 'error',
			from: { path: '^nodes/(SendWhatsApp/|WhatsAppProvidersTrigger/|shared/[^/]+$)' },
			to: { path: '^nodes/shared/providers/[^/]+/' },
		},
	],
	options: {
		doNotFollow: { path: 'node_modules' },
		tsPreCompilationDeps: true,
		tsConfig: { fileName: 'tsconfig.json' },
		exclude: { path: '(^|/)dist/' },
	},
};
