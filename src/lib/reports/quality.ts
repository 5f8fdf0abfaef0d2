/**
 * The data-quality report (Self-Instruct Table 2, Unnatural Instructions' 56.5% breakdown) from
 * per-item final verdicts: the share of "yes" per question and for all three fields, with Wilson
 * intervals, and the correct / error-reason breakdown — overall and by classification.
 */
import { wilsonInterval } from '$lib/stats';
import { SELF_INSTRUCT_TABLE_2, UNNATURAL_AUDIT } from './references';
import { ERROR_REASONS, QUALITY_QUESTIONS, type QualityCategory, type QualityQuestion, type ReportItem } from './types';
import type { QualityItemVerdict } from './verdicts';

export type RateKey = QualityQuestion | 'allValid';
export const RATE_KEYS: readonly RateKey[] = [...QUALITY_QUESTIONS, 'allValid'];

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

export interface RateRow extends Estimate {
	key: RateKey;
	/** Items whose final answer is "yes" (= successes) and "no". */
	yes: number;
	no: number;
	/** Items left out because their reviewers tied (and no adjudication settles it). */
	ties: number;
	/** Self-Instruct Table 2's share, for orientation. */
	reference: number | null;
}

export type BreakdownKey = QualityCategory | 'reason_tied';

export interface BreakdownRow extends Estimate {
	key: BreakdownKey;
	/** = successes: items in this category. */
	count: number;
	/** Share among the incorrect items (reasons only). */
	shareOfIncorrect: number | null;
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
	/** Items whose all-valid verdict is decided: the breakdown's denominator. */
	decided: number;
	incorrect: number;
	breakdown: BreakdownRow[];
}

export interface IntervalSettings {
	confidence: number;
}

function estimate(successes: number, trials: number, settings: IntervalSettings): Estimate {
	const w = wilsonInterval(successes, trials, { confidence: settings.confidence });
	return { successes, trials, proportion: w.proportion, lower: w.lower, upper: w.upper };
}

function verdictFor(v: QualityItemVerdict, key: RateKey) {
	return key === 'allValid' ? v.allValid : v[key];
}

/** Rates and breakdown over one set of item verdicts. */
export function qualityGroup(key: GroupKey, verdicts: readonly QualityItemVerdict[], settings: IntervalSettings): QualityGroup {
	const rates: RateRow[] = RATE_KEYS.map((rate) => {
		let yes = 0;
		let no = 0;
		let ties = 0;
		for (const v of verdicts) {
			const verdict = verdictFor(v, rate);
			if (verdict.value === true) yes++;
			else if (verdict.value === false) no++;
			else if (verdict.tie) ties++;
		}
		return { key: rate, yes, no, ties, reference: SELF_INSTRUCT_TABLE_2[rate], ...estimate(yes, yes + no, settings) };
	});

	const decidedVerdicts = verdicts.filter((v) => v.allValid.value !== null);
	const decided = decidedVerdicts.length;
	const incorrect = decidedVerdicts.filter((v) => v.allValid.value === false).length;
	const count = (category: BreakdownKey) =>
		decidedVerdicts.filter((v) => (category === 'reason_tied' ? v.category === null : v.category === category)).length;

	const breakdown: BreakdownRow[] = [];
	const correct = count('correct');
	breakdown.push({
		key: 'correct',
		count: correct,
		shareOfIncorrect: null,
		reference: { count: UNNATURAL_AUDIT.correct, share: UNNATURAL_AUDIT.correct / UNNATURAL_AUDIT.items },
		...estimate(correct, decided, settings)
	});
	for (const reason of ERROR_REASONS) {
		const n = count(reason);
		const paper = UNNATURAL_AUDIT.reasons[reason];
		breakdown.push({
			key: reason,
			count: n,
			shareOfIncorrect: incorrect === 0 ? null : n / incorrect,
			reference: paper === null ? null : { count: paper, share: paper / UNNATURAL_AUDIT.items },
			...estimate(n, decided, settings)
		});
	}
	const tiedReasons = count('reason_tied');
	if (tiedReasons > 0) {
		breakdown.push({
			key: 'reason_tied',
			count: tiedReasons,
			shareOfIncorrect: incorrect === 0 ? null : tiedReasons / incorrect,
			reference: null,
			...estimate(tiedReasons, decided, settings)
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

/**
 * The whole audit, then classification and non-classification tasks (and "unknown" when some
 * tasks were never identified), as Self-Instruct splits its data.
 */
export function qualityGroups(
	items: readonly Pick<ReportItem, 'id' | 'isClassification'>[],
	verdicts: ReadonlyMap<number, QualityItemVerdict>,
	settings: IntervalSettings
): QualityGroup[] {
	const all = items.map((item) => verdicts.get(item.id)!);
	const groups = [qualityGroup('all', all, settings)];
	for (const key of ['classification', 'non-classification', 'unknown'] as const) {
		const members = items.filter((item) => groupOf(item) === key).map((item) => verdicts.get(item.id)!);
		if (key !== 'unknown' || members.length > 0) groups.push(qualityGroup(key, members, settings));
	}
	return groups;
}
