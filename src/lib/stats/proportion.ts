/**
 * Confidence intervals for proportions (the audit's "share of yes") and for the difference of
 * two independent proportions (comparing two audits).
 */
import { normalUpperTail, zForConfidence } from './normal';

/** Reports default to 95% intervals, as the papers' readers expect. */
export const DEFAULT_CONFIDENCE = 0.95;

export interface IntervalOptions {
	/** Two-sided confidence level in (0, 1); default 0.95. Give this or `z`, not both. */
	confidence?: number;
	/** Critical value to use directly (e.g. 1.96); overrides the confidence level. */
	z?: number;
	/**
	 * Use the continuity-corrected Wilson interval (Newcombe 1998a, method 4) — more
	 * conservative. Default false (method 3, the plain Wilson score interval).
	 */
	continuityCorrection?: boolean;
}

export interface Counts {
	successes: number;
	trials: number;
}

export interface ProportionInterval extends Counts {
	/** successes / trials; null when there are no trials. */
	proportion: number | null;
	lower: number;
	upper: number;
	z: number;
	/** The two-sided confidence level matching z. */
	confidence: number;
}

export interface ProportionDifferenceInterval {
	first: ProportionInterval;
	second: ProportionInterval;
	/** first.proportion − second.proportion; null when either side has no trials. */
	difference: number | null;
	lower: number;
	upper: number;
	z: number;
	confidence: number;
}

function criticalValue(options: IntervalOptions): { z: number; confidence: number } {
	if (options.z !== undefined) {
		if (options.confidence !== undefined) throw new TypeError('give either confidence or z, not both');
		if (!(options.z > 0 && Number.isFinite(options.z))) throw new RangeError(`z must be positive, got ${options.z}`);
		return { z: options.z, confidence: 1 - 2 * normalUpperTail(options.z) };
	}
	const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
	return { z: zForConfidence(confidence), confidence };
}

function assertCounts({ successes, trials }: Counts): void {
	if (!Number.isInteger(trials) || trials < 0) throw new RangeError(`trials must be a non-negative integer, got ${trials}`);
	if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
		throw new RangeError(`successes must be an integer in [0, ${trials}], got ${successes}`);
	}
}

function wilsonBounds(successes: number, trials: number, z: number, continuityCorrection: boolean): [number, number] {
	if (trials === 0) return [0, 1]; // no information: the whole range
	const n = trials;
	const p = successes / n;
	const q = 1 - p;
	const z2 = z * z;
	const denominator = 2 * (n + z2);
	let lower: number;
	let upper: number;
	if (!continuityCorrection) {
		// Wilson (1927), JASA 22:209–212; Newcombe (1998a) Stat Med 17:857–872, method 3:
		// (2np + z² ∓ z·√(z² + 4npq)) / (2(n + z²)).
		const root = z * Math.sqrt(z2 + 4 * n * p * q);
		lower = (2 * n * p + z2 - root) / denominator;
		upper = (2 * n * p + z2 + root) / denominator;
	} else {
		// Newcombe (1998a), method 4 (Fleiss 1981 form):
		// L = (2np + z² − 1 − z·√(z² − 2 − 1/n + 4p(nq + 1))) / (2(n + z²)), L = 0 when p = 0;
		// U = (2np + z² + 1 + z·√(z² + 2 − 1/n + 4p(nq − 1))) / (2(n + z²)), U = 1 when p = 1.
		lower = (2 * n * p + z2 - 1 - z * Math.sqrt(Math.max(0, z2 - 2 - 1 / n + 4 * p * (n * q + 1)))) / denominator;
		upper = (2 * n * p + z2 + 1 + z * Math.sqrt(Math.max(0, z2 + 2 - 1 / n + 4 * p * (n * q - 1)))) / denominator;
	}
	// At x = 0 or x = n the formulas give 0 or 1 up to rounding; pin them and keep L ≤ p ≤ U.
	if (successes === 0) lower = 0;
	if (successes === n) upper = 1;
	return [Math.max(0, Math.min(lower, p)), Math.min(1, Math.max(upper, p))];
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927), the interval recommended by
 * Newcombe (1998a) and Brown, Cai & DasGupta (2001, Stat Sci 16:101–133) over the Wald interval,
 * which collapses at 0 and n and undercovers at small n.
 *
 * Edge cases: x = 0 gives lower = 0 and x = n gives upper = 1 (the interval stays non-degenerate);
 * n = 0 gives proportion null and the uninformative interval [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, options: IntervalOptions = {}): ProportionInterval {
	assertCounts({ successes, trials });
	const { z, confidence } = criticalValue(options);
	const [lower, upper] = wilsonBounds(successes, trials, z, options.continuityCorrection ?? false);
	return {
		successes,
		trials,
		proportion: trials === 0 ? null : successes / trials,
		lower,
		upper,
		z,
		confidence
	};
}

/**
 * Interval for p₁ − p₂ from two independent samples by Newcombe's hybrid score method
 * (Newcombe 1998b, Stat Med 17:873–890, method 10; method 11 with the continuity correction),
 * built from the two Wilson intervals (l₁, u₁) and (l₂, u₂):
 *   L = δ − √((p₁ − l₁)² + (u₂ − p₂)²),  U = δ + √((u₁ − p₁)² + (p₂ − l₂)²),  δ = p₁ − p₂.
 * It stays inside [−1, 1] and behaves well at 0 and n, unlike the Wald interval.
 *
 * When either sample has no trials the difference is null and the interval is [−1, 1].
 */
export function proportionDifferenceInterval(
	first: Counts,
	second: Counts,
	options: IntervalOptions = {}
): ProportionDifferenceInterval {
	const a = wilsonInterval(first.successes, first.trials, options);
	const b = wilsonInterval(second.successes, second.trials, options);
	return { first: a, second: b, ...differenceFromIntervals(a, b), z: a.z, confidence: a.confidence };
}

/**
 * Newcombe's hybrid combination of two independent shares' score intervals (the formula above),
 * for intervals that are not plain Wilson ones: e.g. Wilson at an effective sample size, which
 * makes this Newcombe's interval at each side's n/deff. Null difference and [−1, 1] when either
 * share is undefined.
 */
export function differenceFromIntervals(
	first: { proportion: number | null; lower: number; upper: number },
	second: { proportion: number | null; lower: number; upper: number }
): { difference: number | null; lower: number; upper: number } {
	if (first.proportion === null || second.proportion === null) return { difference: null, lower: -1, upper: 1 };
	const p1 = first.proportion;
	const p2 = second.proportion;
	const difference = p1 - p2;
	const lower = difference - Math.sqrt((p1 - first.lower) ** 2 + (second.upper - p2) ** 2);
	const upper = difference + Math.sqrt((first.upper - p1) ** 2 + (p2 - second.lower) ** 2);
	return { difference, lower: Math.max(-1, lower), upper: Math.min(1, upper) };
}
