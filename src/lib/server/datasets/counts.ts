/**
 * A dataset's row counts without counting a million index entries on every page view. A
 * dataset's tasks and instances are only ever added (ids increase; rows go only with their whole
 * dataset, or with the failed import that added them, which bumps the dataset's revision), so a
 * count stays right until the dataset's last row id changes, and then only the rows after the
 * remembered id need counting. Another revision, or a last id below the remembered one, counts
 * afresh. Counts are remembered per connection; those read inside a transaction are not
 * remembered.
 */
import type Database from 'better-sqlite3';
import { perConnection } from '../db';
import { UNNAMED_PAIR_MODELS } from './shape-rows';

type CountedTable = 'tasks' | 'instances';

/** Per connection (perConnection): row counts by table and dataset, as of the last row id. */
function rowCounts(): Map<string, { last: number; revision: number; count: number }> {
	return new Map();
}

function datasetRowCount(c: Database.Database, table: CountedTable, datasetId: number): number {
	const { last, revision } = c
		.prepare<[number, number], { last: number; revision: number }>(
			`SELECT (SELECT coalesce(max(id), 0) FROM ${table} WHERE dataset_id = ?) AS last, coalesce((SELECT revision FROM dataset_revisions WHERE dataset_id = ?), 0) AS revision`
		)
		.get(datasetId, datasetId)!;
	const known = perConnection(c, rowCounts);
	const key = `${table}:${datasetId}`;
	const before = known.get(key)?.revision === revision ? known.get(key) : undefined;
	if (before && before.last === last) return before.count;
	const count =
		before && before.last < last
			? before.count + c.prepare<[number, number], number>(`SELECT count(*) FROM ${table} WHERE dataset_id = ? AND id > ?`).pluck().get(datasetId, before.last)!
			: c.prepare<[number], number>(`SELECT count(*) FROM ${table} WHERE dataset_id = ?`).pluck().get(datasetId)!;
	if (!c.inTransaction) known.set(key, { last, revision, count });
	return count;
}

/** How many tasks a dataset holds. */
export function datasetTaskCount(c: Database.Database, datasetId: number): number {
	return datasetRowCount(c, 'tasks', datasetId);
}

/** How many instances a dataset holds. */
export function datasetInstanceCount(c: Database.Database, datasetId: number): number {
	return datasetRowCount(c, 'instances', datasetId);
}

/** Per connection (perConnection): values by name, with the state they were worked out at. */
function rememberedValues(): Map<string, { state: string; value: unknown }> {
	return new Map();
}

/**
 * `compute()`'s answer (a copy), worked out again only when `state` differs from the one this
 * connection last worked it out at. Answers read inside a transaction are not remembered: it may
 * roll back.
 */
export function rememberWhileUnchanged<T>(c: Database.Database, key: string, state: string, compute: () => T): T {
	const known = perConnection(c, rememberedValues);
	const before = known.get(key);
	if (before && before.state === state) return structuredClone(before.value as T);
	const value = compute();
	if (!c.inTransaction) known.set(key, { state, value: structuredClone(value) });
	return value;
}

/**
 * A dataset's model responses and distinct models. Responses have no index by dataset and id,
 * so the remembered counts hold until any dataset gains a response.
 */
export function datasetResponseCounts(c: Database.Database, datasetId: number): ResponseCounts {
	const last = c.prepare<[], number>('SELECT coalesce(max(id), 0) FROM responses').pluck().get()!;
	return rememberWhileUnchanged(c, `responses:${datasetId}`, String(last), () =>
		c.prepare<[number], ResponseCounts>(`SELECT ${RESPONSE_COUNTS} FROM responses WHERE dataset_id = ?`).get(datasetId)!
	);
}

/** A dataset's responses, its named models, and its responses under the stand-in names of pairs that name no model. */
export interface ResponseCounts {
	responses: number;
	models: number;
	unnamedResponses: number;
}

/** Whether a response row's model is a stand-in (UNNAMED_PAIR_MODELS), not a model's name. */
export const UNNAMED_MODEL_SQL = `model IN (${Object.values(UNNAMED_PAIR_MODELS).map((m) => `'${m}'`).join(', ')})`;

/** The select list of ResponseCounts over `responses` rows. */
export const RESPONSE_COUNTS = `count(*) AS responses, count(DISTINCT CASE WHEN NOT ${UNNAMED_MODEL_SQL} THEN model END) AS models, coalesce(sum(${UNNAMED_MODEL_SQL}), 0) AS unnamedResponses`;

/**
 * Where a dataset's rows stand: its largest task and instance ids, and its revision. Rows are only
 * ever added (and go only with the whole dataset, or with a failed import, which bumps the
 * revision), so anything counted from them stays right while this stays the same.
 */
export function datasetRowsState(c: Database.Database, datasetId: number): string {
	return c
		.prepare<[number, number, number], string>(
			"SELECT (SELECT coalesce(max(id), 0) FROM tasks WHERE dataset_id = ?) || ':' || (SELECT coalesce(max(id), 0) FROM instances WHERE dataset_id = ?) || ':' || coalesce((SELECT revision FROM dataset_revisions WHERE dataset_id = ?), 0)"
		)
		.pluck()
		.get(datasetId, datasetId, datasetId)!;
}
