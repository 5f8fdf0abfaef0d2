/**
 * A share of "yes" over labels that come in clusters (several reviewers' labels on one item), with
 * an interval that does not pretend the labels are independent.
 *
 * The share is a ratio estimator r = Σ yᵢ / Σ nᵢ over items i (yᵢ yes-labels out of nᵢ). Its
 * variance, with items as the sampling units, is the ratio-estimator variance
 *   v(r) = Σ (yᵢ − r·nᵢ)² / (m (m − 1) n̄²),   m items, n̄ = mean labels per item
 * (Cochran 1977, Sampling Techniques, §6.3 and §9.8 for cluster samples). The interval is the
 * Wilson score interval at the effective sample size n* = n / deff (Korn & Graubard 1998, Survey
 * Methodology 24:193–201), capped at the number of labels n, so it stays inside [0, 1] and widens
 * exactly as much as clustering demands. The design effect compares v(r) with the variance the n
 * labels would have as a simple random sample, estimated the same unbiased way, r(1 − r) / (n − 1):
 * v's m/(m − 1) is that same small-sample correction over clusters, so the two cancel when nothing
 * is clustered — one label per item gives deff = 1 and the plain Wilson interval at n, not at n − 1.
 * When every label agrees (r = 0 or 1, v = 0) the design effect is unknown and the items count once
 * each (n* = m), the conservative choice.
 */
import { wilsonInterval, DEFAULT_CONFIDENCE } from './proportion';

export interface ClusterCounts {
	successes: number;
	trials: number;
}

export interface ClusteredProportion {
	/** Yes-labels and labels, summed over items. */
	successes: number;
	trials: number;
	/** Items with at least one label. */
	clusters: number;
	proportion: number | null;
	lower: number;
	upper: number;
	standardError: number | null;
	/** Labels' worth of independent information the interval is built on. */
	effectiveSize: number;
	/** Variance relative to independent labels (≥ 1 when labels on an item agree more than chance). */
	designEffect: number | null;
	confidence: number;
}

export function clusteredProportion(clusters: readonly ClusterCounts[], options: { confidence?: number } = {}): ClusteredProportion {
	const successes = new Float64Array(clusters.length);
	const trials = new Float64Array(clusters.length);
	clusters.forEach((c, i) => {
		successes[i] = c.successes;
		trials[i] = c.trials;
	});
	return clusteredProportionOfCounts(successes, trials, options);
}

/**
 * The same from the clusters' counts as two lists, cluster i's successes and trials at i: a report
 * passes 50,000 items' counts per rate and group without an object per item.
 */
export function clusteredProportionOfCounts(
	successCounts: ArrayLike<number>,
	trialCounts: ArrayLike<number>,
	options: { confidence?: number } = {}
): ClusteredProportion {
	const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
	let m = 0;
	let successes = 0;
	let trials = 0;
	for (let i = 0; i < trialCounts.length; i++) {
		const k = successCounts[i];
		const n = trialCounts[i];
		if (!(n > 0)) continue;
		if (!(Number.isInteger(k) && Number.isInteger(n) && k >= 0 && k <= n)) {
			throw new RangeError(`cluster counts must be integers with 0 ≤ successes ≤ trials, got ${k}/${n}`);
		}
		m++;
		successes += k;
		trials += n;
	}
	return ratioEstimate(successCounts, trialCounts, m, successes, trials, trials, confidence);
}

/**
 * The mean over items of each item's share (item i: its labels' share of "yes", pᵢ), every item
 * counting once however many labels it has: the ratio estimator above with yᵢ = pᵢ and nᵢ = 1, so
 * the items are the clusters. `labels` (the labels behind the shares, at least the items) caps the
 * effective sample size as the labels cap it above; without it the cap is the number of items.
 */
export function clusteredMeanOfShares(shares: ArrayLike<number>, options: { confidence?: number; labels?: number } = {}): ClusteredProportion {
	const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
	let total = 0;
	for (let i = 0; i < shares.length; i++) {
		const p = shares[i];
		if (!(p >= 0 && p <= 1)) throw new RangeError(`item shares must lie in [0, 1], got ${p}`);
		total += p;
	}
	const m = shares.length;
	const ones = new Float64Array(m).fill(1);
	return ratioEstimate(shares, ones, m, total, m, Math.max(m, options.labels ?? m), confidence);
}

/**
 * Ratio estimate Σ y / Σ n over the m clusters with n > 0, its Wilson interval at the effective
 * size; `labels` (n) is the labels behind it: the simple random sample the design effect compares
 * with, and the cap on the effective size.
 */
function ratioEstimate(
	successCounts: ArrayLike<number>,
	trialCounts: ArrayLike<number>,
	m: number,
	successes: number,
	trials: number,
	labels: number,
	confidence: number
): ClusteredProportion {
	if (m === 0) {
		return { successes: 0, trials: 0, clusters: 0, proportion: null, lower: 0, upper: 1, standardError: null, effectiveSize: 0, designEffect: null, confidence };
	}
	const r = successes / trials;
	let variance: number | null = null;
	// Every item holds a single yes/no label: a simple random sample of labels, nothing clustered.
	let oneLabelEach = labels === m;
	if (m >= 2) {
		const meanSize = trials / m;
		let sum = 0;
		for (let i = 0; i < trialCounts.length; i++) {
			if (!(trialCounts[i] > 0)) continue;
			sum += (successCounts[i] - r * trialCounts[i]) ** 2;
			if (trialCounts[i] !== 1 || (successCounts[i] !== 0 && successCounts[i] !== 1)) oneLabelEach = false;
		}
		variance = sum / (m * (m - 1) * meanSize * meanSize);
	}
	// The n labels' variance as a simple random sample, with the same n/(n − 1) correction as v(r).
	const simpleRandom = labels > 1 ? (r * (1 - r)) / (labels - 1) : 0;
	let effective: number;
	let designEffect: number | null = variance !== null && simpleRandom > 0 ? variance / simpleRandom : null;
	// Exactly 1 there (the formula gives it up to rounding): the same interval as plain Wilson.
	if (oneLabelEach && designEffect !== null) designEffect = 1;
	// Every cluster with the same share (variance 0, 0 < r < 1) is the limit of ever smaller
	// variances: the cap, as a nearly equal spread gets — not m, which made such data's interval
	// wider than that of data one cluster away from it.
	if (variance !== null && r > 0 && r < 1) effective = designEffect !== null && designEffect > 0 ? Math.min(labels, labels / designEffect) : labels;
	else effective = m;
	// Wilson at a fractional size: the score interval's formula holds for any n > 0.
	const w = wilsonFractional(r, effective, confidence);
	return {
		successes,
		trials,
		clusters: m,
		proportion: r,
		lower: w[0],
		upper: w[1],
		standardError: variance === null ? null : Math.sqrt(variance),
		effectiveSize: effective,
		designEffect,
		confidence
	};
}

/** Wilson score bounds for a share p observed on an effective sample of n (n may be fractional). */
function wilsonFractional(p: number, n: number, confidence: number): [number, number] {
	const { z } = wilsonInterval(0, 1, { confidence });
	const z2 = z * z;
	const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
	const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
	const lower = p === 0 ? 0 : Math.max(0, Math.min(p, centre - half));
	const upper = p === 1 ? 1 : Math.min(1, Math.max(p, centre + half));
	return [lower, upper];
}
