/**
 * Provable bounds for "ROUGE-L F > threshold" between a candidate of m tokens and a pool
 * instruction of n tokens, in terms of the LCS length L.
 *
 * Mathematically F = 2·L/(m+n), but the decision must follow the double-precision
 * 2·p·r/(p+r) of rouge_score, which can differ from 2·L/(m+n) in the last bit right at the
 * threshold. So the smallest sufficient L is found by evaluating that exact expression.
 * It is monotone in L: consecutive values of 2·L/(m+n) differ by a relative 1/L, far more than
 * the few ulps of rounding in p, r, 2·p·r and p+r, so F(L) ≤ t for every L below the first L
 * with F(L) > t, and the "need at least L tokens in common" bound is exact.
 *
 * Since LCS ≤ multiset overlap ≤ min(m, n), a pair can only pass when its token overlap reaches
 * that minimum — which is what the near-duplicate index prunes on before running any LCS.
 */
import { fmeasureFromLcs } from './score';

/** Validate a ROUGE-L threshold: a number in [0, 1]. */
export function checkThreshold(threshold: number): void {
	if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`ROUGE-L threshold must be in [0, 1], got ${threshold}`);
}

/**
 * The smallest LCS length L with F(L; m, n) > threshold, or min(m, n) + 1 when no L can get
 * there (the pair can never pass: this is the length filter).
 */
export function minLcsAbove(threshold: number, m: number, n: number): number {
	const most = m < n ? m : n;
	if (most === 0) return 1; // F = 0 for empty token lists
	// Start a little below the real-valued bound t·(m+n)/2 and walk up with the exact F.
	let l = Math.floor((threshold * (m + n)) / 2) - 2;
	if (l < 0) l = 0;
	if (l > most + 1) l = most + 1;
	while (l > 0 && fmeasureFromLcs(l - 1, m, n) > threshold) l--;
	while (l <= most && !(fmeasureFromLcs(l, m, n) > threshold)) l++;
	return l;
}

/**
 * Memo of `minLcsAbove` for one threshold, plus the smallest overlap any partner of a given
 * size can need (used to size prefixes).
 */
export class LcsBounds {
	private readonly rows: Int32Array[] = [];
	private readonly minOverlap: number[] = [];
	private readonly needRows: (Int32Array | undefined)[] = [];
	private readonly completeRows: boolean[] = [];

	constructor(readonly threshold: number) {
		checkThreshold(threshold);
	}

	/** `minLcsAbove(threshold, m, n)`, memoised. */
	need(m: number, n: number): number {
		let row = this.rows[m];
		if (row === undefined || row.length <= n) {
			const grown = new Int32Array(Math.max(n + 1, 2 * m + 16, row ? row.length * 2 : 0)).fill(-1);
			if (row) grown.set(row);
			this.rows[m] = row = grown;
		}
		let v = row[n];
		if (v < 0) row[n] = v = minLcsAbove(this.threshold, m, n);
		return v;
	}

	/**
	 * need(m, n) for every n from 0 up to `maxLength`, or up to the last n that can pass at all
	 * (for n ≥ m the need only grows, so past the first n ≥ m with need > m nothing passes).
	 * Any n at or beyond the row's end cannot pass.
	 */
	needRow(m: number, maxLength: number): Int32Array {
		const row = this.needRows[m];
		if (row !== undefined && (this.completeRows[m] || row.length > maxLength)) return row;
		const values: number[] = [];
		let complete = false;
		for (let n = 0; n <= maxLength; n++) {
			const need = this.need(m, n);
			values.push(need);
			if (n >= m && need > m) {
				complete = true;
				break;
			}
		}
		const built = Int32Array.from(values);
		this.needRows[m] = built;
		this.completeRows[m] = complete;
		return built;
	}

	/**
	 * α(m): the least LCS a sequence of m tokens needs with a partner of any size to pass.
	 * For n ≥ m the need only grows with n, so the minimum is over partners n ≤ m that can pass
	 * at all (need ≤ n). Returns m + 1 when nothing can pass (e.g. threshold 1, or m = 0).
	 */
	alpha(m: number): number {
		let a = this.minOverlap[m];
		if (a === undefined) {
			a = m + 1;
			for (let n = 1; n <= m; n++) {
				const need = this.need(m, n);
				if (need <= n && need < a) a = need;
			}
			this.minOverlap[m] = a;
		}
		return a;
	}

	/**
	 * Prefix length for a sequence of m tokens sorted in the global token order: any pair that
	 * passes shares an element within both sequences' first m − α(m) + 1 elements (prefix filter).
	 */
	prefixLength(m: number): number {
		const p = m - this.alpha(m) + 1;
		return p < 0 ? 0 : p;
	}
}
