/**
 * `analyze` on the command line, on real imports: figure files named after the dataset and never
 * overwritten (nor left stale beside a later run's) without --force.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { findDatasetByName } from '../../src/lib/server/datasets/datasets';
import { archiveDataset } from '../../src/lib/server/archive/archive';
import type { Db } from '../../src/lib/server/db';
import { CLI_ENTRY } from '../support/cli-bundle';
import { fmt } from '../../src/lib/components/analyses/format';
import { applyFilters } from '../../src/lib/server/filters/apply';
import { filterPreset } from '../../src/lib/filters';

let db: Db;
let file: string;
let cleanup: () => void;
let dir: string;

const rows = (instructions: string[]) => jsonl(instructions.map((instruction, k) => ({ instruction, input: '', output: `An output of ${k + 3} words.` })));

async function importRows(datasetName: string, text: string, fileName = 'rows.jsonl', origin?: 'seed') {
	await importFile(streamOf(text), { datasetName, fileName, origin }, db);
}

beforeAll(async () => {
	({ db, file, cleanup } = createTestDb());
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-analyze-'));
	await importRows('fx small', rows(['Write a poem about the sea.', 'List three colours.']), 'rows.jsonl', 'seed');
	await importRows('fx small', rows(['Write a poem about the moon.', 'Give me a recipe for soup.']));
	await importRows('other set', rows(['Write a story about a dragon.', 'Find the capital of France.']));
	// Chinese seeds and an exact copy of them: the papers' tokenizer keeps no token of either.
	const zh = ['写一首关于春天的诗。', '把这句话翻译成英文。', '给出三个保持健康的建议。'];
	await importRows('zh seeds', rows(zh));
	await importRows('zh copy', rows([...zh, 'Write a poem.']));
	await importRows('q set', rows(['Write a short poem.', 'Write a short funny poem.']));
	await importRows('old set', rows(['Write a letter to your boss.']));
	await importRows('conv', JSON.stringify([{ conversations: [{ from: 'human', value: 'Write a poem about cats.' }, { from: 'gpt', value: 'Cats are soft.' }, { from: 'human', value: 'Longer.' }, { from: 'gpt', value: 'Cats are soft and warm.' }] }]), 'conv.json');
	archiveDataset(findDatasetByName('old set', db)!.id, null, db);
	await importRows('a b x', rows(['Write a poem about the sea.', 'List three colours.']));
	await importRows('a/../b (x)+', rows(['Write a story about a dragon.']));
	await importRows('seeds x', rows(['Write a poem.']));
	const verbs = ['write', 'list', 'give', 'describe', 'explain', 'name', 'find', 'create', 'generate', 'summarize', 'translate', 'classify', 'compose', 'suggest', 'identify', 'design', 'compare', 'rewrite', 'edit', 'calculate', 'convert', 'draft'];
	await importRows('many verbs', rows(verbs.map((v) => `${v[0].toUpperCase()}${v.slice(1)} the letter.`)));
	// "Draw a picture …" holds a word the self-instruct preset rejects: 1 of 3 rows rejected in each.
	for (const name of ['filt a', 'filt b']) {
		await importRows(name, rows(['Write a poem about the sea.', 'Draw a picture of a cat.', 'Give me three tips for sleeping well.']));
		await applyFilters(findDatasetByName(name, db)!.id, filterPreset('self-instruct'), null, db);
	}
}, 60_000);
afterAll(() => {
	cleanup?.();
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]) {
	const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8', timeout: 120_000 });
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const listing = (folder: string) => fs.readdirSync(folder).sort();

describe('analyze --figures', () => {
	it('names the files after the dataset, refuses to overwrite without --force, and leaves no earlier figure beside fewer new ones', () => {
		const out = path.join(dir, 'figs');
		const fx = `analysis-fx-small.${findDatasetByName('fx small', db)!.id}-`;
		const otherSet = `analysis-other-set.${findDatasetByName('other set', db)!.id}-`;
		const first = cli('analyze', 'fx small', '--figures', out, '--json');
		expect(first.code, first.stderr).toBe(0);
		const names = listing(out);
		expect(names).toContain(`${fx}verb-noun.svg`);
		expect(names).toContain(`${fx}rouge-to-seeds.png`);
		expect(names.every((n) => n.startsWith(fx))).toBe(true);
		const before = fs.readFileSync(path.join(out, `${fx}verb-noun.svg`));

		// The same again: refused, in one line, naming the file and --force; nothing written.
		const again = cli('analyze', 'fx small', '--figures', out);
		expect(again.code).toBe(1);
		expect(again.stderr).toContain(`${fx}verb-noun.svg: already exists; add --force`);
		expect(listing(out)).toEqual(names);

		// Another dataset into the same folder: its own names, nothing of the first touched.
		const other = cli('analyze', 'other set', '--figures', out, '--json');
		expect(other.code, other.stderr).toBe(0);
		expect(listing(out).filter((n) => n.startsWith(otherSet)).length).toBeGreaterThan(0);
		expect(listing(out).some((n) => n.startsWith(`${otherSet}rouge`))).toBe(false);
		expect(fs.readFileSync(path.join(out, `${fx}verb-noun.svg`))).toEqual(before);

		// Fewer figures for the same dataset (no seeds, no ROUGE-L chart): the earlier one is refused…
		const fewer = cli('analyze', 'fx small', '--seeds', 'none', '--figures', out);
		expect(fewer.code).toBe(1);
		expect(fewer.stderr).toMatch(new RegExp(`${fx.replace('.', '\\.')}rouge-to-seeds\\.(svg|png) exists from an earlier run.*--force`));
		// …and removed with --force, so the folder holds only this run's figures of the dataset.
		const forced = cli('analyze', 'fx small', '--seeds', 'none', '--figures', out, '--force', '--json');
		expect(forced.code, forced.stderr).toBe(0);
		const written = (JSON.parse(forced.stdout) as { figures: { svg: string; png: string }[] }).figures.flatMap((f) => [path.basename(f.svg), path.basename(f.png)]).sort();
		expect(listing(out).filter((n) => n.startsWith(fx))).toEqual(written);
	}, 120_000);

	it('gives two datasets whose names slug alike files of their own: --force never touches the other\'s', () => {
		const out = path.join(dir, 'figs-alike');
		const first = cli('analyze', 'a b x', '--seeds', 'seeds x', '--figures', out, '--json');
		expect(first.code, first.stderr).toBe(0);
		const before = listing(out);
		expect(before.some((n) => n.includes('rouge-to-seeds'))).toBe(true);
		const contents = before.map((n) => fs.readFileSync(path.join(out, n)));
		// Nothing of the first in the way: written without --force, and with it nothing of the first removed or overwritten.
		const second = cli('analyze', 'a/../b (x)+', '--seeds', 'none', '--figures', out, '--json');
		expect(second.code, second.stderr).toBe(0);
		const forced = cli('analyze', 'a/../b (x)+', '--seeds', 'none', '--figures', out, '--force', '--json');
		expect(forced.code, forced.stderr).toBe(0);
		expect(before.filter((n) => !listing(out).includes(n))).toEqual([]);
		expect(before.map((n) => fs.readFileSync(path.join(out, n)))).toEqual(contents);
		expect(listing(out).length).toBeGreaterThan(before.length);
	}, 120_000);
});

describe('analyze, ROUGE-L to seeds', () => {
	it('names the option whose dataset is missing', () => {
		const seeds = cli('analyze', 'zh copy', '--seeds', 'no such set');
		expect(seeds.code).toBe(1);
		expect(seeds.stderr).toContain('--seeds: No dataset named "no such set".');
		const vs = cli('analyze', 'zh copy', '--vs', 'no such set', '--json');
		expect(vs.code).toBe(1);
		expect(JSON.parse(vs.stdout || vs.stderr)).toMatchObject({ error: { message: '--vs: No dataset named "no such set".', code: 'not_found' } });
	});

	it('says how many instructions and seeds had no token, in the text and in --json', () => {
		const json = cli('analyze', 'zh copy', '--seeds', 'zh seeds', '--json');
		expect(json.code, json.stderr).toBe(0);
		const s = (JSON.parse(json.stdout) as { analyses: { analysis: { seedSimilarity: { n: number; mean: number; tokenlessInstructions: number; tokenlessSeeds: number } } }[] }).analyses[0].analysis.seedSimilarity;
		expect(s).toMatchObject({ n: 4, mean: 0, tokenlessInstructions: 3, tokenlessSeeds: 3 });
		const text = cli('analyze', 'zh copy', '--seeds', 'zh seeds');
		expect(text.code, text.stderr).toBe(0);
		expect(text.stdout).toContain("3 instructions and 3 seeds have no ASCII letter or digit, the only characters the papers' ROUGE-L tokenizer (rouge_score) keeps: they score 0, even exact copies.");
	}, 60_000);
});

describe('analyze an archived dataset', () => {
	it('analyses it and says it is archived, in the text and in --json', () => {
		const text = cli('analyze', 'old set');
		expect(text.code, text.stderr).toBe(0);
		expect(text.stdout).toContain('The dataset “old set” is archived: hidden from lists and read-only');
		const json = cli('analyze', 'old set', '--json');
		expect((JSON.parse(json.stdout) as { analyses: { archived: boolean }[] }).analyses[0].archived).toBe(true);
	}, 60_000);
});

describe('analyze a conversation dataset', () => {
	it('says the figures read the first user turn and the first reply', () => {
		const text = cli('analyze', 'conv');
		expect(text.code, text.stderr).toBe(0);
		expect(text.stdout).toContain('  Instructions: the first user turn of the 1 conversation (later user turns not analysed: 1).');
		expect(text.stdout).toContain('  Outputs: the first reply of the conversation (later replies not analysed: 1).');
	}, 60_000);
});

describe('analyze text', () => {
	it('formats numbers as the page does and counts in the right number', () => {
		const json = cli('analyze', 'q set', '--seeds', 'none', '--json');
		const q = (JSON.parse(json.stdout) as { analyses: { analysis: { lengths: { instruction: { quantiles: number[] } } } }[] }).analyses[0].analysis.lengths.instruction.quantiles;
		// 4 and 5 words: the 5% quantile is 4.05, which toFixed read as 4.0 and the page as 4.1.
		expect(q[0]).toBeCloseTo(4.05, 10);
		const text = cli('analyze', 'q set', '--seeds', 'none');
		expect(text.stdout).toContain(`instruction length (words): n 2, mean 4.5, quantiles 5/25/50/75/95% ${q.map((x) => fmt(x)).join(' / ')}`);
		const one = cli('analyze', 'old set').stdout;
		expect(one).toContain('— 1 instruction, 1 instance\n');
		expect(one).toMatch(/top 1 verb × 4 nouns cover 1 instruction \(/);
	}, 60_000);
});

describe('analyze --kept-only', () => {
	type Out = { analyses: { label: string; scope: { kind: string; where?: string[] }; analysis: { instructions: number } }[] };
	it('with --where adds kept to the selection, says so, and scopes --vs datasets the same way', () => {
		const alone = cli('analyze', 'filt a', '--seeds', 'none', '--kept-only', '--json');
		expect((JSON.parse(alone.stdout) as Out).analyses[0].analysis.instructions).toBe(2);
		const both = cli('analyze', 'filt a', '--seeds', 'none', '--kept-only', '--where', 'origin=imported', '--vs', 'filt b', '--json');
		expect(both.code, both.stderr).toBe(0);
		const [a, b] = (JSON.parse(both.stdout) as Out).analyses;
		expect(a.analysis.instructions).toBe(2);
		expect(a.label).toBe('export selection of “filt a” (kept, origin=imported)');
		expect(b.scope).toEqual({ kind: 'selection', datasetId: findDatasetByName('filt b', db)!.id, where: ['kept', 'origin=imported'] });
		expect(b.label).toBe('export selection of “filt b” (kept, origin=imported)');
		expect(b.analysis.instructions).toBe(2);
		// Without --kept-only the --vs dataset is the same selection, rejected rows and all.
		const where = cli('analyze', 'filt a', '--seeds', 'none', '--where', 'origin=imported', '--vs', 'filt b', '--json');
		expect((JSON.parse(where.stdout) as Out).analyses.map((r) => [r.scope.kind, r.analysis.instructions])).toEqual([['selection', 3], ['selection', 3]]);
	}, 60_000);

	it('names --where in a bad clause\'s refusal (the pages name it a filter)', () => {
		const r = cli('analyze', 'filt a', '--where', 'kept=maybe', '--json');
		expect(r.code).toBe(2);
		expect(JSON.parse(r.stdout || r.stderr)).toMatchObject({ error: { message: '--where kept=maybe: expected yes or no, got "maybe".' } });
	}, 60_000);

	it('is refused beside --where clauses that select the rejected rows', () => {
		const r = cli('analyze', 'filt a', '--kept-only', '--where', 'rejected');
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('--kept-only contradicts the --where clauses');
	}, 60_000);
});

describe('analyze --top', () => {
	it('refuses fewer than 1 verb', () => {
		for (const arg of [['--top', '0'], ['--top=-3']]) {
			const r = cli('analyze', 'many verbs', '--seeds', 'none', ...arg);
			expect(r.code, arg.join(' ')).toBe(2);
			expect(r.stderr).toContain('--top must be at least 1');
		}
	}, 60_000);

	it('past the top 20, prints the verbs and says nouns are given for the top 20 only', () => {
		const r = cli('analyze', 'many verbs', '--seeds', 'none', '--top', '22');
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/^\s*22\s/m);
		expect(r.stdout).toContain("(top nouns for the sunburst's top 20 verbs only)");
		expect(cli('analyze', 'many verbs', '--seeds', 'none', '--top', '20').stdout).not.toContain('top nouns for the sunburst');
	}, 60_000);
});
