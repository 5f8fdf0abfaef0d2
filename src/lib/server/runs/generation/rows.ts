/**
 * The one definition of "a generation run" among the rows of generation_runs: that table also
 * holds judge runs (a judge run of a dataset is not what wrote it, and its seeds are empty), so
 * every query that means "the runs that generated a dataset" filters with this.
 */
import type { Db } from '../../db';
import { PIPELINES } from '../../db/tables';

/** SQL condition on generation_runs (aliased or not: pass the alias) that keeps the generation pipelines' runs. */
export function isGenerationRunSql(alias = ''): string {
	return `${alias ? `${alias}.` : ''}pipeline IN (${PIPELINES.map((p) => `'${p}'`).join(', ')})`;
}

/** The newest generation run that wrote into the dataset, if any (judge runs of it do not count). */
export function latestGenerationRunOf(datasetId: number, database: Db): { id: number } | undefined {
	return database.$client.prepare<[number], { id: number }>(`SELECT id FROM generation_runs WHERE dataset_id = ? AND ${isGenerationRunSql()} ORDER BY id DESC LIMIT 1`).get(datasetId);
}
