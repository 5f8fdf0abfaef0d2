import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, useDatabase, type Db } from '../../src/lib/server/db';

/** A fresh database file with every migration applied, made the process-wide one for the test. */
export function createTestDb(): { db: Db; file: string; cleanup: () => void } {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-test-'));
	const file = path.join(dir, 'test.db');
	const db = openDatabase(file, path.resolve('migrations'));
	useDatabase(db);
	return {
		db,
		file,
		cleanup: () => {
			db.$client.close();
			fs.rmSync(dir, { recursive: true, force: true });
		}
	};
}

/** Every row of every table, as one string: equal before and after means the database did not change. */
export function snapshotDb(db: Db): string {
	const tables = db.$client
		.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'task_search%' AND name NOT LIKE '__drizzle%' ORDER BY name")
		.all() as { name: string }[];
	const parts = tables.map(({ name }) => `${name}:${JSON.stringify(db.$client.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all())}`);
	const search = db.$client.prepare("SELECT rowid FROM task_search ORDER BY rowid").all();
	return parts.join('\n') + `\nsearch:${JSON.stringify(search)}`;
}

/** Feeds a string or bytes to an importer as a stream of small chunks. */
export async function* streamOf(content: string | Uint8Array, chunkSize = 4096): AsyncGenerator<Uint8Array> {
	const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
	for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
}

export function jsonl(rows: unknown[]): string {
	return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
