import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { findDatasetByName } from '../../src/lib/server/datasets/datasets';
import { datasetStatistics } from '../../src/lib/server/datasets/statistics';
import { applyFilters } from '../../src/lib/server/filters/apply';
import { filterPreset } from '../../src/lib/filters';
import { analyze } from '../../src/lib/server/analyses/analyze';
import { datasetTable } from '../../src/lib/reports/paper-tables';
import { analysisChoices } from '../../src/lib/server/analyses/choices';
import { analysisFigures } from '../../src/lib/analyses/figures';
import { AnalysisBuilder } from '../../src/lib/analyses/analysis';
import { archiveDataset } from '../../src/lib/server/archive/archive';
import { buildRunParams } from '../../src/lib/server/runs/generation/params';
import type { Db } from '../../src/lib/server/db';

let db: Db;
let cleanup: () => void;

beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

const rows = (instructions: string[], input = '') => jsonl(instructions.map((instruction, k) => ({ instruction, input: k % 2 ? input : '', output: `An output of ${k + 3} words here.` })));

async function importRows(dataset: string, text: string, origin?: 'seed') {
	await importFile(streamOf(text), { datasetName: dataset, fileName: 'rows.jsonl', origin }, db);
	return findDatasetByName(dataset, db)!.id;
}

describe('analyses on a database', () => {
	it('analyses a dataset with its own seed tasks, caches the result and recomputes after a new import', async () => {
		const id = await importRows('mixed', rows(['Write a poem about the sea.', 'List three colours.']), 'seed');
		await importRows('mixed', rows(['Write a poem about the moon.', 'Give me a recipe for soup.', 'What is the capital of Peru?'], 'some input'));
		const first = await analyze({ kind: 'dataset', datasetId: id }, {}, db);
		expect(first.cached).toBe(false);
		expect(first.analysis.instructions).toBe(5);
		expect(first.analysis.verbNoun.withPair).toBe(4);
		// Default seeds: the dataset's seed-origin tasks, left out of their own histogram.
		expect(first.seeds).toEqual({ kind: 'dataset', datasetId: id });
		expect(first.analysis.seedSimilarity!.seeds).toBe(2);
		expect(first.analysis.seedSimilarity!.n).toBe(3);
		expect(first.analysis.seedSimilarity!.max).toBeCloseTo(5 / 6, 12);
		// Table 1 is the dataset statistics.
		expect(first.table1).toEqual(datasetStatistics(id, {}, db));

		const again = await analyze({ kind: 'dataset', datasetId: id }, {}, db);
		expect(again.cached).toBe(true);
		expect(again.analysis).toEqual(first.analysis);

		await importRows('mixed', rows(['Summarize the article in one sentence.']));
		const after = await analyze({ kind: 'dataset', datasetId: id }, {}, db);
		expect(after.cached).toBe(false);
		expect(after.analysis.instructions).toBe(6);
	});

	it('recomputes a result cached by the code before the current verb–noun rules', async () => {
		const id = await importRows('older', rows(['What is the benefit of using a relational database?', 'Re-write the following sentence.']));
		const first = await analyze({ kind: 'dataset', datasetId: id }, { seeds: { kind: 'none' } }, db);
		expect(first.analysis.verbNoun.noVerb).toBe(1);
		expect(first.analysis.verbNoun.withPair).toBe(1);
		// The same data, cached by version 2 (which read use/database and no verb for "Re-write").
		db.$client.prepare(`UPDATE analysis_cache SET version = 'a2' || substr(version, instr(version, '|'))`).run();
		const again = await analyze({ kind: 'dataset', datasetId: id }, { seeds: { kind: 'none' } }, db);
		expect(again.cached).toBe(false);
		expect(again.analysis.verbNoun).toEqual(first.analysis.verbNoun);
	});

	it('counts every instance once across read batches (a dataset larger than one batch of tasks)', async () => {
		// 9,000 tasks (more than two batches of 4,096), one in three with a second instance.
		const records = Array.from({ length: 9_000 }, (_, k) => ({ instruction: `Task ${k}: name ${k % 7} things.`, input: '', output: `out ${'w '.repeat(k % 5)}` }));
		const extra = records.filter((_, k) => k % 3 === 0).map((r) => ({ ...r, input: 'more', output: 'a b c' }));
		const id = await importRows('batched', jsonl([...records, ...extra]));
		const stats = datasetStatistics(id, {}, db);
		expect(stats.instances).toBe(12_000);
		const byDataset = await analyze({ kind: 'dataset', datasetId: id }, { seeds: { kind: 'none' } }, db);
		expect(byDataset.analysis.instructions).toBe(9_000);
		expect(byDataset.analysis.instances).toBe(12_000);
		expect(byDataset.analysis.lengths.emptyInputs).toBe(9_000);
		// The same rows read as an export selection (another query shape) give the same lengths.
		const bySelection = await analyze({ kind: 'selection', datasetId: id, where: [] }, { seeds: { kind: 'none' } }, db);
		expect(bySelection.analysis.lengths).toEqual(byDataset.analysis.lengths);
	});

	it('a filter application invalidates, and kept-only leaves the rejected rows out', async () => {
		const id = await importRows('filtered', rows(['Write a poem about the sea.', 'Draw a picture of a cat.', 'Give me three tips for sleeping well.']));
		const all = await analyze({ kind: 'dataset', datasetId: id, keptOnly: true }, { seeds: { kind: 'none' } }, db);
		expect(all.analysis.instructions).toBe(3);
		await applyFilters(id, filterPreset('self-instruct'), null, db);
		const kept = await analyze({ kind: 'dataset', datasetId: id, keptOnly: true }, { seeds: { kind: 'none' } }, db);
		expect(kept.cached).toBe(false);
		// "Draw a picture …" holds blacklisted words.
		expect(kept.analysis.instructions).toBe(2);
		expect(kept.analysis.seedSimilarity).toBeNull();
		expect(kept.table1.instructions).toBe(2);
	});

	it('analyses an export selection, with Table 1 from its own rows, against another dataset’s instructions', async () => {
		const seeds = await importRows('seeds', rows(['Write a poem about the sea.', 'Give me a recipe for pancakes.']));
		const id = await importRows('generated', rows(['Write a poem about love.', 'Give me a recipe for waffles.', 'Name three rivers in Africa.', 'Explain how tides work.'], 'an input'));
		const r = await analyze({ kind: 'selection', datasetId: id, where: ['input=nonempty'] }, { seeds: { kind: 'dataset', datasetId: seeds } }, db);
		expect(r.scope).toEqual({ kind: 'selection', datasetId: id, where: ['input=nonempty'] });
		expect(r.analysis.instructions).toBe(2);
		expect(r.analysis.instances).toBe(2);
		expect(r.analysis.lengths.emptyInputs).toBe(0);
		expect(r.table1).toMatchObject({ instructions: 2, instances: 2, emptyInputInstances: 0, avgNonEmptyInputWords: 2 });
		expect(r.analysis.seedSimilarity!.source).toContain('“seeds”');
	});

	it('leaves the analysed dataset’s seed tasks out whichever seeds it is compared with, and says how many', async () => {
		const seedRows = rows(['Write a poem about the sea.', 'List three colours.']);
		const seeds = await importRows('seeds', seedRows, 'seed');
		const id = await importRows('mix', seedRows, 'seed');
		await importRows('mix', rows(['Write a poem about the moon.', 'Give me a recipe for soup.', 'What is the capital of Peru?']));
		const own = await analyze({ kind: 'dataset', datasetId: id }, {}, db);
		const other = await analyze({ kind: 'dataset', datasetId: id }, { seeds: { kind: 'dataset', datasetId: seeds } }, db);
		for (const r of [own, other]) {
			const s = r.analysis.seedSimilarity!;
			expect(s.n).toBe(3);
			expect(s.seedTasksLeftOut).toBe(2);
			expect(s.max).toBeCloseTo(5 / 6, 12);
		}
		expect(other.analysis.seedSimilarity).toEqual({ ...own.analysis.seedSimilarity, source: other.analysis.seedSimilarity!.source });
		// The same for an export selection of the dataset.
		const selection = await analyze({ kind: 'selection', datasetId: id, where: [] }, { seeds: { kind: 'dataset', datasetId: seeds } }, db);
		expect(selection.analysis.seedSimilarity).toMatchObject({ n: 3, seedTasksLeftOut: 2 });
		// A dataset without seed tasks compared with another dataset leaves nothing out.
		const plain = await importRows('plain', rows(['Write a poem about the sea.', 'Name a bird.']));
		const none = await analyze({ kind: 'dataset', datasetId: plain }, { seeds: { kind: 'dataset', datasetId: seeds } }, db);
		expect(none.analysis.seedSimilarity).toMatchObject({ n: 2, seedTasksLeftOut: 0, max: 1 });
	});

	it('reads the histogram against the threshold of the dataset’s latest filter run, else Self-Instruct’s 0.7', async () => {
		const seeds = await importRows('seeds', rows(['Write a poem about the sea.', 'Give me a recipe for pancakes.']), 'seed');
		const id = await importRows('gen', rows(['Write a poem about the moon.', 'Give me a recipe for waffles today.', 'Name three rivers in Africa.']));
		const choice = { seeds: { kind: 'dataset', datasetId: seeds } } as const;
		const before = (await analyze({ kind: 'dataset', datasetId: id }, choice, db)).analysis;
		expect(before.seedSimilarity!.threshold).toEqual({ value: 0.7, filterRunId: null, generationRunId: null });
		expect(analysisFigures([{ label: 'gen', analysis: before }])[1].caption).toContain("above 0.5: 2 (66.7%; exactly 0.5: 0), above 0.7 (Self-Instruct's threshold): 2 (66.7%; exactly 0.7: 0)");
		const preset = filterPreset('alpaca');
		const { filterRunId } = await applyFilters(id, { ...preset, instruction: { ...preset.instruction, rougeL: { ...preset.instruction.rougeL, threshold: 0.5 } } }, null, db);
		const after = (await analyze({ kind: 'dataset', datasetId: id, keptOnly: true }, choice, db)).analysis;
		const s = after.seedSimilarity!;
		expect(s.threshold).toEqual({ value: 0.5, filterRunId, generationRunId: null });
		expect(s.above.map((x) => x.threshold)).toEqual([0.5]);
		const figure = analysisFigures([{ label: 'gen', analysis: after }])[1];
		expect(figure.caption).toContain(`above 0.5, the threshold of filter run ${filterRunId}: `);
		expect(figure.caption).not.toContain('above 0.7');
		expect(figure.chart).toMatchObject({ rules: [0.5] });
	});

	it('reads the histogram against the threshold the generating run filtered with when no filter run set one, and names it', async () => {
		const id = await importRows('generated at 0.9', rows(['Write a poem about the moon.', 'Give me a recipe for soup.', 'Name three rivers.']));
		const params = buildRunParams({ pipeline: 'self-instruct', target: 3, rougeThreshold: 0.9 });
		const run = Number(
			db.$client
				.prepare<[number, string, string]>(
					`INSERT INTO generation_runs (pipeline, name, status, dataset_id, endpoint_source, endpoint, model, target, params, seeds, progress, created_at, updated_at)
					 VALUES ('self-instruct', 'run', 'completed', ?, 'env', '{}', 'm', 3, ?, ?, '{}', 1, 1)`
				)
				.run(id, JSON.stringify(params), JSON.stringify([{ instruction: 'Write a poem about the sea.' }])).lastInsertRowid
		);
		for (const scope of [{ kind: 'dataset', datasetId: id }, { kind: 'run', runId: run }] as const) {
			const s = (await analyze(scope, {}, db)).analysis.seedSimilarity!;
			expect(s.threshold).toEqual({ value: 0.9, filterRunId: null, generationRunId: run });
			expect(s.above.map((x) => x.threshold)).toEqual([0.5, 0.9]);
		}
		const figure = analysisFigures([{ label: 'gen', analysis: (await analyze({ kind: 'dataset', datasetId: id }, {}, db)).analysis }]).find((f) => f.id === 'rouge-to-seeds')!;
		expect(figure.caption).toContain(`above 0.9, the threshold of generation run #${run}: `);
		expect(figure.chart).toMatchObject({ rules: [0.5, 0.9] });
		// A filter run over the dataset comes first.
		const { filterRunId } = await applyFilters(id, filterPreset('self-instruct'), null, db);
		expect((await analyze({ kind: 'dataset', datasetId: id }, {}, db)).analysis.seedSimilarity!.threshold).toEqual({ value: 0.7, filterRunId, generationRunId: null });
	});

	it('takes the default seeds from the run that generated the dataset, never from a judge run of it (nor offers a judge run as seeds)', async () => {
		const id = await importRows('generated', rows(['Write a poem about the moon.', 'Give me a recipe for soup.', 'Name three rivers.']));
		const insertRun = db.$client.prepare<[string, number, string]>(
			`INSERT INTO generation_runs (pipeline, name, status, dataset_id, endpoint_source, endpoint, model, target, params, seeds, progress, created_at, updated_at)
			 VALUES (?, 'run', 'completed', ?, 'env', '{}', 'm', 3, '{}', ?, '{}', 1, 1)`
		);
		const generation = Number(insertRun.run('alpaca', id, JSON.stringify([{ instruction: 'Write a poem about the sea.' }, { instruction: 'Give me a recipe for pancakes.' }])).lastInsertRowid);
		const judge = Number(insertRun.run('judge', id, '[]').lastInsertRowid);
		expect(judge).toBeGreaterThan(generation);
		const r = await analyze({ kind: 'dataset', datasetId: id }, {}, db);
		expect(r.seeds).toEqual({ kind: 'run', runId: generation });
		expect(r.analysis.seedSimilarity).toMatchObject({ seeds: 2, n: 3 });
		expect(r.analysis.seedSimilarity!.source).toBe(`the 2 seed instructions of run #${generation}`);
		// A judge run is neither an analysis scope nor a seeds choice.
		await expect(analyze({ kind: 'run', runId: judge }, {}, db)).rejects.toThrow(`No generation run with id ${judge}.`);
		await expect(analyze({ kind: 'dataset', datasetId: id }, { seeds: { kind: 'run', runId: judge } }, db)).rejects.toThrow(`No generation run with id ${judge}.`);
		expect(analysisChoices(db).runs.map((run) => run.id)).toEqual([generation]);
	});

	it('hides archived datasets (and their runs) from the choices, and says so when one is analysed by its id', async () => {
		const kept = await importRows('kept', rows(['Write a poem about the sea.']));
		const gone = await importRows('gone', rows(['Write a poem about the moon.']));
		const run = Number(
			db.$client
				.prepare<[number]>(
					`INSERT INTO generation_runs (pipeline, name, status, dataset_id, endpoint_source, endpoint, model, target, params, seeds, progress, created_at, updated_at)
					 VALUES ('alpaca', 'run', 'completed', ?, 'env', '{}', 'm', 3, '{}', '[]', '{}', 1, 1)`
				)
				.run(gone).lastInsertRowid
		);
		const first = await analyze({ kind: 'dataset', datasetId: gone }, {}, db);
		expect(first.archived).toBe(false);
		expect(analysisChoices(db).datasets.map((d) => d.id)).toEqual([gone, kept]);
		archiveDataset(gone, null, db);
		expect(analysisChoices(db).datasets.map((d) => d.id)).toEqual([kept]);
		expect(analysisChoices(db).runs.map((r) => r.id)).not.toContain(run);
		// Read as the dataset page reads an archived dataset: shown, with the note (from the cache too).
		const again = await analyze({ kind: 'dataset', datasetId: gone }, {}, db);
		expect(again).toMatchObject({ cached: true, archived: true });
		expect((await analyze({ kind: 'dataset', datasetId: kept }, {}, db)).archived).toBe(false);
	});

	it('says what the figures read of conversations (the first user turn and reply) and of preference pairs (one response each)', async () => {
		const conv = [
			{ id: 'c1', conversations: [{ from: 'human', value: 'Write a poem about cats.' }, { from: 'gpt', value: 'Cats are soft.' }, { from: 'human', value: 'Make it longer please' }, { from: 'gpt', value: 'Cats are soft and warm and nice.' }] },
			{ id: 'c2', conversations: [{ from: 'system', value: 'You are helpful.' }, { from: 'human', value: 'Explain gravity.' }, { from: 'gpt', value: 'Mass attracts mass.' }] }
		];
		await importFile(streamOf(JSON.stringify(conv)), { datasetName: 'conv', fileName: 'conv.json' }, db);
		const c = await analyze({ kind: 'dataset', datasetId: findDatasetByName('conv', db)!.id }, {}, db);
		expect(c.coverage).toEqual({ conversations: 2, laterUserTurns: 1, laterReplies: 1, preferencePairs: 0, pairOutputs: 0 });
		expect(c.covers.instruction).toBe('Instructions: the first user turn of each of the 2 conversations (later user turns not analysed: 1)');
		expect(c.covers.output).toBe('Outputs: the first reply of each conversation (later replies not analysed: 1)');
		const figures = analysisFigures([{ label: 'conv', analysis: c.analysis, covers: c.covers }]);
		expect(figures.find((f) => f.id === 'length-instruction')!.caption).toContain(c.covers.instruction!);
		expect(figures.find((f) => f.id === 'verb-noun')!.caption).toContain(c.covers.instruction!);

		const pref = [
			{ user_input: 'Give three tips for sleep.', completion_a: 'Dark room, no screens, fixed schedule.', completion_b: 'Sleep.' },
			{ user_input: 'Translate hello into French.', completion_a: 'Bonjour', completion_b: 'Hola' }
		];
		await importFile(streamOf(JSON.stringify(pref)), { datasetName: 'pref', fileName: 'pref.json' }, db);
		const p = await analyze({ kind: 'dataset', datasetId: findDatasetByName('pref', db)!.id }, {}, db);
		expect(p.coverage).toMatchObject({ conversations: 0, preferencePairs: 2, pairOutputs: 2 });
		expect(p.table1.responses).toBe(4);
		expect(p.covers).toEqual({ instruction: null, output: 'Outputs: 2 of the 4 responses of the 2 preference pairs, one per prompt: the preferred response where the source names one (the other 2 responses not analysed; Table 1 counts every response)' });
		// Pairs sharing a prompt and a tie give fewer outputs than pairs: the note counts what is read.
		const shared = [
			{ user_input: 'Name a fruit.', completion_a: 'Apple', completion_b: 'Rock', preference: 'a' },
			{ user_input: 'Name a fruit.', completion_a: 'Pear', completion_b: 'Stone', preference: 'a' },
			{ user_input: 'Name a colour.', completion_a: 'Blue', completion_b: 'Loud', preference: 'a' }
		];
		await importFile(streamOf(JSON.stringify(shared)), { datasetName: 'pref shared', fileName: 'shared.json' }, db);
		const s = await analyze({ kind: 'dataset', datasetId: findDatasetByName('pref shared', db)!.id }, {}, db);
		expect(s.coverage.preferencePairs).toBe(3);
		expect(s.coverage.pairOutputs).toBe(2);
		expect(s.coverage.pairOutputs).toBe(s.analysis.lengths.output.n);
		expect(s.covers.output).toContain(`${s.analysis.lengths.output.n} of the 6 responses of the 3 preference pairs`);
		// A plain dataset: nothing to say.
		const plain = await analyze({ kind: 'dataset', datasetId: await importRows('plain rows', rows(['Write a poem.'])) }, {}, db);
		expect(plain.covers).toEqual({ instruction: null, output: null });
	});

	it('gives no average and draws no ROUGE-L figure for an empty selection', async () => {
		const seeds = await importRows('seed rows', rows(['Write a poem about the sea.']), 'seed');
		const id = await importRows('some rows', rows(['Write a poem about the moon.', 'Name a bird.']));
		const r = await analyze({ kind: 'selection', datasetId: id, where: ['origin=seed'] }, { seeds: { kind: 'dataset', datasetId: seeds } }, db);
		expect(r.analysis.instructions).toBe(0);
		expect(r.table1).toMatchObject({ instructions: 0, avgInstructionWords: null, avgNonEmptyInputWords: null, avgOutputWords: null });
		expect(datasetTable(r.table1, 'some rows').table.rows.filter((row) => row[0].startsWith('ave.')).map((row) => row[1])).toEqual(['—', '—', '—']);
		expect(r.analysis.seedSimilarity!.n).toBe(0);
		expect(analysisFigures([{ label: 'empty', analysis: r.analysis }])).toEqual([]);
		// An empty dataset's Table 1 too.
		const empty = await importRows('no rows yet', rows(['Write a haiku.']));
		db.$client.prepare('DELETE FROM tasks WHERE dataset_id = ?').run(empty);
		expect(datasetStatistics(empty, {}, db)).toMatchObject({ instructions: 0, avgInstructionWords: null, avgOutputWords: null });
	});

	it('refuses unknown datasets, runs and filters in plain words', async () => {
		await expect(analyze({ kind: 'dataset', datasetId: 999 }, {}, db)).rejects.toMatchObject({ name: 'AnalysisError', status: 404, message: 'No dataset with id 999.' });
		await expect(analyze({ kind: 'run', runId: 5 }, {}, db)).rejects.toThrow('No generation run with id 5.');
		const id = await importRows('x', rows(['Write a poem.']));
		await expect(analyze({ kind: 'selection', datasetId: id, where: ['colour=blue'] }, {}, db)).rejects.toThrow(/unknown filter "colour"/);
	});

	it('reads its rows in one snapshot: rows committed between its batches are not in the result', async () => {
		// More tasks than one batch (4,096), so the event loop gets a turn between batches.
		const id = await importRows('big', rows(Array.from({ length: 4100 }, (_, k) => `Write poem number ${k}.`)));
		const columns = (db.$client.pragma('table_info(tasks)') as { name: string }[]).map((c) => c.name).filter((c) => c !== 'id').join(', ');
		let seen = 0;
		const original = AnalysisBuilder.prototype.addInstruction;
		const spy = vi.spyOn(AnalysisBuilder.prototype, 'addInstruction').mockImplementation(function (this: AnalysisBuilder, ...args: Parameters<AnalysisBuilder['addInstruction']>) {
			// After the first batch, as an import would commit between batches: 5 more tasks.
			if (++seen === 4096) db.$client.prepare(`INSERT INTO tasks (${columns}) SELECT ${columns} FROM tasks WHERE dataset_id = ? ORDER BY id LIMIT 5`).run(id);
			return original.apply(this, args);
		});
		try {
			const during = await analyze({ kind: 'dataset', datasetId: id }, { seeds: { kind: 'none' } }, db);
			expect(seen).toBe(4100);
			expect(during.analysis.instructions).toBe(4100);
		} finally {
			spy.mockRestore();
		}
		// Cached under the version it read: the new rows are seen on the next call.
		const after = await analyze({ kind: 'dataset', datasetId: id }, { seeds: { kind: 'none' } }, db);
		expect(after.cached).toBe(false);
		expect(after.analysis.instructions).toBe(4105);
	}, 60_000);

	it('names a bad clause as the caller calls it: a filter on the pages, --where on the command line', async () => {
		const id = await importRows('x', rows(['Write a poem.']));
		const refusal = (where: string[], whereOption?: string) => analyze({ kind: 'selection', datasetId: id, where }, { whereOption }, db).catch((err: Error) => err.message);
		expect(await refusal(['bogus'])).toMatch(/^filter bogus: unknown filter "bogus"\. Known: /);
		expect(await refusal(['kept=maybe'])).toBe('filter kept=maybe: expected yes or no, got "maybe".');
		expect(await refusal(['kept', 'kept=no'])).toBe('filter kept=no contradicts filter kept: every filter must hold, so give each one once.');
		expect(await refusal(['rating=B'])).toBe('filter rating=B: A–D ratings are given to model responses, and the analyses read instructions and instances; leave rating out.');
		expect(await refusal(['bogus'], '--where')).toMatch(/^--where bogus: unknown filter "bogus"\./);
		for (const where of [['bogus'], ['kept=maybe'], ['rating=B'], ['origin=nowhere'], ['run=x'], ['agreed=no']]) expect(await refusal(where)).not.toContain('--');
	});
});
