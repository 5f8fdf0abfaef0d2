import { desc, eq } from 'drizzle-orm';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { db, perConnection, transaction, type Db } from '../db';
import { bulkPause, bulkWriteBudget, retryBulkWhenBusy } from '../db/busy';
import { DomainError } from '$lib/errors';
import { filterRuns, type FilterRunRow } from '../db/tables';
import { FilterRun, ROUGE_EXACT_ABOVE, filterConfigSchema, isFilterRule, isUnchangedPreset, parseFilterConfig, type FilterConfig, type FilterFunnel, type FilterTask, type StandingRejection } from '$lib/filters';
import { ruleLabel } from '../runs/generation/progress';
import { poolSeeds, readRunParams, type RunSeeds } from '../runs/generation/params';
import { assertDatasetWritable, getDataset, receivingImport } from '../datasets/datasets';
import { BULK_BATCH_ROWS } from '../datasets/importing';
import { BATCH_MAX_WRITE_MS } from '../datasets/import';

export interface ApplyFiltersResult {
	filterRunId: number;
	funnel: FilterFunnel;
	seedInstructions: number;
	durationMs: number;
}

interface Judged {
	status: string;
	rule: string | null;
	detail: string | null;
}

interface TaskRow extends Judged {
	id: number;
	instruction: string;
	origin: string;
}

interface InstanceRow extends Judged {
	id: number;
	taskId: number;
	input: string;
	output: string;
}

/**
 * A row's rejection that a filter run must leave standing: one given for a reason no filter rule
 * judges — a generation run's "beyond its target", "a call about it failed", an output cut by
 * the length limit. Rejections by a filter rule (the generation run's own blacklist, ROUGE-L…)
 * are the filters' to give again, and a new run replaces them.
 */
function standingRejection(row: Judged): StandingRejection | undefined {
	return row.status === 'rejected' && row.rule !== null && !isFilterRule(row.rule) ? { rule: row.rule, detail: row.detail } : undefined;
}

/** The funnel's line for a standing rejection. */
function standingLabel(rule: string): string {
	return `Rejected by the generation run (${ruleLabel(rule).replace(/^\p{Lu}(?!\p{Lu})/u, (c) => c.toLowerCase())})`;
}

/**
 * Runs a filter configuration over a dataset in task order and stores every verdict on its
 * task and instance rows; nothing is deleted. Seed tasks (origin "seed") are the initial
 * ROUGE-L pool, as in Self-Instruct, and are never filtered themselves. Verdicts are written
 * in batches of short transactions (a 250K-instance dataset never holds the write lock for
 * seconds); while they are being written, a page may show some tasks with the new verdicts and
 * the rest with the previous ones, and the run itself appears with the last batch. The work
 * yields to the event loop every few milliseconds, so the server keeps answering reviewers while
 * it filters a big dataset; one run per dataset at a time in a process.
 */
export async function applyFilters(
	datasetId: number,
	configInput: FilterConfig | unknown,
	createdBy: number | null,
	database: Db = db()
): Promise<ApplyFiltersResult> {
	const config = parseFilterConfig(configInput);
	const dataset = getDataset(datasetId, database);
	if (!dataset) {
		const busy = receivingImport({ id: datasetId }, database);
		throw new DomainError(busy ?? `No dataset with id ${datasetId}.`, busy ? 409 : 404, busy ? 'busy' : 'not_found', 'dataset');
	}
	assertDatasetWritable(dataset);
	const running = perConnection(database, applying);
	if (running.has(datasetId)) throw new DomainError('Filters are already being applied to this dataset; wait until they finish.', 409, 'busy');
	running.add(datasetId);
	try {
		return await applyFiltersNow(datasetId, config, createdBy, database);
	} finally {
		running.delete(datasetId);
	}
}

/** Datasets being filtered, per connection (perConnection): a second run would interleave its batches with the first. */
function applying(): Set<number> {
	return new Set();
}
/** CPU time the filtering takes before it lets the event loop serve others. */
const YIELD_AFTER_MS = 20;

async function applyFiltersNow(datasetId: number, config: FilterConfig, createdBy: number | null, database: Db): Promise<ApplyFiltersResult> {
	const started = performance.now();
	const c = database.$client;
	const seeds = (
		c.prepare<[number], {
			id: number;
			instruction: string;
		}>("SELECT id, instruction FROM tasks WHERE dataset_id = ? AND origin = 'seed' ORDER BY id").all(datasetId)
	).map((s) => ({ id: s.id, instruction: s.instruction }));
	// Exact highest similarities above 0.5 are stored for the filter report's threshold sweep.
	const run = new FilterRun(config, { seeds, examplesPerRule: 5, rougeExactAbove: ROUGE_EXACT_ABOVE, standingLabel });

	const setTask = c.prepare<[string, string | null, string | null, number | null, number]>('UPDATE tasks SET filter_status = ?, filter_rule = ?, filter_detail = ?, filter_rouge_l = ? WHERE id = ?');
	const setInstance = c.prepare<[string, string | null, string | null, number]>('UPDATE instances SET filter_status = ?, filter_rule = ?, filter_detail = ? WHERE id = ?');
	const instancesOf = c.prepare<[number], InstanceRow>(
		'SELECT id, task_id AS taskId, input, output, filter_status AS status, filter_rule AS rule, filter_detail AS detail FROM instances WHERE task_id = ? ORDER BY id'
	);

	// Verdicts are worked out outside any transaction and written in short ones (BULK_BATCH_ROWS
	// rows each), so a reviewer's write waits at most one batch; the run's row, which pages and
	// exports show as the dataset's latest filter run, is written with the last batch.
	const tasks = c
		.prepare<[number], TaskRow>(
			"SELECT id, instruction, origin, filter_status AS status, filter_rule AS rule, filter_detail AS detail FROM tasks WHERE dataset_id = ? AND origin <> 'seed' ORDER BY id"
		)
		.all(datasetId);
	const pending: [status: string, rule: string | null, detail: string | null, rouge: number | null, id: number, isTask: boolean][] = [];
	// Writes pending verdicts for at most BATCH_MAX_WRITE_MS (all of them when `all`); the rest
	// wait for the next transaction.
	const writePending = (all = false) => {
		const spent = bulkWriteBudget(c, BATCH_MAX_WRITE_MS);
		let written = 0;
		while (written < pending.length) {
			const [status, rule, detail, rouge, id, isTask] = pending[written++];
			if (isTask) setTask.run(status, rule, detail, rouge, id);
			else setInstance.run(status, rule, detail, id);
			if (!all && (written & 63) === 0 && spent()) break;
		}
		pending.splice(0, written);
	};
	const write = () => retryBulkWhenBusy(database.$client, () => transaction(database, () => writePending(), 'apply filters'));
	let lastCommit = 0;
	let lastYield = performance.now();
	for (const task of tasks) {
		if (performance.now() - lastYield > YIELD_AFTER_MS) {
			await yieldToEventLoop();
			lastYield = performance.now();
		}
		const instances = instancesOf.all(task.id);
		const standing = standingRejection(task);
		const filterTask: FilterTask = {
			id: task.id,
			instruction: task.instruction,
			instances: instances.map((i) => {
				const s = standingRejection(i);
				return { id: i.id, input: i.input, output: i.output, ...(s ? { standing: s } : {}) };
			}),
			...(standing ? { standing } : {})
		};
		const verdict = run.push(filterTask);
		// A standing rejection is left as it is, on the task and its instances.
		if (verdict.standing) continue;
		// 0 when ROUGE-L ran but the index examined nothing (so nothing is above 0.5); null when it did not run.
		const rouge = verdict.rougeL ? (verdict.rougeL.max ?? 0) : null;
		pending.push([verdict.keep ? 'kept' : 'rejected', verdict.keep ? null : (verdict.rule ?? null), verdict.detail ?? null, rouge, task.id, true]);
		for (const v of verdict.instances) {
			if (v.standing) continue;
			pending.push([v.keep ? 'kept' : 'rejected', v.keep ? null : (v.rule ?? null), v.keep ? null : (v.detail ?? null), null, Number(v.id), false]);
		}
		// A pause of one batch's length between transactions lets other writers in.
		if (pending.length >= BULK_BATCH_ROWS && performance.now() - lastCommit > BATCH_MAX_WRITE_MS) {
			await write();
			lastCommit = lastYield = performance.now();
		}
	}
	while (pending.length > BULK_BATCH_ROWS / 10) {
		await write();
		await bulkPause(c, BATCH_MAX_WRITE_MS / 2);
	}
	return retryBulkWhenBusy(database.$client, () => transaction(
		database,
		() => {
			writePending(true);
			const funnel = run.funnel();
			const durationMs = Math.round(performance.now() - started);
			const row = database
				.insert(filterRuns)
				.values({
					datasetId,
					config: config as unknown as Record<string, unknown>,
					funnel: funnel as unknown as Record<string, unknown>,
					seedInstructions: seeds.length,
					durationMs,
					createdBy,
					createdAt: new Date()
				})
				.returning({ id: filterRuns.id })
				.get();
			return { filterRunId: row.id, funnel, seedInstructions: seeds.length, durationMs };
		},
		'apply filters'
	));
}

export interface StoredFilterRun extends Omit<FilterRunRow, 'config' | 'funnel'> {
	config: FilterConfig;
	funnel: FilterFunnel;
}

export function latestFilterRun(datasetId: number, database: Db = db()): StoredFilterRun | null {
	const row = database.select().from(filterRuns).where(eq(filterRuns.datasetId, datasetId)).orderBy(desc(filterRuns.id)).limit(1).get();
	if (!row) return null;
	return { ...row, config: row.config as unknown as FilterConfig, funnel: row.funnel as unknown as FilterFunnel };
}

/** Settings applied to a dataset before that are not a preset's unchanged, offered again by the Filters page. */
export interface SavedFilterSettings {
	/** What the form sends to choose them: "filter-run-3", "generation-run-2". */
	key: string;
	config: FilterConfig;
	/** The run that applied them last. */
	run: { kind: 'filter' | 'generation'; id: number };
	appliedAt: Date;
}

/** At most this many saved settings are offered, the most recently applied first. */
const SAVED_SETTINGS_OFFERED = 20;

/**
 * Every distinct set of settings the dataset's filter runs applied — a user's own ("strict-v2", from
 * `--config`) and a preset's changed in the form ("self-instruct, customised") — and, while no
 * filter run has replaced them, the newest generation run's filters; the most recently applied
 * first, each once (by its settings and name). A preset's unchanged settings are the preset's radio.
 */
export function savedFilterSettings(datasetId: number, database: Db = db()): SavedFilterSettings[] {
	const rows = database.$client
		.prepare<[number], { id: number; config: string; createdAt: number }>('SELECT id, config, created_at AS createdAt FROM filter_runs WHERE dataset_id = ? ORDER BY id DESC')
		.all(datasetId);
	const saved: SavedFilterSettings[] = [];
	const seen = new Set<string>();
	const offer = (value: unknown, run: SavedFilterSettings['run'], appliedAt: Date) => {
		// Settings this version cannot read are not offered (the run's page still names them).
		const parsed = filterConfigSchema.safeParse(value);
		if (!parsed.success || isUnchangedPreset(parsed.data)) return;
		const same = JSON.stringify(parsed.data);
		if (seen.has(same) || saved.length >= SAVED_SETTINGS_OFFERED) return;
		seen.add(same);
		saved.push({ key: `${run.kind}-run-${run.id}`, config: parsed.data, run, appliedAt });
	};
	for (const row of rows) offer(JSON.parse(row.config), { kind: 'filter', id: row.id }, new Date(row.createdAt));
	if (rows.length === 0) {
		const generation = latestGenerationFilters(datasetId, database);
		if (generation) offer(generation.config, { kind: 'generation', id: generation.runId }, generation.updatedAt);
	}
	return saved;
}

/** The filters a Self-Instruct or Alpaca run judged its rows with, for a dataset it wrote. */
export interface GenerationFilters {
	runId: number;
	pipeline: 'self-instruct' | 'alpaca';
	config: FilterConfig;
	/** Seed instructions the run's ROUGE-L pool started with. */
	poolSeeds: number;
	/** Seed tasks the dataset itself holds (Apply filters' pool starts with these only). */
	datasetSeeds: number;
	/** When the run last changed (its verdicts are as of then). */
	updatedAt: Date;
}

/**
 * The newest Self-Instruct or Alpaca run that wrote tasks into the dataset, with its filters: until
 * the filters are applied by hand, its verdicts are the rows', so the form starts from its settings.
 */
export function latestGenerationFilters(datasetId: number, database: Db = db()): GenerationFilters | null {
	const c = database.$client;
	const run = c
		.prepare<[number], { id: number; params: string; seeds: string; updatedAt: number }>(
			`SELECT r.id, r.params, r.seeds, r.updated_at AS updatedAt FROM generation_runs r
			 WHERE r.dataset_id = ? AND r.pipeline IN ('self-instruct', 'alpaca') AND EXISTS (SELECT 1 FROM tasks t WHERE t.run_id = r.id)
			 ORDER BY r.id DESC LIMIT 1`
		)
		.get(datasetId);
	if (!run) return null;
	const params = readRunParams(JSON.parse(run.params));
	if (params.pipeline !== 'self-instruct' && params.pipeline !== 'alpaca') return null;
	const datasetSeeds = c.prepare<[number], number>("SELECT count(*) FROM tasks WHERE dataset_id = ? AND origin = 'seed'").pluck().get(datasetId)!;
	return { runId: run.id, pipeline: params.pipeline, config: params.filters, poolSeeds: poolSeeds(params, JSON.parse(run.seeds) as RunSeeds).length, datasetSeeds, updatedAt: new Date(run.updatedAt) };
}
