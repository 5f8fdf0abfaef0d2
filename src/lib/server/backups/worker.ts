/**
 * The heavy part of a backup — copying every page and checking the copy (integrity_check reads
 * the whole file) — runs in a worker thread with its own connections, so a server taking a
 * backup keeps answering reviewers (on the main thread it held requests for seconds on a
 * 100 MB database). The worker's code is plain JavaScript evaluated as CommonJS, so it runs
 * the same from the built server, the CLI and the tests.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { COLLECT_SQLITE_WRAPPERS } from '../db/worker-teardown';

export type TableCounts = Record<string, number>;

export interface FileCheck {
	/** integrity_check's rows other than "ok". */
	problems: string[];
	tables: TableCounts;
	/** foreign_key_check: rows pointing at missing parents. */
	orphans: { table: string; parent: string }[];
	/** Hashes recorded in __drizzle_migrations, oldest first (null without that table). */
	migrations: string[] | null;
}

export interface CopyResult {
	/** Row counts inside the snapshot the copy was taken from. */
	snapshot: TableCounts;
	copy: FileCheck;
}

const SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
${COLLECT_SQLITE_WRAPPERS}
const Database = require(workerData.driver);

// Row count of every ordinary table (virtual tables are counted through their shadow tables).
function countRows(db) {
	const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name").pluck().all();
	const counts = {};
	for (const name of names) counts[name] = db.prepare('SELECT count(*) FROM "' + name.replaceAll('"', '""') + '"').pluck().get();
	return counts;
}

// A read-only connection to a WAL-mode file creates its -wal and -shm if they are missing and,
// unable to checkpoint, leaves them when it closes: whoever opens read-only removes what it made
// (a -shm made beside a backup's -wal too). A log that changed meanwhile was written by someone
// else, whose files they now are.
function logsMadeBy(file, open) {
	const missing = ['-wal', '-shm'].map((suffix) => file + suffix).filter((f) => !fs.existsSync(f));
	const logBefore = fs.statSync(file + '-wal', { throwIfNoEntry: false });
	const connection = open();
	const close = () => {
		connection.close();
		const log = fs.statSync(file + '-wal', { throwIfNoEntry: false });
		const written = log && (logBefore ? log.size !== logBefore.size || log.mtimeMs !== logBefore.mtimeMs : log.size > 0);
		if (written) return;
		for (const f of missing) fs.rmSync(f, { force: true });
	};
	return { connection, close };
}

function check(file) {
	const { connection: db, close } = logsMadeBy(file, () => new Database(file, { readonly: true, fileMustExist: true }));
	try {
		const problems = db.pragma('integrity_check').map((r) => r.integrity_check).filter((r) => r !== 'ok');
		const tables = countRows(db);
		const orphans = db.pragma('foreign_key_check').map((r) => ({ table: r.table, parent: r.parent }));
		const migrations = '__drizzle_migrations' in tables ? db.prepare('SELECT hash FROM __drizzle_migrations ORDER BY created_at, id').pluck().all() : null;
		return { problems, tables, orphans, migrations };
	} finally {
		close();
	}
}

async function copy({ source, partial, pagesPerStep }) {
	const { connection: reader, close } = logsMadeBy(source, () => new Database(source, { readonly: true, fileMustExist: true }));
	let snapshot;
	try {
		reader.pragma('busy_timeout = 5000');
		// One read transaction for counts and copy: both see the same instant, and writers in
		// other connections neither wait for it nor make the copy start over.
		reader.exec('BEGIN');
		snapshot = countRows(reader);
		await reader.backup(partial, { progress: () => pagesPerStep });
		reader.exec('COMMIT');
	} finally {
		close();
	}
	const out = new Database(partial, { fileMustExist: true });
	try {
		out.pragma('journal_mode = DELETE'); // one self-contained file, no -wal beside it
	} finally {
		out.close();
	}
	const fd = fs.openSync(partial, 'r+');
	try {
		fs.fsyncSync(fd);
	} finally {
		fs.closeSync(fd);
	}
	return { snapshot, copy: check(partial) };
}

(async () => (workerData.task === 'copy' ? copy(workerData) : check(workerData.file)))().then(
	(result) => {
		collectSqliteWrappers();
		parentPort.postMessage({ ok: true, result });
	},
	(err) => {
		collectSqliteWrappers();
		parentPort.postMessage({ ok: false, message: err && err.message ? err.message : String(err), code: err && err.code });
	}
);
`;

function run<T>(data: Record<string, unknown>): Promise<T> {
	const driver = createRequire(import.meta.url).resolve('better-sqlite3');
	return new Promise((resolve, reject) => {
		const worker = new Worker(SOURCE, { eval: true, workerData: { ...data, driver } });
		let settled = false;
		worker.once('message', (m: { ok: true; result: T } | { ok: false; message: string; code?: string }) => {
			settled = true;
			if (m.ok) resolve(m.result);
			else reject(Object.assign(new Error(m.message), { code: m.code }));
			// Not terminated: its connections are closed and nothing is left for it to do, so it ends
			// on its own; terminate() would land in the middle of the SQLite addon's own teardown.
		});
		worker.once('error', (err) => {
			settled = true;
			reject(err);
		});
		worker.once('exit', (code) => {
			if (!settled) reject(new Error(`The backup worker stopped (exit code ${code}).`));
		});
	});
}

/** Copies `source` (a live database) to `partial` as one snapshot, synced, and checks the copy. */
export function copyInWorker(source: string, partial: string, pagesPerStep: number): Promise<CopyResult> {
	return run<CopyResult>({ task: 'copy', source, partial, pagesPerStep });
}

/** integrity_check, row counts, foreign_key_check and recorded migrations of a database file. */
export function checkInWorker(file: string): Promise<FileCheck> {
	return run<FileCheck>({ task: 'check', file });
}
