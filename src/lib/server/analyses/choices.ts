import { db, type Db } from '../db';
import { isGenerationRunSql } from '../runs/generation/rows';

/**
 * What the analyses pages offer to analyse and to compare with: datasets and generation runs,
 * archived datasets (and their runs) left out as the datasets list leaves them out. A link to
 * one still opens it, with a note that it is archived.
 */
export interface AnalysisChoices {
	datasets: { id: number; name: string; hasSeedOrigin: boolean }[];
	runs: { id: number; name: string; datasetId: number | null }[];
}

export function analysisChoices(database: Db = db()): AnalysisChoices {
	const c = database.$client;
	const datasets = c
		.prepare<[], { id: number; name: string; hasSeedOrigin: number }>(
			`SELECT d.id, d.name, EXISTS (SELECT 1 FROM tasks t WHERE t.dataset_id = d.id AND t.origin = 'seed') AS hasSeedOrigin
			 FROM datasets d WHERE d.status = 'ready' AND d.archived_at IS NULL ORDER BY d.name COLLATE NOCASE`
		)
		.all();
	const runs = c.prepare<[], AnalysisChoices['runs'][number]>(`SELECT id, name, dataset_id AS datasetId FROM generation_runs
				 WHERE ${isGenerationRunSql()} AND (dataset_id IS NULL OR dataset_id NOT IN (SELECT id FROM datasets WHERE archived_at IS NOT NULL)) ORDER BY id DESC LIMIT 200`).all();
	return { datasets: datasets.map((d) => ({ ...d, hasSeedOrigin: !!d.hasSeedOrigin })), runs };
}
