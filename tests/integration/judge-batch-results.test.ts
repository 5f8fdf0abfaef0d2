/**
 * A judge run through the Batch API when the provider's result files are odd, against the
 * scripted server through the official SDK: a file that is not JSON Lines, lines that always
 * fail (on the prompt, or as a server error), a request answered twice with different verdicts,
 * a line for a request of no batch of ours, a request with no line. Each call gets the attempts
 * a live call gets, the failed-call share guard applies, and nothing is dropped without a trace.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import type { Db } from '../../src/lib/server/db';
import { createJudgeRun } from '../../src/lib/server/runs/judge/create';
import { RunSession } from '../../src/lib/server/runs/engine/session';
import { retryFailedCalls } from '../../src/lib/server/runs/engine/run-rows';
import { readJudgeProgress } from '../../src/lib/server/runs/judge/progress';
import { FAST_RETRY, all, fakeEndpoint, one } from './generation-support';
import { TASKS, buildJudgeWorld, judgeScript } from './judge-support';
import { spawnCli } from '../support/cli-process';

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

type Line = { id: string; custom_id: string; response: { status_code: number; request_id: string; body: { choices: { message: { content: string } }[] } } | null; error: unknown };
const linesOf = (text: string): Line[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
const jsonl = (lines: unknown[]) => lines.map((l) => `${JSON.stringify(l)}\n`).join('');

async function runBatch(): Promise<{ runId: number; status: string; message: string | null }> {
	const world = await buildJudgeWorld(db);
	const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat' });
	const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id }, batch: true, pollSeconds: 0.02 }, db);
	const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done;
	return { runId: run.id, ...end };
}

const progressOf = (runId: number) => readJudgeProgress(JSON.parse(one<{ p: string }>(db, 'SELECT progress AS p FROM generation_runs WHERE id = ?', runId).p));
const statusCounts = (runId: number) =>
	Object.fromEntries(all<{ status: string; n: number }>(db, 'SELECT status, count(*) AS n FROM generation_calls WHERE run_id = ? GROUP BY status', runId).map((r) => [r.status, r.n]));

describe('judge run, Batch API, odd result files', () => {
	it('a result file that is not JSON Lines pauses the run with its cause and a sample, and sends nothing again', async () => {
		fake.batches.setPlan({ rewriteFiles: () => ({ output: 'this is not json lines\n<html>oops</html>\n', error: '' }) });
		const { runId, status, message } = await runBatch();
		expect(status).toBe('paused');
		expect(message).toContain('cannot be read');
		expect(message).toContain('<html>oops</html>');
		// One paid batch, not hundreds.
		expect(fake.batches.batches()).toHaveLength(1);
		expect(statusCounts(runId)).toEqual({ pending: TASKS });
		expect(progressOf(runId).lastError?.message).toContain('this is not json lines');
	}, 60_000);

	it('lines that always fail on their prompt fail their calls at once (for retry-failed), and the share guard pauses the run', async () => {
		fake.batches.setPlan({
			rewriteFiles: ({ output }) => ({
				output: '',
				error: jsonl(linesOf(output).map((l) => ({ id: l.id, custom_id: l.custom_id, response: null, error: { code: 'context_length_exceeded', message: 'too long' } })))
			})
		});
		const { runId, status, message } = await runBatch();
		expect(status).toBe('paused');
		expect(message).toContain(`${TASKS} of the last ${TASKS} calls failed`);
		expect(fake.batches.batches()).toHaveLength(1);
		expect(statusCounts(runId)).toEqual({ failed: TASKS });
		const reasons = all<{ reason: string; attempts: number }>(db, 'SELECT DISTINCT failure_reason AS reason, attempts FROM generation_calls WHERE run_id = ?', runId);
		expect(reasons).toEqual([{ reason: 'context_length', attempts: 1 }]);
		expect(retryFailedCalls(runId, {}, db).calls).toBe(TASKS);
		// Sent again with a fresh count of attempts.
		expect(all(db, 'SELECT DISTINCT status, attempts FROM generation_calls WHERE run_id = ?', runId)).toEqual([{ status: 'pending', attempts: null }]);
	}, 60_000);

	it('lines that keep failing as server errors use the attempts a live call has, then fail their calls', async () => {
		fake.batches.setPlan({
			rewriteFiles: ({ output }) => ({
				output: '',
				error: jsonl(linesOf(output).map((l) => ({ id: l.id, custom_id: l.custom_id, response: null, error: { code: 'server_error', message: 'mock failure' } })))
			})
		});
		const { runId, status } = await runBatch();
		expect(status).toBe('paused');
		// One batch per attempt, then no more.
		expect(fake.batches.batches()).toHaveLength(FAST_RETRY.maxAttempts);
		expect(statusCounts(runId)).toEqual({ failed: TASKS });
		expect(all(db, 'SELECT DISTINCT failure_reason AS reason, attempts FROM generation_calls WHERE run_id = ?', runId)).toEqual([{ reason: 'other', attempts: FAST_RETRY.maxAttempts }]);
		const progress = progressOf(runId);
		// Counted as requests sent again, not as HTTP retries.
		expect(progress.batchLines.resent).toBe(TASKS * (FAST_RETRY.maxAttempts - 1));
		expect(progress.retries).toBe(0);
	}, 60_000);

	it('a request answered twice with different results fails with both raw texts, whatever their order; strays are counted and named; a missing line is sent again', async () => {
		let created = 0;
		let conflicted: string[] = [];
		let missing = '';
		fake.batches.setPlan(() =>
			++created > 1
				? {}
				: {
						keepOrder: true,
						rewriteFiles: ({ output, error }) => {
							const lines = linesOf(output);
							const [a, b, c] = lines;
							conflicted = [a.custom_id, b.custom_id];
							missing = c.custom_id;
							const flipped = (l: Line): Line => {
								const content = JSON.parse(l.response!.body.choices[0].message.content);
								content.output.valid = !content.output.valid;
								return { ...l, id: `${l.id}-again`, response: { ...l.response!, body: { ...l.response!.body, choices: [{ ...l.response!.body.choices[0], message: { content: JSON.stringify(content) } }] } } };
							};
							// a: two readable verdicts that disagree; b: an unusable body first, then a readable one.
							const unusable = { ...b, id: `${b.id}-first`, response: { ...b.response!, body: { nothing: true } } };
							const stray = { ...a, id: 'stray', custom_id: 'judge-999-call-999' };
							return { output: jsonl([a, flipped(a), unusable, b, stray, ...lines.slice(3)]), error };
						}
					}
		);
		const { runId, status, message } = await runBatch();
		expect(status).toBe('completed');
		expect(message).toContain('2 failed calls');
		const callId = (customId: string) => Number(customId.split('-').pop());
		for (const customId of conflicted) {
			const call = one<{ status: string; reason: string; detail: string }>(db, 'SELECT status, failure_reason AS reason, error_detail AS detail FROM generation_calls WHERE id = ?', callId(customId));
			expect(call).toMatchObject({ status: 'failed', reason: 'bad_response' });
			expect(JSON.parse(call.detail).conflictingResults).toHaveLength(2);
			// Its row is recorded without a verdict, never with the first (or the readable) line's.
			expect(one(db, 'SELECT status, problem FROM judge_labels WHERE call_id = ?', callId(customId))).toEqual({ status: 'unparsed', problem: 'call_failed' });
		}
		expect(one(db, 'SELECT status, attempts FROM generation_calls WHERE id = ?', callId(missing))).toEqual({ status: 'done', attempts: 2 });
		const progress = progressOf(runId);
		expect(progress.batchLines).toEqual({ resent: 1, unexpected: 1, unexpectedIds: ['judge-999-call-999'], conflicting: 2 });

		const cli = spawnCli(['judge', 'status', String(runId), '--json'], { DATABASE_PATH: file });
		expect(await cli.exit).toBe(0);
		const out = JSON.parse(cli.output());
		expect(out.batchLines).toEqual(progress.batchLines);
	}, 60_000);
});
