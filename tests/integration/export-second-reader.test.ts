/**
 * A large export of instances in a format SQLite writes has a second reader on another thread
 * (second-reader.ts) read some of its blocks. These tests hold that the file is the one a single
 * reader writes, byte for byte — however the blocks fall between the two readers, over filters
 * whose tables each connection builds itself and ranges that hold none of the selection's rows —
 * that the second reader is used only on the export's own snapshot, and that the blocks it had
 * are read here when it fails.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { openReadOnly, type Db } from '../../src/lib/server/db';
import { databaseVersion } from '../../src/lib/server/db/unchanged';
import { importFile } from '../../src/lib/server/datasets/import';
import { exportThreadsResolved, startExport, type ExportRequest, type StartOptions } from '../../src/lib/server/exports/export';
import {
	beginSnapshot,
	openReader,
	recordBlockReader,
	recordSql,
	selectRecordBlocks,
	type ExportSelection,
	type PlannedBlock,
	type RecordBlock,
	type SecondBlockReader
} from '../../src/lib/server/exports/query';
import { SecondReaderThread } from '../../src/lib/server/exports/second-reader';
import { SECOND_READER_THREAD_URL } from '../../src/lib/server/exports/second-reader-thread';
import { parseWhere } from '../../src/lib/server/exports/filters';
import { TRICKY_RECORDS } from '../../src/lib/formats/serialize-fixtures';
import { recordLayout } from '../../src/lib/formats/serialize-formats';
import type { ExportFormatId, SerializeOptions } from '../../src/lib/formats/serialize';
import { buildLargeQualityAudit } from '../support/large-audit';

let db: Db;
let file: string;
let cleanup: () => void;
beforeEach(() => {
	({ db, file, cleanup } = createTestDb());
});
afterEach(() => cleanup());

const READER_THREAD = { url: SECOND_READER_THREAD_URL, entry: 'serveSecondReader' };

const FORMATS: [ExportFormatId, SerializeOptions][] = [
	['jsonl', {}],
	['alpaca-json', {}],
	['openai-chat', { system: 'Be brief.' }],
	['prompt-completion', { template: 'alpaca' }],
	['csv', {}]
];

/** A dataset of tricky records and many ordinary ones, several instances per task, instance ids interleaved across tasks. */
async function importRows(rows = 900): Promise<number> {
	const records = [
		...TRICKY_RECORDS,
		...Array.from({ length: rows }, (_, i) => ({ instruction: `Task ${i % 53} ünï, "quoted"`, input: i % 4 ? `in, ${i}` : '', output: `=out ${i}\n` }))
	];
	const summary = await importFile(streamOf(jsonl(records), 7), { datasetName: 'rows', fileName: 'rows.jsonl' }, db);
	return summary.datasetId;
}

/** Blocks as the export glues them into its file. */
function fileOf(format: ExportFormatId, blocks: Iterable<RecordBlock>): string {
	const layout = recordLayout(format)!;
	let text = layout.begin;
	let n = 0;
	for (const b of blocks) text += (n++ ? layout.between : layout.first) + b.bytes.toString('utf8');
	return text + (n ? layout.end : layout.emptyEnd);
}

function singleReader(selection: ExportSelection, format: ExportFormatId, options: SerializeOptions, blockBytes: number): string {
	const reader = openReader(db);
	try {
		return fileOf(format, selectRecordBlocks(reader.client, selection, recordSql(format, options)!, recordLayout(format)!, blockBytes));
	} finally {
		reader.close();
	}
}

/**
 * A second reader in this thread, on a read-only connection of its own: it reads what it is sent
 * when asked (every other time it is asked without waiting, it has nothing yet, so that this
 * thread reads ahead), and fails at its `failAt`-th block if given.
 */
function inProcessReader(selection: ExportSelection, format: ExportFormatId, options: SerializeOptions, failAt = Infinity) {
	const client = openReadOnly(file);
	client.exec('BEGIN');
	beginSnapshot(client);
	const blocks = recordBlockReader(client, selection, recordSql(format, options)!, recordLayout(format)!);
	const sent: PlannedBlock[] = [];
	let asked = 0;
	const counts = { sent: 0, read: 0, empty: 0, closed: false };
	const reader: SecondBlockReader = {
		ready: () => true,
		send(block) {
			counts.sent++;
			sent.push(block);
		},
		take(wait) {
			if (!wait && asked++ % 2 === 0) return undefined;
			if (counts.read + 1 >= failAt) throw new Error('the second reader failed');
			const planned = sent.shift()!;
			counts.read++;
			const block = blocks.read(planned.after, 0, planned.last);
			if (!block) counts.empty++;
			return block;
		},
		close() {
			counts.closed = true;
			if (client.open) client.close();
		}
	};
	return { reader, counts };
}

/** Waits until the thread has answered whether it reads the export's snapshot. */
function settled(reader: SecondReaderThread): boolean {
	const nap = new Int32Array(new SharedArrayBuffer(4));
	for (let i = 0; i < 3000; i++) {
		const ready = reader.ready();
		if (ready !== undefined) return ready;
		Atomics.wait(nap, 0, 0, 10);
	}
	throw new Error('the reader thread did not start in 30 s');
}

describe('blocks read by two readers', () => {
	it('every format: the same file as one reader writes, however the blocks fall between the readers', async () => {
		const datasetId = await importRows();
		const selection = { datasetId, filters: {} };
		for (const [format, options] of FORMATS) {
			for (const blockBytes of [1, 700, 1 << 20]) {
				const expected = singleReader(selection, format, options, blockBytes);
				const reader = openReader(db);
				const second = inProcessReader(selection, format, options);
				const text = fileOf(format, selectRecordBlocks(reader.client, selection, recordSql(format, options)!, recordLayout(format)!, blockBytes, second.reader));
				reader.close();
				expect(text, `${format} ${blockBytes}`).toBe(expected);
				// The second reader read ranges, this thread read blocks between them, and it was closed.
				if (blockBytes === 1) expect(second.counts.read).toBeGreaterThan(100);
				expect(second.counts.read).toBe(second.counts.sent);
				expect(second.counts.closed).toBe(true);
			}
		}
	});

	it('filters each connection computes itself (human labels), and ranges that hold none of the selected rows', async () => {
		const audit = buildLargeQualityAudit(db, { items: 700, k: 2, reviewers: 3, name: 'labelled' });
		const datasetId = db.$client.prepare<[number], number>('SELECT dataset_id FROM audits WHERE id = ?').pluck().get(audit)!;
		// Most rows rejected by the automatic filters: most ranges of kept=no hold none.
		db.$client.prepare("UPDATE instances SET filter_status = 'rejected' WHERE dataset_id = ? AND id % 97 <> 0").run(datasetId);
		for (const where of [['valid'], ['agreed'], ['kept'], ['valid', 'kept=no']]) {
			const selection = { datasetId, filters: parseWhere(where) };
			const expected = singleReader(selection, 'jsonl', {}, 1);
			expect(expected.length).toBeGreaterThan(0);
			const reader = openReader(db);
			const second = inProcessReader(selection, 'jsonl', {});
			const text = fileOf('jsonl', selectRecordBlocks(reader.client, selection, recordSql('jsonl', {})!, recordLayout('jsonl')!, 1, second.reader));
			reader.close();
			expect(text, where.join(' ')).toBe(expected);
			expect(second.counts.read).toBeGreaterThan(0);
			if (where.join() === 'kept') expect(second.counts.empty).toBeGreaterThan(0);
		}
	});

	it('a second reader that fails midway: the ranges it had are read here, the file the same', async () => {
		const datasetId = await importRows();
		const selection = { datasetId, filters: {} };
		const expected = singleReader(selection, 'jsonl', {}, 1);
		const reader = openReader(db);
		const second = inProcessReader(selection, 'jsonl', {}, 40);
		const text = fileOf('jsonl', selectRecordBlocks(reader.client, selection, recordSql('jsonl', {})!, recordLayout('jsonl')!, 1, second.reader));
		reader.close();
		expect(text).toBe(expected);
		expect(second.counts.read).toBe(39);
		expect(second.counts.sent).toBeGreaterThan(39);
		expect(second.counts.closed).toBe(true);
	});
});

describe('the second reader on its own thread', () => {
	it('reads blocks on its thread: the same file, and the blocks it read counted', async () => {
		const datasetId = await importRows();
		const selection = { datasetId, filters: {} };
		for (const [format, options] of [FORMATS[0], FORMATS[4]]) {
			const expected = singleReader(selection, format, options, 1);
			const reader = openReader(db);
			const open = { file, selection, record: recordSql(format, options)!, layout: recordLayout(format)! };
			const second = SecondReaderThread.start(READER_THREAD, open, () => databaseVersion(db.$client) === reader.version)!;
			expect(settled(second)).toBe(true);
			const text = fileOf(format, selectRecordBlocks(reader.client, selection, open.record, open.layout, 1, second));
			reader.close();
			expect(text, format).toBe(expected);
			expect(second.blocksRead).toBeGreaterThan(10);
		}
	});

	it('is refused when anything was committed after the export’s snapshot began, and the file is the snapshot’s', async () => {
		const datasetId = await importRows();
		const selection = { datasetId, filters: {} };
		const expected = singleReader(selection, 'jsonl', {}, 1);
		const reader = openReader(db);
		const open = { file, selection, record: recordSql('jsonl', {})!, layout: recordLayout('jsonl')! };
		// A row added after the export's snapshot began: the thread's snapshot would hold it.
		const taskId = db.$client.prepare<[number], number>('SELECT id FROM tasks WHERE dataset_id = ? ORDER BY id LIMIT 1').pluck().get(datasetId)!;
		db.$client.prepare("INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, 'added later', 'after the snapshot', 0)").run(taskId, datasetId);
		const second = SecondReaderThread.start(READER_THREAD, open, () => databaseVersion(db.$client) === reader.version)!;
		expect(settled(second)).toBe(false);
		const text = fileOf('jsonl', selectRecordBlocks(reader.client, selection, open.record, open.layout, 1, second));
		reader.close();
		expect(text).toBe(expected);
		expect(text).not.toContain('added later');
		expect(second.blocksRead).toBe(0);
		// Without a write in between, the same start is accepted.
		const again = openReader(db);
		const accepted = SecondReaderThread.start(READER_THREAD, open, () => databaseVersion(db.$client) === again.version)!;
		expect(settled(accepted)).toBe(true);
		accepted.close();
		again.close();
	});

	it('the app connection busy with a cursor of its own when the snapshot begins or is compared: no second reader, no failure', async () => {
		const datasetId = await importRows(100);
		const selection = { datasetId, filters: {} };
		const cursor = db.$client.prepare<[], number>('SELECT id FROM tasks').pluck().iterate();
		cursor.next();
		// Its version cannot be read meanwhile (better-sqlite3 refuses another statement).
		expect(() => databaseVersion(db.$client)).toThrow();
		const busy = openReader(db);
		expect(busy.version).toBeNull();
		busy.close();
		const reader = openReader(db);
		const open = { file, selection, record: recordSql('jsonl', {})!, layout: recordLayout('jsonl')! };
		const second = SecondReaderThread.start(READER_THREAD, open, () => databaseVersion(db.$client) === reader.version)!;
		expect(settled(second)).toBe(false);
		cursor.return?.();
		reader.close();
	});

	it('a thread whose module does not load is refused, and the export reads every block here', async () => {
		const datasetId = await importRows(100);
		const selection = { datasetId, filters: {} };
		const expected = singleReader(selection, 'jsonl', {}, 1);
		const reader = openReader(db);
		const open = { file, selection, record: recordSql('jsonl', {})!, layout: recordLayout('jsonl')! };
		const second = SecondReaderThread.start({ url: new URL('./no-such-module.js', SECOND_READER_THREAD_URL).href, entry: 'serveSecondReader' }, open, () => true)!;
		expect(settled(second)).toBe(false);
		expect(fileOf('jsonl', selectRecordBlocks(reader.client, selection, open.record, open.layout, 1, second))).toBe(expected);
		reader.close();
	});

	it('startExport of a large dataset: the same file and manifest with the second reader as without', async () => {
		await exportThreadsResolved();
		const datasetId = await importRows(3000);
		const run = (request: ExportRequest, options: StartOptions) => {
			const stream = startExport(request, db, options);
			const bytes = Buffer.concat([...stream.chunks()]);
			return { bytes, manifest: stream.manifest(), threads: stream.readThreads() };
		};
		for (const [format, options] of FORMATS) {
			const request = { datasetId, filters: parseWhere(['kept']), format, options };
			const one = run(request, { threadedFrom: Infinity });
			const two = run(request, { threadedFrom: 0 });
			expect(one.threads).toBe(1);
			expect(two.bytes.equals(one.bytes), format).toBe(true);
			expect({ ...two.manifest, createdAt: '' }).toEqual({ ...one.manifest, createdAt: '' });
		}
	});
});
