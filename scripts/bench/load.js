'use strict';
/*
 * A small closed-loop HTTP load generator: `concurrency` workers, each with its
 * own keep-alive connection, send the same request back to back for a fixed
 * time (or number of requests). Only 127.0.0.1 targets are allowed.
 */
const http = require('http');

/**
 * @param {{ url: string, method?: string, headers?: Record<string,string>, body?: Buffer,
 *   concurrency: number, durationMs?: number, requests?: number, timeoutMs?: number }} o
 * @returns {Promise<{ sent: number, ok: number, statuses: Record<string, number>, errors: Record<string, number>,
 *   elapsedMs: number, rps: number, latencyMs: { p50: number, p90: number, p99: number, max: number } }>}
 */
async function runLoad(o) {
	const target = new URL(o.url);
	if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') throw new Error(`load: only 127.0.0.1 targets (${o.url})`);
	const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency, maxFreeSockets: o.concurrency });
	const body = o.body ?? Buffer.alloc(0);
	const headers = { ...o.headers, 'content-length': String(body.length) };
	const statuses = {};
	const errors = {};
	const latencies = [];
	let sent = 0;
	let ok = 0;
	const started = process.hrtime.bigint();
	const deadline = o.durationMs ? Date.now() + o.durationMs : Infinity;
	const maxRequests = o.requests ?? Infinity;

	const one = () =>
		new Promise((resolve) => {
			const t0 = process.hrtime.bigint();
			const req = http.request(
				{ agent, host: target.hostname, port: target.port, path: target.pathname + target.search, method: o.method ?? 'POST', headers },
				(res) => {
					res.on('data', () => undefined);
					res.on('end', () => {
						latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
						statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
						if (res.statusCode >= 200 && res.statusCode < 300) ok++;
						resolve(undefined);
					});
				},
			);
			req.setTimeout(o.timeoutMs ?? 30000, () => req.destroy(new Error('ETIMEDOUT')));
			req.on('error', (e) => {
				const code = /** @type {NodeJS.ErrnoException} */ (e).code ?? e.message;
				errors[code] = (errors[code] ?? 0) + 1;
				resolve(undefined);
			});
			req.end(body);
		});

	const worker = async () => {
		while (Date.now() < deadline && sent < maxRequests) {
			sent++;
			await one();
		}
	};
	await Promise.all(Array.from({ length: o.concurrency }, worker));
	const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
	agent.destroy();
	latencies.sort((a, b) => a - b);
	const pct = (p) => (latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] * 10) / 10 : 0);
	return {
		sent,
		ok,
		statuses,
		errors,
		elapsedMs,
		rps: ok / (elapsedMs / 1000),
		latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100) },
	};
}

module.exports = { runLoad };
