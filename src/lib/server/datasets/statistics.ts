import type Database from 'better-sqlite3';
import type { DatasetFigures } from '$lib/reports/paper-tables';
import { db, type Db } from '../db';
import { datasetRowsState, rememberWhileUnchanged, RESPONSE_COUNTS, type ResponseCounts } from './counts';

/**
 * A dataset's statistics as Self-Instruct reports them (paper Table 1): instruction counts by
 * classification, instances, instances with empty input, and average lengths in words
 * (a word = a whitespace-separated token; input length averaged over non-empty inputs).
 */
export interface DatasetStatistics extends DatasetFigures {
	responses: number;
	/** Named models; the responses of pairs that name none are `unnamedResponses` (absent: none). */
	models: number;
	unnamedResponses?: number;
	/** Rows the automatic filters rejected (excluded when `keptOnly`). */
	rejectedInstructions: number;
}

export interface StatisticsOptions {
	/** Leave out rows the automatic filters rejected. */
	keptOnly?: boolean;
}

/**
 * What a dataset's statistics depend on, read in a few index seeks: its largest task and
 * instance ids (rows are only ever added; they go only with the whole dataset), the largest
 * response id of any dataset (responses have no index by dataset and id; a response added
 * elsewhere only costs a recount), and its revision, which triggers bump on every update that
 * changes a statistic (migration 0020).
 */
function statisticsState(c: Database.Database, datasetId: number): string {
	const rows = datasetRowsState(c, datasetId);
	const rest = c
		.prepare<[number], string>("SELECT (SELECT coalesce(max(id), 0) FROM responses) || ':' || coalesce((SELECT revision FROM dataset_revisions WHERE dataset_id = ?), 0)")
		.pluck()
		.get(datasetId)!;
	return `${rows}:${rest}`;
}

/**
 * The dataset's statistics: counted in full (a scan of its tasks and instances, 1.3 s at a
 * million) only when the dataset changed since this connection last counted them. Counts read
 * inside a transaction are not remembered.
 */
export function datasetStatistics(datasetId: number, options: StatisticsOptions = {}, database: Db = db()): DatasetStatistics {
	const c = database.$client;
	return rememberWhileUnchanged(c, `statistics:${datasetId}:${options.keptOnly ? 'kept' : 'all'}`, statisticsState(c, datasetId), () =>
		countStatistics(c, datasetId, options)
	);
}

function countStatistics(c: Database.Database, datasetId: number, options: StatisticsOptions): DatasetStatistics {
	const keptTask = options.keptOnly ? "AND (filter_status IS NULL OR filter_status <> 'rejected')" : '';
	const keptInstance = options.keptOnly
		? "AND (i.filter_status IS NULL OR i.filter_status <> 'rejected') AND (t.filter_status IS NULL OR t.filter_status <> 'rejected')"
		: '';
	const t = c
		.prepare<[number], { n: number; cls: number; noncls: number; unknown: number; words: number | null; rejected: number }>(
			`SELECT count(*) AS n,
				coalesce(sum(is_classification = 1), 0) AS cls,
				coalesce(sum(is_classification = 0), 0) AS noncls,
				coalesce(sum(is_classification IS NULL), 0) AS unknown,
				avg(instruction_words) AS words,
				coalesce(sum(filter_status = 'rejected'), 0) AS rejected
			 FROM tasks WHERE dataset_id = ? ${keptTask}`
		)
		.get(datasetId)!;
	const i = c
		.prepare<[number], { n: number; empty: number; inputWords: number | null; outputWords: number | null }>(
			`SELECT count(*) AS n,
				coalesce(sum(i.input_words = 0), 0) AS empty,
				avg(CASE WHEN i.input_words > 0 THEN i.input_words END) AS inputWords,
				avg(i.output_words) AS outputWords
			 FROM instances i JOIN tasks t ON t.id = i.task_id WHERE i.dataset_id = ? ${keptInstance}`
		)
		.get(datasetId)!;
	const r = c.prepare<[number], ResponseCounts>(`SELECT ${RESPONSE_COUNTS} FROM responses WHERE dataset_id = ?`).get(datasetId)!;
	return {
		instructions: t.n,
		classification: t.cls,
		nonClassification: t.noncls,
		unknownClassification: t.unknown,
		instances: i.n,
		emptyInputInstances: i.empty,
		avgInstructionWords: t.words,
		avgNonEmptyInputWords: i.inputWords,
		avgOutputWords: i.outputWords,
		responses: r.responses,
		models: r.models,
		unnamedResponses: r.unnamedResponses,
		rejectedInstructions: options.keptOnly ? 0 : t.rejected
	};
}

/** What the richer shapes add to a dataset: SuperNI examples, conversations and their turns, preference pairs. */
export interface DatasetShapeCounts {
	examples: number;
	conversations: number;
	turns: number;
	pairs: number;
}

export function datasetShapeCounts(datasetId: number, database: Db = db()): DatasetShapeCounts {
	const c = database.$client;
	const one = (sql: string) => c.prepare<[number], number>(sql).pluck().get(datasetId)!;
	return {
		examples: one('SELECT count(*) FROM task_examples WHERE dataset_id = ?'),
		conversations: one('SELECT count(*) FROM conversations WHERE dataset_id = ?'),
		turns: one('SELECT coalesce(sum(turn_count), 0) FROM conversations WHERE dataset_id = ?'),
		pairs: one('SELECT count(*) FROM preference_pairs WHERE dataset_id = ?')
	};
}
