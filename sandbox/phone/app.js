'use strict';
/*
 * The playground phone page: the chat list, the open conversation and the composer (the customer's
 * side, through POST /__sandbox/customer/*), the Requests tab (the control API's log, stats and
 * faults), kept live by the server-sent events of /__sandbox/phone/events. Rendering is render.js.
 */
(function () {
	const R = window.PhoneRender;
	const $ = (sel) => document.querySelector(sel);
	const state = { conversations: new Map(), targets: [], failCodes: {}, selected: null, replyTo: null, lastRequest: 0 };

	async function api(method, path, body) {
		const res = await fetch(path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
		const data = await res.json().catch(() => ({}));
		if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
		return data;
	}

	function toast(text, bad) {
		const el = $('#error');
		el.textContent = text;
		el.className = `toast${bad ? ' bad' : ''}`;
		el.hidden = false;
		clearTimeout(toast.timer);
		toast.timer = setTimeout(() => (el.hidden = true), bad ? 8000 : 3000);
	}

	// ------------------------------------------------------------ chats

	function sorted() {
		return [...state.conversations.values()].sort((a, b) => b.updatedAt - a.updatedAt);
	}

	function renderList() {
		$('#chat-list').innerHTML = sorted()
			.map((c) => R.chatRow(c, c.id === state.selected))
			.join('');
	}

	function current() {
		return state.selected ? state.conversations.get(state.selected) : undefined;
	}

	function renderChat() {
		const conv = current();
		$('#chat').classList.toggle('empty', !conv);
		if (!conv) return;
		$('#chat-name').textContent = conv.customer.name;
		$('#chat-sub').textContent = `${conv.customer.number ? '+' + conv.customer.number : conv.customer.userId} ↔ ${conv.businessInfo.label} (${conv.businessInfo.number})`;
		const box = $('#messages');
		const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
		const open = new Set([...box.querySelectorAll('details[open]')].map((d) => d.closest('.bubble')?.dataset.id));
		box.innerHTML = conv.messages.map(R.bubble).join('');
		for (const id of open) box.querySelector(`.bubble[data-id="${CSS.escape(id)}"] details`)?.setAttribute('open', '');
		if (atBottom || renderChat.last !== conv.id) box.scrollTop = box.scrollHeight;
		renderChat.last = conv.id;
		$('#typing').hidden = !conv.typing;
		// settings
		const targets = state.targets.filter((t) => t.provider === conv.provider);
		$('#target').innerHTML =
			targets.map((t) => `<option value="${R.esc(t.url)}">${R.esc(t.workflow || t.url)}</option>`).join('') || '<option value="">no active workflow with a WhatsApp trigger</option>';
		if (conv.target) $('#target').value = conv.target;
		$('#fail').innerHTML = `<option value="">no</option>${(conv.failCodes || []).map((f) => `<option value="${f.code}" title="${R.esc(f.message)}">${f.code} ${R.esc(f.message.slice(0, 40))}</option>`).join('')}`;
		$('#fail').value = conv.fail === null || conv.fail === undefined ? '' : String(conv.fail);
		$('#fail-all').checked = Boolean(conv.failAll);
		$('#read-mode').value = conv.readAfterMs === null || conv.readAfterMs === undefined ? (conv.readNever ? 'never' : 'open') : String(conv.readAfterMs);
		maybeRead(conv);
	}

	/** Read receipts when the customer has the chat open (the default). */
	function maybeRead(conv) {
		if (document.hidden || $('#read-mode').value !== 'open' || conv.id !== state.selected) return;
		if (!conv.messages.some((m) => m.dir === 'out' && (m.status === 'delivered' || m.status === 'sent'))) return;
		api('POST', `/__sandbox/phone/conversations/${encodeURIComponent(conv.id)}/read`).catch(() => undefined);
	}

	function select(id) {
		state.selected = id;
		state.replyTo = null;
		$('#replying').hidden = true;
		renderList();
		renderChat();
		$('#text').focus();
		refreshTargets();
	}

	/** The workflows a conversation can write to, read again when a chat opens (a workflow may have been activated since). */
	async function refreshTargets() {
		try {
			state.targets = await api('GET', '/__sandbox/phone/targets');
			renderChat();
		} catch (e) {
			toast(e.message, true);
		}
	}

	function update(conv) {
		state.conversations.set(conv.id, conv);
		renderList();
		if (conv.id === state.selected) renderChat();
	}

	async function customer(action, body) {
		const conv = current();
		if (!conv) return;
		try {
			const r = await api('POST', `/__sandbox/customer/${action}`, { conversation: conv.id, ...body });
			if (r.webhook && (r.webhook.status < 200 || r.webhook.status >= 300)) toast(r.webhook.error || `The trigger answered HTTP ${r.webhook.status}`, true);
			return r;
		} catch (e) {
			toast(e.message, true);
		}
	}

	$('#new-customer').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			const conv = await api('POST', '/__sandbox/phone/conversations', { provider: new FormData(ev.target).get('provider') });
			update(conv);
			select(conv.id);
		} catch (e) {
			toast(e.message, true);
		}
	});

	$('#chat-list').addEventListener('click', (ev) => {
		const row = ev.target.closest('[data-conversation]');
		if (row) select(row.dataset.conversation);
	});

	$('#composer').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const text = $('#text').value;
		if (!text.trim()) return;
		$('#text').value = '';
		const replyTo = state.replyTo;
		state.replyTo = null;
		$('#replying').hidden = true;
		await customer('text', { text, replyTo: replyTo || undefined });
	});

	document.querySelector('.attach-menu').addEventListener('click', async (ev) => {
		const b = ev.target.closest('[data-attach]');
		if (!b) return;
		b.closest('details').open = false;
		if (b.dataset.attach === 'location') await customer('location', {});
		else await customer('media', { kind: b.dataset.attach, caption: $('#text').value || undefined });
		$('#text').value = '';
	});

	$('#messages').addEventListener('click', async (ev) => {
		const b = ev.target.closest('[data-action]');
		if (!b) return;
		const { action, message, id } = b.dataset;
		if (action === 'tap') await customer('tap', { messageId: message, buttonId: id });
		else if (action === 'choose') {
			b.closest('details').open = false;
			await customer('choose', { messageId: message, rowId: id });
		} else if (action === 'react') await customer('react', { messageId: message, emoji: '👍' });
		else if (action === 'reply') {
			state.replyTo = message;
			const el = b.closest('.bubble').querySelector('.text');
			$('#replying-text').textContent = el ? el.textContent : message;
			$('#replying').hidden = false;
			$('#text').focus();
		} else if (action === 'fail') {
			const conv = current();
			try {
				const code = conv && conv.failCodes[0] ? conv.failCodes[0].code : undefined;
				await api('POST', `/__sandbox/phone/messages/${encodeURIComponent(message)}/fail`, { code: Number($('#fail').value) || code });
			} catch (e) {
				toast(e.message, true);
			}
		}
	});

	$('#replying-cancel').addEventListener('click', () => {
		state.replyTo = null;
		$('#replying').hidden = true;
	});

	async function saveSettings(patch) {
		const conv = current();
		if (!conv) return;
		try {
			update(await api('POST', `/__sandbox/phone/conversations/${encodeURIComponent(conv.id)}/settings`, patch));
		} catch (e) {
			toast(e.message, true);
		}
	}
	$('#target').addEventListener('change', (ev) => saveSettings({ target: ev.target.value }));
	$('#fail').addEventListener('change', (ev) => saveSettings({ fail: ev.target.value === '' ? null : Number(ev.target.value) }));
	$('#fail-all').addEventListener('change', (ev) => saveSettings({ failAll: ev.target.checked }));
	$('#read-mode').addEventListener('change', (ev) => {
		const v = ev.target.value;
		saveSettings({ readAfterMs: v === 'open' || v === 'never' ? null : Number(v), readNever: v === 'never' });
	});
	document.addEventListener('visibilitychange', () => current() && maybeRead(current()));

	// ------------------------------------------------------------ tabs and the Requests tab

	document.querySelector('.tabs').addEventListener('click', (ev) => {
		const b = ev.target.closest('[data-tab]');
		if (!b) return;
		for (const t of document.querySelectorAll('.tab')) t.classList.toggle('selected', t === b);
		for (const p of document.querySelectorAll('.tab-panel')) p.hidden = p.id !== `tab-${b.dataset.tab}`;
		if (b.dataset.tab === 'requests') refreshRequests(true);
	});

	async function refreshRequests(all) {
		if ($('#tab-requests').hidden) return;
		const [stats, requests] = await Promise.all([api('GET', '/__sandbox/stats'), api('GET', `/__sandbox/requests?limit=200${all ? '' : `&since=${state.lastRequest}`}`)]);
		const p = stats.providers;
		const keys = ['received', 'accepted', 'rejected429', 'faults', 'injected', 'authFailures', 'clientErrors'];
		$('#stats').innerHTML = `<tr><th></th>${['twilio', 'meta', 'gateway'].map((x) => `<th>${x}</th>`).join('')}</tr>${keys
			.map((k) => `<tr><td>${k}</td>${['twilio', 'meta', 'gateway'].map((x) => `<td>${p[x][k]}</td>`).join('')}</tr>`)
			.join('')}<tr><td>status callbacks</td><td colspan="3">${stats.callbacks.sent} posted, ${stats.callbacks.failed} failed</td></tr>`;
		const box = $('#requests');
		if (all) box.innerHTML = '';
		for (const r of requests) {
			state.lastRequest = Math.max(state.lastRequest, r.id);
			const el = document.createElement('details');
			el.className = 'req';
			const cls = r.status === undefined ? '' : r.status >= 400 || r.status === 0 ? 'err' : 'ok';
			el.innerHTML = `<summary>#${r.id} ${R.esc(new Date(r.at).toISOString().slice(11, 23))} ${R.esc(r.provider)} ${R.esc(r.method)} ${R.esc(r.path)} <span class="${cls}">${r.status === 0 ? 'RESET' : R.esc(r.status ?? '…')}</span></summary><pre>${R.esc(
				JSON.stringify(r.headers, null, 2),
			)}</pre><pre>${R.esc(r.rawBodyEncoding === 'utf8' ? r.rawBody : `[${r.rawBody.length} base64 characters]`)}</pre>${r.response !== undefined ? `<pre>${R.esc(JSON.stringify(r.response, null, 2))}</pre>` : ''}`;
			box.prepend(el);
		}
		while (box.children.length > 300) box.lastChild.remove();
	}

	$('#clear-requests').addEventListener('click', async () => {
		await api('DELETE', '/__sandbox/requests');
		refreshRequests(true);
	});
	$('#fault').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const f = new FormData(ev.target);
		try {
			const r = await api('POST', '/__sandbox/fail', { provider: f.get('provider'), status: Number(f.get('status')), count: Number(f.get('count')) });
			$('#fault-result').textContent = `${r.queued} failure(s) queued`;
		} catch (e) {
			$('#fault-result').textContent = e.message;
		}
	});
	$('#behaviour').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const f = new FormData(ev.target);
		const p500 = Number(f.get('p500'));
		const p429 = Number(f.get('p429'));
		try {
			await api('POST', '/__sandbox/configure', { latencyMs: Number(f.get('latencyMs')), faults: p500 || p429 ? { p500, p429 } : null });
			$('#fault-result').textContent = 'applied';
		} catch (e) {
			$('#fault-result').textContent = e.message;
		}
	});

	// ------------------------------------------------------------ live

	async function load() {
		const s = await api('GET', '/__sandbox/phone/state');
		state.targets = s.targets;
		state.failCodes = s.failCodes;
		// Merged, not replaced: a conversation made while this was loading stays.
		for (const c of s.conversations) state.conversations.set(c.id, c);
		$('#new-customer-button').disabled = false;
		if (s.targetsError) toast(s.targetsError, true);
		renderList();
		renderChat();
		api('GET', '/__sandbox/accounts').then((a) => ($('#accounts').textContent = JSON.stringify(a, null, 2)));
	}

	function connect() {
		const es = new EventSource('/__sandbox/phone/events');
		es.addEventListener('open', () => $('#live').classList.remove('off'));
		es.addEventListener('error', () => $('#live').classList.add('off'));
		es.addEventListener('conversation', (ev) => update(JSON.parse(ev.data)));
		es.addEventListener('targets', () => load());
		es.addEventListener('reset', () => {
			state.selected = null;
			state.conversations.clear();
			load();
		});
		es.addEventListener('request', () => {
			clearTimeout(connect.timer);
			connect.timer = setTimeout(() => refreshRequests(false).catch(() => undefined), 300);
		});
	}

	load().then(connect, (e) => toast(e.message, true));
	// The typing indicator ends by itself after 25 s.
	setInterval(() => {
		const conv = current();
		if (conv && conv.typing && !$('#typing').hidden) api('GET', '/__sandbox/phone/state').then((s) => s.conversations.forEach(update)).catch(() => undefined);
	}, 5000);
})();
