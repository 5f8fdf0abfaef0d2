/**
 * Paired comparison of two models rated on the same tasks (the Self-Instruct A–D human
 * evaluation): the Wilcoxon signed-rank test and the sign test, each two-sided.
 */
import { binomialTest } from './binomial';
import { median, midRanks } from './descriptive';
import { normalUpperTail } from './normal';
import { isPresent } from './ratings';

/**
 * R's wilcox.test computes the exact null distribution only below this many non-zero differences
 * (and only without ties or zeros); beyond, the normal approximation is used.
 */
export const WILCOXON_EXACT_BELOW = 50;
/** The exact distribution costs O(n³) time; refuse to run it past this. */
const WILCOXON_EXACT_MAX = 1000;

export interface WilcoxonOptions {
	/**
	 * Zero differences: 'wilcox' drops them before ranking (Wilcoxon 1945; R's wilcox.test,
	 * the default); 'pratt' ranks them with the others and then leaves their ranks out
	 * (Pratt 1959, JASA 54:655–667), which keeps the ranks of the non-zero differences unchanged.
	 */
	zeroMethod?: 'wilcox' | 'pratt';
	/**
	 * 'exact': the permutation distribution of V over the 2ⁿ sign patterns, also with tied ranks
	 * (conditional on the mid-ranks). 'normal': normal approximation with tie correction.
	 * 'auto' (default): exact when n < 50 and there are neither ties nor zeros, as R does.
	 */
	method?: 'auto' | 'exact' | 'normal';
	/** Continuity correction of ½ in the normal approximation; default true, as in R. */
	continuityCorrection?: boolean;
}

export interface WilcoxonResult {
	/** Pairs with a non-zero difference: the ones whose signs carry information. */
	n: number;
	/** Pairs with zero difference (not counted in n). */
	zeros: number;
	/** V = W⁺, the sum of the ranks of the positive differences first − second (R's statistic V). */
	statistic: number;
	/** W⁻, the sum of the ranks of the negative differences. */
	negativeRankSum: number;
	/** True if some non-zero |differences| were tied (mid-ranks used). */
	ties: boolean;
	method: 'exact' | 'normal';
	/** The standardised statistic of the normal approximation; null for the exact method. */
	z: number | null;
	/** Two-sided p-value; 1 when there are no non-zero differences. */
	pValue: number;
}

function differences(first: readonly number[], second: readonly number[]): number[] {
	if (first.length !== second.length) {
		throw new RangeError(`paired samples must have the same length (${first.length} ≠ ${second.length})`);
	}
	return first.map((value, i) => {
		const d = value - second[i];
		if (!Number.isFinite(d)) throw new RangeError(`paired values must be finite numbers (pair ${i})`);
		return d;
	});
}

/**
 * P(V ≤ v) and P(V ≥ v) under H₀ for V = sum of the ranks that get a + sign, each sign ± with
 * probability ½ independently. Ranks are mid-ranks, so doubled they are integers and the
 * distribution is a walk over integer sums: a dynamic programme over ranks, O(n · Σ 2r).
 */
function exactTails(ranks: readonly number[], v: number): { lower: number; upper: number } {
	const doubled = ranks.map((r) => Math.round(2 * r));
	const total = doubled.reduce((sum, r) => sum + r, 0);
	let distribution = new Float64Array(total + 1);
	distribution[0] = 1;
	let reach = 0;
	for (const r of doubled) {
		const next = new Float64Array(total + 1);
		for (let s = 0; s <= reach; s++) {
			const p = distribution[s];
			if (p === 0) continue;
			next[s] += p / 2;
			next[s + r] += p / 2;
		}
		reach += r;
		distribution = next;
	}
	const target = Math.round(2 * v);
	let lower = 0;
	let upper = 0;
	for (let s = 0; s <= total; s++) {
		if (s <= target) lower += distribution[s];
		if (s >= target) upper += distribution[s];
	}
	return { lower, upper };
}

/**
 * Wilcoxon signed-rank test of H₀: the differences first − second are symmetric about 0
 * (Wilcoxon 1945, Biometrics Bulletin 1:80–83; Hollander & Wolfe, Nonparametric Statistical
 * Methods, §3.1). |dᵢ| are ranked with mid-ranks for ties; V is the sum of ranks of positive dᵢ.
 * Under H₀, E[V] = Σrᵢ/2 and Var[V] = Σrᵢ²/4, which for n untied ranks is n(n+1)(2n+1)/24 and with
 * ties subtracts Σ(t³ − t)/48 (the usual tie correction). Normal approximation (as R):
 * z = (V − E[V] − ½·sign(V − E[V])) / √Var[V], p = 2·P(Z ≥ |z|). Exact: p = min(1, 2·min(P(V ≤ v),
 * P(V ≥ v))).
 */
export function wilcoxonSignedRank(
	first: readonly number[],
	second: readonly number[],
	options: WilcoxonOptions = {}
): WilcoxonResult {
	const zeroMethod = options.zeroMethod ?? 'wilcox';
	const all = differences(first, second);
	const zeros = all.filter((d) => d === 0).length;
	const ranked = zeroMethod === 'wilcox' ? all.filter((d) => d !== 0) : all;
	const { ranks: allRanks } = midRanks(ranked.map(Math.abs));
	const signed = ranked.map((d, i) => ({ d, rank: allRanks[i] })).filter(({ d }) => d !== 0);
	const ranks = signed.map(({ rank }) => rank);
	const n = signed.length;
	const statistic = signed.reduce((sum, { d, rank }) => (d > 0 ? sum + rank : sum), 0);
	const negativeRankSum = signed.reduce((sum, { d, rank }) => (d < 0 ? sum + rank : sum), 0);
	const ties = new Set(signed.map(({ d }) => Math.abs(d))).size < n;

	const requested = options.method ?? 'auto';
	const method: 'exact' | 'normal' =
		requested === 'auto' ? (n < WILCOXON_EXACT_BELOW && !ties && zeros === 0 ? 'exact' : 'normal') : requested;
	const base = { n, zeros, statistic, negativeRankSum, ties, method };
	if (n === 0) return { ...base, z: null, pValue: 1 };

	if (method === 'exact') {
		if (n > WILCOXON_EXACT_MAX) throw new RangeError(`exact Wilcoxon test limited to n ≤ ${WILCOXON_EXACT_MAX}, got ${n}`);
		const { lower, upper } = exactTails(ranks, statistic);
		return { ...base, z: null, pValue: Math.min(1, 2 * Math.min(lower, upper)) };
	}

	const mean = ranks.reduce((sum, r) => sum + r, 0) / 2;
	const variance = ranks.reduce((sum, r) => sum + r * r, 0) / 4;
	const deviation = statistic - mean;
	const correction = (options.continuityCorrection ?? true) ? 0.5 * Math.sign(deviation) : 0;
	const z = (deviation - correction) / Math.sqrt(variance);
	return { ...base, z, pValue: Math.min(1, 2 * normalUpperTail(Math.abs(z))) };
}

export interface SignTestResult {
	/** Pairs with a non-zero difference. */
	n: number;
	/** Pairs with first > second. */
	positive: number;
	/** Pairs with first < second. */
	negative: number;
	/** Pairs with first = second, left out of the test. */
	zeros: number;
	/** Exact two-sided p-value: 2·P(X ≤ min(positive, negative)), X ~ Bin(n, ½), capped at 1. */
	pValue: number;
}

/**
 * Sign test of H₀: P(first > second) = P(first < second) (Dixon & Mood 1946, JASA 41:557–566;
 * Conover, Practical Nonparametric Statistics, §3.4): ties (zero differences) are dropped and the
 * number of positive differences is referred to Binomial(n, ½), exactly.
 */
export function signTest(first: readonly number[], second: readonly number[]): SignTestResult {
	const all = differences(first, second);
	const positive = all.filter((d) => d > 0).length;
	const negative = all.filter((d) => d < 0).length;
	const n = positive + negative;
	return { n, positive, negative, zeros: all.length - n, pValue: binomialTest(positive, n, 0.5).pValue };
}

export interface OrdinalComparison {
	/** Tasks where both models have a rating. */
	pairs: number;
	/** Tasks where the first model's rating is better. */
	firstBetter: number;
	secondBetter: number;
	same: number;
	/** Median of (first − second) in scale steps (positive: first better); null without pairs. */
	medianDifference: number | null;
	wilcoxon: WilcoxonResult;
	sign: SignTestResult;
}

/**
 * Compare two models rated on the same tasks on an ordinal scale, e.g. Self-Instruct's A–D
 * (A valid and satisfying … D irrelevant or invalid): ratings become scores by their position in
 * `scaleBestFirst` (['A', 'B', 'C', 'D'] → 4, 3, 2, 1) and are compared pair by pair with the
 * Wilcoxon signed-rank and sign tests. Tasks where either rating is missing are left out.
 */
export function compareOrdinalRatings<T extends string | number>(
	first: ReadonlyArray<T | null | undefined>,
	second: ReadonlyArray<T | null | undefined>,
	scaleBestFirst: readonly T[],
	options: WilcoxonOptions = {}
): OrdinalComparison {
	if (first.length !== second.length) {
		throw new RangeError(`both models must be rated on the same tasks (${first.length} ≠ ${second.length})`);
	}
	const score = new Map(scaleBestFirst.map((value, i) => [value, scaleBestFirst.length - i]));
	const scoreOf = (value: T): number => {
		const found = score.get(value);
		if (found === undefined) throw new RangeError(`rating ${String(value)} is not on the scale`);
		return found;
	};
	const a: number[] = [];
	const b: number[] = [];
	first.forEach((value, i) => {
		const other = second[i];
		if (isPresent(value) && isPresent(other)) {
			a.push(scoreOf(value));
			b.push(scoreOf(other));
		}
	});
	const sign = signTest(a, b);
	return {
		pairs: a.length,
		firstBetter: sign.positive,
		secondBetter: sign.negative,
		same: sign.zeros,
		medianDifference: median(a.map((value, i) => value - b[i])),
		wilcoxon: wilcoxonSignedRank(a, b, options),
		sign
	};
}
