/**
 * Unnatural Instructions end to end through the real SDK and the scripted server: core
 * generation, the three filters, output generation and template expansion into formulations.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI, type FakeReply, type FakeScript } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import type { Db } from '../../src/lib/server/db';
import { listDatasets } from '../../src/lib/server/datasets/datasets';
import { all, countsByRule, fakeEndpoint, one, progressOf, startRun } from './generation-support';
import { listCalls } from '../../src/lib/server/runs/engine/calls';
import { requestRunAction, retryFailedCalls } from '../../src/lib/server/runs/engine/run-rows';
import { RunSession } from '../../src/lib/server/runs/engine/session';
import { runSummary } from '../../src/lib/server/runs/summary';
import { describeCalls, describeSummary } from '../../src/cli/commands/generate';
import { listCallReplies } from '../../src/lib/server/runs/engine/call-replies';
import { waitFor } from '../support/cli-process';

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

/**
 * Core replies (by call number): some missing a field, some copying a demonstration, some repeated,
 * some too long, and some with one instruction and a new input each (they join one task).
 */
function scriptWithBadExamples(): FakeScript {
	const base = pipelineScript();
	return (request) => {
		const key = String(request.headers['x-client-request-id'] ?? '');
		const core = /un-core\/(\d+)$/.exec(key);
		if (core) {
			const k = Number(core[1]);
			if (k % 6 === 1) return '\nInstruction: Name the capital of the given country.\nInput: Portugal\n\nExample';
			if (k % 6 === 2) {
				const demo = /Example 2\nInstruction: ([^\n]+)\nInput: ([^\n]+)/.exec(request.prompt)!;
				return `\nInstruction: ${demo[1]}\nInput: Something else entirely.\nConstraints: None.\n\nExample`;
			}
			if (k % 6 === 3) return '\nInstruction: Convert the temperature to degrees Fahrenheit.\nInput: 25 °C\nConstraints: The output should be a number followed by °F.\n\nExample';
			if (k % 12 === 4) return `\nInstruction: ${'Explain at length why the sky is blue and '.repeat(60)}`;
			if (k % 6 === 5) return `\nInstruction: Translate the given word into Spanish.\nInput: word number ${k}\nConstraints: None.\n\nExample`;
		}
		return base(request);
	};
}

describe('an Unnatural Instructions run', () => {
	it('generates, filters, answers and rephrases into a dataset', async () => {
		fake = await startFakeOpenAI({ script: scriptWithBadExamples(), latencyMs: 1 });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 6 });
		const target = 20;
		const { run, session } = await startRun(db, { pipeline: 'unnatural', target, rephrasings: 2, endpointId: endpoint.id, datasetName: 'un run' });
		expect(await session.done).toEqual({ status: 'completed', message: `Completed: ${target} examples kept (target ${target}).` });
		const progress = progressOf(db, run.id);
		expect(progress.accepted).toBe(target);

		const rejected = countsByRule(db, 'tasks', run.id, "AND filter_rule <> 'noInstances'");
		expect(rejected).toEqual(progress.rejected);
		// Calls still in flight when the target was reached add a few 'overTarget' ones.
		for (const rule of Object.keys(rejected)) {
			expect(['copiesDemonstration', 'duplicateExample', 'lengthCut', 'missingFields', 'overTarget']).toContain(rule);
		}
		expect(rejected.missingFields).toBeGreaterThan(0);
		expect(rejected.copiesDemonstration).toBeGreaterThan(0);
		expect(rejected.duplicateExample).toBeGreaterThan(0);
		expect(rejected.lengthCut).toBeGreaterThan(0);
		expect(one<{ d: string }>(db, "SELECT filter_detail AS d FROM tasks WHERE run_id = ? AND filter_rule = 'missingFields' LIMIT 1", run.id).d).toBe(
			'missing constraints'
		);
		expect(one<{ d: string }>(db, "SELECT filter_detail AS d FROM tasks WHERE run_id = ? AND filter_rule = 'copiesDemonstration' LIMIT 1", run.id).d).toMatch(
			/^same instruction as demonstration 2 of seed set \d$/
		);
		// The repeated example: accepted once, every later copy rejected as a duplicate of that task.
		const temps = all<{ id: number; filter_status: string; filter_detail: string | null }>(
			db,
			"SELECT id, filter_status, filter_detail FROM tasks WHERE run_id = ? AND instruction = 'Convert the temperature to degrees Fahrenheit.' ORDER BY id",
			run.id
		);
		expect(temps[0].filter_status).toBe('kept');
		for (const t of temps.slice(1)) expect(t.filter_detail).toBe(`same instruction and input as task ${temps[0].id}`);

		// Examples with one instruction and new inputs joined one task: one instance per example.
		const spanish = all<{ id: number; filter_status: string }>(db, "SELECT id, filter_status FROM tasks WHERE run_id = ? AND instruction = 'Translate the given word into Spanish.'", run.id);
		expect(spanish).toHaveLength(1);
		const spanishInputs = all<{ input: string }>(db, 'SELECT input FROM instances WHERE task_id = ? ORDER BY id', spanish[0].id).map((i) => i.input);
		expect(spanishInputs.length).toBeGreaterThan(1);
		expect(new Set(spanishInputs).size).toBe(spanishInputs.length);
		for (const input of spanishInputs) expect(input).toMatch(/^word number \d+$/);
		const joined = all<{ parsed: string }>(db, "SELECT parsed FROM generation_calls WHERE run_id = ? AND step = 'unnatural/core' AND parsed LIKE '%joinedTask%'", run.id);
		expect(joined).toHaveLength(spanishInputs.length - 1);
		for (const j of joined) expect(JSON.parse(j.parsed).joinedTask).toBe(spanish[0].id);
		expect(progress.joinedExamples).toBe(joined.length);

		// Every accepted example has its greedy output, conditioned on instruction, input and constraints.
		const accepted = all<{ id: number; instruction: string }>(db, "SELECT id, instruction FROM tasks WHERE run_id = ? AND filter_status = 'kept'", run.id);
		expect(accepted).toHaveLength(target - joined.length);
		let examples = 0;
		for (const t of accepted) {
			const instances = all<{ id: number; input: string; output: string; constraints: string; instruction_with_input: string; call_id: number }>(
				db,
				'SELECT id, input, output, constraints, instruction_with_input, call_id FROM instances WHERE task_id = ? ORDER BY id',
				t.id
			);
			expect(instances.length).toBe(t.id === spanish[0].id ? spanishInputs.length : 1);
			examples += instances.length;
			for (const inst of instances) {
				expect(inst.output).toContain(t.instruction);
				expect(inst.constraints).not.toMatch(/Example/);
				expect(inst.instruction_with_input).toBe(`${t.instruction}\n${inst.input}`);
				const call = one<{ prompt: string; decoding: string; step: string }>(db, 'SELECT prompt, decoding, step FROM generation_calls WHERE id = ?', inst.call_id);
				expect(call.step).toBe('unnatural/output');
				expect(call.prompt).toContain(`Instruction: ${t.instruction}\nInput: ${inst.input}\nConstraints: ${inst.constraints}\nOutput:`);
				expect(JSON.parse(call.decoding)).toMatchObject({ temperature: 0 });
			}
			const [inst] = instances;
			// Template expansion: rephrasings of the instruction with the same input and output.
			const formulations = all<{ instruction: string; instruction_with_input: string; input: string; output: string; instance_id: number }>(
				db,
				'SELECT instruction, instruction_with_input, input, output, instance_id FROM formulations WHERE task_id = ?',
				t.id
			);
			expect(formulations.length).toBeLessThanOrEqual(2);
			// Rephrasings once per task, with its first kept instance.
			for (const f of formulations) {
				expect(f.instance_id).toBe(inst.id);
				expect(f.instruction).not.toBe(t.instruction);
				expect([f.input, f.output]).toEqual([inst.input, inst.output]);
				// As released: the rephrasing keeps {INPUT}; instruction_with_input fills it.
				expect(f.instruction).toContain('{INPUT}');
				expect(f.instruction_with_input).toBe(f.instruction.split('{INPUT}').join(inst.input));
			}
		}
		expect(examples).toBe(target);
		const expansions = one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND step = 'unnatural/expansion'", run.id).n;
		expect(expansions).toBe(2 * accepted.length);
		const formulations = one<{ n: number }>(db, 'SELECT count(*) AS n FROM formulations WHERE run_id = ?', run.id).n;
		expect(formulations).toBe(progress.formulations.kept);
		expect(formulations).toBeGreaterThan(target);

		// Core generation used nucleus sampling, top_p 0.99.
		const core = one<{ decoding: string }>(db, "SELECT decoding FROM generation_calls WHERE run_id = ? AND step = 'unnatural/core' LIMIT 1", run.id);
		expect(JSON.parse(core.decoding)).toMatchObject({ topP: 0.99 });
		const sentCore = fake.generationRequests().find((r) => String(r.headers['x-client-request-id']).includes('/un-core/'))!;
		expect(sentCore.body).toMatchObject({ top_p: 0.99 });

		// Rejected candidates keep their input and constraints for auditing the filter.
		const rejectedInstance = one<{ n: number }>(db, "SELECT count(*) AS n FROM instances WHERE run_id = ? AND filter_rule = 'taskRejected'", run.id).n;
		expect(rejectedInstance).toBeGreaterThan(0);
		for (const { d } of all<{ d: string }>(db, "SELECT DISTINCT filter_detail AS d FROM instances WHERE run_id = ? AND filter_rule = 'taskRejected'", run.id)) expect(d).toMatch(/^instruction rejected: [A-Z]/);
		// The page's "Instances rejected" and its rules are the database's (these rows included).
		const rejectedInstances = countsByRule(db, 'instances', run.id);
		expect(progress.instances.byRule).toEqual(rejectedInstances);
		expect(progress.instances.rejected).toBe(Object.values(rejectedInstances).reduce((a, b) => a + b, 0));

		// Ledger: one row per core candidate, per output and per formulation — none twice
		const ledger = one<{ n: number }>(db, 'SELECT count(*) AS n FROM generation_candidates WHERE run_id = ?', run.id).n;
		const tasks = one<{ n: number }>(db, 'SELECT count(*) AS n FROM tasks WHERE run_id = ?', run.id).n;
		// (an example that joined a task has its ledger row, not a task row of its own).
		expect(ledger).toBe(tasks + joined.length + target + formulations);

		const dataset = listDatasets(db).find((d) => d.name === 'un run')!;
		expect(dataset.tasks).toBe(tasks);
	});

	it('skips template expansion when no rephrasings are asked for', async () => {
		fake = await startFakeOpenAI({ script: pipelineScript() });
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat' });
		const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 6, rephrasings: 0, endpointId: endpoint.id });
		expect((await session.done).status).toBe('completed');
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND step = 'unnatural/expansion'", run.id).n).toBe(0);
		expect(progressOf(db, run.id).instances.kept).toBe(6);
	});
});

it('a chat core reply with a lead-in, a second field set and an "Example 5" tail keeps its example and records every other piece on its call', async () => {
	const lead = 'Sure! Here is a brand-new example, different from the ones above:';
	const second = 'Instruction: Name the largest planet in the solar system.\nInput: None\nConstraints: One word.';
	const tail = 'Example 5\nInstruction: Spell the given word backwards.\nInput: river\nConstraints: Lower case only.';
	const reply = `${lead}\n\nInstruction: Sort the given numbers in ascending order.\nInput: 3, 1, 2\nConstraints: A comma-separated list.\n${second}\n\n${tail}`;
	const base = pipelineScript();
	// A server that ignores the "Example 5" stop sequence (as some do past their limit of stops).
	fake = await startFakeOpenAI({
		applyStopAndMaxTokens: false,
		script: (request) => (/un-core\/1$/.test(String(request.headers['x-client-request-id'] ?? '')) ? reply : base(request))
	});
	const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 1 });
	const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 3, rephrasings: 0, endpointId: endpoint.id });
	expect((await session.done).status).toBe('completed');

	const [call] = all<{ id: number; parsed: string }>(db, "SELECT id, parsed FROM generation_calls WHERE run_id = ? AND call_key LIKE '%/un-core/1'", run.id);
	const parsed = JSON.parse(call.parsed) as { notes: { kind: string; raw: string }[]; problems: { problem: string; raw: string }[] };
	expect(parsed.notes).toEqual([{ kind: 'lead_in', raw: lead }]);
	expect(parsed.problems).toEqual([
		{ problem: 'extra_example', raw: second },
		{ problem: 'extra_example', raw: tail }
	]);
	expect(all<{ instruction: string }>(db, 'SELECT instruction FROM tasks WHERE call_id = ?', call.id)).toEqual([{ instruction: 'Sort the given numbers in ascending order.' }]);
	expect(listCalls(db, run.id, { withProblems: true, pageSize: 200 }).rows.map((r) => r.id)).toEqual([call.id]);
	const progress = progressOf(db, run.id);
	expect(progress.replyProblems).toEqual({ extra_example: 2 });
	// (The other scripted replies end on a bare "Example" header, which this server leaves in: a decoration note each.)
	expect(progress.replyNotes).toMatchObject({ lead_in: 1 });
});

it('an output reply that goes on to a new example keeps the output and records the rest on its call', async () => {
	const tail = 'Example 2\nInstruction: Spell the given word backwards.\nInput: river';
	const base = pipelineScript();
	let first = true;
	fake = await startFakeOpenAI({
		applyStopAndMaxTokens: false,
		script: (request) => {
			if (first && /\/un-output\//.test(String(request.headers['x-client-request-id'] ?? ''))) {
				first = false;
				return `1, 2, 3\n${tail}`;
			}
			return base(request);
		}
	});
	const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 1 });
	const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 2, rephrasings: 0, endpointId: endpoint.id });
	expect((await session.done).status).toBe('completed');
	const calls = all<{ id: number; parsed: string }>(db, "SELECT id, parsed FROM generation_calls WHERE run_id = ? AND step = 'unnatural/output' AND parsed LIKE '%extra_example%'", run.id);
	expect(calls).toHaveLength(1);
	expect(JSON.parse(calls[0].parsed)).toMatchObject({ output: true, problems: [{ problem: 'extra_example', raw: tail }] });
	expect(all<{ output: string }>(db, 'SELECT output FROM instances WHERE call_id = ?', calls[0].id)).toEqual([{ output: '1, 2, 3' }]);
	expect(listCalls(db, run.id, { withProblems: true, pageSize: 200 }).rows.map((r) => r.id)).toContain(calls[0].id);
	expect(progressOf(db, run.id).replyProblems).toEqual({ extra_example: 1 });
});

it('a rephrasing reply with a second paragraph keeps the first and records the rest, raw, on its call', async () => {
	const reply = 'Please count how many letters {INPUT} has.\n\nAlternatively: What is the letter count of {INPUT}?';
	const base = pipelineScript();
	let first = true;
	// A server that ignores the step's stop sequences (as some chat endpoints do).
	fake = await startFakeOpenAI({
		applyStopAndMaxTokens: false,
		script: (request) => {
			if (first && /\/un-expansion\//.test(String(request.headers['x-client-request-id'] ?? ''))) {
				first = false;
				return reply;
			}
			return base(request);
		}
	});
	const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 1 });
	const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 2, rephrasings: 1, endpointId: endpoint.id });
	expect((await session.done).status).toBe('completed');
	const calls = all<{ id: number; parsed: string }>(db, "SELECT id, parsed FROM generation_calls WHERE run_id = ? AND step = 'unnatural/expansion' AND parsed LIKE '%unread_rest%'", run.id);
	expect(calls).toHaveLength(1);
	expect(JSON.parse(calls[0].parsed)).toEqual({
		rephrasing: 'Please count how many letters {INPUT} has.',
		problems: [{ problem: 'unread_rest', raw: 'Alternatively: What is the letter count of {INPUT}?' }]
	});
	expect(listCalls(db, run.id, { withProblems: true, pageSize: 200 }).rows.map((r) => r.id)).toContain(calls[0].id);
	expect(progressOf(db, run.id).replyProblems).toEqual({ unread_rest: 1 });
});

it('a rephrasing rejected as a whole (no {INPUT}) says why in generate --calls --problems, not only in its stored JSON', async () => {
	const reply = 'Please count how many letters the word has.';
	const base = pipelineScript();
	let first = true;
	fake = await startFakeOpenAI({
		script: (request) => {
			if (first && /\/un-expansion\//.test(String(request.headers['x-client-request-id'] ?? ''))) {
				first = false;
				return reply;
			}
			return base(request);
		}
	});
	const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat', concurrency: 1 });
	const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 2, rephrasings: 1, endpointId: endpoint.id });
	expect((await session.done).status).toBe('completed');
	const calls = all<{ id: number; parsed: string }>(db, "SELECT id, parsed FROM generation_calls WHERE run_id = ? AND step = 'unnatural/expansion' AND parsed LIKE '%no_input_placeholder%'", run.id);
	expect(calls).toHaveLength(1);
	expect(JSON.parse(calls[0].parsed)).toEqual({ problem: 'no_input_placeholder' });
	const list = listCallReplies(db, run.id, { withProblems: true });
	const call = list.calls.find((c) => c.id === calls[0].id)!;
	expect(call.replyRejected).toBe('no_input_placeholder');
	const text = describeCalls(run.id, list);
	expect(text).toContain(`  rejected: No {INPUT} placeholder in the rephrasing\n  reply: ${reply}`);
});

/** Three unrelated examples, one per core call (by call number). */
const THREE = [
	{ instruction: 'Name the capital of the given country.', input: 'Portugal', constraints: 'One word.' },
	{ instruction: 'Count the vowels in the given word.', input: 'banana', constraints: 'A number.' },
	{ instruction: 'Give the opposite of the given adjective.', input: 'tall', constraints: 'One word.' }
];

/**
 * Core call k answers THREE[k - 1], the replies committed in call order; the output of the first
 * example is empty (rejected) and comes last, after the third example was committed beyond the target.
 */
function scriptLosingTheFirstOutput(onFirstOutput: () => FakeReply = () => ({ text: '', latencyMs: 150 })): FakeScript {
	const base = pipelineScript();
	return (request) => {
		const key = String(request.headers['x-client-request-id'] ?? '');
		const core = /un-core\/(\d+)$/.exec(key);
		if (core) {
			const e = THREE[Number(core[1]) - 1];
			return { text: `\nInstruction: ${e.instruction}\nInput: ${e.input}\nConstraints: ${e.constraints}\n\nExample`, latencyMs: 10 * Number(core[1]) };
		}
		if (/un-output\//.test(key) && request.prompt.includes(`Instruction: ${THREE[0].instruction}\n`)) return onFirstOutput();
		return base(request);
	};
}

describe('examples beyond the target', () => {
	it('wait, and take the place of a kept example that loses its output, in stream order', async () => {
		fake = await startFakeOpenAI({ script: scriptLosingTheFirstOutput() });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 2, rephrasings: 0, maxCoreCalls: 3, endpointId: endpoint.id });
		expect(await session.done).toEqual({ status: 'completed', message: 'Completed: 2 examples kept (target 2).' });

		const tasks = all<{ id: number; instruction: string; filter_status: string; filter_rule: string | null }>(
			db,
			'SELECT id, instruction, filter_status, filter_rule FROM tasks WHERE run_id = ? ORDER BY id',
			run.id
		);
		expect(tasks.map((t) => [t.instruction, t.filter_status, t.filter_rule])).toEqual([
			[THREE[0].instruction, 'rejected', 'noInstances'],
			[THREE[1].instruction, 'kept', null],
			[THREE[2].instruction, 'kept', null]
		]);
		// The one brought in went the whole way: its output asked for and kept, with its own input.
		expect(all<{ input: string; constraints: string; filter_status: string }>(db, 'SELECT input, constraints, filter_status FROM instances WHERE task_id = ?', tasks[2].id)).toEqual([
			{ input: THREE[2].input, constraints: THREE[2].constraints, filter_status: 'kept' }
		]);
		const lost = one<{ parsed: string }>(db, "SELECT parsed FROM generation_calls WHERE run_id = ? AND step = 'unnatural/output' AND task_id = ?", run.id, tasks[0].id);
		expect(JSON.parse(lost.parsed)).toMatchObject({ rule: 'emptyOutput', broughtIn: [tasks[2].id] });
		const progress = progressOf(db, run.id);
		expect(progress.accepted).toBe(3);
		expect(progress.rejected).toEqual({});
		expect(progress.instances).toMatchObject({ kept: 2, rejected: 1 });
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND step = 'unnatural/core'", run.id).n).toBe(3);
	});

	it('bring one in when an output call fails on its prompt (the example held back)', async () => {
		fake = await startFakeOpenAI({ script: scriptLosingTheFirstOutput(() => ({ text: '', finishReason: 'content_filter', latencyMs: 150 })) });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 1, rephrasings: 0, maxCoreCalls: 3, failedCallShare: 1, endpointId: endpoint.id });
		const end = await session.done;
		expect(end.status, end.message ?? '').toBe('completed');
		expect(end.message).toMatch(/^Completed: 1 example kept \(target 1\)\. Completed with 1 failed call/);
		const tasks = all<{ id: number; filter_rule: string | null }>(db, 'SELECT id, filter_rule FROM tasks WHERE run_id = ? ORDER BY id', run.id);
		expect(tasks.map((t) => t.filter_rule)).toEqual(['callFailed', null]);
		const failed = one<{ parsed: string }>(db, "SELECT parsed FROM generation_calls WHERE run_id = ? AND status = 'failed'", run.id);
		expect(JSON.parse(failed.parsed)).toMatchObject({ heldTask: tasks[0].id, broughtIn: [tasks[1].id] });
		expect(progressOf(db, run.id).rejected).toEqual({});
	});

	it('leave a run short of its target naming what it lost, never "beyond the run\'s target"', async () => {
		fake = await startFakeOpenAI({ script: scriptLosingTheFirstOutput() });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 3, rephrasings: 0, maxCoreCalls: 3, endpointId: endpoint.id });
		expect(await session.done).toEqual({
			status: 'completed',
			message: 'Stopped short of the target: 3 core-generation calls gave 2 usable examples of the 3 wanted (limit 3 calls). Rejected most often: no instance left (1).'
		});
		expect(progressOf(db, run.id).rejected).toEqual({});
	});
});

describe.each(['while it runs', 'after a pause'] as const)('an Unnatural run cancelled %s', (when) => {
	it('does not count examples whose output never came as kept: page, status and rows agree', async () => {
		const base = pipelineScript();
		// Outputs come slowly: at the cancel, accepted examples wait for theirs.
		fake = await startFakeOpenAI({ script: base, latencyMs: (request) => (/un-output\//.test(String(request.headers['x-client-request-id'] ?? '')) ? 150 : 5) });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 20, rephrasings: 0, endpointId: endpoint.id });
		await waitFor(() => progressOf(db, run.id).instances.kept >= 2 && progressOf(db, run.id).accepted >= 6, 'outputs to come in');
		if (when === 'while it runs') {
			session.stop('cancel');
			expect((await session.done).status).toBe('cancelled');
		} else {
			session.stop('pause');
			expect((await session.done).status).toBe('paused');
			// Paused: the kept examples whose output is not in yet are said to be waiting for it.
			const paused = runSummary(run.id, db)!;
			const waiting = paused.counts!.kept - progressOf(db, run.id).instances.kept;
			expect(waiting).toBeGreaterThan(0);
			expect(paused.counts!.awaitingOutput).toBe(waiting);
			expect(describeSummary(paused)).toContain(`${paused.counts!.kept} kept (target 20; ${waiting} of them still waiting for their output)`);
			expect(requestRunAction(run.id, 'cancel', db)).toEqual({ status: 'cancelled', requested: false });
		}

		const progress = progressOf(db, run.id);
		const keptExamples = one<{ n: number }>(db, "SELECT count(*) AS n FROM instances WHERE run_id = ? AND filter_status = 'kept'", run.id).n;
		const notGenerated = one<{ n: number }>(db, "SELECT count(*) AS n FROM instances WHERE run_id = ? AND filter_rule = 'outputNotGenerated'", run.id).n;
		expect(notGenerated).toBeGreaterThan(0);
		expect(keptExamples + notGenerated).toBe(progress.accepted);
		// No task is kept without a kept instance; each dropped one is counted as left without instances.
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM tasks t WHERE run_id = ? AND filter_status = 'kept' AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.task_id = t.id AND i.filter_status = 'kept')", run.id).n).toBe(0);
		expect(progress.tasksWithoutInstances).toBe(one<{ n: number }>(db, "SELECT count(*) AS n FROM tasks WHERE run_id = ? AND filter_rule = 'noInstances'", run.id).n);
		expect(progress.tasksWithoutInstances).toBe(notGenerated);
		expect(progress.instances.byRule).toEqual(countsByRule(db, 'instances', run.id));
		// The page's and the CLI's figure (one split for both) is the rows'.
		const summary = runSummary(run.id, db)!;
		expect(summary.counts!.kept).toBe(keptExamples);
		expect(summary.done).toBe(keptExamples);
		expect(describeSummary(summary)).toContain(`${keptExamples} kept (target 20)`);
		expect(describeSummary(summary)).toContain(`${notGenerated} task${notGenerated === 1 ? '' : 's'} left without instances`);
		expect(summary.message).toBe(`Cancelled. ${notGenerated} accepted example${notGenerated === 1 ? '' : 's'} had no output yet: not kept (rule “Output not generated: the run was cancelled”).`);
		// Each such example's instance holds what the model wrote (instruction, input, constraints), no output.
		const row = one<{ input: string; output: string; call_id: number; filter_detail: string }>(db, "SELECT input, output, call_id, filter_detail FROM instances WHERE run_id = ? AND filter_rule = 'outputNotGenerated' LIMIT 1", run.id);
		expect(row.output).toBe('');
		expect(row.filter_detail).toBe('the run was cancelled before its output was generated');
		expect(one<{ step: string }>(db, 'SELECT step FROM generation_calls WHERE id = ?', row.call_id).step).toBe('unnatural/core');
	});
});

describe('failed calls a retry would not send', () => {
	it('are said so by the run message, the status and the retry offer, before and after a retry', async () => {
		const base = pipelineScript();
		let refuseFirstOutput = true;
		// Core call 2 is refused (it asked for a new example); so is the first example's output (its example is held back).
		fake = await startFakeOpenAI({
			script: (request) => {
				const key = String(request.headers['x-client-request-id'] ?? '');
				const core = /un-core\/(\d+)$/.exec(key);
				if (core) {
					const k = Number(core[1]);
					if (k === 2) return { text: '', finishReason: 'content_filter', latencyMs: 20 };
					const e = THREE[k === 1 ? 0 : k - 2];
					return { text: `\nInstruction: ${e.instruction}\nInput: ${e.input}\nConstraints: ${e.constraints}\n\nExample`, latencyMs: 10 * k };
				}
				if (/un-output\//.test(key) && request.prompt.includes(`Instruction: ${THREE[0].instruction}\n`) && refuseFirstOutput) {
					return { text: '', finishReason: 'content_filter', latencyMs: 100 };
				}
				return base(request);
			}
		});
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 4 });
		const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 2, rephrasings: 0, maxCoreCalls: 4, failedCallShare: 1, endpointId: endpoint.id });
		const end = await session.done;
		expect(end.status, end.message ?? '').toBe('completed');
		expect(end.message).toMatch(/^Completed: 2 examples kept \(target 2\)\. Completed with 2 failed calls \(.*\); 1 task they were for is held back until they are answered\. Retry them .*\. Only the 1 about held-back tasks is sent again: the other 1 asked for new tasks, and the run has its target\.$/);
		let summary = runSummary(run.id, db)!;
		expect(summary.failedCalls).toMatchObject({ total: 2, retryable: 1 });
		expect(describeSummary(summary)).toContain(`1 task held back — retry with --retry-failed ${run.id} (sends the 1 about held-back tasks; the other 1 asked for new candidates: not sent again, the run has its target)`);

		refuseFirstOutput = false;
		expect(retryFailedCalls(run.id, {}, db)).toEqual({ calls: 1, skipped: 1 });
		const again = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200 }).done;
		expect(again.message).toMatch(/^Completed: 3 examples kept \(target 2\)\. Completed with 1 failed call \(.*\); no task waits on them \(.*\), and the run has its target: it is not sent again\.$/);
		summary = runSummary(run.id, db)!;
		expect(summary.failedCalls).toMatchObject({ total: 1, retryable: 0 });
		expect(describeSummary(summary)).toContain('0 tasks held back — not sent again: they asked for new candidates and the run has its target');
		expect(() => retryFailedCalls(run.id, {}, db)).toThrow(/not sent again/);
	});
});
