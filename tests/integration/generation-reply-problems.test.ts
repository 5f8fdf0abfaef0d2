/**
 * What a model wrote that the Self-Instruct parsers cannot read: a lone chat lead-in, a list
 * with broken numbering, a list cut by max_tokens, classification answers neither Yes nor No,
 * output-first replies with a bare label or commentary after the last input. None of it
 * becomes data, and every such call is listed under "pieces not read" with its raw text.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI, type FakeScript } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import type { Db } from '../../src/lib/server/db';
import { listCalls } from '../../src/lib/server/runs/engine/calls';
import { all, fakeEndpoint, progressOf, startRun } from './generation-support';

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

const LEAD_IN = 'Sure! Here are seven more diverse tasks for you to try:';
const BROKEN =
	'Rank these cities by population from largest to smallest please.\n10 Compose a haiku about a frozen lake at dawn in early January.\nEleven. List reasons a cat might stop eating its usual food at home.\n12. Suggest an itinerary for two days in Lisbon on foot with kids.';
const CUT = 'Summarize the plot of a novel in three sentences for a busy reader.\n10. Give me ten ideas for a birthday party on a tight budget in winter.\n11. Translate the following paragr';
const OUTPUT_FIRST = 'Class label: Positive\nInput: great\nClass label: Negative\nClass label: Neutral\nInput: meh\nSome trailing commentary from the model';

function script(): FakeScript {
	const base = pipelineScript();
	const classification: string[] = [' Maybe', '', ' Yes'];
	let outputFirst = 0;
	return (request) => {
		const key = String(request.headers['x-client-request-id'] ?? '');
		const batch = Number(/si-instructions\/(\d+)$/.exec(key)?.[1] ?? 0);
		if (batch === 1) return LEAD_IN;
		if (batch === 2) return BROKEN;
		if (batch === 3) return { text: CUT, finishReason: 'length' };
		if (/si-classification\//.test(key) && classification.length) return classification.shift()!;
		if (/si-instances\//.test(key) && /Class label:/.test(request.prompt) && outputFirst++ === 0) return OUTPUT_FIRST;
		return base(request);
	};
}

it('a chat Self-Instruct run keeps none of the unreadable pieces as data and lists every call that had one', async () => {
	fake = await startFakeOpenAI({ script: script() });
	const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 1 });
	const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 6, endpointId: endpoint.id });
	expect((await session.done).status).toBe('completed');

	const instructions = all<{ instruction: string }>(db, 'SELECT instruction FROM tasks WHERE run_id = ?', run.id).map((t) => t.instruction);
	expect(instructions.filter((i) => /here are|haiku|cat might stop|summarize the plot|birthday party/i.test(i))).toEqual([]);
	// The two well-numbered items of the broken list are instructions of their own (the filters' normalisation lower-cases names).
	expect(instructions.map((i) => i.toLowerCase())).toEqual(
		expect.arrayContaining(['rank these cities by population from largest to smallest please.', 'suggest an itinerary for two days in lisbon on foot with kids.'])
	);

	// The output-first reply gave one instance; the bare label and the run-on input gave none.
	const outputFirstInstances = all<{ input: string; output: string }>(
		db,
		"SELECT i.input, i.output FROM instances i JOIN generation_calls c ON c.id = i.call_id WHERE i.run_id = ? AND c.completion = ?",
		run.id,
		OUTPUT_FIRST
	);
	expect(outputFirstInstances).toEqual([{ input: 'great', output: 'Positive' }]);

	// Every call with a piece not read is listed, each piece with the model's own text.
	const listed = listCalls(db, run.id, { withProblems: true, pageSize: 200 }).rows.map((r) => r.id);
	const calls = all<{ id: number; key: string; completion: string; parsed: string }>(db, 'SELECT id, call_key AS key, completion, parsed FROM generation_calls WHERE run_id = ?', run.id);
	const problemsOf = (completion: string) => {
		const call = calls.find((c) => c.completion === completion)!;
		expect(listed, call.key).toContain(call.id);
		const problems = JSON.parse(call.parsed).problems as { problem: string; raw: string }[];
		for (const p of problems) expect(completion).toContain(p.raw);
		return problems.map((p) => p.problem);
	};
	expect(problemsOf(LEAD_IN)).toEqual(['lone_lead_in']);
	expect(problemsOf(BROKEN)).toEqual(['broken_numbering', 'broken_numbering']);
	expect(problemsOf(CUT)).toEqual(['truncated']);
	expect(problemsOf(' Maybe')).toEqual(['unclear_answer']);
	expect(problemsOf('')).toEqual(['unclear_answer']);
	expect(problemsOf(OUTPUT_FIRST)).toEqual(['missing_input', 'unclear_input']);

	const progress = progressOf(db, run.id);
	expect(progress.classification.unknown).toBe(2);
	expect(progress.replyProblems).toMatchObject({ lone_lead_in: 1, broken_numbering: 2, truncated: 1, unclear_answer: 2, missing_input: 1, unclear_input: 1 });
});

it('a 200 whose body is not JSON is retried, then fails its call alone with the body kept, and the run goes on', async () => {
	const page = '<html>Bad gateway</html>';
	const base = pipelineScript();
	fake = await startFakeOpenAI({
		script: (request) => (/si-instructions\/1$/.test(String(request.headers['x-client-request-id'])) ? { fault: 'raw', body: page } : base(request))
	});
	const endpoint = fakeEndpoint(db, fake.url, { concurrency: 2 });
	const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 4, endpointId: endpoint.id });
	expect((await session.done).status).toBe('completed');
	const [call] = all<{ status: string; reason: string; error: string; detail: string }>(
		db,
		"SELECT status, failure_reason AS reason, error, error_detail AS detail FROM generation_calls WHERE run_id = ? AND call_key LIKE '%/si-instructions/1'",
		run.id
	);
	expect(call).toMatchObject({ status: 'failed', reason: 'bad_response' });
	expect(call.error).toContain(page);
	expect(JSON.parse(call.detail)).toMatchObject({ status: 200, body: page, attempts: 4 });
	expect(fake.generationRequests().filter((r) => /si-instructions\/1$/.test(String(r.headers['x-client-request-id'])))).toHaveLength(4);
	expect(progressOf(db, run.id).accepted).toBe(4);
});

it('a completions run reads loosely numbered items ("10.Compose", "12 - Give") as instructions and records one out of turn, never gluing them', async () => {
	const LOOSE =
		' Describe the water cycle for a ten year old child.\n10.Compose a limerick about a forgetful wizard who loses his hat.\n11) Explain why honeybees dance to other bees in their hive.\n12 - Give three reasons why people enjoy hiking in mountains.\n14.Write a riddle about a teapot that is always too hot.\n15. Suggest a name for a bakery that only sells sourdough bread.';
	const base = pipelineScript();
	fake = await startFakeOpenAI({
		script: (request) => (/si-instructions\/1$/.test(String(request.headers['x-client-request-id'])) ? LOOSE : base(request))
	});
	const endpoint = fakeEndpoint(db, fake.url, { concurrency: 1 });
	const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 6, endpointId: endpoint.id });
	expect((await session.done).status).toBe('completed');

	const [call] = all<{ id: number; parsed: string }>(db, "SELECT id, parsed FROM generation_calls WHERE run_id = ? AND call_key LIKE '%/si-instructions/1'", run.id);
	const parsed = JSON.parse(call.parsed) as { items: unknown[]; problems: { problem: string; raw: string }[] };
	expect(parsed.problems).toEqual([{ problem: 'broken_numbering', raw: '14.Write a riddle about a teapot that is always too hot.' }]);
	// Every candidate of the call, as stored (the filters' normalisation lower-cases after the first letter).
	const fromCall = all<{ instruction: string }>(db, 'SELECT instruction FROM tasks WHERE call_id = ? ORDER BY id', call.id).map((t) => t.instruction.toLowerCase());
	expect(fromCall).toEqual([
		'describe the water cycle for a ten year old child.',
		'compose a limerick about a forgetful wizard who loses his hat.',
		'explain why honeybees dance to other bees in their hive.',
		'give three reasons why people enjoy hiking in mountains.',
		'suggest a name for a bakery that only sells sourdough bread.'
	]);
	expect(progressOf(db, run.id).replyProblems).toMatchObject({ broken_numbering: 1 });
	expect(listCalls(db, run.id, { withProblems: true, pageSize: 200 }).rows).toHaveLength(1);
});

it('a completions run reads dash and double-mark numbers as items, keeps a line opening with a number and a capital in its instruction, and records a marked number out of turn before a lowercase word', async () => {
	const REPLY =
		' Add up the fruit in the basket described below.\n12 Apples and 5 Pears are in the basket.\n10- Compose a riddle about time and clocks for kids.\n11 -Explain the causes of the French revolution briefly.\n12.- Suggest a name for a new coffee shop downtown.\n13.) Create a workout plan for a busy office worker.\n15)explain the difference between weather and climate.';
	const base = pipelineScript();
	fake = await startFakeOpenAI({
		script: (request) => (/si-instructions\/1$/.test(String(request.headers['x-client-request-id'])) ? REPLY : base(request))
	});
	const endpoint = fakeEndpoint(db, fake.url, { concurrency: 1 });
	const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 6, endpointId: endpoint.id });
	expect((await session.done).status).toBe('completed');

	const [call] = all<{ id: number; parsed: string }>(db, "SELECT id, parsed FROM generation_calls WHERE run_id = ? AND call_key LIKE '%/si-instructions/1'", run.id);
	const parsed = JSON.parse(call.parsed) as { problems: { problem: string; raw: string }[] };
	expect(parsed.problems).toEqual([{ problem: 'broken_numbering', raw: '15)explain the difference between weather and climate.' }]);
	const fromCall = all<{ instruction: string }>(db, 'SELECT instruction FROM tasks WHERE call_id = ? ORDER BY id', call.id).map((t) => t.instruction.toLowerCase());
	expect(fromCall).toEqual([
		'add up the fruit in the basket described below. 12 apples and 5 pears are in the basket.',
		'compose a riddle about time and clocks for kids.',
		'explain the causes of the french revolution briefly.',
		'suggest a name for a new coffee shop downtown.',
		'create a workout plan for a busy office worker.'
	]);
});
