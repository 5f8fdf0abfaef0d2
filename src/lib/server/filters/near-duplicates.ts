import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { db, type Db } from '../db';
import { datasetTaskCount } from '../datasets/counts';
import { NearDuplicateClustering, type Linkage, type NearDuplicateCluster } from '$lib/rouge/clusters';

export interface NearDuplicateReport {
	threshold: number;
	linkage: Linkage;
	instructions: number;
	groups: NearDuplicateCluster<number>[];
	/** Instructions that belong to some group. */
	instructionsInGroups: number;
	durationMs: number;
	/**
	 * Set when the grouping stopped at MAX_NEAR_DUPLICATE_PAIRS: the groups are those of the
	 * first `instructionsRead` instructions (in dataset order), which already held more pairs.
	 */
	stoppedAt?: { instructionsRead: number; pairLimit: number };
}

/**
 * Pairs above the threshold found before the grouping stops. Every pair costs an exact ROUGE-L:
 * 71,170 templated instructions within 0.7 of each other made 36 million pairs, 56 s of work and
 * 510 MB; a group that size is no list of near-duplicates anyone reviews. Half a million take a
 * second or two and keep the listed pairs to a few tens of MB.
 */
export const MAX_NEAR_DUPLICATE_PAIRS = 500_000;

// The groups of a dataset change only when its tasks do; keyed by the dataset's task count
// and newest task id, a repeat visit (paging, another threshold back) does not recompute.
const cache = new Map<string, NearDuplicateReport>();
const CACHE_LIMIT = 16;
// Groupings under way: a second visit while one runs waits for the same one; when every visitor
// waiting for it has gone, it stops.
const running = new Map<string, { report: Promise<NearDuplicateReport>; waiting: number; stop: AbortController }>();

/** Forgets a dataset's groups (a deleted dataset's id may be given to a new one) and stops groupings of it under way. */
export function forgetNearDuplicates(datasetId: number): void {
	const prefix = `${datasetId}:`;
	for (const key of [...cache.keys()]) if (key.startsWith(prefix)) cache.delete(key);
	for (const [key, job] of running) if (key.startsWith(prefix)) job.stop.abort(new Error('The dataset was deleted.'));
}

/** Rows read per query; the cursor is closed between batches (the connection serves others meanwhile). */
const ROWS_PER_BATCH = 2048;
/** The longest the grouping works before it lets other requests run (ms). */
const WORK_SLICE_MS = 20;

/**
 * Near-duplicate groups among a dataset's instructions (exact ROUGE-L F above the threshold).
 * The work is cut in slices of WORK_SLICE_MS with the event loop free between them: at a million
 * instructions it takes minutes, and the server keeps answering everyone else meanwhile. `signal`:
 * the visitor left (the request's signal); the grouping stops once no visitor waits for it, and
 * this call rejects with the signal's reason.
 */
export async function nearDuplicateReport(
	datasetId: number,
	threshold: number,
	database: Db = db(),
	linkage: Linkage = 'components',
	signal?: AbortSignal,
	pairLimit = MAX_NEAR_DUPLICATE_PAIRS
): Promise<NearDuplicateReport> {
	signal?.throwIfAborted();
	const c = database.$client;
	const shape = { n: datasetTaskCount(c, datasetId), last: c.prepare<[number], number | null>('SELECT max(id) FROM tasks WHERE dataset_id = ?').pluck().get(datasetId)! };
	const key = `${datasetId}:${threshold}:${linkage}:${shape.n}:${shape.last}:${pairLimit}`;
	const hit = cache.get(key);
	if (hit) return hit;
	let job = running.get(key);
	// A grouping stopped a moment ago (its last visitor left) is not joined: a new one starts.
	if (!job || job.stop.signal.aborted) {
		const stop = new AbortController();
		const report = groupInSlices(database, datasetId, threshold, linkage, shape, pairLimit, stop.signal);
		const started = { report, waiting: 0, stop };
		running.set(key, started);
		report.then(
			(r) => {
				if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
				cache.set(key, r);
			},
			() => {}
		).finally(() => {
			if (running.get(key) === started) running.delete(key);
		});
		job = started;
	}
	const current = job;
	current.waiting++;
	let gone = false;
	const leave = () => {
		if (gone) return;
		gone = true;
		if (--current.waiting === 0) current.stop.abort(signal?.reason);
	};
	if (!signal) return current.report.finally(leave);
	return new Promise<NearDuplicateReport>((resolve, reject) => {
		const onAbort = () => {
			leave();
			reject(signal.reason);
		};
		signal.addEventListener('abort', onAbort, { once: true });
		current.report.then(resolve, reject).finally(() => {
			signal.removeEventListener('abort', onAbort);
			leave();
		});
	});
}

async function groupInSlices(
	database: Db,
	datasetId: number,
	threshold: number,
	linkage: Linkage,
	shape: { n: number; last: number | null },
	pairLimit: number,
	stop: AbortSignal
): Promise<NearDuplicateReport> {
	const started = performance.now();
	// The rows as they were when the visit began: up to its newest task id.
	const batch = database.$client.prepare<[number, number, number, number], { id: number; instruction: string }>(
		'SELECT id, instruction FROM tasks WHERE dataset_id = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?'
	);
	const clustering = new NearDuplicateClustering<number>({ threshold, linkage });
	let after = 0;
	let read = 0;
	let stoppedAt: NearDuplicateReport['stoppedAt'];
	let sliceStarted = performance.now();
	rows: for (;;) {
		const rows = batch.all(datasetId, after, shape.last ?? 0, ROWS_PER_BATCH);
		if (!rows.length) break;
		for (const row of rows) {
			clustering.add(row);
			read++;
			if (clustering.pairsFound > pairLimit) {
				stoppedAt = { instructionsRead: read, pairLimit };
				break rows;
			}
			if (performance.now() - sliceStarted > WORK_SLICE_MS) {
				await yieldToEventLoop();
				stop.throwIfAborted();
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
		durationMs: Math.round(performance.now() - started),
		...(stoppedAt ? { stoppedAt } : {})
	};
}
