// @ts-check
'use strict';

// GET / of the sandbox: a small HTML page listing recent requests, for the playground.
// Credentials are never shown: only identifiers, and request headers are redacted.

const { escapeHtml } = require('./util');

/**
 * @param {{ baseUrl: string, accounts: unknown, stats: import('./types').SandboxStats, requests: Array<Record<string, any>> }} data
 * @returns {string}
 */
function renderPage(data) {
	const { baseUrl, stats } = data;
	const rows = data.requests
		.slice()
		.reverse()
		.map((r) => {
			const preview = String(r.rawBodyEncoding === 'utf8' ? r.rawBody : `[${r.rawBody.length} base64 chars]`).slice(0, 400);
			const status = r.status === undefined ? '…' : r.status === 0 ? 'RESET' : String(r.status);
			const cls = r.status === undefined ? '' : r.status >= 400 || r.status === 0 ? 'err' : 'ok';
			return `<tr><td>${r.id}</td><td>${escapeHtml(new Date(r.at).toISOString().slice(11, 23))}</td><td>${escapeHtml(r.provider)}</td><td>${escapeHtml(r.method)}</td><td class="path">${escapeHtml(r.path)}</td><td class="${cls}">${status}</td><td><code>${escapeHtml(preview)}</code></td></tr>`;
		})
		.join('\n');
	const p = stats.providers;
	const count = (/** @type {import('./types').ProviderCounts} */ c) =>
		`received ${c.received} · accepted ${c.accepted} · 429 ${c.rejected429} · faults ${c.faults} · injected ${c.injected} · auth failures ${c.authFailures}`;
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>WhatsApp provider sandbox</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d1d1f; }
h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #e3e3e3; padding: .25rem .4rem; text-align: left; vertical-align: top; }
td.path { font-family: ui-monospace, monospace; white-space: nowrap; }
td code { font-size: 12px; white-space: pre-wrap; word-break: break-all; }
.ok { color: #137333; } .err { color: #b3261e; font-weight: 600; }
pre { background: #f6f6f6; padding: .6rem; overflow: auto; }
form { display: flex; gap: .4rem; flex-wrap: wrap; align-items: center; }
input, select { font: inherit; padding: .2rem .3rem; }
#fireResult { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 12px; }
</style>
</head>
<body>
<h1>WhatsApp provider sandbox</h1>
<p>Twilio base URL <code>${escapeHtml(baseUrl)}/twilio</code> · Meta Graph base URL <code>${escapeHtml(baseUrl)}/meta</code> · Gateway URL <code>${escapeHtml(baseUrl)}/gateway</code> · control API <code>${escapeHtml(baseUrl)}/__sandbox</code></p>
<h2>Accounts (identifiers only)</h2>
<pre>${escapeHtml(JSON.stringify(data.accounts, null, 2))}</pre>
<h2>Stats</h2>
<p>Twilio: ${count(p.twilio)}<br>Meta: ${count(p.meta)}<br>Gateway: ${count(p.gateway)}<br>Distinct messages ${stats.messages.unique} · duplicates ${stats.messages.duplicates}</p>
<h2>Fire an inbound webhook</h2>
<form id="fire">
<select name="provider"><option>meta</option><option>twilio</option><option>gateway</option></select>
<select name="kind"><option>message</option><option>status</option><option>verify</option></select>
<input name="url" size="50" placeholder="trigger URL, e.g. http://localhost:5678/webhook/…" required>
<input name="text" size="24" placeholder="text / status">
<button type="submit">Fire</button>
</form>
<div id="fireResult"></div>
<h2>Recent requests (newest first, last 100) <button onclick="location.reload()">refresh</button></h2>
<table>
<thead><tr><th>#</th><th>time (UTC)</th><th>provider</th><th>method</th><th>path</th><th>status</th><th>body</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="7">No requests yet.</td></tr>'}
</tbody>
</table>
<script>
document.getElementById('fire').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const args = { provider: f.get('provider'), kind: f.get('kind'), url: f.get('url') };
  const text = f.get('text');
  if (text) { if (args.kind === 'status') args.status = text; else args.text = text; }
  const out = document.getElementById('fireResult');
  out.textContent = 'sending…';
  try {
    const res = await fetch('/__sandbox/fire', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
    const body = await res.json();
    out.textContent = res.ok ? 'receiver answered ' + body.status + ': ' + String(body.text).slice(0, 500) : body.error;
  } catch (e) { out.textContent = String(e); }
});
</script>
</body>
</html>
`;
}

module.exports = { renderPage };
