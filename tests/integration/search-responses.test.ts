import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { olderMigrations } from '../support/migrations';
import { openDatabase, useDatabase, type Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { listTasks } from '../../src/lib/server/datasets/browse';

// A task's search row holds its model responses and its instances' constraints (TASK_SEARCH_ROW):
// the search box says it searches them, and a word found only there found nothing before.
const tasks = [
	{ id: 'user_oriented_task_0', instruction: 'Name a novelist.', instances: [{ input: '', output: 'Hemingway.' }] },
	{ id: 'user_oriented_task_1', instruction: 'Name a colour.', instances: [{ input: '', output: 'Blue.' }] }
];
const predictions = [
	{ instruction: 'Name a novelist.', input: '', response: ' F. Scott Fitzgerald wrote Gatsby.', target: 'Hemingway.' },
	{ instruction: 'Name a colour.', input: '', response: 'Green.', target: 'Blue.' }
];
const pairs = [
	{ user_input: 'Give a tip.', completion_a: 'A answer one.', completion_b: 'B answer one.' },
	{ user_input: 'Name a fruit.', completion_a: 'A answer two.', completion_b: 'B answer two.' }
];
const unnatural = [
	{
		instruction: 'Count the words of a sentence.',
		instances: [{ instruction_with_input: 'Count the words of a sentence.\nSentence: Hello world', input: 'Sentence: Hello world', constraints: 'The output should be an integer.', output: '2' }]
	}
];
const total = (db: Db, datasetId: number, q: string) => listTasks(datasetId, { q }, db).total;

describe('searching responses and constraints', () => {
	let db: Db;
	let cleanup: () => void;
	beforeEach(() => ({ db, cleanup } = createTestDb()));
	afterEach(() => cleanup());

	it('predictions imported into an existing dataset are found by their words and phrases', async () => {
		const { datasetId } = await importFile(streamOf(jsonl(tasks)), { datasetName: 'preds', fileName: 'user_oriented_instructions.jsonl' }, db);
		expect(total(db, datasetId, 'fitzgerald')).toBe(0);
		await importFile(streamOf(jsonl(predictions)), { datasetName: 'preds', fileName: 'p.jsonl', modelName: 'text-davinci-003' }, db);
		expect([total(db, datasetId, 'fitzgerald'), total(db, datasetId, '"scott fitzgerald"'), total(db, datasetId, '"fitzgerald scott"')]).toEqual([1, 1, 0]);
		// The instance's own words are still found, and a word of neither is not.
		expect([total(db, datasetId, 'hemingway'), total(db, datasetId, 'green'), total(db, datasetId, 'purple')]).toEqual([1, 1, 0]);
	});

	it('both sides of a preference pair are found, B as well as A', async () => {
		const { datasetId } = await importFile(streamOf(JSON.stringify(pairs)), { datasetName: 'pairs', fileName: 'comparision_data.json' }, db);
		expect([total(db, datasetId, 'answer'), total(db, datasetId, 'B'), total(db, datasetId, '"B answer"'), total(db, datasetId, '"B answer two"')]).toEqual([2, 2, 2, 1]);
	});

	it('Unnatural Instructions constraints are found, words and phrases', async () => {
		const { datasetId } = await importFile(streamOf(jsonl(unnatural)), { datasetName: 'un', fileName: 'unnatural.jsonl' }, db);
		expect([total(db, datasetId, 'integer'), total(db, datasetId, '"be an integer"'), total(db, datasetId, 'hello')]).toEqual([1, 1, 1]);
	});
});

// Migration 0033: rows written before responses and constraints were indexed lack them; the
// migration rewrites the rows of tasks with either, so they are found without importing again.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-migration-search-responses-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('responses and constraints imported before they were searched are found once the database is migrated', async () => {
	const file = path.join(dir, 'old.db');
	const older = openDatabase(file, olderMigrations(dir, 33));
	useDatabase(older);
	const { datasetId } = await importFile(streamOf(jsonl(tasks)), { datasetName: 'preds', fileName: 'user_oriented_instructions.jsonl' }, older);
	await importFile(streamOf(jsonl(predictions)), { datasetName: 'preds', fileName: 'p.jsonl', modelName: 'text-davinci-003' }, older);
	const { datasetId: pairsId } = await importFile(streamOf(JSON.stringify(pairs)), { datasetName: 'pairs', fileName: 'comparision_data.json' }, older);
	const { datasetId: unnaturalId } = await importFile(streamOf(jsonl(unnatural)), { datasetName: 'un', fileName: 'unnatural.jsonl' }, older);
	// The rows as the app wrote them before: instruction, inputs and outputs only.
	const c = older.$client;
	c.exec(`DELETE FROM task_search`);
	c.exec(`INSERT INTO task_search (rowid, instruction, inputs, outputs)
		SELECT t.id, t.instruction, coalesce(group_concat(i.input, char(10)), ''), coalesce(group_concat(i.output, char(10)), '')
		FROM tasks t LEFT JOIN instances i ON i.task_id = t.id GROUP BY t.id`);
	const found = (db: Db) => [total(db, datasetId, 'fitzgerald'), total(db, pairsId, '"B answer"'), total(db, unnaturalId, 'integer'), total(db, datasetId, 'novelist')];
	expect(found(older)).toEqual([0, 0, 0, 1]);
	c.close();

	const migrated = openDatabase(file, path.resolve('migrations'));
	useDatabase(migrated);
	try {
		expect(found(migrated)).toEqual([1, 2, 1, 1]);
		expect(migrated.$client.prepare('SELECT count(*) FROM task_search').pluck().get()).toBe(5);
	} finally {
		migrated.$client.close();
	}
});
