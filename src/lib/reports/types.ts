/**
 * What the report functions read: an audit's items, reviewers' labels, researchers'
 * adjudications, gold answers and skips, as plain data (the server loads them with SQL; tests
 * build them by hand). Kept free of server imports so pages and the browser can use the types.
 */

import type { AnswersLike } from '../audits/qualification';
import { REASON_KEYS, type ErrorReason, type QuestionKey, type RatingLevel } from '../audits/rubric';

// The audit vocabulary (questions, reasons, A–D) is defined once in ../audits/rubric; these are its names here.
export type { ErrorReason };
export type QualityQuestion = QuestionKey;
export type Rating = RatingLevel;

/** An item's overall verdict: fully correct, or what is wrong with it. */
export const QUALITY_CATEGORIES = ['correct', ...REASON_KEYS] as const;
export type QualityCategory = (typeof QUALITY_CATEGORIES)[number];

export type AuditKind = 'quality' | 'rating' | 'conversation' | 'pairwise';

/**
 * How a correctness rate is estimated from several reviewers' labels (see ./estimators):
 * majority = each item's majority label, ties counted both ways (two bounds);
 * label = the share of "yes" labels, interval clustered by item;
 * latent = Dawid–Skene latent truth.
 */
export const ESTIMATORS = ['latent', 'majority', 'label'] as const;
export type EstimatorKey = (typeof ESTIMATORS)[number];

/**
 * Where an imported audit came from: who imported it (null: the command line), when, and the
 * bundle file. Its labels, reviewers and dates are the file's claims; `labelsBeforeAccount`
 * counts labels dated before their reviewer's account here was created (normal for an audit
 * moved from another installation, a reason to check the file otherwise).
 */
export interface AuditImport {
	by: string | null;
	at: string;
	file: { name: string; sha256: string };
	labelsBeforeAccount: number;
}

/** One line saying where an imported audit came from, for pages, reports and the methods paragraph. */
export function describeImport(i: AuditImport): string {
	const before = i.labelsBeforeAccount
		? ` ${i.labelsBeforeAccount} label${i.labelsBeforeAccount === 1 ? ' is' : 's are'} dated before ${i.labelsBeforeAccount === 1 ? 'its' : 'their'} reviewer's account here was created.`
		: '';
	return `Imported from the audit bundle ${i.file.name} (SHA-256 ${i.file.sha256}) by ${i.by ?? 'the command line'} on ${i.at.slice(0, 10)}: its reviewers, labels and dates are as the file states them.${before}`;
}

export interface ReportAudit {
	id: number;
	name: string;
	kind: AuditKind;
	status: 'open' | 'closed';
	datasetId: number;
	datasetName: string;
	/** k: labels each item ends with. */
	overlap: number;
	sampleSize: number;
	/** Sampled (non-gold) items. */
	itemCount: number;
	goldCount: number;
	seed: number;
	/** Rating audits: the models rated, in the audit's order. */
	models: string[];
	/** breadth (default) or depth: fill each item to k before starting new ones (pilot). */
	routing: 'breadth' | 'depth';
	/** Qualification step: first N items gold, labels count from the set accuracy (N = 0: none). */
	qualification: { items: number; accuracy: number };
	/** The headline estimator a researcher chose; null = chosen by the data. */
	headlineEstimator: EstimatorKey | null;
	createdAt: string;
	closedAt: string | null;
	/**
	 * Quality audits with judge suggestions on: reviewers saw this judge run's answers pre-filled
	 * (a possible source of anchoring, stated on the report and in the methods paragraph).
	 */
	suggestions?: { runId: number; model: string; name: string } | null;
	/** Imported from a bundle: by whom, when, from which file (null: made here). */
	imported?: AuditImport | null;
	/** How the sample was drawn: one simple random sample, or stratum by stratum (absent: not recorded, taken as 'none'). */
	stratify?: 'none' | 'classification' | 'verdict';
	/**
	 * A verdict-stratified quality audit's strata and their rows in the dataset (within its sampling
	 * frame), as the export weighs them: the report's population figures weight each stratum by
	 * them (./weighted). Null or absent otherwise, or when the population holds one stratum.
	 */
	stratumSizes?: StratumRows[] | null;
	/**
	 * When rows changed verdict stratum since the sample was drawn (the filters applied again): the
	 * strata whose rows differ, as drawn and now (./weighted stratumShift). Null or absent otherwise.
	 */
	stratumShift?: StratumShift | null;
}

/** Verdict strata whose rows changed since the sample was drawn. */
export interface StratumShift {
	/** Rows that changed stratum, at least: the rows the strata that grew gained (the counts do not say which rows moved). */
	moved: number;
	strata: { stratum: string; label: string; drawn: number; now: number }[];
}

/** One stratum's size in the dataset: its rows (the population a weight is a share of). */
export interface StratumRows {
	/** The stratum key items carry ('kept', 'rejected:<rule>'); a stratum no item can carry (rows no filter judged) has one of its own. */
	stratum: string;
	label: string;
	rows: number;
	/**
	 * Set when `rows` is an estimate, not a count: a group's share of the stratum (classification
	 * tasks, say), estimated as the stratum's rows × the group's share of the items drawn from it.
	 */
	estimatedFrom?: { stratumRows: number; drawn: number; inGroup: number };
}

export interface ReportResponse {
	responseId: number;
	model: string;
}

export interface ReportItem {
	id: number;
	/** Order in the drawn sample (gold items after it). */
	position: number;
	taskId: number;
	instanceId: number | null;
	stratum: string | null;
	isGold: boolean;
	/** tasks.is_classification: true / false / unknown. */
	isClassification: boolean | null;
	/** Rating audits: the responses the item shows. */
	responses: ReportResponse[];
}

export interface ReportRating extends ReportResponse {
	rating: Rating;
}

/** One reviewer's label on one item. */
export interface ReportLabel {
	id: number;
	itemId: number;
	reviewerId: number;
	instructionValid: boolean | null;
	inputValid: boolean | null;
	outputValid: boolean | null;
	errorReason: ErrorReason | null;
	/** The reviewer's note, shown when a researcher adjudicates. */
	comment?: string;
	/** Server clock: first submit minus when the item was first shown. */
	durationMs: number;
	/** Client clock: time the page was visible and in use. */
	activeMs: number;
	submittedAt: string;
	/** When the label was last saved (an edit included); absent where it was not recorded (submittedAt stands in). */
	updatedAt?: string;
	ratings: ReportRating[];
	/** Pairwise audits: the verdict in the pair's own A/B order. */
	preference?: string | null;
}

/** A researcher's final label for an item, kept apart from the reviewers' labels. */
export interface ReportAdjudication {
	itemId: number;
	adjudicatorId: number | null;
	instructionValid: boolean | null;
	inputValid: boolean | null;
	outputValid: boolean | null;
	errorReason: ErrorReason | null;
	comment: string;
	updatedAt: string;
	ratings: ReportRating[];
}

export interface ReportGoldAnswer {
	itemId: number;
	instructionValid: boolean | null;
	inputValid: boolean | null;
	outputValid: boolean | null;
	errorReason: ErrorReason | null;
	ratings: Array<{ responseId: number; rating: Rating }>;
	/** Pairwise gold: the known verdict in the pair's own A/B order. */
	preference?: string | null;
}

export interface ReportSkip {
	itemId: number;
	reviewerId: number;
}

export interface ReportReviewer {
	id: number;
	/** What the report shows: the account's name, or its email. */
	name: string;
	/** Taken off the audit by a researcher (absent where the input does not record it). */
	removed?: boolean;
	/** Their labels set aside when they were removed: kept apart and counted nowhere in the report. */
	setAsideLabels?: number;
}

export interface ReportInput {
	audit: ReportAudit;
	items: ReportItem[];
	labels: ReportLabel[];
	adjudications: ReportAdjudication[];
	gold: ReportGoldAnswer[];
	skips: ReportSkip[];
	reviewers: ReportReviewer[];
	/**
	 * Audits with gold items: the first answer sent for each gold label, which the qualification
	 * step and each reviewer's gold accuracy score (see $lib/audits/qualification). A gold label
	 * missing here is scored as stored.
	 */
	firstGoldAnswers?: ReadonlyArray<{ labelId: number; answers: AnswersLike }>;
}

/** The answer one label or adjudication gives to a question. */
export function answerTo(label: Pick<ReportLabel, 'instructionValid' | 'inputValid' | 'outputValid'>, question: QualityQuestion): boolean | null {
	if (question === 'instruction') return label.instructionValid;
	if (question === 'input') return label.inputValid;
	return label.outputValid;
}
