#!/usr/bin/env node
'use strict';
/*
 * Playground (`npm start`): on 127.0.0.1, a real n8n with this package
 * installed as a community package, the provider sandbox standing in for
 * Twilio, Meta and a gateway, one demo connection per provider pointing at the
 * sandbox, and the example workflows of examples/ (trigger ones activated).
 *
 *   node scripts/host/start.js [--fresh] [--port 5678] [--broker-port 5679] [--sandbox-port 4010]
 *
 * Env instead of flags: N8N_PORT, N8N_RUNNERS_BROKER_PORT, SANDBOX_PORT;
 * N8N_PLAYGROUND_DIR = n8n's user folder (default <repo>/.sandbox-data/n8n,
 * git-ignored, kept between runs: owner, connections and workflows survive and
 * are not created twice). --fresh wipes it first. Ctrl-C stops n8n, its task
 * runner and the sandbox. Build the package first (npm start does): its dist/
 * is what gets installed.
 */
const fs = require('fs');
const net = require('net');
const path = require('path');
const host = require('./n8n.js');
const demo = require('./demo.js');
const { N8N_VERSION } = require('./install.js');
const { startSandbox } = require('../../sandbox');
const { phoneTargets } = require('./phoneTargets.js');

function arg(name) {
  const i = process.argv.indexOf(name);
  if (i > 0 && process.argv[i + 1]) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`${name}=`));
  return eq ? eq.slice(name.length + 1) : undefined;
}

function portOf(value, what) {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what}: "${value}" is not a port number`);
  return port;
}

function assertPortFree(port, what, hint) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', () => reject(new Error(`${what} port ${port} on 127.0.0.1 is in use; pick another with ${hint}`)));
    srv.listen(port, '127.0.0.1', () => srv.close(resolve));
  });
}

async function main() {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log('usage: npm start -- [--fresh] [--port 5678] [--broker-port 5679] [--sandbox-port 4010]');
    return;
  }
  const port = portOf(arg('--port') || process.env.N8N_PORT || 5678, 'n8n port');
  const brokerPort = portOf(arg('--broker-port') || process.env.N8N_RUNNERS_BROKER_PORT || 5679, 'task broker port');
  const sandboxPort = portOf(arg('--sandbox-port') || process.env.SANDBOX_PORT || 4010, 'sandbox port');
  const userFolder = path.resolve(process.env.N8N_PLAYGROUND_DIR || path.join(host.paths.repoRoot, '.sandbox-data', 'n8n'));
  if (new Set([port, brokerPort, sandboxPort]).size !== 3) throw new Error('the n8n, task broker and sandbox ports must differ');
  await assertPortFree(port, 'n8n', '--port or N8N_PORT');
  await assertPortFree(brokerPort, 'task broker', '--broker-port or N8N_RUNNERS_BROKER_PORT');
  await assertPortFree(sandboxPort, 'sandbox', '--sandbox-port or SANDBOX_PORT');
  if (process.argv.includes('--fresh')) {
    console.log(`[start] --fresh: removing ${userFolder}`);
    fs.rmSync(userFolder, { recursive: true, force: true });
  }

  const n8nUrl = `http://127.0.0.1:${port}`;
  const examples = demo.loadExamples();
  const metaInbound = examples.flatMap(({ workflow }) => demo.triggerNodes(workflow)).find((t) => t.provider === 'meta');

  let sandbox = null;
  let n8n = null;
  let stopping = false;
  const shutdown = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log('\n[start] stopping n8n and the sandbox...');
    await Promise.allSettled([n8n && n8n.stop(), sandbox && sandbox.close()]);
    process.exit(code);
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGHUP', () => shutdown(0));

  try {
    // The sandbox plays the providers; like Meta, it posts delivery statuses of
    // the demo's messages back to the app's callback URL (the Meta trigger), and
    // the gateway's to the Status URL of the demo gateway connection.
    sandbox = await startSandbox({
      host: '127.0.0.1',
      port: sandboxPort,
      accounts: metaInbound ? { meta: { appCallbackUrl: demo.webhookUrl(n8nUrl, metaInbound.webhookId) } } : {},
      behaviour: { autoStatusCallbacks: true, statusCallbackDelayMs: 300 },
      log: (line) => console.log(`[sandbox] ${line}`),
    });
    console.log(`[start] provider sandbox on ${sandbox.url}`);

    n8n = await host.startN8n({ port, brokerPort, userFolder, log: (m) => console.log(`[n8n-host] ${m}`) });
    n8n.exited.then(({ code, signal }) => {
      if (stopping) return;
      console.error(`[start] n8n exited unexpectedly (${code ?? signal}); see ${n8n.logFile}`);
      shutdown(1);
    });
    const client = await host.setupOwner(n8n.url, host.DEFAULT_OWNER);
    const { credentials, workflows } = await demo.provisionDemo(client, {
      sandbox,
      n8nUrl: n8n.url,
      examples,
      log: (m) => console.log(`[start] ${m}`),
    });

    // The playground phone sends a customer's messages to the active workflows' WhatsApp Triggers.
    sandbox.phone.setTargets(phoneTargets(client, n8n.url));

    const pkg = n8n.communityPackage;
    const byFile = (f) => workflows.find((w) => w.file === f);
    const link = (w) => (w ? `${n8n.url}/workflow/${w.id}` : '(missing)');
    const hook = (provider) => workflows.flatMap((w) => w.webhooks).find((h) => h.provider === provider);
    const metaDemo = byFile('meta-send-template.json');
    const gatewayDemo = byFile('gateway-send-and-status.json');
    const approval = byFile('meta-approval.json');

    console.log(`
  n8n        ${n8n.url}   (n8n ${N8N_VERSION}, log: ${n8n.logFile})
  login      ${host.DEFAULT_OWNER.email} / ${host.DEFAULT_OWNER.password}
  package    ${pkg ? (pkg.installed ? `${pkg.name}@${pkg.version} (Settings → Community nodes)` : `NOT installed — ${pkg.reason}`) : 'none'}
  phone      ${sandbox.url}   (the playground phone: chat with your workflows as a customer)
  connections  ${Object.values(credentials).map((c) => c.name).join(', ')}
  workflows  ${workflows.map((w) => `${w.name}${w.active ? ' [active]' : ''}`).join('\n             ')}

  What to try:
  1. Open the phone (${sandbox.url}), pick "Meta demo", click "New customer" and type a message:
     "${metaInbound ? byFile('meta-inbound.json')?.name : 'Meta inbound'}" marks it read (blue ticks, typing…) and answers
     with reply buttons; tap one. "Twilio demo" chats with "${byFile('twilio-auto-reply.json')?.name}".
     Set "Fail next" to 131047 and write again: the reply fails and the workflow's failure branch runs.
  2. Open "${metaDemo?.name}" (${link(metaDemo)}) and click "Execute workflow":
     the template arrives on the phone, with its variables filled in and its button.
  3. Execute "${gatewayDemo?.name}": the gateway posts "sent" and "delivered" back to the
     Delivery Status trigger, and two executions appear. A forged request gets 401:
     curl -i -X POST ${hook('gateway')?.url} -H 'content-type: application/json' -d '{"event":"message","from":"+1555"}'
  4. Execute "${approval?.name}" (${link(approval)}): its question reaches +1 650 555 1234 on the phone
     with two reply buttons and the execution waits; tap one and it goes on (Send and Wait for Reply).
  5. The phone's Requests tab shows every request the sandbox answered (secrets masked), its stats and faults.
  6. Open a connection (Overview → Credentials) and click "Test"; or build your own workflow with "Send WhatsApp".

  Data is kept in ${userFolder} (npm start -- --fresh to start over). Ctrl-C stops everything.`);
    // Keep the event loop alive until a signal arrives.
    setInterval(() => {}, 1 << 30);
  } catch (err) {
    console.error(`[start] ${err.message}`);
    await shutdown(1);
  }
}

main().catch((err) => {
  console.error(`[start] ${err.stack || err.message}`);
  process.exit(1);
});
