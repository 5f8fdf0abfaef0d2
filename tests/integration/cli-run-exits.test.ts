/**
 * How `judge start` ends for a script: a run that read no verdict at all is a failure (exit 1,
 * the summary with an error object), and a run paused by a signal says so under --json too
 * (code interrupted), exiting 130 for Ctrl-C and 143 for SIGTERM as shells expect.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/lib/server/db';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI, type FakeScript } from '../support/fake-openai';
import { buildJudgeWorld, judgeScript, TASKS } from './judge-support';
import { spawnCli, waitFor } from '../support/cli-process';

let db: Db;
let file: string;
let cleanup: () => void;
let fake: FakeOpenAI;

beforeEach(() => {
	({ db, file, cleanup } = createTestDb());
});
afterEach(async () => {
	await fake?.close();
	cleanup();
});

const env = () => ({ DATABASE_PATH: file, LLM_BASE_URL: fake.url, LLM_MODEL: 'judge-model', LLM_API_STYLE: 'chat', LLM_CONCURRENCY: '2' });

describe('judge start', () => {
	it('fails (exit 1, error object) when no reply could be read as a verdict', async () => {
		fake = await startFakeOpenAI({ script: () => 'I think it is fine.' });
		const world = await buildJudgeWorld(db);
		// Spawned, not spawnSync: the scripted server answers from this process.
		const run = spawnCli(['judge', 'start', '--dataset', String(world.datasetId), '--json'], env());
		expect(await run.exit, run.output()).toBe(1);
		const printed = JSON.parse(run.stdout());
		expect(printed).toMatchObject({ status: 'completed', parsed: 0, unparsed: TASKS });
		expect(printed.error).toMatchObject({ code: 'unreadable' });
		expect(printed.error.message).toMatch(/^Judge run \d+ completed, but none of its 40 replies could be read as a verdict/);
	}, 90_000);

	it.each([
		['SIGINT', 130],
		['SIGTERM', 143]
	] as const)('paused by %s: exit %i, the summary with an error object under --json', async (signal, code) => {
		// Slow replies: the run is still going when the signal comes.
		const slow: FakeScript = async (request) => {
			await new Promise((r) => setTimeout(r, 150));
			return judgeScript(request);
		};
		fake = await startFakeOpenAI({ script: slow });
		const world = await buildJudgeWorld(db);
		const run = spawnCli(['judge', 'start', '--dataset', String(world.datasetId), '--json'], env());
		await waitFor(() => fake.generationRequests().length >= 2 || run.child.exitCode !== null, 'the first judge calls', 60_000);
		run.child.kill(signal);
		expect(await run.exit, run.output()).toBe(code);
		const printed = JSON.parse(run.stdout());
		expect(printed.status).toBe('paused');
		expect(printed.error).toMatchObject({ code: 'interrupted' });
		expect(printed.error.message).toMatch(new RegExp(`^Interrupted \\(${signal}\\): judge run \\d+ paused at its last commit\\. Resume with: npx instruct-audit judge resume \\d+$`));
	}, 90_000);
});
