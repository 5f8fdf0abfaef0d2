/**
 * A dataset's statistics are remembered per connection and counted again only when the dataset
 * changed: rows added (appends, responses) or an update that changes a statistic (filters,
 * classification, word counts), which triggers record (migration 0020). Each check below compares
 * the remembered answer with a fresh count on a second connection that never remembered one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { applyFilters } from '../../src/lib/server/filters/apply';
import { datasetStatistics } from '../../src/lib/server/datasets/statistics';
import { listDatasets } from '../../src/lib/server/datasets/datasets';
import { filterPreset } from '../../src/lib/filters';

let db: Db;
let cleanup: () => void;
let file: string;
beforeEach(() => {
	({ db, cleanup, file } = createTestDb());
});
afterEach(() => cleanup());

const rows = (from: number, to: number) =>
	Array.from({ length: to - from }, (_, k) => {
		const i = from + k;
		return { instruction: `Write about topic number ${i} in ${i % 2 ? 'two' : 'three short'} sentences.`, input: i % 3 ? `input ${i}` : '', output: `output words ${i}` };
	});

describe('dataset statistics kept between views', () => {
	it('follow every change that moves a number, and are not counted again when nothing changed', async () => {
		const opened: Db[] = [];
		try {
			const { datasetId } = await importFile(streamOf(jsonl(rows(0, 12))), { datasetName: 'stats', fileName: 'a.jsonl' }, db);
			const other = await importFile(streamOf(jsonl(rows(0, 3))), { datasetName: 'other', fileName: 'o.jsonl' }, db);
			const same = (keptOnly = false) => {
				const remembered = datasetStatistics(datasetId, { keptOnly }, db);
				// A second connection's first call always counts.
				const counted = datasetStatistics(datasetId, { keptOnly }, openFresh());
				expect(remembered).toEqual(counted);
				return remembered;
			};
			const openFresh = () => {
				opened.push(openDatabase(file));
				return opened.at(-1)!;
			};
			const first = same();
			expect(first).toMatchObject({ instructions: 12, instances: 12, rejectedInstructions: 0, responses: 0 });

			// Filters applied: rejected instructions and the kept-only figures change.
			const loose = filterPreset('self-instruct');
			await applyFilters(datasetId, { ...loose, instruction: { ...loose.instruction, wordCount: { enabled: true, min: 9, max: 150 } } }, null, db);
			const filtered = same();
			expect(filtered.rejectedInstructions).toBeGreaterThan(0);
			expect(same(true).instructions).toBe(12 - filtered.rejectedInstructions);

			// Classification flags set directly, an instance's verdict, a word count.
			db.$client.prepare('UPDATE tasks SET is_classification = 1 WHERE dataset_id = ? AND id = (SELECT min(id) FROM tasks WHERE dataset_id = ?)').run(datasetId, datasetId);
			expect(same().classification).toBe(1);
			db.$client.prepare("UPDATE instances SET filter_status = 'rejected' WHERE dataset_id = ? AND id = (SELECT max(id) FROM instances WHERE dataset_id = ?)").run(datasetId, datasetId);
			same(true);
			db.$client.prepare('UPDATE instances SET output_words = 40 WHERE dataset_id = ?').run(datasetId);
			expect(same().avgOutputWords).toBe(40);

			// Rows appended to the dataset, and model responses.
			await importFile(streamOf(jsonl(rows(12, 20))), { datasetName: 'stats', fileName: 'b.jsonl' }, db);
			expect(same().instructions).toBe(20);
			await importFile(
				streamOf(jsonl(rows(0, 4).map((r) => ({ prompt: 'x', instruction: r.instruction, input: r.input, response: `model answer ${r.output}`, target: r.output })))),
				{ datasetName: 'stats', fileName: 'predictions-model-x.jsonl', format: 'predictions', modelName: 'model-x' },
				db
			);
			expect(same()).toMatchObject({ responses: 4, models: 1 });

			// Another dataset's changes leave this one's figures as they were.
			db.$client.prepare('UPDATE tasks SET is_classification = 0 WHERE dataset_id = ?').run(other.datasetId);
			same();

			// Nothing changed: the remembered figures are answered without counting. Shown by
			// changing a number behind the triggers' back (dropped for the check): the remembered
			// answer stays, a fresh connection sees the change.
			const before = datasetStatistics(datasetId, {}, db);
			db.$client.exec('DROP TRIGGER tasks_statistics_revision');
			db.$client.prepare('UPDATE tasks SET instruction_words = 99 WHERE dataset_id = ?').run(datasetId);
			expect(datasetStatistics(datasetId, {}, db)).toEqual(before);
			expect(datasetStatistics(datasetId, {}, openFresh()).avgInstructionWords).toBe(99);
		} finally {
			for (const o of opened) o.$client.close();
		}
	});

	it('the datasets list counts tasks, instances and responses as a fresh count does, after every kind of addition', async () => {
		const opened: Db[] = [];
		const same = () => {
			const remembered = listDatasets(db);
			opened.push(openDatabase(file));
			expect(remembered).toEqual(listDatasets(opened.at(-1)!));
			return Object.fromEntries(remembered.map((d) => [d.name, { tasks: d.tasks, instances: d.instances, responses: d.responses, models: d.models }]));
		};
		try {
			await importFile(streamOf(jsonl(rows(0, 6))), { datasetName: 'a', fileName: 'a.jsonl' }, db);
			expect(same()).toEqual({ a: { tasks: 6, instances: 6, responses: 0, models: 0 } });
			await importFile(streamOf(jsonl(rows(0, 2))), { datasetName: 'b', fileName: 'b.jsonl' }, db);
			// New instances of tasks the dataset has, and new tasks.
			await importFile(streamOf(jsonl([...rows(0, 3).map((r) => ({ ...r, input: `another ${r.input}` })), ...rows(6, 8)])), { datasetName: 'a', fileName: 'c.jsonl' }, db);
			expect(same()).toMatchObject({ a: { tasks: 8, instances: 11 }, b: { tasks: 2, instances: 2 } });
			// Responses of two models to one dataset.
			for (const model of ['m1', 'm2']) {
				await importFile(
					streamOf(jsonl(rows(0, 2).map((r) => ({ prompt: 'x', instruction: r.instruction, input: r.input, response: `${model} says`, target: r.output })))),
					{ datasetName: 'b', fileName: `${model}.jsonl`, format: 'predictions', modelName: model },
					db
				);
			}
			expect(same()).toMatchObject({ a: { responses: 0, models: 0 }, b: { responses: 4, models: 2 } });
			// A write rolled back leaves the counts as they were.
			const b = listDatasets(db).find((d) => d.name === 'b')!;
			let inside = -1;
			expect(() =>
				db.$client.transaction(() => {
					db.$client.prepare('DELETE FROM instances WHERE id = (SELECT max(id) FROM instances WHERE dataset_id = ?)').run(b.id);
					inside = listDatasets(db).find((d) => d.name === 'b')!.instances;
					throw new Error('roll back');
				})()
			).toThrow('roll back');
			expect(inside).toBe(1);
			expect(same()).toMatchObject({ a: { instances: 11 }, b: { instances: 2 } });
		} finally {
			for (const o of opened) o.$client.close();
		}
	});
});
