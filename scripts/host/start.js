#!/usr/bin/env node
'use strict';
/*
 * Playground: a local n8n with this package installed as a community package.
 *   node scripts/host/start.js [--fresh]
 * Env: N8N_PORT (default 5678), N8N_RUNNERS_BROKER_PORT (default 5679),
 *      N8N_PLAYGROUND_DIR (user folder, default <repo>/.sandbox-data/n8n; kept
 *      between runs: workflows, credentials and the owner survive).
 * --fresh wipes the user folder first. Ctrl-C stops n8n.
 * Build the package first (npm run build): its dist/ is what gets installed.
 */
const fs = require('fs');
const net = require('net');
const path = require('path');
const host = require('./n8n.js');

function assertPortFree(port, what) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', () => reject(new Error(`${what} port ${port} on 127.0.0.1 is in use; set ${what === 'n8n' ? 'N8N_PORT' : 'N8N_RUNNERS_BROKER_PORT'} to another port`)));
    srv.listen(port, '127.0.0.1', () => srv.close(resolve));
  });
}

async function main() {
  const port = Number(process.env.N8N_PORT || 5678);
  const brokerPort = Number(process.env.N8N_RUNNERS_BROKER_PORT || 5679);
  const userFolder = path.resolve(process.env.N8N_PLAYGROUND_DIR || path.join(host.paths.repoRoot, '.sandbox-data', 'n8n'));
  if (process.argv.includes('--fresh')) fs.rmSync(userFolder, { recursive: true, force: true });
  await assertPortFree(port, 'n8n');
  await assertPortFree(brokerPort, 'task broker');

  const n8n = await host.startN8n({ port, brokerPort, userFolder });
  await host.setupOwner(n8n.url, host.DEFAULT_OWNER);
  const pkg = n8n.communityPackage;
  console.log(`
  n8n ${n8n.url}   (log: ${n8n.logFile})
  login: ${host.DEFAULT_OWNER.email} / ${host.DEFAULT_OWNER.password}
  community package: ${pkg ? (pkg.installed ? `${pkg.name}@${pkg.version} (Settings → Community nodes)` : `not installed — ${pkg.reason}`) : 'none'}
  Ctrl-C to stop.`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping n8n...');
    await n8n.stop();
    process.exit(0);
  };
  n8n.exited.then(({ code, signal }) => {
    if (stopping) return;
    console.error(`[n8n-host] n8n exited unexpectedly (${code ?? signal}); see ${n8n.logFile}`);
    process.exit(1);
  });
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // Keep the event loop alive until a signal arrives.
  setInterval(() => {}, 1 << 30);
}

main().catch((err) => {
  console.error(`[n8n-host] ${err.message}`);
  process.exit(1);
});
