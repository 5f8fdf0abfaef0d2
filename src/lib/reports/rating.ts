/**
 * The response-rating report (Self-Instruct Figure 5): per model, the share of its responses rated
 * each of A–D and rated A or B, at the label level with intervals clustered by response, and paired
 * comparisons of two models on the same tasks (Wilcoxon signed-rank and sign tests).
 *
 * With several reviewers per response, a response whose reviewers disagree (A and B, say) is not
 * left out: each rated response counts once, shared evenly among its reviewers' ratings (½ A, ½ B).
 * Leaving such responses out as "ties" kept a subset that is not a random sample of the responses.
 */
import { RATING_KEYS } from '$lib/audits/rubric';
import { clusteredMeanOfShares, holmAdjusted, median, signTest, wilcoxonSignedRank, wilsonInterval } from '$lib/stats';
import type { Estimate, IntervalSettings } from './quality';
import type { Rating } from './types';
import type { RatingItemVerdict, RatingUnitVerdict } from './verdicts';

export interface ModelRatingRow {
	model: string;
	/**
	 * Responses' worth of each level: a response adds each level's share of its reviewers' ratings
	 * (1 for a researcher's adjudicated rating), so A and B on one response add ½ to each. Not
	 * always whole: print them with ratingCountText.
	 */
	counts: Record<Rating, number>;
	/** counts / n per level: the mean over responses of the level's share of their ratings (null when n = 0). */
	shares: Record<Rating, number | null>;
	/**
	 * Each level's share with its Wilson interval at the effective sample size, clustered by
	 * response (successes = counts); plain Wilson over responses when no response is split.
	 */
	levels: Record<Rating, Estimate>;
	/** Responses with at least one rating (or an adjudicated one): all of them count. */
	n: number;
	/** Reviewers' ratings behind n (an adjudicated response counts as one). */
	labels: number;
	/** Responses whose reviewers gave different letters (counted in n, shared among their letters). */
	disagreements: number;
	/** Responses nobody has rated yet. */
	unrated: number;
	/** Responses whose final rating is a researcher's. */
	adjudicated: number;
	/** Share rated A or B: shares.A + shares.B, with its interval clustered by response as the levels'. */
	aOrB: Estimate;
}

/** A response's share of each level among its ratings: its adjudicated rating alone, else its reviewers' ratings evenly; null when unrated. */
export function responseLevelShares(unit: Pick<RatingUnitVerdict, 'counts' | 'labels' | 'rating' | 'adjudicated'>): Record<Rating, number> | null {
	if (unit.adjudicated && unit.rating) return { A: 0, B: 0, C: 0, D: 0, [unit.rating]: 1 };
	const total = RATING_KEYS.reduce((sum, level) => sum + unit.counts[level], 0);
	if (total === 0) return null;
	return { A: unit.counts.A / total, B: unit.counts.B / total, C: unit.counts.C / total, D: unit.counts.D / total };
}

/** A response's score on the 4-point scale (A = 4 … D = 1): the mean of its shares' scores; null when unrated. */
export function responseScore(unit: Pick<RatingUnitVerdict, 'counts' | 'labels' | 'rating' | 'adjudicated'>): number | null {
	const shares = responseLevelShares(unit);
	if (!shares) return null;
	return RATING_KEYS.reduce((sum, level, i) => sum + shares[level] * (RATING_KEYS.length - i), 0);
}

/** A median difference of mean ratings as tables show it: "+0.33", "−0.5", "0", or "—" without one. */
export function medianDifferenceText(difference: number | null): string {
	if (difference === null) return '—';
	const rounded = Math.round(Math.abs(difference) * 100) / 100;
	return `${rounded === 0 ? '' : difference > 0 ? '+' : '−'}${rounded}`;
}

/** "5", or "5.5" for responses' worth that is not whole (reviewers who disagree share a response). */
export function ratingCountText(count: number): string {
	return Number.isInteger(count) ? String(count) : String(Math.round(count * 10) / 10);
}

export interface ModelComparison {
	first: string;
	second: string;
	/** Items showing a response of both models. */
	tasks: number;
	/** Tasks where both responses have at least one rating: the tasks compared. */
	pairs: number;
	/** Tasks left out because one or both responses are not rated yet (tasks − pairs). */
	notRatedByBoth: number;
	firstBetter: number;
	secondBetter: number;
	same: number;
	/** Median of (first − second) in scale steps (mean ratings, A = 4 … D = 1), positive when the first model is better. */
	medianDifference: number | null;
	wilcoxon: {
		/** V: sum of the ranks of the differences in the first model's favour. */
		statistic: number;
		/** Non-zero differences. */
		n: number;
		zeros: number;
		method: 'exact' | 'normal';
		z: number | null;
		pValue: number;
		/** Holm-adjusted over the report's `family` Wilcoxon tests (= pValue for one comparison). */
		holmPValue: number;
	};
	sign: { n: number; positive: number; negative: number; pValue: number; /** Holm-adjusted over the report's sign tests. */ holmPValue: number };
	/** Comparisons in the report (one per pair of models): the family the Holm adjustment is over. */
	family: number;
}

/** Models in the audit's order, then any others found in the ratings, alphabetically. */
export function modelOrder(declared: readonly string[], verdicts: readonly RatingItemVerdict[]): string[] {
	const seen = new Set<string>();
	for (const v of verdicts) for (const r of v.responses) seen.add(r.model);
	const extra = [...seen].filter((m) => !declared.includes(m)).sort();
	return [...declared, ...extra];
}

export function modelRatingRows(models: readonly string[], verdicts: readonly RatingItemVerdict[], settings: IntervalSettings): ModelRatingRow[] {
	return models.map((model) => {
		const perLevel: Record<Rating, number[]> = { A: [], B: [], C: [], D: [] };
		const aOrB: number[] = [];
		let labels = 0;
		let disagreements = 0;
		let unrated = 0;
		let adjudicated = 0;
		for (const item of verdicts) {
			for (const unit of item.responses) {
				if (unit.model !== model) continue;
				if (unit.adjudicated) adjudicated += 1;
				const shares = responseLevelShares(unit);
				if (!shares) {
					unrated += 1;
					continue;
				}
				labels += unit.adjudicated && unit.rating ? 1 : unit.labels;
				if (!unit.adjudicated && RATING_KEYS.filter((level) => unit.counts[level] > 0).length > 1) disagreements += 1;
				for (const level of RATING_KEYS) perLevel[level].push(shares[level]);
				aOrB.push(shares.A + shares.B);
			}
		}
		const n = aOrB.length;
		const estimate = (responseShares: number[]): Estimate => {
			// Every response wholly one way (one reviewer, or reviewers who agree): a count of responses, Wilson's interval as ever.
			if (responseShares.every((p) => p === 0 || p === 1)) {
				const w = wilsonInterval(responseShares.filter((p) => p === 1).length, responseShares.length, { confidence: settings.confidence });
				return { successes: w.successes, trials: w.trials, proportion: w.proportion, lower: w.lower, upper: w.upper };
			}
			const c = clusteredMeanOfShares(responseShares, { confidence: settings.confidence, labels });
			return { successes: c.successes, trials: c.trials, proportion: c.proportion, lower: c.lower, upper: c.upper };
		};
		const levels = Object.fromEntries(RATING_KEYS.map((level) => [level, estimate(perLevel[level])])) as Record<Rating, Estimate>;
		return {
			model,
			counts: Object.fromEntries(RATING_KEYS.map((level) => [level, levels[level].successes])) as Record<Rating, number>,
			shares: Object.fromEntries(RATING_KEYS.map((level) => [level, levels[level].proportion])) as Record<Rating, number | null>,
			levels,
			n,
			labels,
			disagreements,
			unrated,
			adjudicated,
			aOrB: estimate(aOrB)
		};
	});
}

/**
 * Paired comparison of two models over the items showing a response of each: every task where both
 * responses have at least one rating, each side scored by the mean of its reviewers' ratings
 * (A = 4 … D = 1; an adjudicated rating alone), so reviewers who disagree still count. Wilcoxon's
 * signed-rank test (mid-ranks for tied |differences|, zero differences dropped) and the sign test.
 */
export function compareModels(first: string, second: string, verdicts: readonly RatingItemVerdict[]): ModelComparison {
	let tasks = 0;
	const a: number[] = [];
	const b: number[] = [];
	for (const item of verdicts) {
		const x = item.responses.find((r) => r.model === first);
		const y = item.responses.find((r) => r.model === second);
		if (!x || !y) continue;
		tasks += 1;
		const sx = responseScore(x);
		const sy = responseScore(y);
		if (sx === null || sy === null) continue;
		a.push(sx);
		b.push(sy);
	}
	// Rounded so that equal differences of mean ratings (⅓ − 0 and 1 − ⅔) tie exactly for the mid-ranks.
	const differences = a.map((value, i) => Math.round((value - b[i]) * 1e9) / 1e9);
	const none = differences.map(() => 0);
	const sign = signTest(differences, none);
	const wilcoxon = wilcoxonSignedRank(differences, none);
	return {
		first,
		second,
		tasks,
		pairs: a.length,
		notRatedByBoth: tasks - a.length,
		firstBetter: sign.positive,
		secondBetter: sign.negative,
		same: sign.zeros,
		medianDifference: median(differences),
		wilcoxon: { statistic: wilcoxon.statistic, n: wilcoxon.n, zeros: wilcoxon.zeros, method: wilcoxon.method, z: wilcoxon.z, pValue: wilcoxon.pValue, holmPValue: wilcoxon.pValue },
		sign: { n: sign.n, positive: sign.positive, negative: sign.negative, pValue: sign.pValue, holmPValue: sign.pValue },
		family: 1
	};
}

/**
 * Every unordered pair of models, in model order. With three or more models the p-values are
 * read together, so each test's are also given Holm-adjusted over the comparisons (Holm 1979).
 */
export function allModelComparisons(models: readonly string[], verdicts: readonly RatingItemVerdict[]): ModelComparison[] {
	const comparisons: ModelComparison[] = [];
	for (let i = 0; i < models.length; i++) {
		for (let j = i + 1; j < models.length; j++) comparisons.push(compareModels(models[i], models[j], verdicts));
	}
	const wilcoxon = holmAdjusted(comparisons.map((c) => c.wilcoxon.pValue));
	const sign = holmAdjusted(comparisons.map((c) => c.sign.pValue));
	return comparisons.map((c, i) => ({
		...c,
		wilcoxon: { ...c.wilcoxon, holmPValue: wilcoxon[i] },
		sign: { ...c.sign, holmPValue: sign[i] },
		family: comparisons.length
	}));
}

/**
 * The comparison of `first` with `second`, whichever order the report computed the pair in:
 * swapping the models swaps who is better, negates the median difference and z, and turns V into
 * its complement n(n + 1)/2 − V (mid-ranks keep the rank total); p-values are two-sided and stay.
 */
export function orientComparison(comparisons: readonly ModelComparison[], first: string, second: string): ModelComparison | null {
	const same = comparisons.find((c) => c.first === first && c.second === second);
	if (same) return same;
	const c = comparisons.find((x) => x.first === second && x.second === first);
	if (!c) return null;
	const n = c.wilcoxon.n;
	return {
		...c,
		first,
		second,
		firstBetter: c.secondBetter,
		secondBetter: c.firstBetter,
		medianDifference: c.medianDifference === null ? null : c.medianDifference === 0 ? 0 : -c.medianDifference,
		wilcoxon: { ...c.wilcoxon, statistic: (n * (n + 1)) / 2 - c.wilcoxon.statistic, z: c.wilcoxon.z === null ? null : c.wilcoxon.z === 0 ? 0 : -c.wilcoxon.z },
		sign: { ...c.sign, positive: c.sign.negative, negative: c.sign.positive }
	};
}
