import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { db, transaction, type Db } from '../db';
import { imports, type TaskOrigin } from '../db/tables';
import { config } from '../config';
import {
	parseImport,
	parseTaskFiles,
	assertImportable,
	ImportError,
	modelNameFromFileName,
	normalizeWhitespace,
	type FormatId,
	type ParsedRecord
} from '$lib/formats';
import { getOrCreateDataset, validateDatasetName, DatasetError } from './datasets';
import { RowWriter } from './rows';
import { ShapeRowWriter, type PlacedRecord, type ShapeRowCounts } from './shape-rows';

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
	/** Duplicates among instances, responses, conversations and pairs. */
	skippedDuplicates: number;
	/** Files read (a folder of SuperNI task files counts each). */
	files: number;
	durationMs: number;
}

/** One file of a multi-file import (a folder of SuperNI task files). */
export interface ImportSource {
	fileName: string;
	source: AsyncIterable<Uint8Array>;
}

export { ImportError };

/**
 * Imports one file into a dataset, all or nothing. Reading is streamed and validated first,
 * into a staging file, so a bad record fails the import before the database is touched; the
 * staged records are then written in one transaction, so the database never holds half a file.
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
	const stagingPath = path.join(os.tmpdir(), `instruct-audit-import-${process.pid}-${randomUUID()}.ndjson`);
	const staging = fs.openSync(stagingPath, 'w');
	let bytesRead = 0;
	let records = 0;
	let format: FormatId | undefined;
	try {
		const buffered: string[] = [];
		let bufferedLength = 0;
		const flushStaging = () => {
			if (!buffered.length) return;
			fs.writeSync(staging, buffered.join(''));
			buffered.length = 0;
			bufferedLength = 0;
		};
		let lastReport = 0;
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
				bytesRead = bytesBefore + bytes;
			}
		};
		async function* allRecords(): AsyncGenerator<ParsedRecord> {
			if (!folder) {
				yield* parseImport(files[0].source, { ...parseOptions, fileName: files[0].fileName });
				return;
			}
			for (const file of files) {
				currentFile = file.fileName;
				bytesBefore = bytesRead;
				for await (const { record } of parseTaskFiles([file], parseOptions)) yield record;
			}
		}
		for await (const record of allRecords()) {
			const line = JSON.stringify(record) + '\n';
			buffered.push(line);
			bufferedLength += line.length;
			if (bufferedLength > 1 << 20) flushStaging();
			records++;
			if (options.onProgress && records - lastReport >= 2000) {
				lastReport = records;
				options.onProgress({ phase: 'reading', bytesRead, records });
			}
		}
		flushStaging();
		fs.closeSync(staging);
		if (records === 0 || !format) {
			throw new ImportError(`${options.fileName}: the file holds no records.`, { file: options.fileName });
		}
		options.onProgress?.({ phase: 'writing', bytesRead, records });
		const summary = writeStaged(stagingPath, format, { ...options, bytes: bytesRead, records }, database);
		summary.files = files.length;
		summary.durationMs = Math.round(performance.now() - started);
		database.$client.prepare('UPDATE imports SET duration_ms = ? WHERE id = ?').run(summary.durationMs, summary.importId);
		options.onProgress?.({ phase: 'done', bytesRead, records });
		return summary;
	} finally {
		try {
			fs.closeSync(staging);
		} catch {
			// already closed
		}
		fs.rmSync(stagingPath, { force: true });
	}
}

/** Yields the staged records back, one line at a time, without reading the file whole. */
function* readStaged(file: string): Generator<ParsedRecord> {
	const fd = fs.openSync(file, 'r');
	try {
		const chunk = Buffer.allocUnsafe(1 << 20);
		let rest = '';
		for (;;) {
			const n = fs.readSync(fd, chunk, 0, chunk.length, null);
			if (n === 0) break;
			const text = rest + chunk.toString('utf8', 0, n);
			const lines = text.split('\n');
			rest = lines.pop() ?? '';
			for (const line of lines) if (line) yield JSON.parse(line) as ParsedRecord;
		}
		if (rest) yield JSON.parse(rest) as ParsedRecord;
	} finally {
		fs.closeSync(fd);
	}
}

function fingerprint(...parts: string[]): string {
	return createHash('sha1').update(parts.join('\u0000')).digest('base64');
}

function where(fileName: string, record: ParsedRecord): string {
	const loc = record.location;
	return loc.index !== undefined ? `${fileName}: item ${loc.index} (line ${loc.line})` : `${fileName}: line ${loc.line}`;
}

function writeStaged(
	stagingPath: string,
	format: FormatId,
	options: ImportOptions & { bytes: number; records: number },
	database: Db
): ImportSummary {
	const client = database.$client;
	return transaction(database, () => {
		const now = Date.now();
		const { dataset, created } = getOrCreateDataset(options.datasetName, options.createdBy ?? null, database);
		const modelName =
			format === 'predictions' ? (options.modelName?.trim() || modelNameFromFileName(options.fileName)) : null;
		const importRow = database
			.insert(imports)
			.values({
				datasetId: dataset.id,
				fileName: options.fileName,
				format,
				modelName,
				bytes: options.bytes,
				records: options.records,
				createdAt: new Date(now),
				createdBy: options.createdBy ?? null
			})
			.returning({ id: imports.id })
			.get();
		const importId = importRow.id;
		const writer = new RowWriter(database);

		// Existing tasks of the dataset, by join key. A record carrying its own task id (Self-Instruct
		// task files) is that task; rows without one (Alpaca, 82K) join the task with the same
		// instruction, as the papers' per-instance files intend.
		const taskByKey = new Map<string, { id: number; isClassification: number | null }>();
		const instructionKeys = new Set<string>();
		for (const row of client
			.prepare('SELECT id, instruction_key AS key, source_id AS sourceId, is_classification AS c FROM tasks WHERE dataset_id = ?')
			.iterate(dataset.id) as Iterable<{ id: number; key: string; sourceId: string | null; c: number | null }>) {
			const key = row.sourceId ? `src:${row.sourceId}` : `ins:${row.key}`;
			if (!taskByKey.has(key)) taskByKey.set(key, { id: row.id, isClassification: row.c });
			instructionKeys.add(row.key);
		}
		// Instance fingerprint → id, so a record whose instance is a duplicate still links to it.
		const seenInstances = new Map<string, number>();
		// Instruction + input → instance: how prediction rows find the task and instance they answer.
		const instanceByPrompt = new Map<string, { taskId: number; instanceId: number }>();
		const seenResponses = new Set<string>();
		if (!created) {
			for (const row of client
				.prepare(
					'SELECT i.id, i.task_id AS t, t.instruction_key AS key, i.input, i.output FROM instances i JOIN tasks t ON t.id = i.task_id WHERE i.dataset_id = ?'
				)
				.iterate(dataset.id) as Iterable<{ id: number; t: number; key: string; input: string; output: string }>) {
				seenInstances.set(fingerprint(String(row.t), row.input, row.output), row.id);
				const promptKey = `${row.key}\u0000${normalizeWhitespace(row.input)}`;
				if (!instanceByPrompt.has(promptKey)) instanceByPrompt.set(promptKey, { taskId: row.t, instanceId: row.id });
			}
			if (modelName) {
				for (const row of client
					.prepare('SELECT task_id AS t, instance_id AS i, response FROM responses WHERE dataset_id = ? AND model = ?')
					.iterate(dataset.id, modelName) as Iterable<{ t: number; i: number | null; response: string }>) {
					seenResponses.add(fingerprint(String(row.t), String(row.i), row.response));
				}
			}
		}
		const setClassification = client.prepare('UPDATE tasks SET is_classification = ? WHERE id = ?');

		let tasksAdded = 0;
		let instancesAdded = 0;
		let formulationsAdded = 0;
		let responsesAdded = 0;
		let skippedDuplicates = 0;
		// The extra rows of the richer shapes (examples, turns, pairs), written per batch once the
		// batch's tasks and instances have ids.
		const shapeWriter = new ShapeRowWriter(database);
		const shapeCounts: ShapeRowCounts = { examples: 0, instancesDescribed: 0, conversations: 0, turns: 0, duplicateConversations: 0, pairs: 0, duplicatePairs: 0 };
		let placed: PlacedRecord[] = [];
		const flushShapes = () => {
			if (!placed.length) return;
			const c = shapeWriter.write({ datasetId: dataset.id, importId, now }, placed);
			for (const k of Object.keys(c) as (keyof ShapeRowCounts)[]) shapeCounts[k] += c[k];
			placed = [];
		};
		const findOrCreateTask = (record: ParsedRecord & { kind: 'task' | 'pair' }, instructionKey: string) => {
			const sourceId = record.kind === 'task' ? record.sourceId : null;
			const key = sourceId ? `src:${sourceId}` : `ins:${instructionKey}`;
			let task = taskByKey.get(key);
			if (!task) {
				const isClassification = record.kind === 'task' ? record.isClassification : null;
				const id = writer.insertTask(
					{
						datasetId: dataset.id,
						instruction: record.instruction,
						origin: options.origin ?? 'imported',
						sourceId: sourceId ?? null,
						name: record.kind === 'task' ? (record.name ?? null) : null,
						isClassification: isClassification ?? null,
						metadata: record.kind === 'task' ? (record.metadata ?? null) : null,
						importId
					},
					now
				);
				task = { id, isClassification: isClassification == null ? null : isClassification ? 1 : 0 };
				taskByKey.set(key, task);
				instructionKeys.add(instructionKey);
				tasksAdded++;
			} else if (record.kind === 'task' && task.isClassification === null && record.isClassification != null) {
				task.isClassification = record.isClassification ? 1 : 0;
				setClassification.run(task.isClassification, task.id);
			}
			return task;
		};

		for (const record of readStaged(stagingPath)) {
			const instructionKey = normalizeWhitespace(record.instruction);
			if (record.kind === 'response') {
				const match = instanceByPrompt.get(`${instructionKey}\u0000${normalizeWhitespace(record.input)}`);
				if (!match) {
					const field = instructionKeys.has(instructionKey) ? 'input' : 'instruction';
					const detail =
						field === 'instruction'
							? `no task in dataset "${dataset.name}" has this instruction ("${clip(record.instruction)}"). Import the tasks file into this dataset first.`
							: `the task "${clip(record.instruction)}" has no instance with this input ("${clip(record.input)}").`;
					throw new ImportError(`${where(options.fileName, record)}: field "${field}": ${detail}`, {
						file: options.fileName,
						line: record.location.line,
						index: record.location.index,
						field
					});
				}
				const fp = fingerprint(String(match.taskId), String(match.instanceId), record.response);
				if (seenResponses.has(fp)) {
					skippedDuplicates++;
					continue;
				}
				seenResponses.add(fp);
				writer.insertResponse(
					{
						taskId: match.taskId,
						instanceId: match.instanceId,
						datasetId: dataset.id,
						model: modelName!,
						response: record.response,
						prompt: record.prompt ?? null,
						importId
					},
					now
				);
				responsesAdded++;
				continue;
			}

			if (record.kind === 'pair') {
				// A pair joins the task with its instruction, and the instance with its input; a new
				// instance gets the preferred response as its output (a tie or no verdict: none made).
				const task = findOrCreateTask(record, instructionKey);
				const promptKey = `${instructionKey}\u0000${normalizeWhitespace(record.input)}`;
				let instanceId = instanceByPrompt.get(promptKey)?.instanceId ?? null;
				if (instanceId === null && (record.preferred === 'a' || record.preferred === 'b')) {
					const output = record.preferred === 'a' ? record.responseA : record.responseB;
					const fp = fingerprint(String(task.id), record.input, output);
					instanceId = seenInstances.get(fp) ?? null;
					if (instanceId === null) {
						instanceId = writer.insertInstance({ taskId: task.id, datasetId: dataset.id, input: record.input, output, importId }, now);
						seenInstances.set(fp, instanceId);
						instancesAdded++;
					}
					instanceByPrompt.set(promptKey, { taskId: task.id, instanceId });
				}
				placed.push({ record, taskId: task.id, instanceId });
				if (placed.length >= 1000) flushShapes();
				continue;
			}
			const task = findOrCreateTask(record, instructionKey);
			const instanceIds: (number | null)[] = [];
			for (const instance of record.instances) {
				const fp = fingerprint(String(task.id), instance.input, instance.output);
				const existing = seenInstances.get(fp);
				if (existing !== undefined) {
					skippedDuplicates++;
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
				seenInstances.set(fp, instanceId);
				instanceIds.push(instanceId);
				const promptKey = `${instructionKey}\u0000${normalizeWhitespace(instance.input)}`;
				if (!instanceByPrompt.has(promptKey)) instanceByPrompt.set(promptKey, { taskId: task.id, instanceId });
				instancesAdded++;
			}
			if (record.examples?.length || record.conversation || record.instances.some((i) => i.sourceId != null || i.outputs)) {
				placed.push({ record, taskId: task.id, instanceIds });
				if (placed.length >= 1000) flushShapes();
			}
			for (const f of record.formulations ?? []) {
				writer.insertFormulation(
					{
						taskId: task.id,
						instanceId: instanceByPrompt.get(`${instructionKey}\u0000${normalizeWhitespace(f.input)}`)?.instanceId ?? null,
						datasetId: dataset.id,
						instruction: f.instruction,
						instructionWithInput: f.instructionWithInput ?? null,
						input: f.input,
						output: f.output,
						importId
					},
					now
				);
				formulationsAdded++;
			}
		}
		flushShapes();
		writer.flush();
		responsesAdded += shapeCounts.pairs * 2;
		skippedDuplicates += shapeCounts.duplicateConversations + shapeCounts.duplicatePairs;
		client
			.prepare(
				'UPDATE imports SET tasks_added = ?, instances_added = ?, responses_added = ?, skipped_duplicates = ? WHERE id = ?'
			)
			.run(tasksAdded, instancesAdded, responsesAdded, skippedDuplicates, importId);
		return {
			importId,
			datasetId: dataset.id,
			datasetName: dataset.name,
			datasetCreated: created,
			fileName: options.fileName,
			format,
			modelName,
			bytes: options.bytes,
			records: options.records,
			tasksAdded,
			instancesAdded,
			formulationsAdded,
			responsesAdded,
			examplesAdded: shapeCounts.examples,
			conversationsAdded: shapeCounts.conversations,
			turnsAdded: shapeCounts.turns,
			pairsAdded: shapeCounts.pairs,
			skippedDuplicates,
			files: 1,
			durationMs: 0
		};
	});
}

function clip(text: string, max = 60): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}
