/**
 * The data-quality report (Self-Instruct Table 2, Unnatural Instructions' 56.5% breakdown) from
 * per-item final verdicts and the reviewers' labels: each question's rate and "all fields valid"
 * by three estimators (./estimators) with the headline the data or the researcher chose, and the
 * correct / error-reason breakdown — overall and by classification. No item is left out because
 * its reviewers tie: ties are bounds, labels or latent-truth probabilities, and counted.
 */
import { REASON_KEYS } from '$lib/audits/rubric';
import { wilsonInterval } from '$lib/stats';
import {
	RATE_KEYS,
	headlineOf,
	labelLevelRateOf,
	latentBasis,
	latentRates,
	MajorityCounts,
	type EstimatorSettings,
	type LatentInput,
	type RateEstimates,
	type RateKey,
	type ReviewerErrorRates,
	preferredEstimator
} from './estimators';
import { groupStratumSizes, weightedHeadline, weightedMajority, type WeightedRate } from './weighted';
import { SELF_INSTRUCT_TABLE_2, UNNATURAL_AUDIT } from './references';
import { type EstimatorKey, type QualityCategory, type ReportItem, type StratumRows } from './types';
import type { QualityItemVerdict } from './verdicts';

export { RATE_KEYS, type RateKey } from './estimators';

export type GroupKey = 'all' | 'classification' | 'non-classification' | 'unknown';

export interface Estimate {
	successes: number;
	trials: number;
	/** successes / trials; null without trials. */
	proportion: number | null;
	/** Wilson score interval at the report's confidence. */
	lower: number;
	upper: number;
}

export interface RateRow extends RateEstimates {
	key: RateKey;
	/** Items whose final answer is "yes", "no", or tied (not adjudicated). */
	yes: number;
	no: number;
	ties: number;
	/** Self-Instruct Table 2's share, for orientation. */
	reference: number | null;
	/**
	 * A verdict-stratified audit: the item majority weighted by the strata's sizes, with each
	 * stratum's items and rate — the headline then (./weighted). Absent otherwise.
	 */
	weighted?: WeightedRate | null;
}

/** A category, or an incorrect item whose reasons tied, or an item whose all-valid answer tied. */
export type BreakdownKey = QualityCategory | 'reason_tied' | 'valid_tied';

export interface BreakdownRow extends Estimate {
	key: BreakdownKey;
	/** = successes: items in this category. */
	count: number;
	/** Share among the incorrect items (reasons only). */
	shareOfIncorrect: number | null;
	/** Tied items (on all valid or on the reason) one of whose reviewers gave this category: it may still end here. 0 on the tie rows. */
	tiedMayBe: number;
	/** Unnatural Instructions' count out of 200 and its share, where the paper has the category. */
	reference: { count: number; share: number } | null;
}

export interface QualityGroup {
	key: GroupKey;
	/** Sampled items in the group (gold excluded). */
	items: number;
	/** Items with at least one label or an adjudication. */
	labelled: number;
	rates: RateRow[];
	/** Items whose all-valid verdict is decided or tied: the breakdown's denominator. */
	decided: number;
	incorrect: number;
	breakdown: BreakdownRow[];
}

export interface IntervalSettings {
	confidence: number;
}

export interface QualitySettings extends IntervalSettings {
	estimator: EstimatorKey | 'auto';
	overlap: number;
	replicates?: number;
	seed?: number;
	memo?: EstimatorSettings['memo'];
	/** A verdict-stratified audit's strata and their rows in the dataset: the population figures weight them (./weighted). */
	stratumSizes?: readonly StratumRows[] | null;
}

function estimate(successes: number, trials: number, settings: IntervalSettings): Estimate {
	const w = wilsonInterval(successes, trials, { confidence: settings.confidence });
	return { successes, trials, proportion: w.proportion, lower: w.lower, upper: w.upper };
}

function verdictFor(v: QualityItemVerdict, key: RateKey) {
	return key === 'allValid' ? v.allValid : v[key];
}

/** What the latent model reads besides the items: the reviewers' labels, adjudications and gold answers. */
export type LatentLabels = Omit<LatentInput, 'items' | 'groups'>;

/** Rates and breakdown over one set of items, with each rate's latent estimate already computed. */
export function qualityGroup(
	key: GroupKey,
	verdicts: readonly QualityItemVerdict[],
	latent: ReadonlyMap<RateKey, RateEstimates['latent']>,
	settings: QualitySettings,
	/** The stratum each verdict's item was drawn from (same order) and the group's strata sizes: set for a verdict-stratified audit. */
	strata?: { of: readonly (string | null)[]; sizes: readonly StratumRows[] }
): QualityGroup {
	const rates: RateRow[] = RATE_KEYS.map((rate) => {
		// One pass per rate: the items' final answers for the majority estimator, and each item's
		// reviewers' answers as its verdict counted them — what labelLevelRate counts from the labels.
		const finals = new MajorityCounts();
		const yes = new Int32Array(verdicts.length);
		const answers = new Int32Array(verdicts.length);
		for (let i = 0; i < verdicts.length; i++) {
			const v = verdicts[i];
			const verdict = verdictFor(v, rate);
			yes[i] = verdict.yes;
			answers[i] = verdict.yes + verdict.no;
			finals.add(verdict.value, verdict.tie, v.adjudicated);
		}
		const majority = finals.bounds(settings.confidence);
		const label = labelLevelRateOf(yes, answers, settings.confidence);
		const estimates = { majority, label, latent: latent.get(rate)! };
		// Pooled items lean toward the strata drawn more heavily: a stratified sample's headline weights them.
		const weighted = strata
			? weightedMajority(
					verdicts.map((v, i) => ({ stratum: strata.of[i], value: verdictFor(v, rate).value, tie: verdictFor(v, rate).tie })),
					strata.sizes,
					settings.confidence
				)
			: null;
		const wanted = settings.estimator === 'auto' ? preferredEstimator(settings.overlap) : settings.estimator;
		return {
			key: rate,
			yes: majority.yes,
			no: majority.no,
			ties: majority.ties,
			reference: SELF_INSTRUCT_TABLE_2[rate],
			...estimates,
			...(strata ? { weighted } : {}),
			headline: weighted ? weightedHeadline(weighted, settings.estimator, wanted) : headlineOf(estimates, settings.estimator, settings.overlap)
		};
	});

	// The judged items (all-valid decided or tied) by breakdown key, in one pass.
	const counts = new Map<BreakdownKey, number>();
	const tiedMayBe = new Map<BreakdownKey, number>();
	let decided = 0;
	let incorrect = 0;
	for (const v of verdicts) {
		if (v.allValid.value === null && !v.allValid.tie) continue;
		decided++;
		if (v.allValid.value === false) incorrect++;
		const key: BreakdownKey | null = v.allValid.value === null ? 'valid_tied' : v.allValid.value === false && v.category === null ? 'reason_tied' : v.category;
		if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
		for (const c of v.tiedCategories) tiedMayBe.set(c, (tiedMayBe.get(c) ?? 0) + 1);
	}
	const count = (category: BreakdownKey) => counts.get(category) ?? 0;

	const breakdown: BreakdownRow[] = [];
	const correct = count('correct');
	breakdown.push({
		key: 'correct',
		count: correct,
		shareOfIncorrect: null,
		tiedMayBe: tiedMayBe.get('correct') ?? 0,
		reference: { count: UNNATURAL_AUDIT.correct, share: UNNATURAL_AUDIT.correct / UNNATURAL_AUDIT.items },
		...estimate(correct, decided, settings)
	});
	for (const reason of REASON_KEYS) {
		const n = count(reason);
		const paper = UNNATURAL_AUDIT.reasons[reason];
		breakdown.push({
			key: reason,
			count: n,
			shareOfIncorrect: incorrect === 0 ? null : n / incorrect,
			tiedMayBe: tiedMayBe.get(reason) ?? 0,
			reference: paper === null ? null : { count: paper, share: paper / UNNATURAL_AUDIT.items },
			...estimate(n, decided, settings)
		});
	}
	for (const extra of ['reason_tied', 'valid_tied'] as const) {
		const n = count(extra);
		if (n === 0) continue;
		breakdown.push({
			key: extra,
			count: n,
			shareOfIncorrect: extra === 'reason_tied' && incorrect > 0 ? n / incorrect : null,
			tiedMayBe: 0,
			reference: null,
			...estimate(n, decided, settings)
		});
	}

	return {
		key,
		items: verdicts.length,
		labelled: verdicts.filter((v) => v.basis !== 'none').length,
		rates,
		decided,
		incorrect,
		breakdown
	};
}

export function groupOf(item: Pick<ReportItem, 'isClassification'>): Exclude<GroupKey, 'all'> {
	if (item.isClassification === true) return 'classification';
	if (item.isClassification === false) return 'non-classification';
	return 'unknown';
}

export interface QualityGroupsResult {
	groups: QualityGroup[];
	/** Per rate: each reviewer's error rates from the latent model (empty when it is not identified). */
	reviewerErrorRates: Map<RateKey, Map<number, ReviewerErrorRates>>;
}

/**
 * The whole audit, then classification and non-classification tasks (and "unknown" when some
 * tasks were never identified), as Self-Instruct splits its data. The latent model is fitted once
 * per rate over every item (reviewers' error rates are the same whatever the task) and each
 * group's rate read from it.
 */
export function qualityGroups(
	items: readonly Pick<ReportItem, 'id' | 'isClassification' | 'stratum'>[],
	verdicts: ReadonlyMap<number, QualityItemVerdict>,
	labels: LatentLabels,
	settings: QualitySettings
): QualityGroupsResult {
	const { keys, members, latentByGroup, reviewerErrorRates } = qualityLatent(items, labels, settings);
	// Verdict strata weighted by their rows; within a classification group, by the rows estimated to be in it.
	const sizes = settings.stratumSizes?.length ? settings.stratumSizes : null;
	const drawn = items.map((item) => item.stratum);
	const groups = keys.map((key, i) => {
		const of = members[i].map((item) => item.stratum);
		return qualityGroup(
			key,
			members[i].map((item) => verdicts.get(item.id)!),
			latentByGroup[i],
			settings,
			sizes ? { of, sizes: key === 'all' ? sizes : groupStratumSizes(sizes, drawn, of) } : undefined
		);
	});
	return { groups, reviewerErrorRates };
}

/**
 * The groups' members and each rate's latent-truth estimate per group: the fits a quality report
 * makes (into `settings.memo`), and all that a background computation of them needs.
 */
export function qualityLatent<Item extends Pick<ReportItem, 'id' | 'isClassification'>>(
	items: readonly Item[],
	latent: LatentLabels,
	settings: EstimatorSettings
): {
	keys: GroupKey[];
	members: Item[][];
	latentByGroup: Array<Map<RateKey, RateEstimates['latent']>>;
	reviewerErrorRates: Map<RateKey, Map<number, ReviewerErrorRates>>;
} {
	const keys: GroupKey[] = ['all'];
	const members: Item[][] = [[...items]];
	for (const key of ['classification', 'non-classification', 'unknown'] as const) {
		const list = items.filter((item) => groupOf(item) === key);
		if (key !== 'unknown' || list.length > 0) {
			keys.push(key);
			members.push(list);
		}
	}
	const latentByGroup = keys.map(() => new Map<RateKey, RateEstimates['latent']>());
	const reviewerErrorRates = new Map<RateKey, Map<number, ReviewerErrorRates>>();
	const groupIds = members.map((m) => m.map((i) => i.id));
	const basis = latentBasis(items, groupIds, latent.labels);
	for (const rate of RATE_KEYS) {
		const result = latentRates(rate, { ...latent, items, groups: groupIds, basis }, settings);
		result.groups.forEach((g, i) => latentByGroup[i].set(rate, g));
		reviewerErrorRates.set(rate, result.reviewers);
	}
	return { keys, members, latentByGroup, reviewerErrorRates };
}
