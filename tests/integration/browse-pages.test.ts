import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { listTasks } from '../../src/lib/server/datasets/browse';
import type { Db } from '../../src/lib/server/db';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

const rows = (from: number, to: number) =>
	Array.from({ length: to - from }, (_, k) => {
		const i = from + k;
		return { instruction: `Task ${i}: ${i % 2 ? 'describe the sea' : 'name a colour'}.`, input: i % 3 ? `input ${i}` : '', output: `output ${i}` };
	});

function allIds(datasetId: number, where = ''): number[] {
	return (db.$client.prepare(`SELECT id FROM tasks t WHERE dataset_id = ? ${where} ORDER BY id`).all(datasetId) as { id: number }[]).map((r) => r.id);
}

describe('browsing pages', () => {
	it('every page, the first and the last included, holds the same rows as one ordered list split in pages', async () => {
		const { datasetId } = await importFile(streamOf(jsonl(rows(0, 23)), 50), { datasetName: 'pages', fileName: 'a.jsonl' }, db);
		const ids = allIds(datasetId);
		for (const pageSize of [1, 4, 5, 23, 50]) {
			const pages = Math.ceil(ids.length / pageSize);
			for (let page = 1; page <= pages; page++) {
				const result = listTasks(datasetId, { page, pageSize }, db);
				expect(result).toMatchObject({ total: 23, page, pages });
				expect(result.rows.map((r) => r.id)).toEqual(ids.slice((page - 1) * pageSize, page * pageSize));
			}
		}
		// Searched and filtered pages, read from either end.
		const sea = allIds(datasetId, "AND instruction LIKE '%sea%'");
		for (let page = 1; page <= 3; page++) {
			const result = listTasks(datasetId, { q: 'sea', page, pageSize: 5 }, db);
			expect(result.total).toBe(sea.length);
			expect(result.rows.map((r) => r.id)).toEqual(sea.slice((page - 1) * 5, page * 5));
		}
		const emptyFirst = listTasks(datasetId, { emptyInput: 'yes', page: 2, pageSize: 3 }, db);
		expect(emptyFirst.rows.map((r) => r.id)).toEqual(allIds(datasetId, 'AND empty_input_count > 0').slice(3, 6));
	});

	it('the dataset total follows tasks added later, to this dataset and not to others', async () => {
		const { datasetId } = await importFile(streamOf(jsonl(rows(0, 10)), 50), { datasetName: 'grows', fileName: 'a.jsonl' }, db);
		expect(listTasks(datasetId, {}, db).total).toBe(10);
		const other = await importFile(streamOf(jsonl(rows(0, 7)), 50), { datasetName: 'other', fileName: 'b.jsonl' }, db);
		expect(listTasks(datasetId, {}, db).total).toBe(10);
		expect(listTasks(other.datasetId, {}, db).total).toBe(7);
		await importFile(streamOf(jsonl(rows(10, 14)), 50), { datasetName: 'grows', fileName: 'c.jsonl' }, db);
		const page = listTasks(datasetId, { page: 1e9, pageSize: 5 }, db);
		expect(page).toMatchObject({ total: 14, pages: 3, page: 3 });
		expect(page.rows.map((r) => r.id)).toEqual(allIds(datasetId).slice(10));
		// Deleting the dataset's tasks (only done with the dataset itself) is noticed too.
		db.$client.pragma('foreign_keys = OFF');
		db.$client.prepare('DELETE FROM tasks WHERE dataset_id = ? AND id > ?').run(datasetId, allIds(datasetId)[11]);
		db.$client.pragma('foreign_keys = ON');
		expect(listTasks(datasetId, {}, db).total).toBe(12);
	});
});
