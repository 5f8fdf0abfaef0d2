/**
 * Distributions for the analyses: word lengths (whole numbers, kept exactly as a count per
 * length) and ROUGE-L scores in [0, 1] (kept as counts in 100 bins of 0.01, plus exact
 * quantiles computed from the sorted scores before they are dropped).
 */

/** Quantiles reported for every distribution. */
export const QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

/**
 * Quantile p of sorted values by linear interpolation between order statistics (Hyndman & Fan
 * type 7, R's and NumPy's default): h = (n − 1)·p, value = x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋+1 − x⌊h⌋).
 * The median is the middle value, or the mean of the two middle ones.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number | null {
	const n = sorted.length;
	if (n === 0) return null;
	const h = (n - 1) * p;
	const lo = Math.floor(h);
	const hi = Math.min(n - 1, lo + 1);
	return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The value of order statistic k (0-based) of a distribution given as counts per value. */
function orderStatistic(counts: readonly number[], k: number): number {
	let seen = 0;
	for (let v = 0; v < counts.length; v++) {
		seen += counts[v];
		if (seen > k) return v;
	}
	return counts.length - 1;
}

export interface Distribution {
	/** How many values. */
	n: number;
	mean: number | null;
	min: number | null;
	max: number | null;
	/** Type-7 quantiles at QUANTILES, in that order. */
	quantiles: (number | null)[];
}

/** Whole-number values (e.g. lengths in words), counted per value. */
export class CountHistogram {
	private counts: number[] = [];
	private total = 0;
	private sum = 0;

	add(value: number, times = 1): void {
		if (!Number.isInteger(value) || value < 0) throw new RangeError(`CountHistogram takes whole numbers ≥ 0, got ${value}`);
		while (this.counts.length <= value) this.counts.push(0);
		this.counts[value] += times;
		this.total += times;
		this.sum += value * times;
	}

	/** counts[v] = how many values equal v. */
	get countsByValue(): readonly number[] {
		return this.counts;
	}

	summary(): Distribution {
		const n = this.total;
		if (n === 0) return { n: 0, mean: null, min: null, max: null, quantiles: QUANTILES.map(() => null) };
		const quantiles = QUANTILES.map((p) => {
			const h = (n - 1) * p;
			const lo = Math.floor(h);
			const a = orderStatistic(this.counts, lo);
			const b = lo + 1 < n ? orderStatistic(this.counts, lo + 1) : a;
			return a + (h - lo) * (b - a);
		});
		return { n, mean: this.sum / n, min: this.counts.findIndex((c) => c > 0), max: this.counts.length - 1, quantiles };
	}
}

/** Counts per value as [value, count] pairs for the values that occur (compact for JSON). */
export function sparseCounts(counts: readonly number[]): [number, number][] {
	const out: [number, number][] = [];
	counts.forEach((c, v) => {
		if (c > 0) out.push([v, c]);
	});
	return out;
}

export interface Bin {
	/** Lower edge (inclusive). */
	x0: number;
	/** Upper edge (exclusive, except the overflow bin, which holds everything from x0 on). */
	x1: number;
	count: number;
	/** The last bin of a capped scale: values ≥ x0. */
	overflow?: boolean;
}

/**
 * Whole-number counts into bins of `width` starting at 0: bin k holds values in
 * [k·width, (k+1)·width); values at or above `cap` (a multiple of width) go into one overflow bin.
 */
export function binCounts(sparse: readonly (readonly [number, number])[], width: number, cap: number): Bin[] {
	if (!(width >= 1) || !Number.isInteger(width)) throw new RangeError(`bin width must be a whole number ≥ 1, got ${width}`);
	const bins = Math.ceil(cap / width);
	const out: Bin[] = Array.from({ length: bins }, (_, k) => ({ x0: k * width, x1: (k + 1) * width, count: 0 }));
	const overflow: Bin = { x0: bins * width, x1: bins * width, count: 0, overflow: true };
	for (const [value, count] of sparse) {
		const k = Math.floor(value / width);
		if (k < bins) out[k].count += count;
		else overflow.count += count;
	}
	if (overflow.count > 0) out.push(overflow);
	return out;
}

/**
 * A shared scale for word-length histograms of several datasets: a "nice" bin width so that
 * about `target` bins reach the largest of `reaches` (each a lengthReach), capped at the first
 * bin edge past it (the rest in one overflow bin).
 */
export function lengthScale(reaches: readonly number[], target = 30): { width: number; cap: number } {
	const reach = Math.max(1, ...reaches.map((v) => Math.ceil(v)));
	const raw = reach / target;
	const nice = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];
	const width = nice.find((w) => w >= raw) ?? Math.ceil(raw / 1000) * 1000;
	return { width, cap: Math.ceil((reach + 1) / width) * width };
}

/**
 * How far a length histogram's ordinary bars should reach: the 99th percentile, unless that is
 * an outlier — past both Q3 + 3·IQR (Tukey's far-out fence) and twice the 95th percentile —
 * when they stop at the larger of those two. With fewer than 100 rows the 99th percentile is the
 * longest row itself, and one very long row would stretch the scale until every other row shares
 * the first bar; it goes into the overflow bar instead. A long but ordinary tail (lengths of
 * outputs, of inputs) keeps the 99th percentile.
 */
export function lengthReach(sparse: readonly (readonly [number, number])[]): number {
	const q1 = upperValue(sparse, 0.25);
	const q3 = upperValue(sparse, 0.75);
	const limit = Math.max(Math.ceil(q3 + 3 * (q3 - q1)), 2 * upperValue(sparse, 0.95));
	return Math.min(upperValue(sparse, 0.99), limit);
}

/** The value at which `share` of a distribution given as sparse counts is reached (an upper quantile). */
export function upperValue(sparse: readonly (readonly [number, number])[], share: number): number {
	const n = sparse.reduce((a, [, c]) => a + c, 0);
	if (n === 0) return 0;
	const need = Math.ceil(share * n);
	let seen = 0;
	for (const [value, count] of sparse) {
		seen += count;
		if (seen >= need) return value;
	}
	return sparse[sparse.length - 1][0];
}

/** Bins of the stored ROUGE-L score histogram (width 1/SCORE_BINS). */
export const SCORE_BINS = 100;

/**
 * The bin of a score in [0, 1]: bin k holds [k/100, (k+1)/100), and 1 falls in the last bin.
 * F is a ratio of small whole numbers computed in doubles, so a score meant to sit on an edge
 * (e.g. 0.29) can come out a few ulps below it; the 1e-9 nudge puts it in the bin it belongs to
 * (no F of instructions this short lies within 1e-9 of an edge without being on it).
 */
export function scoreBin(score: number, bins = SCORE_BINS): number {
	if (!(score >= 0 && score <= 1)) throw new RangeError(`score must be in [0, 1], got ${score}`);
	return Math.min(bins - 1, Math.floor(score * bins + 1e-9));
}

/** Stored 0.01 bins merged into `bins` equal bins (bins must divide SCORE_BINS). */
export function mergeScoreBins(counts: readonly number[], bins: number): number[] {
	if (counts.length % bins !== 0) throw new RangeError(`${bins} bins do not divide ${counts.length}`);
	const per = counts.length / bins;
	const out = new Array<number>(bins).fill(0);
	counts.forEach((c, k) => (out[Math.floor(k / per)] += c));
	return out;
}

/** Scores in [0, 1], with exact quantiles and the shares above the filter thresholds. */
export class ScoreHistogram {
	private scores = new Float64Array(1024);
	private n = 0;

	add(score: number): void {
		scoreBin(score); // validates
		if (this.n === this.scores.length) {
			const grown = new Float64Array(this.scores.length * 2);
			grown.set(this.scores);
			this.scores = grown;
		}
		this.scores[this.n++] = score;
	}

	get size(): number {
		return this.n;
	}

	summary(thresholds: readonly number[]): ScoreSummary {
		const sorted = this.scores.slice(0, this.n).sort();
		const bins = new Array<number>(SCORE_BINS).fill(0);
		let sum = 0;
		for (const s of sorted) {
			bins[scoreBin(s)]++;
			sum += s;
		}
		// "Above t" as the filter decides it: F > t (rouge_score's double F compared with t).
		// "Exactly t": the scores not above t that scoreBin puts in t's bar (F meant to be t can
		// come out an ulp below it, e.g. 0.4999999999999999), so above + exactly is what the bars
		// from t upward hold. Thresholds sit on bin edges.
		const firstFrom = (from: (s: number) => boolean) => {
			let lo = 0;
			let hi = sorted.length;
			while (lo < hi) {
				const mid = (lo + hi) >> 1;
				if (from(sorted[mid])) hi = mid;
				else lo = mid + 1;
			}
			return lo;
		};
		const above = thresholds.map((t) => {
			const strictly = firstFrom((s) => s > t);
			const onEdge = firstFrom((s) => scoreBin(s) >= scoreBin(t));
			const count = sorted.length - strictly;
			return { threshold: t, count, share: sorted.length ? count / sorted.length : null, exactly: strictly - onEdge };
		});
		return {
			n: sorted.length,
			mean: sorted.length ? sum / sorted.length : null,
			min: sorted.length ? sorted[0] : null,
			max: sorted.length ? sorted[sorted.length - 1] : null,
			quantiles: QUANTILES.map((p) => quantileSorted(sorted, p)),
			bins,
			above
		};
	}
}

export interface ScoreSummary extends Distribution {
	/** Counts in SCORE_BINS bins of width 0.01 (see scoreBin). */
	bins: number[];
	/** Scores > threshold (count, share) and scores equal to it (exactly; absent in results cached before it was counted). */
	above: { threshold: number; count: number; share: number | null; exactly?: number }[];
}
