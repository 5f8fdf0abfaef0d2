import { filterPreset } from '../../src/lib/filters/presets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../src/lib/stats';
import { parse as parseCsv } from 'csv-parse/sync';
import { parquetReadObjects } from 'hyparquet';
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { transaction, type Db } from '../../src/lib/server/db';
import { RowWriter } from '../../src/lib/server/datasets/rows';
import { importFile } from '../../src/lib/server/datasets/import';
import { countExport, exportThreadsResolved, startExport, type ExportRequest, type StartOptions } from '../../src/lib/server/exports/export';
import { liveQualityEstimate } from '../../src/lib/server/exports/quality';
import { loadReportInput } from '../../src/lib/server/reports/load';
import { buildAuditReport, percent } from '../../src/lib/reports';
import { writeDatasetCard } from '../../src/lib/server/exports/dataset-card';
import { recordSql, selectRecordBlocks, selectRows, selectionQuery, withReviewersNotCounted } from '../../src/lib/server/exports/query';
import { ExportFilterError, parseWhere, whereClauses } from '../../src/lib/server/exports/filters';
import { exportParams, parseExportParams } from '../../src/lib/server/exports/params';
import { TRICKY_RECORDS } from '../../src/lib/formats/serialize-fixtures';
import { recordLayout, serializeAll } from '../../src/lib/formats/serialize-formats';
import { appVersion } from '../../src/lib/server/exports/version';
import { datasetCard } from '../../src/lib/cards/dataset-card';
import { buildResponsePairs } from '../../src/lib/server/datasets/response-pairs';
import { addPredictions, makeDataset } from './audit-fixtures';
import { type ExportFormatId, type ExportRecord, type SerializeOptions } from '../../src/lib/formats/serialize';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

function concat(parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

function runExport(request: ExportRequest, options?: StartOptions) {
	const stream = startExport(request, db, options);
	const bytes = concat([...stream.chunks()]);
	return { bytes, text: new TextDecoder().decode(bytes), manifest: stream.manifest(), stream };
}

function datasetRows(datasetId: number): ExportRecord[] {
	return db.$client
		.prepare('SELECT t.instruction, i.input, i.output FROM tasks t JOIN instances i ON i.task_id = t.id WHERE t.dataset_id = ? ORDER BY t.id, i.id')
		.all(datasetId) as ExportRecord[];
}

/**
 * On top of the tricky records, a task with two instances as another tool may have stored them:
 * control characters, NUL, DEL, lone surrogates, and bytes that are not UTF-8. Returns the task.
 */
function storeTrickyRows(datasetId: number): number {
	const now = Date.now();
	const taskId = Number(
		db.$client
			.prepare("INSERT INTO tasks (dataset_id, instruction, instruction_key, origin, instance_count, created_at) VALUES (?, ?, ?, 'imported', 3, ?)")
			.run(datasetId, 'ctl \u0000\u0001\u0008\u000b\u000c\u001f\u007f end', 'ctl', now).lastInsertRowid
	);
	db.$client
		.prepare('INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, ?, ?, ?)')
		.run(taskId, datasetId, 'lone \ud800 high, lone \udfff low', 'pair 😀 \u2028\u2029 </script>', now);
	db.$client
		.prepare("INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, CAST(x'c328ff61' AS TEXT), CAST(x'e2828a' AS TEXT), ?)")
		.run(taskId, datasetId, now);
	return taskId;
}

/** The rows of a Parquet file as DuckDB reads them, which fails on a string that is not valid UTF-8. */
async function readParquetStrictly(bytes: Uint8Array): Promise<ExportRecord[]> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-parquet-'));
	const duck = await DuckDBInstance.create(':memory:');
	try {
		const file = path.join(dir, 'rows.parquet');
		fs.writeFileSync(file, bytes);
		const conn = await duck.connect();
		const result = await conn.runAndReadAll(`SELECT instruction, input, output FROM read_parquet('${file}')`);
		return result.getRowObjectsJS() as unknown as ExportRecord[];
	} finally {
		duck.closeSync();
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

function datasetInstructions(datasetId: number): string[] {
	return (db.$client.prepare('SELECT instruction FROM tasks WHERE dataset_id = ? ORDER BY id').all(datasetId) as { instruction: string }[]).map((r) => r.instruction);
}

// Several instances per task, so the round trip must also rebuild the grouping.
const SOURCE_ROWS: ExportRecord[] = [
	...TRICKY_RECORDS,
	{ instruction: 'Translate to French.', input: 'cat, "the" cat', output: 'chat,\n« le chat »' },
	{ instruction: 'Write a haiku about the sea 🌊.', input: 'in winter', output: 'cold grey sea\r\n' }
];

async function importSource(): Promise<number> {
	const summary = await importFile(streamOf(jsonl(SOURCE_ROWS), 5), { datasetName: 'source', fileName: 'source.jsonl' }, db);
	expect(summary.instancesAdded).toBe(SOURCE_ROWS.length);
	return summary.datasetId;
}

describe('round trips: export, then read back, gives the same tasks and instances', () => {
	const reimported: [ExportFormatId, ExportRequest['options']][] = [
		['jsonl', {}],
		['alpaca-json', {}],
		['openai-chat', { system: 'You are a careful assistant.' }],
		['prompt-completion', { template: 'self-instruct' }],
		['prompt-completion', { template: 'alpaca' }]
	];
	for (const [format, options] of reimported) {
		it(`${format}${options?.template ? ` (${options.template})` : ''}: re-imported through the importer`, async () => {
			const sourceId = await importSource();
			const { bytes, manifest } = runExport({ datasetId: sourceId, filters: {}, format, options });
			expect(manifest.counts).toMatchObject({ rows: SOURCE_ROWS.length, instances: SOURCE_ROWS.length, tasks: datasetInstructions(sourceId).length });
			const back = await importFile(streamOf(bytes, 3), { datasetName: `back ${format}`, fileName: manifest.file.name }, db);
			expect(back.format).toBe(format === 'openai-chat' ? 'chat' : format === 'prompt-completion' ? 'prompt-completion' : 'instances');
			expect(datasetInstructions(back.datasetId)).toEqual(datasetInstructions(sourceId));
			expect(datasetRows(back.datasetId)).toEqual(datasetRows(sourceId));
			expect(back.skippedDuplicates).toBe(0);
		});
	}

	it('openai-chat and prompt-completion (both templates) read back exactly: labels inside the text, white space at the ends; the manifest counts the rows that cannot', async () => {
		const rows = [
			// A real Alpaca row: the instruction quotes the input under its own "Input:" label.
			{ instruction: 'Summarize this article in three sentences.\n\nInput: https://www.vox.com/a', input: 'https://www.vox.com/a', output: 'Three sentences.' },
			{ instruction: 'Echo it.', input: ' lead', output: ' lead' },
			{ instruction: ' Padded instruction ', input: 'trailing\t', output: 'x' },
			{ instruction: 'No input.', input: '', output: 'y' },
			// Cannot come back: the input holds the exporter's own label line (the Alpaca prompt's is its "### Input:" section).
			{ instruction: 'Quote it.', input: 'first\n\nInput: second\nInput: third\n\n### Input:\nfourth', output: 'z' }
		];
		const summary = await importFile(streamOf(jsonl(rows)), { datasetName: 'labels', fileName: 'labels.jsonl' }, db);
		expect(datasetRows(summary.datasetId)).toEqual(rows);
		for (const [format, options] of [
			['openai-chat', {}],
			['prompt-completion', { template: 'self-instruct' }],
			['prompt-completion', { template: 'alpaca' }]
		] as [ExportFormatId, SerializeOptions][]) {
			const { bytes, manifest } = runExport({ datasetId: summary.datasetId, filters: {}, format, options });
			expect(manifest.counts.notReadBackExactly, format).toBe(1);
			const back = await importFile(streamOf(bytes, 3), { datasetName: `labels ${format}`, fileName: manifest.file.name }, db);
			expect(datasetRows(back.datasetId).slice(0, 4), format).toEqual(rows.slice(0, 4));
			expect(datasetRows(back.datasetId)[4], format).not.toEqual(rows[4]);
		}
		expect(runExport({ datasetId: summary.datasetId, filters: {}, format: 'openai-chat', options: { chatInput: 'plain' } }).manifest.counts.notReadBackExactly).toBeUndefined();
		expect(runExport({ datasetId: summary.datasetId, filters: {}, format: 'jsonl' }).manifest.counts.notReadBackExactly).toBeUndefined();
	});

	it('openai-chat: an empty output comes back an empty output (an empty assistant string is not a tool call), and a single-turn export of the re-import keeps it', async () => {
		// Alpaca has two such rows.
		const rows = [
			{ instruction: 'Name a planet.', input: '', output: 'Mars' },
			{ instruction: 'Leave this blank.', input: 'x', output: '' }
		];
		const summary = await importFile(streamOf(jsonl(rows)), { datasetName: 'empty', fileName: 'empty.jsonl' }, db);
		const chat = runExport({ datasetId: summary.datasetId, filters: {}, format: 'openai-chat' });
		expect(chat.text).toContain('{"role":"assistant","content":""}');
		const back = await importFile(streamOf(chat.bytes, 3), { datasetName: 'empty chat', fileName: chat.manifest.file.name }, db);
		expect(datasetRows(back.datasetId)).toEqual(rows);
		const again = runExport({ datasetId: back.datasetId, filters: {}, format: 'jsonl' });
		expect(again.text.trim().split('\n').map((l) => JSON.parse(l))).toEqual(rows);
		expect(again.manifest.counts).toMatchObject({ rows: 2, instances: 2 });
		expect(again.manifest.counts).not.toHaveProperty('untrainableTargetsLeftOut');
		expect(countExport({ datasetId: back.datasetId, filters: {} }, db)).toMatchObject({ rows: 2, instances: 2 });
	});

	it('csv: csv-parse reads the same rows back (cells kept as stored)', async () => {
		const sourceId = await importSource();
		const { text } = runExport({ datasetId: sourceId, filters: {}, format: 'csv', options: { csvKeepFormulas: true } });
		expect(parseCsv(text, { columns: true })).toEqual(datasetRows(sourceId));
	});

	it('parquet: hyparquet reads the same rows back', async () => {
		const sourceId = await importSource();
		const { bytes, manifest } = runExport({ datasetId: sourceId, filters: {}, format: 'parquet' });
		const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
		expect(await parquetReadObjects({ file })).toEqual(datasetRows(sourceId));
		expect(manifest.file.bytes).toBe(bytes.length);
	});

	it('parquet from column blocks: rows in order across many row groups, tricky text as the rows path reads it, counts as counted', async () => {
		const sourceId = await importSource();
		const taskId = storeTrickyRows(sourceId);
		db.$client.prepare("INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, '', '', 0)").run(taskId, sourceId);
		const expected = datasetRows(sourceId);
		const { createHash } = await import('node:crypto');
		await exportThreadsResolved();
		for (const rowGroupRows of [1, 2, 3, 10_000]) {
			const { bytes, manifest } = runExport({ datasetId: sourceId, filters: {}, format: 'parquet', options: { rowGroupRows } });
			// Encoded on the worker thread (as a large dataset is): the same file, the same checksum.
			const threaded = runExport({ datasetId: sourceId, filters: {}, format: 'parquet', options: { rowGroupRows } }, { threadedFrom: 0 });
			expect(Buffer.from(threaded.bytes).equals(Buffer.from(bytes))).toBe(true);
			expect(threaded.manifest.file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
			expect(manifest.file.sha256).toBe(threaded.manifest.file.sha256);
			expect(threaded.manifest.counts).toEqual(manifest.counts);
			const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
			expect(await parquetReadObjects({ file })).toEqual(expected);
			// A strict reader (DuckDB refuses a string column holding invalid UTF-8) reads the same rows.
			expect(await readParquetStrictly(bytes)).toEqual(expected);
			const meta = await (await import('hyparquet')).parquetMetadataAsync(file);
			expect(meta.row_groups.every((g) => Number(g.num_rows) <= rowGroupRows)).toBe(true);
			expect(manifest.counts).toMatchObject({ rows: expected.length, instances: expected.length, tasks: datasetInstructions(sourceId).length });
			expect(manifest.file.bytes).toBe(bytes.length);
			// Blocks start at 16 rows; groups no larger than that are the record serialiser's, byte for byte.
			if (rowGroupRows <= 16) {
				const serialised = serializeAll('parquet', expected, { rowGroupRows, createdBy: `${appVersion().name} ${appVersion().version}` });
				expect(Buffer.from(bytes).equals(Buffer.from(serialised))).toBe(true);
			}
		}
	});

	it('every format SQLite writes is byte for byte what its serialiser (JSON.stringify, csv-stringify) writes, text stored as invalid UTF-8 included', async () => {
		const sourceId = await importSource();
		const taskId = storeTrickyRows(sourceId);
		// White space next to bytes that are not UTF-8: trimmed the same on both paths.
		db.$client
			.prepare("INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, CAST(x'e280a8c320' AS TEXT), CAST(x'20f0e2808020' AS TEXT), ?)")
			.run(taskId, sourceId, Date.now());
		const rows = datasetRows(sourceId);
		const cases: [ExportFormatId, SerializeOptions][] = [
			['jsonl', {}],
			['alpaca-json', {}],
			['openai-chat', { system: 'Be brief.' }],
			['prompt-completion', { template: 'self-instruct' }],
			['prompt-completion', { template: 'alpaca' }],
			['csv', {}],
			['csv', { csvKeepFormulas: true }]
		];
		for (const [format, options] of cases) {
			const { bytes, manifest } = runExport({ datasetId: sourceId, filters: {}, format, options });
			expect(Buffer.from(bytes).equals(Buffer.from(serializeAll(format, rows, options))), `${format} ${JSON.stringify(options)}`).toBe(true);
			expect(isUtf8(bytes)).toBe(true);
			expect(manifest.counts).toMatchObject({ rows: SOURCE_ROWS.length + 3, instances: SOURCE_ROWS.length + 3 });
		}
	});

	it('the manifest names the source file, the counts, the app version and a checksum of the bytes', async () => {
		const sourceId = await importSource();
		const { bytes, manifest } = runExport({ datasetId: sourceId, filters: parseWhere(['kept']), format: 'jsonl' });
		const { createHash } = await import('node:crypto');
		expect(manifest.file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
		expect(manifest.file).toMatchObject({ name: 'source.jsonl', format: 'jsonl', rows: SOURCE_ROWS.length, bytes: bytes.length });
		expect(manifest.sources.imports).toEqual([{ id: expect.any(Number), fileName: 'source.jsonl', format: 'instances' }]);
		expect(manifest.app.name).toBe('instruct-audit');
		expect(manifest.app.version).toMatch(/^\d+\.\d+\.\d+/);
		expect(manifest.filters).toEqual([{ where: 'kept', description: 'no automatic filter has been run on this dataset; "kept" is every row' }]);
		expect(manifest.dataset).toMatchObject({ name: 'source', instances: SOURCE_ROWS.length });
		expect(manifest.counts.excludedInstances).toBe(0);
		expect(manifest.quality).toBeNull();
		expect(Date.parse(manifest.createdAt)).not.toBeNaN();
	});
});

/**
 * A dataset that exercises every filter: tasks of each origin, classification value and filter
 * verdict, instances of three runs, empty and non-empty inputs, and reformulations linked to an
 * instance or only to their task. Outputs name the rows: "o1a" is task 1's first instance.
 */
function buildLab(): { datasetId: number; instance: Record<string, number>; task: Record<string, number> } {
	const now = Date.now();
	const datasetId = Number(db.$client.prepare("INSERT INTO datasets (name, description, created_at) VALUES ('lab', '', ?)").run(now).lastInsertRowid);
	const instance: Record<string, number> = {};
	const task: Record<string, number> = {};
	transaction(db, () => {
		const w = new RowWriter(db);
		const addTask = (name: string, t: Partial<Parameters<RowWriter['insertTask']>[0]>) =>
			(task[name] = w.insertTask({ datasetId, instruction: `Task ${name}.`, origin: 'generated', ...t }, now));
		const addInstance = (name: string, taskName: string, input: string, extra: Partial<Parameters<RowWriter['insertInstance']>[0]> = {}) =>
			(instance[name] = w.insertInstance({ taskId: task[taskName], datasetId, input, output: `o${name}`, ...extra }, now));
		addTask('1', { origin: 'seed', isClassification: true, filterStatus: 'kept' });
		addInstance('1a', '1', 'x', { filterStatus: 'kept' });
		addInstance('1b', '1', '', { filterStatus: 'rejected', filterRule: 'empty-output' });
		addTask('2', { runId: 1, isClassification: false, filterStatus: 'kept' });
		addInstance('2a', '2', '', { runId: 1, filterStatus: 'kept' });
		addInstance('2b', '2', 'y', { runId: 1, filterStatus: 'kept' });
		addTask('3', { runId: 2, isClassification: null, filterStatus: 'rejected', filterRule: 'rouge' });
		addInstance('3a', '3', 'z', { runId: 2 });
		addTask('4', { runId: 2, isClassification: false });
		addInstance('4a', '4', 'w', { runId: 2 });
		addInstance('4b', '4', '', { runId: 3 });
		addTask('5', { origin: 'imported', isClassification: true });
		addInstance('5a', '5', 'v');
		w.insertFormulation({ taskId: task['2'], instanceId: instance['2a'], datasetId, instruction: 'Task 2, said otherwise.', input: '', output: 'f1' }, now);
		w.insertFormulation({ taskId: task['2'], instanceId: null, datasetId, instruction: 'Task 2, a third way.', input: 'q', output: 'f2' }, now);
		w.insertFormulation({ taskId: task['1'], instanceId: instance['1b'], datasetId, instruction: 'Task 1 again.', input: '', output: 'f3' }, now);
		w.insertFormulation({ taskId: task['3'], instanceId: instance['3a'], datasetId, instruction: 'Task 3 again.', input: 'z', output: 'f4' }, now);
		w.flush();
	});
	return { datasetId, instance, task };
}

const ALL = ['o1a', 'o1b', 'o2a', 'o2b', 'o3a', 'o4a', 'o4b', 'o5a'];

function outputs(datasetId: number, where: string[], extra: Partial<ExportRequest> = {}): string[] {
	const { text } = runExport({ datasetId, filters: parseWhere(where), format: 'jsonl', ...extra });
	return text
		.split('\n')
		.filter(Boolean)
		.map((l) => JSON.parse(l).output);
}

describe('imported fields', () => {
	it('the page\'s parameters carry the option; a model\'s responses as the outputs refuse it (the fields are the instances\')', async () => {
		const rows = [{ id: 'a1', instruction: 'Say hi.', input: '', output: 'hi', source: 'wiki' }, { instruction: 'Say bye.', input: '', output: 'bye' }];
		const { datasetId } = await importFile(streamOf(jsonl(rows)), { datasetName: 'extra', fileName: 'extra.jsonl' }, db);
		const request = parseExportParams(new URLSearchParams({ dataset: String(datasetId), format: 'alpaca-json', importedFields: '1' }));
		expect(request.options?.importedFields).toBe(true);
		expect(exportParams(request, []).get('importedFields')).toBe('1');
		const { text, manifest } = runExport(request);
		expect(JSON.parse(text)).toEqual([{ instruction: 'Say hi.', input: '', output: 'hi', id: 'a1', source: 'wiki' }, { instruction: 'Say bye.', input: '', output: 'bye' }]);
		expect(manifest.options.importedFields).toBe(true);
		// The page's count says how many rows carry them.
		expect(countExport({ datasetId, filters: {} }, db).rowsWithImportedFields).toBe(1);
		expect(() => startExport({ ...request, format: 'jsonl', responsesOf: 'm1' }, db)).toThrow(/cannot go with model responses/);
		expect(() => startExport({ ...request, format: 'parquet' }, db)).toThrow(ExportFilterError);
	});
});

describe('filters', () => {
	const cases: [string[], string[]][] = [
		[[], ALL],
		[['kept'], ['o1a', 'o2a', 'o2b', 'o4a', 'o4b', 'o5a']],
		[['kept=no'], ['o1b', 'o3a']],
		[['rejected'], ['o1b', 'o3a']],
		[['classification=yes'], ['o1a', 'o1b', 'o5a']],
		[['classification=no'], ['o2a', 'o2b', 'o4a', 'o4b']],
		[['classification=unknown'], ['o3a']],
		[['run=2'], ['o3a', 'o4a']],
		[['run=3'], ['o4b']],
		[['run=1,3'], ['o2a', 'o2b', 'o4b']],
		[['origin=seed'], ['o1a', 'o1b']],
		[['origin=generated'], ['o2a', 'o2b', 'o3a', 'o4a', 'o4b']],
		[['origin=seed,imported'], ['o1a', 'o1b', 'o5a']],
		[['input=empty'], ['o1b', 'o2a', 'o4b']],
		[['input=nonempty'], ['o1a', 'o2b', 'o3a', 'o4a', 'o5a']],
		// Combinations: every filter must hold.
		[['kept', 'classification=no', 'input=nonempty'], ['o2b', 'o4a']],
		[['kept', 'run=2'], ['o4a']],
		[['kept', 'origin=generated', 'run=1,3'], ['o2a', 'o2b', 'o4b']],
		[['kept=no', 'classification=yes'], ['o1b']],
		[['origin=seed', 'run=1'], []]
	];
	for (const [where, expected] of cases) {
		it(`${where.join(' + ') || '(none)'} → ${expected.join(', ') || 'nothing'}`, () => {
			const { datasetId } = buildLab();
			expect(outputs(datasetId, where)).toEqual(expected);
			const counts = countExport({ datasetId, filters: parseWhere(where) }, db);
			expect(counts.rows).toBe(expected.length);
			expect(counts.instances).toBe(expected.length);
			expect(counts.datasetInstances).toBe(ALL.length);
		});
	}

	it('reformulations follow their instance; unlinked ones follow their task; those of excluded instances stay out', () => {
		const { datasetId } = buildLab();
		expect(outputs(datasetId, [], { includeReformulations: true })).toEqual(['o1a', 'o1b', 'f3', 'o2a', 'f1', 'o2b', 'f2', 'o3a', 'f4', 'o4a', 'o4b', 'o5a']);
		expect(outputs(datasetId, ['kept'], { includeReformulations: true })).toEqual(['o1a', 'o2a', 'f1', 'o2b', 'f2', 'o4a', 'o4b', 'o5a']);
		expect(outputs(datasetId, ['input=nonempty', 'origin=generated'], { includeReformulations: true })).toEqual(['o2b', 'f2', 'o3a', 'f4', 'o4a']);
		const counts = countExport({ datasetId, filters: parseWhere(['kept']), includeReformulations: true }, db);
		expect(counts).toMatchObject({ rows: 8, instances: 6, reformulations: 2, tasks: 4 });
		const { manifest, text } = runExport({ datasetId, filters: parseWhere(['kept']), format: 'jsonl', includeReformulations: true });
		expect(manifest.counts).toMatchObject({ rows: 8, instances: 6, reformulations: 2, tasks: 4, excludedInstances: 2 });
		expect(JSON.parse(text.split('\n')[2])).toEqual({ instruction: 'Task 2, said otherwise.', input: '', output: 'f1' });
	});

	it('a rephrasing written with {INPUT} is exported with its input in place, never with the placeholder', () => {
		const { datasetId, task, instance } = buildLab();
		transaction(db, () => {
			const w = new RowWriter(db);
			const now = Date.now();
			// As released (instruction_with_input given), and as generated without it.
			w.insertFormulation({ taskId: task['5'], instanceId: instance['5a'], datasetId, instruction: 'Count the syllables in {INPUT}.', instructionWithInput: 'Count the syllables in sierra.', input: 'sierra', output: 'f5' }, now);
			w.insertFormulation({ taskId: task['5'], instanceId: instance['5a'], datasetId, instruction: 'How many syllables has "{INPUT}"?', input: ' delta ', output: 'f6' }, now);
			w.flush();
		});
		for (const format of ['jsonl', 'openai-chat'] as const) {
			const { text } = runExport({ datasetId, filters: parseWhere(['origin=imported']), format, includeReformulations: true });
			expect(text, format).not.toContain('{INPUT}');
		}
		const rows = runExport({ datasetId, filters: parseWhere(['origin=imported']), format: 'jsonl', includeReformulations: true })
			.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
		expect(rows).toEqual([
			{ instruction: 'Task 5.', input: 'v', output: 'o5a' },
			{ instruction: 'Count the syllables in sierra.', input: '', output: 'f5' },
			{ instruction: 'How many syllables has "delta"?', input: '', output: 'f6' }
		]);
	});

	it('rows come out grouped by instruction, not in the imported file\'s line order, and the manifest and the card say so', async () => {
		const { datasetId } = await importFile(
			streamOf(jsonl([{ instruction: 'A', input: '1', output: 'a1' }, { instruction: 'B', input: '', output: 'b' }, { instruction: 'A', input: '2', output: 'a2' }])),
			{ datasetName: 'order', fileName: 'order.jsonl' },
			db
		);
		const { text, manifest } = runExport({ datasetId, filters: {}, format: 'jsonl' });
		expect(text.trim().split('\n').map((l) => JSON.parse(l).output)).toEqual(['a1', 'a2', 'b']);
		expect(manifest.rowOrder).toMatch(/^grouped by instruction: .*not the line order of an imported file/);
		const card = datasetCard({ manifest, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		expect(card).toContain('Row order: grouped by instruction');
	});

	it('comparison pairs repeating a prompt: the manifest counts the pairs whose preferred response is no row of a flat export', async () => {
		const pairs = [
			{ prompt: 'Which is better?', chosen: 'A', rejected: 'B' },
			{ prompt: 'dup prompt', chosen: 'x', rejected: 'y' },
			{ prompt: 'dup prompt', chosen: 'x2', rejected: 'y2' },
			{ prompt: 'dup prompt', chosen: 'x3', rejected: 'y3' }
		];
		const { datasetId } = await importFile(streamOf(jsonl(pairs)), { datasetName: 'pairs', fileName: 'pairs.jsonl' }, db);
		const { text, manifest } = runExport({ datasetId, filters: {}, format: 'jsonl' });
		expect(text.trim().split('\n').map((l) => JSON.parse(l).output)).toEqual(['A', 'x']);
		expect(manifest.counts.pairsSharingAPrompt).toBe(2);
		const plain = await importFile(streamOf(jsonl([{ instruction: 'A', input: '', output: 'a' }])), { datasetName: 'plain', fileName: 'plain.jsonl' }, db);
		expect(runExport({ datasetId: plain.datasetId, filters: {}, format: 'jsonl' }).manifest.counts).not.toHaveProperty('pairsSharingAPrompt');
	});

	it('comparison pairs repeating a prompt: only imported pairs of the selection count, never pairs built from the dataset\'s own responses', async () => {
		const datasetId = await makeDataset(db, 'preds', 4);
		for (const model of ['alpha', 'beta', 'gamma']) await addPredictions(db, 'preds', 4, model);
		// Two pairs per prompt (alpha–beta, alpha–gamma): they add no row and drop none.
		buildResponsePairs(datasetId, ['alpha', 'beta'], db);
		buildResponsePairs(datasetId, ['alpha', 'gamma'], db);
		expect(db.$client.prepare('SELECT count(*) FROM preference_pairs WHERE dataset_id = ?').pluck().get(datasetId)).toBe(8);
		expect(runExport({ datasetId, filters: {}, format: 'jsonl' }).manifest.counts).not.toHaveProperty('pairsSharingAPrompt');

		// Imported pairs repeating a prompt the selection leaves out are not this export's.
		const pairs = await importFile(
			streamOf(jsonl([{ prompt: 'kept prompt', chosen: 'A', rejected: 'B' }, { prompt: 'dup prompt', chosen: 'x', rejected: 'y' }, { prompt: 'dup prompt', chosen: 'x2', rejected: 'y2' }])),
			{ datasetName: 'pairs', fileName: 'pairs.jsonl' },
			db
		);
		expect(runExport({ datasetId: pairs.datasetId, filters: {}, format: 'jsonl' }).manifest.counts.pairsSharingAPrompt).toBe(1);
		db.$client.prepare("UPDATE tasks SET filter_status = 'rejected' WHERE dataset_id = ? AND instruction LIKE 'dup prompt%'").run(pairs.datasetId);
		const kept = runExport({ datasetId: pairs.datasetId, filters: parseWhere(['kept']), format: 'jsonl' });
		expect(kept.text.trim().split('\n').map((l) => JSON.parse(l).output)).toEqual(['A']);
		expect(kept.manifest.counts).not.toHaveProperty('pairsSharingAPrompt');
	});

	it('the manifest lists the runs the rows came from', () => {
		const { datasetId } = buildLab();
		expect(runExport({ datasetId, filters: parseWhere(['kept']), format: 'csv' }).manifest.sources.runs).toEqual([1, 2, 3]);
		expect(runExport({ datasetId, filters: parseWhere(['run=3']), format: 'csv' }).manifest.sources.runs).toEqual([3]);
		expect(runExport({ datasetId, filters: parseWhere(['origin=seed']), format: 'csv' }).manifest.sources.runs).toEqual([]);
	});

	it('the manifest names the dataset\'s filter run and counts the exported instances it rejected', () => {
		const { datasetId } = buildLab();
		// Never filtered: nothing to say, and `kept` is said to be every row, not rows the filters kept.
		expect(runExport({ datasetId, filters: {}, format: 'jsonl' }).manifest.automaticFilters).toBeNull();
		expect(runExport({ datasetId, filters: parseWhere(['kept']), format: 'jsonl' }).manifest.filters).toEqual([
			{ where: 'kept', description: 'no automatic filter has been run on this dataset; "kept" is every row' }
		]);
		// Run with the near-duplicate filter off: the manifest says so, not only "filter run N".
		const config = filterPreset('self-instruct');
		config.instruction.rougeL.enabled = false;
		const runId = Number(
			db.$client.prepare("INSERT INTO filter_runs (dataset_id, config, funnel, created_at) VALUES (?, ?, '{}', ?)").run(datasetId, JSON.stringify(config), Date.UTC(2026, 0, 2)).lastInsertRowid
		);
		const note = (where: string[]) => runExport({ datasetId, filters: parseWhere(where), format: 'jsonl' }).manifest.automaticFilters;
		// o1b (its instance) and o3a (its task) are rejected.
		expect(note([])).toEqual({
			filterRunId: runId,
			filterRunSettings: ['self-instruct, customised', 'no ROUGE-L', '4–150 words', 'blacklist (13 words)', '≤ 5 instances per task'],
			generationRuns: [],
			appliedAt: '2026-01-02T00:00:00.000Z',
			rejectedInstances: 2
		});
		expect(note(['classification=yes'])?.rejectedInstances).toBe(1);
		expect(note(['kept'])?.rejectedInstances).toBe(0);
		expect(note(['kept=no'])?.rejectedInstances).toBe(2);
	});

	it('where clauses read back to the same filters, and bad ones are refused with the clause named', () => {
		// (Lists read back sorted: the same origins or ids in another order are the same filter.)
		const where = ['kept', 'classification=no', 'run=1,3', 'origin=generated,seed', 'input=empty', 'audit=2', 'all-yes', 'rating=B', 'agreed', 'audited=no'];
		expect(whereClauses(parseWhere(where))).toEqual(where);
		expect(parseWhere(['KEPT=Yes', 'Classification=NO'])).toEqual({ kept: 'yes', classification: 'no' });
		for (const [bad, message] of [
			['colour=blue', /unknown filter "colour"/],
			['run=abc', /numeric ids/],
			['run', /give a value/],
			['classification=maybe', /expected yes, no, unknown/],
			['origin=web', /expected seed, generated, imported/],
			['rating=E', /expected A, B, C, D/],
			['kept=perhaps', /expected yes or no/]
		] as const) {
			expect(() => parseWhere([bad])).toThrow(message);
		}
		// Every filter must hold: a key given twice with another value is refused, never the later one kept.
		expect(() => parseWhere(['classification=yes', 'classification=no'])).toThrow('--where classification=no contradicts --where classification=yes');
		expect(() => parseWhere(['audited=yes', 'audited=no'])).toThrow(/contradicts/);
		expect(() => parseWhere(['not-rejected', 'kept=no'])).toThrow('--where kept=no contradicts --where not-rejected');
		// A filter that only selects is never silently dropped by "=no".
		for (const clause of ['all-yes=no', 'valid=no', 'agreed=no', 'not-rejected=no', 'judge-valid=no']) expect(() => parseWhere([clause])).toThrow(/can only be yes/);
	});

	it('refuses an unknown dataset and a model without responses', () => {
		const { datasetId } = buildLab();
		expect(() => startExport({ datasetId: 999, filters: {}, format: 'jsonl' }, db)).toThrow(ExportFilterError);
		expect(() => startExport({ datasetId, filters: {}, format: 'jsonl', responsesOf: 'nobody' }, db)).toThrow(/no responses from model "nobody"/);
	});
});

describe('streaming', () => {
	it('reads one snapshot on its own connection: the app can write while a download is paused halfway', async () => {
		const rows = Array.from({ length: 3000 }, (_, i) => ({ instruction: `Task ${i % 300}`, input: `input ${i}`, output: `${'lorem ipsum '.repeat(20)}${i}` }));
		const summary = await importFile(streamOf(jsonl(rows), 1 << 16), { datasetName: 'big', fileName: 'big.jsonl' }, db);
		const stream = startExport({ datasetId: summary.datasetId, filters: {}, format: 'jsonl' }, db);
		expect(stream.counts.rows).toBe(3000);
		expect(stream.estimatedBytes).toBeGreaterThan(500_000);
		const chunks = stream.chunks();
		const first = chunks.next();
		expect(first.done).toBe(false);
		expect(stream.progress().rows).toBeLessThan(3000);
		// The shared connection takes writes while the export's cursor is open…
		const more = await importFile(streamOf(jsonl([{ instruction: 'Late task', input: '', output: 'late' }])), { datasetName: 'big', fileName: 'late.jsonl' }, db);
		expect(more.instancesAdded).toBe(1);
		// …and the export still writes exactly the snapshot it started from.
		const rest = [first.value as Uint8Array, ...(function* () {
			for (let c = chunks.next(); !c.done; c = chunks.next()) yield c.value;
		})()];
		const text = new TextDecoder().decode(concat(rest));
		const lines = text.split('\n').filter(Boolean);
		expect(lines).toHaveLength(3000);
		expect(text).not.toContain('Late task');
		expect(rest.length).toBeGreaterThan(2);
		const manifest = stream.manifest();
		expect(manifest.counts.rows).toBe(3000);
		// Written in several blocks, tasks split across two blocks still count once.
		expect(manifest.counts).toMatchObject({ tasks: 300, instances: 3000 });
		expect(manifest.file.bytes).toBe(Buffer.byteLength(text));
		expect(Math.abs(stream.estimatedBytes - manifest.file.bytes) / manifest.file.bytes).toBeLessThan(0.1);
	});

	it('estimates the file size from rows spread over the selection, not the first ones: short rows first, long ones after', async () => {
		// 500 short seed-like rows, then 1,500 rows fifty times longer: the first 500 rows alone said about a tenth of the file.
		const rows = Array.from({ length: 2000 }, (_, i) =>
			i < 500 ? { instruction: `Short ${i}`, input: '', output: `ok ${i}` } : { instruction: `Long task ${i}`, input: `input ${i}`, output: `${'a longer answer, '.repeat(30)}${i}` }
		);
		const { datasetId } = await importFile(streamOf(jsonl(rows), 1 << 16), { datasetName: 'short-then-long', fileName: 'short-then-long.jsonl' }, db);
		const requests: ExportRequest[] = [
			{ datasetId, filters: {}, format: 'jsonl' },
			{ datasetId, filters: {}, format: 'csv' },
			{ datasetId, filters: {}, format: 'parquet' },
			// A filtered selection: its first rows are short too.
			{ datasetId, filters: parseWhere(['origin=imported']), format: 'openai-chat' }
		];
		// Short and long in turn: a sample of every n-th id would see only one kind.
		const alternating = Array.from({ length: 2000 }, (_, i) =>
			i % 2 ? { instruction: `Brief ${i}`, input: '', output: `ok ${i}` } : { instruction: `Lengthy task ${i}`, input: `input ${i}`, output: `${'a longer answer, '.repeat(30)}${i}` }
		);
		const turns = await importFile(streamOf(jsonl(alternating), 1 << 16), { datasetName: 'short-and-long', fileName: 'short-and-long.jsonl' }, db);
		for (const format of ['jsonl', 'csv'] as const) requests.push({ datasetId: turns.datasetId, filters: {}, format });
		for (const request of requests) {
			const stream = startExport(request, db);
			const estimated = stream.estimatedBytes;
			const written = concat([...stream.chunks()]).length;
			expect(Math.abs(estimated - written) / written, `${request.format}: ${estimated} estimated, ${written} written`).toBeLessThan(0.25);
		}
	});

	it('estimates a Parquet file of 12,000 short rows repeating 27 values within 10%: dictionaries and runs compress the file as the sample', async () => {
		const shapes: ((i: number) => { instruction: string; input: string; output: string })[] = [
			(i) => ({ instruction: `Label the sentiment ${i % 27}.`, input: `Sentence ${i}`, output: `label ${i % 27}` }),
			(i) => ({ instruction: `Label the sentiment ${i % 27}.`, input: '', output: `label ${i % 27} (${i})` })
		];
		for (const [n, shape] of shapes.entries()) {
			const { datasetId } = await importFile(streamOf(jsonl(Array.from({ length: 12_000 }, (_, i) => shape(i))), 1 << 16), { datasetName: `repeats-${n}`, fileName: 'repeats.jsonl' }, db);
			const stream = startExport({ datasetId, filters: {}, format: 'parquet' }, db);
			expect(stream.counts.rows).toBe(12_000);
			const estimated = stream.estimatedBytes;
			const written = concat([...stream.chunks()]).length;
			expect(Math.abs(estimated - written) / written, `shape ${n}: ${estimated} estimated, ${written} written`).toBeLessThan(0.1);
		}
	});

	it('counts the selection when first asked, on the snapshot the rows come from, and reports what was written once done', async () => {
		const rows = Array.from({ length: 500 }, (_, i) => ({ instruction: `Task ${i % 50}`, input: `input ${i}`, output: `output ${i}` }));
		const summary = await importFile(streamOf(jsonl(rows)), { datasetName: 'lazy', fileName: 'lazy.jsonl' }, db);
		const late = () => importFile(streamOf(jsonl([{ instruction: 'Late task', input: '', output: 'late' }])), { datasetName: 'lazy', fileName: 'late.jsonl' }, db);
		// Asked for after a write that came after the export started: the snapshot's count.
		const asked = startExport({ datasetId: summary.datasetId, filters: {}, format: 'jsonl' }, db);
		expect((await late()).instancesAdded).toBe(1);
		expect(asked.counts).toMatchObject({ rows: 500, tasks: 50, instances: 500 });
		expect(asked.progress()).toMatchObject({ rows: 0, totalRows: 500 });
		const askedText = new TextDecoder().decode(concat([...asked.chunks()]));
		expect(askedText.split('\n').filter(Boolean)).toHaveLength(500);
		// Never asked for while the rows were written: what was written.
		const unasked = startExport({ datasetId: summary.datasetId, filters: {}, format: 'jsonl' }, db);
		const text = new TextDecoder().decode(concat([...unasked.chunks()]));
		expect(text.split('\n').filter(Boolean)).toHaveLength(501);
		expect(unasked.counts).toMatchObject({ rows: 501, tasks: 51, instances: 501, responses: 0, reformulations: 0 });
		expect(unasked.estimatedBytes).toBe(Buffer.byteLength(text));
		expect(unasked.manifest().counts).toMatchObject({ rows: 501, tasks: 51, instances: 501 });
		// A filter the selection cannot take is still refused when the export starts.
		expect(() => startExport({ datasetId: summary.datasetId, filters: { minRating: 'B' }, format: 'jsonl' }, db)).toThrow(ExportFilterError);
	});

	it('blocks written by SQLite in every format but Parquet hold exactly the records of the rows, in order, whatever the block size', async () => {
		const tricky = TRICKY_RECORDS.map((r, i) => ({ instruction: `${r.instruction} (${i % 7})`, input: r.input, output: r.output }));
		const long = { instruction: 'Long one.', input: '', output: 'é'.repeat(5000) };
		// What JavaScript's trim removes at either end, and what it keeps (U+200B, U+0085, U+180E).
		const spaces = [
			{ instruction: '\u00a0 Trim me\u2028', input: '\ufeff\u3000\v', output: 'no input left' },
			{ instruction: '\tA\u2029', input: '\u200b B \u200b', output: 'zero-width spaces stay' },
			{ instruction: '\u0085C\u180e', input: ' \u2000D\u205f\u202f\u1680', output: 'NEL and U+180E stay' },
			// Replacement patterns in the data stay as they are.
			{ instruction: 'Price it: $& and $1.', input: "costs $' and $`", output: '$5' },
			// What CSV quotes, at either end and alone, and formula starts (quoted or not).
			{ instruction: ',', input: '"', output: '\r' },
			{ instruction: '"quoted" , twice ""', input: '\nstarts', output: 'ends\n' },
			{ instruction: '=1+1', input: '-2,3', output: '@SUM("x")' },
			{ instruction: '\t=tab', input: '\r=cr', output: "+1 and 'kept'" }
		];
		const rows = [...tricky, long, ...spaces, ...Array.from({ length: 400 }, (_, i) => ({ instruction: `Task ${i % 37} ünï`, input: i % 5 ? `in ${i}` : '', output: `out "${i}"\n\u2028` }))];
		const summary = await importFile(streamOf(jsonl(rows)), { datasetName: 'blocks', fileName: 'blocks.jsonl' }, db);
		const selection = { datasetId: summary.datasetId, filters: {} };
		// Instances of one task are not consecutive in the file: the rows' order is not the ids' order.
		const ordered = [...selectRows(db.$client, selection)];
		const cases: [ExportFormatId, SerializeOptions][] = [
			['jsonl', {}],
			['alpaca-json', {}],
			['openai-chat', {}],
			['openai-chat', { chatInput: 'plain', system: ' Answer briefly. ' }],
			['prompt-completion', { template: 'self-instruct' }],
			['prompt-completion', { template: 'alpaca' }],
			['csv', {}],
			['csv', { csvKeepFormulas: true }]
		];
		for (const [format, options] of cases) {
			const layout = recordLayout(format)!;
			const record = recordSql(format, options)!;
			const expected = Buffer.from(serializeAll(format, ordered, options)).toString('utf8');
			for (const blockBytes of [1, 500, 4096, 1 << 20]) {
				const blocks = [...selectRecordBlocks(db.$client, selection, record, layout, blockBytes)];
				// As the export glues them: what goes before each block, and the file's ends.
				const text = layout.begin + blocks.map((b, i) => (i ? layout.between : layout.first) + b.bytes.toString('utf8')).join('') + layout.end;
				expect(text, `${format} ${JSON.stringify(options)}, ${blockBytes}`).toBe(expected);
				expect(blocks.reduce((n, b) => n + b.rows, 0)).toBe(summary.instancesAdded);
				// After the first block, blocks are sized by the rows' size so far: here one row each.
				if (blockBytes === 1) expect(blocks.slice(1).every((b) => b.rows === 1)).toBe(true);
				// Distinct tasks over the blocks, a task split across two blocks counted once.
				let tasks = 0;
				let last = -1;
				for (const b of blocks) {
					tasks += b.tasks - (b.firstTaskId === last ? 1 : 0);
					last = b.lastTaskId;
				}
				expect(tasks).toBe(summary.tasksAdded);
				expect(new Set(blocks.flatMap((b) => b.importIds))).toEqual(new Set([summary.importId]));
			}
		}
	});

	it('an Alpaca JSON export of instances is what the serialiser writes, byte for byte, over several blocks and for an empty selection', async () => {
		// Blocks start at 16 rows: 80 rows make several, so the glue between them counts.
		const rows = [...TRICKY_RECORDS, ...Array.from({ length: 80 }, (_, i) => ({ instruction: `Task ${i % 9} ünï`, input: i % 2 ? `in ${i}` : '', output: `out "${i}"\n` }))];
		const summary = await importFile(streamOf(jsonl(rows)), { datasetName: 'alpaca', fileName: 'alpaca.jsonl' }, db);
		const expected = datasetRows(summary.datasetId);
		const { text, manifest } = runExport({ datasetId: summary.datasetId, filters: {}, format: 'alpaca-json' });
		expect(text).toBe(Buffer.from(serializeAll('alpaca-json', expected)).toString('utf8'));
		expect(JSON.parse(text)).toEqual(expected);
		expect(manifest.counts).toMatchObject({ rows: expected.length, instances: expected.length, tasks: summary.tasksAdded });
		// No row selected: the array is still closed.
		const none = runExport({ datasetId: summary.datasetId, filters: parseWhere(['kept=no']), format: 'alpaca-json' });
		expect(none.manifest.counts.rows).toBe(0);
		expect(none.text).toBe(Buffer.from(serializeAll('alpaca-json', [])).toString('utf8'));
		expect(JSON.parse(none.text)).toEqual([]);
	});

	it('an abandoned download releases its snapshot', async () => {
		const rows = Array.from({ length: 2000 }, (_, i) => ({ instruction: `T${i}`, input: '', output: 'x'.repeat(300) }));
		const summary = await importFile(streamOf(jsonl(rows), 1 << 16), { datasetName: 'big2', fileName: 'b.jsonl' }, db);
		const stream = startExport({ datasetId: summary.datasetId, filters: {}, format: 'csv' }, db);
		const chunks = stream.chunks();
		chunks.next();
		chunks.return(undefined);
		// A closed reader would throw if used again; a second export works normally.
		expect(runExport({ datasetId: summary.datasetId, filters: {}, format: 'csv' }).manifest.counts.rows).toBe(2000);
	});
});

// ---- human labels (audit tables) ----

function insertUser(email: string): number {
	return Number(
		db.$client
			.prepare("INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, '', 'reviewer', 'x', ?)")
			.run(email, Date.now()).lastInsertRowid
	);
}

function insertAudit(datasetId: number, kind: 'quality' | 'rating', extra: { stratify?: string; includeRejected?: boolean } = {}): number {
	return Number(
		db.$client
			.prepare(
				`INSERT INTO audits (dataset_id, name, kind, sample_size, seed, lease_seconds, stratify, include_rejected, created_at)
				 VALUES (?, ?, ?, 200, 1, 600, ?, ?, ?)`
			)
			.run(datasetId, `${kind} audit`, kind, extra.stratify ?? 'none', extra.includeRejected ? 1 : 0, Date.now()).lastInsertRowid
	);
}

let position = 0;
function insertItem(auditId: number, taskId: number, instanceId: number | null, gold = false): number {
	position++;
	return Number(
		db.$client
			.prepare('INSERT INTO audit_items (audit_id, ref, position, task_id, instance_id, is_gold, shuffle_key) VALUES (?, ?, ?, ?, ?, ?, ?)')
			.run(auditId, `ref-${position}`, position, taskId, instanceId, gold ? 1 : 0, position).lastInsertRowid
	);
}

/** A quality label: "yyn" = instruction yes, input yes, output no. */
function label(auditId: number, itemId: number, reviewerId: number, answers: string): number {
	const [a, b, c] = [...answers].map((x) => (x === 'y' ? 1 : 0));
	return Number(
		db.$client
			.prepare(
				`INSERT INTO audit_labels (audit_id, item_id, reviewer_id, instruction_valid, input_valid, output_valid, submitted_at, updated_at)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
			)
			.run(auditId, itemId, reviewerId, a, b, c, Date.now(), Date.now()).lastInsertRowid
	);
}

/** "y", "n", or "-" for a blank answer (which falls back to the reviewers'). */
function adjudicate(auditId: number, itemId: number, answers: string | null): number {
	const [a, b, c] = answers ? [...answers].map((x) => (x === 'y' ? 1 : x === 'n' ? 0 : null)) : [null, null, null];
	return Number(
		db.$client
			.prepare(
				`INSERT INTO audit_adjudications (audit_id, item_id, instruction_valid, input_valid, output_valid, created_at, updated_at)
				 VALUES (?, ?, ?, ?, ?, ?, ?)`
			)
			.run(auditId, itemId, a, b, c, Date.now(), Date.now()).lastInsertRowid
	);
}

function buildLabels() {
	const lab = buildLab();
	const [r1, r2, r3] = ['r1@x.org', 'r2@x.org', 'r3@x.org'].map(insertUser);
	const q1 = insertAudit(lab.datasetId, 'quality');
	// 1a: both reviewers say all yes.
	let item = insertItem(q1, lab.task['1'], lab.instance['1a']);
	label(q1, item, r1, 'yyy');
	label(q1, item, r2, 'yyy');
	// 2a: output judged wrong by the majority (2 of 3): not all yes, and an unresolved disagreement.
	item = insertItem(q1, lab.task['2'], lab.instance['2a']);
	label(q1, item, r1, 'yyn');
	label(q1, item, r2, 'yyy');
	label(q1, item, r3, 'yyn');
	// 2b: the reviewers tie on the input: no final label, unresolved.
	item = insertItem(q1, lab.task['2'], lab.instance['2b']);
	label(q1, item, r1, 'yyy');
	label(q1, item, r2, 'yny');
	// 4a: the reviewers disagree on everything; a researcher adjudicated all yes.
	item = insertItem(q1, lab.task['4'], lab.instance['4a']);
	label(q1, item, r1, 'yyy');
	label(q1, item, r2, 'nnn');
	adjudicate(q1, item, 'yyy');
	// 5a: a gold item (the researcher's own test): never counts.
	item = insertItem(q1, lab.task['5'], lab.instance['5a'], true);
	label(q1, item, r1, 'yyy');
	// A second audit labels 4b.
	const q2 = insertAudit(lab.datasetId, 'quality', { stratify: 'classification' });
	item = insertItem(q2, lab.task['4'], lab.instance['4b']);
	label(q2, item, r1, 'yyy');
	return { ...lab, q1, q2, reviewers: [r1, r2, r3] };
}

describe('human-label filters', () => {
	const cases: [string[], string[]][] = [
		[['all-yes'], ['o1a', 'o4a', 'o4b']],
		[['all-yes', 'audit=1'], ['o1a', 'o4a']],
		[['all-yes', 'audit=2'], ['o4b']],
		[['agreed'], ['o1a', 'o1b', 'o3a', 'o4a', 'o4b', 'o5a']],
		[['audited'], ['o1a', 'o2a', 'o2b', 'o4a', 'o4b']],
		[['audited=no'], ['o1b', 'o3a', 'o5a']],
		[['audited=no', 'audit=2'], ['o1a', 'o1b', 'o2a', 'o2b', 'o3a', 'o4a', 'o5a']],
		[['kept', 'all-yes', 'agreed'], ['o1a', 'o4a', 'o4b']],
		[['kept', 'agreed', 'classification=no'], ['o4a', 'o4b']],
		[['audited', 'agreed', 'input=empty'], ['o4b']],
		// Kept by the filters and not rejected by people: 2a (majority: not all valid) drops; the
		// tied 2b and every unaudited kept row stay.
		[['not-rejected'], ['o1a', 'o2b', 'o4a', 'o4b', 'o5a']]
	];
	for (const [where, expected] of cases) {
		it(`${where.join(' + ')} → ${expected.join(', ')}`, () => {
			const { datasetId } = buildLabels();
			expect(outputs(datasetId, where)).toEqual(expected);
			expect(countExport({ datasetId, filters: parseWhere(where) }, db).rows).toBe(expected.length);
		});
	}

	it('counts a reviewer once per instance, with their latest label, when several audits sampled it (as the manifest\'s estimate does)', () => {
		const { datasetId, task, instance, reviewers } = buildLabels();
		// 2a in audit 1: r1 yyn, r2 yyy, r3 yyn (not all valid). A later audit samples it again
		// and r1 now says all valid: r1's latest, r2 and r3 make two of three "all valid".
		const q3 = insertAudit(datasetId, 'quality');
		const again = label(q3, insertItem(q3, task['2'], instance['2a']), reviewers[0], 'yyy');
		db.$client.prepare('UPDATE audit_labels SET submitted_at = submitted_at + 60000 WHERE id = ?').run(again);
		expect(outputs(datasetId, ['all-yes'])).toEqual(['o1a', 'o2a', 'o4a', 'o4b']);
		// Pooled as four labels it would have been a tie (two all valid, two not): no final label.
		expect(outputs(datasetId, ['all-yes', 'audit=1'])).toEqual(['o1a', 'o4a']);
	});

	it('walks instances by task and tests each against the labelled ids, never one search per id per task', () => {
		// `i.id IN (…)` as a search key made SQLite look each listed id up under every task: 84 s
		// instead of 0.2 s for 50,000 audited instances. The plan shows it as "(task_id=? AND id=?)".
		const { datasetId } = buildLabels();
		for (const where of [['all-yes'], ['audited'], ['valid', 'audit=1'], ['agreed'], ['not-rejected'], ['audited=no']]) {
			const { q, from } = selectionQuery(withReviewersNotCounted({ datasetId, filters: parseWhere(where) }, db));
			const plan = db.$client
				.prepare<[unknown], { detail: string }>(`EXPLAIN QUERY PLAN ${q.withClause()}SELECT count(*) FROM ${from} WHERE ${q.whereClause()}`)
				.all(q.params)
				.map((r) => r.detail);
			expect(plan.some((d) => /SEARCH i USING .*instances_task_idx \(task_id=\?\)/.test(d)), `${where}: ${plan.join(' | ')}`).toBe(true);
			expect(plan.filter((d) => /\bid=\?/.test(d) && /SEARCH i\b/.test(d)), `${where}`).toEqual([]);
		}
	});

	it("filtered blocks read the filters' labels once: the same lines as the rows, block after block, and no table left behind", () => {
		const { datasetId } = buildLabels();
		// Unaudited rows after the audited ones, so that the kept rows span many blocks.
		const now = Date.now();
		for (let n = 0; n < 40; n++) {
			const taskId = db.$client
				.prepare<[number, string, string, number]>("INSERT INTO tasks (dataset_id, instruction, instruction_key, origin, instance_count, created_at) VALUES (?, ?, ?, 'imported', 1, ?)")
				.run(datasetId, `Unaudited task ${n}.`, `unaudited ${n}`, now).lastInsertRowid;
			db.$client.prepare<[number | bigint, number, string, number]>("INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, '', ?, ?)").run(taskId, datasetId, `out ${n}`, now);
		}
		const temporary = () => db.$client.prepare<[], number>("SELECT count(*) FROM temp.sqlite_master WHERE type = 'table'").pluck().get()!;
		const before = temporary();
		for (const where of [['agreed'], ['not-rejected', 'kept'], ['audited=no']]) {
			const selection = { datasetId, filters: parseWhere(where) };
			const expected = [...selectRows(db.$client, selection)].map((r) => JSON.stringify({ instruction: r.instruction, input: r.input, output: r.output }) + '\n').join('');
			// One row per block after the first: every block runs the statement again.
			const blocks = [...selectRecordBlocks(db.$client, selection, recordSql('jsonl', {})!, recordLayout('jsonl')!, 1)];
			expect(blocks.length, `${where}`).toBeGreaterThan(1);
			expect(Buffer.concat(blocks.map((b) => b.bytes)).toString('utf8'), `${where}`).toBe(expected);
			expect(temporary()).toBe(before);
			// Abandoned halfway: its tables go too.
			const halfway = selectRecordBlocks(db.$client, selection, recordSql('jsonl', {})!, recordLayout('jsonl')!, 1);
			halfway.next();
			expect(temporary()).toBeGreaterThan(before);
			halfway.return(undefined);
			expect(temporary()).toBe(before);
		}
	});

	it('an adjudication wins over the majority in both directions', () => {
		const lab = buildLabels();
		// Overrule the unanimous yes on 1a.
		const item = (db.$client.prepare('SELECT id FROM audit_items WHERE instance_id = ?').get(lab.instance['1a']) as { id: number }).id;
		adjudicate(lab.q1, item, 'ynn');
		expect(outputs(lab.datasetId, ['all-yes'])).toEqual(['o4a', 'o4b']);
	});

	it('a blank answer in an adjudication falls back to the reviewers; one final "no" decides an item despite a tie elsewhere', () => {
		const lab = buildLabels();
		const itemOf = (name: string) => (db.$client.prepare('SELECT id FROM audit_items WHERE instance_id = ?').get(lab.instance[name]) as { id: number }).id;
		// 2b tied on the input only; the researcher settles the input, leaving the rest to the reviewers (all yes).
		adjudicate(lab.q1, itemOf('2b'), '-y-');
		expect(outputs(lab.datasetId, ['all-yes'])).toEqual(['o1a', 'o2b', 'o4a', 'o4b']);
		expect(outputs(lab.datasetId, ['agreed', 'kept'])).toEqual(['o1a', 'o2b', 'o4a', 'o4b', 'o5a']);
		// 1b: the reviewers tie on the input but both find the output wrong: decided, not correct.
		const item = insertItem(lab.q1, lab.task['1'], lab.instance['1b']);
		label(lab.q1, item, lab.reviewers[0], 'ynn');
		label(lab.q1, item, lab.reviewers[1], 'yyn');
		const q = runExport({ datasetId: lab.datasetId, filters: {}, format: 'jsonl' }).manifest.quality!;
		// Decided: 1a yes, 1b no, 2a no, 2b yes (adjudicated), 4a yes, 4b yes.
		expect(q.population).toMatchObject({ items: 6, successes: 4, ties: 0, estimator: 'majority', rate: 4 / 6 });
	});

	it('rating filters need model responses', () => {
		const { datasetId } = buildLabels();
		expect(() => countExport({ datasetId, filters: parseWhere(['rating=B']) }, db)).toThrow(/--responses/);
	});

	it('the manifest carries the audit estimate of the population and of the file, naming its estimator', () => {
		const { datasetId } = buildLabels();
		const { manifest } = runExport({ datasetId, filters: parseWhere(['kept']), format: 'jsonl' });
		const q = manifest.quality!;
		expect(q.measure).toBe('all fields valid');
		expect(q.audits.map((a) => a.id)).toEqual([1, 2]);
		// Population = kept rows (1a 2a 2b 4a 4b 5a); audited: 1a yes, 2a no, 4a yes (adjudicated),
		// 4b yes, 2b tied. One reviewer per item is the audits' design (overlap 1), so the report's
		// headline is the item majority, the tie counted both ways: 3/5 to 4/5.
		expect(q.population).toMatchObject({ estimator: 'majority', estimatorName: 'Item majority, ties as bounds', items: 5, successes: 3, ties: 1, rate: null, low: 0.6, high: 0.8, confidence: 0.95 });
		// Wilson score interval for 3/5 (lower end) and 4/5 (upper end) at z = 1.959964.
		expect(q.population.lower).toBeCloseTo(wilsonInterval(3, 5).lower, 12);
		expect(q.population.upper).toBeCloseTo(wilsonInterval(4, 5).upper, 12);
		expect(q.population.method).toMatch(/tied items counted as no for the lower figure and yes for the upper/);
		// The file: 3 labelled correct, 1 labelled wrong, 2b tied, 5a not sampled (gold only). No
		// human-label filter: the file is the population, with the population's very figures.
		expect(q.exported).toMatchObject({ rows: 6, labelledCorrect: 3, labelledIncorrect: 1, tied: 1, unlabelled: 1, basis: 'population' });
		expect(q.exported).toMatchObject({ rate: null, low: 0.6, high: 0.8, lower: q.population.lower, upper: q.population.upper });
		expect(q.exported.method).toMatch(/the file is the audited population/);
		expect(q.caveats.join(' ')).toMatch(/Only 5 audited items/);
		expect(q.caveats.join(' ')).toMatch(/count both ways/);
		expect(q.caveats.join(' ')).toMatch(/stratified/);
	});

	it('with the label-level headline, the counts beside the rate are labels (yes labels of all labels), not the item majority\'s', () => {
		const { datasetId } = buildLabels();
		db.$client.prepare("UPDATE audits SET headline_estimator = 'label'").run();
		const q = runExport({ datasetId, filters: parseWhere(['kept']), format: 'jsonl' }).manifest.quality!;
		// Labels of 1a (yes, yes), 2a (no, yes, no), 2b (yes, no), 4a (yes, no), 4b (yes): 6 yes of 10.
		expect(q.population).toMatchObject({ estimator: 'label', items: 5, unit: 'labels', trials: 10, successes: 6, ties: 0 });
		expect(q.population.rate).toBeCloseTo(6 / 10, 12);
		// The item majority keeps items as its unit; latent truth has no counts of its own.
		db.$client.prepare("UPDATE audits SET headline_estimator = 'majority'").run();
		expect(runExport({ datasetId, filters: parseWhere(['kept']), format: 'jsonl' }).manifest.quality!.population).toMatchObject({ unit: 'items', trials: 5, successes: 3, ties: 1 });
	});

	it('with the label-level headline, the export says it is a share of the reviewers\' labels, not of correct rows, and that adjudications do not enter it', () => {
		const { datasetId } = buildLabels();
		db.$client.prepare("UPDATE audits SET headline_estimator = 'label'").run();
		const { manifest } = runExport({ datasetId, filters: parseWhere(['kept']), format: 'jsonl' });
		const q = manifest.quality!;
		expect(q.population.method).toMatch(/^label level, the share of the reviewers' labels saying all fields valid — how often a reviewer says yes, not how often the answer is yes, and not a share of correct rows; adjudications do not enter it/);
		expect(q.exported).toMatchObject({ basis: 'population' });
		expect(q.exported.method).toContain("a share of the reviewers' labels saying yes, not of correct rows");
		// 4a's adjudication (all yes) is left out of the 6 yes labels of 10; the item majority counts it.
		expect(q.caveats).toContain(
			"Label level is this estimate's headline (the audit's choice): 60.0% is the share of the reviewers' 10 labels on 5 items that say all fields valid (6 of them) — how often a reviewer says yes, not how often the answer is yes — not an expected share of correct rows. " +
				'The 1 adjudication on these items does not enter it; the item majority, which counts it, gives 60.0%–80.0% [23.1%, 96.4%].'
		);
		const card = datasetCard({ manifest, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		expect(card).toContain('| Audited population: share of the reviewers\u2019 labels saying yes (6 of 10 labels on 5 items, Label level; not a share of correct rows, adjudications not counted) | 60.0% |');
		expect(card).toContain('| These rows (the audited population itself: no human-label filter; a share of the reviewers\u2019 labels, as above) | 60.0% |');
		expect(card).not.toContain('Audited population (n = 5 items, Label level)');
		// The item majority's wording is unchanged.
		db.$client.prepare("UPDATE audits SET headline_estimator = 'majority'").run();
		const m = runExport({ datasetId, filters: parseWhere(['kept']), format: 'jsonl' }).manifest;
		expect(m.quality!.caveats.join(' ')).not.toMatch(/Label level is/);
		expect(datasetCard({ manifest: m, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] })).toContain('| Audited population (n = 5 items, Item majority, ties as bounds) |');
	});

	it('a file restricted to items labelled correct reports 100%, from the same population estimate', () => {
		const { datasetId } = buildLabels();
		const q = runExport({ datasetId, filters: parseWhere(['kept', 'all-yes']), format: 'csv' }).manifest.quality!;
		expect(q.population).toMatchObject({ items: 5, successes: 3, ties: 1 });
		// Every row has a final label: the figure is the labels', and no interval is estimated.
		expect(q.exported).toMatchObject({ rows: 3, labelledCorrect: 3, labelledIncorrect: 0, unlabelled: 0, rate: 1, low: 1, high: 1, lower: null, upper: null, basis: 'labels' });
	});

	it('a file mixing labelled and unlabelled rows counts a tied row as no for the lower figure and yes for the upper, the rest at the population\'s bounds', () => {
		const { datasetId } = buildLabels();
		const q = runExport({ datasetId, filters: parseWhere(['not-rejected']), format: 'jsonl' }).manifest.quality!;
		// 1a, 4a, 4b labelled correct; 2b tied; 5a not sampled; population 3/5 to 4/5.
		expect(q.exported).toMatchObject({ rows: 5, labelledCorrect: 3, labelledIncorrect: 0, tied: 1, unlabelled: 1, rate: null, basis: 'mixed' });
		expect(q.exported.low).toBeCloseTo((3 + 0 + 1 * 0.6) / 5, 12);
		expect(q.exported.high).toBeCloseTo((3 + 1 + 1 * 0.8) / 5, 12);
		expect(q.exported.lower).toBeCloseTo((3 + 1 * q.population.lower) / 5, 12);
		expect(q.exported.upper).toBeCloseTo((3 + 1 + 1 * q.population.upper) / 5, 12);
		// A tie is no final label, as the card counts it ("… have no final human label (…, 1 sampled but their reviewers tied)").
		expect(q.exported.method).toBe(
			"the 3 rows with a final human label count as it says, the 1 row whose reviewers tied (no final label) as no for the lower figure and yes for the upper, the 1 without one at the population's rate (item majority, ties as bounds)"
		);
	});

	it('the manifest says what left each excluded instance out: the other filters, the automatic filters, the human labels, the judge', () => {
		const { datasetId } = buildLabels();
		// 8 instances: origin leaves out task 1's two (seed), kept then 3a, not-rejected then 2a (labelled not all valid).
		const { manifest } = runExport({ datasetId, filters: parseWhere(['origin=generated,imported', 'kept', 'not-rejected']), format: 'jsonl' });
		expect(manifest.counts.excludedInstances).toBe(4);
		expect(manifest.counts.excludedInstancesBy).toEqual({ otherFilters: 2, automaticFilters: 1, humanLabels: 1, judge: 0 });
		const kept = runExport({ datasetId, filters: parseWhere(['kept', 'not-rejected']), format: 'jsonl' }).manifest.counts;
		expect(kept.excludedInstancesBy).toEqual({ otherFilters: 0, automaticFilters: 2, humanLabels: 1, judge: 0 });
		expect(runExport({ datasetId, filters: {}, format: 'jsonl' }).manifest.counts.excludedInstancesBy).toBeUndefined();
	});

	it('the estimate follows the chosen audits and warns when the population holds rejected rows the audit never sampled', () => {
		const { datasetId } = buildLabels();
		const q = runExport({ datasetId, filters: parseWhere(['audit=1']), format: 'jsonl' }).manifest.quality!;
		expect(q.audits.map((a) => a.id)).toEqual([1]);
		expect(q.population).toMatchObject({ items: 4, successes: 2, ties: 1 });
		expect(q.caveats.join(' ')).toMatch(/The population includes rows the automatic filters reject\. Audit "[^"]*" was drawn from the rows not rejected at the time, and none of its audited items is rejected now: the rejected rows are not represented in the sample\./);
		expect(runExport({ datasetId, filters: parseWhere(['origin=seed', 'input=empty']), format: 'jsonl' }).manifest.quality).toBeNull();
	});

	it('an audit nobody has labelled yet contributes nothing and is not named in the caveats (the card leaves it out too)', () => {
		const { datasetId } = buildLabels();
		const empty = insertAudit(datasetId, 'quality');
		db.$client.prepare("UPDATE audits SET name = 'not labelled yet' WHERE id = ?").run(empty);
		const instance = db.$client.prepare<[number], { id: number; taskId: number }>('SELECT id, task_id AS taskId FROM instances WHERE dataset_id = ? ORDER BY id LIMIT 1').get(datasetId)!;
		insertItem(empty, instance.taskId, instance.id);
		const q = runExport({ datasetId, filters: parseWhere([`audit=1,${empty}`]), format: 'jsonl' }).manifest.quality!;
		expect(q.audits.map((a) => a.id)).toEqual([1, empty]);
		const text = q.caveats.join(' ');
		expect(text).toMatch(/Audit "quality audit" was drawn from the rows not rejected at the time/);
		expect(text).not.toContain('not labelled yet');
	});

	it('an audited item a later filter run rejected: the caveat counts it from the audit\'s items, never claims the audit did not sample it', () => {
		const lab = buildLabels();
		// 4b (audit 2) rejected after the audit drew it.
		db.$client.prepare("UPDATE instances SET filter_status = 'rejected', filter_rule = 'input-equals-output' WHERE id = ?").run(lab.instance['4b']);
		const kept = runExport({ datasetId: lab.datasetId, filters: parseWhere(['kept']), format: 'jsonl' }).manifest.quality!;
		expect(kept.population.items).toBe(4);
		expect(kept.caveats.join(' ')).toContain(`1 audited item is now rejected by the automatic filters (instance ${lab.instance['4b']}: a filter run after the audit was drawn) and so outside this population; the estimate rests on the other 4 audited items.`);
		// Every row: the rejected rows are in the population, and the audit did sample one of them.
		const all = runExport({ datasetId: lab.datasetId, filters: {}, format: 'jsonl' }).manifest.quality!;
		const text = all.caveats.join(' ');
		expect(text).not.toMatch(/never sampled/);
		expect(text).toContain(`1 of their audited items (instance ${lab.instance['4b']}) has been rejected since, the only rejected rows in the sample.`);
		expect(text).not.toContain('outside this population');
	});

	it('a verdict-stratified audit and an export that keeps one stratum: the caveats say the estimate is that stratum\'s sample and the other strata are outside by design, not a later filter run, and nothing is pooled', () => {
		const lab = buildLab();
		const [r1] = ['r1@x.org'].map(insertUser);
		// The filters ran before the audit was drawn.
		db.$client.prepare("INSERT INTO filter_runs (dataset_id, config, funnel, created_at) VALUES (?, '{}', '{}', ?)").run(lab.datasetId, Date.now() - 60_000);
		const audit = insertAudit(lab.datasetId, 'quality', { stratify: 'verdict', includeRejected: true });
		const drawn: [string, string, string][] = [['1', '1a', 'kept'], ['2', '2a', 'kept'], ['2', '2b', 'kept'], ['1', '1b', 'rejected:emptyOutput'], ['3', '3a', 'rejected:rougeL']];
		for (const [task, instance, stratum] of drawn) {
			const item = insertItem(audit, lab.task[task], lab.instance[instance]);
			db.$client.prepare('UPDATE audit_items SET stratum = ? WHERE id = ?').run(stratum, item);
			label(audit, item, r1, instance === '2a' ? 'yyn' : 'yyy');
		}
		const kept = runExport({ datasetId: lab.datasetId, filters: parseWhere(['kept']), format: 'jsonl' }).manifest.quality!;
		expect(kept.population.items).toBe(3);
		const text = kept.caveats.join(' ');
		expect(text).toContain(
			'Audit "quality audit" is stratified by filter verdict and this export holds one of its strata ("Kept by the filters"): the estimate is that stratum\'s simple random sample of 3 rows; the 2 items drawn from its other strata ("Rejected: Too similar to the pool (ROUGE-L)", 1; "Rejected: Empty output", 1) are outside this population by design.'
		);
		expect(text).not.toMatch(/a filter run after/);
		expect(text).not.toMatch(/pools its items without weights/);
		// Every row: the strata are weighted by their rows (each drawn whole here, so the rate is the pooled one), not pooled.
		const every = runExport({ datasetId: lab.datasetId, filters: {}, format: 'jsonl' }).manifest.quality!;
		const all = every.caveats.join(' ');
		expect(all).not.toMatch(/without weights/);
		expect(all).not.toMatch(/by design/);
		expect(every.population.strata?.map((h) => [h.stratum, h.rows, h.items])).toEqual([['kept', 3, 3], ['rejected:empty-output', 1, 1], ['rejected:rouge', 1, 1]]);
		expect(every.population.rate).toBeCloseTo(0.8, 12);
		// A kept row rejected after the draw is the one a later filter run put outside.
		db.$client.prepare("UPDATE instances SET filter_status = 'rejected', filter_rule = 'input-equals-output' WHERE id = ?").run(lab.instance['2b']);
		const later = runExport({ datasetId: lab.datasetId, filters: parseWhere(['kept']), format: 'jsonl' }).manifest.quality!.caveats.join(' ');
		expect(later).toContain(`1 audited item is now rejected by the automatic filters (instance ${lab.instance['2b']}: a filter run after the audit was drawn)`);
		expect(later).toContain('simple random sample of 2 rows; the 2 items drawn from its other strata');
		// A plain audit of a kept row beside it: its items count in the estimate too, and the caveat says so (not "the estimate is that stratum's sample").
		const plain = insertAudit(lab.datasetId, 'quality');
		db.$client.prepare("UPDATE audits SET name = 'plain audit' WHERE id = ?").run(plain);
		label(plain, insertItem(plain, lab.task['4'], lab.instance['4a']), r1, 'yyy');
		label(plain, insertItem(plain, lab.task['5'], lab.instance['5a']), r1, 'yyy');
		const both = runExport({ datasetId: lab.datasetId, filters: parseWhere(['kept']), format: 'jsonl' }).manifest.quality!;
		expect(both.population.items).toBe(4);
		const bothText = both.caveats.join(' ');
		expect(bothText).toContain('("Kept by the filters"): the estimate pools that stratum\'s simple random sample of 2 rows with the items of audit "plain audit" in this population (4 audited items in all); the 2 items drawn from its other strata');
		expect(bothText).not.toContain('the estimate is that stratum\'s');
	});

	it('a verdict-stratified audit that drew its strata at different rates: the population\'s rate weights each stratum by its rows, not pooled, and the file and the card carry it', () => {
		const lab = buildLab();
		const [r1] = ['r1@x.org'].map(insertUser);
		db.$client.prepare("INSERT INTO filter_runs (dataset_id, config, funnel, created_at) VALUES (?, '{}', '{}', ?)").run(lab.datasetId, Date.now() - 60_000);
		const audit = insertAudit(lab.datasetId, 'quality', { stratify: 'verdict', includeRejected: true });
		// 1 of the 3 kept rows (not valid), every rejected row (valid): pooled 2/3, weighted (3·0 + 1·1 + 1·1)/5.
		const drawn: [string, string, string][] = [['2', '2a', 'kept'], ['1', '1b', 'rejected:empty-output'], ['3', '3a', 'rejected:rouge']];
		for (const [task, instance, stratum] of drawn) {
			const item = insertItem(audit, lab.task[task], lab.instance[instance]);
			db.$client.prepare('UPDATE audit_items SET stratum = ? WHERE id = ?').run(stratum, item);
			label(audit, item, r1, instance === '2a' ? 'yyn' : 'yyy');
		}
		const q = runExport({ datasetId: lab.datasetId, filters: {}, format: 'jsonl' }).manifest.quality!;
		expect(q.population.rate).toBeCloseTo(2 / 5, 12);
		expect(q.population.estimatorName).toBe('Item majority, ties as bounds, weighted by verdict stratum');
		expect(q.population.strata).toEqual([
			expect.objectContaining({ stratum: 'kept', rows: 3, items: 1, successes: 0, rate: 0 }),
			expect.objectContaining({ stratum: 'rejected:empty-output', rows: 1, items: 1, successes: 1, rate: 1 }),
			expect.objectContaining({ stratum: 'rejected:rouge', rows: 1, items: 1, successes: 1, rate: 1 })
		]);
		expect(q.population.lower).toBeLessThan(0.4);
		expect(q.population.upper).toBeGreaterThan(0.4);
		expect(q.caveats.join(' ')).not.toMatch(/without weights/);
		// The 3 unjudged rows (tasks 4 and 5) lie outside the frame: the other 5 carry the weighted rate.
		expect(q.exported.basis).toBe('frame');
		expect(q.exported.low).toBeCloseTo((5 * 0.4) / 8, 12);
		// A subset of one stratum: that stratum's sample alone, no weights needed.
		const kept = runExport({ datasetId: lab.datasetId, filters: parseWhere(['kept']), format: 'jsonl' }).manifest.quality!;
		expect(kept.population.strata).toBeUndefined();
		expect(kept.population.rate).toBe(0);
	});

	it('an audit drawn from the unrejected rows beside a verdict-stratified one: the caveat counts only its own items rejected since, never the rejected strata the other drew on purpose after the filter run', () => {
		const lab = buildLab();
		const [r1] = ['r1@x.org'].map(insertUser);
		db.$client.prepare("INSERT INTO filter_runs (dataset_id, config, funnel, created_at) VALUES (?, '{}', '{}', ?)").run(lab.datasetId, Date.now() - 60_000);
		const plain = insertAudit(lab.datasetId, 'quality');
		for (const instance of ['1a', '2a']) label(plain, insertItem(plain, lab.task[instance[0]], lab.instance[instance]), r1, 'yyy');
		const strat = insertAudit(lab.datasetId, 'quality', { stratify: 'verdict', includeRejected: true });
		db.$client.prepare("UPDATE audits SET name = 'strat' WHERE id = ?").run(strat);
		for (const [task, instance, stratum] of [['2', '2b', 'kept'], ['1', '1b', 'rejected:empty-output'], ['3', '3a', 'rejected:rouge']]) {
			const item = insertItem(strat, lab.task[task], lab.instance[instance]);
			db.$client.prepare('UPDATE audit_items SET stratum = ? WHERE id = ?').run(stratum, item);
			label(strat, item, r1, 'yyy');
		}
		const text = runExport({ datasetId: lab.datasetId, filters: {}, format: 'jsonl' }).manifest.quality!.caveats.join(' ');
		expect(text).toContain('Audit "quality audit" was drawn from the rows not rejected at the time, and none of its audited items is rejected now; audit "strat" samples rejected rows too.');
		expect(text).not.toMatch(/rejected since|the only rejected rows/);
		// One of the plain audit's own items rejected after its draw: named, and still not "the only rejected rows".
		db.$client.prepare("UPDATE instances SET filter_status = 'rejected', filter_rule = 'input-equals-output' WHERE id = ?").run(lab.instance['2a']);
		const later = runExport({ datasetId: lab.datasetId, filters: {}, format: 'jsonl' }).manifest.quality!.caveats.join(' ');
		expect(later).toContain(`Audit "quality audit" was drawn from the rows not rejected at the time; 1 of its audited items (instance ${lab.instance['2a']}) has been rejected since; audit "strat" samples rejected rows too.`);
	});

	it('an audit that samples rejected rows too: its rejected items are outside a kept export because it drew them so, unless a filter run came after it', () => {
		const lab = buildLab();
		const [r1] = ['r1@x.org'].map(insertUser);
		const audit = insertAudit(lab.datasetId, 'quality', { includeRejected: true });
		for (const [task, instance] of [['1', '1a'], ['2', '2a'], ['1', '1b']]) label(audit, insertItem(audit, lab.task[task], lab.instance[instance]), r1, 'yyy');
		const caveats = () => runExport({ datasetId: lab.datasetId, filters: parseWhere(['kept']), format: 'jsonl' }).manifest.quality!.caveats.join(' ');
		expect(caveats()).toContain(`1 audited item (instance ${lab.instance['1b']}) was a row the automatic filters rejected when the audit drew it (the audit samples rejected rows too) and so outside this population; the estimate rests on the other 2 audited items.`);
		expect(caveats()).not.toMatch(/a filter run after/);
		db.$client.prepare("INSERT INTO filter_runs (dataset_id, config, funnel, created_at) VALUES (?, '{}', '{}', ?)").run(lab.datasetId, Date.now() + 60_000);
		expect(caveats()).toContain(`1 audited item is now rejected by the automatic filters (instance ${lab.instance['1b']}: a filter run after the audit was drawn)`);
	});
});

describe('model responses and A–D ratings', () => {
	function buildRatings() {
		const lab = buildLabels();
		const now = Date.now();
		const response = (instanceName: string, taskName: string, model: string, text: string) =>
			Number(
				db.$client
					.prepare('INSERT INTO responses (task_id, instance_id, dataset_id, model, response, created_at) VALUES (?, ?, ?, ?, ?, ?)')
					.run(lab.task[taskName], lab.instance[instanceName], lab.datasetId, model, text, now).lastInsertRowid
			);
		const R1 = response('1a', '1', 'm1', 'r1');
		const R2 = response('2b', '2', 'm1', 'r2');
		const R3 = response('5a', '5', 'm1', 'r3');
		const R4 = response('1a', '1', 'm2', 'r4');
		const audit = insertAudit(lab.datasetId, 'rating');
		const [u1, u2, u3] = lab.reviewers;
		const rate = (itemId: number, reviewer: number, ratings: [number, string, string][]) => {
			const labelId = Number(
				db.$client
					.prepare('INSERT INTO audit_labels (audit_id, item_id, reviewer_id, submitted_at, updated_at) VALUES (?, ?, ?, ?, ?)')
					.run(audit, itemId, reviewer, now, now).lastInsertRowid
			);
			for (const [responseId, model, rating] of ratings) {
				db.$client
					.prepare('INSERT INTO audit_label_ratings (label_id, audit_id, item_id, response_id, model, rating) VALUES (?, ?, ?, ?, ?, ?)')
					.run(labelId, audit, itemId, responseId, model, rating);
			}
		};
		// R1: A, B, A → A by majority, an unresolved disagreement. R4 (m2) rated C by all.
		let item = insertItem(audit, lab.task['1'], lab.instance['1a']);
		rate(item, u1, [[R1, 'm1', 'A'], [R4, 'm2', 'C']]);
		rate(item, u2, [[R1, 'm1', 'B'], [R4, 'm2', 'C']]);
		rate(item, u3, [[R1, 'm1', 'A'], [R4, 'm2', 'C']]);
		// R2: C, C.
		item = insertItem(audit, lab.task['2'], lab.instance['2b']);
		rate(item, u1, [[R2, 'm1', 'C']]);
		rate(item, u2, [[R2, 'm1', 'C']]);
		// R3: D, A → adjudicated B.
		item = insertItem(audit, lab.task['5'], lab.instance['5a']);
		rate(item, u1, [[R3, 'm1', 'D']]);
		rate(item, u2, [[R3, 'm1', 'A']]);
		const adj = adjudicate(audit, item, null);
		db.$client.prepare("INSERT INTO audit_adjudication_ratings (adjudication_id, response_id, model, rating) VALUES (?, ?, 'm1', 'B')").run(adj, R3);
		return lab;
	}

	const cases: [string[], string[]][] = [
		[[], ['r1', 'r2', 'r3']],
		[['rating=A'], ['r1']],
		[['rating=B'], ['r1', 'r3']],
		[['rating=C'], ['r1', 'r2', 'r3']],
		[['audited'], ['r1', 'r2', 'r3']],
		[['audited=no'], []],
		// r1's raters disagree; r2 sits on instance 2b whose quality labels tie.
		[['agreed'], ['r3']],
		[['rating=B', 'classification=yes'], ['r1', 'r3']],
		[['rating=B', 'origin=imported'], ['r3']]
	];
	for (const [where, expected] of cases) {
		it(`m1 ${where.join(' + ') || '(no filter)'} → ${expected.join(', ') || 'nothing'}`, () => {
			const { datasetId } = buildRatings();
			expect(outputs(datasetId, where, { responsesOf: 'm1' })).toEqual(expected);
			expect(countExport({ datasetId, filters: parseWhere(where), responsesOf: 'm1' }, db)).toMatchObject({
				rows: expected.length,
				responses: expected.length
			});
		});
	}

	it('rows pair the task instruction and instance input with the response; the estimate is the share rated A or B', async () => {
		const { datasetId } = buildRatings();
		const { text, manifest } = runExport({ datasetId, filters: parseWhere(['rating=C']), format: 'jsonl', responsesOf: 'm1' });
		// The export page's live estimate (its queries in the report thread) is the manifest's.
		expect((await liveQualityEstimate({ datasetId, filters: parseWhere(['rating=C']), responsesOf: 'm1' }, db)).quality).toEqual(manifest.quality);
		expect(JSON.parse(text.split('\n')[0])).toEqual({ instruction: 'Task 1.', input: 'x', output: 'r1' });
		expect(manifest.options.responsesOf).toBe('m1');
		expect(manifest.counts).toMatchObject({ rows: 3, responses: 3, instances: 3, tasks: 3 });
		// The report's share rated A or B: r1 (A, B, A) wholly A or B, r2 (C, C) not, r3 adjudicated B.
		expect(manifest.quality).toMatchObject({ measure: 'rated A or B', population: { estimator: 'label', unit: 'items', items: 3, successes: 2, ties: 0, rate: 2 / 3 } });
		expect(manifest.quality!.exported).toMatchObject({ rows: 3, labelledCorrect: 2, labelledIncorrect: 1, unlabelled: 0 });
		expect(outputs(datasetId, [], { responsesOf: 'm2' })).toEqual(['r4']);
		expect(() => countExport({ datasetId, filters: {}, responsesOf: 'm1', includeReformulations: true }, db)).toThrow(/reformulations/i);
	});

	/** buildRatings, with r2 (C, C) made C, D and two fresh m1 responses: r5 rated A and B, r6 rated B and C. */
	function buildSplitRatings() {
		const lab = buildRatings();
		const datasetId = lab.datasetId;
		db.$client.prepare("UPDATE audit_label_ratings SET rating = 'D' WHERE rowid = (SELECT max(rowid) FROM audit_label_ratings WHERE rating = 'C' AND model = 'm1')").run();
		const audit = db.$client.prepare<[], number>("SELECT id FROM audits WHERE kind = 'rating'").pluck().get()!;
		const [task, instance, reviewers] = [lab.task['4'], [lab.instance['4a'], lab.instance['4b']], lab.reviewers];
		const now = Date.now();
		const addRated = (instanceId: number, text: string, ratings: [string, string]) => {
			const responseId = Number(db.$client.prepare("INSERT INTO responses (task_id, instance_id, dataset_id, model, response, created_at) VALUES (?, ?, ?, 'm1', ?, ?)").run(task, instanceId, datasetId, text, now).lastInsertRowid);
			const item = insertItem(audit, task, instanceId);
			ratings.forEach((rating, k) => {
				const labelId = Number(db.$client.prepare('INSERT INTO audit_labels (audit_id, item_id, reviewer_id, submitted_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(audit, item, reviewers[k], now, now).lastInsertRowid);
				db.$client.prepare("INSERT INTO audit_label_ratings (label_id, audit_id, item_id, response_id, model, rating) VALUES (?, ?, ?, ?, 'm1', ?)").run(labelId, audit, item, responseId, rating);
			});
		};
		addRated(instance[0], 'r5', ['A', 'B']);
		addRated(instance[1], 'r6', ['B', 'C']);
		return lab;
	}

	it('rated A or B is decided on that measure: reviewers who differ only between A and B (or C and D) decide it; a B/C split counts both ways', () => {
		const { datasetId } = buildSplitRatings();
		// R2 (C, C) became C, D: no final letter, but not A or B all the same. r5 rated A and B:
		// no final letter, A or B all the same. r6 rated B and C: a tie both ways.
		const q = runExport({ datasetId, filters: {}, format: 'jsonl', responsesOf: 'm1' }).manifest.quality!;
		// As the report counts them: r1 A/B/A, r3 adjudicated B and r5 A/B wholly A or B, r2 C/D not, r6 B/C half: 3.5 of 5.
		expect(q.population).toMatchObject({ estimator: 'label', items: 5, successes: 3.5, ties: 0, rate: 0.7, low: 0.7, high: 0.7 });
		expect(q.exported).toMatchObject({ rows: 5, labelledCorrect: 3, labelledIncorrect: 1 });
	});

	// rating=X is "rated X or better", decided on that line as the estimate's "A or B" is: r5 (A and B)
	// has no plurality letter yet is B or better; r6 (B and C) and r2 (C and D) split evenly across a line.
	const splitCases: [string[], string[]][] = [
		[['rating=A'], ['r1']],
		[['rating=B'], ['r1', 'r3', 'r5']],
		[['rating=C'], ['r1', 'r3', 'r5', 'r6']],
		[['rating=D'], ['r1', 'r2', 'r3', 'r5', 'r6']],
		[['not-rejected'], ['r1', 'r3', 'r5', 'r6']]
	];
	for (const [where, expected] of splitCases) {
		it(`split ratings: m1 ${where.join(' + ')} → ${expected.join(', ')}`, () => {
			const { datasetId } = buildSplitRatings();
			expect(outputs(datasetId, where, { responsesOf: 'm1' }).sort()).toEqual(expected);
			expect(countExport({ datasetId, filters: parseWhere(where), responsesOf: 'm1' }, db)).toMatchObject({ rows: expected.length });
		});
	}

	it("the estimate is the audit report's own share rated A or B of the exported model, interval and all", () => {
		const { datasetId } = buildSplitRatings();
		const audit = db.$client.prepare<[], number>("SELECT id FROM audits WHERE kind = 'rating'").pluck().get()!;
		const row = buildAuditReport(loadReportInput(audit, db)).rating!.models.find((m) => m.model === 'm1')!;
		const p = runExport({ datasetId, filters: parseWhere([`audit=${audit}`]), format: 'jsonl', responsesOf: 'm1' }).manifest.quality!.population;
		expect(row.aOrB.proportion).toBeCloseTo(0.7, 12);
		expect(p).toMatchObject({ rate: row.aOrB.proportion, lower: row.aOrB.lower, upper: row.aOrB.upper, successes: row.aOrB.successes, trials: row.n, items: row.n });
		expect(p.estimatorName).toBe('Label level, each response shared among its ratings');
	});

	it("the dataset card of one model's responses gives that model's agreement, not every model's", async () => {
		const { datasetId } = buildRatings();
		const audit = db.$client.prepare<[], number>("SELECT id FROM audits WHERE kind = 'rating'").pluck().get()!;
		const rows = buildAuditReport(loadReportInput(audit, db)).rating!.agreement!;
		const [all, m1] = [rows.find((r) => r.key === 'all models')!, rows.find((r) => r.key === 'm1')!];
		// m1's reviewers split on r1 (A, B, A); m2's agree on r4: the two figures differ.
		expect(m1.percent.value).not.toBe(all.percent.value);
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-card-model-'));
		try {
			const card = await writeDatasetCard({ datasetId, filters: {}, format: 'jsonl', responsesOf: 'm1' }, path.join(dir, 'card'), {}, db);
			const readme = fs.readFileSync(card.readme, 'utf8');
			const line = readme.split('\n').find((l) => l.startsWith('Agreement between reviewers:'))!;
			expect(line).toContain(`${percent(m1.percent.value)} pairwise agreement`);
			// m1's responses have 2 or 3 ratings each: Fleiss' κ generalised over them, and the card says so.
			expect(m1.kappa.labelsPerItem).toEqual({ min: 2, max: 3 });
			expect(line).toContain(`on the A–D ratings of m1's responses (n = ${m1.percent.items} responses labelled at least twice, 2–3 labels per response)`);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	it('rating=B keeps every response the estimate counts as rated A or B, and no other: the file is all of them', () => {
		const { datasetId } = buildSplitRatings();
		const { manifest } = runExport({ datasetId, filters: parseWhere(['rating=B']), format: 'jsonl', responsesOf: 'm1' });
		expect(manifest.counts.rows).toBe(3);
		expect(manifest.quality!.exported).toMatchObject({ rows: 3, labelledCorrect: 3, labelledIncorrect: 0, tied: 0, rate: 1 });
		expect(manifest.filters.find((f) => f.where === 'rating=B')!.description).toMatch(/rated A and B: in; split evenly across the line, as B and C: left out/);
	});
});
