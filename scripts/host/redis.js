'use strict';
/*
 * A throwaway Redis for n8n's queue mode (test/e2e/queue.e2e.ts): redis-server from the machine
 * (Debian: apt-get install -y redis-server), on a free port of 127.0.0.1, nothing persisted.
 */
const { spawn, spawnSync } = require('child_process');
const net = require('net');

const REDIS = process.env.REDIS_SERVER_PATH || 'redis-server';

/** Whether redis-server can be run here. */
function redisAvailable() {
  return spawnSync(REDIS, ['--version'], { encoding: 'utf8' }).status === 0;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
  });
}

/** Starts redis-server; resolves once it answers PING, to { port, stop() }. */
async function startRedis({ timeoutMs = 15000 } = {}) {
  const port = await freePort();
  const child = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', stop);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (code ${child.exitCode})`);
    if (await ping(port)) return { port, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  stop();
  throw new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms`);
}

module.exports = { REDIS, redisAvailable, startRedis };
