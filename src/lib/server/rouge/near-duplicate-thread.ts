/**
 * The worker-thread side of ./rouge-filter-stream: a share of the filter's pool as a
 * near-duplicate index over token ids the filter interned (one vocabulary for every thread),
 * grown by each request with the instructions dealt to it since the one before, then queried
 * for every candidate of that request's batch. Results name pool entries: the share's own
 * entries are mapped back, in the same order, so ties still go to the earlier entry. Imported
 * only dynamically, so a bundle gives it a chunk of its own that a worker can load by URL.
 */
import type { MessagePort } from 'node:worker_threads';
import { NearDuplicateIndex, type NearDuplicateMatch, type NearDuplicateResult } from '../../rouge/near-duplicate-index';
import { packResults, type NearDuplicateReply, type NearDuplicateRequest } from './near-duplicate-messages';

/** The thread's entry: answers each request in the order it came. */
export function serveNearDuplicateQueries(port: MessagePort): void {
	let index: NearDuplicateIndex | null = null;
	/** The pool entry of each of this share's entries. */
	let entries = new Int32Array(1024);
	const poolEntry = (match: NearDuplicateMatch): NearDuplicateMatch => ({ entry: entries[match.entry], score: match.score });
	port.on('message', (request: NearDuplicateRequest) => {
		index ??= new NearDuplicateIndex({ minThreshold: request.threshold });
		const pool = index;
		const { adds, addEntries, queries } = request;
		if (pool.size + addEntries.length > entries.length) {
			const grown = new Int32Array(Math.max(entries.length * 2, pool.size + addEntries.length));
			grown.set(entries);
			entries = grown;
		}
		for (let k = 0; k + 1 < adds.offsets.length; k++) {
			entries[pool.size] = addEntries[k];
			// The text stays with the filter: the share needs only the tokens.
			pool.add(pool.withTokens('', adds.ids.subarray(adds.offsets[k], adds.offsets[k + 1])));
		}
		const results: NearDuplicateResult[] = [];
		for (let k = 0; k + 1 < queries.offsets.length; k++) {
			const candidate = pool.withTokens('', queries.ids.subarray(queries.offsets[k], queries.offsets[k + 1]));
			const r = pool.query(candidate, request.threshold, request.topK);
			if (r.max) r.max = poolEntry(r.max);
			if (r.bestExamined) r.bestExamined = poolEntry(r.bestExamined);
			for (let m = 0; m < r.matches.length; m++) r.matches[m] = poolEntry(r.matches[m]);
			results.push(r);
		}
		const packed = packResults(results);
		port.postMessage({ id: request.id, results: packed } satisfies NearDuplicateReply, [packed.buffer as ArrayBuffer]);
	});
}

/** Where this module lives, for the worker to load it. */
export const NEAR_DUPLICATE_THREAD_URL = import.meta.url;
