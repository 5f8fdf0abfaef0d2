/** What the export page offers for one dataset: its generation runs, models with responses, and audits. */
import type Database from 'better-sqlite3';
import { db, type Db } from '../db';
import { datasetModels } from '../datasets/datasets';
import { datasetRowsState, rememberWhileUnchanged } from '../datasets/counts';
import { judgeRunsOfDataset } from '../judge/calibration';

export interface ExportFacets {
	runs: { id: number; instances: number }[];
	models: { model: string; responses: number }[];
	audits: { id: number; name: string; kind: string; status: string }[];
	/** Quality judge runs of the dataset (model as judge), newest first. */
	judgeRuns: { id: number; name: string; model: string; status: string }[];
}

export function exportFacets(datasetId: number, database: Db = db()): ExportFacets {
	const c = database.$client;
	const runs = runInstanceCounts(c, datasetId);
	const audits = c
		.prepare<[number], ExportFacets['audits'][number]>('SELECT id, name, kind, status FROM audits WHERE dataset_id = ? AND status <> \'preparing\' ORDER BY id')
		.all(datasetId);
	// Quality runs only: the export's judge filter and estimate read the three questions per row.
	const judgeRuns = judgeRunsOfDataset(datasetId, database)
		.filter((r) => r.mode === 'quality')
		.map(({ id, name, model, status }) => ({ id, name, model, status }));
	return { runs, models: datasetModels(datasetId, database), audits, judgeRuns };
}

/**
 * The generation runs that wrote a dataset's instances, with how many each wrote: a join over
 * all of its tasks and instances (1 s at a million), so counted once per connection and again
 * only when the dataset gains rows (its largest task and instance ids tell; a row's run never
 * changes).
 */
function runInstanceCounts(c: Database.Database, datasetId: number): ExportFacets['runs'] {
	return rememberWhileUnchanged(c, `run-instances:${datasetId}`, datasetRowsState(c, datasetId), () =>
		c
			.prepare<[number], ExportFacets['runs'][number]>(
				`SELECT coalesce(i.run_id, t.run_id) AS id, count(*) AS instances
				 FROM tasks t CROSS JOIN instances i ON i.task_id = t.id
				 WHERE t.dataset_id = ? AND coalesce(i.run_id, t.run_id) IS NOT NULL GROUP BY 1 ORDER BY 1`
			)
			.all(datasetId)
	);
}
