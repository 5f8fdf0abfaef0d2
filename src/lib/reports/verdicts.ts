/**
 * The final label of each item: a researcher's adjudication where there is one, otherwise the
 * reviewers' majority (or the single label, with overlap 1). Ties are never broken silently: the
 * verdict is null, `tie` is set, and the reports list the item for adjudication.
 */
import { QUESTION_KEYS, RATING_KEYS } from '$lib/audits/rubric';
import { majorityLabel, raterShares, rowProfile, type ItemRow, type RaterShare, type UnitProfile } from '$lib/stats';
import {
	answerTo,
	type ErrorReason,
	type QualityCategory,
	type QualityQuestion,
	type Rating,
	type ReportAdjudication,
	type ReportItem,
	type ReportLabel,
	type AuditKind
} from './types';

/** Where an item's final label comes from. */
export type VerdictBasis = 'none' | 'single' | 'majority' | 'adjudicated';

export interface BinaryVerdict {
	/** The final answer; null when nobody answered or the reviewers tied. */
	value: boolean | null;
	/** Reviewers' answers (adjudications not counted). */
	yes: number;
	no: number;
	/** Reviewers tied and no adjudication settles it. */
	tie: boolean;
}

/** What can tie on a quality item. */
export type QualityJudgement = QualityQuestion | 'allValid' | 'reason';

export interface QualityItemVerdict {
	itemId: number;
	/** Reviewers' labels on the item. */
	labels: number;
	basis: VerdictBasis;
	adjudicated: boolean;
	instruction: BinaryVerdict;
	input: BinaryVerdict;
	output: BinaryVerdict;
	/**
	 * All three fields valid, judged like a question of its own: each reviewer's own answer is "yes"
	 * when they said yes to all three, "no" when they said no to any — whatever field they named —
	 * and the item's answer is the majority of those (a tie when they split evenly). So an item
	 * every reviewer found fault with is "not all valid" even when they named different fields. An
	 * adjudication decides it when its final answers do (a blank answer in it falling back to the
	 * reviewers' majority on that question).
	 */
	allValid: BinaryVerdict;
	/** 'correct' or the error reason; null when all-valid is undecided or the reasons tied. */
	category: QualityCategory | null;
	/**
	 * When the category is open because the reviewers tied (on all valid, or on the reason): the
	 * categories they gave, the only ones the item can end in. Empty otherwise.
	 */
	tiedCategories: QualityCategory[];
	/** Judgements on which the reviewers tied (empty when adjudicated). */
	ties: QualityJudgement[];
	/** Reviewers' labels differ on some answer or reason (adjudicated or not). */
	disagreement: boolean;
}

/** A label's own all-fields-valid answer: no if any answer is no, yes if all three are yes. */
export function allYes(label: Pick<ReportLabel, 'instructionValid' | 'inputValid' | 'outputValid'>): boolean | null {
	// Written out rather than mapped over QUESTION_KEYS: a report asks this of every label many times.
	const { instructionValid: i, inputValid: n, outputValid: o } = label;
	if (i === false || n === false || o === false) return false;
	return i === true && n === true && o === true ? true : null;
}

/** A "no" without a recorded reason counts as "other". */
export function categoryOf(label: Pick<ReportLabel, 'instructionValid' | 'inputValid' | 'outputValid' | 'errorReason'>): QualityCategory | null {
	const valid = allYes(label);
	if (valid === null) return null;
	return valid ? 'correct' : (label.errorReason ?? 'other');
}

/**
 * A yes/no judgement from the reviewers' yes and no counts: the adjudicated answer when there is
 * one, else the majority, null when nobody answered or they split evenly (a tie).
 */
function binary(yes: number, no: number, adjudicated: boolean | null | undefined): BinaryVerdict {
	if (adjudicated !== null && adjudicated !== undefined) return { value: adjudicated, yes, no, tie: false };
	if (yes > no) return { value: true, yes, no, tie: false };
	if (no > yes) return { value: false, yes, no, tie: false };
	return { value: null, yes, no, tie: yes > 0 };
}

function basisOf(labels: number, adjudicated: boolean): VerdictBasis {
	if (adjudicated) return 'adjudicated';
	if (labels === 0) return 'none';
	return labels === 1 ? 'single' : 'majority';
}

/**
 * One quality item's final label from its reviewers' labels and, if any, the adjudication.
 * An adjudication's answers replace the reviewers' (a blank answer in it falls back to them).
 */
export function qualityVerdict(itemId: number, labels: readonly ReportLabel[], adjudication?: ReportAdjudication | null): QualityItemVerdict {
	const adjudicated = !!adjudication;
	// One pass over the labels (a report asks this of every item): each question's yes and no,
	// the all-valid yes and no, and whether the labels' categories differ.
	let instructionYes = 0;
	let instructionNo = 0;
	let inputYes = 0;
	let inputNo = 0;
	let outputYes = 0;
	let outputNo = 0;
	let allYesCount = 0;
	let allNoCount = 0;
	let firstCategory: QualityCategory | null = null;
	let categoriesDiffer = false;
	for (let k = 0; k < labels.length; k++) {
		const label = labels[k];
		const i = label.instructionValid;
		const n = label.inputValid;
		const o = label.outputValid;
		if (i === true) instructionYes++;
		else if (i === false) instructionNo++;
		if (n === true) inputYes++;
		else if (n === false) inputNo++;
		if (o === true) outputYes++;
		else if (o === false) outputNo++;
		const valid = allYes(label);
		if (valid === true) allYesCount++;
		else if (valid === false) allNoCount++;
		const category = categoryOf(label);
		if (k === 0) firstCategory = category;
		else if (category !== firstCategory) categoriesDiffer = true;
	}
	const instruction = binary(instructionYes, instructionNo, adjudication ? answerTo(adjudication, 'instruction') : null);
	const input = binary(inputYes, inputNo, adjudication ? answerTo(adjudication, 'input') : null);
	const output = binary(outputYes, outputNo, adjudication ? answerTo(adjudication, 'output') : null);
	const questions = [instruction, input, output];
	const settled = questions.some((v) => v.value === false) ? false : questions.every((v) => v.value === true) ? true : null;
	const allValid = binary(allYesCount, allNoCount, adjudication ? settled : null);

	let category: QualityCategory | null = null;
	let reasonTie = false;
	const adjudicatedAll = adjudication ? allYes(adjudication) : null;
	if (adjudication && adjudicatedAll !== null && allValid.value === adjudicatedAll) {
		category = categoryOf(adjudication);
	} else if (allValid.value === true) {
		category = 'correct';
	} else if (allValid.value === false) {
		// The reason comes from the reviewers who found something wrong with the item.
		const reasons = labels.filter((l) => allYes(l) === false).map((l) => (l.errorReason ?? 'other') as ErrorReason);
		const majority = majorityLabel(reasons);
		if (majority.kind === 'majority') category = majority.label;
		else reasonTie = majority.kind === 'tie';
	}

	const tiedCategories: QualityCategory[] = [];
	if (category === null && (allValid.tie || reasonTie)) {
		// A tie on all valid may end in any reviewer's category; one on the reason in a reason given.
		for (const label of labels) {
			const given = categoryOf(label);
			if (given !== null && (allValid.tie || given !== 'correct') && !tiedCategories.includes(given)) tiedCategories.push(given);
		}
	}

	const ties: QualityJudgement[] = [];
	if (instruction.tie) ties.push('instruction');
	if (input.tie) ties.push('input');
	if (output.tie) ties.push('output');
	if (allValid.tie) ties.push('allValid');
	if (reasonTie) ties.push('reason');

	const disagreement = categoriesDiffer || questions.some((v) => v.yes > 0 && v.no > 0);

	return {
		itemId,
		labels: labels.length,
		basis: basisOf(labels.length, adjudicated),
		adjudicated,
		instruction,
		input,
		output,
		allValid,
		category,
		tiedCategories,
		ties,
		disagreement
	};
}

export interface RatingUnitVerdict {
	responseId: number;
	model: string;
	/** Reviewers' ratings of this response, per level. */
	counts: Record<Rating, number>;
	/** Reviewers who rated this response. */
	labels: number;
	/** The final rating; null when unrated or tied. */
	rating: Rating | null;
	/** The levels that tied (empty unless `tie`). */
	tied: Rating[];
	tie: boolean;
	adjudicated: boolean;
	basis: VerdictBasis;
}

export interface RatingItemVerdict {
	itemId: number;
	labels: number;
	adjudicated: boolean;
	responses: RatingUnitVerdict[];
	/** Some response's rating tied. */
	tie: boolean;
	/** Reviewers gave some response different ratings. */
	disagreement: boolean;
}

function emptyCounts(): Record<Rating, number> {
	return { A: 0, B: 0, C: 0, D: 0 };
}

/**
 * One rating item's final A–D rating per response: the adjudicated rating where the researcher
 * gave one, else the reviewers' modal rating (ties flagged, not broken).
 */
export function ratingVerdict(item: Pick<ReportItem, 'id' | 'responses'>, labels: readonly ReportLabel[], adjudication?: ReportAdjudication | null): RatingItemVerdict {
	const units = new Map<number, string>(item.responses.map((r) => [r.responseId, r.model]));
	// Responses rated but no longer listed on the item still count (defensive: data wins).
	for (const label of labels) for (const r of label.ratings) if (!units.has(r.responseId)) units.set(r.responseId, r.model);
	const adjudicatedRatings = new Map((adjudication?.ratings ?? []).map((r) => [r.responseId, r.rating]));

	const responses: RatingUnitVerdict[] = [];
	for (const [responseId, model] of units) {
		const given = labels.map((l) => l.ratings.find((r) => r.responseId === responseId)?.rating ?? null);
		const counts = emptyCounts();
		for (const rating of given) if (rating) counts[rating] += 1;
		const rated = given.filter((r) => r !== null).length;
		const adjudicated = adjudicatedRatings.get(responseId);
		if (adjudicated) {
			responses.push({ responseId, model, counts, labels: rated, rating: adjudicated, tied: [], tie: false, adjudicated: true, basis: 'adjudicated' });
			continue;
		}
		const majority = majorityLabel(given);
		const tied = majority.kind === 'tie' ? RATING_KEYS.filter((r) => majority.tied.includes(r)) : [];
		responses.push({
			responseId,
			model,
			counts,
			labels: rated,
			rating: majority.kind === 'majority' ? majority.label : null,
			tied,
			tie: majority.kind === 'tie',
			adjudicated: false,
			basis: basisOf(rated, false)
		});
	}
	return {
		itemId: item.id,
		labels: labels.length,
		adjudicated: !!adjudication,
		responses,
		tie: responses.some((r) => r.tie),
		disagreement: responses.some((r) => RATING_KEYS.filter((level) => r.counts[level] > 0).length > 1)
	};
}

/** Labels grouped by item id (each item's labels in the given order). */
export function labelsByItem(labels: readonly ReportLabel[]): Map<number, ReportLabel[]> {
	return groupBy(labels, (label) => label.itemId);
}

/** An item's reviewers, in label order; a reviewer who labelled it twice is an error (agreement counts each once). */
export function ratersOf(itemId: number, labels: readonly ReportLabel[]): number[] {
	const raters: number[] = [];
	for (const l of labels) {
		if (raters.includes(l.reviewerId)) throw new Error(`rater ${l.reviewerId} rated item ${itemId} more than once`);
		raters.push(l.reviewerId);
	}
	return raters;
}

/** `list` split by a numeric key, in one pass, each group in the list's order. */
export function groupBy<T>(list: readonly T[], keyOf: (item: T) => number): Map<number, T[]> {
	const groups = new Map<number, T[]>();
	for (const item of list) {
		const key = keyOf(item);
		const group = groups.get(key);
		if (group) group.push(item);
		else groups.set(key, [item]);
	}
	return groups;
}

/** One quality item's agreement rows: its reviewers, and each one's value per judgement. */
export interface QualityItemRows {
	instruction: ItemRow<number, boolean>;
	input: ItemRow<number, boolean>;
	output: ItemRow<number, boolean>;
	allValid: ItemRow<number, boolean>;
	category: ItemRow<number, QualityCategory>;
}

/** An item's rows for every agreement statistic over quality judgements (its raters shared by all). */
export function qualityItemRows(itemId: number, labels: readonly ReportLabel[]): QualityItemRows {
	const raters = ratersOf(itemId, labels);
	return {
		instruction: { raters, values: labels.map((l) => answerTo(l, 'instruction')) },
		input: { raters, values: labels.map((l) => answerTo(l, 'input')) },
		output: { raters, values: labels.map((l) => answerTo(l, 'output')) },
		allValid: { raters, values: labels.map(allYes) },
		category: { raters, values: labels.map(categoryOf) }
	};
}

/** One quality item's profile per judgement (what agreement statistics read of it, stats/tally.ts). */
export type QualityItemProfiles = { [K in keyof QualityItemRows]: UnitProfile<QualityItemRows[K]['values'][number] & {}, number> };

/** The profiles of an item's rows. */
export function qualityItemProfiles(rows: QualityItemRows): QualityItemProfiles {
	return {
		instruction: rowProfile(rows.instruction),
		input: rowProfile(rows.input),
		output: rowProfile(rows.output),
		allValid: rowProfile(rows.allValid),
		category: rowProfile(rows.category)
	};
}

/** An item's share of each reviewer's agreement over the three questions (one unit per question). */
export function qualityRaterShares(rows: QualityItemRows): RaterShare<number>[] {
	return raterShares(QUESTION_KEYS.map((q) => rows[q]));
}

/** One rated response of a rating item: its model, and each reviewer's A–D rating of it. */
export interface RatingUnitRow {
	model: string;
	row: ItemRow<number, Rating>;
}

/** A rating item's agreement rows: one per response rated, in the order its labels first rate them. */
export function ratingItemRows(itemId: number, labels: readonly ReportLabel[]): RatingUnitRow[] {
	ratersOf(itemId, labels); // a reviewer who labelled the item twice is an error
	const byResponse = new Map<number, RatingUnitRow>();
	for (const label of labels) {
		for (const r of label.ratings) {
			let unit = byResponse.get(r.responseId);
			if (!unit) byResponse.set(r.responseId, (unit = { model: r.model, row: { raters: [], values: [] } }));
			unit.row.raters.push(label.reviewerId);
			unit.row.values.push(r.rating);
		}
	}
	return [...byResponse.values()];
}

/** A rating item's profile per rated response, with the response's model. */
export type RatingItemProfiles = Array<{ model: string; profile: UnitProfile<Rating, number> }>;

export function ratingItemProfiles(rows: readonly RatingUnitRow[]): RatingItemProfiles {
	return rows.map((unit) => ({ model: unit.model, profile: rowProfile(unit.row) }));
}

/** A rating item's share of each reviewer's agreement (one unit per rated response). */
export function ratingRaterShares(rows: readonly RatingUnitRow[]): RaterShare<number>[] {
	return raterShares(rows.map((unit) => unit.row));
}

interface KeptVerdict {
	item: Pick<ReportItem, 'id' | 'responses'>;
	labels: readonly ReportLabel[];
	adjudication: ReportAdjudication | null | undefined;
	verdict: QualityItemVerdict | RatingItemVerdict;
}

/** An item's agreement rows as kept, with what is made of them when first asked. */
interface KeptRows<Rows, Profiles> {
	labels: readonly ReportLabel[];
	rows: Rows;
	profiles?: Profiles;
	shares?: RaterShare<number>[];
}

/**
 * Items' verdicts kept from one report to the next, for inputs whose objects are never changed: a
 * report thread's inputs, where an item unchanged since the last read keeps its very item and
 * label objects (src/lib/server/reports/load.ts). A verdict is given again only for the same item
 * object, the same label objects in the same order, and the same adjudication object; anything
 * else is computed afresh. At 100,000 labels, a report after one label changed computes one
 * verdict instead of 50,000. Items' agreement rows, with their profiles and reviewer shares, are
 * kept alike. What it gives is shared: callers must not change it.
 */
export class VerdictMemo {
	private kept = new Map<number, KeptVerdict>();
	private keptQuality = new Map<number, KeptRows<QualityItemRows, QualityItemProfiles>>();
	private keptRating = new Map<number, KeptRows<RatingUnitRow[], RatingItemProfiles>>();

	/**
	 * Items kept at most (per kind of rows), all of them put out beyond it: an audit of 100,000
	 * items. An item's verdict and rows take about 1.5 KB, its profiles and shares about 0.6 KB more
	 * (105 MB for 50,000 items), so at most about 250 MB.
	 */
	constructor(private readonly limit = 120_000) {}

	quality(item: Pick<ReportItem, 'id' | 'responses'>, labels: readonly ReportLabel[], adjudication?: ReportAdjudication | null): QualityItemVerdict {
		return this.verdict(item, labels, adjudication, () => qualityVerdict(item.id, labels, adjudication)) as QualityItemVerdict;
	}

	rating(item: Pick<ReportItem, 'id' | 'responses'>, labels: readonly ReportLabel[], adjudication?: ReportAdjudication | null): RatingItemVerdict {
		return this.verdict(item, labels, adjudication, () => ratingVerdict(item, labels, adjudication)) as RatingItemVerdict;
	}

	/** qualityItemRows, kept the same way (they depend on the labels alone). */
	qualityRows(itemId: number, labels: readonly ReportLabel[]): QualityItemRows {
		return this.keptRowsOf(this.keptQuality, itemId, labels, qualityItemRows).rows;
	}

	/** qualityItemProfiles of the item's rows, kept with them. */
	qualityProfiles(itemId: number, labels: readonly ReportLabel[]): QualityItemProfiles {
		const kept = this.keptRowsOf(this.keptQuality, itemId, labels, qualityItemRows);
		return (kept.profiles ??= qualityItemProfiles(kept.rows));
	}

	/** ratingItemProfiles of a rating item's rows, kept with them. */
	ratingProfiles(itemId: number, labels: readonly ReportLabel[]): RatingItemProfiles {
		const kept = this.keptRowsOf(this.keptRating, itemId, labels, ratingItemRows);
		return (kept.profiles ??= ratingItemProfiles(kept.rows));
	}

	/** The item's share of each reviewer's agreement (qualityRaterShares, or ratingRaterShares for the other kinds), kept with its rows. */
	raterShares(kind: AuditKind, itemId: number, labels: readonly ReportLabel[]): RaterShare<number>[] {
		if (kind === 'quality') {
			const kept = this.keptRowsOf(this.keptQuality, itemId, labels, qualityItemRows);
			return (kept.shares ??= qualityRaterShares(kept.rows));
		}
		const kept = this.keptRowsOf(this.keptRating, itemId, labels, ratingItemRows);
		return (kept.shares ??= ratingRaterShares(kept.rows));
	}

	private keptRowsOf<Rows, Profiles>(
		kept: Map<number, KeptRows<Rows, Profiles>>,
		itemId: number,
		labels: readonly ReportLabel[],
		rowsOf: (itemId: number, labels: readonly ReportLabel[]) => Rows
	): KeptRows<Rows, Profiles> {
		const found = kept.get(itemId);
		if (found && sameElements(found.labels, labels)) return found;
		const fresh: KeptRows<Rows, Profiles> = { labels: [...labels], rows: rowsOf(itemId, labels) };
		if (kept.size >= this.limit) kept.clear();
		kept.set(itemId, fresh);
		return fresh;
	}

	private verdict(
		item: Pick<ReportItem, 'id' | 'responses'>,
		labels: readonly ReportLabel[],
		adjudication: ReportAdjudication | null | undefined,
		compute: () => QualityItemVerdict | RatingItemVerdict
	): QualityItemVerdict | RatingItemVerdict {
		const kept = this.kept.get(item.id);
		if (kept && kept.item === item && (kept.adjudication ?? null) === (adjudication ?? null) && sameElements(kept.labels, labels)) return kept.verdict;
		const verdict = compute();
		if (this.kept.size >= this.limit) this.kept.clear();
		// The labels as a list of its own: the caller's list may be grouped afresh next time.
		this.kept.set(item.id, { item, labels: [...labels], adjudication, verdict });
		return verdict;
	}
}

function sameElements<T>(a: readonly T[], b: readonly T[]): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}
