import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { applyFilters, latestFilterRun, savedFilterSettings } from '../../src/lib/server/filters/apply';
import { nearDuplicateReport } from '../../src/lib/server/filters/near-duplicates';
import { datasetStatistics } from '../../src/lib/server/datasets/statistics';
import { listTasks } from '../../src/lib/server/datasets/browse';
import { filterConfigName, filterPreset } from '../../src/lib/filters';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

async function load(rows: unknown[], datasetName: string, origin: 'seed' | 'imported' = 'imported') {
	return importFile(streamOf(jsonl(rows)), { datasetName, fileName: `${origin}.jsonl`, origin }, db);
}

describe('applying the filters to a dataset', () => {
	it('stores a verdict with rule and detail on every row, deletes nothing, and keeps the funnel', async () => {
		await load([{ id: 's1', name: 's', instruction: 'Give me a recipe for a quick vegetarian dinner.', instances: [{ input: '', output: 'Pasta.' }], is_classification: false }], 'gen', 'seed');
		const summary = await load(
			[
				{ instruction: 'Give me a recipe for a quick vegetarian dinner tonight.', input: '', output: 'Soup.' },
				{ instruction: 'Draw a map of your town.', input: '', output: 'ok' },
				{ instruction: 'Hi.', input: '', output: 'Hello' },
				{ instruction: 'Write a program that sorts numbers.', input: '', output: 'sorted()' },
				{ instruction: '"Quoted" instructions start with punctuation.', input: '', output: 'x' },
				{ instruction: 'Summarize the paragraph in one sentence.', input: 'Text here.', output: 'Text here.' },
				{ instruction: 'Summarize the paragraph in one sentence.', input: 'A long story.', output: 'A story.' },
				{ instruction: 'Translate the sentence into German, please.', input: 'Good morning', output: 'Guten Morgen' }
			],
			'gen'
		);
		const before = datasetStatistics(summary.datasetId, {}, db);
		const result = await applyFilters(summary.datasetId, filterPreset('self-instruct'), null, db);
		expect(result.seedInstructions).toBe(1);
		const statuses = db.$client
			.prepare("SELECT instruction, filter_status AS s, filter_rule AS r, filter_detail AS d FROM tasks WHERE dataset_id = ? AND origin <> 'seed' ORDER BY id")
			.all(summary.datasetId) as { instruction: string; s: string; r: string | null; d: string | null }[];
		expect(statuses.map((t) => [t.s, t.r])).toEqual([
			['rejected', 'rougeL'],
			['rejected', 'blacklist'],
			['rejected', 'wordCount'],
			['rejected', 'forbiddenPrefix'],
			['rejected', 'leadingPunctuation'],
			['kept', null],
			['kept', null]
		]);
		expect(statuses[0].d).toMatch(/^rougeL 0\.\d+ vs "Give me a recipe/);
		// The input-equals-output instance is rejected, the other one of that task kept.
		const summarize = db.$client
			.prepare("SELECT i.filter_status AS s, i.filter_rule AS r FROM instances i JOIN tasks t ON t.id = i.task_id WHERE t.instruction LIKE 'Summarize%' ORDER BY i.id")
			.all() as { s: string; r: string | null }[];
		expect(summarize).toEqual([
			{ s: 'rejected', r: 'inputEqualsOutput' },
			{ s: 'kept', r: null }
		]);
		expect(result.funnel.tasks).toEqual({ total: 7, kept: 2 });
		expect(result.funnel.steps.find((s) => s.rule === 'rougeL')?.removed).toBe(1);
		// Nothing was deleted; statistics can leave the rejected rows out.
		expect(datasetStatistics(summary.datasetId, {}, db).instructions).toBe(before.instructions);
		expect(datasetStatistics(summary.datasetId, { keptOnly: true }, db).instructions).toBe(3);
		expect(listTasks(summary.datasetId, { filter: 'rejected' }, db).total).toBe(5);
		expect(latestFilterRun(summary.datasetId, db)?.funnel.tasks.kept).toBe(2);

		// Applying again with ROUGE-L off changes the verdicts in place.
		const loose = filterPreset('self-instruct');
		loose.instruction.rougeL.enabled = false;
		await applyFilters(summary.datasetId, loose, null, db);
		expect(listTasks(summary.datasetId, { filter: 'rejected' }, db).total).toBe(4);
	});

	it('groups near-duplicate instructions with exact scores', async () => {
		const summary = await load(
			[
				{ instruction: 'Write a short poem about the sea and the wind.', input: '', output: 'a' },
				{ instruction: 'Write a short poem about the sea and the sky.', input: '', output: 'b' },
				{ instruction: 'Write a short poem about the sea and the rain.', input: '', output: 'c' },
				{ instruction: 'List three prime numbers greater than ten.', input: '', output: '11, 13, 17' },
				{ instruction: 'List three prime numbers larger than ten.', input: '', output: '11, 13, 17' },
				{ instruction: 'Explain how a bicycle gear works.', input: '', output: 'd' }
			],
			'dups'
		);
		const report = await nearDuplicateReport(summary.datasetId, 0.7, db);
		expect(report.groups.map((g) => g.members.length)).toEqual([3, 2]);
		expect(report.instructionsInGroups).toBe(5);
		// "list three prime numbers greater than ten" vs "… larger than ten": LCS 6 of 7 tokens.
		expect(report.groups[1].maxScore).toBeCloseTo(6 / 7, 12);
	});
});

describe('settings applied before, offered again', () => {
	it('offers every distinct named or customised configuration the runs applied, latest first, not only the latest run\'s', async () => {
		const { datasetId } = await load([{ instruction: 'Translate the sentence into German, please.', input: 'Good morning', output: 'Guten Morgen' }], 'saved');
		expect(savedFilterSettings(datasetId, db)).toEqual([]);
		const strict = { ...filterPreset('self-instruct'), name: 'strict-v2' };
		strict.instruction.rougeL.threshold = 0.6;
		const customised = filterPreset('self-instruct');
		customised.instruction.rougeL.threshold = 0.5;
		await applyFilters(datasetId, strict, null, db);
		await applyFilters(datasetId, customised, null, db);
		await applyFilters(datasetId, strict, null, db);
		// A preset's unchanged settings are the preset's radio, not saved settings; they used to hide "strict-v2".
		await applyFilters(datasetId, filterPreset('self-instruct'), null, db);
		const saved = savedFilterSettings(datasetId, db);
		expect(saved.map((s) => filterConfigName(s.config))).toEqual(['custom settings "strict-v2"', 'self-instruct, customised']);
		expect(saved.map((s) => s.config.instruction.rougeL.threshold)).toEqual([0.6, 0.5]);
		const runs = db.$client.prepare<[number], number>('SELECT id FROM filter_runs WHERE dataset_id = ? ORDER BY id').pluck().all(datasetId);
		// Each names the run that applied it last.
		expect(saved.map((s) => s.key)).toEqual([`filter-run-${runs[2]}`, `filter-run-${runs[1]}`]);
		expect(saved[0].config).toEqual(strict);
	});
});

describe('applying the filters beside other work', () => {
	it('lets the event loop run while it filters, and refuses a second run on the same dataset meanwhile', async () => {
		const rows = Array.from({ length: 3000 }, (_, i) => ({ instruction: `Write a short poem about topic number ${i} and the sea, in ${i % 7} lines.`, input: '', output: `Poem ${i}.` }));
		const summary = await load(rows, 'big');
		let ticks = 0;
		const ticker = setInterval(() => ticks++, 1);
		const running = applyFilters(summary.datasetId, filterPreset('self-instruct'), null, db);
		await expect(applyFilters(summary.datasetId, filterPreset('self-instruct'), null, db)).rejects.toMatchObject({ status: 409, code: 'busy' });
		const started = performance.now();
		const result = await running;
		const ms = performance.now() - started;
		clearInterval(ticker);
		// ROUGE-L over 3,000 instructions takes well over the 20 ms between yields here; the timer
		// kept firing throughout (a blocked loop would have let it fire once, at the end).
		expect(ms).toBeGreaterThan(60);
		expect(ticks).toBeGreaterThanOrEqual(3);
		expect(result.funnel.tasks.total).toBe(3000);
		// Once finished, the dataset can be filtered again.
		await expect(applyFilters(summary.datasetId, filterPreset('self-instruct'), null, db)).resolves.toMatchObject({ seedInstructions: 0 });
	});
});
