#!/usr/bin/env node
'use strict';
/*
 * Smoke test of the local n8n host:
 *   node scripts/host/smoke.js [--keep] [--restart] [--fixture]
 *
 * Installs the host if needed, starts n8n on free ports with a temporary user
 * folder and the repository's package installed as a community package, sets
 * up the owner, checks that n8n lists the package's node types (GET
 * /types/nodes.json) and Settings → Community nodes lists the package (GET
 * /rest/community-packages), runs a small workflow (Manual Trigger → Code →
 * NoOp) through POST /rest/workflows/:id/run and reads its execution back,
 * checks the log for outbound network errors, reports timings and memory, and
 * stops n8n.
 *
 * If the repository's package is not built (no dist/), it says so and, so that
 * the community-package path is still exercised, uses a generated one-node
 * fixture package `n8n-nodes-host-smoke` instead (forced with --fixture).
 * --restart boots a second time on the same user folder (re-registration path).
 * --keep keeps the temporary user folder. Exit code 0 = all checks passed.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const host = require('./n8n.js');
const { install, isUpToDate, paths } = require('./install.js');

const args = new Set(process.argv.slice(2));
const results = [];
const check = (name, ok, detail = '') => {
  results.push({ name, ok, detail });
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
};

/** A minimal community package with one node, for when the real one is not built. */
function makeFixturePackage(dir) {
  const nodeDir = path.join(dir, 'dist', 'nodes', 'HostSmoke');
  fs.mkdirSync(nodeDir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'n8n-nodes-host-smoke',
        version: '0.0.1',
        main: 'index.js',
        author: { name: 'n8n-host smoke', email: 'smoke@example.com' },
        keywords: ['n8n-community-node-package'],
        files: ['dist', 'index.js'],
        n8n: { n8nNodesApiVersion: 1, nodes: ['dist/nodes/HostSmoke/HostSmoke.node.js'], credentials: [] },
      },
      null,
      2,
    ),
  );
  fs.writeFileSync(path.join(dir, 'index.js'), 'module.exports = {};\n');
  fs.writeFileSync(
    path.join(nodeDir, 'HostSmoke.node.js'),
    `'use strict';
class HostSmoke {
  constructor() {
    this.description = {
      displayName: 'Host Smoke', name: 'hostSmoke', group: ['transform'], version: 1,
      description: 'Marks items', defaults: { name: 'Host Smoke' },
      inputs: ['main'], outputs: ['main'], properties: [],
    };
  }
  async execute() {
    return [this.getInputData().map((item) => ({ json: { ...item.json, smoke: true } }))];
  }
}
module.exports = { HostSmoke };
`,
  );
  return dir;
}

function workflowFor(extraNode) {
  const nodes = [
    { id: 'a1', name: 'Manual Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
    {
      id: 'a2',
      name: 'Code',
      type: 'n8n-nodes-base.code',
      typeVersion: 2,
      position: [200, 0],
      parameters: { jsCode: "return [{ json: { hello: 'world', n: 6 * 7 } }];" },
    },
  ];
  const connections = { 'Manual Trigger': { main: [[{ node: 'Code', type: 'main', index: 0 }]] } };
  let last = 'Code';
  if (extraNode) {
    nodes.push({ id: 'a3', name: 'Package Node', type: extraNode, typeVersion: 1, position: [400, 0], parameters: {} });
    connections.Code = { main: [[{ node: 'Package Node', type: 'main', index: 0 }]] };
    last = 'Package Node';
  }
  nodes.push({ id: 'a4', name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [600, 0], parameters: {} });
  connections[last] = { main: [[{ node: 'Done', type: 'main', index: 0 }]] };
  return { name: 'host smoke', nodes, connections, settings: { executionOrder: 'v1' } };
}

async function bootAndCheck(userFolder, packageDir, pkgName, { first, runFixtureNode }) {
  const nodeFiles = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')).n8n.nodes.length;
  const t = Date.now();
  const n8n = await host.startN8n({ userFolder, packageDir });
  const bootS = (Date.now() - t) / 1000;
  try {
    check(`n8n ready (${first ? 'first' : 'second'} boot)`, true, `${bootS.toFixed(1)} s, ${n8n.url}, broker port ${n8n.brokerPort}`);
    const client = await host.setupOwner(n8n.url, host.DEFAULT_OWNER);
    check('owner set up / logged in', true);

    const types = await client.get('/types/nodes.json');
    const ours = types.filter((d) => d.name.startsWith(`${pkgName}.`)).map((d) => d.name);
    check('GET /types/nodes.json lists the package node types', ours.length > 0, ours.join(', ') || 'none');
    const custom = types.filter((d) => d.name.startsWith('CUSTOM.')).map((d) => d.name);
    check('no CUSTOM.* node types', custom.length === 0, custom.join(', '));

    const pkgs = await host.getCommunityPackages(client);
    const listed = pkgs.find((p) => p.packageName === pkgName);
    check(
      'Settings → Community nodes lists the package',
      // installed_nodes has one row per node file (n8n adds *Tool variants of usableAsTool nodes to the types only)
      Boolean(listed && !listed.failedLoading && listed.installedNodes.length === nodeFiles && listed.installedNodes.every((n) => ours.includes(n.type))),
      listed ? `${listed.packageName}@${listed.installedVersion}, nodes: ${listed.installedNodes.map((n) => n.type).join(', ')}, failedLoading=${listed.failedLoading}` : JSON.stringify(pkgs),
    );

    const wf = await host.importWorkflow(client, workflowFor(runFixtureNode ? ours[0] : null));
    const run = await host.runWorkflowManually(client, wf.id);
    const exec = await host.waitForExecution(client, run.executionId, 60000);
    const runData = exec.data?.resultData?.runData || {};
    const out = runData.Done?.[0]?.data?.main?.[0]?.[0]?.json;
    const expect = runFixtureNode ? out?.hello === 'world' && out?.smoke === true : out?.hello === 'world' && out?.n === 42;
    check('manual run via POST /rest/workflows/:id/run (Code node on the task runner)', exec.status === 'success' && expect, `execution ${exec.id} ${exec.status}, output ${JSON.stringify(out)}`);
    const listedExecs = await host.getExecutions(client, wf.id);
    check('getExecutions returns it with data', listedExecs.length === 1 && Boolean(listedExecs[0].data.resultData), `${listedExecs.length} execution(s)`);

    const mem = n8n.memory();
    check('memory', true, `n8n RSS ${mem.n8nRssMb} MB, with task runner ${mem.groupRssMb} MB`);
    const log = fs.readFileSync(n8n.logFile, 'utf8');
    const net = log.split('\n').filter((l) => /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo|fetch failed|socket hang up|Failed to fetch/i.test(l));
    check('log has no outbound-network errors', net.length === 0, net.slice(0, 5).join(' | '));
    return { bootS, mem };
  } finally {
    const t2 = Date.now();
    await n8n.stop();
    console.log(`stopped in ${((Date.now() - t2) / 1000).toFixed(1)} s`);
  }
}

async function main() {
  const t0 = Date.now();
  const wasUpToDate = isUpToDate();
  install();
  const installS = (Date.now() - t0) / 1000;
  check('host installed', true, `${wasUpToDate ? 'already up to date' : 'installed'} in ${installS.toFixed(1)} s (${paths.hostDir})`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-host-smoke-'));
  const realPkg = JSON.parse(fs.readFileSync(path.join(paths.repoRoot, 'package.json'), 'utf8'));
  const built = fs.existsSync(path.join(paths.repoRoot, 'dist')) && (realPkg.n8n?.nodes || []).every((f) => fs.existsSync(path.join(paths.repoRoot, f)));
  let packageDir = paths.repoRoot;
  let pkgName = realPkg.name;
  if (!built || args.has('--fixture')) {
    console.log(built ? 'using the fixture package (--fixture)' : `NOTE: ${realPkg.name} is not built (no dist/ with the files in package.json "n8n.nodes"); using a generated fixture package to exercise the community-package path`);
    packageDir = makeFixturePackage(path.join(tmp, 'fixture-package'));
    pkgName = 'n8n-nodes-host-smoke';
  }
  const userFolder = path.join(tmp, 'user');
  let summary;
  try {
    const first = await bootAndCheck(userFolder, packageDir, pkgName, { first: true, runFixtureNode: pkgName === 'n8n-nodes-host-smoke' });
    summary = { installS, bootS: first.bootS, ...first.mem };
    if (args.has('--restart')) {
      const second = await bootAndCheck(userFolder, packageDir, pkgName, { first: false, runFixtureNode: pkgName === 'n8n-nodes-host-smoke' });
      summary.secondBootS = second.bootS;
    }
  } catch (err) {
    check('smoke run', false, err.stack || String(err));
  } finally {
    if (args.has('--keep')) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`\nsummary: ${JSON.stringify({ package: pkgName, realPackageBuilt: built, ...summary })}`);
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
