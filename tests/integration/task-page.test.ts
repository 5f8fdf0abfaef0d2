/** A task's page: its instances a page at a time, and filter verdicts in the words the list and the funnel use. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { getTaskDetail, INSTANCES_PER_PAGE, listTasks, taskPageView } from '../../src/lib/server/datasets/browse';
import type { Db } from '../../src/lib/server/db';

let db: Db;
let cleanup: () => void;
beforeEach(() => ({ db, cleanup } = createTestDb()));
afterEach(() => cleanup());

async function taskWith(instances: number) {
	const rows = Array.from({ length: instances }, (_, i) => ({ instruction: 'Add one.', input: `${i}`, output: `${i + 1}` }));
	const { datasetId } = await importFile(streamOf(jsonl(rows)), { datasetName: 'many', fileName: 'many.jsonl' }, db);
	const taskId = listTasks(datasetId, {}, db).rows[0].id;
	const ids = (db.$client.prepare('SELECT id FROM instances WHERE task_id = ? ORDER BY id').pluck().all(taskId) as number[]);
	return { datasetId, taskId, ids };
}

describe('a task of many instances', () => {
	it('shows them INSTANCES_PER_PAGE at a time, in order, and says how many in all', async () => {
		const { datasetId, taskId, ids } = await taskWith(250);
		expect(INSTANCES_PER_PAGE).toBe(100);
		const first = taskPageView(getTaskDetail(datasetId, taskId, db, {})!);
		expect(first.instancePage).toEqual({ page: 1, pages: 3, total: 250, pageSize: 100 });
		expect(first.instances.map((i) => i.id)).toEqual(ids.slice(0, 100));
		const last = getTaskDetail(datasetId, taskId, db, { page: 3 })!;
		expect(last.instances.map((i) => i.id)).toEqual(ids.slice(200));
		// A page past the end is the last page.
		expect(getTaskDetail(datasetId, taskId, db, { page: 99 })!.instancePage.page).toBe(3);
	});

	it('a link to one instance opens the page holding it; a page asked for wins; another task\'s instance is ignored', async () => {
		const { datasetId, taskId, ids } = await taskWith(250);
		for (const [k, page] of [[0, 1], [99, 1], [100, 2], [249, 3]] as const) {
			const detail = getTaskDetail(datasetId, taskId, db, { instanceId: ids[k] })!;
			expect(detail.instancePage.page).toBe(page);
			expect(detail.instances.map((i) => i.id)).toContain(ids[k]);
		}
		expect(getTaskDetail(datasetId, taskId, db, { instanceId: ids[249], page: 1 })!.instancePage.page).toBe(1);
		expect(getTaskDetail(datasetId, taskId, db, { instanceId: 987654 })!.instancePage.page).toBe(1);
	});

	it('unpaged (the CLI and exports), every instance as before', async () => {
		const { datasetId, taskId } = await taskWith(150);
		const detail = getTaskDetail(datasetId, taskId, db)!;
		expect(detail.instances).toHaveLength(150);
		expect(detail.instancePage).toMatchObject({ page: 1, pages: 1, total: 150 });
	});
});

describe('filter verdicts on a task page', () => {
	it('name the rule in words, once, as the list does', async () => {
		const { datasetId } = await importFile(
			streamOf(jsonl([{ instruction: 'Summarise the text.', input: 'a', output: 'b' }, { instruction: 'Summarize the text.', input: 'c', output: 'd' }])),
			{ datasetName: 'verdicts', fileName: 'v.jsonl' },
			db
		);
		const [kept, rejected] = listTasks(datasetId, {}, db).rows;
		db.$client.prepare("UPDATE tasks SET filter_status = 'kept' WHERE id = ?").run(kept.id);
		db.$client.prepare(`UPDATE tasks SET filter_status = 'rejected', filter_rule = 'rougeL', filter_detail = 'rougeL 0.93 vs "Summarise the text."' WHERE id = ?`).run(rejected.id);
		db.$client.prepare("UPDATE instances SET filter_status = 'rejected', filter_rule = 'taskRejected' WHERE task_id = ?").run(rejected.id);
		const view = taskPageView(getTaskDetail(datasetId, rejected.id, db, {})!);
		expect(view.task).toMatchObject({ filterRule: 'rougeL', filterRuleLabel: 'Too similar to the pool (ROUGE-L)', filterDetail: { text: '0.93 vs "Summarise the text."' } });
		expect(view.instances[0]).toMatchObject({ filterRule: 'taskRejected', filterRuleLabel: 'Its instruction was rejected' });
		expect(listTasks(datasetId, { filter: 'rejected' }, db).rows[0].filterRuleLabel).toBe('Too similar to the pool (ROUGE-L)');
		// A generation pipeline's own rule is named from the same map.
		db.$client.prepare("UPDATE instances SET filter_rule = 'maxPerTask' WHERE task_id = ?").run(rejected.id);
		expect(taskPageView(getTaskDetail(datasetId, rejected.id, db, {})!).instances[0].filterRuleLabel).toBe('Over the per-task limit');
		db.$client.prepare("UPDATE tasks SET filter_rule = 'callFailed', filter_detail = 'timeout' WHERE id = ?").run(rejected.id);
		expect(taskPageView(getTaskDetail(datasetId, rejected.id, db, {})!).task).toMatchObject({ filterRuleLabel: 'A call about it failed', filterDetail: { text: 'timeout' } });
	});
});
