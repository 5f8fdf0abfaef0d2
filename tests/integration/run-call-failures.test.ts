/**
 * Per-call failures (issue #23), through the real openai SDK against the scripted server: an
 * error about one prompt — context length, a content policy, a rejected parameter, a reply cut
 * by the content filter — fails that call with its reason and the run goes on to its target;
 * the share guard pauses a run where most calls fail; "retry failed calls" re-sends exactly the
 * failed calls and never an answered one; errors about the endpoint still pause or fail the run.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import {
	CONTENT_FILTERED_REPLY,
	CONTENT_POLICY_ERROR,
	contextLengthError,
	invalidParameterError,
	startFakeOpenAI,
	vllmContextLengthError,
	type FakeGenerationRequest,
	type FakeOpenAI,
	type FakeRequestRecord,
	type PromptFault
} from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import type { Db } from '../../src/lib/server/db';
import { RunSession } from '../../src/lib/server/runs/engine/session';
import { retryFailedCalls, setFailedCallShare } from '../../src/lib/server/runs/engine/run-rows';
import { runSummary } from '../../src/lib/server/runs/summary';
import { RunError } from '../../src/lib/server/runs/errors';
import { all, FAST_RETRY, fakeEndpoint, one, progressOf, startRun } from './generation-support';

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

const keyOf = (r: { headers: Record<string, unknown> }) => String(r.headers['x-client-request-id'] ?? '');
const isInstances = (r: FakeGenerationRequest) => /\nTask: [^\n]*\n$/.test(r.prompt);
const isClassification = (r: FakeGenerationRequest) => /Classification:\s*$/.test(r.prompt);
const onBaseModel = (r: FakeGenerationRequest) => r.model === 'fake-base';

/** Context length, content policy, finish_reason content_filter and a rejected parameter, each on some prompts, only on the base model. */
const MIXED_FAULTS: PromptFault[] = [
	{ share: 0.12, match: (r) => isInstances(r) && onBaseModel(r), reply: (r) => contextLengthError(r, 60) },
	{ share: 0.06, match: (r) => isInstances(r) && onBaseModel(r), reply: CONTENT_POLICY_ERROR },
	{ share: 0.06, match: (r) => isInstances(r) && onBaseModel(r), reply: CONTENT_FILTERED_REPLY },
	{
		share: 0.1,
		match: (r) => isClassification(r) && onBaseModel(r),
		reply: invalidParameterError('logit_bias', "Invalid 'logit_bias': token 50256 is not allowed for this prompt.")
	}
];

/** What the server did with each call key: the reason it failed it for, or null for an answer. */
function serverOutcomes(requests: FakeRequestRecord[]): Map<string, string | null> {
	const outcome = new Map<string, string | null>();
	for (const r of requests) {
		if (r.api === undefined) continue;
		const code = r.outcome === 400 ? 'error' : r.finishReason === 'content_filter' ? 'content_filter' : null;
		outcome.set(keyOf(r), code);
	}
	return outcome;
}

interface CallRow {
	call_key: string;
	status: string;
	failure_reason: string | null;
	error: string | null;
	error_detail: string | null;
	completion: string | null;
	finish_reason: string | null;
	task_id: number | null;
	step: string;
}

const callsOf = (runId: number) => all<CallRow>(db, 'SELECT call_key, status, failure_reason, error, error_detail, completion, finish_reason, task_id, step FROM generation_calls WHERE run_id = ? ORDER BY id', runId);

describe('calls failing on their own prompt', () => {
	it('records each failed call with its reason, holds back its task, and the run reaches its target', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript(), promptFaults: MIXED_FAULTS });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 40, endpointId: endpoint.id, failedCallShare: 0.5 });
		const end = await session.done;
		expect(end.status).toBe('completed');
		const progress = progressOf(db, run.id);
		// The target counts usable tasks: the dataset keeps 40, however many were held back or dropped.
		const keptTasks = one<{ n: number }>(db, "SELECT count(*) AS n FROM tasks WHERE run_id = ? AND filter_status = 'kept'", run.id).n;
		expect(keptTasks).toBe(40);
		expect(progress.accepted).toBeGreaterThan(40);
		const heldTasks = one<{ n: number }>(db, "SELECT count(*) AS n FROM tasks WHERE run_id = ? AND filter_rule = 'callFailed'", run.id).n;
		const rejectedTasks = one<{ n: number }>(db, "SELECT count(*) AS n FROM tasks WHERE run_id = ? AND filter_status = 'rejected' AND filter_rule <> 'callFailed'", run.id).n;
		// One split of the candidates, the same on the page and in --status: it adds up and matches the rows.
		expect(runSummary(run.id, db)!.counts).toMatchObject({ candidates: progress.candidates, kept: keptTasks, heldBack: heldTasks, rejected: rejectedTasks });
		expect(keptTasks + heldTasks + rejectedTasks).toBe(progress.candidates);
		// The message counts the tasks actually held back (not "the work they were for").
		expect(end.message).toMatch(new RegExp(`; ${heldTasks} tasks? they were for (is|are) held back until they are answered\\. Retry them`));
		expect(runSummary(run.id, db)!.done).toBe(40);

		const calls = callsOf(run.id);
		const failed = calls.filter((c) => c.status === 'failed');
		expect(failed.length).toBeGreaterThan(4);
		expect(calls.filter((c) => c.status === 'pending')).toHaveLength(0);
		// Exactly the calls the server refused (or whose reply it filtered) are failed, each with the right reason.
		const outcomes = serverOutcomes(fake.generationRequests());
		for (const call of calls) {
			const server = outcomes.get(call.call_key);
			if (server === null) expect(call.status, call.call_key).toBe('done');
			else expect(call.status, call.call_key).toBe('failed');
		}
		const reasons = new Set(failed.map((c) => c.failure_reason));
		expect([...reasons].sort()).toEqual(['content_filter', 'context_length', 'invalid_request']);

		// The context-length message gives the numbers and what to change; the detail keeps the server's words.
		const tooLong = failed.find((c) => c.failure_reason === 'context_length')!;
		expect(tooLong.error).toMatch(/the prompt is \d+ tokens and max_tokens asks for \d+ more: \d+ in all, over the model's limit of 60/);
		expect(tooLong.error).toMatch(/fewer or shorter seed examples.*lower max_tokens.*larger context/);
		expect(tooLong.error).not.toMatch(/chat/i);
		expect(JSON.parse(tooLong.error_detail!)).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'prompt', tokens: { limit: 60 } });
		// A filtered reply is kept as it came.
		const filtered = failed.find((c) => c.finish_reason === 'content_filter')!;
		expect(filtered).toMatchObject({ failure_reason: 'content_filter', completion: 'I can start with' });
		const param = failed.find((c) => c.failure_reason === 'invalid_request')!;
		expect(param.error).toContain("rejected this call's logit_bias (400)");

		// Counters agree with the rows, and the summary (what the page and --status --json show) breaks them down.
		const byReason = Object.fromEntries(
			all<{ r: string; n: number }>(db, "SELECT failure_reason AS r, count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'failed' GROUP BY 1", run.id).map((x) => [x.r, x.n])
		);
		expect(progress.calls.failed).toBe(failed.length);
		expect(progress.failedByReason).toEqual(byReason);
		const summary = runSummary(run.id, db)!;
		expect(summary.failedCalls.total).toBe(failed.length);
		expect(summary.failedCalls.byReason.map((r) => [r.reason, r.n])).toEqual(Object.entries(byReason).sort((a, b) => b[1] - a[1]));
		expect(summary.failedCalls.byReason.find((r) => r.reason === 'context_length')?.label).toBe('Prompt too long for the model');
		expect(summary.message).toMatch(new RegExp(`^Completed: 40 instructions kept \\(target 40\\)\\. Completed with ${failed.length} failed calls`));

		// The task each failed call was for is held back, visibly, with the failure in its detail.
		const held = all<{ id: number; filter_detail: string }>(db, "SELECT id, filter_detail FROM tasks WHERE run_id = ? AND filter_rule = 'callFailed'", run.id);
		expect(held.map((t) => t.id).sort()).toEqual(failed.map((c) => c.task_id).sort());
		expect(progress.tasksFailed).toBe(held.length);
		for (const task of held) expect(task.filter_detail).toMatch(/^Its (instances|classification) call failed: /);
		// A task whose classification failed got no instances call.
		for (const c of failed.filter((x) => x.step === 'self-instruct/classification')) {
			expect(calls.some((x) => x.task_id === c.task_id && x.step.includes('instances'))).toBe(false);
		}
	});

	it('retry-failed re-sends exactly the failed calls with a larger-context model, never an answered one', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript(), promptFaults: MIXED_FAULTS });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 30, endpointId: endpoint.id, failedCallShare: 0.5 });
		expect((await session.done).status).toBe('completed');
		const before = callsOf(run.id);
		const failedKeys = before.filter((c) => c.status === 'failed').map((c) => c.call_key);
		const answeredKeys = new Set(before.filter((c) => c.status === 'done').map((c) => c.call_key));
		expect(failedKeys.length).toBeGreaterThan(2);
		const tasksBefore = all<{ id: number; instruction: string }>(db, 'SELECT id, instruction FROM tasks WHERE run_id = ? ORDER BY id', run.id);
		const sentBefore = fake.generationRequests().length;

		const { calls } = retryFailedCalls(run.id, { model: 'fake-large' }, db);
		expect(calls).toBe(failedKeys.length);
		expect(progressOf(db, run.id).calls.failed).toBe(0);
		const retry = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } });
		expect((await retry.done).status).toBe('completed');

		const resent = fake.generationRequests().slice(sentBefore);
		const resentKeys = resent.map(keyOf);
		// Every failed call went out once more, with the new model; no answered call did.
		for (const key of failedKeys) expect(resentKeys.filter((k) => k === key), key).toHaveLength(1);
		expect(resentKeys.filter((k) => answeredKeys.has(k))).toEqual([]);
		expect(resent.every((r) => r.body?.model === 'fake-large')).toBe(true);
		// Anything else sent is new work the answers unblocked: instances of tasks whose classification had failed.
		const extra = resentKeys.filter((k) => !failedKeys.includes(k));
		for (const key of extra) expect(key).toMatch(/si-instances\/task \d+$/);

		const after = callsOf(run.id);
		expect(after.filter((c) => c.status !== 'done')).toEqual([]);
		expect(after.filter((c) => failedKeys.includes(c.call_key)).every((c) => c.error?.startsWith('Before the retry: '))).toBe(true);
		const progress = progressOf(db, run.id);
		expect(progress.tasksFailed).toBe(0);
		expect(Object.values(progress.failedByReason).every((n) => n === 0)).toBe(true);
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM tasks WHERE run_id = ? AND filter_rule = 'callFailed'", run.id).n).toBe(0);
		// What was stored before is untouched, and no reply item was stored twice.
		const tasksAfter = all<{ id: number; instruction: string }>(db, 'SELECT id, instruction FROM tasks WHERE run_id = ? ORDER BY id', run.id);
		expect(tasksAfter).toEqual(tasksBefore);
		expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM (SELECT call_id, item_index FROM generation_candidates GROUP BY 1, 2 HAVING count(*) > 1)').n).toBe(0);
		expect(runSummary(run.id, db)!.model).toBe('fake-large');
		// Nothing failed is left to retry.
		expect(() => retryFailedCalls(run.id, {}, db)).toThrow(RunError);
	});

	it('retry-failed on a run at its target refuses to re-send generation calls (their candidates could only be over the target)', async () => {
		const generation = (r: FakeGenerationRequest) => !isInstances(r) && !isClassification(r);
		let generationCalls = 0;
		fake = await startFakeOpenAI({ script: pipelineScript(), promptFaults: [{ share: 1, match: (r) => generation(r) && generationCalls++ < 2, reply: CONTENT_POLICY_ERROR }] });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 12, endpointId: endpoint.id, failedCallShare: 0.9 });
		expect((await session.done).status).toBe('completed');
		const failed = callsOf(run.id).filter((c) => c.status === 'failed');
		expect(failed.length).toBeGreaterThan(0);
		expect(failed.every((c) => c.task_id === null)).toBe(true);
		expect(() => retryFailedCalls(run.id, {}, db)).toThrow(/already has its 12 kept: its \d+ failed generation calls? would only add candidates over the target/);
		// Nothing was set to be sent again.
		expect(callsOf(run.id).filter((c) => c.status === 'pending')).toEqual([]);
		expect(runSummary(run.id, db)!.status).toBe('completed');
		// A short completed run has a rate too.
		expect(runSummary(run.id, db)!.requestsPerSecond).toBeGreaterThan(0);
	});

	it('a resume sends pending calls again but never a failed one', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript(), latencyMs: 20, promptFaults: MIXED_FAULTS });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 30, endpointId: endpoint.id, failedCallShare: 0.5 });
		while (one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'failed'", run.id).n < 2) {
			await new Promise((r) => setTimeout(r, 10));
		}
		session.stop('pause');
		expect((await session.done).status).toBe('paused');
		const failedKeys = callsOf(run.id).filter((c) => c.status === 'failed').map((c) => c.call_key);
		const sentBefore = fake.generationRequests().length;
		const resumed = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } });
		expect((await resumed.done).status).toBe('completed');
		const resentKeys = fake.generationRequests().slice(sentBefore).map(keyOf);
		expect(resentKeys.filter((k) => failedKeys.includes(k))).toEqual([]);
		expect(callsOf(run.id).filter((c) => failedKeys.includes(c.call_key)).every((c) => c.status === 'failed')).toBe(true);
	});

	it('the share guard pauses a run where most calls fail, with the breakdown by reason', async () => {
		fake = await startFakeOpenAI({
			script: pipelineScript(),
			promptFaults: [
				{ share: 0.7, reply: (r) => contextLengthError(r, 50) },
				{ share: 0.5, reply: CONTENT_POLICY_ERROR }
			]
		});
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 200, endpointId: endpoint.id });
		const end = await session.done;
		expect(end.status).toBe('paused');
		expect(end.message).toMatch(
			/^Paused: (\d+) of the last (\d+) calls failed on their own prompt \((\d+)%, above the 5% allowed, and beyond chance: calls failing at 5% would fail that often less than once in 1,000\): \d+ prompt too long for the model(, \d+ refused by a content filter)?\./
		);
		const [, failedN, ofN] = /(\d+) of the last (\d+)/.exec(end.message!)!.map(Number);
		// Most calls failing: paused early, without waiting for 50 calls.
		expect(ofN).toBeGreaterThanOrEqual(10);
		expect(ofN).toBeLessThan(50);
		expect(failedN / ofN).toBeGreaterThan(0.05);
		// Nothing lost: failed calls are recorded, the rest stay pending for the resume.
		const progress = progressOf(db, run.id);
		expect(progress.calls.failed).toBe(one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'failed'", run.id).n);
		// The allowed share is the person's to raise, while the run is not running.
		setFailedCallShare(run.id, 0.9, db);
		expect(runSummary(run.id, db)!.failedCallShare).toBe(0.9);
		expect(() => setFailedCallShare(run.id, 0, db)).toThrow(RunError);
	});

	it('Unnatural Instructions: a vLLM context-length error on output calls holds those tasks back and the run goes on', async () => {
		fake = await startFakeOpenAI({
			script: pipelineScript(),
			promptFaults: [{ share: 0.2, match: (r) => /Output:\s*$/.test(r.prompt), reply: (r) => vllmContextLengthError(r, 70) }]
		});
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4, apiStyle: 'chat' });
		const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 15, rephrasings: 1, endpointId: endpoint.id, failedCallShare: 0.5 });
		const end = await session.done;
		expect(end, end.message ?? '').toMatchObject({ status: 'completed' });
		const failed = callsOf(run.id).filter((c) => c.status === 'failed');
		expect(failed.length).toBeGreaterThan(0);
		for (const call of failed) {
			expect(call).toMatchObject({ step: 'unnatural/output', failure_reason: 'context_length' });
			expect(call.error).toMatch(/the prompt is \d+ tokens and max_tokens asks for \d+ more: \d+ in all, over the model's limit of 70/);
		}
		const held = all<{ id: number }>(db, "SELECT id FROM tasks WHERE run_id = ? AND filter_rule = 'callFailed'", run.id);
		expect(held.map((t) => t.id).sort()).toEqual(failed.map((c) => c.task_id).sort());
		// A held task got no rephrasing call.
		expect(callsOf(run.id).filter((c) => c.step === 'unnatural/expansion' && held.some((t) => t.id === c.task_id))).toEqual([]);
	});

	it('Unnatural Instructions: examples that lose their output (empty or cut) are replaced until the target of usable examples is met', async () => {
		const script = pipelineScript();
		// A third of the output prompts get an empty reply, some others one cut by max_tokens.
		fake = await startFakeOpenAI({
			script,
			promptFaults: [
				{ share: 0.25, match: (r) => /Output:\s*$/.test(r.prompt), reply: '' },
				{ share: 0.1, match: (r) => /Output:\s*$/.test(r.prompt), reply: { text: 'The answer is', finishReason: 'length' } }
			]
		});
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 8, rephrasings: 0, endpointId: endpoint.id });
		const end = await session.done;
		expect(end).toEqual({ status: 'completed', message: 'Completed: 8 examples kept (target 8).' });
		const progress = progressOf(db, run.id);
		expect(progress.instances.rejected).toBeGreaterThan(0);
		// Usable examples: an output instance kept, in a kept task — exactly the target.
		const usable = one<{ n: number }>(
			db,
			"SELECT count(*) AS n FROM instances i JOIN tasks t ON t.id = i.task_id WHERE i.run_id = ? AND i.filter_status = 'kept' AND t.filter_status = 'kept'",
			run.id
		).n;
		expect(usable).toBe(8);
		const counts = runSummary(run.id, db)!.counts!;
		expect(counts.kept).toBe(8);
		// (The instances of examples rejected at once are counted too, but were never kept.)
		expect(counts.rejectedByRule.noInstances).toBe(progress.instances.rejected - (progress.instances.byRule.taskRejected ?? 0));
		expect(counts.kept + counts.heldBack + counts.rejected).toBe(counts.candidates);
	});
});

describe('errors about the endpoint still stop the run', () => {
	it('fails at once on exhausted quota, without retrying', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript() });
		fake.failNext(
			{ fault: 'status', status: 429, code: 'insufficient_quota', message: 'You exceeded your current quota, please check your plan and billing details.' },
			50
		);
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 1 });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 5, endpointId: endpoint.id });
		const end = await session.done;
		expect(end.status).toBe('failed');
		expect(end.message).toMatch(/^Failed: the endpoint says the account is out of quota or its billing is not set up \(429\)/);
		expect(fake.generationRequests()).toHaveLength(1);
		expect(progressOf(db, run.id).calls.failed).toBe(0);
	});

	it('gives the chat-style hint only when the server says it is a chat model', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript() });
		fake.failNext({
			fault: 'status',
			status: 404,
			param: 'model',
			message: 'This is a chat model and not supported in the v1/completions endpoint. Did you mean to use v1/chat/completions?'
		});
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 1 });
		const chat = await startRun(db, { pipeline: 'self-instruct', target: 5, endpointId: endpoint.id });
		const chatEnd = await chat.session.done;
		expect(chatEnd.status).toBe('failed');
		expect(chatEnd.message).toContain('choose the chat API style');

		// A request refused for another reason says what the server said, and nothing about chat.
		fake.failNext({ fault: 'status', status: 400, message: "Unrecognized request argument supplied: 'presence_penalty'" });
		const other = await startRun(db, { pipeline: 'self-instruct', target: 5, endpointId: endpoint.id, datasetName: 'second' });
		const otherEnd = await other.session.done;
		expect(otherEnd.status).toBe('failed');
		expect(otherEnd.message).toContain("Unrecognized request argument supplied: 'presence_penalty'");
		expect(otherEnd.message).not.toMatch(/chat/i);
	});
});

describe('retries as they happen', () => {
	it('shows retries and the last error live while the endpoint is unreachable, and keeps them when the run pauses', async () => {
		// A port nobody listens on: the server is started and closed to get one.
		fake = await startFakeOpenAI({ script: pipelineScript() });
		const url = fake.url;
		await fake.close();
		const endpoint = fakeEndpoint(db, url, { concurrency: 2 });
		const { run, session } = await startRun(
			db,
			{ pipeline: 'self-instruct', target: 5, endpointId: endpoint.id },
			{ heartbeatMs: 30, client: { retry: { maxAttempts: 8, baseDelayMs: 60, maxDelayMs: 120, maxRetryAfterMs: 200 } } }
		);
		let seen = { retries: 0, lastError: '' };
		while (!['paused', 'failed', 'completed'].includes(runSummary(run.id, db)!.status)) {
			const s = runSummary(run.id, db)!;
			if (s.status === 'running' && s.progress.retries > seen.retries) seen = { retries: s.progress.retries, lastError: s.progress.lastError?.message ?? '' };
			await new Promise((r) => setTimeout(r, 15));
		}
		const end = await session.done;
		expect(end.status).toBe('paused');
		// While it was still running, the page already saw retries and why.
		expect(seen.retries).toBeGreaterThan(2);
		expect(seen.lastError).toMatch(/Could not reach the server \(ECONNREFUSED\)/);
		const after = runSummary(run.id, db)!;
		expect(after.progress.retries).toBeGreaterThanOrEqual(seen.retries);
		expect(after.progress.lastError).toMatchObject({ kind: 'connection' });
		expect(after.message).toMatch(/could not be reached after 8 attempts/);
	});
});
