import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { buildReviewedWork } from '../support/reviewed-work';
import { openDatabase } from '../../src/lib/server/db';
import { olderMigrations } from '../support/migrations';
import { checkpointCompletely } from '../../src/lib/server/db/checkpoints';

// Migration 0005 rebuilds the label tables (SQLite changes a foreign key only by rebuilding the
// table) to make their parents ON DELETE RESTRICT. On a database full of reviewed work, every
// row must come through. The database is populated with the app at the current schema, copied
// into a database at the level before the migration, and that one is opened (and migrated) by
// the app as a server start would.
const BEFORE = 5; // migrations 0000–0004
let dir: string;
let oldMigrations: string;
let populated: string;

/** Rows of every table, selecting only the columns the older schema has. */
function rowsOf(file: string, tables: Record<string, string[]>): Record<string, unknown[]> {
	const c = new Database(file, { readonly: true });
	try {
		return Object.fromEntries(
			Object.entries(tables).map(([t, cols]) => [t, c.prepare(`SELECT ${cols.map((x) => `"${x}"`).join(', ')} FROM "${t}" ORDER BY rowid`).raw().all()])
		);
	} finally {
		c.close();
	}
}

function columnsOf(file: string): Record<string, string[]> {
	const c = new Database(file, { readonly: true });
	try {
		const tables = c
			.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' AND name NOT LIKE 'task_search%'`)
			.pluck()
			.all() as string[];
		return Object.fromEntries(tables.map((t) => [t, (c.prepare(`PRAGMA table_info("${t}")`).all() as { name: string }[]).map((r) => r.name)]));
	} finally {
		c.close();
	}
}

/** A database at the older level holding the same rows as `populated`. */
function olderCopy(name: string): string {
	const file = path.join(dir, name);
	openDatabase(file, oldMigrations).$client.close();
	const c = new Database(file);
	c.pragma('foreign_keys = OFF');
	c.exec(`ATTACH '${populated}' AS src`);
	c.transaction(() => {
		for (const [table, cols] of Object.entries(columnsOf(file))) {
			const list = cols.map((x) => `"${x}"`).join(', ');
			c.exec(`DELETE FROM main."${table}"; INSERT INTO main."${table}" (${list}) SELECT ${list} FROM src."${table}"`);
		}
	})();
	c.exec('DETACH src');
	expect(c.pragma('foreign_key_check')).toEqual([]);
	c.close();
	return file;
}

beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-migrate-'));
	oldMigrations = olderMigrations(dir, BEFORE);

	const { db, file, cleanup } = createTestDb();
	await buildReviewedWork(db);
	// Everything in the file before it is copied (the checkpoint thread may be checkpointing too).
	expect(checkpointCompletely(db.$client)).toBe(true);
	populated = path.join(dir, 'populated.db');
	fs.copyFileSync(file, populated);
	cleanup();
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('keeps every row of every table through the migration', () => {
	const older = olderCopy('older.db');
	const columns = columnsOf(older);
	const before = rowsOf(older, columns);
	expect(before.audit_labels.length).toBe(24);
	expect(before.audit_label_ratings.length).toBe(10);
	expect(before.audit_adjudication_ratings.length).toBe(2);
	expect(before.audit_submissions.every((s) => (s as unknown[])[4] !== null)).toBe(true);

	const migrated = openDatabase(older, path.resolve('migrations'));
	expect(migrated.$client.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get()).toBeGreaterThan(BEFORE);
	migrated.$client.close();
	expect(rowsOf(older, columns)).toEqual(before);
	// And the schema now refuses what it used to cascade.
	const c = new Database(older);
	c.pragma('foreign_keys = ON');
	expect(() => c.prepare('DELETE FROM audits').run()).toThrow(/FOREIGN KEY constraint failed/);
	c.close();
});

it('needs foreign keys off: run inside one transaction with them on, the rebuild would empty the children', () => {
	const older = olderCopy('naive.db');
	const c = new Database(older);
	c.pragma('foreign_keys = ON');
	migrate(drizzle(c), { migrationsFolder: path.resolve('migrations') });
	// DROP TABLE audit_labels ran ON DELETE CASCADE into the (already rebuilt) ratings and SET NULL
	// into the submissions: what openDatabase's foreign_keys = OFF around the migrator prevents.
	expect(c.prepare('SELECT count(*) FROM audit_label_ratings').pluck().get()).toBe(0);
	expect(c.prepare('SELECT count(*) FROM audit_submissions WHERE label_id IS NOT NULL').pluck().get()).toBe(0);
	c.close();
});
