/**
 * The near-duplicate index behind the Self-Instruct ROUGE-L filter: instructions are added one
 * at a time, and for a candidate it answers exactly whether some pool instruction has ROUGE-L
 * F > threshold — and then the exact maximum and the top-k above the threshold — without
 * comparing the candidate with the pool pair by pair.
 *
 * How (every pruning step is a provable bound; the decision uses rouge_score's exact F):
 * 1. Tokens are interned to ids. Each pool instruction keeps its token sequence (for the LCS)
 *    and its tokens sorted in a global order, rarest first (for the filters). Repeated tokens
 *    are distinct elements (token, occurrence), so set overlap is multiset overlap, and
 *    LCS ≤ overlap ≤ min(m, n).
 * 2. F > t needs LCS ≥ need(m, n) (bounds.ts), so overlap ≥ need. The common elements of a
 *    candidate x (m tokens) and a pool instruction y (n tokens) form a chain, increasing in
 *    both sorted orders. Its k-th element sits at sorted positions (i, j) with
 *    i ≤ m − need + k − 1 and j ≤ n − need + k − 1, or the rest of the chain is too short
 *    (positional filter). So a passing pair has its first ℓ common elements inside the zone
 *    Z(m, n) = { i ≤ m − need + ℓ − 1, j ≤ n − need + ℓ − 1 } (the ℓ-prefix filter: more
 *    matches than plain prefix filtering asks for, which discards the many pairs that share a
 *    rare token or two by chance; ℓ = 2 for instructions, 6 for long texts). Pool instructions
 *    index the first n − α(n) + ℓ sorted elements, enough for every partner length (α(n) = the
 *    least need over partners).
 * 3. Inverted lists live in a few shared typed arrays (no object per list). A long list is
 *    split into buckets by the pool instruction's length n and the element's position j (the
 *    two are implied by the bucket, so an entry is one Int32), and the probe of candidate
 *    position i reads only buckets inside Z(m, n): no entry outside the zone is ever read. Short
 *    lists, and pool instructions of LENGTH_BUCKETS tokens or more, keep (entry, j, n) triples
 *    that are checked one by one. A list's triples are kept sorted by j (laid out so by a
 *    rebuild, sorted again whenever those added since outgrow a quarter), so the probe of
 *    position i stops at the largest j of any zone that reaches i.
 * 4. While probing, a pool instruction is counted from its first match, which must leave room
 *    for the rest (1 + min(m − i − 1, n − j − 1) ≥ need, or it can never pass); a later match
 *    that leaves too little room (matches so far + 1 + rest < need) drops it. A first match only
 *    sets a bit in a "seen" map (L1-sized even for pools of hundreds of thousands); counters and
 *    positions are written from the second match on.
 * 5. After probing, only pool instructions matched ℓ times (or need times, if less) remain; then
 *    a bound on what the chain can still gain outside Z, a bound from a 64-bit token signature,
 *    and the exact multiset overlap by merging the sorted tails with early exit. The overlap
 *    bounds the LCS, so F(overlap) bounds F: when more than topK remain they get their exact
 *    LCS best bound first, stopping once no bound reaches the k-th best score found. The LCS is
 *    bit-parallel against the candidate's bit masks (built once per query), and F = 2·p·r/(p+r)
 *    is compared with the threshold.
 *
 * The global order is the pool's document frequency at the last rebuild; tokens first seen
 * later count as the rarest. The index is rebuilt with fresh frequencies whenever the pool has
 * doubled, an amortised constant cost per instruction.
 */
import { LcsBounds, checkThreshold } from './bounds';
import { PatternBuffer, popcount32 } from './lcs';
import { emptyProfile, ProfileScanner, type ProfileState } from './profile';
import { fmeasureFromLcs } from './score';
import { Vocabulary } from './vocabulary';

/** An instruction tokenized and interned by one index; reusable for `query` then `add`. */
export interface PreparedInstruction {
	readonly text: string;
	/** Token ids in text order. */
	readonly ids: Int32Array;
}

export interface NearDuplicateMatch {
	/** Position of the pool instruction in insertion order (0-based). */
	entry: number;
	/** ROUGE-L F between the candidate and that pool instruction. */
	score: number;
}

export interface NearDuplicateResult {
	/** Some pool instruction has F > threshold. */
	exceeds: boolean;
	/** The exact maximum F and its instruction when `exceeds`, else null. */
	max: NearDuplicateMatch | null;
	/** Up to topK pool instructions with F > threshold, highest first (ties: earlier entry first). */
	matches: NearDuplicateMatch[];
	/**
	 * When nothing exceeds: the best of the pool instructions whose LCS the index computed
	 * (F ≤ threshold), or null. Not the pool's maximum — that would need the full scan.
	 */
	bestExamined: NearDuplicateMatch | null;
	/** How many pool instructions had their LCS computed (for statistics). */
	verified: number;
}

/** A finished profile state: its mean over the pool. */
export function finishProfile(state: ProfileState): SimilarityProfile {
	return { top: state.top, mean: state.scanned ? state.sum / state.scanned : 0, max: state.max, poolSize: state.scanned };
}

/** Every pool instruction's F to one candidate, summarised as the reference code stores it. */
export interface SimilarityProfile {
	/** The top-k pool instructions by F, highest first (ties: earlier entry first); zeros included, as argsort's. */
	top: NearDuplicateMatch[];
	/** Mean F over the whole pool (0 for an empty pool). */
	mean: number;
	/** The pool's maximum F (0 for an empty pool or an empty candidate). */
	max: number;
	/** Pool instructions compared (the whole pool). */
	poolSize: number;
}

export interface NearDuplicateIndexOptions {
	/**
	 * Lowest threshold queries may use (default 0.7, Self-Instruct's). Pool prefixes are
	 * indexed for this threshold; a lower one indexes more and prunes less.
	 */
	minThreshold?: number;
}

/** Ranks of tokens frozen at the last rebuild start here; tokens seen later count down below it. */
const FROZEN_RANK_BASE = 1 << 30;
/** Do not bother re-ranking before the pool has this many instructions. */
const FIRST_REBUILD = 256;
/** Token ids and repetition keys stay below 2^26 so that (occurrence, token) packs into a safe integer. */
const TOKEN_KEY_SPAN = 0x4000000;
/** Below every rank: new tokens count down from FROZEN_RANK_BASE − 1, and there are fewer than TOKEN_KEY_SPAN of them. */
const RANK_FLOOR = FROZEN_RANK_BASE - TOKEN_KEY_SPAN;
/**
 * ℓ of the ℓ-prefix filter: a passing pair has this many common elements inside the probed
 * zone (fewer only if it needs fewer). ℓ may depend on the pool instruction's length n (the
 * zone and the indexed prefix are sized with the same ℓ(n), so any ℓ ≥ 1 stays exact); the
 * probe relies on ℓ ≥ 2, as a pool instruction matched once is only marked as seen.
 * Short instructions: 2. Long texts share many fairly rare tokens by chance (a tenth of a pool
 * of 150-token texts shares 2 in the zone with a query, a few in ten thousand share 6), so a
 * few more indexed elements each save nearly all the survivors' bound checks.
 */
const PREFIX_MATCHES = 2;
/** ℓ for pool instructions of LONG_PREFIX_FROM tokens or more. */
const LONG_PREFIX_MATCHES = 6;
const LONG_PREFIX_FROM = 48;

/** ℓ(n) of the ℓ-prefix filter for a pool instruction of n tokens. */
function prefixMatches(n: number): number {
	return n < LONG_PREFIX_FROM ? PREFIX_MATCHES : LONG_PREFIX_MATCHES;
}
/** Pool instructions shorter than this get (length, position) buckets; longer ones (rare) stay in triples. */
export const LENGTH_BUCKETS = 48;
/** An inverted list is split into buckets once it holds this many entries. */
const BUCKETED_FROM = 32;
/** A token signature with this many of its 64 bits set is not worth checking (it almost never prunes). */
const SATURATED_SIGNATURE = 60;
/** Header of a bucket segment: entry count, capacity, next segment. */
const SEGMENT_HEADER = 3;
/**
 * A triple segment's first triple: after its header, one word counts the triples at its start
 * that are sorted by position j (the probe stops reading those past its largest j).
 */
const TRIPLES_AT = SEGMENT_HEADER + 1;
/** Capacity of a bucket's first segment between rebuilds. */
const FIRST_SEGMENT = 4;

export class NearDuplicateIndex<T = undefined> {
	readonly minThreshold: number;
	private readonly vocab = new Vocabulary();
	private readonly bounds: LcsBounds;
	private readonly boundsByThreshold = new Map<number, LcsBounds>();

	// Token order: rankOf[token id]; lower rank = rarer = earlier in sorted form.
	private rankOf: Int32Array = new Int32Array(1024);
	private nextNewRank = FROZEN_RANK_BASE - 1;
	/** Token ids below this have a rank: the index's token space. */
	private ranked = 0;
	/** Where token ids come from: this index's own vocabulary (`prepare`) or the caller's (`withTokens`); never both. */
	private tokenSource: 'own' | 'given' | null = null;
	/** Pool instructions containing each token (for the next rebuild's order). */
	private docFreq: Int32Array = new Int32Array(1024);

	// Pool instructions: token ids in text order (`seq`) and their ranks sorted (`ordRank`).
	private count = 0;
	private start: Int32Array = new Int32Array(1024);
	private length: Int32Array = new Int32Array(1024);
	private seq: Int32Array = new Int32Array(16384);
	private ordRank: Int32Array = new Int32Array(16384);
	/**
	 * 64-bit token signature per pool instruction (bit id mod 64 set for each of its tokens),
	 * two words per entry: an upper bound on matches read from one dense cache line instead of
	 * the instruction's own tokens.
	 */
	private signature: Int32Array = new Int32Array(2048);
	private used = 0;
	private maxLength = 0;
	private readonly texts: string[] = [];
	private readonly payloads: T[] = [];

	// Inverted lists over pool prefixes, one per element (token, occurrence), addressed by an
	// element key: 2·token for first occurrences, 2·k + 1 for the k-th repeated element. Every
	// list lives in three shared typed arrays (no object per list):
	/** Per key: entries in its list. */
	private listSize: Int32Array = new Int32Array(2048);
	/** Per key: its triples (entry, sorted position j, length n) — all of a short list, n ≥ LENGTH_BUCKETS of a long one. */
	private tripleHead: Int32Array = new Int32Array(2048);
	private readonly triples = new SegmentArena();
	/** Per key: offset of a long list's directory in `directories` (0: a short list). Bucket (n, j) is at slot bucketSlot[n] + j. */
	private directoryAt: Int32Array = new Int32Array(2048);
	private directories: Int32Array = new Int32Array(1024);
	private directoriesUsed = 1;
	/**
	 * The buckets' entries. A rebuild lays every bucket out as one segment with room to double,
	 * a list's buckets side by side in (n, j) order, so a probe reads memory mostly in sequence.
	 */
	private readonly buckets = new SegmentArena();
	/** Start of length n's slots in a directory (n < LENGTH_BUCKETS); the last is its size. */
	private readonly bucketSlot = new Int32Array(LENGTH_BUCKETS + 1);
	/** indexedLength[n]: sorted elements indexed for a pool instruction of n tokens (memo, −1 unknown). */
	private indexedLengths: Int32Array = new Int32Array(128).fill(-1);
	private readonly repeatKeys = new Map<number, number>();
	private rebuildAt = FIRST_REBUILD;

	// Per-query scratch.
	// Matches − 1 per pool instruction matched at least twice (−1: dropped), zero otherwise. One
	// byte each keeps the array in cache for pools of hundreds of thousands; candidates probing
	// 127+ elements use 4 bytes.
	private acc8: Int8Array = new Int8Array(1024);
	private acc32: Int32Array = new Int32Array(1024);
	/** One bit per pool instruction: matched during this query (a small array that stays in L1/L2). */
	private seen: Int32Array = new Int32Array(32);
	/** Per matched pool instruction: sorted positions (i, j) of its last match and its length, side by side. */
	private last: Int32Array = new Int32Array(3072);
	private touched: Int32Array = new Int32Array(1024);
	private rematched: Int32Array = new Int32Array(256);
	/** Pool instructions left for the exact LCS, with their overlap: (entry, overlap) pairs. */
	private candidates: Int32Array = new Int32Array(64);
	private xTokens: Int32Array = new Int32Array(64);
	private xRanks: Int32Array = new Int32Array(64);
	private xKeys: Int32Array = new Int32Array(64);
	/** Per pool length n: last candidate position i and pool position j inside the zone Z(m, n) (−1: n cannot pass). */
	private zoneI: Int32Array = new Int32Array(256);
	private zoneJ: Int32Array = new Int32Array(256);
	/** Per candidate position i: the largest zone j of any pool length whose zone reaches i. */
	private jLimit: Int32Array = new Int32Array(64);
	/** Scratch of sortTriples (counts per position, the sorted triples). */
	private sortCounts: Int32Array = new Int32Array(64);
	private sortScratch: Int32Array = new Int32Array(192);
	private readonly pattern = new PatternBuffer();
	private readonly scanner = new ProfileScanner();
	private packed: Float64Array = new Float64Array(256);

	constructor(options: NearDuplicateIndexOptions = {}) {
		this.minThreshold = options.minThreshold ?? 0.7;
		checkThreshold(this.minThreshold);
		this.bounds = new LcsBounds(this.minThreshold);
		this.boundsByThreshold.set(this.minThreshold, this.bounds);
		for (let n = 0; n < LENGTH_BUCKETS; n++) this.bucketSlot[n + 1] = this.bucketSlot[n] + this.indexedLength(n);
	}

	/** Number of instructions in the pool. */
	get size(): number {
		return this.count;
	}

	/** The text of pool instruction `entry`. */
	instruction(entry: number): string {
		return this.texts[entry];
	}

	/** The payload given with pool instruction `entry`. */
	payload(entry: number): T {
		return this.payloads[entry];
	}

	/** Token count of pool instruction `entry`. */
	tokenCount(entry: number): number {
		return this.length[entry];
	}

	/** Tokenize and intern `text` once, for a `query` followed by an `add`. */
	prepare(text: string): PreparedInstruction {
		this.useTokens('own');
		const ids = this.vocab.internText(text);
		// New tokens get ids in order of first appearance: rank them in that order.
		this.rankUpTo(this.vocab.size);
		return { text, ids };
	}

	/**
	 * `text` with token ids the caller interned (`Vocabulary.internText`) in a vocabulary it
	 * keeps for everything it gives this index: several indexes (in other threads too) then
	 * share one tokenization. An index takes its ids either from `prepare` or from here, never both.
	 */
	withTokens(text: string, ids: Int32Array): PreparedInstruction {
		this.useTokens('given');
		let limit = 0;
		for (let k = 0; k < ids.length; k++) if (ids[k] >= limit) limit = ids[k] + 1;
		this.rankUpTo(limit);
		return { text, ids };
	}

	/** Add an instruction to the pool; returns its entry number. */
	add(instruction: string | PreparedInstruction, ...payload: T extends undefined ? [T?] : [T]): number {
		const prepared = typeof instruction === 'string' ? this.prepare(instruction) : instruction;
		const entry = this.count;
		this.storeSorted(entry, this.append(prepared, payload[0] as T));
		if (this.count >= this.rebuildAt) this.rebuild();
		return entry;
	}

	/**
	 * Adds instructions in bulk (an index without payloads): stored one by one, then indexed at
	 * once by one re-ranking rebuild — cheaper than `add` each when they are many against what
	 * the pool holds, since `add` posts each one and the rebuilds at 256, 512, … post them again.
	 * Each prepared instruction is read before the next is asked for (scratch views are fine).
	 */
	addAll(this: NearDuplicateIndex<undefined>, instructions: Iterable<PreparedInstruction>): void {
		let added = 0;
		for (const prepared of instructions) {
			this.append(prepared, undefined);
			added++;
		}
		if (added > 0) this.rebuild();
	}

	/**
	 * Stores a pool instruction (its tokens, text, payload, signature and document frequencies),
	 * without indexing it; returns its tokens sorted by rank (a scratch array).
	 */
	private append(prepared: PreparedInstruction, payload: T): Int32Array {
		const ids = prepared.ids;
		const n = ids.length;
		const entry = this.count;
		this.ensureEntryCapacity(entry + 1);
		this.ensureTokenCapacity(this.used + n);
		this.start[entry] = this.used;
		this.length[entry] = n;
		if (n > this.maxLength) this.maxLength = n;
		this.seq.set(ids, this.used);
		this.used += n;
		this.texts.push(prepared.text);
		this.payloads.push(payload);
		this.count++;
		let low = 0;
		let high = 0;
		for (let k = 0; k < n; k++) {
			const t = ids[k];
			if (t & 32) high |= 1 << (t & 31);
			else low |= 1 << (t & 31);
		}
		this.signature[2 * entry] = low;
		this.signature[2 * entry + 1] = high;
		const sorted = this.sortedTokens(ids, 0, n);
		// Document frequency counts each distinct token once.
		for (let k = 0; k < n; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) this.docFreq[sorted[k]]++;
		return sorted;
	}

	/**
	 * The candidate's F to every pool instruction, as Self-Instruct's and Alpaca's code compute
	 * them (`most_similar_instructions`, `avg_similarity_score`): a scan of the whole pool (see
	 * ./profile) — no pruning, since the mean needs every pair.
	 */
	profile(candidate: string | PreparedInstruction, topK = 10): SimilarityProfile {
		const prepared = typeof candidate === 'string' ? this.prepare(candidate) : candidate;
		const state = emptyProfile();
		this.extendProfiles([prepared.ids], [state], topK);
		return finishProfile(state);
	}

	/**
	 * Extends each candidate's profile state over the pool entries added since it was taken, to
	 * the whole pool; candidates starting at the same entry share scans (lane packing).
	 */
	extendProfiles(candidates: readonly Int32Array[], states: ProfileState[], topK = 10): void {
		for (const state of states) {
			if (state.scanned > this.count) throw new RangeError(`a profile over ${state.scanned} entries does not belong to this pool of ${this.count}`);
		}
		const pool = { seq: this.seq, start: this.start, length: this.length, tokenLimit: this.ranked };
		this.scanner.extend(candidates, states, pool, this.count, topK);
	}

	/** The token ids of pool instruction `entry`, in text order (a view: copy to keep). */
	entryTokens(entry: number): Int32Array {
		const s = this.start[entry];
		return this.seq.subarray(s, s + this.length[entry]);
	}

	/**
	 * Is there a pool instruction with ROUGE-L F > threshold to `candidate`? Exact, with the
	 * maximum and the top-k above the threshold. `threshold` must be ≥ the index's minThreshold.
	 */
	query(candidate: string | PreparedInstruction, threshold = this.minThreshold, topK = 10): NearDuplicateResult {
		if (threshold < this.minThreshold) {
			throw new RangeError(`threshold ${threshold} is below this index's minThreshold ${this.minThreshold}`);
		}
		const bounds = this.boundsFor(threshold);
		const prepared = typeof candidate === 'string' ? this.prepare(candidate) : candidate;
		const ids = prepared.ids;
		const m = ids.length;
		const none: NearDuplicateResult = { exceeds: false, max: null, matches: [], bestExamined: null, verified: 0 };
		if (m === 0 || this.count === 0) return none;

		// The zone Z(m, n) for every pool length n that can pass at all (need ≤ min(m, n)).
		const needRow = bounds.needRow(m, this.maxLength);
		const rowEnd = needRow.length;
		if (this.zoneI.length < rowEnd) {
			this.zoneI = new Int32Array(rowEnd * 2);
			this.zoneJ = new Int32Array(rowEnd * 2);
		}
		const zoneI = this.zoneI;
		const zoneJ = this.zoneJ;
		let probe = 0; // candidate positions to probe: the widest zone
		let minNeed = m + 1; // the least need of any pool length
		let bucketLow = LENGTH_BUCKETS; // pool lengths with buckets that can pass
		let bucketHigh = -1;
		for (let n = 0; n < rowEnd; n++) {
			const need = needRow[n];
			if (need > n || need > m || n === 0) {
				zoneI[n] = -1;
				continue;
			}
			if (need < minNeed) minNeed = need;
			const ell = prefixMatches(n);
			const zi = Math.min(m - 1, m - need + ell - 1);
			zoneI[n] = zi;
			// Within what y indexes (never less than the zone: see the test on indexed prefixes).
			zoneJ[n] = Math.min(n - need + ell - 1, this.indexedLength(n) - 1);
			if (zi + 1 > probe) probe = zi + 1;
			if (n < LENGTH_BUCKETS) {
				if (n < bucketLow) bucketLow = n;
				bucketHigh = n;
			}
		}
		if (probe === 0) return none;

		// The candidate sorted by rank, with the inverted-list key of each probed element.
		const xTokens = this.sortedTokens(ids, 0, m);
		if (this.xRanks.length < m) {
			this.xRanks = new Int32Array(m * 2);
			this.xKeys = new Int32Array(m * 2);
		}
		const xRanks = this.xRanks;
		const xKeys = this.xKeys;
		const rankOf = this.rankOf;
		let occ = 0;
		for (let i = 0; i < m; i++) {
			const t = xTokens[i];
			xRanks[i] = rankOf[t];
			occ = i > 0 && xTokens[i - 1] === t ? occ + 1 : 0;
			if (i < probe) xKeys[i] = occ === 0 ? 2 * t : this.repeatKey(t, occ, false);
		}

		// jLimit[i]: the largest zone j of any pool length whose zone reaches candidate position i.
		if (this.jLimit.length < probe) this.jLimit = new Int32Array(probe * 2);
		const jLimit = this.jLimit;
		jLimit.fill(-1, 0, probe);
		for (let n = 0; n < rowEnd; n++) {
			const zi = zoneI[n];
			if (zi < 0) continue;
			const at = zi < probe ? zi : probe - 1;
			if (zoneJ[n] > jLimit[at]) jLimit[at] = zoneJ[n];
		}
		for (let i = probe - 2; i >= 0; i--) if (jLimit[i + 1] > jLimit[i]) jLimit[i] = jLimit[i + 1];

		const { last, listSize, tripleHead, directoryAt, directories, bucketSlot } = this;
		const triples = this.triples.data;
		const segments = this.buckets.data;
		const keyLimit = listSize.length;
		const seen = this.seen;
		// acc[y] = matches − 1 for a pool instruction seen in this query (so a first match writes
		// nothing but its bit in `seen`), −1 once it can no longer reach its need.
		const acc = probe < 127 ? this.acc8 : this.acc32;
		let touched = this.touched;
		let touchedCount = 0;
		/** Pool instructions matched more than once (acc ≠ 0), the only ones that can pass when ℓ matches are needed. */
		let rematched = this.rematched;
		let rematchedCount = 0;

		for (let i = 0; i < probe; i++) {
			const key = xKeys[i];
			if (key < 0 || key >= keyLimit || listSize[key] === 0) continue;
			const restX = m - i - 1;

			// Triples: every entry checked against its zone; the sorted ones only up to jMax.
			const jMax = jLimit[i];
			for (let segment = tripleHead[key]; segment !== 0; segment = triples[segment + 2]) {
				const end = segment + TRIPLES_AT + 3 * triples[segment];
				const sortedEnd = segment + TRIPLES_AT + 3 * triples[segment + SEGMENT_HEADER];
				for (let p = segment + TRIPLES_AT; p < end; p += 3) {
					const j = triples[p + 1];
					if (j > jMax) {
						if (p < sortedEnd) p = sortedEnd - 3; // the rest of the sorted ones lie further out
						continue;
					}
					const n = triples[p + 2];
					if (n >= rowEnd) continue;
					if (i > zoneI[n] || j > zoneJ[n]) continue;
					const y = triples[p];
					const need = needRow[n];
					const restY = n - j - 1;
					const rest = restX < restY ? restX : restY;
					const word = y >>> 5;
					const bit = 1 << (y & 31);
					if ((seen[word] & bit) === 0) {
						// First match: failing the positional filter here fails it at every later
						// match too (i and j only grow), so y stays unseen.
						if (1 + rest < need) continue;
						seen[word] |= bit;
						if (touchedCount === touched.length) touched = this.growTouched();
						touched[touchedCount++] = y;
					} else {
						const a = acc[y];
						if (a < 0) continue;
						if (a === 0) {
							if (rematchedCount === rematched.length) rematched = this.growRematched();
							rematched[rematchedCount++] = y;
						}
						if (a + 2 + rest < need) {
							acc[y] = -1; // can no longer reach its need
							continue;
						}
						acc[y] = a + 1;
						last[3 * y] = i;
						last[3 * y + 1] = j;
						last[3 * y + 2] = n;
					}
				}
			}

			// Buckets: only those inside the zone are read.
			const dir = directoryAt[key];
			if (dir === 0) continue;
			for (let n = bucketLow; n <= bucketHigh; n++) {
				if (i > zoneI[n]) continue;
				const need = needRow[n];
				const slot = dir + bucketSlot[n];
				const jEnd = zoneJ[n];
				for (let j = 0; j <= jEnd; j++) {
					let segment = directories[slot + j];
					if (segment === 0) continue;
					const restY = n - j - 1;
					const rest = restX < restY ? restX : restY;
					const canStart = 1 + rest >= need;
					for (; segment !== 0; segment = segments[segment + 2]) {
						const end = segment + SEGMENT_HEADER + segments[segment];
						for (let q = segment + SEGMENT_HEADER; q < end; q++) {
							const y = segments[q];
							const word = y >>> 5;
							const bit = 1 << (y & 31);
							if ((seen[word] & bit) === 0) {
								if (!canStart) continue;
								seen[word] |= bit;
								if (touchedCount === touched.length) touched = this.growTouched();
								touched[touchedCount++] = y;
							} else {
								const a = acc[y];
								if (a < 0) continue;
								if (a === 0) {
									if (rematchedCount === rematched.length) rematched = this.growRematched();
									rematched[rematchedCount++] = y;
								}
								if (a + 2 + rest < need) {
									acc[y] = -1;
									continue;
								}
								acc[y] = a + 1;
								last[3 * y] = i;
								last[3 * y + 1] = j;
								last[3 * y + 2] = n;
							}
						}
					}
				}
			}
		}

		// Bounds on the survivors; those that pass them are candidates for the exact LCS.
		const ordRank = this.ordRank;
		const signature = this.signature;
		const poolLength = this.length;
		for (let k = 0; k < touchedCount; k++) seen[touched[k] >>> 5] = 0;
		// Matched once only: passes only if a single common element can be enough (tiny pairs).
		const everyTouched = minNeed <= 1;
		const survivors = everyTouched ? touched : rematched;
		const survivorCount = everyTouched ? touchedCount : rematchedCount;
		let candidates = this.candidates;
		let candidateCount = 0;
		for (let k = 0; k < survivorCount; k++) {
			const y = survivors[k];
			const counted = acc[y];
			acc[y] = 0;
			if (counted < 0) continue;
			const a = counted + 1;
			const n = a === 1 ? poolLength[y] : last[3 * y + 2];
			const need = needRow[n];
			let overlap: number;
			if (a === 1) {
				// One match, `last` not written: passes only if one common element is enough.
				if (need > 1) continue;
				overlap = overlapFrom(xRanks, m, ordRank, this.start[y], n, 0, 0, 0, need);
			} else {
				// ℓ matches inside the zone (fewer only if the pair needs fewer).
				const ell = prefixMatches(n);
				if (a < (need < ell ? need : ell)) continue;
				const li = last[3 * y];
				const lj = last[3 * y + 1];
				if (a < need) {
					// Every common element inside the zone has been counted, the last at (li, lj). The
					// rest of the chain lies outside: either all beyond the zone's j limit or all beyond
					// its i limit (one of each would cross), so it is bounded by the larger of the two.
					const outsideJ = Math.min(m - li - 1, n - 1 - zoneJ[n]);
					const outsideI = Math.min(m - 1 - zoneI[n], n - lj - 1);
					if (a + (outsideJ > outsideI ? outsideJ : outsideI) < need) continue;
					// Every candidate element after li that matches at all has its bit in y's signature.
					// (A signature with nearly every bit set — a long text — cannot prune: skipped.)
					const sigLow = signature[2 * y];
					const sigHigh = signature[2 * y + 1];
					if (popcount32(sigLow) + popcount32(sigHigh) < SATURATED_SIGNATURE) {
						let possible = a;
						for (let q = li + 1; q < m && possible < need; q++) {
							const t = xTokens[q];
							if (((t & 32 ? sigHigh : sigLow) >>> (t & 31)) & 1) possible++;
						}
						if (possible < need) continue;
					}
				}
				// Exact multiset overlap: the counted chain up to (li, lj) and the merged tails.
				overlap = overlapFrom(xRanks, m, ordRank, this.start[y], n, li + 1, lj + 1, a, need);
			}
			if (overlap < 0) continue;
			if (2 * candidateCount + 2 > candidates.length) candidates = this.candidates = grow(candidates, 2 * candidates.length);
			candidates[2 * candidateCount] = y;
			candidates[2 * candidateCount + 1] = overlap;
			candidateCount++;
		}
		this.touched = touched;
		this.rematched = rematched;
		if (candidateCount === 0) return none;

		// The exact LCS of the candidates. When there are more than topK, best bound first, and
		// stop once the bound (F of the overlap, LCS ≤ overlap) falls below the k-th best score:
		// the rest can change neither the maximum nor the top k.
		const keep = topK >= 1 ? topK : 1; // the maximum is always exact
		const ordered = candidateCount > keep && keep < Number.POSITIVE_INFINITY;
		const order = Array.from({ length: candidateCount }, (_, k) => k);
		const boundOf = (k: number) => fmeasureFromLcs(candidates[2 * k + 1], m, poolLength[candidates[2 * k]]);
		if (ordered) order.sort((p, q) => boundOf(q) - boundOf(p) || candidates[2 * p] - candidates[2 * q]);
		const best: number[] = []; // the top `keep` scores so far, highest first
		const matches: NearDuplicateMatch[] = [];
		let bestEntry = -1;
		let bestScore = -1;
		let verified = 0;
		this.pattern.set(ids);
		for (const k of order) {
			if (ordered && best.length === keep && boundOf(k) < best[keep - 1]) break;
			const y = candidates[2 * k];
			const n = poolLength[y];
			const s = this.start[y];
			verified++;
			const lcs = this.pattern.lcs(this.seq, s, s + n);
			// candidate = target, pool instruction = prediction, as in Self-Instruct's scorer.score(inst, e)
			const score = fmeasureFromLcs(lcs, m, n);
			if (lcs >= needRow[n] && score > threshold) {
				matches.push({ entry: y, score });
				if (ordered) {
					let at = best.length;
					while (at > 0 && best[at - 1] < score) at--;
					best.splice(at, 0, score);
					if (best.length > keep) best.pop();
				}
			} else if (score > bestScore || (score === bestScore && y < bestEntry)) {
				bestScore = score;
				bestEntry = y;
			}
		}
		this.pattern.clear();

		if (matches.length === 0) {
			return { ...none, bestExamined: bestEntry >= 0 ? { entry: bestEntry, score: bestScore } : null, verified };
		}
		matches.sort(byScoreThenEntry);
		return {
			exceeds: true,
			max: matches[0],
			matches: topK >= matches.length ? matches : matches.slice(0, Math.max(0, topK)),
			bestExamined: null,
			verified
		};
	}

	// ---- internals ----

	private boundsFor(threshold: number): LcsBounds {
		let b = this.boundsByThreshold.get(threshold);
		if (!b) {
			b = new LcsBounds(threshold);
			this.boundsByThreshold.set(threshold, b);
		}
		return b;
	}

	/**
	 * Sorted elements indexed for a pool instruction of n tokens: the plain prefix n − α(n) + 1
	 * and ℓ − 1 more, so that every partner finds its first ℓ common elements (none when nothing
	 * of length n can pass).
	 */
	private indexedLength(n: number): number {
		if (n >= this.indexedLengths.length) {
			const grown = new Int32Array(Math.max(n + 1, this.indexedLengths.length * 2)).fill(-1);
			grown.set(this.indexedLengths);
			this.indexedLengths = grown;
		}
		let v = this.indexedLengths[n];
		if (v < 0) {
			const prefix = this.bounds.prefixLength(n);
			v = prefix <= 0 ? 0 : Math.min(n, prefix + prefixMatches(n) - 1);
			this.indexedLengths[n] = v;
		}
		return v;
	}

	private useTokens(source: 'own' | 'given'): void {
		if (this.tokenSource === source) return;
		if (this.tokenSource !== null) throw new Error('an index takes token ids from prepare() or from withTokens(), not both');
		this.tokenSource = source;
	}

	/** Ranks every id below `limit` not ranked yet (in id order: the order of first appearance). */
	private rankUpTo(limit: number): void {
		for (let id = this.ranked; id < limit; id++) this.rankNewToken(id);
		if (limit > this.ranked) this.ranked = limit;
	}

	private rankNewToken(id: number): void {
		if (id >= TOKEN_KEY_SPAN) throw new RangeError('vocabulary too large for the near-duplicate index');
		if (id >= this.rankOf.length) {
			this.rankOf = grow(this.rankOf, id + 1);
			this.docFreq = grow(this.docFreq, id + 1);
		}
		// New tokens are the rarest until the next rebuild ranks them by frequency.
		this.rankOf[id] = this.nextNewRank--;
	}

	/** `source[from, from + n)` sorted by rank (equal tokens adjacent), in a scratch array valid until the next call. */
	private sortedTokens(source: Int32Array, from: number, n: number): Int32Array {
		if (this.xTokens.length < n) this.xTokens = new Int32Array(n * 2);
		const out = this.xTokens;
		const rankOf = this.rankOf;
		if (n <= 48) {
			// Insertion sort: instructions are short.
			for (let k = 0; k < n; k++) {
				const t = source[from + k];
				const r = rankOf[t];
				let q = k - 1;
				while (q >= 0 && rankOf[out[q]] > r) {
					out[q + 1] = out[q];
					q--;
				}
				out[q + 1] = t;
			}
		} else {
			// Long texts: (rank, token) packed into one double sorts as a plain typed array. Ranks
			// lie within 2^26 of FROZEN_RANK_BASE (ids < 2^26), so rank − RANK_FLOOR < 2^27 and the
			// packed value stays below 2^53. Ranks are distinct per token: equal keys are equal tokens.
			if (this.packed.length < n) this.packed = new Float64Array(n * 2);
			const packed = this.packed.subarray(0, n);
			for (let k = 0; k < n; k++) {
				const t = source[from + k];
				packed[k] = (rankOf[t] - RANK_FLOOR) * TOKEN_KEY_SPAN + t;
			}
			packed.sort();
			for (let k = 0; k < n; k++) out[k] = packed[k] % TOKEN_KEY_SPAN;
		}
		return out;
	}

	/** Store the sorted ranks of pool instruction `entry` and index its prefix. */
	private storeSorted(entry: number, sorted: Int32Array): void {
		const n = this.length[entry];
		const s = this.start[entry];
		const rankOf = this.rankOf;
		for (let k = 0; k < n; k++) this.ordRank[s + k] = rankOf[sorted[k]];
		const p = this.indexedLength(n);
		let occ = 0;
		for (let k = 0; k < p; k++) {
			const token = sorted[k];
			occ = k > 0 && sorted[k - 1] === token ? occ + 1 : 0;
			this.post(occ === 0 ? 2 * token : this.repeatKey(token, occ, true), entry, k, n);
		}
	}

	/** Add pool instruction `entry` (n tokens) to the inverted list of element `key`, found at sorted position j. */
	private post(key: number, entry: number, j: number, n: number): void {
		if (key >= this.listSize.length) this.ensureKeyCapacity(key + 1);
		const size = ++this.listSize[key];
		const dir = this.directoryAt[key];
		if (dir !== 0 && n < LENGTH_BUCKETS) this.postToBucket(dir, entry, j, n);
		else {
			this.postTriple(key, entry, j, n);
			if (dir === 0 && size >= BUCKETED_FROM) this.splitIntoBuckets(key);
		}
	}

	private postTriple(key: number, entry: number, j: number, n: number): void {
		let segment = this.tripleHead[key];
		if (segment === 0 || this.triples.data[segment] === this.triples.data[segment + 1]) {
			const capacity = segment === 0 ? 2 : 2 * this.triples.data[segment + 1];
			this.tripleHead[key] = segment = this.triples.allocate(capacity, 1 + 3 * capacity, segment);
		}
		const data = this.triples.data;
		const count = ++data[segment];
		const at = segment + TRIPLES_AT + 3 * (count - 1);
		data[at] = entry;
		data[at + 1] = j;
		data[at + 2] = n;
		// Sorted again once the unsorted tail outgrows a quarter of the sorted part: O(log size)
		// amortised per triple, and the probe reads few triples outside its zones.
		const sorted = data[segment + SEGMENT_HEADER];
		if (count - sorted > (sorted >>> 2) + 8) this.sortTriples(segment);
	}

	/** Sorts the triples of one segment by position j (a counting sort) and marks them all sorted. */
	private sortTriples(segment: number): void {
		const data = this.triples.data;
		const count = data[segment];
		const from = segment + TRIPLES_AT;
		let maxJ = 0;
		for (let k = 0; k < count; k++) if (data[from + 3 * k + 1] > maxJ) maxJ = data[from + 3 * k + 1];
		if (this.sortCounts.length < maxJ + 2) this.sortCounts = new Int32Array(2 * (maxJ + 2));
		if (this.sortScratch.length < 3 * count) this.sortScratch = new Int32Array(6 * count);
		const at = this.sortCounts.fill(0, 0, maxJ + 2);
		const scratch = this.sortScratch;
		for (let k = 0; k < count; k++) at[data[from + 3 * k + 1] + 1]++;
		for (let j = 1; j <= maxJ + 1; j++) at[j] += at[j - 1];
		for (let k = 0; k < count; k++) {
			const p = from + 3 * k;
			const q = 3 * at[data[p + 1]]++;
			scratch[q] = data[p];
			scratch[q + 1] = data[p + 1];
			scratch[q + 2] = data[p + 2];
		}
		data.set(scratch.subarray(0, 3 * count), from);
		data[segment + SEGMENT_HEADER] = count;
	}

	/** Give a long list a directory and move its entries of n < LENGTH_BUCKETS into buckets. */
	private splitIntoBuckets(key: number): void {
		const dir = this.allocateDirectory();
		this.directoryAt[key] = dir;
		const moved: number[] = [];
		for (let segment = this.tripleHead[key]; segment !== 0; segment = this.triples.data[segment + 2]) {
			const data = this.triples.data;
			const end = segment + TRIPLES_AT + 3 * data[segment];
			for (let p = segment + TRIPLES_AT; p < end; p += 3) moved.push(data[p], data[p + 1], data[p + 2]);
		}
		this.tripleHead[key] = 0; // the old segments stay unused until the next rebuild
		for (let k = 0; k < moved.length; k += 3) {
			const n = moved[k + 2];
			if (n < LENGTH_BUCKETS) this.postToBucket(dir, moved[k], moved[k + 1], n);
			else this.postTriple(key, moved[k], moved[k + 1], n);
		}
	}

	private allocateDirectory(): number {
		const at = this.directoriesUsed;
		const end = at + this.bucketSlot[LENGTH_BUCKETS];
		if (end > this.directories.length) this.directories = grow(this.directories, end);
		this.directoriesUsed = end;
		return at;
	}

	private postToBucket(dir: number, entry: number, j: number, n: number): void {
		const slot = dir + this.bucketSlot[n] + j;
		let segment = this.directories[slot];
		if (segment === 0 || this.buckets.data[segment] === this.buckets.data[segment + 1]) {
			// A new head segment in front of the full one, twice its size.
			const capacity = segment === 0 ? FIRST_SEGMENT : 2 * this.buckets.data[segment + 1];
			this.directories[slot] = segment = this.buckets.allocate(capacity, capacity, segment);
		}
		const data = this.buckets.data;
		data[segment + SEGMENT_HEADER + data[segment]++] = entry;
	}

	private ensureKeyCapacity(size: number): void {
		const cap = Math.max(size, 2 * this.listSize.length);
		this.listSize = grow(this.listSize, cap);
		this.tripleHead = grow(this.tripleHead, cap);
		this.directoryAt = grow(this.directoryAt, cap);
	}

	/** Element key of the occ-th repetition (occ ≥ 1) of `token`; −1 if unknown and not `create`. */
	private repeatKey(token: number, occ: number, create: boolean): number {
		const packed = occ * TOKEN_KEY_SPAN + token;
		let k = this.repeatKeys.get(packed);
		if (k === undefined) {
			if (!create) return -1;
			k = this.repeatKeys.size;
			this.repeatKeys.set(packed, k);
		}
		return 2 * k + 1;
	}

	/**
	 * Re-rank tokens by current document frequency and rebuild sorted forms and inverted lists,
	 * each long list's buckets laid out side by side, each in one segment with room to double.
	 */
	private rebuild(): void {
		const vocabSize = this.ranked;
		const df = this.docFreq;
		// Rarest first; ties by id so the order is deterministic. (frequency, id) packed into one
		// double (ids < 2^26, frequencies < 2^27) sorts as a plain typed array.
		const order = new Float64Array(vocabSize);
		for (let t = 0; t < vocabSize; t++) order[t] = df[t] * TOKEN_KEY_SPAN + t;
		order.sort();
		for (let k = 0; k < vocabSize; k++) this.rankOf[order[k] % TOKEN_KEY_SPAN] = FROZEN_RANK_BASE + k;
		this.nextNewRank = FROZEN_RANK_BASE - 1;

		// Every posting (key, entry, j), in entry order.
		let total = 0;
		for (let e = 0; e < this.count; e++) total += this.indexedLength(this.length[e]);
		const keys = new Int32Array(total);
		const entries = new Int32Array(total);
		const positions = new Int32Array(total);
		let posted = 0;
		let maxKey = 0;
		for (let e = 0; e < this.count; e++) {
			const s = this.start[e];
			const n = this.length[e];
			const sorted = this.sortedTokens(this.seq, s, n);
			for (let k = 0; k < n; k++) this.ordRank[s + k] = this.rankOf[sorted[k]];
			const p = this.indexedLength(n);
			let occ = 0;
			for (let k = 0; k < p; k++) {
				const token = sorted[k];
				occ = k > 0 && sorted[k - 1] === token ? occ + 1 : 0;
				const key = occ === 0 ? 2 * token : this.repeatKey(token, occ, true);
				keys[posted] = key;
				entries[posted] = e;
				positions[posted++] = k;
				if (key > maxKey) maxKey = key;
			}
		}

		// Sizes first: per list, and per bucket of a long list (counted in its directory as −size).
		if (maxKey >= this.listSize.length) this.ensureKeyCapacity(maxKey + 1);
		const listSize = this.listSize.fill(0);
		const tripleHead = this.tripleHead.fill(0);
		const directoryAt = this.directoryAt.fill(0);
		for (let p = 0; p < total; p++) listSize[keys[p]]++;
		const slotsPerList = this.bucketSlot[LENGTH_BUCKETS];
		let longLists = 0;
		for (let key = 0; key <= maxKey; key++) if (listSize[key] >= BUCKETED_FROM) longLists++;
		this.directories = new Int32Array(1 + longLists * slotsPerList + 4 * slotsPerList);
		this.directoriesUsed = 1;
		for (let key = 0; key <= maxKey; key++) if (listSize[key] >= BUCKETED_FROM) directoryAt[key] = this.allocateDirectory();
		const directories = this.directories;
		const triplesOf = new Int32Array(maxKey + 1);
		let bucketSpace = 0;
		let tripleSpace = 0;
		for (let p = 0; p < total; p++) {
			const key = keys[p];
			const n = this.length[entries[p]];
			const dir = directoryAt[key];
			if (dir === 0 || n >= LENGTH_BUCKETS) {
				if (triplesOf[key]++ === 0) tripleSpace += TRIPLES_AT;
				tripleSpace += 6;
			} else {
				const slot = dir + this.bucketSlot[n] + positions[p];
				if (directories[slot]-- === 0) bucketSpace += SEGMENT_HEADER;
				bucketSpace += 2;
			}
		}
		// Then every list's segments in key order, each with room to double.
		this.triples.reset(tripleSpace + (tripleSpace >>> 2) + 64);
		this.buckets.reset(bucketSpace + (bucketSpace >>> 2) + 64);
		for (let key = 0; key <= maxKey; key++) {
			if (triplesOf[key] > 0) tripleHead[key] = this.triples.allocate(2 * triplesOf[key], 1 + 6 * triplesOf[key], 0);
			const dir = directoryAt[key];
			if (dir === 0) continue;
			for (let slot = dir; slot < dir + slotsPerList; slot++) {
				const size = -directories[slot];
				if (size > 0) directories[slot] = this.buckets.allocate(2 * size, 2 * size, 0);
			}
		}
		const triples = this.triples.data;
		const segments = this.buckets.data;
		for (let p = 0; p < total; p++) {
			const key = keys[p];
			const n = this.length[entries[p]];
			const dir = directoryAt[key];
			if (dir === 0 || n >= LENGTH_BUCKETS) {
				const segment = tripleHead[key];
				const at = segment + TRIPLES_AT + 3 * triples[segment]++;
				triples[at] = entries[p];
				triples[at + 1] = positions[p];
				triples[at + 2] = n;
			} else {
				const segment = directories[dir + this.bucketSlot[n] + positions[p]];
				segments[segment + SEGMENT_HEADER + segments[segment]++] = entries[p];
			}
		}
		// Each list's triples by position j (the probe stops past its largest j).
		for (let key = 0; key <= maxKey; key++) if (triplesOf[key] > 0) this.sortTriples(tripleHead[key]);
		this.rebuildAt = this.count * 2;
	}

	private ensureEntryCapacity(size: number): void {
		if (size <= this.start.length) return;
		const cap = Math.max(size, this.start.length * 2);
		this.start = grow(this.start, cap);
		this.length = grow(this.length, cap);
		const acc8 = new Int8Array(cap);
		acc8.set(this.acc8);
		this.acc8 = acc8;
		this.acc32 = grow(this.acc32, cap);
		this.last = grow(this.last, 3 * cap);
		this.seen = grow(this.seen, (cap >>> 5) + 1);
		this.signature = grow(this.signature, 2 * cap);
	}

	private ensureTokenCapacity(size: number): void {
		if (size <= this.seq.length) return;
		const cap = Math.max(size, this.seq.length * 2);
		this.seq = grow(this.seq, cap);
		this.ordRank = grow(this.ordRank, cap);
	}

	private growTouched(): Int32Array {
		this.touched = grow(this.touched, this.touched.length * 2);
		return this.touched;
	}

	private growRematched(): Int32Array {
		this.rematched = grow(this.rematched, this.rematched.length * 2);
		return this.rematched;
	}
}

/**
 * Growable lists of integers in one typed array: a list is a chain of segments
 * [count, capacity, next segment, items…] whose head is the one with room. Offset 0 means none.
 */
class SegmentArena {
	data: Int32Array = new Int32Array(1024);
	used = SEGMENT_HEADER;

	/** A segment for `capacity` entries of `words` Int32s in all, in front of `next`. */
	allocate(capacity: number, words: number, next: number): number {
		const at = this.used;
		const end = at + SEGMENT_HEADER + words;
		if (end > this.data.length) this.data = grow(this.data, end);
		this.data[at] = 0;
		this.data[at + 1] = capacity;
		this.data[at + 2] = next;
		this.used = end;
		return at;
	}

	/** Forget every segment and start over with room for `words`. */
	reset(words: number): void {
		this.data = new Int32Array(Math.max(1024, words + SEGMENT_HEADER));
		this.used = SEGMENT_HEADER;
	}
}

function grow(a: Int32Array, size: number): Int32Array {
	if (size <= a.length) return a;
	const b = new Int32Array(Math.max(size, a.length * 2));
	b.set(a);
	return b;
}

/**
 * The multiset overlap of x and y, given `found` common elements before sorted positions i (in x)
 * and j (in y), or −1 as soon as the remaining elements cannot bring it to `need`. Merges the
 * rank-sorted tails.
 */
function overlapFrom(
	x: Int32Array,
	m: number,
	ord: Int32Array,
	s: number,
	n: number,
	i: number,
	j: number,
	found: number,
	need: number
): number {
	while (i < m && j < n) {
		const restX = m - i;
		const restY = n - j;
		if (found + (restX < restY ? restX : restY) < need) return -1;
		const rx = x[i];
		const ry = ord[s + j];
		if (rx === ry) {
			found++;
			i++;
			j++;
		} else if (rx < ry) i++;
		else j++;
	}
	return found >= need ? found : -1;
}

function byScoreThenEntry(a: NearDuplicateMatch, b: NearDuplicateMatch): number {
	return b.score - a.score || a.entry - b.entry;
}

/**
 * One result from results over disjoint parts of one pool, their entries already numbered in
 * the pool's order: the part that exceeds with the highest F gives the maximum, the top-k is
 * the union's (each part's top-k holds every match that can be in it), and when none exceeds
 * the best examined is the best of the parts'.
 */
export function mergeNearDuplicateResults(parts: readonly NearDuplicateResult[], topK = 10): NearDuplicateResult {
	let exceeds = false;
	let max: NearDuplicateMatch | null = null;
	let bestExamined: NearDuplicateMatch | null = null;
	let verified = 0;
	let matches: NearDuplicateMatch[] = [];
	for (const part of parts) {
		verified += part.verified;
		if (part.exceeds) {
			exceeds = true;
			if (max === null || byScoreThenEntry(part.max!, max) < 0) max = part.max;
			matches = matches.length ? matches.concat(part.matches) : part.matches;
		} else if (part.bestExamined && (bestExamined === null || byScoreThenEntry(part.bestExamined, bestExamined) < 0)) {
			bestExamined = part.bestExamined;
		}
	}
	if (!exceeds) return { exceeds, max: null, matches: [], bestExamined, verified };
	matches = matches.slice().sort(byScoreThenEntry);
	return { exceeds, max, matches: topK >= matches.length ? matches : matches.slice(0, Math.max(0, topK)), bestExamined: null, verified };
}
