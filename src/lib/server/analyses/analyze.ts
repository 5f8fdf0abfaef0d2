/**
 * The analyses of a dataset, a generation run or an export selection (src/lib/analyses), read
 * from the database as a stream and cached per scope: a cached result is reused while the
 * fingerprint of its inputs (versionKey) is unchanged, and recomputed as soon as an import, a
 * generation run, a filter application or — for selections that use them — a human label
 * changes what the scope holds.
 */
import { DomainError } from '$lib/errors';
import { createHash } from 'node:crypto';
import { AnalysisBuilder, ANALYSIS_VERSION, SELF_INSTRUCT_SIMILARITY_THRESHOLD, NO_COVERAGE_NOTES, coverageNotes, type AnalysisCoverage, type DatasetAnalysis, type SimilarityThreshold } from '$lib/analyses';
import { latestFilterRun } from '../filters/apply';
import type { VerbNounExtractor } from '$lib/analyses/verb-noun';
import { VerbNounPool } from './verb-noun-pool';
import { threadsWorthStarting } from '../workers/module-worker';
import { db, type Db } from '../db';
import { isGenerationRunSql, latestGenerationRunOf } from '../runs/generation/rows';
import { datasetStatistics, type DatasetStatistics } from '../datasets/statistics';
import { getDataset, receivingImport } from '../datasets/datasets';
import { openReader, selectionQuery, withReviewersNotCounted, type ExportSelection } from '../exports/query';
import type Database from 'better-sqlite3';
import type { ReviewerInAudit } from '../../audits/qualification';
import { describeFilters, ExportFilterError, parseWhere, whereClauses, type ExportFilters } from '../exports/filters';

export class AnalysisError extends DomainError {
	constructor(message: string, status: 400 | 404 | 409 = 400, field?: string) {
		super(message, status, status === 404 ? 'not_found' : 'invalid', field);
	}
}

/** What to analyse. */
export type AnalysisScope =
	| { kind: 'dataset'; datasetId: number; keptOnly?: boolean }
	| { kind: 'run'; runId: number }
	/** The rows an export with these `where` clauses would write (instances of the dataset). */
	| { kind: 'selection'; datasetId: number; where: string[] };

/** Which seed instructions the ROUGE-L histogram compares with. */
export type SeedChoice = { kind: 'default' } | { kind: 'none' } | { kind: 'dataset'; datasetId: number } | { kind: 'run'; runId: number };

export interface AnalysisResult {
	/** What was analysed, in words ("dataset “alpaca”, kept rows"). */
	label: string;
	datasetId: number;
	datasetName: string;
	/** The dataset is archived (hidden from lists, read-only): still analysed, and said so. */
	archived: boolean;
	scope: AnalysisScope;
	/** The seed choice as resolved (the default made explicit). */
	seeds: SeedChoice;
	/** Filters of a selection (or the kept / run filters of the other scopes), described. */
	filters: { where: string; description: string }[];
	/** Self-Instruct Table 1 figures for the same rows. */
	table1: DatasetStatistics;
	/** What of conversations and preference pairs the figures read (see coverageNotes). */
	coverage: AnalysisCoverage;
	/** What the instruction and output figures cover, in words (null: every row's instruction / output). */
	covers: { instruction: string | null; output: string | null };
	analysis: DatasetAnalysis;
	computedAt: string;
	durationMs: number;
	/** Worker threads that tagged the instructions (0: the calling thread did). */
	taggerThreads: number;
	/** True when the result came from the cache. */
	cached: boolean;
}

/** Rows are read in batches; between batches the event loop gets a turn, so a long analysis does not stall other requests. */
const YIELD_EVERY = 4096;

/** From this many instructions on, the tagging is spread over worker threads. */
const POOL_FROM = 20_000;

let extractor: VerbNounExtractor | undefined;
/**
 * One tagger per process: loading the model takes a moment, using it has no state. Imported
 * on first use (its model is a few MB) and in a chunk of its own, which worker threads load too.
 */
async function verbNounModule() {
	const mod = await import('$lib/analyses/verb-noun');
	extractor ??= new mod.VerbNounExtractor();
	// The worker's entry, named here so the bundler keeps it in the module's chunk.
	return { extractor, moduleUrl: typeof mod.serveVerbNouns === 'function' ? mod.VERB_NOUN_MODULE_URL : null };
}

interface ResolvedScope {
	scope: AnalysisScope;
	datasetId: number;
	datasetName: string;
	archived: boolean;
	label: string;
	filters: ExportFilters;
	/** Selections: the reviewers whose labels their human-label filters leave out (the export's rule: withReviewersNotCounted). */
	reviewersNotCounted?: readonly ReviewerInAudit[];
	/** Tasks of the scope: SQL over `t` with its parameters (null for selections, which read instance rows). */
	taskWhere: { sql: string; params: unknown[] } | null;
}

interface ResolvedSeeds {
	choice: SeedChoice;
	instructions: string[];
	source: string;
	/**
	 * Task ids of the analysed dataset that are the seeds themselves (the dataset compared with its
	 * own instructions); its seed-origin tasks are left out whatever the seeds (see loadWith).
	 */
	ownSeedTasks: Set<number>;
	version: string;
}

function runRow(database: Db, runId: number): { id: number; name: string; datasetId: number | null; seeds: string } | undefined {
	return database.$client
		.prepare<[number], { id: number; name: string; datasetId: number | null; seeds: string }>(`SELECT id, name, dataset_id AS datasetId, seeds FROM generation_runs WHERE id = ? AND ${isGenerationRunSql()}`)
		.get(runId);
}

function datasetOrThrow(database: Db, datasetId: number) {
	const dataset = getDataset(datasetId, database);
	if (!dataset) {
		const busy = receivingImport({ id: datasetId }, database);
		throw new AnalysisError(busy ?? `No dataset with id ${datasetId}.`, busy ? 409 : 404, 'dataset');
	}
	return dataset;
}

function resolveScope(database: Db, scope: AnalysisScope, whereOption: string): ResolvedScope {
	if (scope.kind === 'run') {
		const run = runRow(database, scope.runId);
		if (!run) throw new AnalysisError(`No generation run with id ${scope.runId}.`, 404, 'run');
		if (run.datasetId === null) throw new AnalysisError(`Run ${run.id} has no dataset (it was deleted).`, 404, 'run');
		const dataset = datasetOrThrow(database, run.datasetId);
		return {
			scope,
			datasetId: dataset.id,
			datasetName: dataset.name,
			archived: dataset.archivedAt !== null,
			label: `run #${run.id} “${run.name}” (accepted candidates)`,
			filters: { kept: 'yes', runs: [run.id] },
			taskWhere: {
				sql: "t.dataset_id = ? AND t.run_id = ? AND (t.filter_status IS NULL OR t.filter_status <> 'rejected')",
				params: [dataset.id, run.id]
			}
		};
	}
	const dataset = datasetOrThrow(database, scope.datasetId);
	if (scope.kind === 'dataset') {
		return {
			scope,
			datasetId: dataset.id,
			datasetName: dataset.name,
			archived: dataset.archivedAt !== null,
			label: `dataset “${dataset.name}”${scope.keptOnly ? ', rows the filters kept' : ''}`,
			filters: scope.keptOnly ? { kept: 'yes' } : {},
			taskWhere: {
				sql: `t.dataset_id = ?${scope.keptOnly ? " AND (t.filter_status IS NULL OR t.filter_status <> 'rejected')" : ''}`,
				params: [dataset.id]
			}
		};
	}
	let filters: ExportFilters;
	try {
		filters = parseWhere(scope.where, whereOption);
	} catch (err) {
		if (err instanceof ExportFilterError) throw new AnalysisError(err.message, 400, 'where');
		throw err;
	}
	// The export's own refusal names its command-line options (--responses); an analysis has no responses to rate.
	if (filters.minRating) throw new AnalysisError(`${whereOption} rating=${filters.minRating}: A–D ratings are given to model responses, and the analyses read instructions and instances; leave rating out.`, 400, 'where');
	const described = describeFilters(filters);
	return {
		scope: { kind: 'selection', datasetId: dataset.id, where: whereClauses(filters) },
		datasetId: dataset.id,
		datasetName: dataset.name,
		archived: dataset.archivedAt !== null,
		label: `export selection of “${dataset.name}”${described.length ? ` (${described.map((d) => d.where).join(', ')})` : ' (every row)'}`,
		filters,
		reviewersNotCounted: withReviewersNotCounted<ExportSelection>({ datasetId: dataset.id, filters }, database).reviewersNotCounted,
		taskWhere: null
	};
}

/**
 * A cheap fingerprint of a dataset's rows: counts and last ids of tasks and instances (rows are
 * only ever added or deleted, never rewritten, except filter verdicts) and the last filter
 * application. Each part is one lookup on an index.
 */
function datasetVersion(database: Db | Database.Database, datasetId: number): string {
	const c = '$client' in database ? database.$client : database;
	const t = c.prepare<[number], { n: number; last: number }>('SELECT count(*) AS n, coalesce(max(id), 0) AS last FROM tasks WHERE dataset_id = ?').get(datasetId)!;
	const i = c.prepare<[number], { n: number; last: number }>('SELECT count(*) AS n, coalesce(max(id), 0) AS last FROM instances WHERE dataset_id = ?').get(datasetId)!;
	const f = c.prepare<[number], { last: number }>('SELECT coalesce(max(id), 0) AS last FROM filter_runs WHERE dataset_id = ?').get(datasetId)!;
	return `t${t.n}.${t.last}:i${i.n}.${i.last}:f${f.last}`;
}

/** Labels and adjudications of the dataset's audits, for selections filtered by human labels. */
function labelsVersion(database: Db, datasetId: number): string {
	const c = database.$client;
	const l = c
		.prepare<[number], { n: number; last: number }>(
			`SELECT count(*) AS n, coalesce(max(l.updated_at), 0) AS last FROM audit_labels l JOIN audits a ON a.id = l.audit_id WHERE a.dataset_id = ?`
		)
		.get(datasetId)!;
	const a = c
		.prepare<[number], { n: number; last: number }>(
			`SELECT count(*) AS n, coalesce(max(j.updated_at), 0) AS last FROM audit_adjudications j JOIN audits a ON a.id = j.audit_id WHERE a.dataset_id = ?`
		)
		.get(datasetId)!;
	return `l${l.n}.${l.last}:a${a.n}.${a.last}`;
}

const HUMAN_LABEL_FILTERS: (keyof ExportFilters)[] = ['allYes', 'minRating', 'agreed', 'audited'];

/** Instruction strings anywhere in a run's stored seeds (Self-Instruct tasks or Unnatural seed sets). */
function instructionsIn(value: unknown, out: string[] = []): string[] {
	if (Array.isArray(value)) for (const v of value) instructionsIn(v, out);
	else if (value && typeof value === 'object') {
		const instruction = (value as { instruction?: unknown }).instruction;
		if (typeof instruction === 'string' && instruction.trim() !== '') out.push(instruction);
		else for (const v of Object.values(value)) if (typeof v === 'object') instructionsIn(v, out);
	}
	return out;
}

function runSeeds(database: Db, runId: number): ResolvedSeeds {
	const run = runRow(database, runId);
	if (!run) throw new AnalysisError(`No generation run with id ${runId}.`, 404, 'seeds');
	let parsed: unknown;
	try {
		parsed = JSON.parse(run.seeds);
	} catch {
		parsed = [];
	}
	const instructions = [...new Set(instructionsIn(parsed))];
	return { choice: { kind: 'run', runId }, instructions, source: `the ${instructions.length} seed instructions of run #${run.id}`, ownSeedTasks: new Set(), version: `run${run.id}` };
}

function datasetSeeds(database: Db, seedDatasetId: number, analysedDatasetId: number): ResolvedSeeds {
	const dataset = datasetOrThrow(database, seedDatasetId);
	const c = database.$client;
	// A dataset with seed-origin tasks (the filters' pool) contributes those; any other, every instruction.
	const hasSeedOrigin = c.prepare<[number]>("SELECT 1 FROM tasks WHERE dataset_id = ? AND origin = 'seed' LIMIT 1").get(dataset.id) !== undefined;
	const rows = c
		.prepare<[number], { id: number; instruction: string }>(`SELECT id, instruction FROM tasks WHERE dataset_id = ?${hasSeedOrigin ? " AND origin = 'seed'" : ''} ORDER BY id`)
		.all(dataset.id);
	const own = dataset.id === analysedDatasetId && !hasSeedOrigin ? new Set(rows.map((r) => r.id)) : new Set<number>();
	return {
		choice: { kind: 'dataset', datasetId: dataset.id },
		instructions: rows.map((r) => r.instruction),
		source: `the ${rows.length} ${hasSeedOrigin ? 'seed-origin ' : ''}instructions of dataset “${dataset.name}”`,
		ownSeedTasks: own,
		version: `d${dataset.id}:${datasetVersion(database, dataset.id)}`
	};
}

/**
 * The default seeds: a run's own seeds (for a run, or a dataset a run wrote), else the dataset's
 * seed-origin tasks (what its filters compare with), else none.
 */
function defaultSeeds(database: Db, resolved: ResolvedScope): ResolvedSeeds | null {
	if (resolved.scope.kind === 'run') return runSeeds(database, resolved.scope.runId);
	const c = database.$client;
	const run = latestGenerationRunOf(resolved.datasetId, database);
	if (run) return runSeeds(database, run.id);
	if (c.prepare<[number]>("SELECT 1 FROM tasks WHERE dataset_id = ? AND origin = 'seed' LIMIT 1").get(resolved.datasetId)) {
		return datasetSeeds(database, resolved.datasetId, resolved.datasetId);
	}
	return null;
}

function resolveSeeds(database: Db, resolved: ResolvedScope, choice: SeedChoice): ResolvedSeeds | null {
	switch (choice.kind) {
		case 'none':
			return null;
		case 'run':
			return runSeeds(database, choice.runId);
		case 'dataset':
			return datasetSeeds(database, choice.datasetId, resolved.datasetId);
		default:
			return defaultSeeds(database, resolved);
	}
}

function scopeKey(resolved: ResolvedScope, seeds: SeedChoice): string {
	const key = JSON.stringify({ scope: resolved.scope, seeds });
	return key.length <= 400 ? key : createHash('sha256').update(key).digest('hex');
}

interface Loaded {
	taggerThreads: number;
	analysis: DatasetAnalysis;
	classification: { yes: number; no: number; unknown: number };
}

/** The ROUGE-L rule of a generation run's own filters, if it applied one (Unnatural Instructions' filters have none). */
function generationRunRougeL(database: Db, runId: number): { threshold: number } | null {
	const row = database.$client.prepare<[number], { params: string }>('SELECT params FROM generation_runs WHERE id = ?').get(runId);
	let params: { filters?: { instruction?: { rougeL?: { enabled?: unknown; threshold?: unknown } } } } | null = null;
	try {
		params = row ? JSON.parse(row.params) : null;
	} catch {
		return null;
	}
	const rule = params?.filters?.instruction?.rougeL;
	return rule?.enabled === true && typeof rule.threshold === 'number' ? { threshold: rule.threshold } : null;
}

/**
 * The ROUGE-L threshold the histogram is read against, in this order: that of the dataset's latest
 * filter run if it applied the ROUGE-L rule, else that of the generation run's own filters (the
 * run analysed, or the latest run that wrote the dataset), else Self-Instruct's. (The cache's
 * version names the latest filter run and the rows, so a new one recomputes.)
 */
function similarityThreshold(database: Db, resolved: ResolvedScope): SimilarityThreshold {
	const run = latestFilterRun(resolved.datasetId, database);
	const rule = run?.config.instruction.rougeL;
	if (run && rule?.enabled) return { value: rule.threshold, filterRunId: run.id, generationRunId: null };
	const generationRunId = resolved.scope.kind === 'run' ? resolved.scope.runId : (latestGenerationRunOf(resolved.datasetId, database)?.id ?? null);
	const own = generationRunId === null ? null : generationRunRougeL(database, generationRunId);
	return own ? { value: own.threshold, filterRunId: null, generationRunId } : SELF_INSTRUCT_SIMILARITY_THRESHOLD;
}

/** Streams the scope's rows through the analysis, yielding to the event loop between batches. */
async function load(database: Db, rows: Database.Database, resolved: ResolvedScope, seeds: ResolvedSeeds | null, tasks: number): Promise<Loaded> {
	const { extractor, moduleUrl } = await verbNounModule();
	const pool = tasks >= POOL_FROM && moduleUrl ? await VerbNounPool.create(moduleUrl, threadsWorthStarting()) : null;
	try {
		return { ...(await loadWith(database, rows, resolved, seeds, extractor, pool)), taggerThreads: pool?.size ?? 0 };
	} finally {
		await pool?.close();
	}
}

/** `c` reads the scope's rows: the analysis's read snapshot (see analyze). */
async function loadWith(
	database: Db,
	c: Database.Database,
	resolved: ResolvedScope,
	seeds: ResolvedSeeds | null,
	extractor: VerbNounExtractor,
	pool: VerbNounPool | null
): Promise<Omit<Loaded, 'taggerThreads'>> {
	const builder = new AnalysisBuilder({
		extractor,
		seeds: seeds ? { instructions: seeds.instructions, source: seeds.source, threshold: similarityThreshold(database, resolved) } : null
	});
	// With workers: each batch's instructions go to one while this thread does the rest; at most
	// one batch per worker is outstanding before we wait for the oldest.
	const inflight: Promise<void>[] = [];
	const deferVerbNouns = async (texts: string[]) => {
		if (!pool || texts.length === 0) return;
		inflight.push(pool.extract(texts).then((pairs) => pairs.forEach((p) => builder.addVerbNoun(p))));
		while (inflight.length > threadsWorthStarting()) await inflight.shift();
	};
	const verbNoun = pool ? ('deferred' as const) : undefined;
	const classification = { yes: 0, no: 0, unknown: 0 };
	const countClass = (v: number | null) => (v === null ? classification.unknown++ : v ? classification.yes++ : classification.no++);
	const own = seeds?.ownSeedTasks ?? new Set<number>();
	// The dataset's seed tasks are left out of the histogram however the seeds were chosen: a
	// copy of the seeds in another dataset would otherwise count them as generated, at F = 1.
	const isSeed = (taskId: number, seedOrigin: number) => seedOrigin === 1 || own.has(taskId);
	const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
	if (resolved.taskWhere) {
		// Instances are read for each batch of tasks (a range of task ids), so every query walks
		// the task index once; keyset paging on instance ids instead re-scanned every task per
		// batch (quadratic: 30 s at 250K tasks).
		const { q, from } = selectionQuery({ datasetId: resolved.datasetId, filters: resolved.filters, reviewersNotCounted: resolved.reviewersNotCounted });
		type InstanceRow = { inputWords: number; outputWords: number };
		const instancesOf = c.prepare<[unknown], InstanceRow>(
			`${q.withClause()}SELECT i.input_words AS inputWords, i.output_words AS outputWords FROM ${from}
			 WHERE ${q.whereClause()} AND t.id > @lo AND t.id <= @hi`
		);
		const addInstances = (lo: number, hi: number) => {
			for (const r of instancesOf.all({ ...q.params, lo, hi })) builder.addInstance(r.inputWords, r.outputWords);
		};
		type TaskRow = { id: number; instruction: string; words: number; cls: number | null; seedOrigin: number };
		let lo = 0;
		const tasks = c.prepare<unknown[], TaskRow>(
			`SELECT t.id, t.instruction, t.instruction_words AS words, t.is_classification AS cls, t.origin = 'seed' AS seedOrigin FROM tasks t
			 WHERE ${resolved.taskWhere.sql} AND t.id > ? ORDER BY t.id LIMIT ${YIELD_EVERY}`
		);
		for (;;) {
			const rows = tasks.all(...resolved.taskWhere.params, lo);
			await deferVerbNouns(rows.map((r) => r.instruction));
			for (const r of rows) {
				builder.addInstruction(r.instruction, r.words, { isSeed: isSeed(r.id, r.seedOrigin), verbNoun });
				countClass(r.cls);
			}
			const last = rows.length < YIELD_EVERY;
			// The last range is open-ended: every instance of the selection is counted exactly once.
			addInstances(lo, last ? Number.MAX_SAFE_INTEGER : rows[rows.length - 1].id);
			if (last) break;
			lo = rows[rows.length - 1].id;
			await pause();
		}
	} else {
		// A selection: its instance rows in task order; each task's instruction counted once.
		const selected = selectionQuery({ datasetId: resolved.datasetId, filters: resolved.filters, reviewersNotCounted: resolved.reviewersNotCounted });
		const from = selected.from;
		// One statement per block: the filters' CTEs are computed once, not again for every block.
		const { q, drop } = selected.q.materialized(c);
		try {
			type Row = { taskId: number; id: number; instruction: string; words: number; cls: number | null; seedOrigin: number; inputWords: number; outputWords: number };
			let lastTask = -1;
			let afterInstance = 0;
			const statement = c.prepare<[unknown], Row>(
				`${q.withClause()}SELECT t.id AS taskId, i.id, t.instruction, t.instruction_words AS words, t.is_classification AS cls, t.origin = 'seed' AS seedOrigin,
					i.input_words AS inputWords, i.output_words AS outputWords
				 FROM ${from} WHERE ${q.whereClause()} AND (t.id > @afterTask OR (t.id = @afterTask AND i.id > @afterInstance))
				 ORDER BY t.id, i.id LIMIT ${YIELD_EVERY}`
			);
			for (;;) {
				const rows = statement.all({ ...q.params, afterTask: lastTask, afterInstance });
				const texts: string[] = [];
				for (let k = 0, last = lastTask; k < rows.length; k++) {
					if (rows[k].taskId !== last) texts.push(rows[k].instruction);
					last = rows[k].taskId;
				}
				await deferVerbNouns(texts);
				for (const r of rows) {
					if (r.taskId !== lastTask) {
						builder.addInstruction(r.instruction, r.words, { isSeed: isSeed(r.taskId, r.seedOrigin), verbNoun });
						countClass(r.cls);
						lastTask = r.taskId;
					}
					afterInstance = r.id;
					builder.addInstance(r.inputWords, r.outputWords);
				}
				if (rows.length < YIELD_EVERY) break;
				await pause();
			}
		} finally {
			drop();
		}
	}
	await Promise.all(inflight);
	return { analysis: builder.finish(), classification };
}

/**
 * Conversations and preference pairs among the analysed tasks, and what of them goes unread: a
 * conversation's turns after the first user turn and first reply, a pair's second response.
 * (Cheap where there are none: one lookup on each table's dataset index.)
 */
function coverageOf(c: Database.Database, resolved: ResolvedScope): AnalysisCoverage {
	const has = (table: string) => c.prepare<[number]>(`SELECT 1 FROM ${table} WHERE dataset_id = ? LIMIT 1`).get(resolved.datasetId) !== undefined;
	const conversations = has('conversations');
	const pairs = has('preference_pairs');
	if (!conversations && !pairs) return NO_COVERAGE_NOTES;
	const { q, from } = selectionQuery({ datasetId: resolved.datasetId, filters: resolved.filters, reviewersNotCounted: resolved.reviewersNotCounted });
	const analysed = `SELECT t.id FROM ${from} WHERE ${q.whereClause()}`;
	const turns = conversations
		? c
				.prepare<[unknown], { n: number; users: number; replies: number }>(
					`${q.withClause()}SELECT count(*) AS n, coalesce(sum(max(users - 1, 0)), 0) AS users, coalesce(sum(max(replies - 1, 0)), 0) AS replies FROM (
						SELECT (SELECT count(*) FROM conversation_turns ct WHERE ct.conversation_id = c.id AND ct.role = 'user') AS users,
							(SELECT count(*) FROM conversation_turns ct WHERE ct.conversation_id = c.id AND ct.role = 'assistant') AS replies
						FROM conversations c WHERE c.dataset_id = @coverageDataset AND c.task_id IN (${analysed}))`
				)
				.get({ ...q.params, coverageDataset: resolved.datasetId })!
		: { n: 0, users: 0, replies: 0 };
	const pairCount = pairs
		? c
				.prepare<[unknown], { n: number }>(`${q.withClause()}SELECT count(*) AS n FROM preference_pairs p WHERE p.dataset_id = @coverageDataset AND p.task_id IN (${analysed})`)
				.get({ ...q.params, coverageDataset: resolved.datasetId })!.n
		: 0;
	// The outputs read of those pairs: the analysed instances of their tasks (the rows are instances).
	const pairOutputs = pairCount
		? c.prepare<[unknown], { n: number }>(`${q.withClause()}SELECT count(*) AS n FROM ${from} WHERE ${q.whereClause()} AND EXISTS (SELECT 1 FROM preference_pairs p WHERE p.task_id = t.id)`).get(q.params)!.n
		: 0;
	return { conversations: turns.n, laterUserTurns: turns.users, laterReplies: turns.replies, preferencePairs: pairCount, pairOutputs };
}

/** Table 1 for rows that are not a whole dataset: from the analysed rows themselves. */
function table1FromAnalysis(loaded: Loaded): DatasetStatistics {
	const a = loaded.analysis;
	return {
		instructions: a.instructions,
		classification: loaded.classification.yes,
		nonClassification: loaded.classification.no,
		unknownClassification: loaded.classification.unknown,
		instances: a.instances,
		emptyInputInstances: a.lengths.emptyInputs,
		avgInstructionWords: a.lengths.instruction.mean ?? null,
		avgNonEmptyInputWords: a.lengths.input.mean ?? null,
		avgOutputWords: a.lengths.output.mean ?? null,
		responses: 0,
		models: 0,
		rejectedInstructions: 0
	};
}

export interface AnalyzeOptions {
	seeds?: SeedChoice;
	/** Ignore a cached result (it is replaced). */
	refresh?: boolean;
	/** What the caller calls a selection's clauses, for its refusals: "filter" on the pages (the default), "--where" on the command line. */
	whereOption?: string;
}

/** The analyses of one scope, from the cache when its inputs have not changed. */
export async function analyze(scope: AnalysisScope, options: AnalyzeOptions = {}, database: Db = db()): Promise<AnalysisResult> {
	const resolved = resolveScope(database, scope, options.whereOption ?? 'filter');
	const seeds = resolveSeeds(database, resolved, options.seeds ?? { kind: 'default' });
	const seedChoice: SeedChoice = seeds?.choice ?? { kind: 'none' };
	const key = scopeKey(resolved, options.seeds ?? { kind: 'default' });
	const usesLabels = HUMAN_LABEL_FILTERS.some((f) => resolved.filters[f] !== undefined);
	const versionOf = (rows: Db | Database.Database) =>
		[`a${ANALYSIS_VERSION}`, datasetVersion(rows, resolved.datasetId), `s:${seeds?.version ?? 'none'}`, usesLabels ? labelsVersion(database, resolved.datasetId) : ''].join('|');
	const version = versionOf(database);
	const c = database.$client;
	if (!options.refresh) {
		const hit = c.prepare<[string], { version: string; result: string }>('SELECT version, result FROM analysis_cache WHERE scope_key = ?').get(key);
		// Archiving changes no row: the flag is read now, not from the cache.
		if (hit && hit.version === version) return { ...(JSON.parse(hit.result) as AnalysisResult), archived: resolved.archived, cached: true };
	}
	const started = performance.now();
	// The rows are read in batches with the event loop free between them: one read snapshot (the
	// exports' openReader) keeps an import that commits meanwhile out of every batch, so the
	// result is the rows of one instant, and the cached version is that instant's.
	const reader = openReader(database);
	let loaded: Loaded, coverage: AnalysisCoverage, readVersion: string;
	try {
		readVersion = versionOf(reader.client);
		const tasks = (reader.client.prepare<[number], { n: number }>('SELECT count(*) AS n FROM tasks WHERE dataset_id = ?').get(resolved.datasetId)!).n;
		loaded = await load(database, reader.client, resolved, seeds, tasks);
		coverage = coverageOf(reader.client, resolved);
	} finally {
		reader.close();
	}
	const wholeDataset = resolved.scope.kind === 'dataset' || resolved.scope.kind === 'run';
	const table1 = wholeDataset
		? datasetStatistics(resolved.datasetId, { keptOnly: resolved.filters.kept === 'yes' }, database)
		: table1FromAnalysis(loaded);
	const durationMs = Math.round(performance.now() - started);
	const result: AnalysisResult = {
		label: resolved.label,
		datasetId: resolved.datasetId,
		datasetName: resolved.datasetName,
		archived: resolved.archived,
		scope: resolved.scope,
		seeds: seedChoice,
		filters: describeFilters(resolved.filters),
		table1,
		coverage,
		covers: coverageNotes(coverage),
		analysis: loaded.analysis,
		computedAt: new Date().toISOString(),
		durationMs,
		taggerThreads: loaded.taggerThreads,
		cached: false
	};
	c.prepare<[string, string, string, number, number]>(
		`INSERT INTO analysis_cache (scope_key, version, result, duration_ms, computed_at) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT(scope_key) DO UPDATE SET version = excluded.version, result = excluded.result,
			duration_ms = excluded.duration_ms, computed_at = excluded.computed_at`
	).run(key, readVersion, JSON.stringify(result), durationMs, Date.now());
	return result;
}

/** Reads "dataset:3", "run:5" or "none" (the page's and the CLI's seed choice). */
export function parseSeedChoice(value: string | null | undefined): SeedChoice {
	const v = (value ?? '').trim();
	if (v === '' || v === 'default') return { kind: 'default' };
	if (v === 'none') return { kind: 'none' };
	const m = /^(dataset|run):(\d+)$/.exec(v);
	if (!m) throw new AnalysisError(`Seeds: expected "dataset:<id>", "run:<id>" or "none", got "${v}".`, 400, 'seeds');
	return m[1] === 'dataset' ? { kind: 'dataset', datasetId: Number(m[2]) } : { kind: 'run', runId: Number(m[2]) };
}

export function formatSeedChoice(choice: SeedChoice): string {
	return choice.kind === 'dataset' ? `dataset:${choice.datasetId}` : choice.kind === 'run' ? `run:${choice.runId}` : choice.kind;
}
