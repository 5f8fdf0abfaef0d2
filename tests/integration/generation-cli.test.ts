/** `instruct-audit generate`: user errors, a whole run with --json, --list, --status, and refusals. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createTestDb } from '../support/db';
import { CONTENT_FILTERED_REPLY, contextLengthError, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import type { Db } from '../../src/lib/server/db';
import { one } from './generation-support';
import { CLI_ENTRY } from '../support/cli-bundle';

let db: Db;
let file: string;
let cleanup: () => void;
let fake: FakeOpenAI;
beforeEach(async () => {
	({ db, file, cleanup } = createTestDb());
	fake = await startFakeOpenAI({ script: pipelineScript() });
});
afterEach(async () => {
	await fake.close();
	cleanup();
});

/** Runs the CLI in a child process (asynchronously: the scripted server lives in this one). */
function cli(args: string[], env: Record<string, string> = {}, command = 'generate'): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [CLI_ENTRY, command, ...args], {
			env: { ...process.env, DATABASE_PATH: file, LLM_BASE_URL: '', LLM_PRESET: '', ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		child.on('exit', (code) => resolve({ code, stdout, stderr }));
	});
}

describe('instruct-audit generate', () => {
	it('refuses bad options with exit code 2 and a missing endpoint with a plain message', async () => {
		const [badPipeline, noEndpoint] = await Promise.all([
			cli(['--pipeline', 'vicuna', '--target', '5']),
			cli(['--pipeline', 'self-instruct', '--target', '5'])
		]);
		expect(badPipeline.code).toBe(2);
		expect(badPipeline.stderr).toContain('--pipeline must be one of self-instruct, unnatural, alpaca');
		expect(noEndpoint.code).toBe(1);
		expect(noEndpoint.stderr).toContain('No endpoint: set LLM_BASE_URL');
	});

	it('--help states the failed-calls rule the guard applies', async () => {
		const help = await cli(['--help']);
		expect(help.code).toBe(0);
		expect(help.stdout.replace(/\s+/g, ' ')).toContain('Once 10 calls are in, the run pauses when more than this share of its last 200 calls failed beyond chance');
		expect(help.stdout.replace(/\s+/g, ' ')).toContain('at 5% it pauses at 5 failures of the first 10 calls, 6 of 20, 8 of 35.');
		// …and its exit codes, a run short of its target among the failures.
		expect(help.stdout).toMatch(/^Exit codes:$/m);
		expect(help.stdout.replace(/\s+/g, ' ')).toContain('1 the run ended without its target: completed short of it');
		expect(help.stdout.replace(/\s+/g, ' ')).toContain('2 the command line cannot be read');
		// The top-level help names all three pipelines.
		const top = await cli([], {}, '--help');
		expect(top.stdout).toContain('run the Self-Instruct, Alpaca or Unnatural Instructions pipeline');
	});

	it('an Alpaca run with a template set from a file; the run exports it back; a bad set is refused naming step and field', async () => {
		const env = { LLM_BASE_URL: fake.url, LLM_MODEL: 'fake-base', LLM_CONCURRENCY: '4' };
		const setFile = path.join(path.dirname(file), 'team.json');
		const template = 'Our team wording. Continue the list of 20 tasks.\n{{seed_tasks}}\n{{next_number}}. Instruction:';
		fs.writeFileSync(setFile, JSON.stringify({ name: 'team', steps: { 'alpaca/generation': { template, decoding: { temperature: 0.9, maxTokens: 2048 } } } }));
		// The first reply holds an item that does not split into instruction, input and output.
		const broken = ' Name the largest planet.\n4. Input:\n<noinput>\n4. Output:\nJupiter.\n###\n5. Instruction: Broken item without fields\n###\n6. Instruction: Classify the animal.\n6. Input:\nWhale\n6. Output:\nMammal';
		let generationCalls = 0;
		fake.setPromptFaults([{ share: 1, match: (r) => r.prompt.startsWith('Our team wording.') && generationCalls++ === 0, reply: broken }]);
		const run = await cli(['--pipeline', 'alpaca', '--target', '20', '--templates', setFile, '--json'], env);
		expect(run.code, run.stderr).toBe(0);
		const summary = JSON.parse(run.stdout);
		expect(summary).toMatchObject({ status: 'completed', pipeline: 'alpaca', target: 20 });
		expect(summary.counts.kept).toBe(20);
		// The counts of reply pieces not read are in the JSON summary (the raw text is on each call).
		expect(summary.progress).toHaveProperty('replyProblems');
		const call = one<{ prompt: string; decoding: string }>(db, 'SELECT prompt, decoding FROM generation_calls WHERE call_key = ?', `run ${summary.id}/alpaca/1`);
		expect(call.prompt.startsWith('Our team wording.')).toBe(true);
		expect(JSON.parse(call.decoding)).toMatchObject({ temperature: 0.9, maxTokens: 2048, topP: 1 });

		// The raw text of the pieces not read, from the CLI: the calls with problems, each with its reply.
		const [callsJson, callsText] = await Promise.all([cli(['--calls', String(summary.id), '--problems', '--json']), cli(['--calls', String(summary.id), '--problems'])]);
		expect(callsJson.code, callsJson.stderr).toBe(0);
		const listed = JSON.parse(callsJson.stdout) as { total: number; calls: { key: string; completion: string; replyProblems: { problem: string; raw: string }[] }[] };
		const withProblems = one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND json_array_length(parsed, '$.problems') > 0", summary.id).n;
		const withNotes = one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND (json_array_length(parsed, '$.problems') > 0 OR json_array_length(parsed, '$.notes') > 0)", summary.id).n;
		expect(withProblems).toBeGreaterThan(0);
		// (and those with text set aside, which the status line counts beside them)
		expect(listed.total).toBe(withNotes);
		for (const c of listed.calls as { replyProblems: { raw: string }[]; replyNotes?: { raw: string }[]; completion: string }[]) {
			expect(c.replyProblems.length + (c.replyNotes?.length ?? 0)).toBeGreaterThan(0);
			for (const p of [...c.replyProblems, ...(c.replyNotes ?? [])]) expect(c.completion).toContain(p.raw.trim());
		}
		const first = listed.calls[0];
		expect(callsText.stdout).toContain(first.key);
		expect(callsText.stdout).toContain(`not read (`);
		expect(callsText.stdout).toContain(JSON.stringify(first.replyProblems[0].raw));

		const [exported, candidates] = await Promise.all([cli(['--export-templates', String(summary.id)]), cli(['--export-candidates', String(summary.id)])]);
		// Every generated instruction, one JSON line each, with its similarity record as the reference writes it.
		expect(candidates.code, candidates.stderr).toBe(0);
		const lines = candidates.stdout.trim().split('\n').map((l) => JSON.parse(l));
		expect(lines).toHaveLength(one<{ n: number }>(db, 'SELECT count(*) AS n FROM tasks WHERE run_id = ?', summary.id).n);
		for (const line of lines) {
			expect(Object.keys(line.most_similar_instructions)).toHaveLength(10);
			expect(line.avg_similarity_score).toBeGreaterThan(0);
			expect(line.max_rouge_l).toBe(Math.max(...(Object.values(line.most_similar_instructions) as number[])));
		}
		expect(exported.code).toBe(0);
		const set = JSON.parse(exported.stdout);
		expect(set.format).toBe('instruct-audit/template-set');
		expect(set.steps['alpaca/generation']).toMatchObject({ template, decoding: { temperature: 0.9, maxTokens: 2048, stop: ['\n20', '20.'] } });

		fs.writeFileSync(setFile, JSON.stringify({ steps: { 'alpaca/generation': { template: 'no list here {{next_number}}' }, 'self-instruct/nope': {} } }));
		const refused = await cli(['--pipeline', 'alpaca', '--target', '5', '--templates', setFile], env);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain('unknown step "self-instruct/nope"');
		expect(refused.stderr).toContain('step "alpaca/generation" template: The template must contain {{seed_tasks}}');

		// A step of another pipeline is named, not dropped silently.
		fs.writeFileSync(setFile, JSON.stringify({ steps: { 'alpaca/generation': { template }, 'self-instruct/instruction-generation': { template: 'Come up with a series of tasks:\n{{instructions}}\n{{next_number}}.' } } }));
		const mixed = await cli(['--pipeline', 'alpaca', '--target', '2', '--templates', setFile], env);
		expect(mixed.code, mixed.stderr).toBe(0);
		expect(mixed.stderr).toContain('Note: --templates: self-instruct/instruction-generation is a step of another pipeline, not used by this alpaca run (its steps: alpaca/generation).');

		// Plain-text seeds have no outputs, which the Alpaca prompt shows: refused unless confirmed.
		const seedsFile = path.join(path.dirname(file), 'seeds.txt');
		fs.writeFileSync(seedsFile, 'Write a haiku about rain.\nList three prime numbers.\nGive a synonym for happy.\n');
		const plain = await cli(['--pipeline', 'alpaca', '--target', '2', '--seeds', seedsFile], env);
		expect(plain.code).toBe(1);
		expect(plain.stderr).toContain('3 of the 3 seed tasks have no output');
		const confirmed = await cli(['--pipeline', 'alpaca', '--target', '2', '--seeds', seedsFile, '--allow-seeds-without-outputs'], env);
		expect(confirmed.code, confirmed.stderr).toBe(0);
		expect(confirmed.stdout).toContain('warning: 3 of the 3 seed tasks have no output: the Alpaca prompts show them with an empty "Output:".');

		// The call limit of the form is an option here too: one generation call, short of a target of 40.
		const limited = await cli(['--pipeline', 'alpaca', '--target', '40', '--max-calls', '1', '--json'], env);
		expect(limited.code).toBe(1);
		const short = JSON.parse(limited.stdout);
		expect(short.error.code).toBe('short_of_target');
		expect(JSON.parse(one<{ p: string }>(db, 'SELECT params AS p FROM generation_runs WHERE id = ?', short.id).p).maxGenerationCalls).toBe(1);
		expect(short.progress.calls.done).toBe(1);
		expect((await cli(['--pipeline', 'alpaca', '--target', '4', '--max-calls', '0'], env)).code).toBe(2);
	}, 90_000);

	it('a run that fails (the endpoint refuses the key) prints one JSON document under --json and exits 1; set-key, then --resume, finishes it', async () => {
		const guarded = await startFakeOpenAI({ script: pipelineScript(), apiKey: 'sk-right-key-123456' });
		try {
			const add = await cli(['add', '--name', 'guarded', '--base-url', guarded.url, '--model', 'fake-base', '--json'], { LLM_API_KEY: 'sk-wrong-key-654321' }, 'endpoints');
			expect(add.code, add.stderr).toBe(0);
			expect(JSON.parse(add.stdout).added).toMatchObject({ name: 'guarded', hasApiKey: true });
			const run = await cli(['--pipeline', 'self-instruct', '--target', '5', '--endpoint', 'guarded', '--json']);
			expect(run.code, run.stderr).toBe(1);
			const doc = JSON.parse(run.stdout); // one document: a second one would not parse
			expect(doc.status).toMatch(/^(failed|paused)$/);
			expect(doc.id).toBeTypeOf('number');
			expect(doc.error).toMatchObject({ code: 'failed' });
			expect(doc.error.message).toMatch(new RegExp(`^Run ${doc.id} (failed|paused): .+\\. Resume with --resume ${doc.id}\\.$`));
			expect(run.stdout + run.stderr + add.stdout).not.toContain('sk-wrong-key-654321');
			// The key fixed in place: the run keeps its endpoint and resumes to its target.
			const setKey = await cli(['set-key', 'guarded', '--json'], { LLM_API_KEY: 'sk-right-key-123456' }, 'endpoints');
			expect(setKey.code, setKey.stderr).toBe(0);
			expect(setKey.stdout).not.toContain('sk-right-key-123456');
			const resumed = await cli(['--resume', String(doc.id), '--json']);
			expect(resumed.code, resumed.stderr).toBe(0);
			expect(JSON.parse(resumed.stdout)).toMatchObject({ id: doc.id, status: 'completed' });
		} finally {
			await guarded.close();
		}
	}, 90_000);

	it('runs a pipeline to its target from LLM_* variables, prints the run id and counts, and lists it', async () => {
		const seeds = path.join(path.dirname(file), 'seeds.txt');
		fs.writeFileSync(seeds, 'Write a haiku about autumn leaves.\nExplain how a rainbow forms.\nList three ways to save water at home.\n');
		const env = { LLM_BASE_URL: fake.url, LLM_MODEL: 'fake-base', LLM_CONCURRENCY: '4' };
		const run = await cli(['--pipeline', 'self-instruct', '--target', '8', '--seeds', seeds, '--dataset', 'cli generated', '--json'], env);
		expect(run.stderr).not.toMatch(/error/i);
		expect(run.code).toBe(0);
		const summary = JSON.parse(run.stdout);
		expect(summary).toMatchObject({ status: 'completed', pipeline: 'self-instruct', target: 8, datasetName: 'cli generated', endpointName: 'env' });
		expect(summary.progress.accepted).toBe(8);
		const stored = one<{ params: string }>(db, 'SELECT params FROM generation_runs WHERE id = ?', summary.id);
		expect(JSON.parse(stored.params).seedSource).toEqual({ kind: 'file', fileName: 'seeds.txt' });
		// Seeds came from the file: every instruction prompt shows only those three.
		const prompt = one<{ prompt: string }>(db, "SELECT prompt FROM generation_calls WHERE call_key = ?", `run ${summary.id}/si-instructions/1`).prompt;
		expect(prompt).toContain('Explain how a rainbow forms');

		const [list, status, pause] = await Promise.all([
			cli(['--list']),
			cli(['--status', String(summary.id)]),
			cli(['--pause', String(summary.id)])
		]);
		expect(list.code).toBe(0);
		expect(list.stdout).toMatch(new RegExp(`${summary.id}\\s+self-instruct\\s+completed\\s+8/8`));
		expect(status.stdout).toContain(`Run ${summary.id} completed`);
		expect(status.stdout).toMatch(/\d+ instructions generated: 8 kept \(target 8\), 0 held back/);
		expect(pause.code).toBe(1);
		expect(pause.stderr).toContain(`Run ${summary.id} is already completed.`);
	}, 60_000);

	it('endpoints: add with the key from LLM_API_KEY, list it masked, test it, run on it by name', async () => {
		const key = 'sk-cli-secret-abcdef123456';
		const add = await cli(['add', '--name', 'scripted', '--base-url', fake.url, '--model', 'fake-base', '--concurrency', '3'], { LLM_API_KEY: key }, 'endpoints');
		expect(add.code, add.stderr).toBe(0);
		expect(add.stdout).toContain('key sk-…3456');
		const [list, test] = await Promise.all([cli(['list'], {}, 'endpoints'), cli(['test', 'scripted'], {}, 'endpoints')]);
		expect(list.stdout).toMatch(/scripted\s+yes\s+completions\s+fake-base/);
		expect(list.stdout + add.stdout).not.toContain(key);
		expect(test.stdout).toContain('Connected: model fake-base answered');
		const run = await cli(['--pipeline', 'unnatural', '--target', '3', '--rephrasings', '0', '--endpoint', 'scripted']);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toMatch(/Run \d+ completed/);
		expect(fake.generationRequests().at(-1)?.headers.authorization).toBe(`Bearer ${key}`);
	}, 60_000);

	it('a run short of its target with tasks held back: the last progress line and the message count kept as the run does, and say the held back', async () => {
		const instances = (prompt: string) => /\nTask: [^\n]*\n$/.test(prompt);
		fake.setPromptFaults([{ share: 1, match: (r) => instances(r.prompt), reply: (r) => contextLengthError(r, 80) }]);
		const env = { LLM_BASE_URL: fake.url, LLM_MODEL: 'fake-base', LLM_CONCURRENCY: '2' };
		const run = await cli(['--pipeline', 'self-instruct', '--target', '3', '--max-calls', '1', '--max-failed-share', '100%'], env);
		expect(run.code, run.stderr).toBe(1);
		const id = Number(/^Run (\d+) completed/m.exec(run.stdout)?.[1]);
		const held = db.$client.prepare("SELECT count(*) FROM tasks WHERE run_id = ? AND filter_rule = 'callFailed'").pluck().get(id) as number;
		const kept = db.$client.prepare("SELECT count(*) FROM tasks WHERE run_id = ? AND filter_status = 'kept'").pluck().get(id) as number;
		expect(held).toBeGreaterThan(0);
		const lines = run.stderr.split('\n').filter((l) => / Generating: /.test(l));
		expect(lines.at(-1)).toContain(` · ${kept}/3 kept · `);
		expect(run.stdout).toContain(`${held} more held back until ${held === 1 ? 'its failed call is' : 'their failed calls are'} retried`);
		expect(run.stdout).toMatch(new RegExp(`gave ${kept} usable instruction${kept === 1 ? '' : 's'} of the 3 wanted`));
	}, 60_000);

	it('a run with failed calls: --status shows them by reason (text and JSON), --retry-failed sends exactly those again', async () => {
		const instances = (prompt: string) => /\nTask: [^\n]*\n$/.test(prompt);
		fake.setPromptFaults([
			{ share: 0.15, match: (r) => instances(r.prompt) && r.model === 'fake-base', reply: (r) => contextLengthError(r, 80) },
			{ share: 0.08, match: (r) => instances(r.prompt) && r.model === 'fake-base', reply: CONTENT_FILTERED_REPLY }
		]);
		const env = { LLM_BASE_URL: fake.url, LLM_MODEL: 'fake-base', LLM_CONCURRENCY: '4' };
		const run = await cli(['--pipeline', 'self-instruct', '--target', '25', '--max-failed-share', '50%'], env);
		expect(run.code, run.stderr).toBe(0);
		const id = Number(/^Run (\d+) completed/m.exec(run.stdout)?.[1]);
		// stderr is a pipe, not a terminal: plain progress lines instead of a bar.
		expect(run.stderr).toMatch(/^\S+ Generating: \d+% · \d+\/25 kept · \d+ requests · \d+ rejected · \d+ instances/m);
		expect(run.stdout).toMatch(/failed calls: \d+ Prompt too long for the model(, \d+ Refused by a content filter)?; \d+ tasks? held back — retry with --retry-failed \d+/);
		const failedKeys = (db.$client.prepare("SELECT call_key FROM generation_calls WHERE run_id = ? AND status = 'failed'").all(id) as { call_key: string }[]).map((r) => r.call_key);
		expect(failedKeys.length).toBeGreaterThan(0);
		// Every request the model server was sent is counted, the failed ones too.
		const answered = one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'done'", id).n;
		expect(run.stdout).toContain(`${answered + failedKeys.length} requests (${answered} answered, ${failedKeys.length} failed,`);

		const status = await cli(['--status', String(id), '--json'], env);
		const summary = JSON.parse(status.stdout);
		expect(summary.failedCalls.total).toBe(failedKeys.length);
		expect(summary.failedCalls.byReason[0]).toMatchObject({ reason: 'context_length', label: 'Prompt too long for the model' });
		expect(summary.failedCallShare).toBe(0.5);

		const sentBefore = fake.generationRequests().length;
		const retry = await cli(['--retry-failed', String(id), '--model', 'fake-large', '--json'], env);
		expect(retry.code, retry.stderr).toBe(0);
		const after = JSON.parse(retry.stdout);
		expect(after).toMatchObject({ status: 'completed', model: 'fake-large', failedCalls: { total: 0, byReason: [] } });
		const resent = fake.generationRequests().slice(sentBefore).map((r) => String(r.headers['x-client-request-id']));
		expect(resent.sort()).toEqual([...failedKeys].sort());
	}, 90_000);

	it('--status points to --calls --problems for the text set aside, and --problems lists those calls with their raw text', async () => {
		const lead = 'Here is a brand-new example:';
		const base = pipelineScript();
		await fake.close();
		fake = await startFakeOpenAI({
			script: (request) =>
				/un-core\/1$/.test(String(request.headers['x-client-request-id'] ?? ''))
					? `${lead}\n\nInstruction: Sort the given numbers in ascending order.\nInput: 3, 1, 2\nConstraints: A comma-separated list.`
					: base(request)
		});
		const env = { LLM_BASE_URL: fake.url, LLM_MODEL: 'fake-base', LLM_CONCURRENCY: '1' };
		const run = await cli(['--pipeline', 'unnatural', '--target', '2', '--rephrasings', '0', '--json'], env);
		expect(run.code, run.stderr).toBe(0);
		const id = JSON.parse(run.stdout).id as number;
		const status = await cli(['--status', String(id)], env);
		expect(status.stdout).toMatch(/set aside: 1 Lead-in set aside.* — their raw text: generate --calls \d+ --problems/);
		const listed = await cli(['--calls', String(id), '--problems', '--json'], env);
		expect(listed.code, listed.stderr).toBe(0);
		const calls = JSON.parse(listed.stdout).calls as { key: string; replyNotes: { kind: string; raw: string }[] }[];
		expect(calls.map((c) => c.key)).toContain(`run ${id}/un-core/1`);
		expect(calls.find((c) => c.key === `run ${id}/un-core/1`)!.replyNotes).toEqual([{ kind: 'lead_in', raw: lead }]);
		const text = await cli(['--calls', String(id), '--problems'], env);
		expect(text.stdout).toContain(`set aside (Lead-in set aside): ${JSON.stringify(lead)}`);
	});
});
