'use strict';
/*
 * Start a real, offline n8n (installed by scripts/host/install.js) with this
 * repository's package installed as a community package, plus small REST
 * helpers for end-to-end tests and the `npm start` playground.
 *
 *   const h = require('./scripts/host/n8n.js');
 *   const n8n = await h.startN8n({ userFolder: '/tmp/x' });     // { url, stop, logFile, pid, ... }
 *   await h.setupOwner(n8n.url, h.DEFAULT_OWNER);
 *   const client = await h.login(n8n.url, h.DEFAULT_OWNER);
 *   ...
 *   await n8n.stop();
 *
 * Zero dependencies beyond Node's standard library and the host install
 * (`flatted` from there is used to decode execution data).
 */
const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const crypto = require('crypto');
const { spawn, spawnSync } = require('child_process');
const { paths, isUpToDate, install } = require('./install.js');

const PACKAGE_DIR_DEFAULT = paths.repoRoot;
const HOOK_FILE = path.join(__dirname, 'n8n-hooks.js');

/** Owner used by the playground and tests unless they pass their own. */
const DEFAULT_OWNER = Object.freeze({
  email: 'owner@example.com',
  password: 'Playground-Passw0rd',
  firstName: 'Play',
  lastName: 'Ground',
});

/**
 * Environment that keeps n8n offline and bound to loopback. Every switch below
 * disables a feature that contacts n8n.io or another host at boot or from the
 * editor (checked against n8n 2.40.7's @n8n/config and dist sources).
 */
function offlineEnv() {
  return {
    N8N_DIAGNOSTICS_ENABLED: 'false', // telemetry (telemetry.n8n.io, ph.n8n.io, api-rs.n8n.io)
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false', // api.n8n.io/api/versions
    N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false', // api.n8n.io/api/whats-new
    N8N_DYNAMIC_BANNERS_ENABLED: 'false', // api.n8n.io/api/banners
    N8N_TEMPLATES_ENABLED: 'false', // api.n8n.io/api/ templates
    N8N_PERSONALIZATION_ENABLED: 'false', // onboarding survey
    N8N_HIRING_BANNER_ENABLED: 'false',
    N8N_VERIFIED_PACKAGES_ENABLED: 'false', // vetted community nodes list (api.n8n.io/api/community-nodes)
    N8N_LICENSE_AUTO_RENEW_ENABLED: 'false', // license.n8n.io (no key anyway)
    N8N_AI_ENABLED: 'false',
    N8N_AI_GATEWAY_ENABLED: 'false',
    N8N_DISABLED_MODULES: 'mcp-registry', // fetches api.n8n.io/api/mcp-servers at boot
    N8N_PYTHON_ENABLED: 'false', // no Python task runner (would look for a venv)
    N8N_SSRF_PROTECTION_ENABLED: 'false', // the default; tests call mock providers on 127.0.0.1
  };
}

/** A TCP port free on 127.0.0.1 right now. */
function getFreePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** n8n's encryption key: the one already in <userFolder>/.n8n/config, else one derived from the folder path. */
function encryptionKeyFor(userFolder) {
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(userFolder, '.n8n', 'config'), 'utf8'));
    if (cfg.encryptionKey) return cfg.encryptionKey;
  } catch {
    /* first start */
  }
  return crypto.createHash('sha256').update(`n8n-host:${path.resolve(userFolder)}`).digest('hex').slice(0, 32);
}

/** Environment for npm/node children: the host's Node 24 first on PATH, no inherited npm_* settings. */
function childEnv(base = process.env) {
  const env = {};
  for (const [k, v] of Object.entries(base)) {
    if (/^npm_/i.test(k) || k === 'NODE_OPTIONS' || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  env.PATH = [paths.nodeBinDir, base.PATH || ''].join(path.delimiter);
  return env;
}

function readJson(file, fallback) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return fallback;
  }
}

/**
 * Install `packageDir` into <userFolder>/.n8n/nodes the way n8n's Community
 * nodes installer does (CommunityPackagesService.downloadPackage): the npm pack
 * tarball extracted into nodes/node_modules/<name> (tar --strip-components=1),
 * dev/peer/optional dependencies stripped from its package.json, runtime
 * dependencies installed with n8n's flags, and the dependency recorded in the
 * ledger nodes/package.json ({ name: 'installed-nodes', private, dependencies }).
 * Returns { installed, name, version, reason }.
 */
function installPackageIntoNodesDir(packageDir, userFolder, log = () => {}) {
  const pkgJsonPath = path.join(packageDir, 'package.json');
  const pkg = readJson(pkgJsonPath, null);
  if (!pkg) throw new Error(`no package.json in ${packageDir}`);
  const name = pkg.name;
  const nodesDir = path.join(userFolder, '.n8n', 'nodes');
  const target = path.join(nodesDir, 'node_modules', ...name.split('/'));
  const ledgerPath = path.join(nodesDir, 'package.json');
  fs.mkdirSync(nodesDir, { recursive: true });
  const ledger = readJson(ledgerPath, null) || { name: 'installed-nodes', private: true, dependencies: {} };
  ledger.dependencies = ledger.dependencies || {};

  // `npm outdated`, run by Settings → Community nodes in this folder, must not
  // reach the registry (the package is not published): keep npm offline here.
  fs.writeFileSync(path.join(nodesDir, '.npmrc'), 'offline=true\naudit=false\nfund=false\nupdate-notifier=false\n');

  const built = (pkg.n8n?.nodes || []).length > 0 && (pkg.n8n.nodes || []).every((f) => fs.existsSync(path.join(packageDir, f)));
  if (!built) {
    fs.rmSync(target, { recursive: true, force: true });
    delete ledger.dependencies[name];
    fs.writeFileSync(ledgerPath, JSON.stringify(ledger, null, 2));
    return { installed: false, name, version: pkg.version, reason: `${name} is not built (missing files listed in package.json n8n.nodes; run npm run build)` };
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-host-pack-'));
  try {
    // --ignore-scripts: never run prepack/prepublish (build, lint) from here.
    const r = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], {
      cwd: packageDir,
      env: childEnv(),
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`npm pack failed in ${packageDir}:\n${r.stderr}`);
    const tarball = path.join(tmp, JSON.parse(r.stdout)[0].filename);
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(target, { recursive: true });
    const t = spawnSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'], { encoding: 'utf8' });
    if (t.status !== 0) throw new Error(`tar failed: ${t.stderr}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const installedPkgPath = path.join(target, 'package.json');
  const { devDependencies, peerDependencies, optionalDependencies, ...stripped } = readJson(installedPkgPath, {});
  fs.writeFileSync(installedPkgPath, JSON.stringify(stripped, null, 2));
  if (stripped.dependencies && Object.keys(stripped.dependencies).length > 0) {
    log(`installing runtime dependencies of ${name}: ${Object.keys(stripped.dependencies).join(', ')}`);
    const r = spawnSync(
      'npm',
      ['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false', '--offline=false'],
      { cwd: target, env: childEnv(), encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`npm install of ${name}'s dependencies failed:\n${r.stderr}`);
  }
  for (const must of ['package.json', stripped.main || 'index.js', 'dist']) {
    if (!fs.existsSync(path.join(target, must))) throw new Error(`packed ${name} lacks ${must}; check "files" in package.json`);
  }
  ledger.dependencies[name] = stripped.version;
  fs.writeFileSync(ledgerPath, JSON.stringify(ledger, null, 2));
  return { installed: true, name, version: stripped.version, dir: target };
}

async function waitForReady(url, child, logFile, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`n8n exited during startup (code ${child.exitCode ?? child.signalCode}). Last log lines:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${url}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  throw new Error(`n8n not ready after ${timeoutMs} ms. Last log lines:\n${tail(logFile)}`);
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Resident memory (MB) of a process and of its whole process group (n8n + task runner). */
function memoryOf(pid) {
  const rssKb = (p) => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  };
  let group = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pid) group += rssKb(d); // field 5 = pgrp
    } catch {
      /* gone */
    }
  }
  return { n8nRssMb: Math.round(rssKb(pid) / 1024), groupRssMb: Math.round(group / 1024) };
}

/**
 * Start n8n. Options (all optional):
 *   port          n8n's HTTP port (default: a free one)
 *   brokerPort    task-runner broker port (default: a free one)
 *   userFolder    N8N_USER_FOLDER (default: <repo>/.sandbox-data/n8n); SQLite DB, config, nodes, log live here
 *   env           extra/overriding env vars for n8n
 *   packageDir    the community package to install (default: the repo); null = install none
 *   installHost   run install.js first when the host is not up to date (default true)
 *   readyTimeoutMs  default 120000
 *   launcher      command prefix for debugging, e.g. ['strace', '-f', '-e', 'trace=connect', '-o', file]
 *   command       'start' (default) or 'worker' (queue mode: give it the main instance's userFolder
 *                 and queue settings in env, packageDir null; `port` is then its health-check port)
 *   log           progress logger (default: console.log with a prefix; pass () => {} for quiet)
 * Resolves to { url, port, brokerPort, pid, logFile, userFolder, bootMs, communityPackage,
 * registration, memory(), exited, stop() }; stop() ends n8n and its task runner (SIGTERM, then SIGKILL).
 */
async function startN8n(options = {}) {
  const log = options.log || ((m) => console.log(`[n8n-host] ${m}`));
  const userFolder = path.resolve(options.userFolder || path.join(paths.repoRoot, '.sandbox-data', 'n8n'));
  const packageDir = options.packageDir === undefined ? PACKAGE_DIR_DEFAULT : options.packageDir;
  if (options.installHost !== false && !isUpToDate()) install();
  if (!fs.existsSync(paths.nodeBin) || !fs.existsSync(paths.n8nBin)) {
    throw new Error(`n8n host not installed in ${paths.hostDir}: run node scripts/host/install.js`);
  }
  const port = options.port || (await getFreePort());
  let brokerPort = options.brokerPort || (await getFreePort());
  while (brokerPort === port) brokerPort = await getFreePort();
  fs.mkdirSync(userFolder, { recursive: true });

  // 1. The community package, placed as a Community nodes install would.
  let communityPackage = null;
  const wanted = { present: [], absent: [] };
  if (packageDir) {
    communityPackage = installPackageIntoNodesDir(path.resolve(packageDir), userFolder, log);
    (communityPackage.installed ? wanted.present : wanted.absent).push(communityPackage.name);
    log(communityPackage.installed ? `installed ${communityPackage.name}@${communityPackage.version} into ${path.join(userFolder, '.n8n', 'nodes')}` : `NOT installing community package: ${communityPackage.reason}`);
  }

  // 2. Spawn n8n.
  const command = options.command || 'start';
  const logFile = path.join(userFolder, command === 'worker' ? `n8n-worker-${port}.log` : 'n8n.log');
  const registrationFile = path.join(userFolder, '.n8n-host-registration.json');
  fs.rmSync(registrationFile, { force: true });
  const url = `http://127.0.0.1:${port}`;
  const env = {
    // The caller's own n8n settings (N8N_*, DB_*, ...) are not inherited: only
    // what is set here and in options.env counts.
    ...childEnv(withoutN8nVars(process.env)),
    ...offlineEnv(),
    N8N_USER_FOLDER: userFolder,
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    N8N_PROTOCOL: 'http',
    N8N_WEBHOOK_URL: `${url}/`, // base of production and test webhook URLs
    N8N_EDITOR_BASE_URL: url,
    // Task runners: default mode 'internal' (JS runner as a child process, for the Code node).
    N8N_RUNNERS_BROKER_PORT: String(brokerPort),
    N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
    N8N_ENCRYPTION_KEY: encryptionKeyFor(userFolder),
    N8N_SECURE_COOKIE: 'false', // plain http on loopback
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
    DB_TYPE: 'sqlite',
    GENERIC_TIMEZONE: 'UTC',
    N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
    N8N_LOG_LEVEL: 'info',
    N8N_LOG_OUTPUT: 'console',
    N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
    N8N_UNVERIFIED_PACKAGES_ENABLED: 'true', // as the default; explicit to silence a deprecation notice
    EXTERNAL_HOOK_FILES: HOOK_FILE,
    N8N_HOST_N8N_DIR: paths.n8nDir,
    N8N_HOST_COMMUNITY_PACKAGES: JSON.stringify(wanted),
    N8N_HOST_REGISTRATION_FILE: registrationFile,
    ...(command === 'worker'
      ? { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(port), N8N_WORKER_SERVER_ADDRESS: '127.0.0.1' }
      : {}),
    ...(options.env || {}),
  };
  // Keep our hook if the caller brings hook files of their own.
  if (options.env?.EXTERNAL_HOOK_FILES) env.EXTERNAL_HOOK_FILES = `${options.env.EXTERNAL_HOOK_FILES}:${HOOK_FILE}`;
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n===== n8n-host start ${new Date().toISOString()} port=${port} broker=${brokerPort} =====\n`);
  const started = Date.now();
  const argv = [...(options.launcher || []), paths.nodeBin, path.join(paths.n8nDir, 'bin', 'n8n'), command];
  const child = spawn(argv[0], argv.slice(1), {
    cwd: userFolder,
    env,
    stdio: ['ignore', out, out],
    detached: true, // own process group, so stop() also ends the task runner
  });
  fs.closeSync(out);
  const killGroup = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.on('exit', killGroup); // never leave n8n behind if the caller dies
  log(`starting n8n (pid ${child.pid}) on ${url}, broker port ${brokerPort}, log ${logFile}`);

  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stopping = null;
  const stop = async ({ timeoutMs = 20000 } = {}) => {
    if (!stopping) {
      stopping = (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          try {
            process.kill(-child.pid, 'SIGTERM');
          } catch {
            /* gone */
          }
          const t = setTimeout(killGroup, timeoutMs);
          await exited;
          clearTimeout(t);
        }
        killGroup(); // leftovers (task runner) if any
        process.removeListener('exit', killGroup);
      })();
    }
    return stopping;
  };

  try {
    await waitForReady(url, child, logFile, options.readyTimeoutMs || 120000);
    // 3. Wait for the hook's registration of the community package (n8n.ready runs right after listen).
    let registration = null;
    if (wanted.present.length || wanted.absent.length) {
      const deadline = Date.now() + 30000;
      while (!(registration = readJson(registrationFile, null)) && Date.now() < deadline) await sleep(100);
      if (!registration) throw new Error(`community package registration hook did not report. Last log lines:\n${tail(logFile)}`);
      if (!registration.ok) throw new Error(`community package registration failed: ${registration.errors.join('; ')}`);
    }
    const bootMs = Date.now() - started;
    log(`n8n ready in ${(bootMs / 1000).toFixed(1)} s`);
    return {
      url,
      port,
      brokerPort,
      pid: child.pid,
      logFile,
      userFolder,
      bootMs,
      communityPackage,
      registration,
      memory: () => memoryOf(child.pid),
      exited, // resolves to { code, signal } when the n8n process ends
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * process.env without n8n's own settings, so a developer's shell cannot change the host's behaviour.
 * NODE_ENV goes too: Jest sets NODE_ENV=test, and n8n 2.40.7 started with it exits at boot (code 1, no log).
 */
function withoutN8nVars(base) {
  const out = {};
  for (const [k, v] of Object.entries(base)) {
    if (/^(N8N_|DB_|EXECUTIONS_|QUEUE_|NODES_|EXTERNAL_HOOK_FILES|WEBHOOK_URL$|GENERIC_TIMEZONE$|NODE_ENV$)/.test(k)) continue;
    out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------- REST helpers

/**
 * A cookie-carrying client for n8n's internal REST API (/rest/...). n8n binds
 * its auth cookie to a `browser-id` header, so every request sends the same one.
 * Methods take a path under /rest ('/workflows') or an absolute path ('/webhook/x')
 * and resolve to the unwrapped `data` of n8n's { data } envelope; they throw on
 * HTTP errors (err.status, err.body).
 * Options: `browserId` and `cookies` ({ name: value }) resume a session, e.g. one
 * opened by another process (client.session() gives both): n8n rate-limits logins.
 */
function createClient(url, { browserId = crypto.randomUUID(), cookies: initialCookies = {} } = {}) {
  const cookies = new Map(Object.entries(initialCookies));
  async function request(method, p, body, { raw = false, headers = {} } = {}) {
    const full = /^https?:/.test(p) ? p : `${url}${p.startsWith('/rest/') || p.startsWith('/rest?') || /^\/(webhook|webhook-test|healthz|types|form)/.test(p) ? '' : '/rest'}${p}`;
    const res = await fetch(full, {
      method,
      headers: {
        'browser-id': browserId,
        ...(cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    for (const c of res.headers.getSetCookie?.() || []) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    if (!res.ok) {
      const err = new Error(`${method} ${p} → ${res.status}: ${typeof json === 'object' ? json?.message || text : text}`.slice(0, 2000));
      err.status = res.status;
      err.body = json;
      throw err;
    }
    if (raw) return { status: res.status, headers: res.headers, body: json };
    return json && typeof json === 'object' && 'data' in json ? json.data : json;
  }
  return {
    url,
    browserId,
    cookies,
    request,
    get: (p, opts) => request('GET', p, undefined, opts),
    post: (p, body, opts) => request('POST', p, body ?? {}, opts),
    patch: (p, body, opts) => request('PATCH', p, body ?? {}, opts),
    put: (p, body, opts) => request('PUT', p, body ?? {}, opts),
    delete: (p, opts) => request('DELETE', p, undefined, opts),
    /** { url, browserId, cookies } to resume this session with createClient(url, session). */
    session: () => ({ url, browserId, cookies: Object.fromEntries(cookies) }),
  };
}

/** Create the instance owner (first run only). Returns a logged-in client. Idempotent: logs in if an owner exists. */
async function setupOwner(url, owner = DEFAULT_OWNER) {
  const client = createClient(url);
  try {
    await client.post('/owner/setup', {
      email: owner.email,
      password: owner.password,
      firstName: owner.firstName || 'Play',
      lastName: owner.lastName || 'Ground',
    });
    return client;
  } catch (err) {
    // 400 "Instance owner already setup" on a reused userFolder.
    if (err.status === 400 && /already/i.test(err.message)) return login(url, owner);
    throw err;
  }
}

/** Log in; returns a client (see createClient). */
async function login(url, { email, password } = DEFAULT_OWNER) {
  const client = createClient(url);
  await client.post('/login', { emailOrLdapLoginId: email, password });
  return client;
}

/** POST /rest/credentials. `data` is the credential's plain fields; returns the credential (id, name, type). */
async function createCredential(client, { name, type, data, projectId }) {
  return client.post('/credentials', { name, type, data, ...(projectId ? { projectId } : {}) });
}

/** POST /rest/workflows with a workflow JSON (as exported: name, nodes, connections, settings...). Returns the saved workflow. */
async function importWorkflow(client, workflow) {
  const { id, active, activeVersionId, versionId, shared, ...body } = workflow;
  return client.post('/workflows', { settings: {}, ...body, name: body.name || 'Imported workflow' });
}

/** Activate (publish) a workflow: POST /rest/workflows/:id/activate with its current versionId. */
async function activateWorkflow(client, id) {
  const wf = await client.get(`/workflows/${id}`);
  return client.post(`/workflows/${id}/activate`, { versionId: wf.versionId });
}

async function deactivateWorkflow(client, id) {
  return client.post(`/workflows/${id}/deactivate`, {});
}

/**
 * Run a saved workflow as the editor's "Execute workflow" button does:
 * POST /rest/workflows/:id/run { triggerToStartFrom: { name } } (n8n 2.40 reads the
 * workflow from the DB). `triggerName` defaults to the workflow's Manual Trigger.
 * Resolves to { executionId } or, for a webhook trigger, { waitingForWebhook: true }
 * (then call /webhook-test/<path>). Pass `wait: true` to wait for the finished execution.
 */
async function runWorkflowManually(client, id, { triggerName, destinationNode, wait = false, timeoutMs = 60000 } = {}) {
  let name = triggerName;
  if (!name) {
    const wf = await client.get(`/workflows/${id}`);
    // Manual Trigger first, then any *Trigger / Webhook node, then the first node nothing feeds into.
    const fed = new Set(Object.values(wf.connections || {}).flatMap((c) => Object.values(c).flat(2).map((x) => x && x.node)));
    const trigger =
      wf.nodes.find((n) => n.type === 'n8n-nodes-base.manualTrigger') ||
      wf.nodes.find((n) => /trigger$/i.test(n.type) || n.type === 'n8n-nodes-base.webhook') ||
      wf.nodes.find((n) => !fed.has(n.name) && !n.disabled);
    if (!trigger) throw new Error(`workflow ${id} has no trigger node; pass triggerName`);
    name = trigger.name;
  }
  const body = { triggerToStartFrom: { name }, ...(destinationNode ? { destinationNode: { nodeName: destinationNode, mode: 'inclusive' } } : {}) };
  const result = await client.post(`/workflows/${id}/run`, body);
  if (wait && result.executionId) return waitForExecution(client, result.executionId, timeoutMs);
  return result;
}

/** Decode one execution from GET /rest/executions/:id (its `data` is flatted JSON) into a plain object. */
function decodeExecution(execution) {
  if (execution && typeof execution.data === 'string') {
    const { parse } = require(require.resolve('flatted', { paths: [paths.n8nDir] }));
    return { ...execution, data: parse(execution.data) };
  }
  return execution;
}

/** GET /rest/executions/:id with decoded data (data.resultData.runData[nodeName][i].data.main...). */
async function getExecution(client, executionId) {
  return decodeExecution(await client.get(`/executions/${executionId}`));
}

/**
 * Executions of a workflow, newest first: GET /rest/executions?filter={"workflowId"}
 * then, with `full` (default), GET /rest/executions/:id for each, decoded.
 */
async function getExecutions(client, workflowId, { full = true, limit = 100 } = {}) {
  const q = new URLSearchParams({ filter: JSON.stringify({ workflowId: String(workflowId) }), limit: String(limit) });
  const list = await client.get(`/executions?${q}`);
  const results = list.results || list;
  if (!full) return results;
  return Promise.all(results.map((e) => getExecution(client, e.id)));
}

const FINISHED = new Set(['success', 'error', 'crashed', 'canceled']);

/** Wait until a workflow has at least `n` finished executions; resolves to them (full data, newest first). */
async function waitForExecutions(client, workflowId, n = 1, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last = [];
  while (Date.now() < deadline) {
    last = await getExecutions(client, workflowId, { full: false });
    const done = last.filter((e) => FINISHED.has(e.status));
    if (done.length >= n) return Promise.all(done.map((e) => getExecution(client, e.id)));
    await sleep(250);
  }
  throw new Error(`workflow ${workflowId}: ${last.filter((e) => FINISHED.has(e.status)).length}/${n} finished executions after ${timeoutMs} ms (statuses: ${last.map((e) => e.status).join(', ') || 'none'})`);
}

/** Wait for one execution to finish; resolves to it decoded. */
async function waitForExecution(client, executionId, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const e = await client.get(`/executions/${executionId}`).catch((err) => (err.status === 404 ? null : Promise.reject(err)));
    if (e && (FINISHED.has(e.status) || e.finished)) return decodeExecution(e);
    await sleep(250);
  }
  throw new Error(`execution ${executionId} not finished after ${timeoutMs} ms`);
}

/**
 * Wait until a production webhook path answers (activation registers it a moment
 * later). Probes with a CORS preflight (OPTIONS + Origin), which n8n answers 204
 * for a registered path+method and with an error status otherwise, so the probe
 * does not execute the workflow.
 */
async function waitForWebhook(url, webhookPath, { timeoutMs = 15000, method = 'POST', test = false } = {}) {
  const target = `${url}/${test ? 'webhook-test' : 'webhook'}/${webhookPath.replace(/^\//, '')}`;
  const deadline = Date.now() + timeoutMs;
  let status;
  while (Date.now() < deadline) {
    const res = await fetch(target, { method: 'OPTIONS', headers: { 'access-control-request-method': method, origin: url } }).catch(() => null);
    status = res && res.status;
    if (res && res.ok) return target; // 204 once registered; 404/500 before
    await sleep(200);
  }
  throw new Error(`webhook ${target} not registered after ${timeoutMs} ms (last status ${status})`);
}

/** The community packages n8n lists in Settings → Community nodes (GET /rest/community-packages). */
async function getCommunityPackages(client) {
  return client.get('/community-packages');
}

module.exports = {
  DEFAULT_OWNER,
  paths,
  offlineEnv,
  getFreePort,
  installPackageIntoNodesDir,
  startN8n,
  createClient,
  setupOwner,
  login,
  createCredential,
  importWorkflow,
  activateWorkflow,
  deactivateWorkflow,
  runWorkflowManually,
  getExecution,
  getExecutions,
  waitForExecution,
  waitForExecutions,
  waitForWebhook,
  getCommunityPackages,
  decodeExecution,
};
