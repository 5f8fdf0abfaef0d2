/**
 * The response-rating report (Self-Instruct Figure 5): per model, how many responses got each of
 * A–D as their final rating, the share rated A or B with a Wilson interval, and paired comparisons
 * of two models on the same tasks (Wilcoxon signed-rank and sign tests).
 */
import { RATING_KEYS } from '$lib/audits/rubric';
import { compareOrdinalRatings, wilsonInterval } from '$lib/stats';
import type { Estimate, IntervalSettings } from './quality';
import type { Rating } from './types';
import type { RatingItemVerdict, RatingUnitVerdict } from './verdicts';

export interface ModelRatingRow {
	model: string;
	/** Responses of this model with a final rating, per level. */
	counts: Record<Rating, number>;
	/** counts / n per level (null when n = 0). */
	shares: Record<Rating, number | null>;
	/** Responses with a final rating. */
	n: number;
	/** Responses whose reviewers tied (left out of n). */
	ties: number;
	/** Responses nobody has rated yet. */
	unrated: number;
	/** Responses whose final rating is a researcher's. */
	adjudicated: number;
	/**
	 * Share rated A or B ("acceptable or better"), decided on that yes/no measure itself: a
	 * response whose reviewers all fall on one side of the A/B–C/D line (or most of them) has a
	 * verdict even when their letters differ (A and B; C and D). Over responses with a verdict or
	 * an A-or-B tie; ties counted as not A or B here (the lower figure), with its Wilson interval.
	 */
	aOrB: Estimate;
	/** Ties counted as A or B (the upper figure); null without A-or-B ties (then aOrB is the rate). */
	aOrBHigh: Estimate | null;
	/** Responses whose reviewers split evenly across the A/B–C/D line (no adjudication): counted both ways. */
	aOrBTies: number;
}

/**
 * A response's verdict on "rated A or B": the researcher's rating where adjudicated, else the
 * reviewers' majority on the two sides of the line (A or B against C or D); 'tie' when they
 * split evenly, null when nobody rated it.
 */
export function aOrBVerdict(unit: Pick<RatingUnitVerdict, 'counts' | 'rating' | 'adjudicated'>): boolean | 'tie' | null {
	if (unit.adjudicated && unit.rating) return unit.rating === 'A' || unit.rating === 'B';
	const yes = unit.counts.A + unit.counts.B;
	const no = unit.counts.C + unit.counts.D;
	if (yes + no === 0) return null;
	return yes > no ? true : no > yes ? false : 'tie';
}

export interface ModelComparison {
	first: string;
	second: string;
	/** Items showing a response of both models. */
	tasks: number;
	/** Tasks where both responses have a final rating. */
	pairs: number;
	firstBetter: number;
	secondBetter: number;
	same: number;
	/** Median of (first − second) in scale steps, positive when the first model is better. */
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
	};
	sign: { n: number; positive: number; negative: number; pValue: number };
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
		const counts: Record<Rating, number> = { A: 0, B: 0, C: 0, D: 0 };
		let ties = 0;
		let unrated = 0;
		let adjudicated = 0;
		const binary = { yes: 0, no: 0, ties: 0 };
		for (const item of verdicts) {
			for (const unit of item.responses) {
				if (unit.model !== model) continue;
				if (unit.rating) counts[unit.rating] += 1;
				else if (unit.tie) ties += 1;
				else unrated += 1;
				if (unit.adjudicated) adjudicated += 1;
				const verdict = aOrBVerdict(unit);
				if (verdict === 'tie') binary.ties += 1;
				else if (verdict !== null) binary[verdict ? 'yes' : 'no'] += 1;
			}
		}
		const n = RATING_KEYS.reduce((sum, level) => sum + counts[level], 0);
		const shares = Object.fromEntries(RATING_KEYS.map((level) => [level, n === 0 ? null : counts[level] / n])) as Record<Rating, number | null>;
		const trials = binary.yes + binary.no + binary.ties;
		const estimate = (successes: number): Estimate => {
			const w = wilsonInterval(successes, trials, { confidence: settings.confidence });
			return { successes: w.successes, trials: w.trials, proportion: w.proportion, lower: w.lower, upper: w.upper };
		};
		return {
			model,
			counts,
			shares,
			n,
			ties,
			unrated,
			adjudicated,
			aOrB: estimate(binary.yes),
			aOrBHigh: binary.ties ? estimate(binary.yes + binary.ties) : null,
			aOrBTies: binary.ties
		};
	});
}

/**
 * The A-or-B figure as reports show it: the rate, or (A-or-B ties) the two figures it lies
 * between; the interval runs from the lower figure's Wilson lower end to the upper's upper end;
 * all null without rated responses.
 */
export function aOrBFigure(m: Pick<ModelRatingRow, 'aOrB' | 'aOrBHigh'>): { rate: number | null; low: number | null; high: number | null; lower: number | null; upper: number | null } {
	if (m.aOrB.trials === 0) return { rate: null, low: null, high: null, lower: null, upper: null };
	const high = m.aOrBHigh ?? m.aOrB;
	return { rate: m.aOrBHigh ? null : m.aOrB.proportion, low: m.aOrB.proportion, high: high.proportion, lower: m.aOrB.lower, upper: high.upper };
}

/** "48.0%", or "40.0%–52.0%" when ties keep the A-or-B rate a range (`percent` formats one share). */
export function aOrBText(m: Pick<ModelRatingRow, 'aOrB' | 'aOrBHigh'>, percent: (x: number | null) => string): string {
	const f = aOrBFigure(m);
	return f.rate !== null || f.low === null ? percent(f.rate) : `${percent(f.low)}–${percent(f.high)}`;
}

/** Paired comparison of two models over the items showing a response of each. */
export function compareModels(first: string, second: string, verdicts: readonly RatingItemVerdict[]): ModelComparison {
	const a: Array<Rating | null> = [];
	const b: Array<Rating | null> = [];
	for (const item of verdicts) {
		const x = item.responses.find((r) => r.model === first);
		const y = item.responses.find((r) => r.model === second);
		if (!x || !y) continue;
		a.push(x.rating);
		b.push(y.rating);
	}
	const result = compareOrdinalRatings(a, b, RATING_KEYS);
	return {
		first,
		second,
		tasks: a.length,
		pairs: result.pairs,
		firstBetter: result.firstBetter,
		secondBetter: result.secondBetter,
		same: result.same,
		medianDifference: result.medianDifference,
		wilcoxon: {
			statistic: result.wilcoxon.statistic,
			n: result.wilcoxon.n,
			zeros: result.wilcoxon.zeros,
			method: result.wilcoxon.method,
			z: result.wilcoxon.z,
			pValue: result.wilcoxon.pValue
		},
		sign: { n: result.sign.n, positive: result.sign.positive, negative: result.sign.negative, pValue: result.sign.pValue }
	};
}

/** Every unordered pair of models, in model order. */
export function allModelComparisons(models: readonly string[], verdicts: readonly RatingItemVerdict[]): ModelComparison[] {
	const comparisons: ModelComparison[] = [];
	for (let i = 0; i < models.length; i++) {
		for (let j = i + 1; j < models.length; j++) comparisons.push(compareModels(models[i], models[j], verdicts));
	}
	return comparisons;
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
