import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { latestFilterRun } from '../../src/lib/server/filters/apply';
import type { Db } from '../../src/lib/server/db';
import type { FilterConfig } from '../../src/lib/filters';
import { CLI_ENTRY } from '../support/cli-bundle';

let db: Db;
let file: string;
let cleanup: () => void;
let dir: string;
let datasetId: number;
beforeEach(async () => {
	({ db, file, cleanup } = createTestDb());
	dir = path.dirname(file);
	const rows = [
		{ instruction: 'Give me a recipe for a quick vegetarian dinner.', input: '', output: 'Soup.' },
		{ instruction: 'Give me a recipe for a quick vegetarian dinner tonight.', input: '', output: 'Pasta.' },
		{ instruction: 'Draw a map of your town.', input: '', output: 'ok' },
		{ instruction: 'Hi.', input: '', output: 'Hello' },
		{ instruction: 'Summarize the paragraph in one sentence.', input: 'Text here.', output: 'Text here.' },
		{ instruction: 'Translate the sentence into German, please.', input: 'Good morning', output: 'Guten Morgen' }
	];
	datasetId = (await importFile(streamOf(jsonl(rows)), { datasetName: 'to filter', fileName: 'rows.jsonl' }, db)).datasetId;
});
afterEach(() => cleanup());

function cli(...args: string[]) {
	const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, DATABASE_PATH: file }, encoding: 'utf8', timeout: 60_000 });
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const verdicts = () =>
	db.$client.prepare<[number], { instruction: string; status: string; rule: string | null }>('SELECT instruction, filter_status AS status, filter_rule AS rule FROM tasks WHERE dataset_id = ? ORDER BY id').all(datasetId);

describe('instruct-audit filter', () => {
	it('stores every verdict as the Filters page does and prints the funnel as JSON', () => {
		const r = cli('filter', 'to filter', '--preset', 'self-instruct', '--json');
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		const out = JSON.parse(r.stdout);
		expect(out).toMatchObject({ dataset: 'to filter', datasetId, funnel: { config: 'self-instruct', tasks: { total: 6, kept: 2 } } });
		const removed = Object.fromEntries(out.funnel.steps.filter((s: { removed: number }) => s.removed).map((s: { rule: string; removed: number }) => [s.rule, s.removed]));
		expect(removed).toMatchObject({ wordCount: 1, blacklist: 1, rougeL: 1, noInstances: 1, inputEqualsOutput: 1 });
		expect(verdicts().map((v) => v.rule)).toEqual([null, 'rougeL', 'blacklist', 'wordCount', 'noInstances', null]);
		expect(latestFilterRun(datasetId, db)?.id).toBe(out.filterRunId);
	});

	it('--no-rouge and --threshold change the ROUGE-L rule; --config reads a whole configuration', () => {
		expect(cli('filter', String(datasetId), '--no-rouge', '--json').code).toBe(0);
		expect(verdicts()[1]).toMatchObject({ status: 'kept', rule: null });
		expect(cli('filter', String(datasetId), '--threshold', '0.95').code).toBe(0);
		expect(verdicts()[1].status).toBe('kept');
		const config = path.join(dir, 'filters.json');
		fs.writeFileSync(config, JSON.stringify(latestFilterRun(datasetId, db)!.config));
		const r = cli('filter', 'to filter', '--config', config);
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(/kept 3 of 6 tasks/);
		expect(verdicts()[1].status).toBe('kept');
	});

	it('--json says the settings applied: the whole configuration, in words, and whether a preset was customised', () => {
		const custom = JSON.parse(cli('filter', 'to filter', '--threshold', '0.5', '--json').stdout);
		const stored = latestFilterRun(datasetId, db)!.config;
		expect(stored.instruction.rougeL.threshold).toBe(0.5);
		expect(custom.config).toEqual(stored);
		expect(custom.customised).toBe(true);
		expect(custom.settings).toEqual(['self-instruct, customised', 'ROUGE-L ≤ 0.5', '4–150 words', 'blacklist (13 words)', '≤ 5 instances per task']);
		const preset = JSON.parse(cli('filter', 'to filter', '--json').stdout);
		expect(preset).toMatchObject({ customised: false, settings: ['preset self-instruct', 'ROUGE-L ≤ 0.7', '4–150 words', 'blacklist (13 words)', '≤ 5 instances per task'] });
		expect(preset.config).toEqual(latestFilterRun(datasetId, db)!.config);
	});

	it('refuses a configuration file with a field no configuration has, naming its path and the file', () => {
		expect(cli('filter', 'to filter', '--threshold', '0.95').code).toBe(0);
		const typo = latestFilterRun(datasetId, db)!.config as FilterConfig & { instruction: { rougeL: { treshold?: number } } };
		const saved = path.join(dir, 'saved.json');
		// What the app writes (a run's stored settings) loads as it is.
		fs.writeFileSync(saved, JSON.stringify(typo));
		expect(cli('filter', 'to filter', '--config', saved).code).toBe(0);
		const afterSaved = verdicts();
		typo.instruction.rougeL.treshold = 0.5;
		typo.instruction.rougeL.threshold = 0.6;
		const file = path.join(dir, 'cfg_typo.json');
		fs.writeFileSync(file, JSON.stringify(typo));
		const r = cli('filter', 'to filter', '--config', file);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain(`${file}: field "instruction.rougeL.treshold": unknown field`);
		const json = cli('filter', 'to filter', '--config', file, '--json');
		expect(json.code).toBe(1);
		expect(JSON.parse(json.stdout).error).toMatchObject({ field: 'instruction.rougeL.treshold' });
		expect(verdicts()).toEqual(afterSaved);
	});

	it('refuses bad options and a bad configuration, naming the file and the field, and changes nothing', () => {
		const before = verdicts();
		const bad = path.join(dir, 'bad.json');
		const preset = JSON.parse(cli('filter', 'to filter', '--json').stdout).funnel;
		expect(preset.config).toBe('self-instruct');
		const afterFirst = verdicts();
		expect(afterFirst).not.toEqual(before);
		fs.writeFileSync(bad, JSON.stringify({ name: 'mine', instruction: { rougeL: { threshold: 'high' } } }));
		let r = cli('filter', 'to filter', '--config', bad);
		expect(r.code).not.toBe(0);
		expect(r.stderr).toMatch(/bad\.json: field "[a-zA-Z.]+"/);
		fs.writeFileSync(bad, '{ not json');
		r = cli('filter', 'to filter', '--config', bad);
		expect(r.code).not.toBe(0);
		expect(r.stderr).toMatch(/bad\.json: not JSON/);
		r = cli('filter', 'to filter', '--threshold', '2');
		expect(r.code).toBe(2);
		expect(r.stderr).toMatch(/--threshold must be a number from 0 to 1, got "2"/);
		r = cli('filter', 'to filter', '--preset', 'vicuna');
		expect(r.code).toBe(2);
		r = cli('filter', 'no such dataset');
		expect(r.code).not.toBe(0);
		expect(r.stderr).toMatch(/no such dataset/i);
		expect(verdicts()).toEqual(afterFirst);
	});
});

describe('filter wording', () => {
	it('--help says the order the pool is built in; the funnel counts in the right number', () => {
		const help = cli('filter', '--help');
		expect(help.stdout).toContain('the seed tasks first (never filtered themselves), then the other\ntasks in id order');
		const r = cli('filter', 'to filter');
		expect(r.code).toBe(0);
		expect(r.stdout).toContain('Filters (preset self-instruct, ROUGE-L ≤ 0.7, 4–150 words, blacklist (13 words), ≤ 5 instances per task) applied to "to filter"');
		expect(r.stdout).toMatch(/Too short or too long +1 task$/m);
		expect(r.stdout).toMatch(/Input identical to output +1 instance$/m);
	});
});

describe('export --where kept after a filter run', () => {
	it('counts and names the seed tasks the filters never judged, so the funnel and the file reconcile', async () => {
		const seeds = [
			{ instruction: 'Write a haiku about autumn leaves.', input: '', output: 'Leaves fall.' },
			{ instruction: 'Name three rivers in Africa.', input: '', output: 'Nile, Congo, Niger.' }
		];
		await importFile(streamOf(jsonl(seeds)), { datasetName: 'to filter', fileName: 'seeds.jsonl', origin: 'seed' }, db);
		const funnel = JSON.parse(cli('filter', 'to filter', '--json').stdout).funnel;
		expect(funnel.tasks).toMatchObject({ total: 6, kept: 2 });

		const out = path.join(dir, 'kept.jsonl');
		const r = cli('export', 'to filter', '--format', 'jsonl', '--where', 'kept', '--out', out);
		expect(r.code).toBe(0);
		const manifest = JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8'));
		// 2 kept by the funnel + 2 seed tasks' instances, which the filters compare with but never judge.
		expect(manifest.counts.rows).toBe(4);
		expect(manifest.automaticFilters.unjudgedInstances).toEqual({ seeds: 2, other: 0 });
		expect(manifest.counts.rows - manifest.automaticFilters.unjudgedInstances.seeds).toBe(funnel.tasks.kept);
		expect(manifest.filters).toEqual([
			{
				where: 'kept',
				description:
					'kept by the automatic filters: neither the task nor the instance was rejected; includes 2 instances of seed tasks, which the filters do not judge (they are the pool the other instructions are compared with) — origin=generated,imported leaves seed tasks out'
			}
		]);
		expect(r.stdout).toContain('it includes 2 instances of seed tasks, which the filters do not judge');
		expect(r.stdout).toContain('--where origin=generated,imported leaves seed tasks out');

		const without = path.join(dir, 'generated.jsonl');
		const g = cli('export', 'to filter', '--format', 'jsonl', '--where', 'kept', '--where', 'origin=generated,imported', '--out', without);
		expect(g.code).toBe(0);
		const plain = JSON.parse(fs.readFileSync(`${without}.manifest.json`, 'utf8'));
		expect(plain.counts.rows).toBe(funnel.tasks.kept);
		expect(plain.automaticFilters.unjudgedInstances).toEqual({ seeds: 0, other: 0 });
		expect(plain.filters[0].description).toBe('kept by the automatic filters: neither the task nor the instance was rejected');
		expect(g.stdout).not.toContain('seed tasks');
	});
});
