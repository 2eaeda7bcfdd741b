'use strict';
// Runs the end-to-end test files in a fixed order: the screenshots first, while n8n holds only the
// demo connections and workflows (the credential dropdown in the pictures lists every saved
// connection), then the rest in the order they build on each other.
const Sequencer = require('@jest/test-sequencer').default;
const path = require('path');

const ORDER = ['screenshots', 'connections', 'send', 'trigger', 'examples', 'queue'];
const rank = (test) => {
	const i = ORDER.indexOf(path.basename(test.path).replace(/\.e2e\.ts$/, ''));
	return i < 0 ? ORDER.length : i;
};

class E2eSequencer extends Sequencer {
	sort(tests) {
		return [...tests].sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
	}
}

module.exports = E2eSequencer;
