// The SQLite driver (better-sqlite3) is a native addon: its binary is built or fetched by its
// install script. When npm skipped that script (npm 12 blocks unreviewed install scripts) the
// package is present but cannot open a database, and the first query would fail with a stack
// trace. Start-up asks here first and prints one plain sentence instead.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** @returns {string | null} why the database driver cannot work here, in plain words, or null */
export function sqliteBindingProblem() {
	try {
		const Database = require('better-sqlite3');
		new Database(':memory:').close();
		return null;
	} catch (err) {
		const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
		return (
			'The SQLite driver (better-sqlite3) is installed without its native binding, so Instruct Audit ' +
			'cannot open its database. Fix: run `npm rebuild better-sqlite3` (if npm skipped its install ' +
			'script, approve it first with `npm install-scripts approve better-sqlite3`). ' +
			`(${detail})`
		);
	}
}
