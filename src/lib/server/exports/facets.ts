/** What the export page offers for one dataset: its generation runs, models with responses, and audits. */
import { db, type Db } from '../db';
import { datasetModels } from '../datasets/datasets';

export interface ExportFacets {
	runs: { id: number; instances: number }[];
	models: { model: string; responses: number }[];
	audits: { id: number; name: string; kind: string; status: string }[];
	/** Judge runs of the dataset (model as judge), newest first. */
	judgeRuns: { id: number; name: string; model: string; status: string }[];
}

export function exportFacets(datasetId: number, database: Db = db()): ExportFacets {
	const c = database.$client;
	const runs = c
		.prepare<[number], ExportFacets['runs'][number]>(
			`SELECT coalesce(i.run_id, t.run_id) AS id, count(*) AS instances
			 FROM tasks t CROSS JOIN instances i ON i.task_id = t.id
			 WHERE t.dataset_id = ? AND coalesce(i.run_id, t.run_id) IS NOT NULL GROUP BY 1 ORDER BY 1`
		)
		.all(datasetId);
	const audits = c
		.prepare<[number], ExportFacets['audits'][number]>('SELECT id, name, kind, status FROM audits WHERE dataset_id = ? AND status <> \'preparing\' ORDER BY id')
		.all(datasetId);
	const judgeRuns = c
		.prepare<[number], ExportFacets['judgeRuns'][number]>("SELECT id, name, model, status FROM generation_runs WHERE pipeline = 'judge' AND dataset_id = ? ORDER BY id DESC")
		.all(datasetId);
	return { runs, models: datasetModels(datasetId, database), audits, judgeRuns };
}
