/**
 * The rating and pairwise judges end to end through the official SDK against the scripted
 * server: an A–D rating per response (an unreadable reply asked again once, a twice-unreadable
 * one recorded as unparsed with its raw text, the same through the Batch API) calibrated against
 * a rating audit; and pairwise — every pair asked in both orders, a consistent verdict kept, an
 * inconsistent one recorded as a tie, both raw replies kept, across a kill -9 of the CLI —
 * calibrated against a pairwise audit's human majority. Expected figures are worked out here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI, type FakeScript } from '../support/fake-openai';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewItemView } from '../../src/lib/server/audits/review';
import { responseOrder } from '../../src/lib/audits/order';
import { createJudgeRun } from '../../src/lib/server/runs/judge/create';
import { RunSession } from '../../src/lib/server/runs/engine/session';
import { readJudgeProgress } from '../../src/lib/server/runs/judge/progress';
import { getRun } from '../../src/lib/server/runs/engine/run-rows';
import { judgeCalibration, overlappingJudgeRuns } from '../../src/lib/server/judge';
import { ReportError, judgeCalibrationOffThread } from '../../src/lib/server/reports';
import { FAST_RETRY, all, fakeEndpoint, one } from './generation-support';
import { makeUsers } from './audit-fixtures';
import { REMINDER, RATING_TASKS as TASKS, expectedRatingConfusion, judgeRates, modesScript as script, ratingWorld } from './judge-modes-support';
import { spawnCli, waitFor } from '../support/cli-process';
import { countExport } from '../../src/lib/server/exports/export';
import { exportFacets } from '../../src/lib/server/exports/facets';
import { parseWhere } from '../../src/lib/server/exports/filters';

let db: Db;
let file: string;
let cleanup: () => void;
let fake: FakeOpenAI;
let child: ChildProcess | undefined;

beforeEach(async () => {
	({ db, file, cleanup } = createTestDb());
	fake = await startFakeOpenAI({ script });
});
afterEach(async () => {
	if (child && child.exitCode === null) child.kill('SIGKILL');
	await fake.close();
	cleanup();
});

function cli(args: string[]) {
	const run = spawnCli(args, { DATABASE_PATH: file, LLM_BASE_URL: fake.url, LLM_MODEL: 'judge-model', LLM_API_STYLE: 'chat', LLM_CONCURRENCY: '2' });
	child = run.child;
	return run;
}


// ───────────────────────────── rating ─────────────────────────────

function checkRatingLabels(runId: number) {
	const labels = all<{ response: string; status: string; rating: string | null; raw_reply: string | null; problem: string | null; attempts: number; verdicts: string | null }>(
		db,
		'SELECT r.response, l.* FROM judge_labels l JOIN responses r ON r.id = l.response_id WHERE l.run_id = ?',
		runId
	);
	expect(labels).toHaveLength(TASKS * 2);
	for (const l of labels) {
		const model = l.response.split(' ')[0];
		const task = Number(/task (\d+)/.exec(l.response)![1]);
		const says = judgeRates(model, task);
		if (says === null) {
			expect(l).toMatchObject({ status: 'unparsed', rating: null, raw_reply: 'Rating: A', problem: 'not_json', attempts: 2 });
		} else {
			expect(l.status).toBe('parsed');
			expect(l.rating).toBe(says);
			expect(JSON.parse(l.verdicts!)).toEqual({ rating: says, reason: 'As scripted.' });
			expect(l.attempts).toBe(task === 2 ? 2 : 1);
		}
	}
	// No instance or pair is named by a rating label: it lives apart, keyed by the response.
	expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM judge_labels WHERE run_id = ? AND (instance_id IS NOT NULL OR pair_id IS NOT NULL)', runId).n).toBe(0);
}

describe('rating judge', () => {
	it('a call refused for its prompt: the note speaks of responses without a verdict (no "estimate"), and no raw reply is claimed', async () => {
		const world = await ratingWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 2 });
		let refused = '';
		fake.setScript((request) => {
			// The first response's prompt is too long, as OpenAI words it ("your messages resulted in …").
			if (!refused || request.prompt === refused) {
				refused = request.prompt;
				return {
					fault: 'status',
					status: 400,
					code: 'context_length_exceeded',
					message: "This model's maximum context length is 4096 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages."
				};
			}
			return script(request);
		});
		const run = createJudgeRun({ mode: 'rating', datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done;
		expect(end.status).toBe('completed');
		expect(end.message).toContain('3 responses got no readable verdict: 2 with a reply that could not be read (recorded as unparsed with the raw reply; nothing was guessed), 1 whose call failed (no reply).');
		expect(end.message).toContain('the responses they were for are recorded without a verdict until they are answered');
		expect(end.message).not.toMatch(/estimate|counted as "no"/);
		const failed = one<{ error: string; raw: string | null }>(
			db,
			"SELECT c.error, l.raw_reply AS raw FROM generation_calls c JOIN judge_labels l ON l.call_id = c.id WHERE c.run_id = ? AND c.status = 'failed'",
			run.id
		);
		expect(failed.raw).toBeNull();
		expect(failed.error).toContain('the prompt is 9,000 tokens and max_tokens asks for');
	});

	it('rates every response A–D, retries an unreadable reply once, records a twice-unreadable one, and calibrates against the rating audit', async () => {
		const world = await ratingWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4, prices: true });
		// A quality judge is refused for a rating audit's items; the rating one fits.
		expect(() => createJudgeRun({ auditId: world.auditId, endpoint: { kind: 'stored', id: endpoint.id } }, db)).toThrow(/rating/);
		const run = createJudgeRun({ mode: 'rating', datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		expect(run.target).toBe(TASKS * 2);
		const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done;
		expect(end.status).toBe('completed');
		expect(end.message).toContain('2 responses got no readable verdict');
		checkRatingLabels(run.id);

		// The retry's prompt carries the reminder and is the one recorded.
		const retry = one<{ prompt: string; step: string }>(db, "SELECT prompt, step FROM generation_calls WHERE run_id = ? AND call_key LIKE '%/retry' LIMIT 1", run.id);
		expect(retry.step).toBe('judge/rating');
		expect(retry.prompt).toContain(REMINDER);
		expect(retry.prompt).toContain('A — '); // the rubric's A–D levels are in the prompt
		const progress = readJudgeProgress(getRun(run.id, db)!.progress);
		expect(progress.judge).toMatchObject({ rows: 24, parsed: 22, unparsed: 2, retried: 4, ratings: { A: 11, C: 11 } });
		expect(progress.costKnown).toBe(true);

		expect(overlappingJudgeRuns(world.auditId, db).map((r) => r.id)).toEqual([run.id]);
		const cal = judgeCalibration(world.auditId, run.id, {}, db);
		if (cal.mode !== 'rating') throw new Error('expected a rating calibration');
		const want = expectedRatingConfusion(world.audited);
		expect(cal.responses).toBe(16);
		expect(cal.calibration.confusion).toEqual(want.confusion);
		expect(cal.calibration.judgeMissing).toBe(want.missing);
		const n = 16 - want.missing;
		const exact = want.confusion.reduce((s, row, i) => s + row[i], 0);
		expect(cal.calibration.pairs).toBe(n);
		expect(cal.calibration.exactAgreement.proportion).toBeCloseTo(exact / n, 12);
		// κ from the matrix, worked out here.
		const rowsSum = want.confusion.map((r) => r.reduce((a, b) => a + b, 0));
		const colsSum = [0, 1, 2, 3].map((j) => want.confusion.reduce((s, r) => s + r[j], 0));
		const pe = rowsSum.reduce((s, r, i) => s + (r / n) * (colsSum[i] / n), 0);
		expect(cal.calibration.kappa.kappa).toBeCloseTo((exact / n - pe) / (1 - pe), 12);
		expect(cal.byModel.map((m) => m.model)).toEqual(['alpha', 'beta']);
		expect(cal.judgeDistribution).toEqual({ A: 11, B: 0, C: 11, D: 0, unparsed: 2 });
		// The report page's: the same, computed in the report thread; its refusals are the same errors.
		expect(await judgeCalibrationOffThread(world.auditId, run.id, db)).toEqual(cal);
		await expect(judgeCalibrationOffThread(world.auditId, run.id + 99, db)).rejects.toThrow(ReportError);
		await expect(judgeCalibrationOffThread(world.auditId, run.id + 99, db)).rejects.toMatchObject({ status: 404 });

		// The same from the command line, as text.
		const text = cli(['report', String(world.auditId), '--judge', String(run.id)]);
		expect(await text.exit, text.output()).toBe(0);
		expect(text.output()).toContain(`Judge run ${run.id} (fake-base, rating) against the final human labels`);
		expect(text.output()).toContain(`Exact agreement ${(100 * exact / n).toFixed(1)}%`);
		// --methods has a sentence for a quality judge only: a rating run is refused, saying which runs it takes (it was ignored, exit 0).
		const methods = cli(['report', String(world.auditId), '--judge', String(run.id), '--methods']);
		expect(await methods.exit, methods.output()).toBe(2);
		expect(methods.output()).toContain(`--judge with --methods takes a quality judge run only; judge run ${run.id} is a rating run`);

		// The thread keeps the calibration while the database is unchanged, never after a change.
		db.$client.prepare<[number]>("UPDATE audit_label_ratings SET rating = CASE rating WHEN 'A' THEN 'D' ELSE 'A' END WHERE audit_id = ?").run(world.auditId);
		const changed = judgeCalibration(world.auditId, run.id, {}, db);
		expect(changed).not.toEqual(cal);
		expect(await judgeCalibrationOffThread(world.auditId, run.id, db)).toEqual(changed);
	}, 60_000);

	it("exports refuse a rating run as their judge filter, and the export page lists quality runs only", async () => {
		const world = await ratingWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4 });
		const rating = createJudgeRun({ mode: 'rating', datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		const quality = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		const filters = parseWhere([`judge-run=${rating.id}`, 'judge-valid']);
		expect(() => countExport({ datasetId: world.datasetId, filters }, db)).toThrow(new RegExp(`Judge run ${rating.id} is a rating judge`));
		expect(() => countExport({ datasetId: world.datasetId, filters: parseWhere([`judge-run=${quality.id}`, 'judge-valid']) }, db)).not.toThrow();
		expect(exportFacets(world.datasetId, db).judgeRuns.map((r) => r.id)).toEqual([quality.id]);
		const out = cli(['export', String(world.datasetId), '--judge-run', String(rating.id), '--judge-valid', '--format', 'jsonl', '--out', `${file}.export.jsonl`]);
		expect(await out.exit, out.output()).not.toBe(0);
		expect(out.output()).toMatch(/is a rating judge/);
	}, 60_000);

	it('the same through the Batch API, through dropped connections and 5xx from it: labels equal the live path’s', async () => {
		const world = await ratingWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4, prices: true });
		const run = createJudgeRun({ mode: 'rating', auditId: world.auditId, batch: true, pollSeconds: 0.05, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		expect(run.target).toBe(16);
		// The Files/Batch API fails now and then (a reset socket, a 502): each step is retried, found again rather than redone.
		fake.failBatchApiNext({ fault: 'reset' });
		fake.failBatchApiNext({ fault: 'status', status: 502 }, 2);
		const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done;
		expect(end.status, end.message ?? '').toBe('completed');
		// Every remote batch is one of ours, created once.
		const ours = all<{ batch_id: string }>(db, 'SELECT batch_id FROM judge_batches WHERE run_id = ?', run.id).map((b) => b.batch_id).sort();
		expect(ours.length).toBeGreaterThanOrEqual(1);
		expect(fake.batches.batches().map((b) => b.id).sort()).toEqual(ours);
		expect(fake.batches.batches().every((b) => b.status === 'completed')).toBe(true);
		const labels = all<{ response: string; status: string; rating: string | null }>(
			db,
			'SELECT r.response, l.status, l.rating FROM judge_labels l JOIN responses r ON r.id = l.response_id WHERE l.run_id = ?',
			run.id
		);
		expect(labels).toHaveLength(16);
		for (const l of labels) expect(l.rating).toBe(judgeRates(l.response.split(' ')[0], Number(/task (\d+)/.exec(l.response)![1])));
		const cal = judgeCalibration(world.auditId, run.id, {}, db);
		if (cal.mode !== 'rating') throw new Error('expected a rating calibration');
		expect(cal.calibration.confusion).toEqual(expectedRatingConfusion(world.audited).confusion);
	});
});

// ───────────────────────────── pairwise ─────────────────────────────

const PAIRS = 10;
/** The judge's outcome per pair k, in the pair's own order (first = completion_a = "good k" when k is even). */
function judgeOutcome(k: number): { winner: 'first' | 'second' | 'tie'; consistent: boolean } {
	if (k % 3 === 0) return { winner: 'tie', consistent: false };
	if (k === 7) return { winner: 'tie', consistent: true };
	return { winner: k % 2 === 0 ? 'first' : 'second', consistent: true };
}
/** The reviewers: the good one, except pair 2 (they prefer the bad one) and pair 5 (tie). */
function humanPrefers(k: number): 'a' | 'b' | 'tie' {
	if (k === 5) return 'tie';
	const good = k % 2 === 0 ? 'a' : 'b';
	return k === 2 ? (good === 'a' ? 'b' : 'a') : good;
}

async function pairwiseWorld() {
	const rows = Array.from({ length: PAIRS }, (_, k) => ({
		user_input: `Prompt ${k}`,
		completion_a: k % 2 === 0 ? `good ${k}` : `bad ${k}`,
		completion_b: k % 2 === 0 ? `bad ${k}` : `good ${k}`
	}));
	const { datasetId } = await importFile(streamOf(JSON.stringify(rows)), { datasetName: 'pairs', fileName: 'cmp.json' }, db);
	const [r] = makeUsers(db, 1);
	const audit = createAudit({ datasetId, kind: 'pairwise', reviewerIds: [r.id], seed: 3, sampleSize: PAIRS }, db);
	for (;;) {
		const next = nextAssignment(audit.id, r.id, {}, db);
		if (next.status !== 'assigned') break;
		const item = one<{ id: number; prompt: string }>(db, 'SELECT a.id, t.instruction AS prompt FROM audit_items a JOIN tasks t ON t.id = a.task_id WHERE a.ref = ?', next.ref);
		const k = Number(/(\d+)/.exec(item.prompt)![1]);
		const pref = humanPrefers(k);
		const order = responseOrder(2, r.id, item.id, true);
		// The choice is made on screen (A = shown first); stored in the pair's own order.
		const choice = pref === 'tie' ? 'tie' : (pref === 'a') === (order[0] === 0) ? 'A' : 'B';
		submitLabel(audit.id, r.id, { ref: next.ref, submissionId: randomUUID(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, db);
	}
	expect(all<{ p: string }>(db, 'SELECT preference AS p FROM audit_labels WHERE audit_id = ?', audit.id)).toHaveLength(PAIRS);
	return { datasetId, auditId: audit.id };
}

describe('pairwise judge', () => {
	it('asks every pair in both orders across a kill -9, keeps a consistent verdict, records an inconsistent one as a tie with both raw replies, and calibrates against the human majority', async () => {
		const world = await pairwiseWorld();
		fake.setLatency(40);
		const first = cli(['judge', 'start', '--dataset', String(world.datasetId), '--pairwise', '--json']);
		await waitFor(() => one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE status = 'done'").n >= 6, 'some answered calls');
		child!.kill('SIGKILL');
		await first.exit;
		const runId = one<{ id: number }>(db, "SELECT id FROM generation_runs WHERE pipeline = 'judge'").id;
		expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM judge_labels WHERE run_id = ?', runId).n).toBeLessThan(PAIRS);
		// With no server to reap it, the command line itself says the killed run stopped (it had read "running").
		const status = cli(['judge', 'status', String(runId), '--json']);
		expect(await status.exit).toBe(0);
		expect(JSON.parse(status.output())).toMatchObject({ status: 'interrupted' });
		const listed = cli(['generate', '--list', '--json']);
		expect(await listed.exit).toBe(0);
		expect(JSON.parse(listed.output())).toMatchObject([{ id: runId, status: 'interrupted', message: expect.stringContaining('Resume the run') }]);
		const second = cli(['judge', 'resume', String(runId), '--json']);
		expect(await second.exit).toBe(0);
		const summary = JSON.parse(second.output().slice(second.output().indexOf('{')));
		expect(summary).toMatchObject({ mode: 'pairwise', status: 'completed', rows: PAIRS, parsed: PAIRS, unparsed: 0, inconsistent: 4, retried: 1 });

		// Two calls per pair, plus pair 4's retry; none asked twice.
		const keys = all<{ call_key: string }>(db, 'SELECT call_key FROM generation_calls WHERE run_id = ?', runId).map((c) => c.call_key);
		expect(new Set(keys).size).toBe(keys.length);
		expect(keys).toHaveLength(PAIRS * 2 + 1);
		expect(keys.filter((k) => k.endsWith('/retry'))).toEqual([expect.stringMatching(/^judge\/pair \d+\/swapped\/retry$/)]);
		const requests = fake.generationRequests().length;
		// At most the calls pending at the kill were asked again: those in flight (concurrency 2), and
		// those answered whose store had not run yet (the calls taking their slots go out first).
		expect(requests).toBeLessThanOrEqual(PAIRS * 2 + 1 + 2 * 2);

		const labels = all<{ prompt: string; status: string; winner: string; consistent: number; verdicts: string; attempts: number; call_id: number; swapped_call_id: number }>(
			db,
			'SELECT t.instruction AS prompt, l.* FROM judge_labels l JOIN preference_pairs p ON p.id = l.pair_id JOIN tasks t ON t.id = p.task_id WHERE l.run_id = ?',
			runId
		);
		expect(labels).toHaveLength(PAIRS);
		for (const l of labels) {
			const k = Number(/(\d+)/.exec(l.prompt)![1]);
			const want = judgeOutcome(k);
			expect({ k, winner: l.winner, consistent: l.consistent === 1 }).toEqual({ k, ...want });
			const v = JSON.parse(l.verdicts);
			// Both raw replies, as received, and each order's verdict as shown.
			expect(typeof v.original.raw).toBe('string');
			expect(typeof v.swapped.raw).toBe('string');
			if (k % 3 === 0) {
				expect(v.original).toMatchObject({ verdict: 'A', raw: '{"verdict":"A","reason":"The first one."}' });
				expect(v.swapped).toMatchObject({ verdict: 'A' });
				expect(v.original.winner).not.toBe(v.swapped.winner);
			}
			if (k === 7) expect(v.original.raw).toBe('{"verdict": "Tie", "reason": "Equally good."}');
			expect(l.attempts).toBe(k === 4 ? 3 : 2);
			const calls = all<{ id: number; call_key: string }>(db, 'SELECT id, call_key FROM generation_calls WHERE id IN (?, ?)', l.call_id, l.swapped_call_id);
			expect(calls.map((c) => c.call_key).sort()).toEqual(
				k === 4 ? [expect.stringMatching(/\/original$/), expect.stringMatching(/\/swapped\/retry$/)] : [expect.stringMatching(/\/original$/), expect.stringMatching(/\/swapped$/)]
			);
		}

		// The calibration, from the command line as JSON.
		const report = cli(['report', String(world.auditId), '--judge', String(runId), '--json']);
		expect(await report.exit).toBe(0);
		const out = JSON.parse(report.output());
		const winners = ['first', 'second', 'tie'] as const;
		const confusion = winners.map(() => winners.map(() => 0));
		const toWinner = (p: 'a' | 'b' | 'tie') => (p === 'a' ? 'first' : p === 'b' ? 'second' : 'tie');
		for (let k = 0; k < PAIRS; k++) confusion[winners.indexOf(judgeOutcome(k).winner)][winners.indexOf(toWinner(humanPrefers(k)))]++;
		expect(out.judge.mode).toBe('pairwise');
		expect(out.judge.calibration.confusion).toEqual(confusion);
		const same = confusion.reduce((s, row, i) => s + row[i], 0);
		expect(out.judge.calibration.agreementWithTies.proportion).toBeCloseTo(same / PAIRS, 12);
		expect(out.judge.judgeTally).toMatchObject({ pairs: PAIRS, inconsistent: 4, favouredShownFirst: 4 });
		expect(out.judge.calibration.kappa.kappa).not.toBeNull();
		const text = cli(['report', String(world.auditId), '--judge', String(runId)]);
		expect(await text.exit).toBe(0);
		expect(text.output()).toContain('The judge\'s two orders disagreed on 4 of 10 pairs');
	}, 120_000);

	it('through the Batch API: both orders in one batch, the retried order in the next, the same outcomes', async () => {
		const world = await pairwiseWorld();
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 4, prices: true });
		const run = createJudgeRun({ mode: 'pairwise', auditId: world.auditId, batch: true, pollSeconds: 0.05, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done;
		expect(end.status).toBe('completed');
		expect(fake.batches.batches()).toHaveLength(2);
		const labels = all<{ prompt: string; winner: string; consistent: number }>(
			db,
			'SELECT t.instruction AS prompt, l.winner, l.consistent FROM judge_labels l JOIN preference_pairs p ON p.id = l.pair_id JOIN tasks t ON t.id = p.task_id WHERE l.run_id = ?',
			run.id
		);
		expect(labels).toHaveLength(PAIRS);
		for (const l of labels) {
			const k = Number(/(\d+)/.exec(l.prompt)![1]);
			expect({ k, winner: l.winner, consistent: l.consistent === 1 }).toEqual({ k, ...judgeOutcome(k) });
		}
		const cal = judgeCalibration(world.auditId, run.id, {}, db);
		if (cal.mode !== 'pairwise') throw new Error('expected a pairwise calibration');
		expect(cal.judgeTally).toMatchObject({ pairs: PAIRS, inconsistent: 4 });
	});
});
