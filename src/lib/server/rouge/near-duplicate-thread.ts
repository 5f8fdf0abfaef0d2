/**
 * The worker-thread side of ./rouge-filter-stream: a replica of the filter's pool as a
 * near-duplicate index over token ids the filter interned (one vocabulary for every thread),
 * grown by each request with the instructions kept since the one before, then queried for that
 * request's share of a batch. Every replica holds the whole pool in the same order, so its
 * entry numbers are the pool's. Imported only dynamically, so a bundle gives it a chunk of its
 * own that a worker can load by URL.
 */
import type { MessagePort } from 'node:worker_threads';
import { NearDuplicateIndex, type NearDuplicateResult } from '../../rouge/near-duplicate-index';
import { packResults, type NearDuplicateReply, type NearDuplicateRequest } from './near-duplicate-messages';

/** The thread's entry: answers each request in the order it came. */
export function serveNearDuplicateQueries(port: MessagePort): void {
	let index: NearDuplicateIndex | null = null;
	port.on('message', (request: NearDuplicateRequest) => {
		index ??= new NearDuplicateIndex({ minThreshold: request.threshold });
		const pool = index;
		const { adds, queries } = request;
		for (let k = 0; k + 1 < adds.offsets.length; k++) {
			// The text stays with the filter: the replica needs only the tokens.
			pool.add(pool.withTokens('', adds.ids.subarray(adds.offsets[k], adds.offsets[k + 1])));
		}
		const results: NearDuplicateResult[] = [];
		for (let k = 0; k + 1 < queries.offsets.length; k++) {
			const candidate = pool.withTokens('', queries.ids.subarray(queries.offsets[k], queries.offsets[k + 1]));
			results.push(pool.query(candidate, request.threshold, request.topK));
		}
		const packed = packResults(results);
		port.postMessage({ id: request.id, results: packed } satisfies NearDuplicateReply, [packed.buffer as ArrayBuffer]);
	});
}

/** Where this module lives, for the worker to load it. */
export const NEAR_DUPLICATE_THREAD_URL = import.meta.url;
