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
 * 2. F > t needs LCS ≥ need(m, n) (bounds.ts). Prefix filter: a passing pair's first common
 *    element lies within the first m − α(m) + 1 sorted elements of the candidate and the first
 *    n − α(n) + 1 of the pool instruction. Only pool prefixes are indexed (inverted lists in
 *    typed arrays) and only the candidate's prefix is probed, so the long lists of common words
 *    are never read.
 * 3. While probing (PPJoin's length and positional filters): a match at sorted positions i, j
 *    bounds the overlap by matches-so-far + 1 + min(m − i − 1, n − j − 1); a pool instruction
 *    whose bound falls below its need is dropped for this query.
 * 4. After probing, a tighter bound that uses the fact that the whole prefixes were searched
 *    (see `query`), then a bound from a 64-bit token signature per pool instruction, then an
 *    exact overlap count by merging the sorted tails with early exit, then the bit-parallel
 *    LCS against the candidate's bit masks (built once per query), and F = 2·p·r/(p+r)
 *    compared with the threshold.
 * Per-query state is a one-bit "seen" map plus byte counters, so the scan of inverted lists
 * mostly stays in L1/L2 even for pools of hundreds of thousands of instructions.
 *
 * The global order is the pool's document frequency at the last rebuild; tokens first seen
 * later count as the rarest. The index is rebuilt with fresh frequencies whenever the pool has
 * doubled, an amortised constant cost per instruction.
 */
import { LcsBounds, checkThreshold } from './bounds';
import { PatternBuffer } from './lcs';
import { fmeasureFromLcs } from './score';
import { tokenize } from './tokenize';
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

export class NearDuplicateIndex<T = undefined> {
	readonly minThreshold: number;
	private readonly vocab = new Vocabulary();
	private readonly bounds: LcsBounds;
	private readonly boundsByThreshold = new Map<number, LcsBounds>();

	// Token order: rankOf[token id]; lower rank = rarer = earlier in sorted form.
	private rankOf: Int32Array = new Int32Array(1024);
	private nextNewRank = FROZEN_RANK_BASE - 1;
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
	// element key: 2·token for first occurrences, 2·k + 1 for the k-th repeated element.
	// A list is [count, (entry, sorted position, length)…].
	private lists: (Int32Array | undefined)[] = [];
	private readonly repeatKeys = new Map<number, number>();
	private rebuildAt = FIRST_REBUILD;

	// Per-query scratch.
	// Matches counted per pool instruction (−1: dropped). One byte each keeps the array in cache
	// for pools of hundreds of thousands; candidates with prefixes of 127+ elements use 4 bytes.
	private acc8: Int8Array = new Int8Array(1024);
	private acc32: Int32Array = new Int32Array(1024);
	/** One bit per pool instruction: matched during this query (a small array that stays in L1/L2). */
	private seen: Int32Array = new Int32Array(32);
	/** Per matched pool instruction: sorted positions (i, j) of its last match and its length, side by side. */
	private last: Int32Array = new Int32Array(3072);
	private touched: Int32Array = new Int32Array(1024);
	private xTokens: Int32Array = new Int32Array(64);
	private xRanks: Int32Array = new Int32Array(64);
	private xKeys: Int32Array = new Int32Array(64);
	private readonly pattern = new PatternBuffer();

	constructor(options: NearDuplicateIndexOptions = {}) {
		this.minThreshold = options.minThreshold ?? 0.7;
		checkThreshold(this.minThreshold);
		this.bounds = new LcsBounds(this.minThreshold);
		this.boundsByThreshold.set(this.minThreshold, this.bounds);
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
		const tokens = tokenize(text);
		const ids = new Int32Array(tokens.length);
		const vocab = this.vocab;
		for (let i = 0; i < tokens.length; i++) {
			const before = vocab.size;
			const id = vocab.intern(tokens[i]);
			if (id === before) this.rankNewToken(id);
			ids[i] = id;
		}
		return { text, ids };
	}

	/** Add an instruction to the pool; returns its entry number. */
	add(instruction: string | PreparedInstruction, ...payload: T extends undefined ? [T?] : [T]): number {
		const prepared = typeof instruction === 'string' ? this.prepare(instruction) : instruction;
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
		this.payloads.push(payload[0] as T);
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
		const sorted = this.sortedTokens(ids);
		// Document frequency counts each distinct token once.
		for (let k = 0; k < n; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) this.docFreq[sorted[k]]++;
		this.storeSorted(entry, sorted);
		if (this.count >= this.rebuildAt) this.rebuild();
		return entry;
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
		const probe = bounds.prefixLength(m);
		if (m === 0 || probe <= 0 || this.count === 0) return none;

		// The candidate sorted by rank, with the inverted-list key of each element.
		const xTokens = this.sortedTokens(ids);
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

		const needRow = bounds.needRow(m, this.maxLength);
		const rowEnd = needRow.length;
		const { last, lists } = this;
		const seen = this.seen;
		const acc = probe < 127 ? this.acc8 : this.acc32;
		let touched = this.touched;
		let touchedCount = 0;

		for (let i = 0; i < probe; i++) {
			const key = xKeys[i];
			if (key < 0) continue;
			const restX = m - i - 1;
			const list = lists[key];
			if (list === undefined) continue;
			const end = list[0] * 3 + 1;
			for (let p = 1; p < end; p += 3) {
				const y = list[p];
				const n = list[p + 2];
				const need = n < rowEnd ? needRow[n] : UNREACHABLE;
				const j = list[p + 1];
				const restY = n - j - 1;
				const rest = restX < restY ? restX : restY;
				const word = y >>> 5;
				const bit = 1 << (y & 31);
				if ((seen[word] & bit) === 0) {
					// First match with y. Positional filter: this one + what is left on the shorter
					// side. Failing it here means failing it at every later match too (i and j only
					// grow), so y is left unseen; most entries end here, after one L1 read.
					if (1 + rest < need) continue;
					seen[word] |= bit;
					if (touchedCount === touched.length) touched = this.growTouched();
					touched[touchedCount++] = y;
					acc[y] = 1;
				} else {
					const a = acc[y];
					if (a < 0) continue;
					if (a + 1 + rest < need) {
						acc[y] = -1; // can no longer reach its need
						continue;
					}
					acc[y] = a + 1;
				}
				last[3 * y] = i;
				last[3 * y + 1] = j;
				last[3 * y + 2] = n;
			}
		}

		// Verify the survivors.
		const matches: NearDuplicateMatch[] = [];
		let bestEntry = -1;
		let bestScore = -1;
		let verified = 0;
		let patternReady = false;
		const ordRank = this.ordRank;
		const indexBounds = this.bounds;
		const restXBeyondProbe = m - probe;
		const signature = this.signature;
		for (let k = 0; k < touchedCount; k++) {
			const y = touched[k];
			const a = acc[y];
			acc[y] = 0;
			seen[y >>> 5] = 0;
			if (a <= 0) continue;
			const n = last[3 * y + 2];
			const need = needRow[n];
			// Both prefixes have been searched in full for y, so after the last match (li, lj) the
			// x elements still inside x's probed prefix can only match y beyond y's indexed prefix,
			// and y's indexed elements only x beyond x's probed prefix. The two kinds would cross,
			// and common elements appear in the same order on both sides, so only one kind occurs.
			const li = last[3 * y];
			const lj = last[3 * y + 1];
			const restYBeyondPrefix = n - indexBounds.prefixLength(n);
			const viaY = m - li - 1 < restYBeyondPrefix ? m - li - 1 : restYBeyondPrefix;
			const viaX = restXBeyondProbe < n - lj - 1 ? restXBeyondProbe : n - lj - 1;
			if (a + (viaY > viaX ? viaY : viaX) < need) continue;
			// Every candidate element after li that matches at all has its bit in y's signature.
			const sigLow = signature[2 * y];
			const sigHigh = signature[2 * y + 1];
			let possible = a;
			for (let q = li + 1; q < m && possible < need; q++) {
				const t = xTokens[q];
				if (((t & 32 ? sigHigh : sigLow) >>> (t & 31)) & 1) possible++;
			}
			if (possible < need) continue;
			const s = this.start[y];
			if (!overlapReaches(xRanks, m, ordRank, s, n, li + 1, lj + 1, a, need)) continue;
			if (!patternReady) {
				this.pattern.set(ids);
				patternReady = true;
			}
			verified++;
			const lcs = this.pattern.lcs(this.seq, s, s + n);
			// candidate = target, pool instruction = prediction, as in Self-Instruct's scorer.score(inst, e)
			const score = fmeasureFromLcs(lcs, m, n);
			if (lcs >= need && score > threshold) {
				matches.push({ entry: y, score });
			} else if (score > bestScore || (score === bestScore && y < bestEntry)) {
				bestScore = score;
				bestEntry = y;
			}
		}
		if (patternReady) this.pattern.clear();
		this.touched = touched;

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

	private rankNewToken(id: number): void {
		if (id >= TOKEN_KEY_SPAN) throw new RangeError('vocabulary too large for the near-duplicate index');
		if (id >= this.rankOf.length) {
			this.rankOf = grow(this.rankOf, id + 1);
			this.docFreq = grow(this.docFreq, id + 1);
		}
		// New tokens are the rarest until the next rebuild ranks them by frequency.
		this.rankOf[id] = this.nextNewRank--;
	}

	/** `ids` sorted by rank (equal tokens adjacent), in a scratch array valid until the next call. */
	private sortedTokens(ids: Int32Array): Int32Array {
		const n = ids.length;
		if (this.xTokens.length < n) this.xTokens = new Int32Array(n * 2);
		const out = this.xTokens;
		const rankOf = this.rankOf;
		if (n <= 48) {
			// Insertion sort: instructions are short.
			for (let k = 0; k < n; k++) {
				const t = ids[k];
				const r = rankOf[t];
				let q = k - 1;
				while (q >= 0 && rankOf[out[q]] > r) {
					out[q + 1] = out[q];
					q--;
				}
				out[q + 1] = t;
			}
		} else {
			const sorted = Array.from(ids).sort((a, b) => rankOf[a] - rankOf[b]);
			for (let k = 0; k < n; k++) out[k] = sorted[k];
		}
		return out;
	}

	/** Store the sorted ranks of pool instruction `entry` and index its prefix. */
	private storeSorted(entry: number, sorted: Int32Array): void {
		const n = this.length[entry];
		const s = this.start[entry];
		const rankOf = this.rankOf;
		for (let k = 0; k < n; k++) this.ordRank[s + k] = rankOf[sorted[k]];
		const p = this.bounds.prefixLength(n);
		let occ = 0;
		for (let k = 0; k < p; k++) {
			const token = sorted[k];
			occ = k > 0 && sorted[k - 1] === token ? occ + 1 : 0;
			this.post(occ === 0 ? 2 * token : this.repeatKey(token, occ, true), entry, k, n);
		}
	}

	/** Append (entry, position, length) to the inverted list of element `key`. */
	private post(key: number, entry: number, position: number, n: number): void {
		let list = this.lists[key];
		const len = list === undefined ? 0 : list[0];
		if (list === undefined || list.length < len * 3 + 4) {
			const grown = new Int32Array(list === undefined ? 7 : (list.length - 1) * 2 + 1);
			if (list) grown.set(list);
			this.lists[key] = list = grown;
		}
		const at = len * 3 + 1;
		list[at] = entry;
		list[at + 1] = position;
		list[at + 2] = n;
		list[0] = len + 1;
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

	/** Re-rank tokens by current document frequency and rebuild sorted forms and inverted lists. */
	private rebuild(): void {
		const vocabSize = this.vocab.size;
		const df = this.docFreq;
		// Rarest first; ties by id so the order is deterministic.
		const order = Array.from({ length: vocabSize }, (_, t) => t).sort((a, b) => df[a] - df[b] || a - b);
		for (let k = 0; k < vocabSize; k++) this.rankOf[order[k]] = FROZEN_RANK_BASE + k;
		this.nextNewRank = FROZEN_RANK_BASE - 1;
		this.lists = [];
		for (let e = 0; e < this.count; e++) {
			const s = this.start[e];
			this.storeSorted(e, this.sortedTokens(this.seq.subarray(s, s + this.length[e])));
		}
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
}

/** Stands for "no LCS is enough" (the pool instruction is too long to pass). */
const UNREACHABLE = 0x3fffffff;

function grow(a: Int32Array, size: number): Int32Array {
	if (size <= a.length) return a;
	const b = new Int32Array(Math.max(size, a.length * 2));
	b.set(a);
	return b;
}

/**
 * Does the multiset overlap of x and y reach `need`, given `found` common elements before
 * sorted positions i (in x) and j (in y)? Merges the rank-sorted tails, stopping as soon as
 * the remaining elements cannot make up the difference.
 */
function overlapReaches(
	x: Int32Array,
	m: number,
	ord: Int32Array,
	s: number,
	n: number,
	i: number,
	j: number,
	found: number,
	need: number
): boolean {
	while (found < need) {
		const restX = m - i;
		const restY = n - j;
		if (found + (restX < restY ? restX : restY) < need) return false;
		const rx = x[i];
		const ry = ord[s + j];
		if (rx === ry) {
			found++;
			i++;
			j++;
		} else if (rx < ry) i++;
		else j++;
	}
	return true;
}

function byScoreThenEntry(a: NearDuplicateMatch, b: NearDuplicateMatch): number {
	return b.score - a.score || a.entry - b.entry;
}
