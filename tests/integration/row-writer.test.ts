import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { transaction, type Db } from '../../src/lib/server/db';
import { createDataset } from '../../src/lib/server/datasets/datasets';
import { ChunkedInsert, ROWS_PER_INSERT, RowWriter } from '../../src/lib/server/datasets/rows';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

/** Tasks with 0–3 instances each (a few with empty inputs), and a formulation now and then. */
function write(writer: RowWriter, datasetId: number, tasks: number, from = 0): number[] {
	const ids: number[] = [];
	for (let t = from; t < from + tasks; t++) {
		const taskId = writer.insertTask({ datasetId, instruction: `Task  ${t}: say something`, origin: 'imported' }, 1000);
		ids.push(taskId);
		for (let i = 0; i < t % 4; i++) {
			const instanceId = writer.insertInstance({ taskId, datasetId, input: i === 1 ? '' : `input ${t}.${i} zebra${t}`, output: `output ${t}.${i}` }, 1000);
			ids.push(instanceId);
			if ((t + i) % 17 === 0) {
				writer.insertFormulation({ taskId, instanceId, datasetId, instruction: `Reworded ${t}`, input: `input ${t}.${i}`, output: `output ${t}.${i}` }, 1000);
			}
		}
	}
	return ids;
}

function contents(datasetId: number) {
	const c = db.$client;
	return {
		tasks: c
			.prepare('SELECT id, instruction, instruction_key, instruction_words, instance_count, empty_input_count, created_at FROM tasks WHERE dataset_id = ? ORDER BY id')
			.all(datasetId),
		instances: c
			.prepare('SELECT i.id, t.instruction AS task, i.input, i.output, i.input_words, i.output_words FROM instances i JOIN tasks t ON t.id = i.task_id WHERE i.dataset_id = ? ORDER BY i.id')
			.all(datasetId),
		formulations: c.prepare('SELECT task_id, instance_id, instruction FROM formulations WHERE dataset_id = ? ORDER BY id').all(datasetId),
		search: ['say', 'zebra70', 'zebra3', 'output'].map((q) =>
			c.prepare(`SELECT count(*) FROM task_search s JOIN tasks t ON t.id = s.rowid WHERE t.dataset_id = ? AND task_search MATCH ?`).pluck().get(datasetId, q)
		)
	};
}

describe('a batched RowWriter (the import writes many rows per statement)', () => {
	it('writes what a row-at-a-time writer writes, with the ids SQLite would have given, across batches and statements', () => {
		const oneByOne = createDataset({ name: 'one' }, db).id;
		const batched = createDataset({ name: 'batched' }, db).id;
		// 3 × ROWS_PER_INSERT + 5 tasks per transaction: whole statements and a rest, tasks and
		// instances filling at different times.
		const perBatch = 3 * ROWS_PER_INSERT + 5;
		const plain = new RowWriter(db);
		const plainIds: number[] = [];
		for (let b = 0; b < 3; b++) {
			transaction(db, () => {
				plainIds.push(...write(plain, oneByOne, perBatch, b * perBatch));
				plain.flush();
			});
		}
		const a = contents(oneByOne);
		// Some rows deleted at the top: AUTOINCREMENT never hands their ids out again.
		db.$client.prepare('DELETE FROM instances WHERE task_id = (SELECT max(id) FROM tasks)').run();
		db.$client.prepare('DELETE FROM tasks WHERE id = (SELECT max(id) FROM tasks)').run();
		const tasksBefore = db.$client.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck();
		const nextTask = (tasksBefore.get('tasks') as number) + 1;
		const nextInstance = (tasksBefore.get('instances') as number) + 1;
		expect(nextTask).toBeGreaterThan((db.$client.prepare('SELECT max(id) FROM tasks').pluck().get() as number) + 1);
		expect(nextInstance).toBeGreaterThan((db.$client.prepare('SELECT max(id) FROM instances').pluck().get() as number) + 1);

		const writer = new RowWriter(db, { batched: true });
		const batchedIds: number[] = [];
		for (let b = 0; b < 3; b++) {
			transaction(db, () => {
				batchedIds.push(...write(writer, batched, perBatch, b * perBatch));
				writer.flush();
			});
			// Another writer between two batches: the batched writer's next ids follow it.
			transaction(db, () => {
				const other = new RowWriter(db);
				other.insertTask({ datasetId: oneByOne, instruction: `between ${b}`, origin: 'imported' }, 1000);
				other.flush();
			});
		}
		const b = contents(batched);
		const strip = <T extends { id: number }>(rows: T[]) => rows.map(({ id: _id, ...rest }) => rest);
		expect(strip(b.tasks as { id: number }[])).toEqual(strip(a.tasks as { id: number }[]));
		expect(b.instances.length).toBe(batchedIds.length - 3 * perBatch);
		expect(b.formulations.length).toBeGreaterThan(3);
		expect(strip(b.instances as { id: number }[])).toEqual(strip(a.instances as { id: number }[]));
		expect(b.search).toEqual(a.search);
		expect(b.search).toEqual([3 * perBatch, 1, 1, a.tasks.filter((t) => (t as { instance_count: number }).instance_count > 0).length]);
		// Ids: the first after everything ever used, and every id handed out is the row's.
		const taskIds = (b.tasks as { id: number }[]).map((t) => t.id);
		expect(taskIds[0]).toBe(nextTask);
		expect((b.instances as { id: number }[])[0].id).toBe(nextInstance);
		const stored = new Set([...taskIds, ...(b.instances as { id: number }[]).map((i) => i.id)]);
		for (const id of batchedIds) expect(stored.has(id)).toBe(true);
		// Each instance points at the task written for it, and each formulation at its instance.
		const instanceTask = db.$client.prepare('SELECT t.instruction FROM instances i JOIN tasks t ON t.id = i.task_id WHERE i.id = ?').pluck();
		expect(instanceTask.get((b.instances as { id: number }[])[0].id)).toBe('Task  1: say something');
		expect(db.$client.prepare('SELECT count(*) FROM formulations f JOIN instances i ON i.id = f.instance_id AND i.task_id = f.task_id WHERE f.dataset_id = ?').pluck().get(batched)).toBe(
			b.formulations.length
		);
		// The tasks of the rows in between kept their own ids.
		expect(db.$client.prepare(`SELECT count(*) FROM tasks WHERE instruction LIKE 'between %'`).pluck().get()).toBe(3);
	});

	it('holds its rows until writePending or flush', () => {
		const datasetId = createDataset({ name: 'held' }, db).id;
		const writer = new RowWriter(db, { batched: true });
		const count = db.$client.prepare('SELECT count(*) FROM tasks WHERE dataset_id = ?').pluck();
		transaction(db, () => {
			const id = writer.insertTask({ datasetId, instruction: 'one', origin: 'imported' }, 1000);
			expect(count.get(datasetId)).toBe(0);
			writer.writePending();
			expect(count.get(datasetId)).toBe(1);
			expect(db.$client.prepare('SELECT instruction FROM tasks WHERE id = ?').pluck().get(id)).toBe('one');
			for (let t = 0; t < ROWS_PER_INSERT; t++) writer.insertTask({ datasetId, instruction: `t${t}`, origin: 'imported' }, 1000);
			expect(count.get(datasetId)).toBe(1);
			// A whole statement's worth is written when the next task comes (the last one's
			// instances, which follow it, are counted in its row by then).
			const last = writer.insertTask({ datasetId, instruction: 'last', origin: 'imported' }, 1000);
			expect(count.get(datasetId)).toBe(1 + ROWS_PER_INSERT);
			writer.insertInstance({ taskId: last, datasetId, input: '', output: 'x' }, 1000);
			writer.insertInstance({ taskId: last, datasetId, input: 'y', output: 'x' }, 1000);
			writer.flush();
			expect(count.get(datasetId)).toBe(2 + ROWS_PER_INSERT);
			expect(db.$client.prepare('SELECT instance_count, empty_input_count FROM tasks WHERE id = ?').get(last)).toEqual({ instance_count: 2, empty_input_count: 1 });
		});
	});
});

describe('ChunkedInsert leaves out optional columns that are null in every row of a statement', () => {
	it('stores each value in its own column whichever optional columns a statement leaves out', () => {
		const c = db.$client;
		c.exec('CREATE TABLE chunked (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT DEFAULT NULL, d REAL, e TEXT NOT NULL)');
		const columns = ['id', 'a', 'b', 'c', 'd', 'e'];
		const insert = new ChunkedInsert(c, 'chunked', columns, { optional: ['a', 'b', 'c', 'd'], perStatement: 4 });
		// Rows whose optional values are null in some, all or none of a statement's rows: statements
		// of 4 rows (and a rest of 3), each with its own pattern of columns left out.
		const rows: unknown[][] = [];
		for (let i = 1; i <= 23; i++) {
			rows.push([i, i % 3 === 0 ? `a${i}` : null, i % 8 < 4 ? null : i * 10, i === 5 ? 'only five' : null, i > 12 ? i / 4 : null, `e${i}`]);
		}
		for (const row of rows) if (insert.add(row)) insert.write();
		insert.write();
		// One row now, and one of its optional values set.
		insert.run([24, null, null, null, null, 'e24']);
		insert.run([25, null, 7, null, null, 'e25']);
		rows.push([24, null, null, null, null, 'e24'], [25, null, 7, null, null, 'e25']);
		const stored = c.prepare('SELECT id, a, b, c, d, e FROM chunked ORDER BY id').raw().all();
		expect(stored).toEqual(rows);
	});

	it('refuses an optional column that is not one of its columns', () => {
		expect(() => new ChunkedInsert(db.$client, 'tasks', ['id', 'name'], { optional: ['nam'] })).toThrow(/nam is not a column/);
	});
});
