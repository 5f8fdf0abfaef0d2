import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import type { Db } from '../../src/lib/server/db';
import { CLI_ENTRY } from '../support/cli-bundle';
import { createAudit } from '../../src/lib/server/audits/create';
import { makeUser } from './audit-fixtures';
import { validate } from '../support/json-schema';

let db: Db;
let file: string;
let cleanup: () => void;
let dir: string;
beforeEach(async () => {
	({ db, file, cleanup } = createTestDb());
	dir = path.dirname(file);
	const rows = [
		{ instruction: 'Translate to French.', input: 'cat', output: 'chat', is_classification: false },
		{ instruction: 'Translate to French.', input: 'dog, "big"', output: 'chien,\ngrand' },
		{ instruction: 'Is this spam?', input: 'WIN $$$', output: 'yes', is_classification: true },
		{ instruction: 'Name a colour 🎨.', input: '', output: 'bleu' }
	];
	await importFile(streamOf(jsonl(rows)), { datasetName: 'cli data', fileName: 'rows.jsonl' }, db);
	await importFile(streamOf(jsonl(rows)), { datasetName: 'other data', fileName: 'rows.jsonl' }, db);
});
afterEach(() => cleanup());

/** Runs the command line (bundled once for the test run) on the test database. */
function cli(...args: string[]) {
	const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], {
		env: { ...process.env, DATABASE_PATH: file },
		encoding: 'utf8',
		timeout: 60_000
	});
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('instruct-audit export', () => {
	it('writes the file and <file>.manifest.json, and --json prints the manifest', () => {
		const out = path.join(dir, 'clean.jsonl');
		const r = cli('export', 'cli data', '--format', 'jsonl', '--where', 'kept', '--where', 'classification=no', '--out', out, '--json');
		expect(r.stderr).not.toMatch(/error/i);
		expect(r.code).toBe(0);
		const manifest = JSON.parse(r.stdout);
		expect(manifest).toMatchObject({
			kind: 'instruct-audit-export',
			file: { name: 'clean.jsonl', format: 'jsonl', rows: 2 },
			dataset: { name: 'cli data', instances: 4 },
			counts: { rows: 2, instances: 2, tasks: 1, excludedInstances: 2 }
		});
		expect(manifest.filters.map((f: { where: string }) => f.where)).toEqual(['kept', 'classification=no']);
		expect(JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8'))).toEqual(manifest);
		expect(fs.readFileSync(out, 'utf8')).toBe(
			'{"instruction":"Translate to French.","input":"cat","output":"chat"}\n{"instruction":"Translate to French.","input":"dog, \\"big\\"","output":"chien,\\ngrand"}\n'
		);
		expect(fs.existsSync(`${out}.partial`)).toBe(false);
	});

	it('writes Parquet that reads back, and refuses to overwrite without --force', async () => {
		const out = path.join(dir, 'all.parquet');
		expect(cli('export', 'cli data', '-f', 'parquet', '-o', out).code).toBe(0);
		const bytes = fs.readFileSync(out);
		const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
		expect(rows.map((r) => r.output)).toEqual(['chat', 'chien,\ngrand', 'yes', 'bleu']);
		const again = cli('export', 'cli data', '-f', 'parquet', '-o', out);
		expect(again.code).toBe(1);
		expect(again.stderr).toContain('add --force');
		expect(cli('export', 'cli data', '-f', 'parquet', '-o', out, '--force', '--where', 'input=empty').code).toBe(0);
		expect(JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8')).counts.rows).toBe(1);
	});

	it('counts the tasks without instances it leaves out, in the manifest and the output', async () => {
		const tasks = [
			{ id: 'seed_1', instruction: 'Name a fruit.', instances: [{ input: '', output: 'pear' }] },
			{ id: 'seed_2', instruction: 'Name a tree.', instances: [] },
			{ id: 'seed_3', instruction: 'Name a bird.', instances: [] }
		];
		await importFile(streamOf(jsonl(tasks)), { datasetName: 'sparse', fileName: 'seed_tasks.jsonl' }, db);
		const out = path.join(dir, 'sparse.jsonl');
		const r = cli('export', 'sparse', '--format', 'jsonl', '--out', out);
		expect(r.code).toBe(0);
		expect(r.stdout).toContain('Left out 2 tasks without instances');
		const manifest = JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8'));
		expect(manifest.counts).toMatchObject({ rows: 1, tasks: 1, tasksWithoutInstancesLeftOut: 2 });
		expect(manifest.dataset).toMatchObject({ tasks: 3, instances: 1 });
		const schema = JSON.parse(fs.readFileSync('docs/schemas/export-manifest.schema.json', 'utf8'));
		expect(validate(schema, manifest)).toEqual([]);
		// A dataset whose every task has an instance has no such count.
		const full = path.join(dir, 'full.jsonl');
		expect(cli('export', 'cli data', '--format', 'jsonl', '--out', full).stdout).not.toContain('without instances');
		expect(JSON.parse(fs.readFileSync(`${full}.manifest.json`, 'utf8')).counts).not.toHaveProperty('tasksWithoutInstancesLeftOut');
	});

	it('the imported rows\' other fields: counted as not written by default, written back as they were with --imported-fields (E4 finding 1)', async () => {
		const rows = [
			{ instruction: 'ok extra', input: '', output: 'x', source: 'wiki', meta: { a: [1, 2], none: null }, score: 0.5 },
			{ id: 'r2', instruction: 'Add.', input: '1 + 1', output: '2' },
			{ instruction: 'Plain.', input: '', output: 'y' }
		];
		// A number a double cannot hold is kept as written by the importer and comes back as written.
		const text = jsonl(rows) + '{"instruction":"Big id.","input":"","output":"z","tweet":12345678901234567890123}\n';
		await importFile(streamOf(text), { datasetName: 'extra', fileName: 'extra.jsonl' }, db);
		const schema = JSON.parse(fs.readFileSync('docs/schemas/export-manifest.schema.json', 'utf8'));

		const plain = path.join(dir, 'extra-plain.jsonl');
		const r = cli('export', 'extra', '--format', 'jsonl', '--out', plain);
		expect(r.code).toBe(0);
		expect(r.stdout).toContain('3 rows carry fields of their imported row (an "id", other fields) that this file does not hold; --imported-fields writes them back (--format jsonl or alpaca-json).');
		expect(fs.readFileSync(plain, 'utf8').split('\n')[0]).toBe('{"instruction":"ok extra","input":"","output":"x"}');
		const plainManifest = JSON.parse(fs.readFileSync(`${plain}.manifest.json`, 'utf8'));
		expect(plainManifest.counts.importedFieldsNotWritten).toBe(3);
		expect(plainManifest.options.importedFields).toBe(false);
		expect(validate(schema, plainManifest)).toEqual([]);
		// CSV and Parquet cannot hold them either: counted the same way.
		const csv = path.join(dir, 'extra.csv');
		expect(cli('export', 'extra', '--format', 'csv', '--out', csv).code).toBe(0);
		expect(JSON.parse(fs.readFileSync(`${csv}.manifest.json`, 'utf8')).counts.importedFieldsNotWritten).toBe(3);

		for (const [format, name] of [['jsonl', 'extra.jsonl'], ['alpaca-json', 'extra.json']]) {
			const out = path.join(dir, name);
			const w = cli('export', 'extra', '--format', format, '--imported-fields', '--out', out, '--json');
			expect(w.code).toBe(0);
			const manifest = JSON.parse(w.stdout);
			expect(manifest.options.importedFields).toBe(true);
			expect(manifest.counts).not.toHaveProperty('importedFieldsNotWritten');
			expect(validate(schema, manifest)).toEqual([]);
			const written = fs.readFileSync(out, 'utf8');
			const lines = format === 'jsonl' ? written.trimEnd().split('\n') : written.slice(2, -3).split(',\n');
			expect(lines).toEqual([
				'{"instruction":"ok extra","input":"","output":"x","source":"wiki","meta":{"a":[1,2],"none":null},"score":0.5}',
				'{"instruction":"Add.","input":"1 + 1","output":"2","id":"r2"}',
				'{"instruction":"Plain.","input":"","output":"y"}',
				'{"instruction":"Big id.","input":"","output":"z","tweet":12345678901234567890123}'
			]);
		}
		// Read back, the file is the same dataset again: every row a duplicate of one already there.
		const again = await importFile(streamOf(fs.readFileSync(path.join(dir, 'extra.jsonl'), 'utf8')), { datasetName: 'extra', fileName: 'extra.jsonl' }, db);
		expect([again.skippedDuplicates, again.instancesAdded]).toEqual([4, 0]);

		// Formats that cannot hold them refuse the option, saying which can.
		for (const format of ['csv', 'parquet', 'openai-chat']) {
			const refused = cli('export', 'extra', '--format', format, '--imported-fields', '--out', path.join(dir, `refused.${format}`));
			expect(refused.code).toBe(2);
			expect(refused.stderr).toContain(`The imported fields are written back only by jsonl and alpaca-json: ${format} cannot hold them`);
		}
		const shape = cli('export', 'extra', '--format', 'sharegpt', '--imported-fields', '--out', path.join(dir, 'refused.sharegpt'));
		expect(shape.code).toBe(2);
		expect(shape.stderr).toContain('--imported-fields goes with --format jsonl or alpaca-json');
	});

	it('--count prints the matching counts and writes nothing', () => {
		const r = cli('export', 'cli data', '--count', '--where', 'classification=yes', '--json');
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toMatchObject({ rows: 1, instances: 1, tasks: 1, datasetInstances: 4, where: ['classification=yes'] });
		expect(cli('export', 'cli data', '--count').stdout).toContain('4 rows match: 4 of 4 instances from 3 tasks');
	});

	it('with Label level as the audit\'s headline, the line says it is a share of the reviewers\' labels, never "expected correct" rows', () => {
		const datasetId = db.$client.prepare<[], { id: number }>("SELECT id FROM datasets WHERE name = 'cli data'").get()!.id;
		const reviewers = [makeUser(db).id, makeUser(db).id];
		const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 4, overlap: 2, reviewerIds: reviewers, seed: 1 }, db).id;
		db.$client.prepare("UPDATE audits SET headline_estimator = 'label' WHERE id = ?").run(audit);
		const items = db.$client.prepare<[number], number>('SELECT id FROM audit_items WHERE audit_id = ? AND is_gold = 0').pluck().all(audit);
		const now = Date.now();
		items.forEach((item, k) =>
			reviewers.forEach((reviewer, r) =>
				db.$client
					.prepare('INSERT INTO audit_labels (audit_id, item_id, reviewer_id, instruction_valid, input_valid, output_valid, submitted_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, ?, ?)')
					.run(audit, item, reviewer, k + r >= 2 ? 1 : 0, now, now)
			)
		);
		const r = cli('export', 'cli data', '--format', 'jsonl', '--where', `audit=${audit}`, '--out', path.join(dir, 'label.jsonl'));
		expect(r.code).toBe(0);
		const line = r.stdout.split('\n').find((l) => l.startsWith('Audit estimate'))!;
		expect(line).toContain(`yes labels of ${2 * items.length}: ` + "the share of the reviewers' labels saying all fields valid — how often a reviewer says yes, not how often the answer is yes, and not a share of correct rows; adjudications do not enter it");
		expect(line).not.toContain('expected correct');
		expect(line).toContain("a share of the reviewers' labels saying yes, not of correct rows");
	});

	it('explains user errors with a non-zero exit', () => {
		const bad = cli('export', 'cli data', '--format', 'xml', '--out', path.join(dir, 'x'));
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('Unknown --format "xml"');
		const where = cli('export', 'cli data', '--format', 'csv', '--out', path.join(dir, 'x.csv'), '--where', 'colour=red');
		expect(where.code).toBe(2);
		expect(where.stderr).toContain('unknown filter "colour"');
		const missing = cli('export', 'nope', '--format', 'csv', '--out', path.join(dir, 'x.csv'));
		expect(missing.code).toBe(1);
		expect(missing.stderr).toContain('No dataset named "nope"');
		// Human labels from an audit that does not exist, or audits another dataset: refused, not an empty export.
		const otherDataset = db.$client.prepare<[], { id: number }>("SELECT id FROM datasets WHERE name = 'other data'").get()!.id;
		const otherAudit = createAudit({ datasetId: otherDataset, kind: 'quality', sampleSize: 1, reviewerIds: [makeUser(db).id], seed: 1 }, db).id;
		for (const [audit, message] of [
			['999', 'There is no audit 999.'],
			[String(otherAudit), `Audit ${otherAudit} audits another dataset.`]
		]) {
			const refused = cli('export', 'cli data', '--format', 'jsonl', '--count', '--where', `audit=${audit}`, '--where', 'all-yes', '--json');
			expect(refused.code).toBe(1);
			expect(JSON.parse(refused.stdout).error).toMatchObject({ message, code: 'invalid-filter' });
			const written = cli('export', 'cli data', '--format', 'jsonl', '--out', path.join(dir, `a${audit}.jsonl`), '--where', `audit=${audit}`);
			expect(written.code).toBe(1);
			expect(written.stderr).toContain(message);
			expect(fs.existsSync(path.join(dir, `a${audit}.jsonl.manifest.json`))).toBe(false);
		}
		const help = cli('export', '--help');
		expect(help.code).toBe(0);
		expect(help.stdout).toContain('--where');
		expect(help.stdout).toContain('all-yes');
		expect(help.stdout).toContain('kept=yes|no');
		// The help says what the command does: judge-valid without a named judge run is refused, not defaulted.
		expect(help.stdout).toContain('judge-valid needs it named');
		expect(help.stdout).not.toMatch(/\(default: (the )?newest calibrated( one)?\)/);
		const unnamed = cli('export', 'cli data', '--format', 'jsonl', '--out', path.join(dir, 'jv.jsonl'), '--where', 'judge-valid');
		expect(unnamed.code).not.toBe(0);
		expect(unnamed.stderr).toContain('judge-valid needs the judge run it means: add judge-run=<id> (on the command line, --where judge-run=12 or --judge-run 12)');
	});
});
