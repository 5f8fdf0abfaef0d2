import type Database from 'better-sqlite3';

/**
 * Drops the cached analyses (analysis_cache) computed from a dataset's rows, analysed or used as
 * seeds: a deleted dataset leaves no copy of its name and aggregates behind. The cache is one
 * row per scope analysed (a handful per dataset), so reading each row's JSON is cheap.
 */
export function forgetDatasetAnalyses(c: Database.Database, datasetId: number): number {
	return c
		.prepare<[{ dataset: number }]>(
			`DELETE FROM analysis_cache WHERE json_extract(result, '$.datasetId') = @dataset
				OR (json_extract(result, '$.seeds.kind') = 'dataset' AND json_extract(result, '$.seeds.datasetId') = @dataset)`
		)
		.run({ dataset: datasetId }).changes;
}
