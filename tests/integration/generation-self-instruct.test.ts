/**
 * Self-Instruct end to end: the real openai SDK against the scripted server, through a durable
 * run, into a dataset. Checks the counts, every verdict against an independent recomputation
 * (ROUGE-L pair by pair), the provenance of every candidate, and length-cut handling.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI, type FakeScript } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import type { Db } from '../../src/lib/server/db';
import { DEFAULT_SEED_TASKS, describeTemplateUse, PROMPT_STEPS } from '../../src/lib/prompts';
import { filterPreset, normalizeInstruction } from '../../src/lib/filters';
import { rougeL } from '../../src/lib/rouge/score';
import { listDatasets } from '../../src/lib/server/datasets/datasets';
import { listTasks } from '../../src/lib/server/datasets/browse';
import { RunSession } from '../../src/lib/server/runs/engine/session';
import { all, countsByRule, FAST_RETRY, fakeEndpoint, one, progressOf, startRun } from './generation-support';

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

const SEED_COPY = DEFAULT_SEED_TASKS[0].instruction;

/**
 * The pipeline script, with every third instruction-generation reply (by call key) carrying a
 * blacklisted instruction, a forbidden opening, a copy of a seed (ROUGE-L 1) and a short one,
 * and some running past max_tokens.
 */
function scriptWithBadInstructions(): FakeScript {
	const base = pipelineScript();
	return async (request) => {
		const key = String(request.headers['x-client-request-id'] ?? '');
		const batch = /si-instructions\/(\d+)$/.exec(key);
		// A model that rambles past max_tokens: the server cuts the reply ("length").
		if (batch && Number(batch[1]) % 4 === 2) return ` ${'Describe the long history of the bicycle in great detail and '.repeat(120)}`;
		if (batch && Number(batch[1]) % 3 === 0) {
			return ` Draw a floor plan of a small two-bedroom flat with a balcony.\n10. Write a program that sorts a list of numbers in descending order.\n11. ${SEED_COPY}\n12. Be nice.\n13. Explain how tides form, in two short paragraphs for a child.`;
		}
		return base(request);
	};
}

interface TaskRow {
	id: number;
	instruction: string;
	filter_status: string;
	filter_rule: string | null;
	filter_detail: string | null;
	is_classification: number | null;
	call_id: number;
	metadata: string | null;
	filter_rouge_l: number | null;
}

function checkRougeVerdicts(runId: number): { checkedKept: number; checkedRejected: number } {
	const config = filterPreset('self-instruct');
	const pool = DEFAULT_SEED_TASKS.map((t) => normalizeInstruction(t.instruction, config.normalize));
	const tasks = all<TaskRow>(db, 'SELECT * FROM tasks WHERE run_id = ? ORDER BY id', runId);
	let checkedKept = 0;
	let checkedRejected = 0;
	for (const t of tasks) {
		// Instructions waiting beyond the target are in the pool too (they passed every filter).
		const accepted = t.filter_status === 'kept' || t.filter_rule === 'noInstances' || t.filter_rule === 'overTarget';
		const scores = pool.map((p) => rougeL(p, t.instruction).fmeasure);
		const max = Math.max(...scores);
		// Every candidate's similarity record: the exact top 10, the mean and the highest F to the pool.
		const record = JSON.parse(t.metadata!).rougeL as { max: number; mean: number; pool: number; similar: [number | string, number][] };
		expect(record.pool).toBe(pool.length);
		expect(record.mean).toBeCloseTo(scores.reduce((a, b) => a + b, 0) / scores.length, 12);
		expect(record.max).toBeCloseTo(max, 14);
		expect(record.similar.map(([, s]) => s)).toEqual([...scores].sort((a, b) => b - a).slice(0, 10).map((s, k) => (Math.abs(s - record.similar[k][1]) < 1e-12 ? record.similar[k][1] : s)));
		expect(t.filter_rouge_l).toBe(record.max);
		if (accepted) {
			expect(max, `accepted "${t.instruction}"`).toBeLessThanOrEqual(0.7);
			pool.push(t.instruction);
			checkedKept++;
		} else if (t.filter_rule === 'rougeL') {
			expect(max, `rejected "${t.instruction}"`).toBeGreaterThan(0.7);
			const meta = JSON.parse(t.metadata!);
			expect(meta.rougeL.max).toBeCloseTo(max, 12);
			checkedRejected++;
		}
	}
	return { checkedKept, checkedRejected };
}

describe.each(['completions', 'chat'] as const)('a Self-Instruct run (%s API)', (apiStyle) => {
	it('reaches its target and stores every candidate with its verdict and provenance', async () => {
		fake = await startFakeOpenAI({ script: scriptWithBadInstructions(), latencyMs: 2 });
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle, concurrency: 6, prices: true });
		const target = apiStyle === 'completions' ? 40 : 15;
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target, endpointId: endpoint.id, datasetName: `si ${apiStyle}` });
		const end = await session.done;
		expect(end).toEqual({ status: 'completed', message: `Completed: ${target} instructions kept (target ${target}).` });

		const progress = progressOf(db, run.id);
		expect(progress.accepted).toBe(target);

		// Instruction level: the counters agree with the rows, and every rule fired.
		const accepted = one<{ n: number }>(db, "SELECT count(*) AS n FROM tasks WHERE run_id = ? AND (filter_status = 'kept' OR filter_rule = 'noInstances')", run.id).n;
		expect(accepted).toBe(target);
		const rejectedByRule = countsByRule(db, 'tasks', run.id, "AND filter_rule <> 'noInstances'");
		expect(rejectedByRule).toEqual(progress.rejected);
		expect(rejectedByRule.blacklist).toBeGreaterThan(0);
		expect(rejectedByRule.forbiddenPrefix).toBeGreaterThan(0);
		expect(rejectedByRule.rougeL).toBeGreaterThan(0);
		expect(rejectedByRule.wordCount).toBeGreaterThan(0);
		const detail = one<{ d: string }>(db, "SELECT filter_detail AS d FROM tasks WHERE run_id = ? AND filter_rule = 'blacklist' LIMIT 1", run.id).d;
		expect(detail).toBe('contains "Draw"');
		expect(progress.candidates).toBe(one<{ n: number }>(db, 'SELECT count(*) AS n FROM tasks WHERE run_id = ?', run.id).n);

		// ROUGE-L recomputed pair by pair against the pool as it stood at each commit.
		// (the pool also holds the instructions that passed the filters beyond the target)
		const rouge = checkRougeVerdicts(run.id);
		expect(rejectedByRule.overTarget).toBeGreaterThan(0);
		expect(rouge.checkedKept).toBe(target + rejectedByRule.overTarget);
		expect(rouge.checkedRejected).toBe(rejectedByRule.rougeL);

		// Length-cut instruction lists: stored raw, nothing derived from them.
		const cut = all<{ id: number; completion: string; parsed: string }>(
			db,
			"SELECT id, completion, parsed FROM generation_calls WHERE run_id = ? AND step = 'self-instruct/instruction-generation' AND finish_reason = 'length'",
			run.id
		);
		expect(cut.length).toBeGreaterThan(0);
		expect(progress.lengthCut).toBeGreaterThanOrEqual(cut.length);
		for (const call of cut) {
			expect(call.completion.length).toBeGreaterThan(0);
			expect(JSON.parse(call.parsed)).toMatchObject({ droppedForLength: true, items: [] });
			expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM tasks WHERE call_id = ?', call.id).n).toBe(0);
		}

		// Every accepted instruction was classified and got instances; output-first for classification tasks.
		const acceptedTasks = all<TaskRow>(db, "SELECT * FROM tasks WHERE run_id = ? AND (filter_status = 'kept' OR filter_rule = 'noInstances')", run.id);
		for (const t of acceptedTasks) {
			const steps = all<{ step: string; status: string }>(db, 'SELECT step, status FROM generation_calls WHERE task_id = ? ORDER BY id', t.id);
			const instancesStep = t.is_classification === 1 ? 'self-instruct/instances-output-first' : 'self-instruct/instances-input-first';
			expect(steps).toEqual([
				{ step: 'self-instruct/classification', status: 'done' },
				{ step: instancesStep, status: 'done' }
			]);
		}
		expect(progress.classification.yes + progress.classification.no + progress.classification.unknown).toBe(target);
		expect(progress.classification.yes).toBe(acceptedTasks.filter((t) => t.is_classification === 1).length);

		// Instance verdicts agree with the counters; at most 5 kept per task.
		expect(countsByRule(db, 'instances', run.id)).toEqual(progress.instances.byRule);
		const keptInstances = one<{ n: number }>(db, "SELECT count(*) AS n FROM instances WHERE run_id = ? AND filter_status = 'kept'", run.id).n;
		expect(keptInstances).toBe(progress.instances.kept);
		expect(keptInstances).toBeGreaterThan(target);
		const maxPerTask = one<{ n: number }>(db, "SELECT max(c) AS n FROM (SELECT count(*) AS c FROM instances WHERE run_id = ? AND filter_status = 'kept' GROUP BY task_id)", run.id).n;
		expect(maxPerTask).toBeLessThanOrEqual(5);

		// Provenance: every candidate row points at a done call of the run with its prompt, template and usage.
		const orphans = one<{ n: number }>(
			db,
			`SELECT count(*) AS n FROM (SELECT call_id FROM tasks WHERE run_id = ? UNION ALL SELECT call_id FROM instances WHERE run_id = ?) x
			 LEFT JOIN generation_calls c ON c.id = x.call_id WHERE c.id IS NULL OR c.status <> 'done' OR c.run_id <> ?`,
			run.id,
			run.id,
			run.id
		).n;
		expect(orphans).toBe(0);
		const call = one<Record<string, unknown>>(
			db,
			"SELECT * FROM generation_calls WHERE run_id = ? AND step = 'self-instruct/instruction-generation' AND status = 'done' ORDER BY id LIMIT 1",
			run.id
		);
		expect(call.template_fingerprint).toBe(describeTemplateUse('self-instruct/instruction-generation').fingerprint);
		expect(call.template_version).toBe(PROMPT_STEPS['self-instruct/instruction-generation'].defaultVersion);
		expect(JSON.parse(String(call.decoding))).toMatchObject({ temperature: 0.7, topP: 0.5, presencePenalty: 2, maxTokens: 1024 });
		expect(String(call.prompt)).toMatch(/\n8\. [^\n]+\n9\.$/);
		expect(JSON.parse(String(call.template_values)).shots).toHaveLength(8);
		expect(call.model).toBe('fake-base');
		expect(Number(call.prompt_tokens)).toBeGreaterThan(0);
		expect(Number(call.cost_usd)).toBeGreaterThan(0);
		// What the server received is exactly the stored prompt, with the paper's decoding.
		const sent = fake.generationRequests().find((r) => r.headers['x-client-request-id'] === `run ${run.id}/si-instructions/1`)!;
		if (apiStyle === 'completions') expect(sent.body!.prompt).toBe(call.prompt);
		else expect((sent.body!.messages as { content: string }[])[0].content).toBe(call.prompt);
		expect(sent.body).toMatchObject({ temperature: 0.7, top_p: 0.5, presence_penalty: 2, frequency_penalty: 0, max_tokens: 1024 });

		// The ledger: one row per stored candidate, no reply item twice.
		const ledger = one<{ n: number }>(db, 'SELECT count(*) AS n FROM generation_candidates WHERE run_id = ?', run.id).n;
		const rows = one<{ n: number }>(db, 'SELECT (SELECT count(*) FROM tasks WHERE run_id = ?) + (SELECT count(*) FROM instances WHERE run_id = ?) AS n', run.id, run.id).n;
		expect(ledger).toBe(rows);

		// Totals: tokens and requests.
		const totals = one<{ p: number; c: number; n: number }>(
			db,
			"SELECT sum(prompt_tokens) AS p, sum(completion_tokens) AS c, count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'done'",
			run.id
		);
		expect(progress.promptTokens).toBe(totals.p);
		expect(progress.completionTokens).toBe(totals.c);
		expect(progress.calls.done).toBe(totals.n);
		expect(progress.costUsd).toBeCloseTo((totals.p * 1 + totals.c * 2) / 1e6, 10);
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status <> 'done'", run.id).n).toBe(0);

		// The output is a dataset like any other.
		const dataset = listDatasets(db).find((d) => d.name === `si ${apiStyle}`)!;
		expect(dataset.tasks).toBe(progress.candidates);
		const keptPage = listTasks(dataset.id, { filter: 'kept', origin: 'generated' }, db);
		expect(keptPage.total).toBe(target - progress.tasksWithoutInstances);
		expect(listTasks(dataset.id, { q: 'floor plan' }, db).total).toBeGreaterThan(0);
	});
});

/** Seven unrelated instructions, items 9–15 of one reply (the stop sequence ends it at 16), every one passing the filters. */
const SEVEN = [
	'Suggest three names for a bakery that sells only sourdough bread.',
	'Explain why the sky looks red at sunset to a curious child.',
	'Rank these fruits by their vitamin content, highest first.',
	'Write a haiku about commuting by train in heavy rain.',
	'Convert a recipe for four people into a recipe for ten.',
	'Describe the rules of volleyball for someone who has never played.',
	'Propose a weekly cleaning rota for three flatmates sharing a kitchen.'
];

describe('instructions beyond the target', () => {
	it('waits in the pool and takes the place of a kept task lost before the target is met, in stream order', async () => {
		const base = pipelineScript();
		// The first two tasks get no usable instance: they are dropped after the target was reached provisionally.
		const lost = SEVEN.slice(0, 2);
		fake = await startFakeOpenAI({
			script: (request) => {
				const key = String(request.headers['x-client-request-id'] ?? '');
				if (/si-instructions\//.test(key)) return ` ${SEVEN[0]}\n${SEVEN.slice(1).map((t, i) => `${i + 10}. ${t}`).join('\n')}`;
				if (/si-instances\//.test(key) && lost.some((t) => request.prompt.includes(`Task: ${t}\n`))) return '';
				return base(request);
			}
		});
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 2 });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 3, maxInstructionCalls: 1, endpointId: endpoint.id });
		const end = await session.done;
		expect(end).toEqual({ status: 'completed', message: 'Completed: 3 instructions kept (target 3).' });

		const tasks = all<TaskRow>(db, 'SELECT * FROM tasks WHERE run_id = ? ORDER BY id', run.id);
		expect(tasks.map((t) => t.instruction)).toEqual(SEVEN);
		expect(tasks.map((t) => t.filter_rule)).toEqual(['noInstances', 'noInstances', null, null, null, 'overTarget', 'overTarget']);
		// Those brought in went the whole way: classified, with instances.
		for (const t of tasks.slice(2, 5)) {
			expect(t.filter_status).toBe('kept');
			expect(t.is_classification).not.toBeNull();
			expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM instances WHERE task_id = ? AND filter_status = 'kept'", t.id).n).toBeGreaterThan(0);
		}
		const progress = progressOf(db, run.id);
		expect(progress.accepted).toBe(5);
		expect(progress.tasksWithoutInstances).toBe(2);
		expect(progress.rejected).toEqual({ overTarget: 2 });
		expect(countsByRule(db, 'tasks', run.id)).toEqual({ noInstances: 2, overTarget: 2 });
		// Every instruction that passed the filters was in the pool, waiting or not.
		expect(checkRougeVerdicts(run.id).checkedKept).toBe(7);
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND step = 'self-instruct/instruction-generation'", run.id).n).toBe(1);
	});

	it('keeps what waits and what was brought in across a pause and a resume, with no call twice', async () => {
		const base = pipelineScript();
		const lost = SEVEN.slice(0, 2);
		let failing = false;
		let wentDown = false;
		fake = await startFakeOpenAI({
			script: (request) => {
				if (failing) return { fault: 'status', status: 503, message: 'overloaded' };
				const key = String(request.headers['x-client-request-id'] ?? '');
				if (/si-instructions\//.test(key)) return ` ${SEVEN[0]}\n${SEVEN.slice(1).map((t, i) => `${i + 10}. ${t}`).join('\n')}`;
				if (/si-instances\//.test(key) && lost.some((t) => request.prompt.includes(`Task: ${t}\n`))) {
					// The endpoint goes down right after the first task is lost (and another brought in).
					failing = !wentDown;
					wentDown = true;
					return '';
				}
				return base(request);
			}
		});
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 1 });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 3, maxInstructionCalls: 1, endpointId: endpoint.id });
		expect((await session.done).status).toBe('paused');
		const rules = () => all<{ filter_rule: string | null }>(db, 'SELECT filter_rule FROM tasks WHERE run_id = ? ORDER BY id', run.id).map((t) => t.filter_rule);
		expect(rules()).toEqual(['noInstances', null, null, null, 'overTarget', 'overTarget', 'overTarget']);

		failing = false;
		const resumed = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } });
		expect(await resumed.done).toEqual({ status: 'completed', message: 'Completed: 3 instructions kept (target 3).' });
		expect(rules()).toEqual(['noInstances', 'noInstances', null, null, null, 'overTarget', 'overTarget']);
		expect(progressOf(db, run.id).rejected).toEqual({ overTarget: 2 });
		// Each task classified once and given instances once, the one brought in before the pause included.
		const perTask = all<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND task_id IS NOT NULL GROUP BY task_id, step", run.id);
		expect(perTask.length).toBe(2 * 5);
		expect(perTask.every((c) => c.n === 1)).toBe(true);
		expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM (SELECT call_id, item_index FROM generation_candidates GROUP BY 1, 2 HAVING count(*) > 1)').n).toBe(0);
	});
});

describe('Self-Instruct run faults', () => {
	it('retries 429 (honouring Retry-After) and 5xx, and still reaches the target', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript() });
		fake.failNext({ fault: 'status', status: 429, retryAfterMs: 30 }, 3);
		fake.failNext({ fault: 'status', status: 503 }, 2);
		fake.failNext({ fault: 'reset' }, 1);
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 10, endpointId: endpoint.id });
		expect((await session.done).status).toBe('completed');
		const progress = progressOf(db, run.id);
		expect(progress.retries).toBeGreaterThanOrEqual(6);
		expect(progress.accepted).toBe(10);
		const requests = fake.generationRequests();
		const outcomes = requests.map((r) => r.outcome);
		expect(outcomes.filter((o) => o === 429)).toHaveLength(3);
		expect(outcomes.filter((o) => o === 503)).toHaveLength(2);
		// Each refused call was sent again, and not before the server's Retry-After had passed.
		for (const refused of requests.filter((r) => r.outcome === 429)) {
			const key = refused.headers['x-client-request-id'];
			const retry = requests.find((r) => r.seq > refused.seq && r.headers['x-client-request-id'] === key);
			expect(retry, `retry of ${key}`).toBeDefined();
			expect(retry!.receivedAt - refused.finishedAt!).toBeGreaterThanOrEqual(29);
		}
	});

	it('pauses with a plain message when the endpoint keeps failing, and resumes to the target without duplicates', async () => {
		const base = pipelineScript();
		let failing = false;
		let answered = 0;
		fake = await startFakeOpenAI({
			script: (r) => {
				if (failing) return { fault: 'status', status: 503, message: 'overloaded' };
				// The endpoint goes down after a few replies, mid-run.
				if (++answered === 6) failing = true;
				return base(r);
			}
		});
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 3 });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 8, endpointId: endpoint.id });
		const end = await session.done;
		expect(end.status).toBe('paused');
		expect(end.message).toMatch(/^Paused: the endpoint kept failing after 4 attempts \(503 overloaded\)/);
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'pending'", run.id).n).toBeGreaterThan(0);
		const before = all(db, 'SELECT id, instruction, filter_status FROM tasks WHERE run_id = ? ORDER BY id', run.id);
		expect(before.length).toBeGreaterThan(0);

		failing = false;
		const resumed = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } });
		expect((await resumed.done).status).toBe('completed');
		expect(progressOf(db, run.id).accepted).toBe(8);
		// What was committed before the pause is still there, unchanged in instruction and id.
		const after = all<{ id: number; instruction: string }>(db, 'SELECT id, instruction FROM tasks WHERE run_id = ? ORDER BY id', run.id);
		expect(after.slice(0, before.length).map((t) => t.instruction)).toEqual(before.map((t) => (t as { instruction: string }).instruction));
		const dupes = one<{ n: number }>(db, 'SELECT count(*) AS n FROM (SELECT call_id, item_index FROM generation_candidates GROUP BY 1, 2 HAVING count(*) > 1)').n;
		expect(dupes).toBe(0);
	});

	it('fails in plain words when the API key is rejected, without the key anywhere', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript(), apiKey: 'sk-right-key-000' });
		const endpoint = fakeEndpoint(db, fake.url, { apiKey: 'sk-wrong-key-123456' });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 5, endpointId: endpoint.id });
		const end = await session.done;
		expect(end.status).toBe('failed');
		expect(end.message).toContain('rejected the API key (401)');
		const everything = JSON.stringify(all(db, 'SELECT * FROM generation_runs')) + JSON.stringify(all(db, 'SELECT * FROM generation_calls'));
		expect(everything).not.toContain('sk-wrong-key-123456');
		expect(run.endpoint).toMatchObject({ apiKeyMasked: 'sk-…3456', hasApiKey: true });
	});

	it('fails with the model named when the endpoint does not know it', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript(), models: ['other-model'] });
		const endpoint = fakeEndpoint(db, fake.url);
		const { session } = await startRun(db, { pipeline: 'self-instruct', target: 5, endpointId: endpoint.id });
		const end = await session.done;
		expect(end.status).toBe('failed');
		expect(end.message).toContain('does not know the model "fake-base"');
	});
});

describe('classification-only mode', () => {
	it('shows only classification seed tasks in every instruction prompt', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript() });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 6, endpointId: endpoint.id, classificationOnly: true });
		expect((await session.done).status).toBe('completed');
		const classification = new Set(DEFAULT_SEED_TASKS.filter((t) => t.isClassification).map((t) => t.instruction));
		const calls = all<{ template_values: string }>(db, "SELECT template_values FROM generation_calls WHERE run_id = ? AND step = 'self-instruct/instruction-generation'", run.id);
		expect(calls.length).toBeGreaterThan(0);
		for (const call of calls) {
			for (const shot of JSON.parse(call.template_values).shots as { instruction: string; origin: string }[]) {
				if (shot.origin === 'seed') expect(classification.has(shot.instruction), shot.instruction).toBe(true);
			}
		}
	});
});
