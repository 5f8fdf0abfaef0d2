/**
 * A judge run end to end through the official SDK against the scripted server, live calls:
 * one label per row (verdicts and reasons), an unreadable reply retried once with the
 * reminder, a reply unreadable twice recorded as unparsed with its raw text, and the report's
 * calibration and whole-dataset estimate against figures worked out in the test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { contextLengthError, startFakeOpenAI, type FakeGenerationRequest, type FakeOpenAI } from '../support/fake-openai';
import type { Db } from '../../src/lib/server/db';
import { createJudgeRun } from '../../src/lib/server/runs/judge/create';
import { RunSession } from '../../src/lib/server/runs/engine/session';
import { createReportJudgeRun, judgeAuditCalibration, overlappingJudgeRuns, reportJudgeScope } from '../../src/lib/server/judge';
import { tieRangeText, tieRangeTexts, wholeDatasetChoice } from '../../src/lib/judge/wording';
import { readJudgeProgress } from '../../src/lib/server/runs/judge/progress';
import { getRun, requestRunAction, retryFailedCalls } from '../../src/lib/server/runs/engine/run-rows';
import { listRuns, runSummary } from '../../src/lib/server/runs/summary';
import { callDetail, listCalls } from '../../src/lib/server/runs/engine/calls';
import { FAST_RETRY, all, fakeEndpoint, one } from './generation-support';
import { AUDITED, TASKS, buildJudgeWorld, expectedFigures, humanSays, judgeScript, judgeSays } from './judge-support';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { writeExportFile } from '../../src/lib/server/exports/export';
import { parseWhere } from '../../src/lib/server/exports/filters';
import { validate } from '../support/json-schema';
import { CLI_ENTRY } from '../support/cli-bundle';
import { importFile } from '../../src/lib/server/datasets/import';
import { streamOf } from '../support/db';

let db: Db;
let file: string;
let cleanup: () => void;
let fake: FakeOpenAI;

beforeEach(async () => {
	({ db, file, cleanup } = createTestDb());
	fake = await startFakeOpenAI({ script: judgeScript });
});
afterEach(async () => {
	await fake.close();
	cleanup();
});

interface LabelRow {
	key: string;
	status: string;
	instruction_valid: number | null;
	output_valid: number | null;
	verdicts: string | null;
	raw_reply: string | null;
	problem: string | null;
	attempts: number;
	template_fingerprint: string;
	model: string;
}

describe('judge run, live calls', () => {
	it('stores one judgement per row, retries an unreadable reply once, records a twice-unreadable one, and calibrates against the audit', async () => {
		const world = await buildJudgeWorld(db);
		expect(world.audited).toHaveLength(AUDITED);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4, prices: true });
		const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		expect(run.pipeline).toBe('judge');
		expect(run.target).toBe(TASKS);
		const session = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } });
		const end = await session.done;
		expect(end.status).toBe('completed');
		expect(end.message).toContain('1 row got no readable verdict');

		const labels = all<LabelRow>(
			db,
			`SELECT t.source_id AS key, l.* FROM judge_labels l JOIN instances i ON i.id = l.instance_id JOIN tasks t ON t.id = i.task_id WHERE l.run_id = ?`,
			run.id
		);
		expect(labels).toHaveLength(TASKS);
		for (const label of labels) {
			const k = Number(label.key.replace('task_', ''));
			const says = judgeSays(k);
			expect(label.model).toBe('fake-base');
			expect(label.template_fingerprint).toMatch(/\w+/);
			if (says === null) {
				expect(label.status).toBe('unparsed');
				expect(label.problem).toBe('not_json');
				expect(label.raw_reply).toBe('I would say the output is mostly fine.');
				expect(label.attempts).toBe(2);
				expect(label.output_valid).toBeNull();
			} else {
				expect(label.status).toBe('parsed');
				expect(label.output_valid).toBe(says ? 1 : 0);
				expect(label.instruction_valid).toBe(1);
				expect(JSON.parse(label.verdicts!).output.reason).toBe(says ? 'Correct.' : 'Incorrect.');
				expect(label.attempts).toBe(k === 4 ? 2 : 1);
			}
		}
		// Calls: one per row, plus a retry for task 4 and for task 7; the retry prompt carries the reminder.
		const calls = all<{ call_key: string; prompt: string; completion: string }>(db, 'SELECT call_key, prompt, completion FROM generation_calls WHERE run_id = ?', run.id);
		expect(calls).toHaveLength(TASKS + 2);
		const retries = calls.filter((c) => c.call_key.endsWith('/retry'));
		expect(retries).toHaveLength(2);
		for (const r of retries) {
			expect(r.prompt).toMatch(/Your previous reply could not be read: .*[^.]\. Reply with the JSON object only\.$/);
			expect(r.prompt).not.toContain(".. Reply");
		}
		expect(fake.generationRequests()).toHaveLength(TASKS + 2);

		const progress = readJudgeProgress(getRun(run.id, db)!.progress);
		expect(progress.judge).toMatchObject({ rows: TASKS, parsed: TASKS - 1, unparsed: 1, retried: 2, problems: { not_json: 1 } });
		// The calls list's "replies not read" shows every unreadable reply — the unparsed label's call and
		// the first attempts asked again (task 4's was read on retry) — each with its raw reply.
		const notRead = listCalls(db, run.id, { withProblems: true });
		expect(notRead.total).toBe(3);
		expect(notRead.rows.map((r) => r.problems)).toEqual([1, 1, 1]);
		const replies = notRead.rows.map((r) => callDetail(db, run.id, r.id)!.completion).sort();
		expect(replies).toEqual(['I would say the output is mostly fine.', 'I would say the output is mostly fine.', 'Looks fine to me!']);
		expect(callDetail(db, run.id, notRead.rows[0].id)!.problems).toBe(1);
		expect(progress.costKnown).toBe(true);

		// Calibration and the whole-dataset estimate against figures worked out independently.
		expect(overlappingJudgeRuns(world.auditId, db).map((r) => r.id)).toEqual([run.id]);
		const report = judgeAuditCalibration(world.auditId, run.id, {}, db);
		const want = expectedFigures(world.audited);
		const all3 = report.calibration.allValid;
		expect(all3.confusion).toEqual(want.confusion);
		expect(all3.judgeMissing).toBe(want.missing);
		expect(all3.agreement.proportion).toBeCloseTo(want.agreement, 12);
		expect(all3.kappa.kappa).toBeCloseTo(want.kappa, 12);
		expect(all3.sensitivity.proportion).toBeCloseTo(want.sensitivity, 12);
		expect(all3.specificity.proportion).toBeCloseTo(want.specificity, 12);
		expect(report.estimateNote).toBeNull();
		expect(report.estimate!.estimate).toBeCloseTo(want.estimate, 12);
		expect(report.estimate!.lambda).toBeCloseTo(want.lambda, 12);
		expect(report.estimate!.lower).toBeCloseTo(Math.max(0, want.lower), 9);
		expect(report.estimate!.upper).toBeCloseTo(Math.min(1, want.upper), 9);
		expect(report.estimate!.humanOnly.proportion).toBeCloseTo(want.humanRate, 12);
		expect(report.population).toEqual({ tasks: TASKS, rows: TASKS, judgedRows: TASKS, unparsedRows: 1 });
		// The row whose reply was unreadable twice was judged all the same: counted, and counted apart.
		expect(report.judgedItems).toBe(AUDITED);
		expect(report.unreadableItems).toBe(world.audited.filter((k) => judgeSays(k) === null).length);
		expect(report.estimate?.description).toContain('all N rows');
		expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM audit_labels').n).toBe(AUDITED); // human labels untouched
	});

	it('a call refused for good fails the run, but the calls already sent are answered and stored, and resume sends only the unanswered', async () => {
		const world = await buildJudgeWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4 });
		const valid = JSON.stringify({ instruction: { valid: true, reason: 'A clear task.' }, input: { valid: true, reason: 'Fits.' }, output: { valid: true, reason: 'Correct.' } });
		// Four calls go out at once; the second is refused (400) at 50 ms, the others are answered at 400 ms.
		fake.setScript((request) =>
			request.seq === 2
				? { fault: 'status', status: 400, message: "Unrecognized request argument supplied: 'seed'", latencyMs: 50 }
				: { text: valid, latencyMs: 400 }
		);
		const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		const first = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } });
		const end = await first.done;
		expect(end.status).toBe('failed');
		expect(end.message).toContain("Unrecognized request argument supplied: 'seed'");
		const sent = fake.generationRequests();
		expect(sent).toHaveLength(4);
		expect(sent.map((r) => r.outcome).sort()).toEqual([200, 200, 200, 400]);
		const byStatus = () =>
			Object.fromEntries(all<{ status: string; n: number }>(db, 'SELECT status, count(*) AS n FROM generation_calls WHERE run_id = ? GROUP BY status', run.id).map((r) => [r.status, r.n]));
		// The three answered calls are stored with their verdicts; only the refused one waits.
		expect(byStatus()).toEqual({ done: 3, pending: 1 });
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM judge_labels WHERE run_id = ? AND status = 'parsed'", run.id).n).toBe(3);
		// Each call is about one row, named in its prompt as "Instruction k:".
		const rowOf = (text: string) => Number(/Instruction (\d+):/.exec(text)![1]);
		const answered = all<{ prompt: string }>(db, "SELECT prompt FROM generation_calls WHERE run_id = ? AND status = 'done'", run.id).map((c) => rowOf(c.prompt));
		const refused = rowOf(one<{ prompt: string }>(db, "SELECT prompt FROM generation_calls WHERE run_id = ? AND status = 'pending'", run.id).prompt);
		expect(answered).toHaveLength(3);

		// Resume with the endpoint fixed: exactly the calls never answered are sent, none twice.
		fake.setScript(() => valid);
		const resumed = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } });
		expect((await resumed.done).status).toBe('completed');
		const resentRows = fake.generationRequests().slice(4).map((r) => rowOf(JSON.stringify(r.body)));
		const neverAnswered = Array.from({ length: TASKS }, (_, k) => k).filter((k) => !answered.includes(k));
		expect(neverAnswered).toContain(refused);
		expect(resentRows.sort((a, b) => a - b)).toEqual(neverAnswered);
		expect(byStatus()).toEqual({ done: TASKS });
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM judge_labels WHERE run_id = ? AND status = 'parsed'", run.id).n).toBe(TASKS);
	});

	it('cancelling a live judge run ends its unsent and unanswered calls as cancelled, not pending', async () => {
		const world = await buildJudgeWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4 });
		fake.setLatency(60);
		const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		const session = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 100, client: { retry: FAST_RETRY } });
		const deadline = Date.now() + 30_000;
		while (one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'done'", run.id).n < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
		session.stop('cancel');
		expect((await session.done).status).toBe('cancelled');
		const byStatus = Object.fromEntries(all<{ status: string; n: number }>(db, 'SELECT status, count(*) AS n FROM generation_calls WHERE run_id = ? GROUP BY status', run.id).map((r) => [r.status, r.n]));
		expect(byStatus.pending).toBeUndefined();
		expect(byStatus.cancelled).toBeGreaterThan(0);
		expect(listCalls(db, run.id, { status: 'cancelled' }).total).toBe(byStatus.cancelled);
	});

	it('a judge run over the audit items only calibrates but gives no whole-dataset estimate', async () => {
		const world = await buildJudgeWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat' });
		const run = createJudgeRun({ auditId: world.auditId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		expect(run.target).toBe(AUDITED);
		const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done;
		expect(end.status).toBe('completed');
		const report = judgeAuditCalibration(world.auditId, run.id, {}, db);
		expect(report.calibration.allValid.confusion).toEqual(expectedFigures(world.audited).confusion);
		expect(report.estimate).toBeNull();
		expect(report.estimateNote).toMatch(/verdicts for 16 of the 40 rows/);

		// An export naming the run says why its manifest has no judge estimate, and so does the CLI.
		const out = path.join(os.tmpdir(), `ia-judge-partial-${run.id}-${Date.now()}.jsonl`);
		try {
			const { manifest } = writeExportFile({ datasetId: world.datasetId, filters: parseWhere([`judge-run=${run.id}`]), format: 'jsonl' }, out, {}, db);
			expect(manifest.judgeEstimate).toBeNull();
			expect(manifest.judgeEstimateNote).toMatch(new RegExp(`^No judge estimate from judge run ${run.id} and audit ${world.auditId}: The judge run has verdicts for 16 of the 40 rows`));
			const schema = JSON.parse(fs.readFileSync('docs/schemas/export-manifest.schema.json', 'utf8'));
			expect(validate(schema, manifest)).toEqual([]);
			const plain = writeExportFile({ datasetId: world.datasetId, filters: {}, format: 'jsonl' }, `${out}.plain`, {}, db).manifest;
			// Without a named run the newest calibrated one is used: the same explanation.
			expect(plain.judgeEstimateNote).toMatch(/verdicts for 16 of the 40 rows/);
			const cli = spawnSync(process.execPath, [CLI_ENTRY, 'export', String(world.datasetId), '--judge-run', String(run.id), '--format', 'jsonl', '--out', `${out}.cli`], {
				env: { ...process.env, DATABASE_PATH: file },
				encoding: 'utf8',
				timeout: 60_000
			});
			expect(cli.status, cli.stderr).toBe(0);
			expect(cli.stdout).toMatch(/No judge estimate from judge run \d+ and audit \d+: The judge run has verdicts for 16 of the 40 rows/);
		} finally {
			for (const f of [out, `${out}.plain`, `${out}.cli`]) for (const g of [f, f.replace(/\.jsonl$/, '') + '.manifest.json', `${f}.manifest.json`]) fs.rmSync(g, { force: true });
		}
	});

	it("the report's whole-dataset run judges the audit's sampling frame: filter-rejected rows too when the audit included them", async () => {
		const world = await buildJudgeWorld(db, 'with rejected', { rejected: 4, includeRejected: true });
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4 });
		// What the form's "whole dataset" choice says it will judge.
		expect(reportJudgeScope(world.auditId, db)).toEqual({ includeRejected: true, units: TASKS, rejectedUnits: 4 });
		expect(wholeDatasetChoice('quality', reportJudgeScope(world.auditId, db))).toBe(
			`The whole dataset: all ${TASKS} rows the audit sampled from, including 4 rejected by filters (needed for the whole-dataset estimate)`
		);
		const run = createReportJudgeRun(world.auditId, { scope: 'dataset', endpoint: { kind: 'stored', id: endpoint.id } }, db);
		expect(run.target).toBe(TASKS);
		const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done;
		expect(end.status).toBe('completed');
		const report = judgeAuditCalibration(world.auditId, run.id, {}, db);
		expect(report.estimateNote).toBeNull();
		expect(report.estimate?.populationRows).toBe(TASKS);

		// An audit of the kept rows only: the same choice judges only those.
		const kept = await buildJudgeWorld(db, 'kept only', { rejected: 4 });
		expect(reportJudgeScope(kept.auditId, db)).toEqual({ includeRejected: false, units: TASKS - 4, rejectedUnits: 0 });
		expect(createReportJudgeRun(kept.auditId, { scope: 'dataset', endpoint: { kind: 'stored', id: endpoint.id } }, db).target).toBe(TASKS - 4);
	});

	it('judge retry-failed on calls that failed on their own prompt answers them and the run completes (not "work left but planned no call")', async () => {
		const world = await buildJudgeWorld(db);
		const tooLong = (r: FakeGenerationRequest) => /### Output\noutput (11|13)\n/.test(r.prompt);
		fake.setPromptFaults([{ share: 1, match: tooLong, reply: (r) => contextLengthError(r, 50) }]);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4 });
		const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		const first = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done;
		expect(first.status).toBe('completed');
		// The rows are judged (an unparsed "call failed" label, counted "no"), not waiting; the advice is the judge's, with its command.
		expect(first.message).toContain('Completed with 2 failed calls (prompt too long for the model: 2)');
		expect(first.message).toContain('recorded without a readable verdict (counted as "no"');
		expect(first.message).toContain(`judge retry-failed ${run.id}`);
		expect(first.message).not.toContain('not judged yet');
		const failedCall = one<{ error: string }>(db, "SELECT error FROM generation_calls WHERE run_id = ? AND status = 'failed' LIMIT 1", run.id);
		expect(failedCall.error).toContain('a shorter judge template');
		expect(failedCall.error).not.toContain('seed examples');
		expect(all<{ status: string; problem: string }>(db, "SELECT status, problem FROM judge_labels WHERE run_id = ? AND problem = 'call_failed'", run.id)).toHaveLength(2);

		fake.setPromptFaults([]);
		// The command the note names (the run page's button calls the same retryFailedCalls); async: the scripted server runs in this process.
		const child = spawn(process.execPath, [CLI_ENTRY, 'judge', 'retry-failed', String(run.id)], { env: { ...process.env, DATABASE_PATH: file }, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		expect(await new Promise<number | null>((resolve) => child.on('close', resolve)), stderr).toBe(0);
		expect(stdout).toContain(`Sending 2 failed calls of judge run ${run.id} again.`);
		expect(getRun(run.id, db)!.status).toBe('completed');
		expect(() => retryFailedCalls(run.id, {}, db)).toThrow(/no failed calls/);
		expect(all(db, "SELECT 1 FROM judge_labels WHERE run_id = ? AND problem = 'call_failed'", run.id)).toHaveLength(0);
		expect(readJudgeProgress(getRun(run.id, db)!.progress).judge).toMatchObject({ rows: TASKS, parsed: TASKS - 1, unparsed: 1 });
	}, 60_000);

	it('after retry-failed with another model, every call row names the model it was sent with and the run names both models of its verdicts', async () => {
		const world = await buildJudgeWorld(db);
		// Rows 11 and 13 are too long for the endpoint's model, not for "big".
		const tooLong = (r: FakeGenerationRequest) => r.model !== 'big' && /### Output\noutput (11|13)\n/.test(r.prompt);
		fake.setPromptFaults([{ share: 1, match: tooLong, reply: (r) => contextLengthError(r, 50) }]);
		// Row 39's call is still in flight when the run is paused: left pending, it goes out again on resume.
		const slow = (r: FakeGenerationRequest) => /### Output\noutput 39\b/.test(r.prompt);
		fake.setLatency((r) => (slow(r) && r.model !== 'big' ? 5_000 : 0));
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4 });
		const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		const first = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 100, client: { retry: FAST_RETRY } });
		const count = (sql: string) => one<{ n: number }>(db, sql, run.id).n;
		for (let i = 0; i < 200 && count('SELECT count(*) AS n FROM judge_labels WHERE run_id = ?') < TASKS - 1; i++) await new Promise((r) => setTimeout(r, 25));
		requestRunAction(run.id, 'pause', db);
		expect((await first.done).status).toBe('paused');
		const pendingAtPause = all<{ model: string; prompt: string }>(db, "SELECT model, prompt FROM generation_calls WHERE run_id = ? AND status = 'pending'", run.id);
		expect(pendingAtPause).toHaveLength(1);
		expect(pendingAtPause[0].prompt).toMatch(/### Output\noutput 39\b/);
		expect(count("SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'failed'")).toBe(2);

		fake.setLatency(0);
		expect(retryFailedCalls(run.id, { model: 'big' }, db).calls).toBe(2);
		expect((await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 100, client: { retry: FAST_RETRY } }).done).status).toBe('completed');

		// Each answered call names the model of the request that answered it (the one left pending at the pause too).
		const answered = new Map<string, number>();
		for (const r of fake.generationRequests()) if (r.outcome === 200) answered.set(String(r.body?.model), (answered.get(String(r.body?.model)) ?? 0) + 1);
		const stored = all<{ model: string; n: number }>(db, "SELECT model, count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'done' GROUP BY model", run.id);
		expect(new Map(stored.map((r) => [r.model, r.n]))).toEqual(answered);
		expect(one<{ model: string }>(db, "SELECT model FROM generation_calls WHERE run_id = ? AND prompt LIKE '%### Output' || char(10) || 'output 39 %'", run.id).model).toBe('big');
		expect(answered.get('big')).toBe(3);

		// The run's verdicts come from two models, and every reader says so.
		const models = [
			{ model: 'fake-base', verdicts: TASKS - 3, parsed: TASKS - 4 },
			{ model: 'big', verdicts: 3, parsed: 3 }
		];
		expect(runSummary(run.id, db)!.judgeModels).toEqual(models);
		expect(listRuns(db).find((r) => r.id === run.id)!.judgeModels).toEqual(models);
		const status = spawnSync(process.execPath, [CLI_ENTRY, 'judge', 'status', String(run.id), '--json'], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8' });
		expect(status.status, status.stderr).toBe(0);
		expect(JSON.parse(status.stdout)).toMatchObject({ model: 'big', models });
		const text = spawnSync(process.execPath, [CLI_ENTRY, 'judge', 'status', String(run.id)], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8' });
		expect(text.stdout).toContain(`Model: fake-base (${TASKS - 3} verdicts) and big (3 verdicts).`);
		expect(overlappingJudgeRuns(world.auditId, db).find((r) => r.id === run.id)!.models).toEqual(models);
		expect(judgeAuditCalibration(world.auditId, run.id, {}, db).run.models).toEqual(models);
		// The report's calibration heading credits both models, not the last one.
		const report = spawnSync(process.execPath, [CLI_ENTRY, 'report', String(world.auditId), '--judge', String(run.id)], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8' });
		expect(report.status, report.stderr).toBe(0);
		expect(report.stdout).toContain(`Judge run ${run.id} (fake-base (${TASKS - 3} verdicts) and big (3 verdicts)) against the final human labels`);
	}, 60_000);

	it('carries a tied item into the estimate as the headline does: counted as "no" and as "yes"', async () => {
		const world = await buildJudgeWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4 });
		const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		expect((await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done).status).toBe('completed');
		// A second reviewer disagrees on the first audited item: it ties.
		const other = one<{ id: number }>(db, "INSERT INTO users (email, name, role, password_hash, created_at) VALUES ('tess@example.org', 'Tess', 'reviewer', 'x', 0) RETURNING id").id;
		const first = one<{ itemId: number; outputValid: number }>(db, 'SELECT item_id AS itemId, output_valid AS outputValid FROM audit_labels WHERE audit_id = ? ORDER BY id LIMIT 1', world.auditId);
		db.$client
			.prepare('INSERT INTO audit_labels (audit_id, item_id, reviewer_id, instruction_valid, input_valid, output_valid, submitted_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, 1, 1)')
			.run(world.auditId, first.itemId, other, first.outputValid ? 0 : 1);
		const tiedYes = first.outputValid === 1;
		const yes = world.audited.filter((k) => humanSays(k)).length - (tiedYes ? 1 : 0);

		const report = judgeAuditCalibration(world.auditId, run.id, {}, db);
		expect(report.decidedItems).toBe(AUDITED - 1);
		expect(report.estimate?.auditedRows).toBe(AUDITED - 1);
		expect(report.tieRange?.tiedItems).toBe(1);
		const { tiesAsNo, tiesAsYes } = report.tieRange!;
		// Over all audited items, as the headline: the tie once as "no", once as "yes".
		expect(tiesAsNo.auditedRows).toBe(AUDITED);
		expect(tiesAsNo.humanOnly.proportion).toBeCloseTo(yes / AUDITED, 12);
		expect(tiesAsYes.humanOnly.proportion).toBeCloseTo((yes + 1) / AUDITED, 12);
		expect(tiesAsNo.estimate!).toBeLessThan(tiesAsYes.estimate!);
		expect(report.caveats.join(' ')).toContain('1 audited item(s) tied');
		// One statement of how tied items count: in the range, never "left out" of the estimate as well.
		expect(report.caveats.join(' ')).toContain('the estimate is the range with them counted as "no" and as "yes"');
		expect(report.caveats.join(' ')).not.toMatch(/tied have no final label and are left out/);
		const humanRange = tieRangeText({ point: tiesAsNo.humanOnly.proportion, lower: tiesAsNo.humanOnly.lower, upper: tiesAsNo.humanOnly.upper }, { point: tiesAsYes.humanOnly.proportion, lower: tiesAsYes.humanOnly.lower, upper: tiesAsYes.humanOnly.upper });
		expect(humanRange).toMatch(new RegExp(`^${(yes / AUDITED * 100).toFixed(1)}%–${((yes + 1) / AUDITED * 100).toFixed(1)}% \\[`));
		// The command line gives the same range as the page.
		const cli = spawnSync(process.execPath, [CLI_ENTRY, 'report', String(world.auditId), '--judge', String(run.id)], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8' });
		expect(cli.status, cli.stderr).toBe(0);
		// …and leads with it, as the page does; the ties-left-out figure comes second.
		expect(cli.stdout).toMatch(/\nPPI\+\+: [^\n]* the 1 tied item counted as "no" and as "yes"; audit only /);
		expect(cli.stdout).toContain(`audit only ${humanRange}.`);
		expect(cli.stdout.indexOf('counted as "no" and as "yes"')).toBeLessThan(cli.stdout.indexOf('With the tied items left out: PPI++'));
		// The paper formats carry the judge's tables (not the text report); the rest are refused, exit 2.
		const run2 = (...args: string[]) => spawnSync(process.execPath, [CLI_ENTRY, 'report', String(world.auditId), '--judge', String(run.id), ...args], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8' });
		const md = run2('--markdown');
		expect(md.status, md.stderr).toBe(0);
		expect(md.stdout).toContain('| Question | Pairs | Agreement | Cohen\'s κ | TP / FN / FP / TN | Sensitivity | Specificity | Precision |');
		expect(md.stdout).toContain(`| Judge + audit (PPI++) | ${tieRangeTexts(report.tieRange!).ppi} |`);
		expect(md.stdout).not.toContain('Whole-dataset correctness (all three questions yes)\n===');
		const tex = run2('--latex', '--table', 'judge-estimate');
		expect(tex.status, tex.stderr).toBe(0);
		expect(tex.stdout).toContain('\\label{tab:judge-estimate}');
		expect(tex.stdout).not.toContain('tab:judge}');
		for (const flags of [['--csv'], ['--figures', path.join(path.dirname(file), 'figs')]]) {
			const refused = run2(...flags);
			expect(refused.status).toBe(2);
			expect(refused.stderr).toContain(`--judge and ${flags[0]} cannot go together`);
			expect(refused.stdout).toBe('');
		}
		expect(fs.existsSync(path.join(path.dirname(file), 'figs'))).toBe(false);
	});
});

describe('a quality judge run over conversations', () => {
	it('judges the first exchange of each and says so (CLI start and status, --json, run summary), with how many conversations have later turns', async () => {
		const turns = (i: number, exchanges: number) => Array.from({ length: exchanges }, (_, e) => [{ from: 'human', value: `Conv ${i} question ${e}` }, { from: 'gpt', value: `Conv ${i} reply ${e}` }]).flat();
		const sharegpt = [0, 1, 2].map((i) => ({ id: `c${i}`, conversations: turns(i, i === 2 ? 1 : 2) }));
		const { datasetId } = await importFile(streamOf(JSON.stringify(sharegpt)), { datasetName: 'convs', fileName: 'sharegpt.json' }, db);
		const env = { ...process.env, DATABASE_PATH: file, LLM_BASE_URL: fake.url, LLM_MODEL: 'judge-model', LLM_API_STYLE: 'chat', LLM_CONCURRENCY: '2' };
		// Not spawnSync: the scripted server answers from this process.
		const cli = async (args: string[]) => {
			const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', (d) => (stdout += d));
			child.stderr.on('data', (d) => (stderr += d));
			const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
			return { status, stdout, stderr };
		};
		const start = await cli(['judge', 'start', '--dataset', String(datasetId)]);
		expect(start.status, start.stderr).toBe(0);
		const note = 'The quality judge sees only the first exchange of each conversation (its first user turn and the reply): 2 of the 3 conversations judged have later turns, which are not judged.';
		// Said when the run starts and again in its closing summary.
		expect(start.stdout.split(note)).toHaveLength(3);
		// The judge saw the first exchange only.
		const prompts = fake.generationRequests().map((r) => JSON.stringify(r.body));
		expect(prompts).toHaveLength(3);
		expect(prompts.some((p) => p.includes('question 1') || p.includes('reply 1'))).toBe(false);
		const runId = one<{ id: number }>(db, "SELECT id FROM generation_runs WHERE pipeline = 'judge'").id;
		const status = await cli(['judge', 'status', String(runId), '--json']);
		expect(status.status, status.stderr).toBe(0);
		const summary = JSON.parse(status.stdout);
		expect(summary.firstExchangeOnly).toEqual({ conversations: 3, withLaterTurns: 2 });
		expect(summary.notJudged).toBe(note);
		// The run page reads it from the run's summary.
		expect(runSummary(runId, db)!.judgeFirstExchangeOnly).toEqual({ conversations: 3, withLaterTurns: 2 });
	}, 60_000);
});

describe('judge start from the command line with stderr not a terminal', () => {
	it('writes a plain progress line now and then (the first at once), never a redrawn counter', async () => {
		const world = await buildJudgeWorld(db);
		const env = { ...process.env, DATABASE_PATH: file, LLM_BASE_URL: fake.url, LLM_MODEL: 'judge-model', LLM_API_STYLE: 'chat', LLM_CONCURRENCY: '2' };
		// stderr is a pipe here, as with `judge start … 2> log`.
		const child = spawn(process.execPath, [CLI_ENTRY, 'judge', 'start', '--dataset', String(world.datasetId)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
		expect(code, stderr).toBe(0);
		expect(stdout).toContain(`${TASKS} of ${TASKS} rows judged`);
		expect(stderr).not.toContain('\r');
		const lines = stderr.split('\n').filter((l) => l.includes('Judging:'));
		expect(lines.length).toBeGreaterThanOrEqual(1);
		// One line per 10 s: a run of a few seconds writes one or two, not one per verdict.
		expect(lines.length).toBeLessThanOrEqual(3);
		expect(lines[0]).toMatch(/^\S+ Judging: \d+\/40 judged · \d+ unparsed$/);
	}, 90_000);
});
