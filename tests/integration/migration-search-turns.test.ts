import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { jsonl, streamOf } from '../support/db';
import { olderMigrations } from '../support/migrations';
import { openDatabase, useDatabase } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { listTasks } from '../../src/lib/server/datasets/browse';

// Migration 0030: search rows written before a task's turns were indexed (af9dc8d) held only the
// instruction, inputs and first reply. The migration rewrites the rows of tasks with
// conversations, so a word of a later turn is found without importing the dataset again.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-migration-search-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('a conversation imported before its turns were searched is found by a later turn once the database is migrated', async () => {
	const file = path.join(dir, 'old.db');
	const older = openDatabase(file, olderMigrations(dir, 30));
	useDatabase(older);
	// Today's importer writes the columns later migrations add to imports: lent for the import,
	// dropped again before migrating, so those migrations run on the file as an older app left it.
	const LATER_IMPORT_COLUMNS = ['pairs_added integer DEFAULT 0 NOT NULL', 'conversations_added integer DEFAULT 0 NOT NULL', 'notices text'];
	for (const column of LATER_IMPORT_COLUMNS) older.$client.exec(`ALTER TABLE imports ADD ${column}`);
	const chat = {
		messages: [
			{ role: 'user', content: 'Plan a trip.' },
			{ role: 'assistant', content: 'Start in Lisbon.' },
			{ role: 'user', content: 'And the food?' },
			{ role: 'assistant', content: 'Try the pastéis de nata.' }
		]
	};
	const plain = { instruction: 'Name a colour.', input: '', output: 'Blue.' };
	const { datasetId } = await importFile(streamOf(jsonl([chat])), { datasetName: 'trips', fileName: 'chat.jsonl' }, older);
	await importFile(streamOf(jsonl([plain])), { datasetName: 'trips', fileName: 'rows.jsonl' }, older);
	// The row as the app wrote it before af9dc8d: no turns past the first exchange.
	const c = older.$client;
	const taskId = c.prepare<[], number>('SELECT task_id FROM conversations').pluck().get()!;
	c.prepare('DELETE FROM task_search WHERE rowid = ?').run(taskId);
	c.prepare("INSERT INTO task_search (rowid, instruction, inputs, outputs) VALUES (?, 'Plan a trip.', '', 'Start in Lisbon.')").run(taskId);
	const found = (db: typeof older, q: string) => listTasks(datasetId, { q }, db).total;
	expect([found(older, 'lisbon'), found(older, 'pasteis'), found(older, 'colour')]).toEqual([1, 0, 1]);
	for (const column of LATER_IMPORT_COLUMNS) c.exec(`ALTER TABLE imports DROP COLUMN ${column.split(' ')[0]}`);
	c.close();

	const migrated = openDatabase(file, path.resolve('migrations'));
	useDatabase(migrated);
	try {
		expect([found(migrated, 'lisbon'), found(migrated, 'pasteis'), found(migrated, 'food'), found(migrated, 'colour')]).toEqual([1, 1, 1, 1]);
		expect(migrated.$client.prepare('SELECT count(*) FROM task_search').pluck().get()).toBe(2);
	} finally {
		migrated.$client.close();
	}
});
