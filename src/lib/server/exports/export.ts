/**
 * Exporting a filtered subset of a dataset: the one use case behind the export page, its API
 * and the CLI. `startExport` reads one consistent snapshot on a connection of its own,
 * estimates the selection's quality from the audits (and counts it when asked), then hands out
 * the file as byte chunks (about 256 KB each) while the rows stream from SQLite — the whole
 * dataset is never in memory. When the chunks are done, `manifest()` describes exactly what was
 * written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { db, type Db } from '../db';
import { getDataset, receivingImport } from '../datasets/datasets';
import { exportFormat, importedFieldsRefusal, canWriteImportedFields, readsBackExactly, splitsBack, type ExportFormatId, type ExportFormatInfo, type SerializeOptions } from '$lib/formats/serialize';
import { createSerializer, recordLayout } from '$lib/formats/serialize-formats';
import { ExportFilterError, describeFilters, usesHumanLabels, whereClauses } from './filters';
import { countInstancesNotReadBack, countPairsSharingAPrompt, countRowsWithImportedFields, countRowsWithOwnSystemMessage, countSelection, countUnjudged, openReader, selectionQuery, untrainableTargetsSql, recordSql, selectColumnBlocks, selectJsonLines, selectRecordBlocks, selectRows, withReviewersNotCounted, type ExportReader, type ExportRow, type ExportSelection, type InstanceBlock, type SelectionCounts } from './query';
import { DEFAULT_ROW_GROUP_ROWS, MAX_GROUP_CHARS } from '$lib/formats/serialize-parquet';
import { ExportEncoder } from './export-encoder';
import { SecondReaderThread } from './second-reader';
import { estimateQuality, estimateQualityOffThread, noEstimateNote, type QualityEstimate } from './quality';
import { appVersion, type AppVersion } from './version';
import { writeThroughPartial, writeThroughPartialInterruptibly } from '../files';
import { exportJudgeFigures, judgeFilterPrecision, judgeRunOfSelection, type ExportJudgeEstimate, type ExportJudgeFigures, type JudgeFilterPrecision } from './judge';
import { excludedInstancesByCause, type ExcludedInstancesByCause } from './excluded';
import { exportJudgeOffThread, judgeFilterPrecisionOffThread } from '../reports/threads';
import { databaseVersion } from '../db/unchanged';
import type Database from 'better-sqlite3';
import { runParamsView } from '../runs/generation/view';
import type { AutomaticFiltersNote } from '$lib/cards/automatic-filters';
import { filterConfigSchema, filterConfigSummary } from '$lib/filters/config';

export type { AutomaticFiltersNote };

export { ExportFilterError };

export interface ExportRequest extends ExportSelection {
	format: ExportFormatId;
	/** Template (prompt/completion), system message and input layout (chat). */
	options?: SerializeOptions;
	/** The file's name in the manifest and the download; derived from the dataset when absent. */
	fileName?: string;
}

export interface ExportManifest {
	kind: 'instruct-audit-export';
	manifestVersion: 1;
	createdAt: string;
	app: AppVersion;
	file: { name: string; format: ExportFormatId; formatLabel: string; bytes: number; sha256: string; rows: number };
	options: {
		includeReformulations: boolean;
		responsesOf: string | null;
		template?: string;
		system?: string | null;
		chatInput?: string;
		/** csv: whether text cells starting like a spreadsheet formula were neutralised (a leading "'") or kept as stored. */
		csvFormulas?: 'neutralised' | 'kept';
		/** jsonl, alpaca-json: whether each row's imported fields (its `id` and other fields) were written after instruction, input and output. */
		importedFields?: boolean;
	};
	dataset: { id: number; name: string; tasks: number; instances: number };
	/** Where the exported rows came from: generation runs and imported files. */
	sources: { runs: number[]; imports: { id: number; fileName: string; format: string }[] };
	filters: { where: string; description: string }[];
	/**
	 * The dataset's automatic filters as they stand (its latest filter run) and how many of the
	 * exported instances they rejected — rows an export without the `kept` filter includes; null
	 * when the dataset was never filtered.
	 */
	automaticFilters: AutomaticFiltersNote | null;
	/**
	 * `untrainableTargetsLeftOut`: instances the filters chose but the export left out because their
	 * output is a conversation reply the source marked `"weight": 0` or that has no text (a tool
	 * call); present when the dataset has any. `notReadBackExactly`: rows whose instruction and
	 * input the importer would not split back exactly from the chat message or prompt (text that
	 * looks like the layout's labels, see readsBackExactly); present for the layouts it splits.
	 * `systemMessagesLeftOut`: rows whose conversation had a system turn of its own that this
	 * single-turn file does not hold (openai-chat writes only the export's --system message, if
	 * any); present when there are some. `tasksWithoutInstancesLeftOut`: the dataset's tasks that
	 * have no instance, so no row of the file can hold them (e.g. a generated instruction whose
	 * instances were never made); present when there are some.
	 */
	counts: SelectionCounts & {
		excludedInstances: number;
		/** The excluded instances by what left them out (./excluded); present once the file is written, when some were. */
		excludedInstancesBy?: ExcludedInstancesByCause;
		untrainableTargetsLeftOut?: number;
		notReadBackExactly?: number;
		systemMessagesLeftOut?: number;
		tasksWithoutInstancesLeftOut?: number;
		/**
		 * Imported comparison pairs of the selected rows whose prompt repeats an earlier pair's (pairs
		 * built from the dataset's own responses add no row, so never count): a prompt has one instance, made
		 * from the first pair's preferred response, so these pairs' preferred responses are no row of
		 * a flat export (the preference-pairs export keeps every pair); present when there are some.
		 */
		pairsSharingAPrompt?: number;
		/**
		 * Rows whose instance carries fields of its imported row (its `id`, other fields such as a
		 * source or a score) that this file does not hold: the export did not write the imported
		 * fields (options.importedFields; only jsonl and alpaca-json can); present when there are some.
		 */
		importedFieldsNotWritten?: number;
	};
	/** In what order the rows are written (ROW_ORDER). */
	rowOrder: string;
	/** The audits' estimate of the correctness rate (humans only); null when no audit labelled this population. */
	quality: QualityEstimate | null;
	/** Why `quality` is null although rating audits are in scope: they rate other models' responses (noEstimateNote); else null. */
	qualityNote: string | null;
	/**
	 * The model judge's whole-dataset estimate (prediction-powered inference: a judge run over
	 * every row, corrected by an audit); null when no calibrated judge covers the dataset. A
	 * second, separately labelled figure — `quality` stays the human-only estimate.
	 */
	judgeEstimate: ExportJudgeEstimate | null;
	/** Why `judgeEstimate` is null when a judge run was named or one is calibrated (e.g. the run has verdicts for 85 of 300 rows). */
	judgeEstimateNote: string | null;
	/** With the `judge-valid` filter: the judge's measured precision on the audit (P(human all valid | judge all valid)); else null. */
	judgePrecision: JudgeFilterPrecision | null;
}

/**
 * The rows' order, as the manifest and the dataset card state it. Task order, not the source
 * file's line order: every writer (SQLite's blocks, the rows path, reformulations merged from a
 * second cursor) walks tasks then instances by the (task, id) indexes, which is what keeps a
 * million-row export streaming; a file whose instruction recurs (A1, B, A2) comes out A1, A2, B.
 */
export const ROW_ORDER =
	'grouped by instruction: the instances of one instruction together, in the order they were stored (each with its reformulations or model responses after it), instructions in the order the dataset first received them — not the line order of an imported file in which an instruction recurs';

export interface ExportProgress {
	rows: number;
	totalRows: number;
	bytes: number;
}

export interface ExportStream {
	id: string;
	fileName: string;
	format: ExportFormatInfo;
	/** What the selection holds (counted on the snapshot the rows are read from). */
	counts: SelectionCounts;
	/** File size extrapolated from a sample of rows spread over the selection, for progress bars. */
	estimatedBytes: number;
	/** The file. Ending the iteration early (return()) releases the snapshot. */
	chunks(): Generator<Uint8Array, void, undefined>;
	progress(): ExportProgress;
	/** The manifest; complete once the chunks are done. */
	manifest(): ExportManifest;
	/** Threads that read the rows from SQLite: 2 when a second reader read some of the blocks (a large export of instances in a format SQLite writes). */
	readThreads(): number;
	/** Releases the snapshot (also done when the chunks end). */
	close(): void;
}

export interface StartOptions {
	onProgress?: (progress: ExportProgress) => void;
	/** Rows between onProgress calls. */
	progressEvery?: number;
	/** The read snapshot to export from, with the audits' estimate (and the judge's figures, when known) computed on it already (startExportOffThread). */
	prepared?: { reader: ExportReader; quality: QualityEstimate | null; judge?: ExportJudgeFigures };
	/** A second thread (Parquet's encoder, the other formats' second reader) from a dataset of this many instances (default THREADED_INSTANCES). */
	threadedFrom?: number;
}

const CHUNK_BYTES = 256 * 1024;
/** Size of the blocks SQLite writes for an export of instances in a format it writes by block: 1M rows of JSON Lines took 6.2 s in 256 KB blocks, 5.3 s in 1 MB ones. */
const RECORD_BLOCK_BYTES = 1024 * 1024;
/**
 * An export of a dataset this large uses a second thread; smaller ones are not worth starting one
 * for. Parquet of instances is encoded on it beside the SQLite cursor (1M rows: 4.2–4.3 s in one
 * thread, 2.7–3.1 s with two); the other formats of instances have it read blocks of records
 * beside this thread (./second-reader). The hash alone did not gain by moving.
 */
const THREADED_INSTANCES = 50_000;
/** The export threads' modules, known once their imports resolve; until then exports run in this thread (dynamic imports: the bundle gives each a chunk a worker can load). */
let encoderThread: { url: string; entry: string } | null = null;
let readerThread: { url: string; entry: string } | null = null;
const threadsResolved = Promise.all([
	import('./export-encoder-thread').then(
		(m) => {
			// The worker's entry, named here so the bundler keeps it in the module's chunk.
			const entry: keyof typeof m = 'serveExportEncoder';
			if (typeof m[entry] === 'function') encoderThread = { url: m.EXPORT_ENCODER_THREAD_URL, entry };
		},
		() => {}
	),
	import('./second-reader-thread').then(
		(m) => {
			const entry: keyof typeof m = 'serveSecondReader';
			if (typeof m[entry] === 'function') readerThread = { url: m.SECOND_READER_THREAD_URL, entry };
		},
		() => {}
	)
]).then(() => {});

/** Resolves once large exports can use their threads: a program that exports as it starts waits for it first. */
export function exportThreadsResolved(): Promise<void> {
	return threadsResolved;
}
const SAMPLE_ROWS = 500;
/** The Parquet size sample comes in this many runs of neighbouring rows. */
const PARQUET_SAMPLE_RUNS = 10;

export function defaultFileName(datasetName: string, format: ExportFormatId, responsesOf?: string | null): string {
	const slug = (s: string) =>
		s
			.normalize('NFKD')
			.replace(/[^\w.-]+/g, '-')
			.replace(/^-+|-+$/g, '')
			.toLowerCase() || 'export';
	const info = exportFormat(format);
	const variant = format === 'openai-chat' ? '.chat' : format === 'prompt-completion' ? '.prompt-completion' : '';
	return `${slug(datasetName)}${responsesOf ? `-${slug(responsesOf)}` : ''}${variant}.${info.extension}`;
}

function serializerOptions(request: ExportRequest): SerializeOptions {
	return { ...request.options, createdBy: `${appVersion().name} ${appVersion().version}` };
}

function manifestOptions(request: ExportRequest): ExportManifest['options'] {
	const o: ExportManifest['options'] = { includeReformulations: !!request.includeReformulations, responsesOf: request.responsesOf ?? null };
	if (request.format === 'prompt-completion') o.template = request.options?.template ?? 'self-instruct';
	if (request.format === 'csv') o.csvFormulas = request.options?.csvKeepFormulas ? 'kept' : 'neutralised';
	if (canWriteImportedFields(request.format)) o.importedFields = !!request.options?.importedFields;
	if (request.format === 'openai-chat') {
		o.system = request.options?.system?.trim() ? request.options.system : null;
		o.chatInput = request.options?.chatInput ?? 'labelled';
	}
	return o;
}

/**
 * The audits, generation runs and judge run a selection's filters name, checked against the
 * dataset: one that does not exist or belongs to another dataset would select nothing (or
 * everything) and quietly export it, with a manifest naming it as the source. Every export
 * checks them, the whole-shape ones too (shapes.ts).
 */
export function checkSelectionReferences(client: Database.Database, selection: ExportSelection): void {
	judgeRunOfSelection(client, selection);
	for (const id of selection.filters.audits ?? []) {
		const row = client.prepare<[number], { datasetId: number }>("SELECT dataset_id AS datasetId FROM audits WHERE id = ? AND status <> 'preparing'").get(id);
		if (!row) throw new ExportFilterError(`There is no audit ${id}.`, `audit=${id}`);
		if (row.datasetId !== selection.datasetId) throw new ExportFilterError(`Audit ${id} audits another dataset.`, `audit=${id}`);
	}
	for (const id of selection.filters.runs ?? []) {
		const row = client.prepare<[number], { datasetId: number | null; pipeline: string }>('SELECT dataset_id AS datasetId, pipeline FROM generation_runs WHERE id = ?').get(id);
		if (row?.pipeline === 'judge') throw new ExportFilterError(`Run ${id} is a judge run: it wrote no rows; filter on its verdicts with judge-run=${id} and judge-valid.`, `run=${id}`);
		// Rows of the dataset that name the run count too (a run's record may be gone, or its rows copied in).
		if (row?.datasetId === selection.datasetId || wroteRowsOf(client, selection.datasetId, id)) continue;
		throw new ExportFilterError(row ? `Run ${id} generated another dataset.` : `There is no generation run ${id}.`, `run=${id}`);
	}
}

function wroteRowsOf(client: Database.Database, datasetId: number, runId: number): boolean {
	return (
		client.prepare<[number, number]>('SELECT 1 FROM tasks WHERE dataset_id = ? AND run_id = ? LIMIT 1').get(datasetId, runId) !== undefined ||
		client.prepare<[number, number]>('SELECT 1 FROM instances i JOIN tasks t ON t.id = i.task_id WHERE t.dataset_id = ? AND i.run_id = ? LIMIT 1').get(datasetId, runId) !== undefined
	);
}

const SHAPE_AUDIT_EXPORTS: Record<string, string> = {
	conversation: 'it judges whole conversations, not rows; its labels filter --format sharegpt or chat-conversations',
	pairwise: 'it judges preference pairs, not rows; its labels filter --format preference-pairs (audited=yes)'
};

/**
 * A row export's human-label filters read quality and rating audits (human-labels.ts). A
 * conversation or pairwise audit named, or the only audits there are, would select no labels and
 * quietly export nothing (audited=yes) or everything (audited=no): refused, naming the export that reads them.
 */
function refuseShapeAudits(client: Database.Database, selection: ExportSelection): void {
	const named = selection.filters.audits ?? [];
	const audits = client
		.prepare<unknown[], { id: number; kind: string }>(
			`SELECT id, kind FROM audits WHERE dataset_id = ? AND status <> 'preparing'${named.length ? ` AND id IN (${named.map(() => '?').join(', ')})` : ''} ORDER BY id`
		)
		.all(selection.datasetId, ...named);
	const shapeAudit = audits.find((a) => a.kind in SHAPE_AUDIT_EXPORTS);
	if (!shapeAudit) return;
	if (named.length) throw new ExportFilterError(`Audit ${shapeAudit.id} is a ${shapeAudit.kind} audit: ${SHAPE_AUDIT_EXPORTS[shapeAudit.kind]}.`, `audit=${shapeAudit.id}`);
	if (usesHumanLabels(selection.filters) && audits.every((a) => a.kind in SHAPE_AUDIT_EXPORTS))
		throw new ExportFilterError(
			`The human-label filters of a row export read quality and rating audits, and this dataset has only ${shapeAudit.kind} audit${audits.length > 1 ? 's' : ''} ${audits.map((a) => a.id).join(', ')}: ${SHAPE_AUDIT_EXPORTS[shapeAudit.kind]}.`
		);
}

/** Checks the request against the data: the dataset exists, the audits and judge run it names are of it, and the model has responses in it. */
function resolve(request: ExportRequest, database: Db) {
	const dataset = getDataset(request.datasetId, database);
	if (!dataset) throw new ExportFilterError(receivingImport({ id: request.datasetId }, database) ?? `No dataset with id ${request.datasetId}.`);
	checkSelectionReferences(database.$client, request);
	refuseShapeAudits(database.$client, request);
	if (request.options?.importedFields) {
		const refusal = importedFieldsRefusal(request.format);
		if (refusal) throw new ExportFilterError(refusal);
		if (request.responsesOf) throw new ExportFilterError('The imported fields are the instances\' own: they cannot go with model responses as the outputs.');
	}
	if (request.responsesOf) {
		const has = database.$client.prepare<[number, string]>('SELECT 1 FROM responses WHERE dataset_id = ? AND model = ? LIMIT 1').get(dataset.id, request.responsesOf);
		if (!has) throw new ExportFilterError(`Dataset "${dataset.name}" has no responses from model "${request.responsesOf}".`);
	}
	return dataset;
}

/**
 * The request with the single-turn policy for conversation replies: instances whose output the
 * source marked not to train on (weight 0) or that is a tool call (no text) are left out of an
 * export of instance outputs, and the manifest counts them. Checked once per export, so datasets
 * without such rows query as before. With it, the reviewers whose labels do not count
 * (withReviewersNotCounted): every entry point passes here first.
 */
function withTargetPolicy<T extends ExportSelection>(request: T, client: Database.Database): T {
	request = withReviewersNotCounted(request, client);
	if (request.responsesOf || request.skipUntrainableTargets !== undefined) return request;
	const any = client.prepare<{ d: number }>(`SELECT 1 FROM (${untrainableTargetsSql('@d')}) LIMIT 1`).get({ d: request.datasetId }) !== undefined;
	return { ...request, skipUntrainableTargets: any };
}

/** How many instances the single-turn policy left out of the selection (withTargetPolicy), given how many it kept. */
function untrainableTargetsLeftOut(client: Database.Database, request: ExportSelection, keptInstances: number): number {
	return countSelection(client, { ...request, skipUntrainableTargets: false }).instances - keptInstances;
}

/** How many rows a request would export (the page's live count), with the judge's precision when it filters on the judge. */
export function countExport(
	request: ExportSelection,
	database: Db = db()
): SelectionCounts & { datasetInstances: number; rowsWithImportedFields: number; automaticFilters: AutomaticFiltersNote | null; judgePrecision: JudgeFilterPrecision | null } {
	request = withTargetPolicy(request, database.$client);
	return { ...selectionCounts(request, database), judgePrecision: judgeFilterPrecision(database.$client, request) };
}

/** countExport for the export page: a judge-valid filter's precision (the judge's calibration, seconds on a large audit) is computed in the report thread. */
export async function countExportOffThread(
	request: ExportSelection,
	database: Db = db()
): Promise<SelectionCounts & { datasetInstances: number; rowsWithImportedFields: number; automaticFilters: AutomaticFiltersNote | null; judgePrecision: JudgeFilterPrecision | null }> {
	request = withTargetPolicy(request, database.$client);
	const counts = selectionCounts(request, database);
	return { ...counts, judgePrecision: request.filters.judgeValid ? await judgeFilterPrecisionOffThread(request, database) : null };
}

/** The page's count of a request its callers already gave the single-turn policy (withTargetPolicy). */
function selectionCounts(request: ExportSelection, database: Db): SelectionCounts & { datasetInstances: number; rowsWithImportedFields: number; automaticFilters: AutomaticFiltersNote | null } {
	resolve({ ...request, format: 'jsonl' }, database);
	const counts = countSelection(database.$client, request);
	const total = database.$client.prepare<[number], { n: number }>('SELECT coalesce(sum(instance_count), 0) AS n FROM tasks WHERE dataset_id = ?').get(request.datasetId)!;
	return {
		...counts,
		datasetInstances: total.n,
		// Rows whose imported fields a file of instruction, input and output alone leaves out (the page says so unless they are written).
		rowsWithImportedFields: countRowsWithImportedFields(database.$client, request),
		automaticFilters: automaticFiltersOf(database.$client, request, () => counts.instances)
	};
}

/**
 * What judged the dataset's verdicts (see AutomaticFiltersNote) and how many instances of the
 * selection it rejected (rows a selection without `kept` includes), or null when nothing ever
 * judged the dataset. `instances` gives the selection's instance count, read only when every
 * selected row is a rejected one.
 */
function automaticFiltersOf(client: Database.Database, request: ExportSelection, instances: () => number): AutomaticFiltersNote | null {
	const run = client
		.prepare<[number], { id: number; createdAt: number; config: string }>('SELECT id, created_at AS createdAt, config FROM filter_runs WHERE dataset_id = ? ORDER BY id DESC LIMIT 1')
		.get(request.datasetId);
	const generation = run ? [] : generationRunsWriting(client, request.datasetId);
	if (!run && !generation.length) return null;
	const kept = request.filters.kept;
	const rejectedInstances = kept === 'yes' ? 0 : kept === 'no' ? instances() : countSelection(client, { ...request, filters: { ...request.filters, kept: 'no' } }).instances;
	return {
		filterRunId: run?.id ?? null,
		filterRunSettings: run ? filterRunSettings(run.config) : [],
		generationRuns: generation.map((g) => ({ id: g.id, pipeline: g.pipeline, filters: g.filters })),
		appliedAt: new Date(run ? run.createdAt : Math.max(...generation.map((g) => g.updatedAt))).toISOString(),
		rejectedInstances,
		...(kept === 'yes' ? { unjudgedInstances: countUnjudged(client, request) } : {})
	};
}

/**
 * The generation runs that wrote rows of the dataset, each with its filters in words: what judged
 * its rows until an *Apply filters* run replaces their verdicts.
 */
export function generationRunsOf(datasetId: number, database: Db = db()): AutomaticFiltersNote['generationRuns'] {
	return generationRunsWriting(database.$client, datasetId).map((g) => ({ id: g.id, pipeline: g.pipeline, filters: g.filters }));
}

function generationRunsWriting(client: Database.Database, datasetId: number): (AutomaticFiltersNote['generationRuns'][number] & { updatedAt: number })[] {
	return client
		.prepare<[number], { id: number; pipeline: string; params: string; seeds: string; updatedAt: number }>(
			`SELECT r.id, r.pipeline, r.params, r.seeds, r.updated_at AS updatedAt FROM generation_runs r
			 WHERE r.dataset_id = ? AND r.pipeline <> 'judge' AND EXISTS (SELECT 1 FROM tasks t WHERE t.run_id = r.id) ORDER BY r.id`
		)
		.all(datasetId)
		.map((g) => ({ id: g.id, pipeline: g.pipeline, filters: runParamsView({ params: JSON.parse(g.params), seeds: JSON.parse(g.seeds) }).filters, updatedAt: g.updatedAt }));
}

/** A filter run's settings in words; a configuration this version cannot read is said to be so rather than guessed. */
function filterRunSettings(config: string): string[] {
	const parsed = filterConfigSchema.safeParse(JSON.parse(config));
	return parsed.success ? filterConfigSummary(parsed.data) : ['settings not readable by this version'];
}

/**
 * startExport for the server's download and manifest: the audits' estimate for the manifest (a
 * latent-class bootstrap: seconds on large audits) is computed in the report thread, on the same
 * read snapshot as the rows, so that other requests are not held up meanwhile.
 */
export async function startExportOffThread(request: ExportRequest, database: Db = db(), options: StartOptions = {}): Promise<ExportStream> {
	// A request that names no dataset, or a model without responses, is refused by startExport.
	const reader = openReader(database);
	try {
		request = withTargetPolicy(request, reader.client);
		// The report thread reads the database itself: its figures are the snapshot's when nobody
		// wrote between the snapshot's start and its answer. The version is read before the
		// snapshot's first read (openReader) and again after the answer; the app's connection sees
		// every other connection's commits (data_version) and its own writes (total_changes).
		const version = reader.version ?? databaseVersion(database.$client);
		// (The export threads' modules are awaited here, after the snapshot began: never before it.)
		let [quality, judged]: [QualityEstimate | null, ExportJudgeFigures | undefined, void] = await Promise.all([
			estimateQualityOffThread(database.$client, request, database),
			exportJudgeOffThread(request, database),
			threadsResolved
		]);
		if (databaseVersion(database.$client) !== version) {
			// Something was written meanwhile (a reviewer's label, a kept fit): computed again on the
			// export's own snapshot, in this thread, as the rows will be read.
			quality = await estimateQualityOffThread(reader.client, request, database);
			judged = undefined;
		}
		return startExport(request, database, { ...options, prepared: { reader, quality, judge: judged } });
	} catch (err) {
		reader.close();
		throw err;
	}
}

export function startExport(request: ExportRequest, database: Db = db(), options: StartOptions = {}): ExportStream {
	const dataset = resolve(request, database);
	const format = exportFormat(request.format);
	const fileName = request.fileName ?? defaultFileName(dataset.name, request.format, request.responsesOf);
	const createdAt = new Date();
	const reader = options.prepared?.reader ?? openReader(database);
	request = withTargetPolicy(request, reader.client);
	let closed = false;
	const close = () => {
		if (!closed) {
			closed = true;
			reader.close();
		}
	};

	const written = { rows: 0, bytes: 0, tasks: 0, instances: 0, responses: 0, reformulations: 0 };
	let done = false;
	// The selection's counts and the size estimate are read when first asked for (a progress bar,
	// the download's headers, a judge estimate), on the same snapshot as the rows: a file written
	// without progress never pays for the count (0.4 s at 1M rows). Once the rows are written,
	// what was written is the count.
	let counted: SelectionCounts | undefined;
	const selectionCounts = (): SelectionCounts =>
		(counted ??= done
			? { rows: written.rows, tasks: written.tasks, instances: written.instances, responses: written.responses, reformulations: written.reformulations }
			: countSelection(reader.client, request));
	let estimated: number | undefined;
	const estimatedBytes = (): number => (estimated ??= done ? written.bytes : estimateBytes(reader.client, request, selectionCounts().rows));

	let quality: QualityEstimate | null;
	let qualityNote: string | null;
	let judgeEstimate: ExportJudgeEstimate | null;
	let judgeEstimateNote: string | null;
	let judgePrecision: JudgeFilterPrecision | null;
	let totals: { tasks: number; instances: number; tasksWithoutInstances: number; pairsSharingAPrompt: number };
	try {
		selectionQuery(request); // a filter the selection cannot take is refused here, not midway
		quality = options.prepared ? options.prepared.quality : estimateQuality(reader.client, request, undefined, database);
		qualityNote = noEstimateNote(reader.client, request, quality);
		({ estimate: judgeEstimate, estimateNote: judgeEstimateNote, precision: judgePrecision } = options.prepared?.judge ?? exportJudgeFigures(reader.client, request, () => selectionCounts().instances));
		totals = {
			...reader.client
				.prepare<[number], { tasks: number; instances: number; tasksWithoutInstances: number }>(
					`SELECT count(*) AS tasks, coalesce(sum(instance_count), 0) AS instances, coalesce(sum(instance_count = 0), 0) AS tasksWithoutInstances
					 FROM tasks WHERE dataset_id = ?`
				)
				.get(dataset.id)!,
			pairsSharingAPrompt: countPairsSharingAPrompt(reader.client, request)
		};
	} catch (err) {
		close();
		throw err;
	}

	// The automatic filters' verdicts on the selection, read on the rows' snapshot (before it closes).
	let automaticFilters: AutomaticFiltersNote | null | undefined;
	const automaticFiltersNote = (): AutomaticFiltersNote | null =>
		automaticFilters !== undefined ? automaticFilters : (automaticFilters = automaticFiltersOf(reader.client, request, () => selectionCounts().instances));

	// Conversation replies not meant as targets that the selection left out (withTargetPolicy), read on the rows' snapshot.
	let untrainableLeftOut: number | undefined;
	// Why the instances not in the file were left out (excludedInstancesByCause), read on the rows' snapshot once they are written.
	let excludedBy: ExcludedInstancesByCause | undefined;
	// Rows the importer would not read back exactly (the layouts it splits back only), counted as they are written.
	const readBackChecked = splitsBack(request.format, request.options ?? {});
	let notReadBack = 0;
	let systemLeftOut = 0;
	const importedFields = !!request.options?.importedFields;
	let importedFieldsNotWritten = 0;
	const runs = new Set<number>();
	const importIds = new Set<number>();
	/** The second reader of a large export in a format SQLite writes (./second-reader), if one started. */
	let second: SecondReaderThread | null = null;
	let digest: string | undefined;
	let imports: { id: number; fileName: string; format: string }[] = [];
	const progressEvery = options.progressEvery ?? 2000;

	function* chunks(): Generator<Uint8Array, void, undefined> {
		const instancesOnly = !request.includeReformulations && !request.responsesOf;
		// Parquet of instances is written a row group at a time from column blocks (below), by the encoder.
		const parquet = request.format === 'parquet' && instancesOnly;
		// Instances in every format but Parquet are written by SQLite, a block of records at a time (below).
		// (The imported fields are written by the serialiser, from rows that carry them.)
		const blockSql = instancesOnly && !importedFields ? recordSql(request.format, serializerOptions(request)) : undefined;
		const blockLayout = blockSql ? recordLayout(request.format) : undefined;
		const serializer = createSerializer(request.format, serializerOptions(request));
		const large = totals.instances >= (options.threadedFrom ?? THREADED_INSTANCES);
		const encoder = new ExportEncoder(parquet && large ? encoderThread : null);
		// The same snapshot as this reader's while the app connection's version has not moved since it began.
		second =
			blockSql && blockLayout && large && readerThread && reader.version !== null
				? SecondReaderThread.start(readerThread, { file: database.$client.name, selection: request, record: blockSql, layout: blockLayout }, () => databaseVersion(database.$client) === reader.version)
				: null;
		let pending: (string | Uint8Array)[] = [];
		let pendingLength = 0;
		const flush = (): Uint8Array | null => {
			if (!pendingLength) return null;
			// Text formats: one join and one encode per chunk rather than a Buffer per row.
			const bytes =
				pending.length === 1 && typeof pending[0] !== 'string'
					? pending[0]
					: pending.every((p) => typeof p === 'string')
						? Buffer.from(pending.join(''), 'utf8')
						: Buffer.concat(pending.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
			pending = [];
			pendingLength = 0;
			encoder.send({ kind: 'hash', bytes });
			while (encoder.ready() !== undefined); // the hash's acknowledgements
			written.bytes += bytes.length;
			return bytes;
		};
		/** The encoder's Parquet bytes that are ready, or all of them (`all`). */
		function* encoded(all: boolean): Generator<Uint8Array, void, undefined> {
			for (;;) {
				const reply = all ? (encoder.waiting ? encoder.next() : undefined) : encoder.ready();
				if (reply === undefined) return;
				if (!(reply instanceof Uint8Array)) throw new Error('export encoder: expected the file\'s bytes');
				written.bytes += reply.length;
				if (reply.length) yield reply;
			}
		}
		const add = (chunk: string | Uint8Array) => {
			if (!chunk.length) return;
			pending.push(chunk);
			// String length undercounts UTF-8 bytes; near enough for sizing chunks.
			pendingLength += chunk.length;
		};
		try {
			if (!parquet) add(serializer.begin());
			let lastTask = -1;
			let lastInstance: number | null = null;
			/** The manifest's counts and sources, row by row. */
			const counted = (kind: ExportRow['kind'], taskId: number, instanceId: number | null, runId: number | null, importId: number | null) => {
				written.rows++;
				if (kind === 'reformulation') written.reformulations++;
				else {
					if (kind === 'response') written.responses++;
					// Rows come in task then instance order, so counting changes counts distinct ones.
					if (instanceId !== lastInstance) {
						written.instances++;
						lastInstance = instanceId;
					}
					if (taskId !== lastTask) {
						written.tasks++;
						lastTask = taskId;
					}
				}
				if (runId !== null) runs.add(runId);
				if (importId !== null) importIds.add(importId);
			};
			/** The manifest's counts and sources, a block of instance rows at a time. */
			const countedBlock = (block: InstanceBlock) => {
				written.rows += block.rows;
				written.instances += block.rows;
				// Rows come in task order: a task split across two blocks counts once.
				written.tasks += block.tasks - (block.firstTaskId === lastTask ? 1 : 0);
				lastTask = block.lastTaskId;
				for (const id of block.runIds) runs.add(id);
				for (const id of block.importIds) importIds.add(id);
			};
			if (blockSql && blockLayout) {
				// Instances in a format SQLite writes: whole blocks of records as bytes (selectRecordBlocks).
				for (const block of selectRecordBlocks(reader.client, request, blockSql, blockLayout, RECORD_BLOCK_BYTES, second)) {
					add(written.rows ? blockLayout.between : blockLayout.first);
					countedBlock(block);
					add(block.bytes);
					const bytes = flush();
					if (bytes) yield bytes;
					options.onProgress?.(progress());
				}
			} else if (parquet) {
				// Instances as Parquet: each row group's columns come from SQLite as UTF-8 bytes
				// (selectColumnBlocks), never made into JavaScript strings and encoded again; the
				// encoder writes them as row groups while SQLite reads the next ones.
				const { rowGroupRows, createdBy } = serializerOptions(request);
				encoder.send({ kind: 'parquet-begin', rowGroupRows, createdBy });
				const groupRows = Math.max(1, rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS);
				for (const block of selectColumnBlocks(reader.client, request, MAX_GROUP_CHARS, groupRows)) {
					countedBlock(block);
					encoder.send({ kind: 'parquet-group', columns: block.columns, rows: block.rows });
					yield* encoded(false);
					options.onProgress?.(progress());
				}
				encoder.send({ kind: 'parquet-end' });
				yield* encoded(true);
			} else if (request.format === 'jsonl' && !request.includeReformulations && !importedFields) {
				// Responses as JSON Lines straight from SQLite (selectJsonLines): the same bytes, a third of the work.
				for (const row of selectJsonLines(reader.client, request)) {
					add(row.line);
					counted('response', row.taskId, row.instanceId, row.runId, row.importId);
					if (pendingLength >= CHUNK_BYTES) {
						const bytes = flush();
						if (bytes) yield bytes;
					}
					if (options.onProgress && written.rows % progressEvery === 0) options.onProgress(progress());
				}
			} else {
				for (const row of selectRows(reader.client, request, undefined, undefined, importedFields)) {
					add(serializer.write(row));
					if (readBackChecked && !readsBackExactly(request.format, request.options ?? {}, row)) notReadBack++;
					counted(row.kind, row.taskId, row.instanceId, row.runId, row.importId);
					if (pendingLength >= CHUNK_BYTES) {
						const bytes = flush();
						if (bytes) yield bytes;
					}
					if (options.onProgress && written.rows % progressEvery === 0) options.onProgress(progress());
				}
			}
			if (!parquet) {
				// The serialiser wrote no record of a block export: the layout says how the file ends.
				add(blockLayout ? (written.rows ? blockLayout.end : blockLayout.emptyEnd) : serializer.end());
				const last = flush();
				if (last) yield last;
			}
			encoder.send({ kind: 'digest' });
			while (encoder.waiting > 1) encoder.next();
			digest = encoder.next() as string;
			if (importIds.size) {
				const ids = [...importIds].sort((a, b) => a - b);
				imports = reader.client
					.prepare<unknown[], NonNullable<typeof imports>[number]>(`SELECT id, file_name AS fileName, format FROM imports WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`)
					.all(...ids);
			}
			automaticFiltersNote();
			if (readBackChecked && blockSql) notReadBack = countInstancesNotReadBack(reader.client, request, (instruction, input) => readsBackExactly(request.format, request.options ?? {}, { instruction, input }) !== false);
			systemLeftOut = countRowsWithOwnSystemMessage(reader.client, request);
			if (!importedFields) importedFieldsNotWritten = countRowsWithImportedFields(reader.client, request);
			if (request.skipUntrainableTargets) untrainableLeftOut = untrainableTargetsLeftOut(reader.client, request, written.instances);
			excludedBy = excludedInstancesByCause(reader.client, request, { selected: written.instances + (untrainableLeftOut ?? 0), excluded: totals.instances - written.instances, untrainable: untrainableLeftOut ?? 0 });
			done = true;
			options.onProgress?.(progress());
		} finally {
			second?.close();
			encoder.close();
			close();
		}
	}

	const progress = (): ExportProgress => ({ rows: written.rows, totalRows: selectionCounts().rows, bytes: written.bytes });

	const manifest = (): ExportManifest => {
		return {
			kind: 'instruct-audit-export',
			manifestVersion: 1,
			createdAt: createdAt.toISOString(),
			app: appVersion(),
			file: { name: fileName, format: format.id, formatLabel: format.label, bytes: written.bytes, sha256: digest ?? '', rows: written.rows },
			options: manifestOptions(request),
			dataset: { id: dataset.id, name: dataset.name, tasks: totals.tasks, instances: totals.instances },
			sources: { runs: [...runs].sort((a, b) => a - b), imports },
			filters: describeFilters(request.filters, { neverFiltered: automaticFiltersNote() === null, unjudged: automaticFiltersNote()?.unjudgedInstances }),
			automaticFilters: automaticFiltersNote(),
			rowOrder: ROW_ORDER,
			counts: {
				...(done
					? {
							rows: written.rows,
							tasks: written.tasks,
							instances: written.instances,
							responses: written.responses,
							reformulations: written.reformulations,
							excludedInstances: totals.instances - written.instances
						}
					: { ...selectionCounts(), excludedInstances: totals.instances - selectionCounts().instances }),
				...(done && excludedBy && totals.instances > written.instances ? { excludedInstancesBy: excludedBy } : {}),
				...(readBackChecked && done ? { notReadBackExactly: notReadBack } : {}),
				...(systemLeftOut ? { systemMessagesLeftOut: systemLeftOut } : {}),
				...(totals.tasksWithoutInstances ? { tasksWithoutInstancesLeftOut: totals.tasksWithoutInstances } : {}),
				...(totals.pairsSharingAPrompt ? { pairsSharingAPrompt: totals.pairsSharingAPrompt } : {}),
				...(importedFieldsNotWritten ? { importedFieldsNotWritten } : {}),
				...(request.skipUntrainableTargets ? { untrainableTargetsLeftOut: (untrainableLeftOut ??= untrainableTargetsLeftOut(reader.client, request, selectionCounts().instances)) } : {})
			},
			quality,
			qualityNote,
			judgeEstimate,
			judgeEstimateNote,
			judgePrecision
		};
	};

	return {
		id: randomUUID(),
		fileName,
		format,
		get counts() {
			return selectionCounts();
		},
		get estimatedBytes() {
			return estimatedBytes();
		},
		chunks,
		progress,
		manifest,
		readThreads: () => (second && second.blocksRead > 0 ? 2 : 1),
		close
	};
}

/**
 * Serialises a sample of about SAMPLE_ROWS rows spread over the whole selection to extrapolate the
 * file size (JSON quoting, CSV quoting and Parquet compression differ): the first rows alone said
 * little when rows grow longer further in (short seed tasks first, long generated ones after).
 */
function estimateBytes(client: import('better-sqlite3').Database, request: ExportRequest, totalRows: number): number {
	if (totalRows === 0) return 0;
	const step = Math.max(1, Math.floor(totalRows / SAMPLE_ROWS));
	if (request.format === 'parquet') {
		// Runs of neighbouring rows: a column's repeats and runs compress in the file as in them.
		return estimateParquetBytes(request, [...selectRows(client, request, step, SAMPLE_ROWS / PARQUET_SAMPLE_RUNS)], totalRows);
	}
	const serializer = createSerializer(request.format, serializerOptions(request));
	let sampleBytes = 0;
	let sampleRows = 0;
	const fixed = textBytes(serializer.begin());
	for (const row of selectRows(client, request, step, undefined, !!request.options?.importedFields)) {
		sampleBytes += textBytes(serializer.write(row));
		sampleRows++;
	}
	const tail = textBytes(serializer.end());
	if (sampleRows === 0) return fixed + tail;
	return Math.round(fixed + (sampleBytes / sampleRows) * totalRows + tail);
}

function textBytes(c: string | Uint8Array): number {
	return typeof c === 'string' ? Buffer.byteLength(c, 'utf8') : c.length;
}

/**
 * A Parquet file is a fixed part, a cost per row group (page headers, the group's footer entry
 * and its dictionaries — a column of few distinct values costs little more than its dictionary)
 * and a cost per row. One sample encoded as one group, then as two, tells the group's cost from
 * the rows': a sample of 500 rows taken as one group of the file counted its dictionaries 24
 * times over 12,000 rows of 27 repeated values (+63%).
 */
function estimateParquetBytes(request: ExportRequest, sample: readonly ExportRow[], totalRows: number): number {
	const encode = (rows: readonly ExportRow[], groupRows: number) => {
		const serializer = createSerializer('parquet', { ...serializerOptions(request), rowGroupRows: Math.max(1, groupRows) });
		let bytes = textBytes(serializer.begin());
		for (const row of rows) bytes += textBytes(serializer.write(row));
		return bytes + textBytes(serializer.end());
	};
	const fixed = encode([], 1);
	const n = sample.length;
	if (n === 0) return fixed;
	const oneGroup = encode(sample, n);
	const perGroup = n > 1 ? Math.max(0, encode(sample, Math.ceil(n / 2)) - oneGroup) : 0;
	const perRow = Math.max(0, oneGroup - fixed - perGroup) / n;
	// Groups as the export closes them: by rows, or earlier by text size (long outputs).
	const chars = sample.reduce((sum, r) => sum + r.instruction.length + r.input.length + r.output.length, 0) / n;
	const groupRows = Math.max(1, serializerOptions(request).rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS);
	const groups = Math.max(Math.ceil(totalRows / groupRows), Math.ceil((chars * totalRows) / MAX_GROUP_CHARS));
	return Math.round(fixed + perGroup * groups + perRow * totalRows);
}

export interface FileExportResult {
	manifest: ExportManifest;
	file: string;
	manifestFile: string;
}

/**
 * Writes an export to `file` and its manifest to `file.manifest.json`. The data goes to
 * `file.partial` first and is renamed at the end, so an interrupted export never leaves a
 * truncated file under the requested name.
 */
export function writeExportFile(request: ExportRequest, file: string, options: StartOptions = {}, database: Db = db()): FileExportResult {
	const stream = startExport({ ...request, fileName: request.fileName ?? path.basename(file) }, database, options);
	try {
		writeThroughPartial(file, stream.chunks());
	} catch (err) {
		stream.close();
		throw err;
	}
	return writeManifest(stream, file);
}

/** writeExportFile for the command line: stops when `signal` aborts (Ctrl-C), leaving neither the file nor its .partial. */
export async function writeExportFileInterruptibly(request: ExportRequest, file: string, signal: AbortSignal, options: StartOptions = {}, database: Db = db()): Promise<FileExportResult> {
	const stream = startExport({ ...request, fileName: request.fileName ?? path.basename(file) }, database, options);
	try {
		await writeThroughPartialInterruptibly(file, stream.chunks(), signal);
	} catch (err) {
		stream.close();
		throw err;
	}
	return writeManifest(stream, file);
}

function writeManifest(stream: ExportStream, file: string): FileExportResult {
	const manifest = stream.manifest();
	const manifestFile = `${file}.manifest.json`;
	fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
	return { manifest, file, manifestFile };
}

export { whereClauses };
