import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { db, type Db } from '../db';
import { NearDuplicateClustering, type Linkage, type NearDuplicateCluster } from '$lib/rouge/clusters';

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
// Groupings under way: a second visit while one runs waits for the same one.
const running = new Map<string, Promise<NearDuplicateReport>>();

/** Rows read per query; the cursor is closed between batches (the connection serves others meanwhile). */
const ROWS_PER_BATCH = 2048;
/** The longest the grouping works before it lets other requests run (ms). */
const WORK_SLICE_MS = 20;

/**
 * Near-duplicate groups among a dataset's instructions (exact ROUGE-L F above the threshold).
 * The work is cut in slices of WORK_SLICE_MS with the event loop free between them: at a million
 * instructions it takes minutes, and the server keeps answering everyone else meanwhile.
 */
export async function nearDuplicateReport(datasetId: number, threshold: number, database: Db = db(), linkage: Linkage = 'components'): Promise<NearDuplicateReport> {
	const c = database.$client;
	const shape = c.prepare<[number], { n: number; last: number | null }>('SELECT count(*) AS n, max(id) AS last FROM tasks WHERE dataset_id = ?').get(datasetId)!;
	const key = `${datasetId}:${threshold}:${linkage}:${shape.n}:${shape.last}`;
	const hit = cache.get(key);
	if (hit) return hit;
	let pending = running.get(key);
	if (!pending) {
		pending = groupInSlices(database, datasetId, threshold, linkage, shape).finally(() => running.delete(key));
		running.set(key, pending);
	}
	const report = await pending;
	if (!cache.has(key)) {
		if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
		cache.set(key, report);
	}
	return report;
}

async function groupInSlices(
	database: Db,
	datasetId: number,
	threshold: number,
	linkage: Linkage,
	shape: { n: number; last: number | null }
): Promise<NearDuplicateReport> {
	const started = performance.now();
	// The rows as they were when the visit began: up to its newest task id.
	const batch = database.$client.prepare<[number, number, number, number], { id: number; instruction: string }>(
		'SELECT id, instruction FROM tasks WHERE dataset_id = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?'
	);
	const clustering = new NearDuplicateClustering<number>({ threshold, linkage });
	let after = 0;
	let sliceStarted = performance.now();
	for (;;) {
		const rows = batch.all(datasetId, after, shape.last ?? 0, ROWS_PER_BATCH);
		if (!rows.length) break;
		for (const row of rows) {
			clustering.add(row);
			if (performance.now() - sliceStarted > WORK_SLICE_MS) {
				await yieldToEventLoop();
				sliceStarted = performance.now();
			}
		}
		after = rows[rows.length - 1].id;
	}
	const groups = clustering.clusters();
	return {
		threshold,
		linkage,
		instructions: shape.n,
		groups,
		instructionsInGroups: groups.reduce((sum, g) => sum + g.members.length, 0),
		durationMs: Math.round(performance.now() - started)
	};
}
