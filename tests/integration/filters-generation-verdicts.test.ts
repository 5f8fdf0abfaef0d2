/**
 * Apply filters on a generated dataset: the generation run's verdicts that are not the filters'
 * to give (a task beyond the run's target) stand, and the funnel counts them on their own line;
 * the verdicts its own filters gave are replaced. A real run: the openai SDK against the scripted server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import type { Db } from '../../src/lib/server/db';
import { applyFilters } from '../../src/lib/server/filters/apply';
import { filterPreset } from '../../src/lib/filters';
import { all, fakeEndpoint, startRun } from './generation-support';

let db: Db;
let cleanup: () => void;
let fake: FakeOpenAI;

beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(async () => {
	await fake?.close();
	cleanup();
});

interface Row {
	id: number;
	s: string;
	r: string | null;
	d: string | null;
}

describe('applying the filters to a generated dataset', () => {
	it('leaves the run’s “beyond its target” rejections standing and counts them in the funnel', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript({}), latencyMs: 2 });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 1 });
		// One reply lists more tasks than the target: the rest are stored as overTarget.
		const target = 4;
		const { run, session } = await startRun(db, { pipeline: 'alpaca', target, endpointId: endpoint.id, datasetName: 'gen' });
		expect((await session.done).status).toBe('completed');
		const tasksOf = () => all<Row>(db, "SELECT id, filter_status AS s, filter_rule AS r, filter_detail AS d FROM tasks WHERE run_id = ? AND origin <> 'seed' ORDER BY id", run.id);
		const instancesOf = () => all<Row>(db, 'SELECT id, filter_status AS s, filter_rule AS r, filter_detail AS d FROM instances WHERE run_id = ? ORDER BY id', run.id);
		const before = tasksOf();
		const over = before.filter((t) => t.r === 'overTarget');
		expect(over.length).toBeGreaterThan(0);
		const instancesBefore = instancesOf();
		const datasetId = all<{ id: number }>(db, 'SELECT dataset_id AS id FROM generation_runs WHERE id = ?', run.id)[0].id;

		const config = filterPreset('alpaca');
		config.instruction.rougeL.enabled = false;
		config.instruction.blacklist.enabled = false;
		const { funnel } = await applyFilters(datasetId, config, null, db);

		const after = tasksOf();
		// The overTarget rows are as the run left them, instances included.
		for (const t of over) expect(after.find((a) => a.id === t.id)).toEqual(t);
		const overIds = new Set(over.map((t) => t.id));
		const instanceTask = new Map(all<{ id: number; taskId: number }>(db, 'SELECT id, task_id AS taskId FROM instances WHERE run_id = ?', run.id).map((i) => [i.id, i.taskId]));
		const instancesAfter = instancesOf();
		for (const i of instancesBefore) if (overIds.has(instanceTask.get(i.id)!)) expect(instancesAfter.find((a) => a.id === i.id)).toEqual(i);
		// The run's own filter verdicts (its blacklist) are the filters' to give again: replaced.
		expect(after.filter((t) => t.r === 'blacklist')).toEqual([]);

		expect(funnel.tasks.total).toBe(before.length);
		expect(funnel.tasks.kept).toBe(after.filter((t) => t.s === 'kept').length);
		expect(funnel.tasks.kept).toBe(before.length - over.length - after.filter((t) => t.s === 'rejected' && t.r !== 'overTarget').length);
		expect(funnel.standing).toEqual([
			expect.objectContaining({ rule: 'overTarget', level: 'task', removed: over.length, label: 'Rejected by the generation run (beyond the run’s target)' })
		]);
	});
});
