import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { lastWordTerms, listTasks } from '../../src/lib/server/datasets/browse';
import { toFtsQuery } from '../../src/lib/datasets/search';
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

	it('a filtered or searched list is counted only so far past the page: "at least", the same rows, exact on request', async () => {
		const { datasetId } = await importFile(streamOf(jsonl(rows(0, 40)), 50), { datasetName: 'counted', fileName: 'a.jsonl' }, db);
		const sea = allIds(datasetId, "AND instruction LIKE '%sea%'");
		expect(sea.length).toBe(20);
		// Counted 5 past the page's first row: a lower bound, and the page's rows as ever.
		const first = listTasks(datasetId, { q: 'sea', pageSize: 2, countAhead: 5 }, db);
		expect(first).toMatchObject({ total: 5, totalExact: false, page: 1, pages: 3 });
		expect(first.rows.map((r) => r.id)).toEqual(sea.slice(0, 2));
		const third = listTasks(datasetId, { q: 'sea', page: 3, pageSize: 2, countAhead: 5 }, db);
		expect(third).toMatchObject({ total: 9, totalExact: false, page: 3, pages: 5 });
		expect(third.rows.map((r) => r.id)).toEqual(sea.slice(4, 6));
		// Near the end the bound passes the last match: exact again.
		expect(listTasks(datasetId, { q: 'sea', page: 8, pageSize: 2, countAhead: 5 }, db)).toMatchObject({ total: 19, totalExact: false, page: 8 });
		const ninth = listTasks(datasetId, { q: 'sea', page: 9, pageSize: 2, countAhead: 5 }, db);
		expect(ninth).toMatchObject({ total: 20, totalExact: true, page: 9, pages: 10 });
		expect(ninth.rows.map((r) => r.id)).toEqual(sea.slice(16, 18));
		// Asking for every match counts them all; a page past the end is the last page.
		expect(listTasks(datasetId, { q: 'sea', pageSize: 2, countAhead: 5, count: 'all' }, db)).toMatchObject({ total: 20, totalExact: true, pages: 10 });
		const last = listTasks(datasetId, { q: 'sea', page: 1e9, pageSize: 2, countAhead: 5 }, db);
		expect(last).toMatchObject({ total: 20, totalExact: true, page: 10 });
		expect(last.rows.map((r) => r.id)).toEqual(sea.slice(18));
		// Filters count the same way; fewer matches than the bound are counted exactly.
		const kept = listTasks(datasetId, { emptyInput: 'no', pageSize: 2, countAhead: 5 }, db);
		expect(kept).toMatchObject({ total: 5, totalExact: false });
		expect(listTasks(datasetId, { emptyInput: 'yes', pageSize: 2, countAhead: 20 }, db)).toMatchObject({ total: allIds(datasetId, 'AND empty_input_count > 0').length, totalExact: true });
		// The whole dataset's total is always exact.
		expect(listTasks(datasetId, { pageSize: 2, countAhead: 5 }, db)).toMatchObject({ total: 40, totalExact: true, pages: 20 });
	});

	it('a phrase search that checked only some rows gives its count as a lower bound, and counting all checks every row', async () => {
		// 30 rows hold both words; every third holds them side by side.
		const phraseRows = Array.from({ length: 30 }, (_, i) => ({ instruction: i % 3 === 0 ? `Row ${i}: here is the sea.` : `Row ${i}: is the sea here?`, input: '', output: 'x' }));
		const { datasetId } = await importFile(streamOf(jsonl(phraseRows)), { datasetName: 'phrase-count', fileName: 'p.jsonl' }, db);
		const matching = allIds(datasetId, "AND instruction LIKE '%here is%'");
		expect(matching.length).toBe(10);
		const first = listTasks(datasetId, { q: '"here is"', pageSize: 2, phraseCandidates: 4 }, db);
		// 6 rows checked, 2 of them match: at least 2, with no last page claimed.
		expect(first).toMatchObject({ total: 2, totalExact: false, phraseCandidates: 6 });
		expect(first.rows.map((r) => r.id)).toEqual(matching.slice(0, 2));
		const all = listTasks(datasetId, { q: '"here is"', pageSize: 2, phraseCandidates: 4, count: 'all' }, db);
		expect(all).toMatchObject({ total: 10, totalExact: true, pages: 5 });
		expect(all.phraseCandidates).toBeUndefined();
		// Pages past what the capped search checked are reached when every row is counted.
		const last = listTasks(datasetId, { q: '"here is"', page: 5, pageSize: 2, phraseCandidates: 4, count: 'all' }, db);
		expect(last).toMatchObject({ page: 5, totalExact: true });
		expect(last.rows.map((r) => r.id)).toEqual(matching.slice(8, 10));
		// A search whose candidates all fit is exact, as before.
		expect(listTasks(datasetId, { q: '"here is"', pageSize: 50 }, db)).toMatchObject({ total: 10, totalExact: true });
	});

	it('a search finds the same tasks whether its last word is spelled out as the index terms it begins or left a prefix (300 random searches)', async () => {
		let seed = 7;
		const random = () => {
			seed = (seed + 0x6d2b79f5) | 0;
			let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
			t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
			return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
		};
		const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
		// Words sharing prefixes, in other cases and with diacritics, other scripts, and a prefix
		// ("x1") that begins more terms than are spelled out.
		const vocabulary = ['read', 'reader', 'READERS', 'readership', 'réadmission', 'Café', 'cafés', 'caféine', 'photo', 'photosynthesis', 'Photograph', '東京', '東京都', 'naïve', 'naive'];
		for (let i = 0; i < 90; i++) vocabulary.push(`x${i + 10}`);
		const tasks = Array.from({ length: 150 }, (_, i) => ({
			instruction: `${Array.from({ length: 2 + Math.floor(random() * 5) }, () => pick(vocabulary)).join(' ')} (${i})`,
			input: random() < 0.5 ? pick(vocabulary) : '',
			output: pick(vocabulary)
		}));
		const { datasetId } = await importFile(streamOf(jsonl(tasks), 4096), { datasetName: 'prefixes', fileName: 'p.jsonl' }, db);
		const prefixMatches = db.$client.prepare<[string, number], number>(
			'SELECT s.rowid FROM task_search s CROSS JOIN tasks t ON t.id = s.rowid WHERE s.task_search MATCH ? AND t.dataset_id = ? ORDER BY s.rowid'
		).pluck();
		let spelledOut = 0;
		let leftPrefix = 0;
		for (let n = 0; n < 300; n++) {
			const word = pick(vocabulary);
			const cut = word.slice(0, 1 + Math.floor(random() * [...word].length));
			const last = random() < 0.2 ? cut.toUpperCase() : cut;
			const q = [...Array.from({ length: Math.floor(random() * 2) }, () => pick(vocabulary)), last].join(' ');
			const expected = prefixMatches.all(toFtsQuery(q)!, datasetId);
			const page = listTasks(datasetId, { q, count: 'all', pageSize: 200 }, db);
			expect(page.rows.map((r) => r.id), q).toEqual(expected);
			expect(page.total, q).toBe(expected.length);
			if (lastWordTerms(db.$client, q)) spelledOut++;
			else leftPrefix++;
		}
		// Both ways were taken.
		expect(spelledOut).toBeGreaterThan(100);
		expect(leftPrefix).toBeGreaterThan(5);
		expect(lastWordTerms(db.$client, 'photo reader')).toEqual(['reader', 'readers', 'readership']);
		expect(lastWordTerms(db.$client, 'CAFÉ')).toEqual(['cafe', 'cafeine', 'cafes']);
		expect(lastWordTerms(db.$client, 'x')).toBeUndefined();
	});
});
