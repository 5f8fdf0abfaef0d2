/**
 * The publishable export folder (export --dataset-card) read back by readers that share no code
 * with the app: DuckDB (@duckdb/node-api: read_json, read_csv, read_parquet) for every data
 * format, and the `yaml` library for the card's front matter, whose `configs` must point at the
 * files. Rows with quotes, commas, line breaks, tabs, non-Latin text and emoji must come back
 * exactly, in order. A second case puts a calibrated judge's PPI++ estimate in the card.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { writeDatasetCard } from '../../src/lib/server/exports/dataset-card';
import type { ExportFormatId } from '../../src/lib/formats/serialize';
import { createJudgeRun } from '../../src/lib/server/runs/judge/create';
import { RunSession } from '../../src/lib/server/runs/engine/session';
import { judgeAuditCalibration } from '../../src/lib/server/judge';
import { tieRangeTexts } from '../../src/lib/judge/wording';
import { FAST_RETRY, fakeEndpoint } from './generation-support';
import { buildJudgeWorld, judgeScript } from './judge-support';
import { randomUUID } from 'node:crypto';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';

let db: Db;
let cleanup: () => void;
let dir: string;
let duck: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
	duck = await DuckDBInstance.create(':memory:');
	conn = await duck.connect();
});
afterAll(() => {
	conn.closeSync();
	duck.closeSync();
});
beforeEach(() => {
	({ db, cleanup } = createTestDb());
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-card-'));
});
afterEach(() => {
	cleanup();
	fs.rmSync(dir, { recursive: true, force: true });
});

/** The rows to export: every kind of text a reader can get wrong. */
const ROWS = [
	{ instruction: 'Say "hello", politely.', input: '', output: 'Hello, "friend"!' },
	{ instruction: 'List three fruits.', input: 'one\ntwo\r\nthree', output: 'apple,\tbanana;\n"cherry"' },
	{ instruction: 'Übersetze ins Französische: «Guten Tag»', input: 'Guten Tag — 你好 — مرحبا', output: 'Bonjour 👋🏽' },
	{ instruction: 'Escape a backslash \\ and a quote \'', input: '{"json": [1, 2]}', output: 'a | b # c _d_ *e* <f>' },
	{ instruction: 'Trailing spaces stay  ', input: '  leading', output: ' ' }
];

type Row = { instruction: string; input: string; output: string };

async function readWithDuckDb(file: string, format: ExportFormatId): Promise<Row[]> {
	const quoted = `'${file.replace(/'/g, "''")}'`;
	const sql =
		format === 'parquet'
			? `SELECT instruction, input, output FROM read_parquet(${quoted})`
			: format === 'csv'
				? `SELECT instruction, input, output FROM read_csv(${quoted}, header = true, all_varchar = true, quote = '"', escape = '"', delim = ',', strict_mode = true, null_padding = false, nullstr = '\u0001')`
				: format === 'alpaca-json'
					? `SELECT instruction, input, output FROM read_json(${quoted}, format = 'array', columns = {instruction: 'VARCHAR', input: 'VARCHAR', output: 'VARCHAR'})`
					: `SELECT instruction, input, output FROM read_json(${quoted}, format = 'newline_delimited', columns = {instruction: 'VARCHAR', input: 'VARCHAR', output: 'VARCHAR'})`;
	const result = await conn.runAndReadAll(sql);
	return result.getRowObjectsJS() as unknown as Row[];
}

function frontMatter(readme: string): Record<string, unknown> {
	const m = /^---\n([\s\S]*?)\n---\n/.exec(readme);
	expect(m, 'README.md starts with YAML front matter').not.toBeNull();
	return parseYaml(m![1]) as Record<string, unknown>;
}

describe('dataset card folder, read back independently', () => {
	it.each(['jsonl', 'alpaca-json', 'csv', 'parquet'] as ExportFormatId[])('%s: DuckDB reads the same rows, and the front matter parses with configs pointing at them', async (format) => {
		const source = ROWS.map((r, k) => ({ id: `t${k}`, instruction: r.instruction, instances: [{ input: r.input, output: r.output }] }));
		const { datasetId } = await importFile(streamOf(jsonl(source)), { datasetName: 'tricky_rows (1)', fileName: 'tricky.jsonl' }, db);
		const folder = path.join(dir, format);
		const card = await writeDatasetCard({ datasetId, filters: {}, format }, folder, { license: 'cc-by-4.0', languages: ['en', 'de'] }, db);

		const front = frontMatter(fs.readFileSync(card.readme, 'utf8'));
		expect(front).toMatchObject({ license: 'cc-by-4.0', language: ['en', 'de'], size_categories: ['n<1K'], pretty_name: 'tricky_rows (1)' });
		const configs = front.configs as { config_name: string; data_files: { split: string; path: string }[] }[];
		expect(configs).toHaveLength(1);
		const files = configs[0].data_files.map((f) => path.join(folder, f.path));
		expect(files.map((f) => fs.existsSync(f))).toEqual([true]);
		expect(files[0]).toBe(card.dataFile);

		const read = await readWithDuckDb(files[0], format);
		// Exactly the imported text, \r\n inside a field included.
		expect(read).toEqual(ROWS);
		expect(card.manifest.counts.rows).toBe(ROWS.length);
		const manifest = JSON.parse(fs.readFileSync(card.manifestFile, 'utf8'));
		expect(manifest.file.rows).toBe(read.length);
	});
});

describe('dataset card of a CSV export', () => {
	it('says in words how many cells got a leading apostrophe against formulas, and that JSON Lines and Parquet keep the text', async () => {
		const source = [
			{ id: 'a', instruction: 'Add up.', instances: [{ input: '=SUM(A1:A2)', output: '- one\n- two' }] },
			{ id: 'b', instruction: '@mention me', instances: [{ input: '', output: 'plain' }] },
			{ id: 'c', instruction: 'No formula here.', instances: [{ input: 'a = b', output: '+1' }] }
		];
		const { datasetId } = await importFile(streamOf(jsonl(source)), { datasetName: 'formulas', fileName: 'formulas.jsonl' }, db);
		const card = await writeDatasetCard({ datasetId, filters: {}, format: 'csv' }, path.join(dir, 'csv'), {}, db);
		expect(card.manifest.options.csvFormulas).toBe('neutralised');
		const readme = fs.readFileSync(card.readme, 'utf8');
		// =SUM, "- one" and @mention: three cells of the file start with the apostrophe; "+1" is a number, not a formula, and is written as stored.
		expect(readme).toContain('3 cells of this file have it and are not the text as stored');
		expect(readme).toContain('JSON Lines and Parquet exports keep the text exactly.');
		const kept = await writeDatasetCard({ datasetId, filters: {}, format: 'csv', options: { csvKeepFormulas: true } }, path.join(dir, 'csv-kept'), {}, db);
		expect(fs.readFileSync(kept.readme, 'utf8')).toContain('Every CSV cell is the text as stored');
		const jsonlCard = await writeDatasetCard({ datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'jsonl'), {}, db);
		expect(fs.readFileSync(jsonlCard.readme, 'utf8')).not.toContain('apostrophe');
	});
});

describe('dataset card of an estimate pooling two audits', () => {
	it("names each audit's agreement and methods as its own, and keeps the pooled figures in the table", async () => {
		const world = await buildJudgeWorld(db, 'pooled');
		const reviewer = db.$client.prepare('SELECT reviewer_id AS id FROM audit_labels LIMIT 1').get() as { id: number };
		const second = createAudit({ datasetId: world.datasetId, kind: 'quality', name: 'second look', sampleSize: 5, seed: 99, reviewerIds: [reviewer.id] }, db);
		for (;;) {
			const next = nextAssignment(second.id, reviewer.id, {}, db);
			if (next.status !== 'assigned') break;
			submitLabel(second.id, reviewer.id, { ref: next.ref, submissionId: randomUUID(), answer: { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' }, activeMs: 1000 }, {}, db);
		}
		const card = await writeDatasetCard({ datasetId: world.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'pooled'), {}, db);
		expect(card.manifest.quality?.audits.map((a) => a.id)).toEqual([world.auditId, second.id]);
		const readme = fs.readFileSync(card.readme, 'utf8');
		const methods = readme.slice(readme.indexOf('## Methods'));
		expect(methods).toContain('The estimate above pools 2 audits');
		expect(methods).toContain(`### Audit "pooled audit" (\\#${world.auditId})`);
		expect(methods).toContain(`### Audit "second look" (\\#${second.id})`);
		expect(methods.match(/### References/g)).toHaveLength(1);
	});
});

describe('dataset card beside an audit with no labels yet', () => {
	it('leaves the unlabelled audit out: one audit listed, no empty methods section', async () => {
		const world = await buildJudgeWorld(db, 'labelled');
		const reviewer = db.$client.prepare('SELECT reviewer_id AS id FROM audit_labels LIMIT 1').get() as { id: number };
		const empty = createAudit({ datasetId: world.datasetId, kind: 'quality', name: 'not started', sampleSize: 5, seed: 7, reviewerIds: [reviewer.id] }, db);
		const card = await writeDatasetCard({ datasetId: world.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'one'), {}, db);
		// The manifest lists every audit in scope; the card only the one with labels.
		expect(card.manifest.quality?.audits.map((a) => a.id)).toEqual([world.auditId, empty.id]);
		const readme = fs.readFileSync(card.readme, 'utf8');
		expect(readme).not.toContain('not started');
		expect(readme).not.toContain('n = 0 items');
		expect(readme).not.toContain('pools 2 audits');
		expect(readme).toContain('Audit "labelled audit"');
	});
});

describe('dataset card with a calibrated judge', () => {
	let fake: FakeOpenAI;
	beforeEach(async () => {
		fake = await startFakeOpenAI({ script: judgeScript });
	});
	afterEach(async () => {
		await fake.close();
	});

	it("states the judge's PPI++ estimate with its interval in the card's table and methods paragraph", async () => {
		const world = await buildJudgeWorld(db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat' });
		const run = createJudgeRun({ datasetId: world.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY } }).done;
		expect(end.status).toBe('completed');
		const e = judgeAuditCalibration(world.auditId, run.id, {}, db).estimate!;
		expect(e.estimate).not.toBeNull();

		const card = await writeDatasetCard({ datasetId: world.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'judged'), { judgeRunId: run.id }, db);
		const readme = fs.readFileSync(card.readme, 'utf8');
		const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
		expect(readme).toContain(`(PPI++, N = ${e.populationRows}, n = ${e.auditedRows}) | ${pct(e.estimate!)} | [${pct(e.lower)}, ${pct(e.upper)}] |`);
		expect(readme).toContain(`judge run ${run.id}`);
		// The manifest beside it speaks of the same judge run and audit.
		expect(card.manifest.judgeEstimate).toMatchObject({ judgeRun: { id: run.id }, auditId: world.auditId });
		// No row of this dataset was rejected by the filters: no caveat about unsampled rejected rows.
		expect(readme).not.toContain('never sampled');
		const methods = readme.slice(readme.indexOf('## Methods'));
		expect(methods).toContain(`by prediction-powered inference with power tuning, PPI++ (Angelopoulos, Bates, et al., 2023; Angelopoulos, Duchi, and Zrnic, 2023)`);
		expect(methods).toContain(`${pct(e.estimate!)} \\[${pct(e.lower)}, ${pct(e.upper)}\\]`); // Markdown-escaped brackets
		expect(methods).toContain('PPI++: Efficient prediction-powered inference');
		// Without --judge the card says nothing of a judge.
		const plain = await writeDatasetCard({ datasetId: world.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'plain'), {}, db);
		expect(fs.readFileSync(plain.readme, 'utf8')).not.toMatch(/PPI|judge run/);

		// A second reviewer disagrees on one audited item: it ties, and the card's judge row headlines the report page's range.
		const other = db.$client.prepare("INSERT INTO users (email, name, role, password_hash, created_at) VALUES ('tess@example.org', 'Tess', 'reviewer', 'x', 0) RETURNING id").get() as { id: number };
		const first = db.$client.prepare('SELECT item_id AS itemId, output_valid AS outputValid FROM audit_labels WHERE audit_id = ? ORDER BY id LIMIT 1').get(world.auditId) as { itemId: number; outputValid: number };
		db.$client
			.prepare('INSERT INTO audit_labels (audit_id, item_id, reviewer_id, instruction_valid, input_valid, output_valid, submitted_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, 1, 1)')
			.run(world.auditId, first.itemId, other.id, first.outputValid ? 0 : 1);
		const tied = judgeAuditCalibration(world.auditId, run.id, {}, db);
		const [, range, interval] = /^(\S+) (\[.*\])$/.exec(tieRangeTexts(tied.tieRange!).ppi)!;
		const tiedCard = fs.readFileSync((await writeDatasetCard({ datasetId: world.datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'tied'), { judgeRunId: run.id }, db)).readme, 'utf8');
		expect(tiedCard).toContain(
			`(PPI++, N = ${tied.estimate!.populationRows}, n = ${tied.estimate!.auditedRows + 1}; the 1 tied item counted as no and as yes; with them left out: ${pct(tied.estimate!.estimate!)} [${pct(tied.estimate!.lower)}, ${pct(tied.estimate!.upper)}], n = ${tied.estimate!.auditedRows}) | ${range} | ${interval} |`
		);
	});
});

describe('dataset card of an audit still being labelled (k = 2)', () => {
	it('counts sampled rows without a label yet apart from rows not sampled, and says agreement is not yet measured rather than one reviewer per item', async () => {
		const rows = Array.from({ length: 8 }, (_, i) => ({ instruction: `Task ${i}.`, input: '', output: `out ${i}` }));
		const { datasetId } = await importFile(streamOf(jsonl(rows)), { datasetName: 'seeds', fileName: 'seeds.jsonl' }, db);
		const reviewers = ['a@x.org', 'b@x.org'].map((email) => (db.$client.prepare(`INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, '', 'reviewer', 'x', ?) RETURNING id`).get(email, Date.now()) as { id: number }).id);
		const audit = createAudit({ datasetId, kind: 'quality', name: 'pilot', sampleSize: 6, seed: 1, overlap: 2, reviewerIds: reviewers }, db);
		// One reviewer labels 4 of the 6 sampled rows: no item has its second label yet.
		for (let i = 0; i < 4; i++) {
			const next = nextAssignment(audit.id, reviewers[0], {}, db);
			if (next.status !== 'assigned') throw new Error('no item to label');
			submitLabel(audit.id, reviewers[0], { ref: next.ref, submissionId: randomUUID(), answer: { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' }, activeMs: 1000 }, {}, db);
		}
		const card = await writeDatasetCard({ datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'pending'), {}, db);
		expect(card.manifest.quality?.exported).toMatchObject({ rows: 8, unlabelled: 4, sampledNotLabelled: 2 });
		const readme = fs.readFileSync(card.readme, 'utf8');
		expect(readme).toContain('4 of these rows have no final human label (2 not sampled, 2 sampled but not labelled yet)');
		expect(readme).toContain('Agreement between reviewers: not yet measured: no item has two labels yet (k = 2 asked).');
		expect(readme).not.toContain('one reviewer per item');
	});

	it("says how many labels per item Fleiss' κ was taken over when the number varies (k = 3, one reviewer part-way)", async () => {
		const rows = Array.from({ length: 4 }, (_, i) => ({ instruction: `Item ${i}.`, input: '', output: `out ${i}` }));
		const { datasetId } = await importFile(streamOf(jsonl(rows)), { datasetName: 'three', fileName: 'three.jsonl' }, db);
		const reviewers = ['k1@x.org', 'k2@x.org', 'k3@x.org'].map((email) => (db.$client.prepare(`INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, '', 'reviewer', 'x', ?) RETURNING id`).get(email, Date.now()) as { id: number }).id);
		const audit = createAudit({ datasetId, kind: 'quality', name: 'k3', sampleSize: 4, seed: 1, overlap: 3, reviewerIds: reviewers }, db);
		// Two reviewers label all 4 items, the third 2: two items with 3 labels, two with 2.
		for (const [k, count] of [[0, 4], [1, 4], [2, 2]] as const) {
			for (let i = 0; i < count; i++) {
				const next = nextAssignment(audit.id, reviewers[k], {}, db);
				if (next.status !== 'assigned') throw new Error('no item to label');
				const yes = (i + k) % 2 === 0;
				submitLabel(audit.id, reviewers[k], { ref: next.ref, submissionId: randomUUID(), answer: { kind: 'quality', instruction: true, input: true, output: yes, reason: yes ? null : 'incorrect_output', comment: '' }, activeMs: 1000 }, {}, db);
			}
		}
		const card = await writeDatasetCard({ datasetId, filters: {}, format: 'jsonl' }, path.join(dir, 'k3'), {}, db);
		const readme = fs.readFileSync(card.readme, 'utf8');
		expect(readme).toMatch(/Fleiss' κ = [^,]+, Krippendorff's α = [^ ]+ on whether all fields are valid \(n = 4 items labelled at least twice, 2–3 labels per item\)/);
	});
});
