/**
 * Judge runs through the OpenAI Batch API and across kill -9, against the scripted server
 * (files + batches endpoints) through the official SDK:
 *   - in process: a batch that expires part-way and lines that fail with HTTP 500 — their calls
 *     go into the next batch, unreadable replies get their retry in a later batch, and the stored
 *     judgements and calibration equal the live path's;
 *   - the CLI killed (SIGKILL) while its batch is in flight, then `judge resume`: the batch is
 *     polled again and collected, never created twice;
 *   - the CLI killed mid-run on the live path, then resumed: no row judged twice, none lost.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { lockHoldStats, resetLockHolds, type Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { jsonl, streamOf } from '../support/db';
import { createJudgeRun } from '../../src/lib/server/runs/judge/create';
import { RunSession } from '../../src/lib/server/runs/engine/session';
import { requestRunAction } from '../../src/lib/server/runs/engine/run-rows';
import { cancelStoppedJudgeRunBatches } from '../../src/lib/server/runs/judge/batch';
import { judgeAuditCalibration } from '../../src/lib/server/judge';
import { FAST_RETRY, all, fakeEndpoint, one } from './generation-support';
import { TASKS, buildJudgeWorld, expectedFigures, judgeScript, judgeSays } from './judge-support';
import { spawnCli, waitFor } from '../support/cli-process';

let db: Db;
let file: string;
let cleanup: () => void;
let fake: FakeOpenAI;
let child: ChildProcess | undefined;

beforeEach(async () => {
	({ db, file, cleanup } = createTestDb());
	fake = await startFakeOpenAI({ script: judgeScript });
});
afterEach(async () => {
	if (child && child.exitCode === null) child.kill('SIGKILL');
	await fake.close();
	cleanup();
});

function cli(args: string[], extraEnv: Record<string, string> = {}) {
	const run = spawnCli(args, { DATABASE_PATH: file, LLM_BASE_URL: fake.url, LLM_MODEL: 'judge-model', LLM_API_STYLE: 'chat', LLM_CONCURRENCY: '2', ...extraEnv });
	child = run.child;
	return run;
}


function checkLabels(runId: number): void {
	const labels = all<{ key: string; status: string; output_valid: number | null }>(
		db,
		'SELECT t.source_id AS key, l.status, l.output_valid FROM judge_labels l JOIN instances i ON i.id = l.instance_id JOIN tasks t ON t.id = i.task_id WHERE l.run_id = ?',
		runId
	);
	expect(labels).toHaveLength(TASKS);
	for (const l of labels) {
		const says = judgeSays(Number(l.key.replace('task_', '')));
		expect(l.status).toBe(says === null ? 'unparsed' : 'parsed');
		if (says !== null) expect(l.output_valid).toBe(says ? 1 : 0);
	}
}

describe('judge run, Batch API', () => {
	it('survives an expired batch and failed lines, retries unreadable replies in a later batch, and calibrates as the live path does', async () => {
		const world = await buildJudgeWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', prices: true });
		let created = 0;
		fake.batches.setPlan(() => (++created === 1 ? { expireAfterLines: 12 } : {}));
		fake.failNext({ fault: 'status', status: 500, message: 'boom' }, 3);
		const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id }, batch: true, pollSeconds: 0.05 }, db);
		const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done;
		expect(end.status).toBe('completed');
		checkLabels(run.id);

		const batches = all<{ key: string; phase: string; remote_status: string; batch_id: string; n: number }>(
			db,
			'SELECT key, phase, remote_status, batch_id, json_array_length(call_ids) AS n FROM judge_batches WHERE run_id = ? ORDER BY id',
			run.id
		);
		// First batch: all 40 rows, expired after 12 lines (3 of them HTTP 500). Then the rest and the retries.
		expect(batches[0]).toMatchObject({ phase: 'done', remote_status: 'expired', n: TASKS });
		expect(batches.length).toBeGreaterThanOrEqual(2);
		for (const b of batches) expect(b.phase).toBe('done');
		// Every remote batch is one of ours, created once.
		expect(fake.batches.batches().map((b) => b.id).sort()).toEqual(batches.map((b) => b.batch_id).sort());
		// Each call answered exactly once: 40 rows + 2 retries (tasks 4 and 7).
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'done'", run.id).n).toBe(TASKS + 2);
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status <> 'done'", run.id).n).toBe(0);
		// Batch price: half the endpoint's.
		const cost = one<{ cost: number; p: number; c: number }>(db, 'SELECT sum(cost_usd) AS cost, sum(prompt_tokens) AS p, sum(completion_tokens) AS c FROM generation_calls WHERE run_id = ?', run.id);
		expect(cost.cost).toBeCloseTo(((cost.p * 1 + cost.c * 2) / 1e6) * 0.5, 12);

		const report = judgeAuditCalibration(world.auditId, run.id, {}, db);
		const want = expectedFigures(world.audited);
		expect(report.calibration.allValid.confusion).toEqual(want.confusion);
		expect(report.calibration.allValid.kappa.kappa).toBeCloseTo(want.kappa, 12);
		expect(report.estimate!.estimate).toBeCloseTo(want.estimate, 12);
		expect(report.estimate!.lower).toBeCloseTo(Math.max(0, want.lower), 9);
		expect(report.estimate!.upper).toBeCloseTo(Math.min(1, want.upper), 9);
	}, 60_000);

	it('prepares a big run in short transactions, and polls a batch in flight without taking the write lock', async () => {
		const rows = Array.from({ length: 3000 }, (_, k) => ({ instruction: `Instruction ${k}: do task ${k}.`, input: `input ${k}`, output: `output ${k}` }));
		const { datasetId } = await importFile(streamOf(jsonl(rows)), { datasetName: 'big', fileName: 'big.jsonl' }, db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat' });
		fake.batches.setPlan({ holdAfterLines: 5 });
		const run = createJudgeRun({ datasetId, endpoint: { kind: 'stored', id: endpoint.id }, batch: true, pollSeconds: 0.02 }, db);
		resetLockHolds();
		const session = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } });
		const polls = () => fake.requests.filter((r) => r.method === 'GET' && /\/batches\/[^/]+$/.test(r.path)).length;
		await waitFor(() => polls() >= 1, 'the batch polled');
		// 3,000 calls planned 2,000 to a transaction, then one for the batch row: three in all.
		const prepared = lockHoldStats()['judge batches'];
		expect(prepared?.transactions).toBe(3);
		const seen = polls();
		await waitFor(() => polls() >= seen + 10, 'ten more polls');
		// Polling writes only the batch row's state (an UPDATE of its own), never the run's prompts.
		expect(lockHoldStats()['judge batches']?.transactions).toBe(3);
		session.stop('pause');
		expect((await session.done).status).toBe('paused');
		expect(one<{ n: number }>(db, 'SELECT json_array_length(call_ids) AS n FROM judge_batches WHERE run_id = ?', run.id).n).toBe(3000);
	}, 60_000);

	it('cancelling the run while its batch is in flight calls batches.cancel and records it; pausing does not', async () => {
		const world = await buildJudgeWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat' });
		fake.batches.setPlan({ holdAfterLines: 5 });
		const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id }, batch: true, pollSeconds: 0.05 }, db);
		const inFlight = () => one<{ n: number }>(db, "SELECT count(*) AS n FROM judge_batches WHERE run_id = ? AND phase = 'in_flight' AND last_polled_at IS NOT NULL", run.id).n === 1;
		const cancels = () => fake.requests.filter((r) => r.method === 'POST' && /\/batches\/[^/]+\/cancel$/.test(r.path));

		// A pause leaves the batch running remotely (resume picks it up again).
		const first = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } });
		await waitFor(inFlight, 'a polled batch in flight');
		first.stop('pause');
		expect((await first.done).status).toBe('paused');
		expect(cancels()).toHaveLength(0);

		// A cancel asks the API to cancel it, once, and the row says so.
		const second = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } });
		await waitFor(() => fake.requests.filter((r) => r.method === 'GET' && /\/batches\/[^/]+$/.test(r.path)).length > 0 && inFlight(), 'the resumed run polling');
		second.stop('cancel');
		expect((await second.done).status).toBe('cancelled');
		const [remote] = fake.batches.batches();
		expect(cancels().map((r) => r.path)).toEqual([`/v1/batches/${remote.id}/cancel`]);
		const row = one<{ cancel_requested: number; cancel_sent: number; batch_id: string; remote_status: string }>(db, 'SELECT cancel_requested, cancel_sent, batch_id, remote_status FROM judge_batches WHERE run_id = ?', run.id);
		// What the API answered to the cancel is recorded: nothing polls a cancelled run's batch again.
		expect(row).toEqual({ cancel_requested: 1, cancel_sent: 1, batch_id: remote.id, remote_status: 'cancelling' });
		const settled = await fake.batches.settled(remote.id);
		expect(settled.status).toBe('cancelled');
		expect(fake.batches.batches()).toHaveLength(1);
		// Its calls are never sent nor collected again: cancelled, not pending for ever.
		expect(all(db, 'SELECT status, count(*) AS n FROM generation_calls WHERE run_id = ? GROUP BY status', run.id)).toEqual([{ status: 'cancelled', n: TASKS }]);
	}, 60_000);

	it('cancelling a paused run whose batch is still in flight sends batches.cancel from the cancelling process', async () => {
		const world = await buildJudgeWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat' });
		fake.batches.setPlan({ holdAfterLines: 5 });
		const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id }, batch: true, pollSeconds: 0.05 }, db);
		const session = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } });
		await waitFor(() => one<{ n: number }>(db, "SELECT count(*) AS n FROM judge_batches WHERE run_id = ? AND phase = 'in_flight'", run.id).n === 1, 'a batch in flight');
		session.stop('pause');
		expect((await session.done).status).toBe('paused');
		expect(requestRunAction(run.id, 'cancel', db)).toEqual({ status: 'cancelled', requested: false });
		expect(await cancelStoppedJudgeRunBatches(run.id, db)).toBe(1);
		const [remote] = fake.batches.batches();
		expect(fake.requests.filter((r) => r.method === 'POST' && r.path === `/v1/batches/${remote.id}/cancel`)).toHaveLength(1);
		expect(one(db, 'SELECT phase, cancel_requested, cancel_sent, remote_status FROM judge_batches WHERE run_id = ?', run.id)).toEqual({ phase: 'in_flight', cancel_requested: 1, cancel_sent: 1, remote_status: 'cancelling' });
		expect((await fake.batches.settled(remote.id)).status).toBe('cancelled');
		expect(all(db, 'SELECT status, count(*) AS n FROM generation_calls WHERE run_id = ? GROUP BY status', run.id)).toEqual([{ status: 'cancelled', n: TASKS }]);
		// Once sent, never again.
		expect(await cancelStoppedJudgeRunBatches(run.id, db)).toBe(0);
	}, 60_000);

	it('picks a batch in flight up again after the CLI is killed with SIGKILL, without creating it twice', async () => {
		const world = await buildJudgeWorld(db);
		fake.batches.setPlan({ holdAfterLines: 5 });
		const first = cli(['judge', 'start', '--dataset', String(world.datasetId), '--batch', '--poll-seconds', '0.1', '--json']);
		await waitFor(() => fake.batches.batches().some((b) => b.status === 'in_progress') && one<{ n: number }>(db, "SELECT count(*) AS n FROM judge_batches WHERE phase = 'in_flight' AND last_polled_at IS NOT NULL").n === 1, 'a polled batch in flight');
		child!.kill('SIGKILL');
		await first.exit;
		const runId = one<{ id: number }>(db, "SELECT id FROM generation_runs WHERE pipeline = 'judge'").id;
		expect(one<{ status: string }>(db, 'SELECT status FROM generation_runs WHERE id = ?', runId).status).toBe('running'); // its process died holding it
		expect(fake.batches.batches()).toHaveLength(1);

		fake.batches.setPlan({});
		const polledAt = () => one<{ t: number }>(db, 'SELECT last_polled_at AS t FROM judge_batches ORDER BY id LIMIT 1').t;
		const killedAt = polledAt();
		const second = cli(['judge', 'resume', String(runId), '--json']);
		const held = fake.batches.batches()[0].id;
		// The resumed process polls the batch it finds in its row (no new upload, no new batch).
		await waitFor(() => polledAt() > killedAt, 'the resumed process to poll the held batch');
		expect(fake.batches.batches()).toHaveLength(1);
		fake.batches.release(held);
		expect(await second.exit).toBe(0);
		const summary = JSON.parse(second.output().slice(second.output().indexOf('{')));
		expect(summary).toMatchObject({ status: 'completed', rows: TASKS, parsed: TASKS - 1, unparsed: 1 });
		checkLabels(runId);
		// The held batch was collected by the second process; only retries needed another batch.
		const ours = all<{ batch_id: string }>(db, 'SELECT batch_id FROM judge_batches WHERE run_id = ? ORDER BY id', runId).map((b) => b.batch_id);
		expect(ours[0]).toBe(held);
		expect(fake.batches.batches().map((b) => b.id).sort()).toEqual([...ours].sort());
	}, 120_000);

	it('live calls: resumes after SIGKILL mid-run with no row judged twice and none lost', async () => {
		const world = await buildJudgeWorld(db);
		fake.setLatency(40);
		const first = cli(['judge', 'start', '--dataset', String(world.datasetId), '--json']);
		await waitFor(() => one<{ n: number }>(db, 'SELECT count(*) AS n FROM judge_labels').n >= 8, 'some labels');
		child!.kill('SIGKILL');
		await first.exit;
		const before = one<{ n: number }>(db, 'SELECT count(*) AS n FROM judge_labels').n;
		expect(before).toBeLessThan(TASKS);
		const runId = one<{ id: number }>(db, "SELECT id FROM generation_runs WHERE pipeline = 'judge'").id;
		const second = cli(['judge', 'resume', String(runId), '--json']);
		expect(await second.exit).toBe(0);
		checkLabels(runId);
		const keys = all<{ call_key: string }>(db, 'SELECT call_key FROM generation_calls WHERE run_id = ?', runId).map((c) => c.call_key);
		expect(new Set(keys).size).toBe(keys.length);
		expect(keys).toHaveLength(TASKS + 2);
		// A reply stored before the kill was never asked again: requests = calls, plus at most the ones
		// pending at the kill — in flight (concurrency 2), or answered with their store not run yet.
		const requests = fake.generationRequests().length;
		expect(requests).toBeGreaterThanOrEqual(TASKS + 2);
		expect(requests).toBeLessThanOrEqual(TASKS + 2 + 2 * 2);

		// The report with the judge, from the command line, as JSON.
		const report = cli(['report', String(world.auditId), '--judge', String(runId), '--json']);
		expect(await report.exit).toBe(0);
		const out = JSON.parse(report.output());
		const want = expectedFigures(world.audited);
		expect(out.audit.id).toBe(world.auditId);
		expect(out.judge.calibration.allValid.confusion).toEqual(want.confusion);
		expect(out.judge.estimate.estimate).toBeCloseTo(want.estimate, 12);
		expect(out.judge.estimate.humanOnly.proportion).toBeCloseTo(want.humanRate, 12);
	}, 120_000);
});
