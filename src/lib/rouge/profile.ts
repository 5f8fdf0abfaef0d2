/**
 * Similarity profiles: a candidate's ROUGE-L F to every instruction of a pool, summarised as
 * Self-Instruct's and Alpaca's code store it (`most_similar_instructions`,
 * `avg_similarity_score`). No pruning can help — the mean needs every pair — so this is a
 * straight scan with the bit-parallel LCS kernel, made cheap in two ways:
 *
 * - Candidates of up to 32 tokens read one mask per pool token straight from a table indexed
 *   by token id.
 * - Several short candidates share one 32-bit word, each in its own lane of m bits with one
 *   guard bit above it (lane packing). The kernel's addition carries out of a lane into its
 *   guard bit, which starts at 0, so the carry stops there; clearing the guards after every
 *   step keeps lanes independent. Two instructions of 12 tokens cost one scan instead of two.
 *
 * A profile is a running state over pool entries [0, scanned): extending it over later entries
 * gives exactly what one scan of the whole pool gives (the same sums in the same order, the
 * same ties), so a state computed elsewhere (another thread) against a prefix of the pool is
 * finished here over the entries added since.
 */
import { PatternBuffer, popcount32 } from './lcs';
import { fmeasureFromLcs } from './score';
import { MAX_LANES, SimdProfileKernel, TABLE_LENGTHS, TOP_SLOTS, type PackedWord } from './wasm/profile-kernel';

/** Pool instructions as token-id sequences: entry e is seq[start[e], start[e] + length[e]). */
export interface TokenSequences {
	readonly seq: Int32Array;
	readonly start: Int32Array;
	readonly length: Int32Array;
	/** Every token id in `seq` is below this (the mask table's size). */
	readonly tokenLimit: number;
}

export interface ProfileMatch {
	/** Position of the pool instruction in insertion order (0-based). */
	entry: number;
	/** ROUGE-L F between the candidate and that pool instruction. */
	score: number;
}

/** A candidate's profile over pool entries [0, scanned). */
export interface ProfileState {
	/** The top-k by F, highest first (ties: earlier entry first); zeros included, as argsort's. */
	top: ProfileMatch[];
	/** Sum of F over the scanned entries, added in entry order. */
	sum: number;
	max: number;
	scanned: number;
}

export function emptyProfile(): ProfileState {
	return { top: [], sum: 0, max: 0, scanned: 0 };
}

/** Widest candidate that shares a word with others (lanes need m bits plus a guard bit). */
const LANE_LIMIT = 31;

/** Inserts (entry, score) into a top list kept highest first, earlier entries first among ties. */
function consider(top: ProfileMatch[], topK: number, entry: number, score: number): void {
	if (top.length === topK && !(score > top[topK - 1].score)) return;
	let at = top.length;
	while (at > 0 && top[at - 1].score < score) at--;
	top.splice(at, 0, { entry, score });
	if (top.length > topK) top.pop();
}

// Pool lengths n below TABLE_LENGTHS read F from a table; longer ones compute it.
const scoreTables: Float64Array[] = [];

/**
 * F for a candidate of m tokens, indexed by (its unmatched tokens m − LCS, pool length n): the
 * very doubles fmeasureFromLcs gives (the same operations), read instead of computed in the
 * scan's per-entry step.
 */
function scoreTable(m: number): Float64Array {
	let table = scoreTables[m];
	if (!table) {
		table = new Float64Array((m + 1) * TABLE_LENGTHS);
		for (let zeros = 0; zeros <= m; zeros++) {
			for (let n = 1; n < TABLE_LENGTHS; n++) table[zeros * TABLE_LENGTHS + n] = fmeasureFromLcs(m - zeros, m, n);
		}
		scoreTables[m] = table;
	}
	return table;
}

/** Set bits of a lane (up to 32 bits): a table lookup for the usual lanes of up to 16. */
const ONES16 = (() => {
	const table = new Uint8Array(1 << 16);
	for (let x = 1; x < table.length; x++) table[x] = table[x >> 1] + (x & 1);
	return table;
})();

function ones(bits: number): number {
	return (bits & 0xffff0000) === 0 ? ONES16[bits] : popcount32(bits);
}

/** A word's lanes: each candidate's bit offset and width, and the guard bit above each. */
function packWord(word: number[], candidates: readonly ArrayLike<number>[]): PackedWord {
	const offsets = new Int32Array(word.length);
	const widths = new Int32Array(word.length);
	let offset = 0;
	let guards = 0;
	for (let l = 0; l < word.length; l++) {
		const m = candidates[word[l]].length;
		offsets[l] = offset;
		widths[l] = m;
		if (offset + m < 32) guards |= 1 << (offset + m);
		offset += m + 1;
	}
	return { lanes: word, offsets, widths, lows: widths.map((m) => (m === 32 ? -1 : (1 << m) - 1)), guards };
}

export class ProfileScanner {
	/** Per token id: the match bits of the candidates in the current word (0 elsewhere). */
	private mask: Int32Array = new Int32Array(1024);
	private readonly pattern = new PatternBuffer();
	/** The WebAssembly SIMD scan where it is available and not switched off; made at the first scan. */
	private kernel: SimdProfileKernel | null | undefined;

	/** `simd: false` keeps every scan in JavaScript (tests compare the two). */
	constructor(options: { simd?: boolean } = {}) {
		if (options.simd === false) this.kernel = null;
	}

	private get simd(): SimdProfileKernel | null {
		if (this.kernel === undefined) this.kernel = SimdProfileKernel.create(scoreTable);
		return this.kernel;
	}

	/**
	 * Extends each candidate's state over pool entries [state.scanned, to). Candidates whose
	 * states start at the same entry share scans, several to a word.
	 */
	extend(candidates: readonly ArrayLike<number>[], states: ProfileState[], pool: TokenSequences, to: number, topK: number): void {
		// Lanes only pack candidates that scan the same range; group by where each starts.
		const groups = new Map<number, number[]>();
		for (let c = 0; c < candidates.length; c++) {
			const from = states[c].scanned;
			if (from >= to) continue;
			const m = candidates[c].length;
			if (m === 0 || m > 32) {
				this.extendAlone(candidates[c], states[c], pool, to, topK);
				continue;
			}
			let group = groups.get(from);
			if (!group) groups.set(from, (group = []));
			group.push(c);
		}
		for (const [from, group] of groups) {
			// First fit, longest first: a word holds lanes while their bits and guards fit in 32.
			group.sort((a, b) => candidates[b].length - candidates[a].length || a - b);
			const words: number[][] = [];
			const used: number[] = [];
			for (const c of group) {
				const m = candidates[c].length;
				let w = 0;
				while (w < words.length && !(m <= LANE_LIMIT && used[w] + m <= 32)) w++;
				if (w === words.length) {
					words.push([]);
					used.push(0);
				}
				words[w].push(c);
				used[w] += m + 1;
			}
			const packed = words.map((word) => packWord(word, candidates));
			const simd = this.simd && topK <= TOP_SLOTS && this.simd.covers(pool, from, to) ? this.simd : null;
			if (!simd) {
				for (const word of packed) this.scanWord(word, candidates, states, pool, from, to, topK);
				continue;
			}
			// Four words to a vector, at most MAX_LANES lanes to a scan.
			let chunk: PackedWord[] = [];
			let lanes = 0;
			for (const word of packed) {
				if (chunk.length === 4 || lanes + word.lanes.length > MAX_LANES) {
					simd.extend(chunk, candidates, states, pool, from, to, topK);
					chunk = [];
					lanes = 0;
				}
				chunk.push(word);
				lanes += word.lanes.length;
			}
			if (chunk.length) simd.extend(chunk, candidates, states, pool, from, to, topK);
		}
	}

	/** One pass over [from, to) for the candidates of one word, each in its lane. */
	private scanWord(
		packed: PackedWord,
		candidates: readonly ArrayLike<number>[],
		states: ProfileState[],
		pool: TokenSequences,
		from: number,
		to: number,
		topK: number
	): void {
		const { lanes: word, offsets, widths, lows, guards } = packed;
		const lanes = word.length;
		let maxId = pool.tokenLimit - 1;
		for (const c of word) {
			const ids = candidates[c];
			for (let i = 0; i < ids.length; i++) if (ids[i] > maxId) maxId = ids[i];
		}
		if (this.mask.length <= maxId) this.mask = new Int32Array(Math.max(maxId + 1, this.mask.length * 2));
		const mask = this.mask;
		for (let l = 0; l < lanes; l++) {
			const ids = candidates[word[l]];
			for (let i = 0; i < ids.length; i++) mask[ids[i]] |= 1 << (offsets[l] + i);
		}
		const tops: ProfileMatch[][] = word.map((c) => states[c].top);
		const sums = new Float64Array(lanes);
		const maxes = new Float64Array(lanes);
		/** The score a new entry must beat to enter each lane's top list (−1 while it is not full). */
		const kth = new Float64Array(lanes);
		for (let l = 0; l < lanes; l++) {
			const state = states[word[l]];
			sums[l] = state.sum;
			maxes[l] = state.max;
			kth[l] = topK === 0 ? Infinity : state.top.length < topK ? -1 : state.top[topK - 1].score;
		}
		const keep = ~guards;
		const { seq, start, length } = pool;
		if (lanes === 2) {
			// The common case (two instructions of up to 15 tokens): everything in locals.
			const o2 = offsets[1];
			const m1 = widths[0];
			const m2 = widths[1];
			const low1 = lows[0];
			const low2 = lows[1];
			const f1 = scoreTable(m1);
			const f2 = scoreTable(m2);
			let sum1 = sums[0];
			let sum2 = sums[1];
			let max1 = maxes[0];
			let max2 = maxes[1];
			let kth1 = kth[0];
			let kth2 = kth[1];
			// Two pool entries at a time: their kernels are independent chains the CPU overlaps.
			let pendingV = 0;
			for (let e = from; e < to; e++) {
				const s = start[e];
				const n = length[e];
				let v = keep;
				if ((e - from) % 2 === 0) {
					if (e + 1 < to) {
						const s2 = start[e + 1];
						const n2 = length[e + 1];
						let w = keep;
						const both = n < n2 ? n : n2;
						for (let k = 0; k < both; k++) {
							const u = v & mask[seq[s + k]];
							const x = w & mask[seq[s2 + k]];
							v = ((v + u) | (v & ~u)) & keep;
							w = ((w + x) | (w & ~x)) & keep;
						}
						for (let j = s + both, end = s + n; j < end; j++) {
							const u = v & mask[seq[j]];
							v = ((v + u) | (v & ~u)) & keep;
						}
						for (let j = s2 + both, end = s2 + n2; j < end; j++) {
							const x = w & mask[seq[j]];
							w = ((w + x) | (w & ~x)) & keep;
						}
						pendingV = w;
					} else {
						for (let j = s, end = s + n; j < end; j++) {
							const u = v & mask[seq[j]];
							v = ((v + u) | (v & ~u)) & keep;
						}
					}
				} else {
					v = pendingV;
				}
				const zeros1 = ones(v & low1);
				const zeros2 = ones((v >>> o2) & low2);
				const score1 = n < TABLE_LENGTHS ? f1[zeros1 * TABLE_LENGTHS + n] : fmeasureFromLcs(m1 - zeros1, m1, n);
				const score2 = n < TABLE_LENGTHS ? f2[zeros2 * TABLE_LENGTHS + n] : fmeasureFromLcs(m2 - zeros2, m2, n);
				sum1 += score1;
				sum2 += score2;
				if (score1 > max1) max1 = score1;
				if (score2 > max2) max2 = score2;
				if (score1 > kth1) {
					consider(tops[0], topK, e, score1);
					if (tops[0].length === topK) kth1 = tops[0][topK - 1].score;
				}
				if (score2 > kth2) {
					consider(tops[1], topK, e, score2);
					if (tops[1].length === topK) kth2 = tops[1][topK - 1].score;
				}
			}
			sums[0] = sum1;
			sums[1] = sum2;
			maxes[0] = max1;
			maxes[1] = max2;
		} else {
			const tables = Array.from(widths, (m) => scoreTable(m));
			for (let e = from; e < to; e++) {
				const s = start[e];
				const n = length[e];
				let v = keep;
				for (let j = s, end = s + n; j < end; j++) {
					const u = v & mask[seq[j]];
					v = ((v + u) | (v & ~u)) & keep;
				}
				for (let l = 0; l < lanes; l++) {
					const zeros = ones((v >>> offsets[l]) & lows[l]);
					const score = n < TABLE_LENGTHS ? tables[l][zeros * TABLE_LENGTHS + n] : fmeasureFromLcs(widths[l] - zeros, widths[l], n);
					sums[l] += score;
					if (score > maxes[l]) maxes[l] = score;
					if (score > kth[l]) {
						const top = tops[l];
						consider(top, topK, e, score);
						if (top.length === topK) kth[l] = top[topK - 1].score;
					}
				}
			}
		}
		for (let l = 0; l < lanes; l++) {
			const ids = candidates[word[l]];
			for (let i = 0; i < ids.length; i++) mask[ids[i]] = 0;
			const state = states[word[l]];
			state.sum = sums[l];
			state.max = maxes[l];
			state.scanned = to;
		}
	}

	/** Empty candidates (every F is 0) and those longer than a word. */
	private extendAlone(ids: ArrayLike<number>, state: ProfileState, pool: TokenSequences, to: number, topK: number): void {
		const { seq, start, length } = pool;
		const m = ids.length;
		if (m > 0) this.pattern.set(ids);
		for (let e = state.scanned; e < to; e++) {
			const s = start[e];
			const n = length[e];
			const score = m === 0 ? 0 : fmeasureFromLcs(this.pattern.lcs(seq, s, s + n), m, n);
			state.sum += score;
			if (score > state.max) state.max = score;
			if (topK > 0) consider(state.top, topK, e, score);
		}
		if (m > 0) this.pattern.clear();
		state.scanned = to;
	}
}
