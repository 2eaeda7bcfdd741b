'use strict';
/*
 * n8n external hook file (loaded by n8n itself through EXTERNAL_HOOK_FILES; set
 * up by scripts/host/n8n.js). It runs inside the n8n process.
 *
 * Purpose: record the community package(s) that n8n.js placed in
 * <userFolder>/.n8n/nodes/node_modules in n8n's `installed_packages` and
 * `installed_nodes` tables, exactly as a Settings → Community nodes install
 * does, so the package shows up there. n8n 2.40.7 offers no offline way to do
 * this: a UI/REST install and N8N_COMMUNITY_PACKAGES (+ _MANAGED_BY_ENV) both
 * run registry checks and `npm pack name@version` against the npm registry,
 * N8N_REINSTALL_MISSING_PACKAGES only goes DB → disk, and the `community-node`
 * CLI command only uninstalls. So, on the `n8n.ready` hook (after n8n loaded
 * every package in nodes/node_modules at boot, before workflows are
 * activated), this calls n8n's own CommunityPackagesService with the
 * PackageDirectoryLoader n8n already built for the package:
 *   new record           → persistInstalledPackage(loader)   (what an install does)
 *   version/nodes differ → replaceInstalledPackage(old, loader) (what an update does)
 *   record, no files     → removePackageFromDatabase(record)  (what an uninstall does)
 * Inputs (env, set by n8n.js): N8N_HOST_N8N_DIR, N8N_HOST_COMMUNITY_PACKAGES
 * (JSON {"present": [names], "absent": [names]}), N8N_HOST_REGISTRATION_FILE
 * (where the outcome is written as JSON; n8n.js waits for it).
 */
const fs = require('fs');
const path = require('path');

function log(msg) {
  console.log(`[n8n-host hook] ${msg}`);
}

async function registerCommunityPackages() {
  const outFile = process.env.N8N_HOST_REGISTRATION_FILE;
  const result = { ok: true, registered: [], removed: [], unchanged: [], errors: [] };
  try {
    const n8nDir = process.env.N8N_HOST_N8N_DIR || path.resolve(path.dirname(require.main.filename), '..');
    const fromN8n = (rel) => require(path.join(n8nDir, rel));
    // Same module instances as the running n8n (same resolved paths → same require cache).
    const { Container } = require(require.resolve('@n8n/di', { paths: [n8nDir] }));
    const { LoadNodesAndCredentials } = fromN8n('dist/load-nodes-and-credentials.js');
    const { CommunityPackagesService } = fromN8n('dist/modules/community-packages/community-packages.service.js');
    const loadNodes = Container.get(LoadNodesAndCredentials);
    const service = Container.get(CommunityPackagesService);
    const wanted = JSON.parse(process.env.N8N_HOST_COMMUNITY_PACKAGES || '{}');

    for (const name of wanted.present || []) {
      const loader = loadNodes.loaders[name];
      if (!loader) {
        result.errors.push(`${name}: n8n did not load it from the nodes folder (see errors above)`);
        continue;
      }
      const version = loader.packageJson.version;
      const types = loader.loadedNodes.map((n) => `${name}.${n.name}`).sort();
      const existing = await service.findInstalledPackage(name);
      if (!existing) {
        await service.persistInstalledPackage(loader);
        result.registered.push({ name, version, nodes: types });
        log(`registered community package ${name}@${version}: ${types.join(', ')}`);
      } else {
        const had = (existing.installedNodes || []).map((n) => n.type).sort();
        if (existing.installedVersion === version && JSON.stringify(had) === JSON.stringify(types)) {
          result.unchanged.push({ name, version, nodes: types });
          log(`community package ${name}@${version} already registered`);
        } else {
          await service.replaceInstalledPackage(existing, loader);
          result.registered.push({ name, version, nodes: types, replaced: existing.installedVersion });
          log(`re-registered community package ${name}: ${existing.installedVersion} → ${version}`);
        }
      }
    }
    for (const name of wanted.absent || []) {
      const existing = await service.findInstalledPackage(name);
      if (existing) {
        await service.removePackageFromDatabase(existing);
        result.removed.push(name);
        log(`removed stale record of community package ${name} (not installed this run)`);
      }
    }
  } catch (err) {
    result.errors.push(String((err && err.stack) || err));
  }
  result.ok = result.errors.length === 0;
  if (!result.ok) log(`FAILED: ${result.errors.join('\n')}`);
  if (outFile) fs.writeFileSync(outFile, JSON.stringify(result, null, 2));
}

module.exports = {
  n8n: {
    // Never throw from here: an exception in a hook aborts n8n's startup.
    ready: [async () => registerCommunityPackages()],
  },
};
