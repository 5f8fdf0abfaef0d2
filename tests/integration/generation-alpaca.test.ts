/**
 * Alpaca end to end: the real openai SDK against the scripted server, through a durable run,
 * into a dataset. Checks the prompt (3 seed tasks from the seed pool, "###"), the decoding the
 * server received, each reply's items against the parser (unsplittable items stored as problems
 * with their raw text, the last item of a length-cut reply dropped), every ROUGE-L verdict
 * recomputed pair by pair against the seeds and the tasks kept before it, and that no instance
 * rule ran.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import type { Db } from '../../src/lib/server/db';
import { DEFAULT_SEED_TASKS, describeTemplateUse, parseAlpacaList } from '../../src/lib/prompts';
import { rougeL } from '../../src/lib/rouge/score';
import { all, countsByRule, fakeEndpoint, one, progressOf, startRun } from './generation-support';
import { runSummary } from '../../src/lib/server/runs/summary';
import { alpacaOutputWarnings } from '../../src/lib/runs/seeds';

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

interface TaskRow {
	id: number;
	instruction: string;
	filter_status: string;
	filter_rule: string | null;
	call_id: number;
	metadata: string | null;
}

describe.each(['completions', 'chat'] as const)('an Alpaca run (%s API)', (apiStyle) => {
	it('reaches its target; every item, verdict and problem is stored and checks out', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript({ truncateOneIn: 5 }), latencyMs: 2 });
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle, concurrency: 4 });
		const target = 60;
		const { run, session } = await startRun(db, { pipeline: 'alpaca', target, endpointId: endpoint.id, datasetName: `alpaca ${apiStyle}` });
		expect(await session.done).toEqual({ status: 'completed', message: `Completed: ${target} tasks kept (target ${target}).` });
		const progress = progressOf(db, run.id);
		expect(progress.accepted).toBe(target);

		// Prompts: 3 seed tasks from the seed pool, shown in full, then "4. Instruction:".
		const seedInstructions = new Set(DEFAULT_SEED_TASKS.map((t) => t.instruction));
		const calls = all<{ id: number; call_key: string; prompt: string; completion: string; finish_reason: string; parsed: string; template_values: string; template_fingerprint: string }>(
			db,
			"SELECT * FROM generation_calls WHERE run_id = ? AND step = 'alpaca/generation' ORDER BY id",
			run.id
		);
		expect(calls.length).toBeGreaterThan(1);
		let problems = 0;
		for (const call of calls) {
			const shown = JSON.parse(call.template_values).seedTasks as { instruction: string }[];
			expect(shown).toHaveLength(3);
			for (const s of shown) expect(seedInstructions.has(s.instruction)).toBe(true);
			expect(call.prompt.match(/^###$/gm)).toHaveLength(4);
			expect(call.prompt.endsWith('###\n4. Instruction:')).toBe(true);
			expect(call.template_fingerprint).toBe(describeTemplateUse('alpaca/generation').fingerprint);
			// Rows are exactly what the stored reply parses into; what it could not read is on the call, raw.
			const parsed = parseAlpacaList(call.completion, call.finish_reason);
			const tasks = all<{ instruction: string; input: string; output: string }>(
				db,
				'SELECT t.instruction, i.input, i.output FROM tasks t JOIN instances i ON i.task_id = t.id WHERE t.call_id = ? ORDER BY t.id',
				call.id
			);
			expect(tasks.map((t) => [t.input, t.output])).toEqual(parsed.tasks.map((t) => [t.input, t.output]));
			const stored = JSON.parse(call.parsed);
			expect(stored.problems ?? []).toEqual(parsed.problems);
			problems += parsed.problems.length;
			if (call.finish_reason === 'length') expect(parsed.problems.at(-1)!.problem).toBe('truncated');
		}
		expect(problems).toBeGreaterThan(0);
		expect(progress.replyProblems.truncated).toBeGreaterThan(0);
		expect(Object.values(progress.replyProblems).reduce((a, b) => a + b, 0)).toBe(problems);
		// Some tasks need no input: "<noinput>" became an empty input.
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM instances WHERE run_id = ? AND input = ''", run.id).n).toBeGreaterThan(0);
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM instances WHERE run_id = ? AND input LIKE '%noinput%'", run.id).n).toBe(0);

		// The decoding the server received: Alpaca's.
		const sent = fake.generationRequests().find((r) => r.headers['x-client-request-id'] === `run ${run.id}/alpaca/1`)!;
		expect(sent.body).toMatchObject({ temperature: 1, top_p: 1, max_tokens: 3072, stop: ['\n20', '20.'] });

		// Verdicts: counters agree with the rows; the blacklist fired; every ROUGE-L verdict recomputed pair by pair.
		const byRule = countsByRule(db, 'tasks', run.id);
		expect(byRule).toEqual(progress.rejected);
		expect(byRule.blacklist).toBeGreaterThan(0);
		const pool = [...seedInstructions];
		let checked = 0;
		for (const t of all<TaskRow>(db, 'SELECT * FROM tasks WHERE run_id = ? ORDER BY id', run.id)) {
			const max = Math.max(...pool.map((p) => rougeL(p, t.instruction).fmeasure));
			if (t.filter_status === 'kept') {
				expect(max, `kept "${t.instruction}"`).toBeLessThanOrEqual(0.7);
				pool.push(t.instruction);
				checked++;
			} else if (t.filter_rule === 'rougeL') {
				expect(max, `rejected "${t.instruction}"`).toBeGreaterThan(0.7);
				expect(JSON.parse(t.metadata!).rougeL.max).toBeCloseTo(max, 12);
				checked++;
			} else if (t.filter_rule === 'overTarget') {
				// Passed every filter once the target was kept: in the pool too, as in the paper's code.
				expect(max, `beyond the target "${t.instruction}"`).toBeLessThanOrEqual(0.7);
				pool.push(t.instruction);
			}
		}
		expect(checked).toBeGreaterThanOrEqual(target);

		// No instance rule ran: every instance follows its task's verdict, one per task.
		const mismatched = one<{ n: number }>(
			db,
			`SELECT count(*) AS n FROM instances i JOIN tasks t ON t.id = i.task_id WHERE i.run_id = ?
			 AND NOT ((t.filter_status = 'kept' AND i.filter_status = 'kept') OR (t.filter_status = 'rejected' AND i.filter_rule = 'taskRejected'))`,
			run.id
		).n;
		expect(mismatched).toBe(0);
		// Their reason names the task's rule as the funnel does, not its id.
		const details = all<{ d: string }>(db, "SELECT DISTINCT filter_detail AS d FROM instances WHERE run_id = ? AND filter_rule = 'taskRejected'", run.id);
		expect(details.length).toBeGreaterThan(0);
		for (const { d } of details) expect(d).toMatch(/^instruction rejected: [A-Z]/);
		expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM instances WHERE run_id = ?', run.id).n).toBe(progress.candidates);
		expect(progress.instances.kept).toBe(target);
	});
});

it('refuses seed tasks without outputs unless confirmed, then says so and counts kept tasks with an empty output', async () => {
	const base = pipelineScript();
	let first = true;
	fake = await startFakeOpenAI({
		script: (request) => {
			// One list whose first task has an empty output: Alpaca keeps it (no instance rule).
			if (first && /\n4\. Instruction:\s*$/.test(request.prompt)) {
				first = false;
				return ' Name the tallest mountain in Africa.\n4. Input:\n<noinput>\n4. Output:\n\n###\n5. Instruction: Suggest a name for a quiet seaside cafe.\n5. Input:\n<noinput>\n5. Output:\nThe Still Tide.';
			}
			return base(request);
		}
	});
	const endpoint = fakeEndpoint(db, fake.url, { concurrency: 1 });
	const plain = { kind: 'file' as const, fileName: 'seeds.txt', content: 'Write a haiku about rain.\nList three prime numbers.\nGive a synonym for happy.\n' };
	await expect(startRun(db, { pipeline: 'alpaca', target: 4, endpointId: endpoint.id, seeds: plain })).rejects.toThrow(/3 of the 3 seed tasks have no output.*--allow-seeds-without-outputs/);
	expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM generation_runs').n).toBe(0);

	const { run, session } = await startRun(db, { pipeline: 'alpaca', target: 4, endpointId: endpoint.id, seeds: plain, allowSeedsWithoutOutputs: true });
	expect((await session.done).status).toBe('completed');
	// The prompts showed the seeds' empty outputs, as the warning says.
	expect(one<{ prompt: string }>(db, 'SELECT prompt FROM generation_calls WHERE run_id = ? ORDER BY id LIMIT 1', run.id).prompt).toMatch(/1\. Output:\n\n###/);
	const emptyKept = one<{ n: number }>(db, "SELECT count(*) AS n FROM instances WHERE run_id = ? AND filter_status = 'kept' AND output = ''", run.id).n;
	expect(emptyKept).toBe(1);
	const summary = runSummary(run.id, db)!;
	expect(summary.alpacaOutputs).toEqual({ seeds: 3, seedsWithoutOutput: 3, keptEmptyOutputs: 1 });
	expect(alpacaOutputWarnings(summary.alpacaOutputs!)).toEqual([
		'3 of the 3 seed tasks have no output: the Alpaca prompts show them with an empty "Output:".',
		'1 kept task has an empty output (Alpaca runs no instance rule, so nothing rejects them).'
	]);
	// Seeds with outputs (the defaults): nothing to say.
	const defaults = await startRun(db, { pipeline: 'alpaca', target: 2, endpointId: endpoint.id });
	expect((await defaults.session.done).status).toBe('completed');
	expect(runSummary(defaults.run.id, db)!.alpacaOutputs).toMatchObject({ seedsWithoutOutput: 0 });
});
