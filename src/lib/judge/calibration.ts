/**
 * How far a model judge can be trusted on this data: its verdicts against the final human label
 * of the same audited rows, per question. Pure: the caller joins judge labels to final human
 * labels (reports' final-label functions) and passes the pairs.
 *
 * The human label is the reference and "yes" (valid / rated A or B) the positive class, so
 * sensitivity = P(judge yes | human yes), specificity = P(judge no | human no) and precision =
 * P(human yes | judge yes) — the last is what an export filtered on "judge says valid" is worth.
 * Every share comes with its Wilson interval; κ is Cohen's (1960) from the 2×2 table, with the
 * large-sample interval of Fleiss, Cohen & Everitt (1969).
 */
import { cohenKappa, cohenKappaFromTable, type CohenKappa, type KappaFromTable } from '$lib/stats/agreement';
import { cohenKappaInterval, type KappaInterval } from '$lib/stats/kappa-interval';
import { DEFAULT_CONFIDENCE, wilsonInterval, type ProportionInterval } from '$lib/stats/proportion';
import type { JudgeConfusion } from '$lib/stats/ppi';
import { QUALITY_QUESTIONS, RATING_KEYS, type QuestionKey, type RatingLevel } from '$lib/audits/rubric';
import type { PairWinner } from './pairwise';

export interface CalibrationOptions {
	confidence?: number;
}

export interface BinaryCalibration {
	/** Rows with both a judge verdict and a decided human label: what every figure below is over. */
	pairs: number;
	/** Rows with a decided human label but no usable judge verdict (unparsed or not judged). */
	judgeMissing: number;
	/** Rows the judge answered whose human label is undecided (tie) or absent. */
	humanUndecided: number;
	confusion: JudgeConfusion;
	/** Share of pairs on which judge and human give the same answer. */
	agreement: ProportionInterval;
	kappa: KappaFromTable;
	/** κ with its interval (Fleiss, Cohen & Everitt 1969). */
	kappaInterval: KappaInterval;
	/** P(judge yes | human yes). */
	sensitivity: ProportionInterval;
	/** P(judge no | human no). */
	specificity: ProportionInterval;
	/** P(human yes | judge yes): the judge's precision. */
	precision: ProportionInterval;
	/** P(human no | judge no). */
	negativePredictiveValue: ProportionInterval;
	/** Share of yes among the pairs, by each side. */
	humanYesRate: number | null;
	judgeYesRate: number | null;
}

type Verdict = boolean | null | undefined;

/**
 * The pairs with both sides given, and how many lack one: a human answer with no judge verdict
 * counts as judge-missing, a judge verdict with no (or an undecided) human answer as
 * human-undecided; a pair with neither counts nowhere.
 */
function bothGiven<T>(pairs: ReadonlyArray<readonly [judge: T | null | undefined, human: T | null | undefined]>): {
	both: Array<[judge: T, human: T]>;
	judgeMissing: number;
	humanUndecided: number;
} {
	const both: Array<[T, T]> = [];
	let judgeMissing = 0;
	let humanUndecided = 0;
	for (const [judge, human] of pairs) {
		const judged = judge !== null && judge !== undefined;
		if (human === null || human === undefined) {
			if (judged) humanUndecided += 1;
		} else if (!judged) judgeMissing += 1;
		else both.push([judge, human]);
	}
	return { both, judgeMissing, humanUndecided };
}

/** Calibration of one yes/no question from (judge, human) pairs; a missing side excludes the row. */
export function binaryCalibration(
	pairs: ReadonlyArray<readonly [judge: Verdict, human: Verdict]>,
	options: CalibrationOptions = {}
): BinaryCalibration {
	const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
	const confusion: JudgeConfusion = { truePositives: 0, falseNegatives: 0, falsePositives: 0, trueNegatives: 0 };
	const { both, judgeMissing, humanUndecided } = bothGiven(pairs);
	for (const [judge, human] of both) {
		if (human) confusion[judge ? 'truePositives' : 'falseNegatives'] += 1;
		else confusion[judge ? 'falsePositives' : 'trueNegatives'] += 1;
	}
	const { truePositives: tp, falseNegatives: fn, falsePositives: fp, trueNegatives: tn } = confusion;
	const n = tp + fn + fp + tn;
	const wilson = (successes: number, trials: number) => wilsonInterval(successes, trials, { confidence });
	// Rows: judge yes / no; columns: human yes / no (κ is symmetric in the two raters).
	const table = [
		[tp, fp],
		[fn, tn]
	];
	const kappaInterval = cohenKappaInterval(table, { confidence });
	return {
		pairs: n,
		judgeMissing,
		humanUndecided,
		confusion,
		agreement: wilson(tp + tn, n),
		// One κ in both fields: when one side gave one answer to every item κ is not informative
		// (null, with kappaInterval.oneAnswer saying why), not the formula's 0.
		kappa: { ...cohenKappaFromTable(table), kappa: kappaInterval.kappa },
		kappaInterval,
		sensitivity: wilson(tp, tp + fn),
		specificity: wilson(tn, tn + fp),
		precision: wilson(tp, tp + fp),
		negativePredictiveValue: wilson(tn, tn + fn),
		humanYesRate: n === 0 ? null : (tp + fn) / n,
		judgeYesRate: n === 0 ? null : (tp + fp) / n
	};
}

/** The three answers of a quality label; null where not given (or undecided, for a final label). */
export type QualityAnswers = Record<QuestionKey, boolean | null>;

export interface QualityCalibrationRow {
	/** The judge's answers on the row, or null when it has no usable verdict. */
	judge: QualityAnswers | null;
	/** The row's final human label (ties as null), or null when the row has none. */
	human: QualityAnswers | null;
	/**
	 * The row's final "all fields valid" as the reports decide it (each reviewer's own all-valid
	 * answer, then their majority), when known. Not always the conjunction of the per-question
	 * finals: one reviewer faulting the instruction and another the output is a decided "no" whose
	 * questions both tie. Absent: the conjunction of `human`.
	 */
	humanAllValid?: boolean | null;
}

/** Self-Instruct's three questions and "all fields valid" (their conjunction, paper Table 2). */
export type CalibratedQuestion = QuestionKey | 'allValid';

export type QualityCalibration = Record<CalibratedQuestion, BinaryCalibration>;

/**
 * All three yes → yes; any no → no; otherwise undecided — the same conjunction the reports use
 * for a final label's "all fields valid".
 */
export function allValid(answers: QualityAnswers | null): boolean | null {
	if (!answers) return null;
	const values = QUALITY_QUESTIONS.map((q) => answers[q.key]);
	if (values.some((v) => v === false)) return false;
	return values.every((v) => v === true) ? true : null;
}

/** Judge against final human label for each question and for all fields valid. */
export function qualityCalibration(rows: readonly QualityCalibrationRow[], options: CalibrationOptions = {}): QualityCalibration {
	const per = (pick: (answers: QualityAnswers | null) => boolean | null, human: (row: QualityCalibrationRow) => boolean | null = (row) => pick(row.human)) =>
		binaryCalibration(
			rows.map((row) => [pick(row.judge), human(row)] as const),
			options
		);
	return {
		instruction: per((a) => a?.instruction ?? null),
		input: per((a) => a?.input ?? null),
		output: per((a) => a?.output ?? null),
		allValid: per(allValid, (row) => (row.humanAllValid !== undefined ? row.humanAllValid : allValid(row.human)))
	};
}

export interface RatingCalibration {
	/** Responses with both a judge rating and a decided human rating. */
	pairs: number;
	judgeMissing: number;
	humanUndecided: number;
	/** confusion[judge][human] in A–D order. */
	confusion: number[][];
	/** Same level exactly. */
	exactAgreement: ProportionInterval;
	/** At most one level apart. */
	adjacentAgreement: ProportionInterval;
	kappa: CohenKappa<RatingLevel>;
	kappaInterval: KappaInterval;
	/** Quadratic-weighted κ (Cohen 1968), the usual figure for an ordered scale (no interval here). */
	weightedKappa: CohenKappa<RatingLevel>;
	/** "Rated A or B" (acceptable, as the reports and exports count it) as a yes/no question. */
	acceptable: BinaryCalibration;
}

const acceptable = (rating: RatingLevel | null | undefined) => (rating ? rating === 'A' || rating === 'B' : null);

/** Judge A–D ratings against final human ratings of the same responses. */
export function ratingCalibration(
	pairs: ReadonlyArray<readonly [judge: RatingLevel | null | undefined, human: RatingLevel | null | undefined]>,
	options: CalibrationOptions = {}
): RatingCalibration {
	const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
	const index = new Map(RATING_KEYS.map((key, i) => [key, i]));
	const confusion = RATING_KEYS.map(() => RATING_KEYS.map(() => 0));
	let exact = 0;
	let adjacent = 0;
	const { both: complete, judgeMissing, humanUndecided } = bothGiven(pairs);
	for (const [judge, human] of complete) {
		const i = index.get(judge);
		const j = index.get(human);
		if (i === undefined || j === undefined) throw new RangeError(`rating must be one of ${RATING_KEYS.join(', ')}, got ${judge} / ${human}`);
		confusion[i][j] += 1;
		if (i === j) exact += 1;
		if (Math.abs(i - j) <= 1) adjacent += 1;
	}
	const n = complete.length;
	return {
		pairs: n,
		judgeMissing,
		humanUndecided,
		confusion,
		exactAgreement: wilsonInterval(exact, n, { confidence }),
		adjacentAgreement: wilsonInterval(adjacent, n, { confidence }),
		kappa: cohenKappa(complete, { categories: RATING_KEYS }),
		kappaInterval: cohenKappaInterval(confusion, { confidence }),
		weightedKappa: cohenKappa(complete, { categories: RATING_KEYS, weights: 'quadratic' }),
		acceptable: binaryCalibration(
			pairs.map(([judge, human]) => [acceptable(judge), acceptable(human)] as const),
			options
		)
	};
}

/** The pair outcomes in the order the pairwise confusion matrix and κ use. */
export const PAIR_WINNERS: readonly PairWinner[] = ['first', 'second', 'tie'];

export interface PairwiseCalibration {
	/** Pairs with both a judge verdict and a human preference. */
	pairs: number;
	/** Pairs with a human preference but no usable judge verdict (unparsed or not judged). */
	judgeMissing: number;
	/** Pairs the judge answered whose human preference is undecided (a tie between reviewers) or absent. */
	humanUndecided: number;
	/** confusion[judge][human] in PAIR_WINNERS order (first, second, tie). */
	confusion: number[][];
	/** Cohen's κ over the three classes, with its Fleiss–Cohen–Everitt interval. */
	kappa: CohenKappa<PairWinner>;
	kappaInterval: KappaInterval;
	/** Same verdict, ties included (three classes: first, second, tie). */
	agreementWithTies: ProportionInterval;
	/** Pairs where neither side said tie, and the share of them on which both chose the same response. */
	pairsWithoutTies: number;
	agreementWithoutTies: ProportionInterval;
	/** How many of the judge's verdicts were ties (inconsistent swaps end up here). */
	judgeTies: number;
}

/**
 * Pairwise judge verdicts against human preferences, reported with and without ties as MT-Bench
 * does (Zheng et al. 2023). A human preference can come from a rating audit: the response rated
 * higher wins, equal ratings tie.
 */
export function pairwiseCalibration(
	pairs: ReadonlyArray<readonly [judge: PairWinner | null | undefined, human: PairWinner | null | undefined]>,
	options: CalibrationOptions = {}
): PairwiseCalibration {
	const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
	const confusion = PAIR_WINNERS.map(() => PAIR_WINNERS.map(() => 0));
	const { both: complete, judgeMissing, humanUndecided } = bothGiven(pairs);
	const n = complete.length;
	let same = 0;
	let withoutTies = 0;
	let sameWithoutTies = 0;
	let judgeTies = 0;
	for (const [judge, human] of complete) {
		const i = PAIR_WINNERS.indexOf(judge);
		const j = PAIR_WINNERS.indexOf(human);
		if (i < 0 || j < 0) throw new RangeError(`a pair verdict is one of ${PAIR_WINNERS.join(', ')}, got ${judge} / ${human}`);
		confusion[i][j] += 1;
		if (judge === human) same += 1;
		if (judge === 'tie') judgeTies += 1;
		if (judge !== 'tie' && human !== 'tie') {
			withoutTies += 1;
			if (judge === human) sameWithoutTies += 1;
		}
	}
	return {
		pairs: n,
		judgeMissing,
		humanUndecided,
		confusion,
		kappa: cohenKappa(complete, { categories: PAIR_WINNERS }),
		kappaInterval: cohenKappaInterval(confusion, { confidence }),
		agreementWithTies: wilsonInterval(same, n, { confidence }),
		pairsWithoutTies: withoutTies,
		agreementWithoutTies: wilsonInterval(sameWithoutTies, withoutTies, { confidence }),
		judgeTies
	};
}

/** A human preference between two rated responses: the better A–D rating wins, equal ones tie. */
export function preferenceFromRatings(first: RatingLevel | null | undefined, second: RatingLevel | null | undefined): PairWinner | null {
	if (!first || !second) return null;
	const a = RATING_KEYS.indexOf(first);
	const b = RATING_KEYS.indexOf(second);
	if (a < 0 || b < 0) throw new RangeError(`rating must be one of ${RATING_KEYS.join(', ')}, got ${first} / ${second}`);
	return a === b ? 'tie' : a < b ? 'first' : 'second';
}

/** A reviewer's pairwise answer as stored (in the pair's own order); "both bad" prefers neither. */
export type HumanPreference = 'a' | 'b' | 'tie' | 'both_bad';

/**
 * The final human verdict on a pair from its reviewers' answers: the plurality of first / second /
 * tie ("both bad" counts as a tie: neither response is preferred); a plurality shared by two
 * verdicts is undecided (null), as the reports leave tied items undecided.
 */
export function pairMajority(preferences: readonly HumanPreference[]): PairWinner | null {
	const counts: Record<PairWinner, number> = { first: 0, second: 0, tie: 0 };
	for (const p of preferences) counts[p === 'a' ? 'first' : p === 'b' ? 'second' : 'tie'] += 1;
	const top = Math.max(...PAIR_WINNERS.map((w) => counts[w]));
	if (top === 0) return null;
	const leaders = PAIR_WINNERS.filter((w) => counts[w] === top);
	return leaders.length === 1 ? leaders[0] : null;
}
