'use strict';
/*
 * The playground's demo content, shared by `npm start` (scripts/host/start.js)
 * and the end-to-end tests (test/e2e): one connection per provider pointing at
 * the provider sandbox, and the example workflows of examples/ with their
 * credentials bound to those connections.
 *
 *   const demo = require('./scripts/host/demo.js');
 *   const result = await demo.provisionDemo(client, { sandbox: sb, n8nUrl });
 *   // { credentials: { twilioWhatsAppApi: { id, name, created }, ... },
 *   //   workflows: [{ id, name, file, created, active, trigger, webhooks: [{ node, provider, url }] }] }
 *
 * Idempotent: connections and workflows are found by name (and type) and not
 * created twice. Existing demo connections get their data refreshed (the
 * sandbox or n8n may have moved to another port); existing workflows are left
 * as they are (they may have been edited), only activated again if needed.
 */
const fs = require('fs');
const path = require('path');

const PACKAGE = 'n8n-nodes-whatsapp-providers';
const SEND_TYPE = `${PACKAGE}.sendWhatsApp`;
const TRIGGER_TYPE = `${PACKAGE}.whatsAppProvidersTrigger`;
const EXAMPLES_DIR = path.resolve(__dirname, '..', '..', 'examples');

const TWILIO = 'twilioWhatsAppApi';
const META = 'metaWhatsAppCloudApi';
const WEBHOOK = 'whatsAppWebhookApi';
const PROVIDER_OF_TYPE = { [TWILIO]: 'twilio', [META]: 'meta', [WEBHOOK]: 'gateway' };

/** The names of the demo connections, per credential type. */
const DEMO_CONNECTION_NAMES = Object.freeze({
  [TWILIO]: 'Twilio demo (sandbox)',
  [META]: 'Meta demo (sandbox)',
  [WEBHOOK]: 'Gateway demo (sandbox)',
});

/**
 * The gateway body template of the demo connection: the default one, with the
 * status URL under `callbackUrl`, where the sandbox's gateway (like many real
 * ones) looks for the address to post delivery statuses to.
 */
const DEMO_GATEWAY_BODY_TEMPLATE = `{
  "to": "{{to}}",
  "type": "{{messageType}}",
  "text": "{{text}}",
  "message": {{message}},
  "callbackUrl": "{{statusUrl}}"
}`;

/** The production URL of a trigger node: <n8n>/webhook/<webhookId>/whatsapp. */
function webhookUrl(n8nUrl, webhookId) {
  return `${n8nUrl.replace(/\/+$/, '')}/webhook/${webhookId}/whatsapp`;
}

/** The example workflows: [{ file, workflow }], sorted by file name. */
function loadExamples(dir = EXAMPLES_DIR) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, workflow: JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) }));
}

/** The WhatsApp trigger nodes of a workflow: [{ node, provider, credentialType, webhookId, triggerOn }]. */
function triggerNodes(workflow) {
  return (workflow.nodes || [])
    .filter((n) => n.type === TRIGGER_TYPE && !n.disabled)
    .map((n) => ({
      node: n.name,
      credentialType: n.parameters?.authentication || META,
      provider: PROVIDER_OF_TYPE[n.parameters?.authentication || META],
      webhookId: n.webhookId,
      triggerOn: n.parameters?.triggerOn || ['message'],
    }));
}

/** A copy of `workflow` whose nodes use the given credentials: byType = { [type]: { id, name } }. */
function bindCredentials(workflow, byType) {
  const copy = JSON.parse(JSON.stringify(workflow));
  for (const node of copy.nodes || []) {
    if (!node.credentials) continue;
    for (const type of Object.keys(node.credentials)) {
      if (byType[type]) node.credentials[type] = { id: String(byType[type].id), name: byType[type].name };
    }
  }
  return copy;
}

/** The URL of the gateway example's status trigger, which the demo gateway connection uses as its Status URL. */
function gatewayStatusUrl(n8nUrl, examples = loadExamples()) {
  for (const { workflow } of examples) {
    const t = triggerNodes(workflow).find((x) => x.credentialType === WEBHOOK && x.webhookId);
    if (t) return webhookUrl(n8nUrl, t.webhookId);
  }
  return '';
}

/**
 * The demo connections, as a user would fill in the forms: [{ name, type, data }].
 * `sandbox` needs { twilioBaseUrl, metaBaseUrl, gatewayUrl, accounts }.
 */
function demoConnections(sandbox, { statusUrl = '' } = {}) {
  const a = sandbox.accounts;
  const from = (a.twilio.whatsappNumber || '').replace(/^whatsapp:/, '');
  return [
    {
      name: DEMO_CONNECTION_NAMES[TWILIO],
      type: TWILIO,
      data: {
        accountSid: a.twilio.accountSid,
        authToken: a.twilio.authToken,
        from,
        messagingServiceSid: '',
        baseUrl: sandbox.twilioBaseUrl,
        // The Content API (content.twilio.com) is served by the sandbox under the same base URL.
        contentBaseUrl: sandbox.twilioBaseUrl,
      },
    },
    {
      name: DEMO_CONNECTION_NAMES[META],
      type: META,
      data: {
        accessToken: a.meta.accessToken,
        phoneNumberId: a.meta.phoneNumberId,
        wabaId: a.meta.wabaId,
        appSecret: a.meta.appSecret,
        verifyToken: a.meta.verifyToken,
        graphApiVersion: 'v23.0',
        baseUrl: sandbox.metaBaseUrl,
      },
    },
    {
      name: DEMO_CONNECTION_NAMES[WEBHOOK],
      type: WEBHOOK,
      data: {
        url: `${sandbox.gatewayUrl}/send`,
        method: 'POST',
        headers: '{"X-Tenant": "demo"}',
        authToken: a.gateway.authToken || '',
        bodyTemplate: DEMO_GATEWAY_BODY_TEMPLATE,
        statusUrl,
      },
    },
  ];
}

/** Every saved credential visible to the client: [{ id, name, type }]. */
async function listCredentials(client) {
  const list = await client.get('/credentials');
  return Array.isArray(list) ? list : list.data || [];
}

/** Every workflow visible to the client: [{ id, name, active, activeVersionId, ... }]. */
async function listWorkflows(client) {
  const list = await client.get('/workflows');
  return Array.isArray(list) ? list : list.data || [];
}

const isActive = (wf) => Boolean(wf.activeVersionId) || wf.active === true;

/**
 * Create (or refresh) a credential by name and type. Returns { id, name, type, created }.
 */
async function upsertCredential(client, { name, type, data }, existing) {
  const found = (existing || (await listCredentials(client))).find((c) => c.name === name && c.type === type);
  if (found) {
    await client.patch(`/credentials/${found.id}`, { name, type, data });
    return { id: String(found.id), name, type, created: false };
  }
  const created = await client.post('/credentials', { name, type, data });
  return { id: String(created.id), name, type, created: true };
}

/**
 * Create the demo connections and import the example workflows (credentials
 * bound to the connections; trigger workflows activated). Options:
 *   sandbox   { twilioBaseUrl, metaBaseUrl, gatewayUrl, accounts } (a started sandbox)
 *   n8nUrl    the n8n base URL (for the gateway connection's Status URL and the webhook URLs)
 *   examples  default loadExamples()
 *   activate  default true
 *   log       progress logger (default none)
 */
async function provisionDemo(client, { sandbox, n8nUrl, examples = loadExamples(), activate = true, log = () => {} }) {
  const existingCreds = await listCredentials(client);
  const credentials = {};
  for (const c of demoConnections(sandbox, { statusUrl: gatewayStatusUrl(n8nUrl, examples) })) {
    credentials[c.type] = await upsertCredential(client, c, existingCreds);
    log(`${credentials[c.type].created ? 'created' : 'updated'} connection "${c.name}" (${c.type}, id ${credentials[c.type].id})`);
  }

  const existingWfs = await listWorkflows(client);
  const workflows = [];
  for (const { file, workflow } of examples) {
    const triggers = triggerNodes(workflow);
    let wf = existingWfs.find((w) => w.name === workflow.name && !w.isArchived);
    let created = false;
    if (!wf) {
      const { id, active, activeVersionId, versionId, shared, ...body } = bindCredentials(workflow, credentials);
      wf = await client.post('/workflows', { settings: {}, ...body });
      created = true;
      log(`imported "${workflow.name}" from examples/${file} (id ${wf.id})`);
    }
    let active = isActive(wf);
    if (activate && triggers.length > 0 && !active) {
      const full = await client.get(`/workflows/${wf.id}`);
      await client.post(`/workflows/${wf.id}/activate`, { versionId: full.versionId });
      active = true;
      log(`activated "${workflow.name}"`);
    }
    workflows.push({
      id: String(wf.id),
      name: workflow.name,
      file,
      created,
      active,
      trigger: triggers.length > 0,
      webhooks: triggers.map((t) => ({ ...t, url: webhookUrl(n8nUrl, t.webhookId) })),
    });
  }
  return { credentials, workflows };
}

module.exports = {
  PACKAGE,
  SEND_TYPE,
  TRIGGER_TYPE,
  EXAMPLES_DIR,
  DEMO_CONNECTION_NAMES,
  DEMO_GATEWAY_BODY_TEMPLATE,
  CREDENTIAL_TYPES: Object.freeze({ TWILIO, META, WEBHOOK }),
  webhookUrl,
  loadExamples,
  triggerNodes,
  bindCredentials,
  gatewayStatusUrl,
  demoConnections,
  listCredentials,
  listWorkflows,
  upsertCredential,
  provisionDemo,
};
