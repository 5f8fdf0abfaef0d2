import { db, type Db } from '../db';
import { nearDuplicateClusters, type Linkage, type NearDuplicateCluster } from '$lib/rouge/clusters';

export interface NearDuplicateReport {
	threshold: number;
	linkage: Linkage;
	instructions: number;
	groups: NearDuplicateCluster<number>[];
	/** Instructions that belong to some group. */
	instructionsInGroups: number;
	durationMs: number;
}

// The groups of a dataset change only when its tasks do; keyed by the dataset's task count
// and newest task id, a repeat visit (paging, another threshold back) does not recompute.
const cache = new Map<string, NearDuplicateReport>();
const CACHE_LIMIT = 16;

/** Near-duplicate groups among a dataset's instructions (exact ROUGE-L F above the threshold). */
export function nearDuplicateReport(datasetId: number, threshold: number, database: Db = db(), linkage: Linkage = 'components'): NearDuplicateReport {
	const c = database.$client;
	const shape = c.prepare<[number], {
		n: number;
		last: number | null;
	}>('SELECT count(*) AS n, max(id) AS last FROM tasks WHERE dataset_id = ?').get(datasetId)!;
	const key = `${datasetId}:${threshold}:${linkage}:${shape.n}:${shape.last}`;
	const hit = cache.get(key);
	if (hit) return hit;
	const started = performance.now();
	const rows = c
		.prepare<[number], { id: number; instruction: string }>('SELECT id, instruction FROM tasks WHERE dataset_id = ? ORDER BY id')
		.iterate(datasetId);
	const groups = nearDuplicateClusters(rows, { threshold, linkage });
	const report: NearDuplicateReport = {
		threshold,
		linkage,
		instructions: shape.n,
		groups,
		instructionsInGroups: groups.reduce((sum, g) => sum + g.members.length, 0),
		durationMs: Math.round(performance.now() - started)
	};
	if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
	cache.set(key, report);
	return report;
}
