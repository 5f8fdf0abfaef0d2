/**
 * A generated dataset exported and carded: the card counts the run's seeds as the run keeps them
 * (an object per pipeline, not an array), and the manifest, the card and the command line name
 * the generation run's own filters as what judged `kept` — never "no automatic filter has been
 * run" while `kept` leaves out the rows the run rejected.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import { CLI_ENTRY } from '../support/cli-bundle';
import type { Db } from '../../src/lib/server/db';
import { writeDatasetCard } from '../../src/lib/server/exports/dataset-card';
import { runParamsView } from '../../src/lib/server/runs/generation/view';
import { generationRunsOf } from '../../src/lib/server/exports/export';
import { applyFilters, latestGenerationFilters } from '../../src/lib/server/filters/apply';
import { generationVerdictsNote } from '../../src/lib/cards/automatic-filters';
import { filterPreset } from '../../src/lib/filters';
import { countExport } from '../../src/lib/server/exports/export';
import { parseWhere } from '../../src/lib/server/exports/filters';
import { validate } from '../support/json-schema';
import { all, fakeEndpoint, one, startRun } from './generation-support';

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

/** The first instruction list brings two the filters reject: too short, and "Write a program". */
const FIRST_LIST =
	' Describe the water cycle for a ten year old child.\n10. Hi there.\n11. Write a program that sorts a list of numbers quickly.\n12. Give three reasons why people enjoy hiking in the mountains.';

async function generatedRun(pipeline: 'self-instruct' | 'unnatural', options: { classificationOnly?: boolean } = {}) {
	const base = pipelineScript();
	fake = await startFakeOpenAI({ script: (request) => (/si-instructions\/1$/.test(String(request.headers['x-client-request-id'])) ? FIRST_LIST : base(request)) });
	const endpoint = fakeEndpoint(db, fake.url, { concurrency: 1 });
	const { run, session } = await startRun(db, { pipeline, target: 4, endpointId: endpoint.id, ...(pipeline === 'unnatural' ? { rephrasings: 0 } : {}), ...options });
	expect((await session.done).status).toBe('completed');
	return { runId: run.id, datasetId: one<{ id: number }>(db, 'SELECT dataset_id AS id FROM generation_runs WHERE id = ?', run.id).id };
}

it('a classification-only run: the card and the run page count the seed tasks it could use, of those it was given', async () => {
	const { runId, datasetId } = await generatedRun('self-instruct', { classificationOnly: true });
	const run = one<{ params: string; seeds: string }>(db, 'SELECT params, seeds FROM generation_runs WHERE id = ?', runId);
	const given = (JSON.parse(run.seeds) as { tasks: { isClassification: boolean | null }[] }).tasks;
	const used = given.filter((t) => t.isClassification === true).length;
	expect(used).toBeGreaterThan(1);
	expect(used).toBeLessThan(given.length);
	const words = `${used} of the ${given.length} seed tasks (classification only)`;
	expect(runParamsView({ params: JSON.parse(run.params), seeds: JSON.parse(run.seeds) }).seedCount).toBe(words);
	const card = await writeDatasetCard({ datasetId, filters: parseWhere(['kept']), format: 'jsonl' }, path.join(path.dirname(file), 'card'), {}, db);
	expect(fs.readFileSync(card.readme, 'utf8')).toContain(`the self-instruct pipeline with the model \`fake-base\`, ${words}, target 4`);
});

it('before any filter run, the Filters page names the generation run\'s filters as the judges; Apply filters replaces their verdicts', async () => {
	const { runId, datasetId } = await generatedRun('self-instruct');
	const runs = generationRunsOf(datasetId, db);
	expect(runs).toEqual([{ id: runId, pipeline: 'self-instruct', filters: expect.arrayContaining(['preset self-instruct', 'ROUGE-L ≤ 0.7']) }]);
	expect(generationVerdictsNote(runs)).toContain(`the verdicts of the filters generation run ${runId} applied as it generated the rows (preset self-instruct, ROUGE-L ≤ 0.7`);
	const hi = () => one<{ s: string; r: string | null }>(db, "SELECT filter_status AS s, filter_rule AS r FROM tasks WHERE run_id = ? AND instruction LIKE 'Hi there%'", runId);
	expect(hi()).toEqual({ s: 'rejected', r: 'wordCount' });
	const config = filterPreset('self-instruct');
	config.instruction.wordCount.enabled = false;
	await applyFilters(datasetId, config, null, db);
	// The run's word-count verdict was the filters' to give: a filter run without that rule replaces it.
	expect(hi()).toMatchObject({ r: null });
});

it('a Self-Instruct run: the card counts its seed tasks, and every reader names the run\'s filters as what judged `kept`', async () => {
	const { runId, datasetId } = await generatedRun('self-instruct');
	const seeds = (JSON.parse(one<{ seeds: string }>(db, 'SELECT seeds FROM generation_runs WHERE id = ?', runId).seeds) as { tasks: unknown[] }).tasks.length;
	expect(seeds).toBeGreaterThan(0);
	const rejectedTasks = all<{ rule: string }>(db, "SELECT filter_rule AS rule FROM tasks WHERE run_id = ? AND filter_status = 'rejected'", runId).map((t) => t.rule);
	expect(rejectedTasks).toEqual(expect.arrayContaining(['wordCount']));

	// Manifest: the run's filters judged the rows; `kept` is described as the filters' verdict.
	const counts = countExport({ datasetId, filters: {} }, db);
	const rejectedInstances = one<{ n: number }>(
		db,
		"SELECT count(*) AS n FROM instances i JOIN tasks t ON t.id = i.task_id WHERE i.dataset_id = ? AND (i.filter_status = 'rejected' OR t.filter_status = 'rejected')",
		datasetId
	).n;
	expect(counts.automaticFilters).toMatchObject({ filterRunId: null, generationRuns: [{ id: runId, pipeline: 'self-instruct' }], rejectedInstances });
	expect(counts.automaticFilters!.generationRuns[0].filters).toEqual(expect.arrayContaining(['preset self-instruct', 'ROUGE-L ≤ 0.7']));

	const dir = path.join(path.dirname(file), 'card');
	const card = await writeDatasetCard({ datasetId, filters: parseWhere(['kept']), format: 'jsonl' }, dir, {}, db);
	expect(validate(JSON.parse(fs.readFileSync('docs/schemas/export-manifest.schema.json', 'utf8')), card.manifest)).toEqual([]);
	expect(card.manifest.automaticFilters).toMatchObject({ filterRunId: null, generationRuns: [{ id: runId }], rejectedInstances: 0 });
	expect(card.manifest.filters).toEqual([{ where: 'kept', description: 'kept by the automatic filters: neither the task nor the instance was rejected' }]);
	const readme = fs.readFileSync(card.readme, 'utf8');
	expect(readme).toContain(`Generation run ${runId}: the self-instruct pipeline with the model \`fake-base\`, ${seeds} seed tasks, target 4`);
	expect(readme).toContain(`The filters generation run ${runId} applied as it generated the rows (preset self-instruct, ROUGE-L ≤ 0.7`);
	expect(readme).not.toContain('No automatic filter');
	expect(readme).not.toContain('0 seed tasks');

	// The command line says the same.
	const out = path.join(path.dirname(file), 'kept.jsonl');
	const cli = spawnSync(process.execPath, [CLI_ENTRY, 'export', String(datasetId), '--format', 'jsonl', '--where', 'kept', '--out', out], {
		env: { ...process.env, DATABASE_PATH: file },
		encoding: 'utf8',
		timeout: 60_000
	});
	expect(cli.stderr).toBe('');
	expect(cli.status).toBe(0);
	expect(cli.stdout).not.toContain('No automatic filter');
	expect(cli.stdout).toContain(`\`kept\` left out what the filters generation run ${runId} applied as it generated the rows (preset self-instruct, ROUGE-L ≤ 0.7`);
});

it('an Unnatural Instructions run: the card counts its seed sets', async () => {
	const { runId, datasetId } = await generatedRun('unnatural');
	const sets = (JSON.parse(one<{ seeds: string }>(db, 'SELECT seeds FROM generation_runs WHERE id = ?', runId).seeds) as { kind: string; sets: unknown[] });
	expect(sets.kind).toBe('unnatural');
	const card = await writeDatasetCard({ datasetId, filters: {}, format: 'jsonl' }, path.join(path.dirname(file), 'un-card'), {}, db);
	const readme = fs.readFileSync(card.readme, 'utf8');
	expect(readme).toContain(`Generation run ${runId}: the unnatural pipeline with the model \`fake-base\`, ${sets.sets.length} seed sets of demonstrations, target 4`);
	expect(card.manifest.automaticFilters?.generationRuns[0].filters).toEqual(['missing fields', 'copies of demonstrations', 'duplicates']);
});

it('Apply filters on a generated dataset starts from the run\'s own filters and counts the seed pool the dataset lacks', async () => {
	const base = pipelineScript();
	fake = await startFakeOpenAI({ script: base });
	const endpoint = fakeEndpoint(db, fake.url, { concurrency: 1 });
	const { run, session } = await startRun(db, { pipeline: 'alpaca', target: 3, endpointId: endpoint.id });
	expect((await session.done).status).toBe('completed');
	const datasetId = one<{ id: number }>(db, 'SELECT dataset_id AS id FROM generation_runs WHERE id = ?', run.id).id;
	const stored = JSON.parse(one<{ params: string }>(db, 'SELECT params FROM generation_runs WHERE id = ?', run.id).params) as { filters: unknown };
	const start = latestGenerationFilters(datasetId, db)!;
	expect(start).toMatchObject({ runId: run.id, pipeline: 'alpaca', datasetSeeds: 0 });
	expect(start.config).toEqual(stored.filters);
	expect(start.config.name).toBe('alpaca');
	expect(start.config).not.toEqual(filterPreset('self-instruct'));
	expect(start.poolSeeds).toBeGreaterThan(0);
	// An imported dataset has no run: the form keeps its preset.
	expect(latestGenerationFilters(datasetId + 1000, db)).toBeNull();
});
