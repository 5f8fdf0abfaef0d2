/**
 * The messages between ./rouge-filter-stream and its threads (./near-duplicate-thread): token
 * sequences and near-duplicate results packed into typed arrays, so a batch crosses threads as a
 * few buffers instead of thousands of cloned objects.
 */
import type { NearDuplicateMatch, NearDuplicateResult } from '../../rouge/near-duplicate-index';

/** Token sequences side by side: sequence k is ids[offsets[k], offsets[k + 1]). */
export interface PackedSequences {
	ids: Int32Array;
	offsets: Int32Array;
}

export interface NearDuplicateRequest {
	id: number;
	threshold: number;
	topK: number;
	/** Instructions to add to this thread's share of the pool first, in pool order. */
	adds: PackedSequences;
	/** Their entries in the whole pool (increasing). */
	addEntries: Int32Array;
	/** Candidates to query against the pool as it then stands. */
	queries: PackedSequences;
}

export interface NearDuplicateReply {
	id: number;
	/** Each candidate's result, packed by `packResults`. */
	results: Float64Array;
}

export function packSequences(sequences: readonly Int32Array[]): PackedSequences {
	const offsets = new Int32Array(sequences.length + 1);
	for (let k = 0; k < sequences.length; k++) offsets[k + 1] = offsets[k] + sequences[k].length;
	const ids = new Int32Array(offsets[sequences.length]);
	for (let k = 0; k < sequences.length; k++) ids.set(sequences[k], offsets[k]);
	return { ids, offsets };
}

/** Per result: exceeds, max entry, max score, best examined entry, its score, verified, match count, then (entry, score) per match; −1 for no entry. */
export function packResults(results: readonly NearDuplicateResult[]): Float64Array {
	let size = 0;
	for (const r of results) size += 7 + 2 * r.matches.length;
	const out = new Float64Array(size);
	let at = 0;
	for (const r of results) {
		out[at++] = r.exceeds ? 1 : 0;
		out[at++] = r.max ? r.max.entry : -1;
		out[at++] = r.max ? r.max.score : 0;
		out[at++] = r.bestExamined ? r.bestExamined.entry : -1;
		out[at++] = r.bestExamined ? r.bestExamined.score : 0;
		out[at++] = r.verified;
		out[at++] = r.matches.length;
		for (const m of r.matches) {
			out[at++] = m.entry;
			out[at++] = m.score;
		}
	}
	return out;
}

/** Reads `packResults`' results one after another. */
export class PackedResults {
	private at = 0;

	constructor(private readonly data: Float64Array) {}

	next(): NearDuplicateResult {
		const d = this.data;
		let at = this.at;
		const exceeds = d[at++] === 1;
		const maxEntry = d[at++];
		const maxScore = d[at++];
		const bestEntry = d[at++];
		const bestScore = d[at++];
		const verified = d[at++];
		const count = d[at++];
		const matches: NearDuplicateMatch[] = new Array(count);
		for (let k = 0; k < count; k++) {
			matches[k] = { entry: d[at], score: d[at + 1] };
			at += 2;
		}
		this.at = at;
		return {
			exceeds,
			max: maxEntry >= 0 ? { entry: maxEntry, score: maxScore } : null,
			matches,
			bestExamined: bestEntry >= 0 ? { entry: bestEntry, score: bestScore } : null,
			verified
		};
	}
}

