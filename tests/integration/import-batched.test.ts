import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, snapshotDb, streamOf } from '../support/db';
import { importFile, ImportError } from '../../src/lib/server/datasets/import';
import { createDataset, datasetsReceivingImports, findDatasetByName, getDataset, listDatasets, receivingImport } from '../../src/lib/server/datasets/datasets';
import { compactSearchIndex, removeLeftoverImports } from '../../src/lib/server/datasets/importing';
import { deleteDataset } from '../../src/lib/server/archive/archive';
import { listTasks } from '../../src/lib/server/datasets/browse';
import { comparisonRows } from './shape-fixtures';
import { analysisChoices } from '../../src/lib/server/analyses/choices';
import { lockHoldStats, resetLockHolds, type Db } from '../../src/lib/server/db';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
	resetLockHolds();
});
afterEach(() => cleanup());

const rows = Array.from({ length: 50 }, (_, i) => ({ instruction: `Task number ${i % 20}.`, input: `input ${i}`, output: `output ${i}` }));

function count(table: string): number {
	return db.$client.prepare(`SELECT count(*) FROM "${table}"`).pluck().get() as number;
}

describe('batched import into a new dataset', () => {
	it('commits in batches into an importing dataset that nothing sees until the last commit', async () => {
		const seen: { instances: number; visible: boolean; listed: number; analyses: number; status: string }[] = [];
		const summary = await importFile(
			streamOf(jsonl(rows), 64),
			{
				datasetName: 'big',
				fileName: 'big.jsonl',
				batchRows: 7,
				onProgress: (p) => {
					if (p.phase !== 'writing') return;
					const row = db.$client.prepare('SELECT id, status FROM datasets').get() as { id: number; status: string } | undefined;
					seen.push({
						instances: count('instances'),
						visible: !!findDatasetByName('big', db) || (row ? !!getDataset(row.id, db) : false),
						listed: listDatasets(db).length,
						analyses: analysisChoices(db).datasets.length,
						status: row?.status ?? 'none'
					});
				}
			},
			db
		);
		expect(summary).toMatchObject({ datasetCreated: true, tasksAdded: 20, instancesAdded: 50, datasetName: 'big' });
		// Rows were committed between batches, while the dataset stayed invisible.
		const during = seen.filter((s) => s.instances > 0 && s.instances < 50);
		expect(during.length).toBeGreaterThan(2);
		for (const s of seen.filter((x) => x.status !== 'none')) {
			expect(s).toMatchObject({ visible: false, listed: 0, analyses: 0, status: 'importing' });
		}
		const dataset = findDatasetByName('big', db)!;
		expect(dataset).toMatchObject({ status: 'ready', importOwner: null, importHeartbeatAt: null });
		expect(listDatasets(db).map((d) => [d.name, d.tasks, d.instances])).toEqual([['big', 20, 50]]);
		// Counters and search rows are right across batches (a task's instances span several).
		expect(db.$client.prepare('SELECT sum(instance_count) FROM tasks').pluck().get()).toBe(50);
		const task0 = db.$client.prepare(`SELECT id FROM tasks WHERE instruction = 'Task number 0.'`).pluck().get();
		expect(db.$client.prepare('SELECT count(*) FROM task_search').pluck().get()).toBe(20);
		expect(db.$client.prepare(`SELECT rowid FROM task_search WHERE task_search MATCH '40'`).pluck().all()).toEqual([task0]);
		const holds = lockHoldStats().import;
		expect(holds.transactions).toBeGreaterThanOrEqual(Math.ceil(50 / 7) + 2);
	});

	it('removes the rows it wrote when it fails part-way', async () => {
		const before = snapshotDb(db);
		let batches = 0;
		const error = await importFile(
			streamOf(jsonl(rows), 64),
			{
				datasetName: 'broken',
				fileName: 'broken.jsonl',
				batchRows: 5,
				onProgress: (p) => {
					if (p.phase === 'writing' && ++batches === 4) throw new Error('disk on fire');
				}
			},
			db
		).catch((e: unknown) => e);
		expect((error as Error).message).toBe('disk on fire');
		expect(snapshotDb(db)).toBe(before);
		expect(count('datasets') + count('tasks') + count('instances') + count('imports') + count('task_search')).toBe(0);
	});

	it('writes while it reads, and a bad record late in the file removes the batches written before it', async () => {
		const before = snapshotDb(db);
		const bad = jsonl(rows) + '{"instruction": "Late.", "input": "", "output": 7}\n';
		let instancesSeen = 0;
		const error = await importFile(
			streamOf(bad, 64),
			{
				datasetName: 'late',
				fileName: 'late.jsonl',
				batchRows: 5,
				onProgress: (p) => {
					if (p.phase === 'writing') instancesSeen = Math.max(instancesSeen, count('instances'));
				}
			},
			db
		).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ImportError);
		expect((error as Error).message).toMatch(/late\.jsonl.*line 51.*output/);
		// Batches were committed before the parser reached line 51 …
		expect(instancesSeen).toBeGreaterThan(20);
		// … and nothing of them is left.
		expect(snapshotDb(db)).toBe(before);
		expect(findDatasetByName('late', db)).toBeUndefined();
	});

	it('records the whole file in the import row though it wrote while reading', async () => {
		const text = jsonl(rows);
		const summary = await importFile(streamOf(text, 64), { datasetName: 'totals', fileName: 'totals.jsonl', batchRows: 4 }, db);
		const bytes = new TextEncoder().encode(text).length;
		expect(summary).toMatchObject({ bytes, records: 50 });
		expect(db.$client.prepare('SELECT bytes, records FROM imports WHERE id = ?').get(summary.importId)).toEqual({ bytes, records: 50 });
	});

	it('writes the turns of conversations spread over batches, each in its place', async () => {
		const conversations = Array.from({ length: 30 }, (_, i) => ({
			id: `c${i}`,
			conversations: Array.from({ length: 2 + (i % 5) * 2 }, (_, t) => ({ from: t % 2 ? 'gpt' : 'human', value: `conversation ${i} turn ${t}` }))
		}));
		const summary = await importFile(streamOf(jsonl(conversations), 100), { datasetName: 'chats', fileName: 'chats.jsonl', batchRows: 9 }, db);
		const turns = conversations.reduce((n, c) => n + c.conversations.length, 0);
		expect(summary).toMatchObject({ conversationsAdded: 30, turnsAdded: turns });
		expect(lockHoldStats().import.transactions).toBeGreaterThan(5);
		const stored = db.$client
			.prepare('SELECT c.source_id AS id, t.position, t.content FROM conversation_turns t JOIN conversations c ON c.id = t.conversation_id ORDER BY c.id, t.position')
			.all() as { id: string; position: number; content: string }[];
		expect(stored).toEqual(conversations.flatMap((c, i) => c.conversations.map((t, position) => ({ id: `c${i}`, position, content: t.value }))));
	});

});

describe('batched import into an existing dataset', () => {
	/** What people see of a dataset: its rows, counters, search rows and import history. */
	function visibleState(name: string) {
		const c = db.$client;
		const id = (c.prepare('SELECT id FROM datasets WHERE name = ?').pluck().get(name) as number) ?? -1;
		return {
			tasks: c.prepare('SELECT id, instruction, instance_count, empty_input_count, is_classification FROM tasks WHERE dataset_id = ? ORDER BY id').all(id),
			instances: c.prepare('SELECT id, task_id, input, output FROM instances WHERE dataset_id = ? ORDER BY id').all(id),
			// The index is contentless: what it holds shows in what words find.
			search: ['more', 'input', 'output', 'task', 'brand'].map((word) => c.prepare('SELECT rowid FROM task_search WHERE task_search MATCH ? ORDER BY rowid').pluck().all(word)),
			imports: c.prepare('SELECT id, file_name FROM imports WHERE dataset_id = ? ORDER BY id').all(id),
			dataset: c.prepare('SELECT name, status, import_owner, append_state FROM datasets WHERE id = ?').get(id),
			listed: listDatasets(db).map((d) => [d.name, d.tasks, d.instances])
		};
	}

	it('writes in batches while the dataset is closed, and opens it with every row', async () => {
		await importFile(streamOf(jsonl(rows.slice(0, 10))), { datasetName: 'grow', fileName: 'a.jsonl' }, db);
		const id = findDatasetByName('grow', db)!.id;
		const seen: { instances: number; found: boolean; listed: number; status: string; why?: string; again?: string; create?: string }[] = [];
		const attempts: Promise<unknown>[] = [];
		resetLockHolds();
		const summary = await importFile(
			streamOf(jsonl(rows)),
			{
				datasetName: 'grow',
				fileName: 'b.jsonl',
				batchRows: 3,
				onProgress: (p) => {
					if (p.phase !== 'writing') return;
					const status = db.$client.prepare('SELECT status FROM datasets WHERE id = ?').pluck().get(id) as string;
					let create: string | undefined;
					try {
						createDataset({ name: 'grow' }, db);
					} catch (err) {
						create = (err as Error).message;
					}
					seen.push({ instances: count('instances'), found: !!getDataset(id, db) || !!findDatasetByName('grow', db), listed: listDatasets(db).length, status, why: receivingImport({ id }, db), create });
					if (status === 'appending' && attempts.length === 0) {
						attempts.push(importFile(streamOf(jsonl(rows.slice(0, 2))), { datasetName: 'grow', fileName: 'c.jsonl' }, db).catch((e: unknown) => e));
					}
				}
			},
			db
		);
		expect(summary).toMatchObject({ datasetCreated: false, instancesAdded: 40, skippedDuplicates: 10 });
		const during = seen.filter((s) => s.status === 'appending');
		// Rows were committed between batches (10 before, 50 after) while nobody could open the dataset.
		expect(during.filter((s) => s.instances > 10 && s.instances < 50).length).toBeGreaterThan(2);
		for (const s of during) {
			expect(s).toMatchObject({ found: false, listed: 0, why: 'Dataset "grow" is receiving an import (b.jsonl); it opens again when the import finishes.' });
			expect(s.create).toBe(s.why);
		}
		expect(datasetsReceivingImports(db)).toEqual([]);
		const second = await attempts[0];
		expect(second).toBeInstanceOf(ImportError);
		expect((second as Error).message).toBe('c.jsonl: Dataset "grow" is receiving an import (b.jsonl); it opens again when the import finishes.');
		expect(lockHoldStats().import.transactions).toBeGreaterThan(10);
		// Open again, with every row counted, each older task's counters and search row right.
		const after = visibleState('grow');
		expect(after.dataset).toEqual({ name: 'grow', status: 'ready', import_owner: null, append_state: null });
		expect(after.listed).toEqual([['grow', 20, 50]]);
		expect(db.$client.prepare('SELECT sum(instance_count) FROM tasks').pluck().get()).toBe(50);
		const task0 = db.$client.prepare(`SELECT id FROM tasks WHERE instruction = 'Task number 0.'`).pluck().get();
		expect(db.$client.prepare(`SELECT rowid FROM task_search WHERE task_search MATCH '40'`).pluck().all()).toEqual([task0]);
	});

	it('two files added to one dataset at once: the second is refused, saying which file the dataset is receiving', async () => {
		await importFile(streamOf(jsonl(rows.slice(0, 10))), { datasetName: 'grow', fileName: 'a.jsonl' }, db);
		const more = (tag: string) => jsonl(rows.map((r, i) => ({ ...r, input: `${tag} ${i}` })));
		const [b, c] = await Promise.all(
			['b', 'c'].map((tag) => importFile(streamOf(more(tag), 256), { datasetName: 'grow', fileName: `${tag}.jsonl`, batchRows: 3 }, db).catch((e: unknown) => e))
		);
		const outcomes = [b, c].map((r) => (r instanceof Error ? r.message : 'imported'));
		expect(outcomes.filter((o) => o === 'imported')).toHaveLength(1);
		const winner = outcomes.indexOf('imported') === 0 ? 'b' : 'c';
		const loser = winner === 'b' ? 'c' : 'b';
		expect(outcomes).toContain(`${loser}.jsonl: Dataset "grow" is receiving an import (${winner}.jsonl); it opens again when the import finishes.`);
		expect(listDatasets(db).map((d) => [d.name, d.tasks, d.instances])).toEqual([['grow', 20, 60]]);
		expect(db.$client.prepare('SELECT file_name FROM imports ORDER BY id').pluck().all()).toEqual(['a.jsonl', `${winner}.jsonl`]);
	});

	it('keeps every character of a file read back from staging, also one cut by a chunk of the staging file', async () => {
		// Records of mostly three-byte characters: with the first record padded by 0, 1 and 2
		// characters, one of the three staging files has its 1 MiB chunk end inside a character.
		for (const pad of [0, 1, 2]) {
			const name = `euro ${pad}`;
			await importFile(streamOf(jsonl([{ instruction: 'Seed.', input: '', output: '' }])), { datasetName: name, fileName: 'seed.jsonl' }, db);
			const added = Array.from({ length: 45 }, (_, i) => ({ instruction: `Price list ${i}.`, input: `${'x'.repeat(i === 0 ? pad : 0)}${'€'.repeat(10_000)} ${i}`, output: `ü ${i}` }));
			await importFile(streamOf(jsonl(added), 1 << 16), { datasetName: name, fileName: 'prices.jsonl' }, db);
			const id = findDatasetByName(name, db)!.id;
			const stored = db.$client.prepare(`SELECT input, output FROM instances WHERE dataset_id = ? AND input != '' ORDER BY id`).all(id);
			expect(stored).toEqual(added.map(({ input, output }) => ({ input, output })));
		}
		expect(db.$client.prepare(`SELECT count(*) FROM instances WHERE instr(input, char(65533)) OR instr(output, char(65533))`).pluck().get()).toBe(0);
	});

	it('takes its rows back when it fails part-way: the dataset is as it was', async () => {
		// Classification task files join older tasks, add instances to them and set what was unknown.
		await importFile(streamOf(jsonl(rows.slice(0, 30))), { datasetName: 'grow', fileName: 'a.jsonl' }, db);
		const before = visibleState('grow');
		// Counted and remembered before the failed import.
		expect(before.listed).toEqual([['grow', 20, 30]]);
		let batches = 0;
		let midway: ReturnType<typeof visibleState> | undefined;
		const more = rows.map((r, i) => ({ ...r, input: `more ${i}` }));
		const error = await importFile(
			streamOf(jsonl([...more, { instruction: 'A brand new task.', input: 'x', output: 'y' }])),
			{
				datasetName: 'grow',
				fileName: 'b.jsonl',
				batchRows: 4,
				onProgress: (p) => {
					if (p.phase !== 'writing' || ++batches !== 8) return;
					midway = visibleState('grow');
					throw new Error('disk on fire');
				}
			},
			db
		).catch((e: unknown) => e);
		expect((error as Error).message).toBe('disk on fire');
		// It had written rows into the older tasks (counters and search rows) …
		expect(midway!.dataset).toMatchObject({ status: 'appending' });
		expect(midway!.instances.length).toBeGreaterThan(40);
		expect(midway!.search).not.toEqual(before.search);
		// … and none of it is left: same rows, counters, search rows, imports, and counts shown.
		expect(visibleState('grow')).toEqual(before);
		expect(db.$client.pragma('foreign_key_check')).toEqual([]);
		expect(db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
	});

	it('leaves what it learned about older tasks for its last commit', async () => {
		const tasks = (classification: boolean | undefined, suffix: string) =>
			jsonl(
				Array.from({ length: 6 }, (_, i) => ({
					id: `seed_task_${i}`,
					name: `t${i}`,
					instruction: `Instruction ${i}.`,
					is_classification: classification,
					instances: [{ input: `in ${i} ${suffix}`, output: `out ${i}` }]
				}))
			);
		await importFile(streamOf(tasks(undefined, 'a')), { datasetName: 'seeds', fileName: 'a.jsonl' }, db);
		const unknown = () => db.$client.prepare('SELECT count(*) FROM tasks WHERE is_classification IS NULL').pluck().get();
		expect(unknown()).toBe(6);
		const during: unknown[] = [];
		const error = await importFile(
			streamOf(tasks(true, 'b')),
			{
				datasetName: 'seeds',
				fileName: 'b.jsonl',
				batchRows: 2,
				onProgress: (p) => {
					if (p.phase !== 'writing' || p.records < 4) return;
					during.push(unknown());
					throw new Error('stopped');
				}
			},
			db
		).catch((e: unknown) => e);
		expect((error as Error).message).toBe('stopped');
		expect(during).toEqual([6]);
		expect(unknown()).toBe(6);
		await importFile(streamOf(tasks(true, 'b')), { datasetName: 'seeds', fileName: 'b.jsonl', batchRows: 2 }, db);
		expect(unknown()).toBe(0);
	});
	it('closes its staging file once: descriptors opened meanwhile stay open and their own', async () => {
		await importFile(streamOf(jsonl(rows.slice(0, 10))), { datasetName: 'grow', fileName: 'a.jsonl' }, db);
		// Once the staging file is closed (the writing phase), its descriptor number is free and the
		// next open in the process takes it — here one of these. A second close of the staging
		// number would close that file: in the app, SQLite's database or log, or a worker's read.
		const marker = path.join(os.tmpdir(), `ia-marker-${process.pid}-${Date.now()}`);
		fs.writeFileSync(marker, 'marker');
		const markers: number[] = [];
		try {
			await importFile(
				streamOf(jsonl(rows)),
				{
					datasetName: 'grow',
					fileName: 'b.jsonl',
					batchRows: 7,
					onProgress: (p) => {
						if (p.phase === 'writing' && !markers.length) for (let i = 0; i < 64; i++) markers.push(fs.openSync(marker, 'r'));
					}
				},
				db
			);
			expect(markers).toHaveLength(64);
			const ino = fs.statSync(marker).ino;
			const lost = markers.filter((fd) => {
				try {
					return fs.fstatSync(fd).ino !== ino;
				} catch {
					return true;
				}
			});
			expect(lost, `descriptors closed under the test: ${lost.join(', ')}`).toEqual([]);
			expect(count('instances')).toBe(rows.length); // the first ten were there already
		} finally {
			for (const fd of markers) {
				try {
					fs.closeSync(fd);
				} catch {
					// the failure above
				}
			}
			fs.rmSync(marker, { force: true });
		}
	});
});

describe('leftover imports', () => {
	function leftover(name: string, owner: string, heartbeat = Date.now()): number {
		const c = db.$client;
		const id = Number(
			c
				.prepare(`INSERT INTO datasets (name, created_at, status, import_owner, import_heartbeat_at) VALUES (?, ?, 'importing', ?, ?)`)
				.run(name, Date.now(), owner, heartbeat).lastInsertRowid
		);
		const importId = Number(c.prepare(`INSERT INTO imports (dataset_id, file_name, format, created_at) VALUES (?, 'x.jsonl', 'instances', ?)`).run(id, Date.now()).lastInsertRowid);
		for (let t = 0; t < 3; t++) {
			const taskId = Number(
				c
					.prepare(`INSERT INTO tasks (dataset_id, instruction, instruction_key, origin, import_id, created_at) VALUES (?, ?, ?, 'imported', ?, ?)`)
					.run(id, `t${t}`, `t${t}`, importId, Date.now()).lastInsertRowid
			);
			c.prepare(`INSERT INTO task_search (rowid, instruction, inputs, outputs) VALUES (?, ?, '', '')`).run(taskId, `t${t}`);
			for (let i = 0; i < 4; i++) c.prepare(`INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, ?, '', ?)`).run(taskId, id, `i${i}`, Date.now());
		}
		return id;
	}

	it('start-up removes datasets whose importing process is gone, and leaves a live one alone', async () => {
		await importFile(streamOf(jsonl(rows.slice(0, 5))), { datasetName: 'kept', fileName: 'k.jsonl' }, db);
		const keptSnapshot = () => db.$client.prepare(`SELECT count(*) FROM instances WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'kept')`).pluck().get();
		// pid 2^22+1 is above Linux's pid_max: no such process.
		const dead = leftover('\u0000importing:dead', `${os.hostname()}:${2 ** 22 + 1}`);
		const stale = leftover('\u0000importing:stale', `elsewhere:1`, Date.now() - 60 * 60_000);
		const live = leftover('\u0000importing:live', `${os.hostname()}:${process.pid}`);
		const otherHost = leftover('\u0000importing:other', `elsewhere:1`);
		const result = await removeLeftoverImports(db);
		expect(result).toEqual({ datasets: 2, appends: 0, rows: 2 * (1 + 3 + 12) });
		const left = db.$client.prepare('SELECT id FROM datasets ORDER BY id').pluck().all();
		expect(left).not.toContain(dead);
		expect(left).not.toContain(stale);
		expect(left).toEqual(expect.arrayContaining([live, otherHost]));
		expect(keptSnapshot()).toBe(5);
		expect(count('instances')).toBe(5 + 24);
		expect(count('task_search')).toBe(count('tasks'));
		expect(db.$client.pragma('foreign_key_check')).toEqual([]);
		expect(db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
	});
});

describe('the search index when a dataset is deleted', () => {
	const words = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ instruction: `${prefix} task ${i} about ${prefix}topic${i % 7}.`, input: `${prefix} input ${i}`, output: `${prefix} output ${i}` }));
	const indexBytes = () => db.$client.prepare('SELECT coalesce(sum(length(block)), 0) FROM task_search_data').pluck().get() as number;

	it('never rewrites a segment inside a delete: deleted rows wait for a merge (deletemerge is off)', () => {
		expect(db.$client.prepare(`SELECT v FROM task_search_config WHERE k = 'deletemerge'`).pluck().get()).toBe(0);
	});

	it('compacts the index in bounded steps after a big removal, and searches stay right', async () => {
		await importFile(streamOf(jsonl(words('keep', 60))), { datasetName: 'keep', fileName: 'k.jsonl', batchRows: 10 }, db);
		await importFile(streamOf(jsonl(words('drop', 200))), { datasetName: 'drop', fileName: 'd.jsonl', batchRows: 10 }, db);
		const drop = findDatasetByName('drop', db)!;
		const keep = findDatasetByName('keep', db)!;
		// One segment holding both datasets: deleting one leaves it with deleted rows to drop.
		await compactSearchIndex(db);
		const full = indexBytes();
		resetLockHolds();
		await deleteDataset(drop.id, db).removal;
		// The removal compacted the index: it shrank below its size with both datasets (without
		// the compaction the segment would still hold every row, plus the deletions' tombstones).
		expect(lockHoldStats()['delete dataset'].transactions).toBeGreaterThan(2);
		expect(indexBytes()).toBeLessThan(full / 2);
		expect(await compactSearchIndex(db)).toBe(1); // nothing left to merge
		expect(listTasks(keep.id, { q: 'keeptopic3' }, db).total).toBe(9);
		expect(db.$client.prepare(`SELECT count(*) FROM task_search WHERE task_search MATCH 'drop'`).pluck().get()).toBe(0);
		expect(count('task_search')).toBe(60);
	});

	it('compaction drops deleted rows the segments still hold', async () => {
		await importFile(streamOf(jsonl(words('keep', 50))), { datasetName: 'keep', fileName: 'k.jsonl', batchRows: 5 }, db);
		const keep = findDatasetByName('keep', db)!;
		db.$client.prepare('DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE dataset_id = ? AND id % 2 = 0)').run(keep.id);
		const withTombstones = indexBytes();
		expect(await compactSearchIndex(db)).toBeGreaterThan(1);
		expect(indexBytes()).toBeLessThan(withTombstones);
		expect(listTasks(keep.id, { q: 'keep' }, db).total).toBe(25);
	});
});

describe('judge labels when a dataset is deleted', () => {
	it('go with the rows they judge (instances, responses, pairs), in the short transactions', async () => {
		const summary = await importFile(streamOf(JSON.stringify(comparisonRows)), { datasetName: 'pairs', fileName: 'comparision_data.json' }, db);
		await importFile(streamOf(jsonl(rows.slice(0, 3))), { datasetName: 'other', fileName: 'o.jsonl' }, db);
		const c = db.$client;
		const runId = Number(
			c
				.prepare(
					`INSERT INTO generation_runs (pipeline, name, status, dataset_id, endpoint_source, endpoint, model, target, params, seeds, progress, created_at, updated_at)
					 VALUES ('judge', 'judge', 'completed', ?, 'env', '{}', 'm', 10, '{}', '[]', '{}', 1, 1)`
				)
				.run(summary.datasetId).lastInsertRowid
		);
		const label = c.prepare(
			`INSERT INTO judge_labels (run_id, instance_id, response_id, pair_id, status, attempts, model, template_fingerprint, created_at) VALUES (?, ?, ?, ?, 'labelled', 1, 'm', 'f', 1)`
		);
		const ids = (sql: string, id: number) => c.prepare(sql).pluck().all(id) as number[];
		for (const id of ids('SELECT id FROM instances WHERE dataset_id = ?', summary.datasetId)) label.run(runId, id, null, null);
		for (const id of ids('SELECT id FROM responses WHERE dataset_id = ?', summary.datasetId)) label.run(runId, null, id, null);
		for (const id of ids('SELECT id FROM preference_pairs WHERE dataset_id = ?', summary.datasetId)) label.run(runId, null, null, id);
		const other = findDatasetByName('other', db)!;
		label.run(runId, ids('SELECT id FROM instances WHERE dataset_id = ?', other.id)[0], null, null);
		expect(count('judge_labels')).toBe(2 + 4 + 2 + 1);
		await deleteDataset(summary.datasetId, db).removal;
		// The other dataset's label stays; nothing points at a deleted row.
		expect(count('judge_labels')).toBe(1);
		expect(c.pragma('foreign_key_check')).toEqual([]);
		expect(c.prepare('SELECT dataset_id FROM generation_runs WHERE id = ?').pluck().get(runId)).toBeNull();
	});
});

describe('the search index when the last dataset is deleted', () => {
	const words = (n: number) => Array.from({ length: n }, (_, i) => ({ instruction: `Only task ${i} about topic${i % 7} and more words.`, input: `input ${i} with words`, output: `output ${i} with more words` }));
	it('is emptied in one step', async () => {
		await importFile(streamOf(jsonl(words(60))), { datasetName: 'only', fileName: 'o.jsonl', batchRows: 5 }, db);
		expect(db.$client.prepare('SELECT coalesce(sum(length(block)), 0) FROM task_search_data').pluck().get()).toBeGreaterThan(1000);
		await deleteDataset(findDatasetByName('only', db)!.id, db).removal;
		expect(db.$client.prepare('SELECT coalesce(sum(length(block)), 0) FROM task_search_data').pluck().get()).toBeLessThan(100);
		expect(count('task_search')).toBe(0);
	});
});
