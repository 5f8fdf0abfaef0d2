import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hash, randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { db, transaction, type Db } from '../db';
import { imports, type AppendState, type TaskOrigin } from '../db/tables';
import { config } from '../config';
import {
	parseImport,
	parseTaskFiles,
	assertImportable,
	ImportError,
	modelNameFromFileName,
	normalizeWhitespace,
	type FormatId,
	type ParsedRecord,
	type ParsedTask
} from '$lib/formats';
import { clipLine } from '$lib/text/clip';
import { findDatasetByName, assertDatasetWritable, assertNameIsNoId, validateDatasetName, DatasetError, receivingImport } from './datasets';
import { bulkPause, bulkWriteBudget, retryBulkWhenBusy, writerWaitedWithin } from '../db/busy';
import { BULK_BATCH_ROWS, appendMarks, importOwner, placeholderName, removeImportingDataset, rollBackAppend } from './importing';
import type { Statement } from 'better-sqlite3';
import { RowWriter } from './rows';
import { ShapeRowWriter, conversationFingerprint, type PlacedRecord, type ShapeRowCounts } from './shape-rows';
import { ShardedMap, ShardedSet } from '$lib/collections/sharded';

export interface ImportOptions {
	/** Dataset to import into; created if it does not exist. */
	datasetName: string;
	fileName: string;
	format?: FormatId | 'auto';
	/** For prediction files: the model name; taken from the file name when absent. */
	modelName?: string | null;
	/** How the imported tasks are labelled: seed tasks for a generation run, or imported data. */
	origin?: Extract<TaskOrigin, 'seed' | 'imported'>;
	createdBy?: number | null;
	onProgress?: (progress: ImportProgress) => void;
	/** Overrides the configured size limit (bytes). */
	maxBytes?: number;
	/** Overrides the configured largest record (characters). */
	maxRecordChars?: number;
	/** Rows per write transaction (default BULK_BATCH_ROWS). */
	batchRows?: number;
	/** Stops the import between records and batches (Ctrl-C on the CLI): it fails with the signal's reason and takes back what it wrote. */
	signal?: AbortSignal;
}

export interface ImportProgress {
	phase: 'reading' | 'writing' | 'done';
	bytesRead: number;
	records: number;
}

export interface ImportSummary {
	importId: number;
	datasetId: number;
	datasetName: string;
	datasetCreated: boolean;
	fileName: string;
	format: FormatId;
	modelName: string | null;
	bytes: number;
	records: number;
	tasksAdded: number;
	instancesAdded: number;
	formulationsAdded: number;
	responsesAdded: number;
	/** SuperNI positive and negative examples. */
	examplesAdded: number;
	conversationsAdded: number;
	turnsAdded: number;
	pairsAdded: number;
	/**
	 * Records' rows left out as exact repeats of an earlier one, counted in `duplicatesOf` (one
	 * unit per format, so records read = records imported + duplicates for one-per-record formats).
	 */
	skippedDuplicates: number;
	duplicatesOf: DuplicateUnit;
	/** What makes a row a duplicate, in words (shown beside the count). */
	duplicatesRule: string;
	/** Things the reader should know that are not problems (each names its lines). */
	notices: string[];
	/** Files read (a folder of SuperNI task files counts each). */
	files: number;
	durationMs: number;
}

export type DuplicateUnit = 'instances' | 'responses' | 'conversations' | 'pairs';

/** The unit a format's duplicates are counted in, and what makes one. */
function duplicateUnit(format: FormatId): { unit: DuplicateUnit; rule: string } {
	if (format === 'predictions') return { unit: 'responses', rule: "the same model's response to the same instance as an earlier one" };
	if (format === 'sharegpt' || format === 'chat') return { unit: 'conversations', rule: 'the same turns, word for word, as an earlier conversation' };
	if (format === 'comparison') return { unit: 'pairs', rule: 'the same prompt and responses as an earlier pair' };
	return { unit: 'instances', rule: 'the same instruction, input and output, character for character, and the same id and other fields, as an earlier instance' };
}

/** Lines of the records something applies to: counted, the first few named. */
class LineTally {
	count = 0;
	private readonly lines: string[] = [];
	add(place: string): void {
		this.count++;
		if (this.lines.length < 10) this.lines.push(place);
	}
	/** "line 3, line 7 and 2 more" */
	places(): string {
		const more = this.count - this.lines.length;
		return this.lines.join(', ') + (more > 0 ? ` and ${more} more` : '');
	}
}

function placeOf(record: ParsedRecord): string {
	const loc = record.location;
	return loc.index !== undefined ? `item ${loc.index} (line ${loc.line})` : `line ${loc.line}`;
}

/** One file of a multi-file import (a folder of SuperNI task files). */
export interface ImportSource {
	fileName: string;
	source: AsyncIterable<Uint8Array>;
}

export { ImportError };

/**
 * Imports one file into a dataset, all or nothing as anyone sees it, in short write
 * transactions (writeBatches). Into a new dataset the records are written as they are read,
 * into a dataset nobody sees until the last commit, and a bad record anywhere removes what was
 * written; into an existing one they are read and checked whole first (stageThenAppend), then
 * written while the dataset is closed ('appending'), and a failure takes the rows back
 * (rollBackAppend). Either way nobody ever sees half a file.
 */
export async function importFile(
	source: AsyncIterable<Uint8Array>,
	options: ImportOptions,
	database: Db = db()
): Promise<ImportSummary> {
	return importSources([{ fileName: options.fileName, source }], options, database);
}

/**
 * Imports several files as one, all or nothing: a folder of SuperNI task files (one task per
 * file). `options.fileName` names the whole (the folder); each error names its own file.
 */
export async function importFiles(files: ImportSource[], options: ImportOptions, database: Db = db()): Promise<ImportSummary> {
	if (files.length === 0) throw new ImportError(`${options.fileName}: the folder holds no .json task files.`, { file: options.fileName });
	return importSources(files, options, database, true);
}

async function importSources(files: ImportSource[], options: ImportOptions, database: Db, folder = false): Promise<ImportSummary> {
	const started = performance.now();
	try {
		validateDatasetName(options.datasetName);
	} catch (err) {
		if (err instanceof DatasetError) throw new ImportError(err.message, { file: options.fileName, field: 'dataset' });
		throw err;
	}
	const totals = { bytes: 0, records: 0 };
	let format: FormatId | undefined;
	let bytesBefore = 0;
	let currentFile = files[0].fileName;
	const parseOptions = {
		format: folder && (!options.format || options.format === 'auto') ? ('superni' as const) : (options.format ?? 'auto'),
		maxBytes: options.maxBytes ?? config().maxImportBytes,
		maxRecordChars: options.maxRecordChars ?? config().maxRecordChars,
		onFormat: (f: FormatId) => {
			assertImportable(f, currentFile);
			if (format && f !== format) {
				throw new ImportError(`${currentFile}: this file is ${f}, the files before it ${format}; one import holds one format.`, { file: currentFile });
			}
			format = f;
		},
		onProgress: (bytes: number) => {
			totals.bytes = bytesBefore + bytes;
		}
	};
	async function* allRecords(): AsyncGenerator<ParsedRecord> {
		if (!folder) {
			yield* parseImport(files[0].source, { ...parseOptions, fileName: files[0].fileName });
			return;
		}
		for (const file of files) {
			currentFile = file.fileName;
			bytesBefore = totals.bytes;
			for await (const { record } of parseTaskFiles([file], parseOptions)) yield record;
		}
	}
	const existing = findDatasetByName(options.datasetName, database);
	if (!existing) {
		try {
			assertNameIsNoId(options.datasetName);
		} catch (err) {
			if (err instanceof DatasetError) throw new ImportError(`${options.fileName}: ${err.message}`, { file: options.fileName, field: 'dataset' });
			throw err;
		}
	}
	const busy = existing ? undefined : receivingImport({ name: options.datasetName }, database);
	if (busy) throw new ImportError(`${options.fileName}: ${busy}`, { file: options.fileName, field: 'dataset' });
	// Into an existing dataset: read and checked whole first (staged), then written in batches
	// while the dataset is closed. Into a new one: written as it is read, in short batches into a
	// dataset nobody sees until the last commit; a bad record further on removes what the batches
	// wrote, so the outcome is the same (nothing imported) without reading every record twice.
	const phase = existing ? 'reading' : 'writing';
	let lastReport = 0;
	async function* counted(): AsyncGenerator<ParsedRecord> {
		for await (const record of allRecords()) {
			options.signal?.throwIfAborted();
			totals.records++;
			if (options.onProgress && totals.records - lastReport >= 2000) {
				lastReport = totals.records;
				options.onProgress({ phase, bytesRead: totals.bytes, records: totals.records });
			}
			yield record;
		}
	}
	const reading: FileReading = {
		format: () => format,
		totals,
		noRecords: () => new ImportError(`${options.fileName}: the file holds no records.`, { file: options.fileName })
	};
	const summary = existing
		? await stageThenAppend(counted(), reading, options, database)
		: await writeBatches(counted(), reading, options, database);
	summary.files = files.length;
	summary.durationMs = Math.round(performance.now() - started);
	database.$client.prepare<[number, number]>('UPDATE imports SET duration_ms = ? WHERE id = ?').run(summary.durationMs, summary.importId);
	options.onProgress?.({ phase: 'done', bytesRead: totals.bytes, records: totals.records });
	return summary;
}

/** What the writers learn from the file as it is read. */
interface FileReading {
	/** The file's format, known once its first record is read. */
	format(): FormatId | undefined;
	/** Bytes and records read so far (the whole file's at the end). */
	totals: { bytes: number; records: number };
	noRecords(): ImportError;
}

/**
 * An import into an existing dataset: every record is read and checked into a staging file
 * first, so a bad record fails the import before the database is touched (the dataset stays
 * open meanwhile); then the staged records are written in batches while the dataset is closed.
 */
async function stageThenAppend(
	records: AsyncIterable<ParsedRecord>,
	{ format, totals, noRecords }: FileReading,
	options: ImportOptions,
	database: Db
): Promise<ImportSummary> {
	const stagingPath = path.join(os.tmpdir(), `instruct-audit-import-${process.pid}-${randomUUID()}.ndjson`);
	const staging = fs.openSync(stagingPath, 'w');
	// Closed exactly once: by the time of a second close its number may be another open file's
	// (SQLite's database or log, a worker's read), and closing that drops the process's locks.
	let stagingOpen = true;
	const closeStaging = () => {
		if (!stagingOpen) return;
		stagingOpen = false;
		fs.closeSync(staging);
	};
	try {
		const buffered: string[] = [];
		let bufferedLength = 0;
		const flushStaging = () => {
			if (!buffered.length) return;
			fs.writeSync(staging, buffered.join(''));
			buffered.length = 0;
			bufferedLength = 0;
		};
		for await (const record of records) {
			const line = JSON.stringify(record) + '\n';
			buffered.push(line);
			bufferedLength += line.length;
			if (bufferedLength > 1 << 20) flushStaging();
		}
		flushStaging();
		closeStaging();
		const staged = format();
		if (totals.records === 0 || !staged) throw noRecords();
		options.onProgress?.({ phase: 'writing', bytesRead: totals.bytes, records: 0 });
		const existing = findDatasetByName(options.datasetName, database);
		if (!existing) throw datasetGone(options, database);
		assertDatasetWritable(existing);
		return await writeBatches(readStaged(stagingPath), { format: () => staged, totals, noRecords }, options, database, existing.id);
	} finally {
		closeStaging();
		fs.rmSync(stagingPath, { force: true });
	}
}

/** Yields the staged records back, one line at a time, without reading the file whole. */
function* readStaged(file: string): Generator<ParsedRecord> {
	const fd = fs.openSync(file, 'r');
	try {
		const chunk = Buffer.allocUnsafe(1 << 20);
		// A chunk may end inside a character: the decoder keeps its first bytes for the next chunk
		// (decoding each chunk alone turned such a character into two U+FFFD).
		const decoder = new StringDecoder('utf8');
		let rest = '';
		for (;;) {
			const n = fs.readSync(fd, chunk, 0, chunk.length, null);
			if (n === 0) break;
			const text = rest + decoder.write(chunk.subarray(0, n));
			const lines = text.split('\n');
			rest = lines.pop() ?? '';
			for (const line of lines) if (line) yield JSON.parse(line) as ParsedRecord;
		}
		rest += decoder.end();
		if (rest) yield JSON.parse(rest) as ParsedRecord;
	} finally {
		fs.closeSync(fd);
	}
}

function fingerprint(...parts: string[]): string {
	// crypto.hash: one call, a third cheaper than createHash for short texts (same digest).
	return hash('sha1', parts.join('\u0000'), 'base64');
}

/**
 * What makes two instances of a task the same: input and output, and the id, reference outputs
 * and other fields a row kept with its instance (as the instances table stores them, JSON text),
 * so a row with another id or source is an instance of its own, not a duplicate whose id and
 * fields are dropped. The common instance has none of them and hashes its text alone.
 */
function instanceFingerprint(input: string, output: string, sourceId: string | null, referenceOutputs: string | null, metadata: string | null): string {
	if (sourceId === null && referenceOutputs === null && metadata === null) return fingerprint(input, output);
	return fingerprint(input, output, JSON.stringify([sourceId, referenceOutputs, metadata]));
}

/**
 * A staged record with its keys and content hashes worked out: done before a batch's
 * transaction begins, so the write lock is held only for the inserts.
 */
interface PreparedRecord {
	record: ParsedRecord;
	/**
	 * The instruction exactly as written: the task key. Instructions that differ only in spacing
	 * are different tasks (line breaks and indentation are content in code and list tasks), so no
	 * record's text is ever replaced by another's.
	 */
	instructionKey: string;
	/** Per instance: hash of input + output, and the input (the prompt key's half). */
	instances: { hash: string; inputKey: string }[];
	formulationInputKeys: string[];
	/** Responses: the input and the response's hash. */
	inputKey: string;
	responseHash: string;
	/** A conversation's identity (conversationFingerprint), for the duplicate check. */
	conversationKey?: string;
	rows: number;
}

function prepareRecord(record: ParsedRecord): PreparedRecord {
	const instructionKey = record.instruction;
	if (record.kind === 'response') {
		return { record, instructionKey, instances: [], formulationInputKeys: [], inputKey: record.input, responseHash: fingerprint(record.response), rows: 1 };
	}
	if (record.kind === 'pair') return { record, instructionKey, instances: [], formulationInputKeys: [], inputKey: '', responseHash: '', rows: 1 };
	const instances = record.instances.map((i) => ({
		hash: instanceFingerprint(i.input, i.output, i.sourceId ?? null, i.outputs && i.outputs.length > 1 ? JSON.stringify(i.outputs) : null, i.metadata ? JSON.stringify(i.metadata) : null),
		inputKey: i.input
	}));
	const formulationInputKeys = (record.formulations ?? []).map((f) => f.input);
	const conversationKey = record.conversation ? conversationFingerprint(record.conversation.turns) : undefined;
	// A conversation's turns count as rows: they are most of what its batch writes.
	const rows = 1 + instances.length + formulationInputKeys.length + (record.conversation?.turns.length ?? 0);
	return { record, instructionKey, instances, formulationInputKeys, inputKey: '', responseHash: '', conversationKey, rows };
}

/** The longest a batch goes on inserting before it commits, whatever its row count (ms). */
export const BATCH_MAX_WRITE_MS = 50;
/**
 * The least time between two batches of an import with the write lock free, while other writers
 * want it. It is spent reading the next records; only what is left of it is spent asleep.
 * (Checkpoints run in a thread of their own: db/checkpoints.ts.)
 */
const BATCH_PAUSE_MS = 25;
/**
 * Writers that found the lock taken this recently (db/busy markWaitingWriter: requests and bulk
 * jobs, in any process) keep the pauses on. Otherwise nobody is waiting, and a pause would only
 * idle: on a million-row import alone they were 15 s of 52 (1,000 batches). A writer that comes
 * meanwhile marks itself, the batch in progress commits after BULK_MIN_WRITE_MS, and the pauses
 * are back from the next batch.
 */
const PAUSE_WHILE_WAITED_WITHIN_MS = 2000;
/**
 * Between batches with nobody waiting: one turn of the event loop (this process's timers, such
 * as the heartbeat, and its I/O, such as requests, run before the next batch). setImmediate
 * rather than a 1 ms timer: the timer idled at least 1 ms a batch, a second over 1,000 batches.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The most records read ahead of a batch. Records held across a batch's awaits outlive V8's young
 * generation: at 5,000 (10,000 rows of a flat file) the server's peak memory rose by 70–80 MB
 * during an upload; at 1,000 it did not rise.
 */
const BATCH_MAX_RECORDS = 1000;

/** How often a new dataset's import that is waiting for its file says it is alive. */
const HEARTBEAT_EVERY_MS = 60_000;

function where(fileName: string, record: ParsedRecord): string {
	return `${fileName}: ${placeOf(record)}`;
}

/** Options of one import as the writer needs them. */
type WriteOptions = ImportOptions & { bytes: number; records: number; batchRows?: number; appendTo?: number };

/** The dataset a file was being added to is no longer open: another import took it, or it was deleted. */
function datasetGone(options: ImportOptions, database: Db): ImportError {
	const busy = receivingImport({ name: options.datasetName }, database);
	return new ImportError(
		busy ? `${options.fileName}: ${busy}` : `The dataset "${options.datasetName}" was deleted while ${options.fileName} was being read; nothing was imported.`,
		{ file: options.fileName, field: 'dataset' }
	);
}

/**
 * An import's writes: short batches (up to `batchRows` rows, and no longer than
 * BATCH_MAX_WRITE_MS) into an *importing* dataset that nobody sees until the last commit names it
 * and flips it to ready, or into an existing dataset (`appendTo`) closed as *appending* until the
 * last commit opens it again. Between two batches the lock is free while the next records are
 * read and hashed, and for at least BATCH_PAUSE_MS. A failure anywhere (a bad record late in the
 * file included) removes what the batches wrote.
 */
async function writeBatches(
	records: AsyncIterator<ParsedRecord> | Iterator<ParsedRecord>,
	{ format, totals, noRecords }: FileReading,
	options: ImportOptions,
	database: Db,
	appendTo?: number
): Promise<ImportSummary> {
	let writer: StagedWriter | undefined;
	let heartbeat: ReturnType<typeof setInterval> | undefined;
	const batchRows = options.batchRows ?? BULK_BATCH_ROWS;
	try {
		let done = false;
		const pending: PreparedRecord[] = [];
		let pendingRows = 0;
		let committedAt = performance.now();
		while (!done || pending.length) {
			options.signal?.throwIfAborted();
			// Reading, parsing and hashing happen here, outside the transaction.
			while (!done && pendingRows < batchRows && pending.length < BATCH_MAX_RECORDS) {
				const next = await records.next();
				if (next.done) done = true;
				else {
					const prepared = prepareRecord(next.value);
					pending.push(prepared);
					pendingRows += prepared.rows;
				}
			}
			// Reading may have waited long for input (a pipe, a FIFO): a Ctrl-C meanwhile stops here,
			// before anything more is written or committed.
			options.signal?.throwIfAborted();
			if (!writer) {
				const known = format();
				if (!pending.length || !known) throw noRecords();
				const opened = new StagedWriter(database, known, { ...options, bytes: totals.bytes, records: totals.records, appendTo });
				// The keys of what the dataset holds are read first, without the lock.
				if (appendTo !== undefined) opened.preload(appendTo);
				await retryBulkWhenBusy(database.$client, () => transaction(database, () => opened.open(), 'import'));
				writer = opened;
				// The file may arrive slowly (an upload, a pipe): the heartbeat goes on between batches.
				heartbeat = setInterval(() => void retryBulkWhenBusy(database.$client, () => opened.heartbeat()).catch(() => {}), HEARTBEAT_EVERY_MS);
				heartbeat.unref();
			} else {
				// While other writers want the lock, leave it free for at least BATCH_PAUSE_MS since
				// the last commit (reading the records above counts), so writers waiting in other
				// processes (reviewers' submits, bulk jobs) get their turn rather than racing the next batch.
				if (writerWaitedWithin(database.$client, PAUSE_WHILE_WAITED_WITHIN_MS)) {
					await bulkPause(database.$client, Math.max(5, BATCH_PAUSE_MS - (performance.now() - committedAt)));
				} else await nextTurn();
			}
			const batchWriter = writer;
			await retryBulkWhenBusy(database.$client, () => transaction(
				database,
				() => {
					// Up to batchRows rows, but no longer than BATCH_MAX_WRITE_MS (less when a request
					// waits for the lock): on a loaded machine the batch shrinks rather than the lock
					// hold growing.
					const spent = bulkWriteBudget(database.$client, BATCH_MAX_WRITE_MS);
					let written = 0;
					while (written < pending.length) {
						pendingRows -= pending[written].rows;
						batchWriter.write(pending[written++]);
						if ((written & 63) === 0 && spent()) break;
					}
					pending.splice(0, written);
					batchWriter.endBatch();
				},
				'import'
			));
			options.onProgress?.({ phase: 'writing', bytesRead: totals.bytes, records: batchWriter.recordsWritten });
			committedAt = performance.now();
		}
		const last = writer!;
		last.setTotals(totals.bytes, totals.records);
		// The commit that names the dataset (or opens it again) never follows a Ctrl-C.
		return await retryBulkWhenBusy(database.$client, () =>
			transaction(
				database,
				() => {
					options.signal?.throwIfAborted();
					return last.finish();
				},
				'import'
			)
		);
	} catch (err) {
		records.return?.(undefined);
		if (writer) {
			try {
				if (writer.created) await removeImportingDataset(writer.datasetId, database);
				else await rollBackAppend(writer.datasetId, database);
			} catch (cleanup) {
				console.error('Removing the failed import failed (the next start removes it):', cleanup);
			}
		}
		if (err instanceof Error && (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && !(err instanceof ImportError)) {
			throw new ImportError(`A dataset named "${options.datasetName}" was created while ${options.fileName} was importing; nothing was imported.`, {
				file: options.fileName,
				field: 'dataset'
			});
		}
		throw err;
	} finally {
		clearInterval(heartbeat);
	}
}

/**
 * A task of the dataset as an import knows it: its id, its classification, and its instances by
 * content hash (input + output), so a record whose instance is a duplicate still links to it.
 * The first instance is held in the task itself: most tasks have one, and a map per task — or
 * one map keyed by task and hash — cost a million entries in a million-row import.
 */
class KnownTask {
	private firstHash: string | null = null;
	private firstInstance = 0;
	private moreInstances: Map<string, number> | null = null;

	/** Tasks found by their source id: the instruction and where it was read (else in the dataset already). */
	instruction?: string;
	name?: string | null;
	metadata?: Record<string, unknown> | null;
	location?: string;

	constructor(
		readonly id: number,
		public isClassification: number | null
	) {}

	/** The instance with this content hash, if the task has one. */
	instance(hash: string): number | undefined {
		if (this.firstHash === hash) return this.firstInstance;
		return this.moreInstances?.get(hash);
	}

	/** The instance with this content hash is `id` (the last one given wins, as in a map). */
	rememberInstance(hash: string, id: number): void {
		if (this.firstHash === null || this.firstHash === hash) {
			this.firstHash = hash;
			this.firstInstance = id;
		} else {
			(this.moreInstances ??= new Map()).set(hash, id);
		}
	}
}

type PromptMatch = { taskId: number; instanceId: number };

/** File names that name no model (a predictions file so named needs the model given). */
const GENERIC_FILE_NAMES = new Set(['predictions', 'prediction', 'preds', 'responses', 'response', 'outputs', 'output', 'results', 'data', 'generations', 'completions']);

const promptKey = (instruction: string, input: string) => `${instruction}\u0000${input}`;

/** The per-record work of an import, kept across its transactions. */
class StagedWriter {
	datasetId = 0;
	recordsWritten = 0;
	private dataset!: { id: number; name: string };
	/** Whether this import made its dataset (else it adds rows to one, closed meanwhile). */
	created = false;
	// Classification learned for the dataset's older tasks: set by the last transaction, so a
	// failed import leaves them as they were.
	private readonly classificationOfOlderTasks = new Map<number, number>();
	private olderTasksUpTo = 0;
	private importId = 0;
	private modelName: string | null = null;
	private now = Date.now();
	private rows!: RowWriter;
	// The dataset's tasks, by join key. A record carrying its own task id (Self-Instruct task
	// files) is that task; rows without one (Alpaca, 82K) join the task with the same
	// instruction, as the papers' per-instance files intend. Two maps, so the instruction itself
	// is the key (no prefixed copy of every instruction).
	// (Sharded: a Map past a million keys grows in one pause of 0.3–0.5 s, see collections/sharded.)
	private readonly taskBySource = new ShardedMap<KnownTask>();
	private readonly taskByInstruction = new ShardedMap<KnownTask>();
	/** The existing tasks by id, while their instances are loaded (an append's two loadExisting calls). */
	private readonly existingTasks = new Map<number, KnownTask>();
	// The instructions of the tasks, spacing aside, to tell a prediction whose instruction is unknown
	// from one whose input is (only imports that look instances up by prompt keep them).
	private readonly instructionKeys = new ShardedSet();
	// Instruction + input → instance: how prediction rows find the task and instance they answer,
	// exactly as written; failing that, spacing aside when only one prompt matches that way (null:
	// several do), and the summary names the records matched so.
	private readonly instanceByPrompt = new ShardedMap<PromptMatch>();
	private readonly instanceByLoosePrompt = new ShardedMap<{ match: PromptMatch; exact: string } | null>();
	private readonly matchedSpacingAside = new LineTally();
	/** Fields the records carry that have no place to be kept, by name: the records that had each. */
	private readonly unkeptFields = new Map<string, LineTally>();
	private readonly identicalPairs = new LineTally();
	private readonly pairsSharingAPrompt = new LineTally();
	private readonly targetsDiffering = new LineTally();
	private readonly tasksWithoutInstances = new LineTally();
	private readonly classificationConflicts = new LineTally();
	private readonly conversationWarnings = new LineTally();
	private modelFromFileName = false;
	private instanceOutput!: Statement<[number], string>;
	/**
	 * Whether this import looks instances up by prompt: predictions, reformulations (Unnatural) and
	 * pairs do; plain instance and task files do not, and keeping a million prompts as keys cost a
	 * few hundred MB of a 1M-row import's memory.
	 */
	private get keepPrompts(): boolean {
		return this.format !== 'instances' && this.format !== 'self-instruct-tasks' && this.format !== 'prompt-completion';
	}
	private readonly seenResponses = new ShardedSet();
	private setClassification!: Statement;
	private tasksAdded = 0;
	private instancesAdded = 0;
	private formulationsAdded = 0;
	private responsesAdded = 0;
	private skippedDuplicates = 0;
	// The extra rows of the richer shapes (examples, turns, pairs), written at the end of each
	// batch once the batch's tasks and instances have ids.
	private shapeWriter!: ShapeRowWriter;
	private readonly shapeCounts: ShapeRowCounts = { examples: 0, instancesDescribed: 0, conversations: 0, turns: 0, duplicateConversations: 0, pairs: 0, duplicatePairs: 0 };
	private placed: (PlacedRecord & { sharesPrompt?: boolean })[] = [];
	/** Bytes and records of the file: known when it has been read (a new dataset's import writes while reading). */
	private totals: { bytes: number; records: number };

	constructor(
		private readonly database: Db,
		private readonly format: FormatId,
		private readonly options: WriteOptions
	) {
		this.totals = { bytes: options.bytes, records: options.records };
	}

	setTotals(bytes: number, records: number): void {
		this.totals = { bytes, records };
	}

	/** Up to which row id of the dataset's tasks / instances / responses the keys are loaded. */
	private loadedUpTo = { tasks: 0, instances: 0, responses: 0 };

	/**
	 * Before the write transaction of an import into an existing dataset: loads the keys of the
	 * rows it has (one read snapshot, no lock held), so the transaction only reads rows added since.
	 */
	preload(datasetId: number): void {
		this.database.$client.transaction(() => this.loadExisting(datasetId)).deferred();
	}

	/** The keys of the dataset's rows not loaded yet: tasks by join key, instances by content and prompt, this model's responses. */
	private loadExisting(datasetId: number): void {
		const client = this.database.$client;
		const from = this.loadedUpTo;
		const upTo = (table: string) => (client.prepare<[number], number>(`SELECT coalesce(max(id), 0) FROM ${table} WHERE dataset_id = ?`).pluck().get(datasetId)!);
		const until = { tasks: upTo('tasks'), instances: upTo('instances'), responses: upTo('responses') };
		for (const row of client
			.prepare<[number, number, number], { id: number; instruction: string; sourceId: string | null; name: string | null; metadata: string | null; c: number | null }>(
				'SELECT id, instruction, source_id AS sourceId, name, metadata, is_classification AS c FROM tasks WHERE dataset_id = ? AND id > ? AND id <= ? ORDER BY id'
			)
			.iterate(datasetId, from.tasks, until.tasks)) {
			const task = new KnownTask(row.id, row.c);
			this.existingTasks.set(row.id, task);
			const byKey = row.sourceId ? this.taskBySource : this.taskByInstruction;
			const key = row.sourceId || row.instruction;
			if (row.sourceId) {
				task.instruction = row.instruction;
				task.name = row.name;
				task.metadata = row.metadata ? (JSON.parse(row.metadata) as Record<string, unknown>) : null;
			}
			if (!byKey.has(key)) byKey.set(key, task);
			if (this.keepPrompts) this.instructionKeys.add(normalizeWhitespace(row.instruction));
		}
		for (const row of client
			.prepare<[number, number, number], { id: number; t: number; key: string; input: string; output: string; sourceId: string | null; refs: string | null; metadata: string | null }>(
				`SELECT i.id, i.task_id AS t, t.instruction AS key, i.input, i.output, i.source_id AS sourceId, i.reference_outputs AS refs, i.metadata
				 FROM instances i JOIN tasks t ON t.id = i.task_id WHERE i.dataset_id = ? AND i.id > ? AND i.id <= ? ORDER BY i.id`
			)
			.iterate(datasetId, from.instances, until.instances)) {
			this.existingTasks.get(row.t)?.rememberInstance(instanceFingerprint(row.input, row.output, row.sourceId, row.refs, row.metadata), row.id);
			if (this.keepPrompts) this.rememberPrompt(row.key, row.input, { taskId: row.t, instanceId: row.id });
		}
		const modelName = this.format === 'predictions' ? this.predictionsModel() : null;
		if (modelName) {
			for (const row of client
				.prepare<[number, string, number, number], { t: number; i: number | null; response: string }>('SELECT task_id AS t, instance_id AS i, response FROM responses WHERE dataset_id = ? AND model = ? AND id > ? AND id <= ?')
				.iterate(datasetId, modelName, from.responses, until.responses)) {
				this.seenResponses.add(`${row.t}:${row.i}:${fingerprint(row.response)}`);
			}
		}
		this.loadedUpTo = until;
	}

	/**
	 * The model a predictions file answers for: as given, else from the file name
	 * ("davinci_predictions.jsonl" → davinci; the summary says so), and asked for when the file
	 * name names no model ("predictions.jsonl" would make a model called "predictions").
	 */
	private predictionsModel(): string {
		const given = this.options.modelName?.trim();
		if (given) return given;
		const fromFile = modelNameFromFileName(this.options.fileName);
		if (GENERIC_FILE_NAMES.has(fromFile.toLowerCase())) {
			throw new ImportError(
				`${this.options.fileName}: the file name does not name a model, so the responses' model is unknown; give the model name (--model, or "Model name" on the import page), or name the file after the model (e.g. davinci_predictions.jsonl).`,
				{ file: this.options.fileName, field: 'model' }
			);
		}
		this.modelFromFileName = true;
		return fromFile;
	}

	/** The instance a prompt (instruction + input) names, for records that answer one. */
	private rememberPrompt(instruction: string, input: string, match: PromptMatch): void {
		const exact = promptKey(instruction, input);
		if (this.instanceByPrompt.has(exact)) return;
		this.instanceByPrompt.set(exact, match);
		const loose = promptKey(normalizeWhitespace(instruction), normalizeWhitespace(input));
		const known = this.instanceByLoosePrompt.get(loose);
		if (known === undefined) this.instanceByLoosePrompt.set(loose, { match, exact });
		else if (known !== null && known.exact !== exact) this.instanceByLoosePrompt.set(loose, null);
	}

	/**
	 * The instance of this prompt: exactly as written, else spacing aside when that finds one
	 * (`loose`), else none; `ambiguous` when spacing aside several prompts match.
	 */
	private findPrompt(instruction: string, input: string): { match: PromptMatch; loose: boolean } | { match: null; ambiguous: boolean } {
		const exact = this.instanceByPrompt.get(promptKey(instruction, input));
		if (exact) return { match: exact, loose: false };
		const loose = this.instanceByLoosePrompt.get(promptKey(normalizeWhitespace(instruction), normalizeWhitespace(input)));
		if (loose) return { match: loose.match, loose: true };
		return { match: null, ambiguous: loose === null };
	}

	/** Inside the first transaction: the dataset (an importing placeholder when new), the import row, the existing keys. */
	open(): void {
		const { database, options, format } = this;
		const client = database.$client;
		const existing = findDatasetByName(options.datasetName, database);
		// Read whole to be added to a dataset that another import has since closed (or that was deleted).
		if (options.appendTo !== undefined && existing?.id !== options.appendTo) throw datasetGone(options, database);
		if (existing) {
			this.dataset = assertDatasetWritable(existing);
		} else {
			const name = validateDatasetName(options.datasetName);
			const id = Number(
				client
					.prepare<[string, number, number | null, string, number]>(
						`INSERT INTO datasets (name, description, created_at, created_by, status, import_owner, import_heartbeat_at)
						 VALUES (?, '', ?, ?, 'importing', ?, ?)`
					)
					.run(placeholderName(randomUUID()), this.now, options.createdBy ?? null, importOwner(), Date.now()).lastInsertRowid
			);
			this.dataset = { id, name };
			this.created = true;
		}
		this.datasetId = this.dataset.id;
		this.modelName = format === 'predictions' ? this.predictionsModel() : null;
		this.importId = database
			.insert(imports)
			.values({
				datasetId: this.dataset.id,
				fileName: options.fileName,
				format,
				modelName: this.modelName,
				bytes: options.bytes,
				records: options.records,
				createdAt: new Date(this.now),
				createdBy: options.createdBy ?? null
			})
			.returning({ id: imports.id })
			.get().id;
		if (!this.created) {
			// Closed while the batches write (every lookup wants 'ready'); the marks say which rows
			// a failed import must take back.
			const state: AppendState = { importId: this.importId, after: appendMarks(database) };
			this.olderTasksUpTo = state.after.tasks ?? 0;
			client
				.prepare<[string, number, string, number]>(
					`UPDATE datasets SET status = 'appending', import_owner = ?, import_heartbeat_at = ?, append_state = ? WHERE id = ? AND status = 'ready'`
				)
				.run(importOwner(), Date.now(), JSON.stringify(state), this.dataset.id);
		}
		this.rows = new RowWriter(database, { batched: true });
		this.shapeWriter = new ShapeRowWriter(database);
		// The dataset's existing keys: read before the write transaction by preload() when it ran,
		// so only rows added since are read here, with the lock held.
		if (!this.created) {
			this.loadExisting(this.dataset.id);
			this.existingTasks.clear(); // the last load: tasks are found by key from here on
		}
		this.setClassification = client.prepare<[number, number]>('UPDATE tasks SET is_classification = ? WHERE id = ?');
		this.instanceOutput = client.prepare<[number], string>('SELECT output FROM instances WHERE id = ?').pluck();
	}

	/** Writes one record; returns how many rows it added (the batch size counts these). */
	write(prepared: PreparedRecord): number {
		const { options, dataset, importId, now } = this;
		const { record, instructionKey } = prepared;
		const writer = this.rows;
		this.recordsWritten++;
		if (record.kind !== 'pair' && record.unkeptFields) {
			for (const name of new Set(record.unkeptFields.map((field) => field.replace(/\[\d+\]/g, '[]')))) {
				let tally = this.unkeptFields.get(name);
				if (!tally) this.unkeptFields.set(name, (tally = new LineTally()));
				tally.add(placeOf(record));
			}
		}
		if (record.kind === 'response') {
			const found = this.findPrompt(instructionKey, prepared.inputKey);
			const match = found.match;
			if (!match) {
				const field = this.instructionKeys.has(normalizeWhitespace(instructionKey)) ? 'input' : 'instruction';
				const detail =
					'ambiguous' in found && found.ambiguous
						? `no instance of dataset "${dataset.name}" has exactly this instruction and input, and several do when spacing is ignored; write them as the tasks file does.`
						: field === 'instruction'
						? `no task in dataset "${dataset.name}" has this instruction ("${clip(record.instruction)}"). Import the tasks file into this dataset first.`
						: `the task "${clip(record.instruction)}" has no instance with this input ("${clip(record.input)}").`;
				throw new ImportError(`${where(options.fileName, record)}: field "${field}": ${detail}`, {
					file: options.fileName,
					line: record.location.line,
					index: record.location.index,
					field
				});
			}
			if ('loose' in found && found.loose) this.matchedSpacingAside.add(placeOf(record));
			// The target is the reference the predictions were scored against: one that is not the
			// instance's output is said (the instance keeps its own).
			if (record.target != null && record.target !== this.instanceOutput.get(match.instanceId)) this.targetsDiffering.add(placeOf(record));
			const fp = `${match.taskId}:${match.instanceId}:${prepared.responseHash}`;
			if (this.seenResponses.has(fp)) {
				this.skippedDuplicates++;
				return 0;
			}
			this.seenResponses.add(fp);
			writer.insertResponse(
				{
					taskId: match.taskId,
					instanceId: match.instanceId,
					datasetId: dataset.id,
					model: this.modelName!,
					response: record.response,
					prompt: record.prompt ?? null,
					importId
				},
				now
			);
			this.responsesAdded++;
			return 1;
		}

		if (record.kind === 'pair') {
			// A pair joins the task with its instruction, and the instance with its input; a new
			// instance gets the preferred response as its output (a tie or no verdict: none made).
			let rows = 0;
			const { task, created } = this.findOrCreateTask(record, instructionKey);
			if (created) rows++;
			let instanceId = this.instanceByPrompt.get(promptKey(instructionKey, record.input))?.instanceId ?? null;
			// A prompt has one instance: a later pair's preferred response is kept with its pair only.
			// (Said of the pair once it is written: a duplicate pair adds nothing to say anything of.)
			const sharesPrompt = instanceId !== null && (record.preferred === 'a' || record.preferred === 'b');
			if (instanceId === null && (record.preferred === 'a' || record.preferred === 'b')) {
				const output = record.preferred === 'a' ? record.responseA : record.responseB;
				const hash = fingerprint(record.input, output);
				instanceId = task.instance(hash) ?? null;
				if (instanceId === null) {
					instanceId = writer.insertInstance({ taskId: task.id, datasetId: dataset.id, input: record.input, output, importId }, now);
					task.rememberInstance(hash, instanceId);
					this.instancesAdded++;
					rows++;
				}
				this.rememberPrompt(instructionKey, record.input, { taskId: task.id, instanceId });
			}
			this.placed.push({ record, taskId: task.id, instanceId, sharesPrompt });
			return rows + 2;
		}

		let rows = 0;
		if (record.instances.length === 0 && !record.conversation) this.tasksWithoutInstances.add(placeOf(record));
		const { task, created } = this.findOrCreateTask(record, instructionKey);
		if (created) rows++;
		const instanceIds: (number | null)[] = [];
		for (const [n, instance] of record.instances.entries()) {
			const { hash, inputKey } = prepared.instances[n];
			const existing = task.instance(hash);
			if (existing !== undefined) {
				// A conversation is the unit of its format's duplicates (the shape writer counts them):
				// one that only shares its first exchange with an earlier one is no duplicate.
				if (!record.conversation) this.skippedDuplicates++;
				// A conversation whose first exchange is already there still links to it; SuperNI
				// instances seen before are not described again.
				instanceIds.push(record.conversation ? existing : null);
				continue;
			}
			const instanceId = writer.insertInstance(
				{
					taskId: task.id,
					datasetId: dataset.id,
					input: instance.input,
					output: instance.output,
					constraints: instance.constraints ?? null,
					instructionWithInput: instance.instructionWithInput ?? null,
					importId
				},
				now
			);
			task.rememberInstance(hash, instanceId);
			instanceIds.push(instanceId);
			if (this.keepPrompts) this.rememberPrompt(instructionKey, inputKey, { taskId: task.id, instanceId });
			this.instancesAdded++;
			rows++;
		}
		for (const [n, f] of (record.formulations ?? []).entries()) {
			const found = this.findPrompt(instructionKey, prepared.formulationInputKeys[n]);
			if ('loose' in found && found.loose) this.matchedSpacingAside.add(`${placeOf(record)} reformulations[${n}]`);
			writer.insertFormulation(
				{
					taskId: task.id,
					instanceId: found.match?.instanceId ?? null,
					datasetId: dataset.id,
					instruction: f.instruction,
					instructionWithInput: f.instructionWithInput ?? null,
					input: f.input,
					output: f.output,
					importId
				},
				now
			);
			this.formulationsAdded++;
			rows++;
		}
		if (record.examples?.length || record.conversation || record.instances.some((i) => i.sourceId != null || i.outputs || i.metadata)) {
			this.placed.push({ record, taskId: task.id, instanceIds, conversationKey: prepared.conversationKey });
			// Its search row is written with its turns, once the conversation is (ShapeRowWriter).
			if (record.conversation) this.rows.searchLater(task.id);
		}
		return rows;
	}

	/** The task a record belongs to: by its own task id (Self-Instruct task files) or its instruction. */
	private findOrCreateTask(record: ParsedRecord & { kind: 'task' | 'pair' }, instructionKey: string) {
		const sourceId = record.kind === 'task' ? record.sourceId : null;
		const byKey = sourceId ? this.taskBySource : this.taskByInstruction;
		const key = sourceId || instructionKey;
		let task = byKey.get(key);
		if (task && sourceId && task.instruction !== undefined) this.assertSameTask(task, record as ParsedRecord & { kind: 'task' }, sourceId);
		if (!task) {
			const isClassification = record.kind === 'task' ? record.isClassification : null;
			const id = this.rows.insertTask(
				{
					datasetId: this.dataset.id,
					instruction: record.instruction,
					instructionKey: normalizeWhitespace(record.instruction),
					origin: this.options.origin ?? 'imported',
					sourceId: sourceId ?? null,
					name: record.kind === 'task' ? (record.name ?? null) : null,
					isClassification: isClassification ?? null,
					metadata: record.kind === 'task' ? (record.metadata ?? null) : null,
					importId: this.importId
				},
				this.now
			);
			task = new KnownTask(id, isClassification == null ? null : isClassification ? 1 : 0);
			if (sourceId) {
				task.instruction = record.instruction;
				task.name = record.kind === 'task' ? (record.name ?? null) : null;
				task.metadata = record.kind === 'task' ? (record.metadata ?? null) : null;
				task.location = placeOf(record);
			}
			byKey.set(key, task);
			if (this.keepPrompts) this.instructionKeys.add(normalizeWhitespace(instructionKey));
			this.tasksAdded++;
			return { task, created: true };
		}
		if (record.kind === 'task' && task.isClassification !== null && record.isClassification != null && (task.isClassification === 1) !== record.isClassification) {
			// Rows joined by instruction are one task by that rule; a row that says otherwise about its
			// classification is a disagreement about the task, not another task (an id would be: see
			// assertSameTask), so it is named rather than refused, and the task keeps its first word.
			this.classificationConflicts.add(`${placeOf(record)} (${record.isClassification}; the task "${clip(record.instruction, 40)}" keeps ${task.isClassification === 1})`);
		}
		if (record.kind === 'task' && task.isClassification === null && record.isClassification != null) {
			task.isClassification = record.isClassification ? 1 : 0;
			if (task.id <= this.olderTasksUpTo) this.classificationOfOlderTasks.set(task.id, task.isClassification);
			else {
				this.rows.writePending();
				this.setClassification.run(task.isClassification, task.id);
			}
		}
		return { task, created: false };
	}

	/**
	 * One id, one task: a record with the id of an earlier task joins it only when what defines the
	 * task (instruction, name, classification, other fields) is the same. Joining two different tasks
	 * would put this record's instances under the other's instruction and lose the rest of it.
	 */
	private assertSameTask(task: KnownTask, record: ParsedTask & { location: ParsedRecord['location'] }, sourceId: string): void {
		const first = task.location ? `the record at ${task.location}` : `the task already in dataset "${this.dataset.name}"`;
		const differs = (field: string, theirs: unknown, ours: unknown) => {
			const show = (v: unknown) => (typeof v === 'string' ? `"${clip(v)}"` : clip(JSON.stringify(v) ?? 'none'));
			const detail =
				field === 'id'
					? `the id "${sourceId}" is already ${first}, whose instruction is ${show(theirs)}; this record's is ${show(ours)}`
					: `the id "${sourceId}" is already ${first}, whose ${field} is ${show(theirs)}; this record's is ${show(ours)}`;
			return new ImportError(`${where(this.options.fileName, record)}: field "${field}": ${detail}. One id names one task: give this task its own id (or the same ${field === 'id' ? 'instruction' : field}).`, {
				file: this.options.fileName,
				line: record.location.line,
				index: record.location.index,
				field
			});
		};
		if (task.instruction !== record.instruction) throw differs('id', task.instruction, record.instruction);
		if ((task.name ?? null) !== (record.name ?? null)) throw differs('name', task.name ?? null, record.name ?? null);
		const c = task.isClassification;
		if (c !== null && record.isClassification != null && (c === 1) !== record.isClassification) throw differs('is_classification', c === 1, record.isClassification);
		const theirs = task.metadata ?? {};
		const ours = record.metadata ?? {};
		for (const key of new Set([...Object.keys(theirs), ...Object.keys(ours)])) {
			if (JSON.stringify(theirs[key]) !== JSON.stringify(ours[key])) throw differs(key, theirs[key] ?? null, ours[key] ?? null);
		}
	}

	/** Examples, turns and pairs of the records placed since the last flush (their rows have ids now). */
	private flushShapes(): void {
		if (!this.placed.length) return;
		const c = this.shapeWriter.write({ datasetId: this.dataset.id, importId: this.importId, now: this.now }, this.placed);
		for (const k of Object.keys(c) as (keyof ShapeRowCounts)[]) this.shapeCounts[k] += c[k];
		// What is said of pairs and conversations is said of the ones written (not of duplicates).
		for (const placed of this.placed) {
			if (!placed.written) continue;
			const record = placed.record;
			if (record.kind === 'pair') {
				if (record.responseA === record.responseB) this.identicalPairs.add(placeOf(record));
				if (placed.sharesPrompt) this.pairsSharingAPrompt.add(placeOf(record));
			} else if (record.conversation?.warnings.length) this.conversationWarnings.add(`${placeOf(record)} (${record.conversation.warnings.join('; ')})`);
		}
		this.placed = [];
	}

	/** Closes a batch: counters and search rows of the batch's tasks, and the heartbeat. */
	endBatch(): void {
		this.rows.flush();
		this.flushShapes();
		this.heartbeat();
	}

	/** What the summary says besides its counts: records taken in a way the reader should know of. */
	private notices(): string[] {
		const notices: string[] = [];
		if (this.modelFromFileName) notices.push(`The model name "${this.modelName}" was taken from the file name ${this.options.fileName}.`);
		const spacing = this.matchedSpacingAside;
		if (spacing.count)
			notices.push(
				`${spacing.count} record${spacing.count === 1 ? '' : 's'} matched ${spacing.count === 1 ? 'its' : 'their'} task's instruction and input only with spacing ignored (no task is written exactly so; only one is when spaces and line breaks are ignored): ${spacing.places()}.`
			);
		const lines = (t: LineTally, one: string, many: string) => `${t.count} ${t.count === 1 ? one : many}`;
		if (this.targetsDiffering.count)
			notices.push(
				`${lines(this.targetsDiffering, 'prediction carries a target that differs', 'predictions carry a target that differs')} from its instance's reference output (the instance keeps its own; targets are not imported): ${this.targetsDiffering.places()}.`
			);
		if (this.identicalPairs.count)
			notices.push(
				`${lines(this.identicalPairs, 'preference pair has', 'preference pairs have')} the same text as chosen and rejected (kept; a preference trainer learns nothing from them): ${this.identicalPairs.places()}.`
			);
		if (this.pairsSharingAPrompt.count)
			notices.push(
				`${lines(this.pairsSharingAPrompt, 'preference pair repeats', 'preference pairs repeat')} an earlier pair's prompt: a prompt has one instance (the first pair's preferred response), so ${this.pairsSharingAPrompt.count === 1 ? 'its preferred response is' : 'their preferred responses are'} kept with ${this.pairsSharingAPrompt.count === 1 ? 'the pair' : 'the pairs'} only (preference-pairs exports keep every pair): ${this.pairsSharingAPrompt.places()}.`
			);
		if (this.conversationWarnings.count)
			notices.push(
				`${lines(this.conversationWarnings, 'conversation has', 'conversations have')} warnings about ${this.conversationWarnings.count === 1 ? 'its' : 'their'} turns (kept as written; a task's page shows them with the conversation): ${this.conversationWarnings.places()}.`
			);
		if (this.tasksWithoutInstances.count)
			notices.push(
				`${lines(this.tasksWithoutInstances, 'task has', 'tasks have')} no instances (kept; exports of instances leave such tasks out): ${this.tasksWithoutInstances.places()}.`
			);
		if (this.classificationConflicts.count)
			notices.push(
				`${lines(this.classificationConflicts, 'record says', 'records say')} "is_classification" differently from the earlier record${this.classificationConflicts.count === 1 ? '' : 's'} of ${this.classificationConflicts.count === 1 ? 'its' : 'their'} task (a task has one classification; it keeps the first one given, and every instance is kept): ${this.classificationConflicts.places()}.`
			);
		if (this.unkeptFields.size) {
			const fields = [...this.unkeptFields].map(([name, t]) => `"${name}" in ${t.count} record${t.count === 1 ? '' : 's'} (${t.places()})`);
			notices.push(`Fields with no place to be kept in this format were not imported: ${fields.join('; ')}.`);
		}
		return notices;
	}

	/** Tells other processes this import is alive (see ownerIsGone). */
	heartbeat(): void {
		this.database.$client.prepare<[number, number]>('UPDATE datasets SET import_heartbeat_at = ? WHERE id = ?').run(Date.now(), this.dataset.id);
	}

	/** The last transaction: the counts, and the dataset becomes visible (a new one takes its name). */
	finish(): ImportSummary {
		const client = this.database.$client;
		this.rows.flush();
		this.flushShapes();
		this.responsesAdded += this.shapeCounts.pairs * 2;
		this.skippedDuplicates += this.shapeCounts.duplicateConversations + this.shapeCounts.duplicatePairs;
		const notices = this.notices();
		client
			.prepare<[number, number, number, number, number, number, number, number, string | null, number]>(
				`UPDATE imports SET bytes = ?, records = ?, tasks_added = ?, instances_added = ?, responses_added = ?, skipped_duplicates = ?,
				 pairs_added = ?, conversations_added = ?, notices = ? WHERE id = ?`
			)
			.run(
				this.totals.bytes,
				this.totals.records,
				this.tasksAdded,
				this.instancesAdded,
				this.responsesAdded,
				this.skippedDuplicates,
				this.shapeCounts.pairs,
				this.shapeCounts.conversations,
				notices.length ? JSON.stringify(notices) : null,
				this.importId
			);
		if (this.created) {
			client
				.prepare<[string, number]>(`UPDATE datasets SET name = ?, status = 'ready', import_owner = NULL, import_heartbeat_at = NULL WHERE id = ? AND status = 'importing'`)
				.run(this.dataset.name, this.dataset.id);
		} else {
			for (const [taskId, isClassification] of this.classificationOfOlderTasks) this.setClassification.run(isClassification, taskId);
			client
				.prepare<[number]>(`UPDATE datasets SET status = 'ready', import_owner = NULL, import_heartbeat_at = NULL, append_state = NULL WHERE id = ? AND status = 'appending'`)
				.run(this.dataset.id);
		}
		return {
			importId: this.importId,
			datasetId: this.dataset.id,
			datasetName: this.dataset.name,
			datasetCreated: this.created,
			fileName: this.options.fileName,
			format: this.format,
			modelName: this.modelName,
			bytes: this.totals.bytes,
			records: this.totals.records,
			tasksAdded: this.tasksAdded,
			instancesAdded: this.instancesAdded,
			formulationsAdded: this.formulationsAdded,
			responsesAdded: this.responsesAdded,
			examplesAdded: this.shapeCounts.examples,
			conversationsAdded: this.shapeCounts.conversations,
			turnsAdded: this.shapeCounts.turns,
			pairsAdded: this.shapeCounts.pairs,
			skippedDuplicates: this.skippedDuplicates,
			duplicatesOf: duplicateUnit(this.format).unit,
			duplicatesRule: duplicateUnit(this.format).rule,
			notices,
			files: 1,
			durationMs: 0
		};
	}
}

function clip(text: string, max = 60): string {
	return clipLine(text, max);
}
