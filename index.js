// Entry point for n8n: nodes and credentials are declared in package.json under "n8n".
module.exports = {};
