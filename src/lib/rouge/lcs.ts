/**
 * Longest common subsequence length over token ids.
 *
 * `lcsLength` is the bit-parallel algorithm of Allison & Dix (1986) in Hyyrö's formulation
 * (2004): one bit per position of the shorter sequence `a`, one pass over `b`,
 *   U = V & Peq[b_j];  V = (V + U) | (V − U)
 * and LCS = number of zero bits of V. Since U ⊆ V, V − U = V & ~U, so only the addition carries
 * between 32-bit words. Cost O(|b| · ⌈|a|/32⌉) word operations and no |a|·|b| table.
 *
 * `lcsLengthDp` is the plain dynamic programme (two rows), kept as the reference the fast
 * kernel is tested and benchmarked against.
 */

export type TokenIds = ArrayLike<number>;

/** Plain O(m·n) dynamic programme (two rolling rows). */
export function lcsLengthDp(a: TokenIds, b: TokenIds): number {
	const m = a.length;
	const n = b.length;
	if (m === 0 || n === 0) return 0;
	let prev = new Int32Array(n + 1);
	let curr = new Int32Array(n + 1);
	for (let i = 1; i <= m; i++) {
		const ai = a[i - 1];
		for (let j = 1; j <= n; j++) {
			if (ai === b[j - 1]) curr[j] = prev[j - 1] + 1;
			else curr[j] = prev[j] >= curr[j - 1] ? prev[j] : curr[j - 1];
		}
		const t = prev;
		prev = curr;
		curr = t;
	}
	return prev[n];
}

/** Number of set bits in a 32-bit integer. */
export function popcount32(x: number): number {
	x = x - ((x >>> 1) & 0x55555555);
	x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
	x = (x + (x >>> 4)) & 0x0f0f0f0f;
	return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * A sequence prepared as the bit-vector side of the bit-parallel LCS: the match masks Peq
 * (one ⌈m/32⌉-word mask per distinct token) are built once, then compared with any number of
 * other sequences. Lookups go through a dense slot table indexed by token id, shared by all
 * pattern objects of one `PatternBuffer` so that building a pattern costs O(m), not O(vocab).
 */
export class PatternBuffer {
	/** slotOf[tokenId] = row of that token's mask in `masks`, or −1. Grown on demand. */
	private slotOf: Int32Array = new Int32Array(1024).fill(-1);
	private masks: Int32Array = new Int32Array(64);
	private vector: Int32Array = new Int32Array(2);
	private distinct: number[] = [];
	private length = 0;
	private words = 0;

	/** Number of tokens of the current pattern. */
	get size(): number {
		return this.length;
	}

	/** Make `pattern` the current pattern (replacing the previous one). */
	set(pattern: TokenIds): void {
		this.clear();
		const m = pattern.length;
		const words = (m + 31) >>> 5;
		this.length = m;
		this.words = words;
		if (this.vector.length < words) this.vector = new Int32Array(words * 2);
		let maxId = 0;
		for (let i = 0; i < m; i++) if (pattern[i] > maxId) maxId = pattern[i];
		if (maxId >= this.slotOf.length) {
			const grown = new Int32Array(Math.max(maxId + 1, this.slotOf.length * 2)).fill(-1);
			this.slotOf = grown;
		}
		const slotOf = this.slotOf;
		for (let i = 0; i < m; i++) {
			const t = pattern[i];
			let slot = slotOf[t];
			if (slot < 0) {
				slot = this.distinct.length;
				slotOf[t] = slot;
				this.distinct.push(t);
				const need = (slot + 1) * words;
				if (this.masks.length < need) {
					const grown = new Int32Array(Math.max(need, this.masks.length * 2));
					grown.set(this.masks.subarray(0, slot * words));
					this.masks = grown;
				} else {
					this.masks.fill(0, slot * words, need);
				}
			}
			this.masks[slot * words + (i >>> 5)] |= 1 << (i & 31);
		}
	}

	/** Forget the current pattern (resets only the slots it used). */
	clear(): void {
		const slotOf = this.slotOf;
		for (const t of this.distinct) slotOf[t] = -1;
		this.distinct.length = 0;
		this.length = 0;
		this.words = 0;
	}

	/** LCS length between the current pattern and `text[from, to)`. */
	lcs(text: TokenIds, from = 0, to = text.length): number {
		const m = this.length;
		if (m === 0 || to <= from) return 0;
		const slotOf = this.slotOf;
		const masks = this.masks;
		const slotLimit = slotOf.length;
		if (this.words === 1) {
			// Single word: the common case (instructions of up to 32 tokens).
			let v = -1;
			for (let j = from; j < to; j++) {
				const t = text[j];
				if (t >= slotLimit) continue;
				const slot = slotOf[t];
				if (slot < 0) continue;
				const u = v & masks[slot];
				v = (v + u) | (v & ~u);
			}
			const lowMask = m === 32 ? -1 : (1 << m) - 1;
			return m - popcount32(v & lowMask);
		}
		const words = this.words;
		const v = this.vector;
		v.fill(-1, 0, words);
		for (let j = from; j < to; j++) {
			const t = text[j];
			if (t >= slotLimit) continue;
			const slot = slotOf[t];
			if (slot < 0) continue;
			const base = slot * words;
			let carry = 0;
			for (let w = 0; w < words; w++) {
				const vw = v[w];
				const uw = vw & masks[base + w];
				// Unsigned 32-bit addition with carry, done in doubles (exact below 2^53).
				const sum = (vw >>> 0) + (uw >>> 0) + carry;
				carry = sum > 0xffffffff ? 1 : 0;
				v[w] = sum | (vw & ~uw);
			}
		}
		let ones = 0;
		const full = m >>> 5;
		for (let w = 0; w < full; w++) ones += popcount32(v[w]);
		const rest = m & 31;
		if (rest) ones += popcount32(v[full] & ((1 << rest) - 1));
		return m - ones;
	}
}

const shared = new PatternBuffer();

/** Bit-parallel LCS length of two token-id sequences (the shorter one becomes the bit vector). */
export function lcsLength(a: TokenIds, b: TokenIds): number {
	if (a.length === 0 || b.length === 0) return 0;
	const [pattern, text] = a.length <= b.length ? [a, b] : [b, a];
	shared.set(pattern);
	const l = shared.lcs(text);
	shared.clear();
	return l;
}
