'use strict';
/*
 * Where the playground phone sends a customer's messages: the production URL of the WhatsApp Trigger
 * (on messages) of every ACTIVE workflow, found through n8n's REST API, so that the user never copies
 * a URL and a workflow they build and activate themselves shows up too.
 *
 *   sandbox.phone.setTargets(phoneTargets(client, n8nUrl));
 */
const demo = require('./demo.js');

const CACHE_MS = 3000;

/**
 * A target finder for sandbox.phone.setTargets: [{ provider, url, workflow, workflowId }], active
 * workflows only, cached for a few seconds.
 * @param {{ get: (path: string) => Promise<any> }} client a logged-in n8n REST client (scripts/host/n8n.js)
 * @param {string} n8nUrl
 */
function phoneTargets(client, n8nUrl) {
  let cached = null;
  let at = 0;
  let pending = null;
  async function find() {
    // The list may leave out the active version: each workflow is read in full, in parallel.
    const workflows = (await demo.listWorkflows(client)).filter((w) => !w.isArchived && (w.active !== false || Boolean(w.activeVersionId)));
    const full = await Promise.all(workflows.map((w) => client.get(`/workflows/${w.id}`).catch(() => null)));
    const out = [];
    for (const wf of full) {
      if (!wf || (!wf.activeVersionId && wf.active !== true)) continue;
      for (const t of demo.triggerNodes(wf)) {
        if (!t.webhookId || !t.triggerOn.includes('message')) continue;
        out.push({ provider: t.provider, url: demo.webhookUrl(n8nUrl, t.webhookId), workflow: wf.name, workflowId: String(wf.id) });
      }
    }
    return out;
  }
  return async (provider) => {
    if (!cached || Date.now() - at > CACHE_MS) {
      // One look-up at a time; callers meanwhile share it.
      pending =
        pending ||
        find().then(
          (list) => {
            cached = list;
            at = Date.now();
            pending = null;
            return list;
          },
          (error) => {
            pending = null;
            throw error;
          },
        );
      await pending;
    }
    return cached.filter((t) => !provider || t.provider === provider);
  };
}

module.exports = { phoneTargets };
