/**
 * How an Unnatural Instructions run reads the model's replies, through the real SDK and the
 * scripted server: chat-style labels, commentary after the example, a demonstration copied with
 * only its final punctuation changed, and a rephrasing that repeats the prompt's label.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI, type FakeScript } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import type { Db } from '../../src/lib/server/db';
import { all, fakeEndpoint, one, progressOf, startRun } from './generation-support';

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

const EXPLAINED = 'Explanation: this example tests whether the model can sort.';

/** Core call 1 copies demonstration 2 without its final punctuation; call 2 is a chat reply; every rephrasing repeats the label. */
function chatScript(): FakeScript {
	const base = pipelineScript();
	return (request) => {
		const key = String(request.headers['x-client-request-id'] ?? '');
		const core = /un-core\/(\d+)$/.exec(key);
		if (core && Number(core[1]) === 1) {
			const demo = /Example 2\nInstruction: ([^\n]+)/.exec(request.prompt)![1];
			return `\nInstruction: ${demo.replace(/[.!?]+$/, '')}\nInput: Something else entirely.\nConstraints: None.\n\nExample`;
		}
		if (core && Number(core[1]) === 2) {
			return `Sure!\n\n**Instruction:** Sort the numbers in *ascending* order.\n**Input:** 3, 1, 2\n**Constraints:** A comma-separated list.\n\n${EXPLAINED}`;
		}
		if (/un-expansion\//.test(key)) {
			const original = /Instruction: ([^\n]*)\nInput: \{INPUT\}\nAlternative formulation:\s*$/.exec(request.prompt)![1];
			return `**Alternative formulation:** Given {INPUT}, ${original.toLowerCase()}`;
		}
		return base(request);
	};
}

describe('an Unnatural Instructions run reading chat replies', () => {
	it('rejects a copied demonstration, reads bold labels, keeps commentary out and drops a repeated label', async () => {
		fake = await startFakeOpenAI({ script: chatScript(), latencyMs: 1 });
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 1 });
		const { run, session } = await startRun(db, { pipeline: 'unnatural', target: 3, rephrasings: 1, endpointId: endpoint.id });
		expect((await session.done).status).toBe('completed');

		// Only the final full stop differs from the demonstration: still a copy.
		const copy = one<{ filter_rule: string; filter_detail: string }>(
			db,
			"SELECT t.filter_rule, t.filter_detail FROM tasks t JOIN generation_calls c ON c.id = t.call_id WHERE t.run_id = ? AND c.call_key LIKE '%/un-core/1'",
			run.id
		);
		expect(copy.filter_rule).toBe('copiesDemonstration');

		const sorted = one<{ id: number; filter_status: string }>(db, "SELECT id, filter_status FROM tasks WHERE run_id = ? AND instruction = 'Sort the numbers in *ascending* order.'", run.id);
		expect(sorted.filter_status).toBe('kept');
		const instance = one<{ input: string; constraints: string }>(db, 'SELECT input, constraints FROM instances WHERE task_id = ?', sorted.id);
		expect(instance).toEqual({ input: '3, 1, 2', constraints: 'A comma-separated list.' });
		const call = JSON.parse(one<{ parsed: string }>(db, "SELECT parsed FROM generation_calls WHERE run_id = ? AND call_key LIKE '%/un-core/2'", run.id).parsed);
		expect(call.problems).toEqual([{ problem: 'commentary', raw: EXPLAINED }]);
		expect(progressOf(db, run.id).replyProblems).toMatchObject({ commentary: 1 });

		const formulations = all<{ instruction: string }>(db, 'SELECT instruction FROM formulations WHERE run_id = ?', run.id);
		expect(formulations.length).toBeGreaterThan(0);
		for (const f of formulations) expect(f.instruction).toMatch(/^Given \{INPUT\}, /);
	});
});
