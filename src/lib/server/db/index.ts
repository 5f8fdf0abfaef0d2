import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as tables from './tables';
import { config } from '../config';

export type Db = BetterSQLite3Database<typeof tables> & { $client: Database.Database };

/**
 * Opens a database file (or ":memory:"), sets the pragmas every connection needs and applies
 * the migrations. WAL lets readers (pages, reports) run while an import or a run writes.
 */
export function openDatabase(file: string, migrationsDir = config().migrationsDir): Db {
	if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
	const sqlite = new Database(file);
	sqlite.pragma('journal_mode = WAL');
	sqlite.pragma('synchronous = NORMAL');
	sqlite.pragma('foreign_keys = ON');
	sqlite.pragma('busy_timeout = 5000');
	sqlite.pragma('cache_size = -65536');
	sqlite.pragma('temp_store = MEMORY');
	const db = drizzle(sqlite, { schema: tables }) as Db;
	migrate(db, { migrationsFolder: migrationsDir });
	return db;
}

let shared: Db | undefined;

/** The process-wide connection to the configured database, opened and migrated on first use. */
export function db(): Db {
	shared ??= openDatabase(config().databasePath);
	return shared;
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
export function transaction<T>(database: Db, fn: () => T): T {
	return database.$client.transaction(fn).immediate();
}

export { tables };
