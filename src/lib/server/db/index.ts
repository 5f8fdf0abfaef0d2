import fs from 'node:fs';
import { ensurePrivateFile } from '../files';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as tables from './tables';
import { config } from '../config';
import { checkpointInBackground } from './checkpoints';
import { recordedMigrationLevel } from './migration-level';

export type Db = BetterSQLite3Database<typeof tables> & { $client: Database.Database };

/**
 * Opens a database file (or ":memory:"), sets the pragmas every connection needs and applies
 * the migrations. WAL lets readers (pages, reports) run while an import or a run writes.
 */
export function openDatabase(file: string, migrationsDir = config().migrationsDir): Db {
	if (file !== ':memory:') {
		fs.mkdirSync(path.dirname(file), { recursive: true });
		// Private before SQLite opens it: its -wal and -shm files take the same mode.
		ensurePrivateFile(file);
	}
	const sqlite = new Database(file);
	try {
		// Before any pragma or migration writes to it.
		refuseNewerDatabase(sqlite, file, migrationsDir);
	} catch (err) {
		sqlite.close();
		throw err;
	}
	sqlite.pragma('journal_mode = WAL');
	sqlite.pragma('synchronous = NORMAL');
	sqlite.pragma('foreign_keys = ON');
	sqlite.pragma('busy_timeout = 5000');
	sqlite.pragma('cache_size = -65536');
	sqlite.pragma('temp_store = MEMORY');
	// A deleted or overwritten row's bytes are zeroed in its page (an API key removed or replaced
	// must not stay readable in the file and every later backup). FAST: only where that costs no
	// extra I/O — the page is written anyway; pages freed whole (a purge) are not rewritten.
	sqlite.pragma('secure_delete = FAST');
	if (file !== ':memory:') {
		// Checkpoints in a thread of their own (./checkpoints), told when this connection closes.
		const released = checkpointInBackground(sqlite, path.resolve(file));
		const close = sqlite.close.bind(sqlite);
		sqlite.close = () => {
			close();
			released();
			return sqlite;
		};
	}
	const db = drizzle(sqlite, { schema: tables }) as Db;
	applyMigrations(db, migrationsDir);
	return db;
}

/** A database written by a newer version of the app is refused, untouched (see migrationLevel). */
function refuseNewerDatabase(sqlite: Database.Database, file: string, migrationsDir: string): void {
	if (!sqlite.prepare<[]>(`SELECT 1 FROM sqlite_master WHERE name = '__drizzle_migrations'`).get()) return;
	recordedMigrationLevel(sqlite, migrationsDir, file);
}

/**
 * Applies pending migrations with foreign keys off. SQLite changes a foreign key by rebuilding
 * the table, and a DROP TABLE with foreign keys on runs the children's ON DELETE actions — it
 * would empty every table that cascades from the rebuilt one. drizzle's migrator runs in one
 * transaction, where the pragma cannot change, so it is switched around the call; the result is
 * then checked with foreign_key_check.
 */
function applyMigrations(db: Db, migrationsDir: string): void {
	const sqlite = db.$client;
	const applied = (): number =>
		sqlite.prepare<[]>(`SELECT 1 FROM sqlite_master WHERE name = '__drizzle_migrations'`).get()
			? (sqlite.prepare<[], { n: number }>('SELECT count(*) AS n FROM __drizzle_migrations').get()!).n
			: 0;
	const before = applied();
	sqlite.pragma('foreign_keys = OFF');
	try {
		migrate(db, { migrationsFolder: migrationsDir });
	} finally {
		sqlite.pragma('foreign_keys = ON');
	}
	if (before && applied() !== before) {
		const broken = sqlite.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
		if (broken.length) {
			const first = broken[0];
			throw new Error(`Migration left ${broken.length} row(s) pointing at missing rows (first: ${first.table} rowid ${first.rowid} → ${first.parent}).`);
		}
	}
}

/**
 * Copies the write-ahead log into the database file and truncates it to nothing: after a secret is
 * removed or replaced, its old bytes (zeroed in the page by secure_delete) are otherwise still in
 * the log's earlier frames until they happen to be overwritten. Waits up to `waitMs` for readers
 * of the old log; false when one still holds it.
 */
export function truncateLog(database: Db, waitMs = 1000): boolean {
	const c = database.$client;
	if (c.memory) return true;
	const previous = c.pragma('busy_timeout', { simple: true }) as number;
	c.pragma(`busy_timeout = ${Math.max(previous, waitMs)}`);
	try {
		const [result] = c.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
		return result.busy === 0;
	} finally {
		c.pragma(`busy_timeout = ${previous}`);
	}
}

export { openReadOnly } from './read-only';

let shared: Db | undefined;

/** The process-wide connection to the configured database, opened and migrated on first use. */
export function db(): Db {
	shared ??= openDatabase(config().databasePath);
	return shared;
}

/** Liveness: a trivial query on the app's database (throws if it cannot be read). */
export function pingDatabase(database: Db = db()): void {
	database.$client.prepare<[]>('SELECT 1').get();
}

/** For tests and the CLI: use this connection as the process-wide one. */
export function useDatabase(instance: Db): void {
	shared = instance;
}

export function closeDatabase(): void {
	shared?.$client.close();
	shared = undefined;
}

/**
 * Runs `fn` in one IMMEDIATE transaction: the write lock is taken up front, so two writers
 * never deadlock upgrading read locks, and anything `fn` throws rolls everything back.
 */
export function transaction<T>(database: Db, fn: () => T, label?: string): T {
	if (!label) return database.$client.transaction(fn).immediate();
	let start = 0;
	const result = database.$client
		.transaction(() => {
			start = performance.now();
			return fn();
		})
		.immediate();
	recordLockHold(label, performance.now() - start);
	return result;
}

/** What cachedStatements returns: prepare() with better-sqlite3's signature, compiled once per connection. */
export interface StatementCache {
	prepare<P extends unknown[] | {} = unknown[], R = unknown>(sql: string): Database.Statement<P, R>;
}

const connectionState = new WeakMap<Database.Database, Map<(c: Database.Database) => unknown, unknown>>();

/**
 * State kept per connection — compiled statements, small caches, the jobs running on it: made by
 * `make` on first use and kept as long as the connection. `make` is the key, so pass a
 * module-level function (a new closure each call would make new state each call).
 */
export function perConnection<T>(database: Db | Database.Database, make: (c: Database.Database) => T): T {
	const c = '$client' in database ? database.$client : database;
	let states = connectionState.get(c);
	if (!states) connectionState.set(c, (states = new Map()));
	if (!states.has(make)) states.set(make, make(c));
	return states.get(make) as T;
}

function statementCache(c: Database.Database): StatementCache {
	const bySql = new Map<string, Database.Statement>();
	return {
		prepare<P extends unknown[] | {} = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
			let statement = bySql.get(sql);
			if (!statement) bySql.set(sql, (statement = c.prepare(sql)));
			return statement as unknown as Database.Statement<P, R>;
		}
	};
}

/**
 * The connection's statements, each compiled once: on the hot paths (a reviewer's submit and
 * next run about twenty queries) compiling SQL every call cost more than running it. A cached
 * statement keeps its mode (pluck, raw) between calls, so a call site sets the mode it needs.
 */
export function cachedStatements(database: Db): StatementCache {
	return perConnection(database, statementCache);
}

export interface LockHold {
	/** Longest hold, ms: from BEGIN IMMEDIATE having the lock to COMMIT done. */
	maxMs: number;
	transactions: number;
	totalMs: number;
}

// Per process, per bulk job: how long its write transactions held SQLite's write lock. Read by
// `npm run bench -- locks`; cheap enough to keep always on.
const lockHolds = new Map<string, LockHold>();

function traceLockHold(label: string, ms: number): void {
	const callers = new Error().stack?.split('\n').slice(4, 9).map((line) => line.trim().replace(/\(.*\/src\//, '(src/'));
	console.error(`write lock held ${ms.toFixed(0)} ms by "${label}": ${callers?.join(' | ')}`);
}

export function recordLockHold(label: string, ms: number): void {
	// Diagnostics: LOCK_TRACE_MS=150 prints each labelled write transaction held longer than that.
	const traceMs = config().lockTraceMs;
	if (traceMs && ms > traceMs) traceLockHold(label, ms);
	const hold = lockHolds.get(label) ?? { maxMs: 0, transactions: 0, totalMs: 0 };
	hold.maxMs = Math.max(hold.maxMs, ms);
	hold.transactions++;
	hold.totalMs += ms;
	lockHolds.set(label, hold);
}

export function lockHoldStats(): Record<string, LockHold> {
	return Object.fromEntries([...lockHolds].map(([k, v]) => [k, { ...v }]));
}

export function resetLockHolds(): void {
	lockHolds.clear();
}

export { tables };
