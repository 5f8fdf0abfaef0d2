/**
 * The similarity record of generated instructions, end to end: an Alpaca run through the real
 * openai SDK against the scripted server stores, for every candidate (kept or rejected), its 10
 * most similar pool instructions with their exact ROUGE-L, the mean similarity to the pool and the
 * highest one (`filter_rouge_l`) — each recomputed here pair by pair against the pool as it stood
 * (seeds plus the tasks kept before it). Then the filter report's ROUGE-L threshold sweep works on
 * the run's dataset: an audit stratified by verdict, labels known per task, and the sweep's counts
 * and correctness per threshold match values recomputed in the test. The run's candidates export
 * (`generate --export-candidates`) writes the same records with the texts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import type { Db } from '../../src/lib/server/db';
import { DEFAULT_SEED_TASKS } from '../../src/lib/prompts';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { auditFilterReport } from '../../src/lib/server/reports';
import { SWEEP_THRESHOLDS } from '../../src/lib/reports';
import { runCandidateLines, type CandidateLine } from '../../src/lib/server/runs/generation/candidates';
import { getTaskDetail, taskPageView } from '../../src/lib/server/datasets/browse';
import { all, fakeEndpoint, progressOf, startRun } from './generation-support';
import { checkSimilarityRecords, type TaskRow } from './similarity-check';
import { makeUsers } from './audit-fixtures';
import { stratified } from '../support/expected-intervals';

let db: Db;
let cleanup: () => void;
let fake: FakeOpenAI;

beforeAll(() => {
	({ db, cleanup } = createTestDb());
});
afterAll(async () => {
	await fake?.close();
	cleanup();
});

/** A reviewer's verdict, known per task. */
const validOf = (taskId: number) => taskId % 3 !== 0;

describe('similarity record of a generation run', () => {
	let runId: number;
	let datasetId: number;
	/** Task id → its highest ROUGE-L to the pool, recomputed pair by pair. */
	const recomputed = new Map<number, number>();
	const stratumOf = new Map<number, string>();

	it('stores every candidate’s 10 most similar pool instructions, the mean and the highest similarity, exactly', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript({ truncateOneIn: 7 }), latencyMs: 2 });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'alpaca', target: 70, endpointId: endpoint.id, datasetName: 'alpaca similarity' });
		expect(await session.done).toEqual({ status: 'completed', message: 'Completed: 70 tasks kept (target 70).' });
		runId = run.id;
		datasetId = run.datasetId!;
		expect(progressOf(db, run.id).accepted).toBe(70);

		const { rules, tasks } = checkSimilarityRecords(db, run.id, (t, max) => {
			recomputed.set(t.id, max);
			stratumOf.set(t.id, t.filter_status === 'kept' ? 'kept' : `rejected:${t.filter_rule}`);
		});
		// Kept and rejected ones (by ROUGE-L and by a rule) all have their record.
		expect(rules).toContain('rougeL');
		expect(rules).toContain('blacklist');
		expect(tasks).toBeGreaterThan(80);
	}, 120_000);

	it('the candidates export writes the records with the texts, as the reference code does', () => {
		const lines = [...runCandidateLines(runId, db)].map((l) => JSON.parse(l) as CandidateLine);
		const tasks = all<TaskRow>(db, 'SELECT id, instruction, metadata, filter_status, filter_rouge_l FROM tasks WHERE run_id = ? ORDER BY id', runId);
		expect(lines.map((l) => l.task_id)).toEqual(tasks.map((t) => t.id));
		const text = new Map([...tasks.map((t) => [t.id, t.instruction] as [number | string, string]), ...DEFAULT_SEED_TASKS.map((s, i) => [`seed:${i}`, s.instruction] as [string, string])]);
		for (const [k, line] of lines.entries()) {
			const stored = JSON.parse(tasks[k].metadata!).rougeL as { mean: number; similar: [number | string, number][] };
			expect(Object.entries(line.most_similar_instructions!)).toEqual(stored.similar.map(([ref, score]) => [text.get(ref), score]));
			expect(line.avg_similarity_score).toBe(stored.mean);
			expect(line.max_rouge_l).toBe(tasks[k].filter_rouge_l);
			expect(line.status).toBe(tasks[k].filter_status);
			expect(line.instances).toHaveLength(1);
		}
	});

	it('the task page shows the record in words and links, not its stored form', () => {
		const tasks = all<TaskRow>(db, 'SELECT id, instruction, metadata, filter_status, filter_rouge_l FROM tasks WHERE run_id = ? ORDER BY id', runId);
		const text = new Map([...tasks.map((t) => [t.id, t.instruction] as [number | string, string]), ...DEFAULT_SEED_TASKS.map((s, i) => [`seed:${i}`, s.instruction] as [string, string])]);
		let seedsSeen = 0;
		let tasksSeen = 0;
		for (const t of tasks.slice(0, 20)) {
			const view = taskPageView(getTaskDetail(datasetId, t.id, db)!);
			const stored = JSON.parse(t.metadata!).rougeL as { max: number; mean: number; pool: number; similar: [number | string, number][] };
			expect(view.task.metadata.map((m) => m.key)).not.toContain('rougeL');
			expect(view.similarity).toMatchObject({ max: stored.max, mean: stored.mean, pool: stored.pool });
			expect(view.similarity!.similar.map((s) => [s.score, s.text.text, s.taskId ?? `seed:${s.seed! - 1}`])).toEqual(
				stored.similar.map(([ref, score]) => [score, text.get(ref), ref])
			);
			seedsSeen += view.similarity!.similar.filter((s) => s.seed !== null).length;
			tasksSeen += view.similarity!.similar.filter((s) => s.taskId !== null).length;
		}
		expect(seedsSeen).toBeGreaterThan(0);
		expect(tasksSeen).toBeGreaterThan(0);
	});

	it('the ROUGE-L threshold sweep works on the run’s dataset: counts and correctness per threshold as recomputed', () => {
		const [reviewer] = makeUsers(db, 1);
		const rougeRows = [...stratumOf.values()].filter((s) => s === 'rejected:rougeL').length;
		const audit = createAudit(
			{ datasetId, kind: 'quality', stratify: 'verdict', strataSizes: { kept: 25, rougeL: Math.min(rougeRows, 12) }, seed: 5, reviewerIds: [reviewer.id] },
			db
		);
		for (;;) {
			const next = nextAssignment(audit.id, reviewer.id, {}, db);
			if (next.status !== 'assigned') break;
			const taskId = (db.$client.prepare('SELECT task_id AS t FROM audit_items WHERE audit_id = ? AND ref = ?').get(audit.id, next.ref) as { t: number } | undefined)?.t;
			expect(taskId).toBeDefined();
			const valid = validOf(taskId!);
			submitLabel(
				audit.id,
				reviewer.id,
				{
					ref: next.ref,
					submissionId: randomUUID(),
					answer: { kind: 'quality', instruction: true, input: true, output: valid, reason: valid ? null : 'incorrect_output', comment: '' },
					activeMs: 500
				},
				{},
				db
			);
		}
		const sampled = db.$client.prepare('SELECT task_id AS taskId, stratum FROM audit_items WHERE audit_id = ?').all(audit.id) as { taskId: number; stratum: string }[];
		expect(sampled.length).toBe(25 + Math.min(rougeRows, 12));

		const report = auditFilterReport(audit.id, {}, db);
		expect(report.sweep.available, report.sweep.reason ?? '').toBe(true);
		expect(report.sweep.appliedThreshold).toBe(0.7);
		expect(report.sweep.points.map((p) => p.threshold)).toEqual([...SWEEP_THRESHOLDS]);
		const inSweep = [...stratumOf].filter(([, s]) => s === 'kept' || s === 'rejected:rougeL');
		let varied = new Set<number>();
		for (const point of report.sweep.points) {
			const t = point.threshold;
			const keep = (taskId: number) => recomputed.get(taskId)! <= t;
			const rows = inSweep.filter(([id]) => keep(id));
			expect(point.rows, `rows at ${t}`).toBe(rows.length);
			expect(point.instructions, `instructions at ${t}`).toBe(rows.length);
			expect(point.applied).toBe(t === 0.7);
			varied.add(rows.length);
			const strata = ['kept', 'rejected:rougeL'].map((key) => {
				const judged = sampled.filter((s) => s.stratum === key && keep(s.taskId));
				return { N: rows.filter(([, s]) => s === key).length, n: judged.length, x: judged.filter((s) => validOf(s.taskId)).length };
			});
			expect(point.judged, `judged at ${t}`).toBe(strata[0].n + strata[1].n);
			if (strata.some((h) => h.N > 0 && h.n === 0)) {
				expect(point.correctness.proportion).toBeNull();
				continue;
			}
			const e = stratified(strata);
			expect(point.correctness.proportion, `correctness at ${t}`).toBeCloseTo(e.p, 12);
			expect(point.correctness.lower).toBeCloseTo(e.lower, 12);
			expect(point.correctness.upper).toBeCloseTo(e.upper, 12);
		}
		// At 0.7 the sweep keeps exactly what the run kept; higher thresholds bring ROUGE-L rows back.
		expect(report.sweep.points.find((p) => p.threshold === 0.7)!.rows).toBe([...stratumOf.values()].filter((s) => s === 'kept').length);
		expect(report.sweep.points.find((p) => p.threshold === 0.9)!.rows).toBeGreaterThan(report.sweep.points.find((p) => p.threshold === 0.7)!.rows);
		expect(varied.size).toBeGreaterThan(2);
		varied = new Set();
	});

	it('with similarity records off (an editable default), the verdicts only are stored, as before records existed', async () => {
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4, name: 'fake 2' });
		const { run, session } = await startRun(db, { pipeline: 'alpaca', target: 30, endpointId: endpoint.id, datasetName: 'alpaca no records', similarityRecords: false });
		expect(await session.done).toEqual({ status: 'completed', message: 'Completed: 30 tasks kept (target 30).' });
		expect((JSON.parse(all<{ params: string }>(db, 'SELECT params FROM generation_runs WHERE id = ?', run.id)[0].params) as { similarityRecords?: boolean }).similarityRecords).toBe(false);
		const tasks = all<TaskRow>(db, 'SELECT id, instruction, filter_status, filter_rule, filter_rouge_l, metadata FROM tasks WHERE run_id = ? ORDER BY id', run.id);
		for (const t of tasks) {
			expect(t.filter_rouge_l).toBeNull();
			const meta = t.metadata ? JSON.parse(t.metadata) : null;
			expect(meta?.rougeL?.mean).toBeUndefined();
			// A rejection by ROUGE-L still names the pool instructions above the threshold.
			if (t.filter_rule === 'rougeL') expect(meta.rougeL.mostSimilar[0].score).toBeGreaterThan(0.7);
		}
		expect(tasks.some((t) => t.filter_rule === 'rougeL')).toBe(true);
		const lines = [...runCandidateLines(run.id, db)].map((l) => JSON.parse(l) as CandidateLine);
		expect(lines).toHaveLength(tasks.length);
		for (const line of lines) expect(line.most_similar_instructions).toBeNull();

		// A run larger than a block (1,000 tasks are read at a time): every task once, in order, each with its own instances.
		const datasetId = all<{ datasetId: number }>(db, 'SELECT dataset_id AS datasetId FROM generation_runs WHERE id = ?', run.id)[0].datasetId;
		const now = Date.now();
		const addTask = db.$client.prepare<[number, string, string, number, number]>(
			"INSERT INTO tasks (dataset_id, instruction, instruction_key, origin, instance_count, run_id, created_at) VALUES (?, ?, ?, 'generated', 1, ?, ?)"
		);
		const addInstance = db.$client.prepare<[number | bigint, number, string, number]>("INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, '', ?, ?)");
		for (let n = 0; n < 2_100; n++) addInstance.run(addTask.run(datasetId, `Extra task ${n}.`, `extra ${n}`, run.id, now).lastInsertRowid, datasetId, `out ${n}`, now);
		const many = [...runCandidateLines(run.id, db)].map((l) => JSON.parse(l) as CandidateLine);
		expect(many).toHaveLength(tasks.length + 2_100);
		expect(many.map((l) => l.task_id)).toEqual([...many.map((l) => l.task_id)].sort((a, b) => a - b));
		expect(new Set(many.map((l) => l.task_id)).size).toBe(many.length);
		const extra = many.filter((l) => l.instruction.startsWith('Extra task '));
		expect(extra.every((l) => l.instances.length === 1 && l.instances[0].output === `out ${l.instruction.slice(11, -1)}`)).toBe(true);
	});
});
