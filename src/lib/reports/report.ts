import type { ConversationItemVerdict, ConversationReport, PairwiseItemVerdict, PairwiseReport } from './shapes';
/**
 * An audit's whole report as one JSON-friendly object: what the report page shows, what the JSON
 * download and `cli report --json` print, and what the CSV flattens. Built from plain data
 * (./types) so the numbers can be checked without a database.
 */
import { QUESTION_KEYS, RATING_KEYS } from '$lib/audits/rubric';
import { DEFAULT_CONFIDENCE, UnitTally } from '$lib/stats';
import { qualificationFromFirstAnswers, type QualificationState } from '$lib/audits/qualification';
import { agreementRow, type AgreementRow } from './agreement';
import {
	automaticChoice,
	headlineOf,
	pooledLatentRefusal,
	labelLevelRate,
	latentRates,
	majorityBounds,
	type HeadlineRate,
	type RateEstimates,
	type RateKey
} from './estimators';
import { qualityGroups, qualityLatent, type QualityGroup } from './quality';
import { allModelComparisons, modelOrder, modelRatingRows, type ModelComparison, type ModelRatingRow } from './rating';
import { SELF_INSTRUCT_TABLE_2, UNNATURAL_AUDIT } from './references';
import { reviewerRows, type ReviewerRow } from './reviewers';
import { settlesDisagreements, staleAdjudication } from './disagreements';
import type { LatentMemo } from './latent-memo';
import {
	type EstimatorKey,
	type QualityCategory,
	type Rating,
	type ReportAdjudication,
	type ReportAudit,
	type ReportInput,
	type ReportItem,
	type ReportLabel
} from './types';
import {
	groupBy,
	labelsByItem,
	qualityVerdict,
	ratingVerdict,
	type QualityItemVerdict,
	type QualityJudgement,
	type RatingItemVerdict,
	type VerdictBasis,
	type VerdictMemo,
	qualityItemProfiles,
	qualityItemRows,
	ratingItemProfiles,
	ratingItemRows
} from './verdicts';

export interface ReportOptions {
	/** Two-sided confidence level of every interval; default 0.95. */
	confidence?: number;
	/** The headline estimator; default the audit's choice, else chosen by the data. */
	estimator?: EstimatorKey | 'auto';
	/** Bootstrap replicates of the latent-truth intervals (default 200). */
	replicates?: number;
	/** Latent-truth results kept from earlier reports, and where this one leaves its own (./latent-memo). */
	latent?: LatentMemo;
	/** List the first this many tied items only (a page shows 100 of tens of thousands); `basis.tied` counts them all. */
	tiesListed?: number;
}

/** Tied items the report page lists (the disagreements page lists them all). */
export const REPORT_PAGE_TIES_LISTED = 100;

export interface ReviewerQualification {
	reviewerId: number;
	name: string;
	state: QualificationState;
	labelled: number;
	correct: number;
	total: number;
	accuracy: number | null;
	/** Labels on sampled items not counted because the reviewer has not qualified. */
	excludedLabels: number;
}

export interface QualificationReport {
	items: number;
	accuracy: number;
	reviewers: ReviewerQualification[];
	excludedLabels: number;
}

export interface TieRow {
	itemId: number;
	position: number;
	taskId: number;
	/** Quality: the judgements that tied; rating: the models whose response's rating tied. */
	judgements: string[];
	labels: number;
}

export interface QualityReport {
	/** 'all' first, then by classification. */
	groups: QualityGroup[];
	/** Null when no item has two labels yet. */
	agreement: AgreementRow[] | null;
	/** Items with a tied judgement and no adjudication (the first `tiesListed` when asked; `basis.tied` counts them). */
	ties: TieRow[];
	references: { selfInstruct: typeof SELF_INSTRUCT_TABLE_2; unnatural: typeof UNNATURAL_AUDIT };
}

export interface RatingReport {
	models: ModelRatingRow[];
	/** Every pair of models, in model order. */
	comparisons: ModelComparison[];
	/** 'all models' first, then per model; null when no response was rated twice. */
	agreement: AgreementRow[] | null;
	/** Items with a tied rating and no adjudication (the first `tiesListed` when asked; `basis.tied` counts them). */
	ties: TieRow[];
}

export interface AuditReport {
	audit: ReportAudit;
	confidence: number;
	/**
	 * Quality audits: the headline estimator asked for and what the data choose. `automatic` is
	 * 'latent' only when the data identify latent truth for every question (over all items), else
	 * 'majority' (the item-majority bounds); `byQuestion` (quality audits) names each question's choice.
	 */
	/** `weighted`: the headlines weight the strata by their sizes (a verdict-stratified audit), so the data choose the item majority whatever they identify. */
	estimator: { requested: EstimatorKey | 'auto'; automatic: EstimatorKey; byQuestion?: Partial<Record<RateKey, EstimatorKey>>; weighted?: boolean };
	/** The qualification step, when the audit has one. */
	qualification: QualificationReport | null;
	progress: {
		/** Sampled items (gold excluded). */
		items: number;
		goldItems: number;
		/** Sampled items with at least one label. */
		labelledItems: number;
		/** Sampled items with the audit's full k labels. */
		completeItems: number;
		labels: number;
		goldLabels: number;
		skips: number;
		/** Reviewers with a counted label on a sampled item. */
		reviewers: number;
	};
	/** Where the final labels come from, in sampled items. */
	basis: {
		overlap: number;
		unlabelled: number;
		single: number;
		majority: number;
		adjudicated: number;
		/** Items with a tie somewhere (not adjudicated). */
		tied: number;
	};
	/** Sampled items on which reviewers' labels differ (adjudicated or not); null for kinds with no item verdict to settle (pairwise, conversation). */
	disagreements: number | null;
	/** Sampled items adjudicated before a reviewer last changed their label (staleAdjudication); absent for kinds with no item verdict. */
	staleAdjudications?: number;
	/**
	 * The audit drew its items from two strata or more. A verdict-stratified audit's headlines then
	 * weight the strata by their sizes (HeadlineRate.weighted); a classification-stratified one drew
	 * each stratum in proportion to its size, so its pooled sample weighs them as the dataset does.
	 */
	stratified?: boolean;
	quality: QualityReport | null;
	rating: RatingReport | null;
	/** Conversation audits: reply and conversation correctness (src/lib/reports/shapes.ts). */
	conversation?: ConversationReport | null;
	/** Pairwise audits: win / tie / loss per model pair and Bradley–Terry strengths. */
	pairwise?: PairwiseReport | null;
	reviewers: ReviewerRow[];
	/** Reviewers taken off the audit, with the labels of theirs set aside (counted nowhere above); empty when none was removed. */
	removedReviewers: RemovedReviewer[];
}

export interface RemovedReviewer {
	reviewerId: number;
	name: string;
	setAsideLabels: number;
}

/** Per-item final labels, as exports filter on them. */
export interface ItemVerdict {
	itemId: number;
	taskId: number;
	instanceId: number | null;
	position: number;
	stratum: string | null;
	isClassification: boolean | null;
	isGold: boolean;
	/** Reviewers' labels on the item. */
	labels: number;
	basis: VerdictBasis;
	adjudicated: boolean;
	/** A judgement tied and no adjudication settles it (quality: all-valid; rating: some response). */
	tie: boolean;
	/** Quality only (null for rating audits, and when undecided). */
	allValid: boolean | null;
	instructionValid: boolean | null;
	inputValid: boolean | null;
	outputValid: boolean | null;
	category: QualityCategory | null;
	/** Quality: every judgement that tied (questions, allValid, reason). */
	ties: string[];
	/** Rating audits: the final rating of each response. */
	ratingsByResponse?: Array<{ responseId: number; model: string; rating: Rating | null; tie: boolean; adjudicated: boolean; basis: VerdictBasis }>;
	/** Pairwise audits: the reviewers' leading choice (`tie` is then their split: no label leads). */
	pairwise?: Omit<PairwiseItemVerdict, 'itemId' | 'labels' | 'split'>;
	/** Conversation audits: the majority verdict on the whole and on each reply (`tie`: any of them tied). */
	conversation?: Omit<ConversationItemVerdict, 'itemId' | 'labels'>;
}

interface Verdicts {
	sampled: ReportItem[];
	/** Every label of the input by item, in label order. */
	byItem: Map<number, ReportLabel[]>;
	quality: Map<number, QualityItemVerdict>;
	rating: Map<number, RatingItemVerdict>;
}

/**
 * Applies the audit's qualification step: each reviewer's first N gold labels (in the order they
 * were submitted), scored on the first answer sent as routing scores them, decide whether their labels on sampled items count. Gold labels always stay
 * (they are how accuracy is measured).
 */
export function qualifiedInput(input: ReportInput): { input: ReportInput; qualification: QualificationReport | null } {
	const rule = input.audit.qualification;
	if (!rule || rule.items <= 0) return { input, qualification: null };
	const gold = new Map(input.gold.map((g) => [g.itemId, g]));
	const isGold = new Set(input.items.filter((i) => i.isGold).map((i) => i.id));
	const names = new Map(input.reviewers.map((r) => [r.id, r.name]));
	const ids = new Set<number>([...input.reviewers.map((r) => r.id), ...input.labels.map((l) => l.reviewerId)]);
	const reviewers: ReviewerQualification[] = [];
	const excluded = new Set<number>();
	// Each reviewer's labels gathered in one pass (hundreds of reviewers × 100,000 labels otherwise).
	const labelsOf = groupBy(input.labels, (l) => l.reviewerId);
	const firstAnswers = new Map((input.firstGoldAnswers ?? []).map((f) => [f.labelId, f.answers]));
	for (const id of ids) {
		const own = labelsOf.get(id) ?? [];
		const goldLabels = own
			.filter((l) => gold.has(l.itemId))
			.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt) || a.id - b.id)
			.map((l) => ({ firstAnswer: firstAnswers.get(l.id) ?? l, gold: gold.get(l.itemId)! }));
		const status = qualificationFromFirstAnswers(rule, input.audit.kind, goldLabels);
		const sampled = own.filter((l) => !isGold.has(l.itemId));
		if (status.state !== 'qualified') for (const l of sampled) excluded.add(l.id);
		reviewers.push({
			reviewerId: id,
			name: names.get(id) ?? `reviewer ${id}`,
			state: status.state,
			labelled: status.labelled,
			correct: status.correct,
			total: status.total,
			accuracy: status.accuracy,
			excludedLabels: status.state === 'qualified' ? 0 : sampled.length
		});
	}
	reviewers.sort((a, b) => a.name.localeCompare(b.name));
	return {
		input: { ...input, labels: input.labels.filter((l) => !excluded.has(l.id)) },
		qualification: { items: rule.items, accuracy: rule.accuracy, reviewers, excludedLabels: excluded.size }
	};
}

function computeVerdicts(input: ReportInput, includeGold = false, memo?: VerdictMemo): Verdicts {
	const byItem = labelsByItem(input.labels);
	const adjudications = new Map(input.adjudications.map((a) => [a.itemId, a]));
	const sampled = input.items.filter((i) => includeGold || !i.isGold);
	const quality = new Map<number, QualityItemVerdict>();
	const rating = new Map<number, RatingItemVerdict>();
	const none: ReportLabel[] = [];
	for (const item of sampled) {
		const labels = byItem.get(item.id) ?? none;
		const adjudication = adjudications.get(item.id);
		if (input.audit.kind === 'quality') quality.set(item.id, memo ? memo.quality(item, labels, adjudication) : qualityVerdict(item.id, labels, adjudication));
		else rating.set(item.id, memo ? memo.rating(item, labels, adjudication) : ratingVerdict(item, labels, adjudication));
	}
	return { sampled, byItem, quality, rating };
}

/**
 * Agreement rows over the labels of the items wanted, grouped by item (labelsByItem); each item's
 * rows kept in `memo` when given.
 */
function qualityAgreement(perItem: ReadonlyMap<number, ReportLabel[]>, memo?: VerdictMemo): AgreementRow[] | null {
	if (![...perItem.values()].some((list) => list.length >= 2)) return null;
	// Each item's profiles once for all five judgements, summed per judgement: a memo's profiles
	// are the same objects from one view to the next, so a view after one label changed profiles one item.
	const tallies = {
		instruction: new UnitTally<boolean, number>(),
		input: new UnitTally<boolean, number>(),
		output: new UnitTally<boolean, number>(),
		allValid: new UnitTally<boolean, number>(),
		category: new UnitTally<QualityCategory, number>()
	};
	for (const [itemId, list] of perItem) {
		const profiles = memo ? memo.qualityProfiles(itemId, list) : qualityItemProfiles(qualityItemRows(itemId, list));
		tallies.instruction.add(profiles.instruction);
		tallies.input.add(profiles.input);
		tallies.output.add(profiles.output);
		tallies.allValid.add(profiles.allValid);
		tallies.category.add(profiles.category);
	}
	const rows: AgreementRow[] = [];
	for (const q of QUESTION_KEYS) rows.push(agreementRow(q, 'yes/no', tallies[q]));
	rows.push(agreementRow('allValid', 'yes/no', tallies.allValid));
	rows.push(agreementRow('category', 'category', tallies.category));
	return rows;
}

function ratingAgreement(perItem: ReadonlyMap<number, readonly ReportLabel[]>, models: readonly string[], memo?: VerdictMemo): AgreementRow[] | null {
	// One unit per (item, response), each in the tally of all models and in its model's.
	const all = new UnitTally<Rating, number>();
	const byModel = new Map(models.map((model) => [model, new UnitTally<Rating, number>()]));
	for (const [itemId, list] of perItem) {
		for (const { model, profile } of memo ? memo.ratingProfiles(itemId, list) : ratingItemProfiles(ratingItemRows(itemId, list))) {
			all.add(profile);
			byModel.get(model)?.add(profile);
		}
	}
	if (![...all.entries.values()].some((entry) => entry.values.length >= 2)) return null;
	const options = { level: 'ordinal' as const, order: RATING_KEYS };
	return [agreementRow('all models', 'A–D', all, options), ...models.map((model) => agreementRow(model, 'A–D', byModel.get(model)!, options))];
}

/** Agreement so far is shown once this many items have all k labels. */
export const AGREEMENT_SO_FAR_MIN_ITEMS = 10;

export interface AgreementSoFar {
	/** Sampled items with the audit's full k labels. */
	completeItems: number;
	/** Agreement over the complete items; null below AGREEMENT_SO_FAR_MIN_ITEMS (or with k = 1). */
	rows: AgreementRow[] | null;
	qualification: QualificationReport | null;
}

/** For the audit page while labelling goes on: agreement over the items that have all k labels. */
export function agreementSoFar(raw: ReportInput, memo?: VerdictMemo): AgreementSoFar {
	const { input, qualification } = qualifiedInput(raw);
	const sampled = new Set(input.items.filter((i) => !i.isGold).map((i) => i.id));
	const byItem = labelsByItem(input.labels.filter((l) => sampled.has(l.itemId)));
	const complete = new Map([...byItem].filter(([, list]) => list.length >= input.audit.overlap));
	if (input.audit.overlap < 2 || complete.size < AGREEMENT_SO_FAR_MIN_ITEMS) return { completeItems: complete.size, rows: null, qualification };
	const rows = input.audit.kind === 'quality' ? qualityAgreement(complete, memo) : ratingAgreement(complete, input.audit.models, memo);
	return { completeItems: complete.size, rows, qualification };
}

/**
 * `memo`: verdicts kept from the last report of inputs never changed (a report thread's: see
 * VerdictMemo); without it every item's verdict is computed.
 */
export function buildAuditReport(raw: ReportInput, options: ReportOptions = {}, memo?: VerdictMemo): AuditReport {
	const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
	const settings = { confidence };
	const { input, qualification } = qualifiedInput(raw);
	const requested = options.estimator ?? input.audit.headlineEstimator ?? 'auto';
	const { sampled, byItem: everyItem, quality, rating } = computeVerdicts(input, false, memo);
	const sampledIds = new Set(sampled.map((i) => i.id));
	const goldIds = new Set(input.items.filter((i) => i.isGold).map((i) => i.id));
	// The sampled items' entries, in the same (label) order as grouping their labels would give.
	const byItem = new Map<number, ReportLabel[]>();
	for (const [itemId, list] of everyItem) if (sampledIds.has(itemId)) byItem.set(itemId, list);

	const verdicts: Array<{ basis: VerdictBasis; tie: boolean; disagreement: boolean }> =
		input.audit.kind === 'quality'
			? [...quality.values()].map((v) => ({ basis: v.basis, tie: tiedJudgement(v.ties), disagreement: v.disagreement }))
			: [...rating.values()].map((v) => ({
					basis: v.adjudicated ? 'adjudicated' : v.labels === 0 ? 'none' : v.labels === 1 ? 'single' : 'majority',
					tie: v.tie,
					disagreement: v.disagreement
				}));

	const report: AuditReport = {
		audit: input.audit,
		confidence,
		// Set from the quality groups below; nothing is chosen for a rating audit's figures.
		estimator: { requested, automatic: 'majority' },
		qualification,
		progress: {
			items: sampled.length,
			goldItems: goldIds.size,
			labelledItems: [...byItem.values()].filter((l) => l.length > 0).length,
			completeItems: [...byItem.values()].filter((l) => l.length >= input.audit.overlap).length,
			labels: input.labels.filter((l) => sampledIds.has(l.itemId)).length,
			goldLabels: input.labels.filter((l) => goldIds.has(l.itemId)).length,
			skips: input.skips.length,
			// Those whose labels on sampled items count (not a reviewer who only labelled gold items, nor one who did not qualify).
			reviewers: new Set(input.labels.filter((l) => sampledIds.has(l.itemId)).map((l) => l.reviewerId)).size
		},
		basis: {
			overlap: input.audit.overlap,
			unlabelled: verdicts.filter((v) => v.basis === 'none').length,
			single: verdicts.filter((v) => v.basis === 'single').length,
			majority: verdicts.filter((v) => v.basis === 'majority').length,
			adjudicated: verdicts.filter((v) => v.basis === 'adjudicated').length,
			tied: verdicts.filter((v) => v.tie).length
		},
		disagreements: settlesDisagreements(input.audit.kind) ? verdicts.filter((v) => v.disagreement).length : null,
		...(settlesDisagreements(input.audit.kind)
			? { staleAdjudications: input.adjudications.filter((a) => sampledIds.has(a.itemId) && staleAdjudication(a, byItem.get(a.itemId) ?? [])).length }
			: {}),
		// Stratified only when the items fell in two strata or more: one stratum (e.g. classification
		// unknown everywhere) is a simple random sample, with no strata to pool.
		stratified: new Set(sampled.flatMap((item) => (item.stratum === null ? [] : [item.stratum]))).size > 1,
		quality: null,
		rating: null,
		reviewers: [],
		removedReviewers: []
	};

	if (input.audit.kind === 'quality') {
		const ties: TieRow[] = sampled
			.filter((item) => tiedJudgement(quality.get(item.id)!.ties))
			.slice(0, options.tiesListed)
			.map((item) => {
				const verdict = quality.get(item.id)!;
				return { itemId: item.id, position: item.position, taskId: item.taskId, judgements: verdict.ties, labels: verdict.labels };
			});
		const { groups, reviewerErrorRates } = qualityGroups(
			sampled,
			quality,
			{ labels: input.labels, adjudications: input.adjudications, gold: input.gold },
			{ confidence, estimator: requested, overlap: input.audit.overlap, replicates: options.replicates, memo: options.latent, stratumSizes: input.audit.stratumSizes }
		);
		report.reviewers = reviewerRows(input, byItem, settings, reviewerErrorRates, memo);
		const byQuestion: Partial<Record<RateKey, EstimatorKey>> = {};
		// A weighted headline is the item majority whatever the data would choose (latent truth pools the strata).
		for (const r of groups[0].rates) byQuestion[r.key] = r.headline.weighted ? 'majority' : automaticChoice(r, input.audit.overlap);
		const chosen = Object.values(byQuestion);
		const weighted = groups[0].rates.some((r) => r.headline.weighted);
		report.estimator = { requested, automatic: chosen.length && chosen.every((e) => e === 'latent') ? 'latent' : 'majority', byQuestion, ...(weighted ? { weighted } : {}) };
		report.quality = {
			groups,
			agreement: qualityAgreement(byItem, memo),
			ties,
			references: { selfInstruct: SELF_INSTRUCT_TABLE_2, unnatural: UNNATURAL_AUDIT }
		};
	} else {
		const list = sampled.map((item) => rating.get(item.id)!);
		const models = modelOrder(input.audit.models, list);
		const ties: TieRow[] = sampled
			.map((item) => ({ item, verdict: rating.get(item.id)! }))
			.filter(({ verdict }) => verdict.tie)
			.slice(0, options.tiesListed)
			.map(({ item, verdict }) => ({
				itemId: item.id,
				position: item.position,
				taskId: item.taskId,
				judgements: verdict.responses.filter((r) => r.tie).map((r) => r.model),
				labels: verdict.labels
			}));
		report.reviewers = reviewerRows(input, byItem, settings, undefined, memo);
		report.rating = {
			models: modelRatingRows(models, list, settings),
			comparisons: allModelComparisons(models, list),
			agreement: ratingAgreement(byItem, models, memo),
			ties
		};
	}
	report.removedReviewers = report.reviewers.filter((r) => r.removed).map((r) => ({ reviewerId: r.reviewerId, name: r.name, setAsideLabels: r.setAsideLabels }));
	return report;
}

/**
 * The latent-truth fits an audit's report makes, into `options.latent`, and nothing else of the
 * report: what a background computation of a page's pending fits needs (quality audits; a rating
 * audit's report has none). Computing the whole report for them took a second of the machine's
 * other core at 100,000 labels, beside the page's own.
 */
export function auditLatentFits(raw: ReportInput, options: ReportOptions = {}): void {
	const { input } = qualifiedInput(raw);
	if (input.audit.kind !== 'quality') return;
	const sampled = input.items.filter((i) => !i.isGold);
	qualityLatent(
		sampled,
		{ labels: input.labels, adjudications: input.adjudications, gold: input.gold },
		{ confidence: options.confidence ?? DEFAULT_CONFIDENCE, replicates: options.replicates, memo: options.latent }
	);
}

/** Per-item final labels (sampled items in sample order; gold items too when asked). */
export function itemVerdictsOf(raw: ReportInput, options: { includeGold?: boolean } = {}, memo?: VerdictMemo): ItemVerdict[] {
	const { input } = qualifiedInput(raw);
	const { sampled, quality, rating } = computeVerdicts(input, options.includeGold ?? false, memo);
	return sampled.map((item): ItemVerdict => {
		const q = quality.get(item.id);
		if (q) {
			return itemVerdict(item, {
				labels: q.labels,
				basis: q.basis,
				adjudicated: q.adjudicated,
				tie: q.allValid.tie,
				allValid: q.allValid.value,
				instructionValid: q.instruction.value,
				inputValid: q.input.value,
				outputValid: q.output.value,
				category: q.category,
				ties: q.ties as QualityJudgement[]
			});
		}
		const r = rating.get(item.id)!;
		const verdict = itemVerdict(item, {
			labels: r.labels,
			basis: (r.adjudicated ? 'adjudicated' : r.labels === 0 ? 'none' : r.labels === 1 ? 'single' : 'majority') as VerdictBasis,
			adjudicated: r.adjudicated,
			tie: r.tie,
			allValid: null,
			instructionValid: null,
			inputValid: null,
			outputValid: null,
			category: null,
			ties: r.responses.filter((u) => u.tie).map((u) => u.model)
		});
		verdict.ratingsByResponse = r.responses.map((u) => ({
			responseId: u.responseId,
			model: u.model,
			rating: u.rating,
			tie: u.tie,
			adjudicated: u.adjudicated,
			basis: u.basis
		}));
		return verdict;
	});
}

type VerdictFields = Omit<ItemVerdict, 'itemId' | 'taskId' | 'instanceId' | 'position' | 'stratum' | 'isClassification' | 'isGold' | 'ratingsByResponse'>;

/**
 * An item's verdict as one object literal with every property written out: a spread of the item's
 * fields followed by the verdict's sent each later property down a slow path (0.35 s for 50,000
 * items, against a few milliseconds).
 */
function itemVerdict(item: ReportItem, v: VerdictFields): ItemVerdict {
	return {
		itemId: item.id,
		taskId: item.taskId,
		instanceId: item.instanceId,
		position: item.position,
		stratum: item.stratum,
		isClassification: item.isClassification,
		isGold: item.isGold,
		labels: v.labels,
		basis: v.basis,
		adjudicated: v.adjudicated,
		tie: v.tie,
		allValid: v.allValid,
		instructionValid: v.instructionValid,
		inputValid: v.inputValid,
		outputValid: v.outputValid,
		category: v.category,
		ties: v.ties
	};
}

export interface AllValidEstimate {
	/** The estimator behind the figures (the report's headline for these audits). */
	estimator: HeadlineRate['estimator'];
	headline: HeadlineRate;
	majority: RateEstimates['majority'];
	label: RateEstimates['label'];
	latent: RateEstimates['latent'];
	/** Sampled items of the population with a label or adjudication. */
	items: number;
}

/** allValidEstimate over the items that audit one of `instanceIds` (an export's population). */
/**
 * Whether a yes/no judgement of the item tied (a question or "all fields valid"): what the majority
 * bounds count both ways. A tie only between the reasons given leaves every rate decided; the
 * breakdown counts it on its own ("reason tied").
 */
function tiedJudgement(ties: readonly QualityJudgement[]): boolean {
	return ties.some((t) => t !== 'reason');
}

export function allValidEstimateOfInstances(raws: readonly ReportInput[], instanceIds: readonly number[], options: ReportOptions = {}): AllValidEstimate {
	const selected = new Set(instanceIds);
	return allValidEstimate(raws, (item) => item.instanceId !== null && selected.has(item.instanceId), options);
}

/**
 * The "all fields valid" rate of some audits' sampled items (for an export's manifest: the items
 * of its population), by the report's estimators and headline: the audits' own choice when they
 * agree on one, else chosen by the data. Several audits are pooled into one model (a reviewer is
 * the same person in each).
 */
export function allValidEstimate(raws: readonly ReportInput[], keepItem: (item: ReportItem) => boolean, options: ReportOptions = {}): AllValidEstimate {
	const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
	const inputs = raws.map((r) => qualifiedInput(r).input);
	const choices = new Set(inputs.map((i) => i.audit.headlineEstimator));
	const requested = options.estimator ?? (choices.size === 1 ? ([...choices][0] ?? 'auto') : 'auto');
	const overlap = Math.max(1, ...inputs.map((i) => i.audit.overlap));
	// One unit per instance: an instance that several audits sampled (or an audit bundle copied
	// into the dataset) is one row of the population, counted once, with the labels of every audit
	// on it — a reviewer's latest label where they labelled it more than once — and its latest
	// adjudication. Gold items stay as they are (they are not counted in the rates).
	const items: ReportItem[] = [];
	const unitOfInstance = new Map<number, number>();
	const unitOfItem = new Map<number, number>();
	let merged = false;
	for (const input of inputs) {
		for (const item of input.items) {
			if (!item.isGold && !keepItem(item)) continue;
			const unit = item.isGold || item.instanceId === null ? undefined : unitOfInstance.get(item.instanceId);
			if (unit !== undefined) {
				unitOfItem.set(item.id, unit);
				merged = true;
				continue;
			}
			if (!item.isGold && item.instanceId !== null) unitOfInstance.set(item.instanceId, item.id);
			unitOfItem.set(item.id, item.id);
			items.push(item);
		}
	}
	const gold = inputs.flatMap((input) => input.gold.filter((g) => unitOfItem.has(g.itemId)));
	let labels: ReportLabel[];
	let adjudications: ReportAdjudication[];
	if (!merged) {
		// Every unit is one item (the usual case: one audit): its labels and adjudication as they are.
		labels = inputs.flatMap((input) => input.labels.filter((l) => unitOfItem.has(l.itemId)));
		adjudications = inputs.flatMap((input) => input.adjudications.filter((a) => unitOfItem.has(a.itemId)));
	} else {
		const latestLabel = new Map<string, ReportLabel>();
		const latestAdjudication = new Map<number, ReportAdjudication>();
		for (const input of inputs) {
			for (const l of input.labels) {
				const unit = unitOfItem.get(l.itemId);
				if (unit === undefined) continue;
				const key = `${unit}:${l.reviewerId}`;
				const before = latestLabel.get(key);
				if (!before || l.submittedAt > before.submittedAt || (l.submittedAt === before.submittedAt && l.id > before.id)) latestLabel.set(key, { ...l, itemId: unit });
			}
			for (const a of input.adjudications) {
				const unit = unitOfItem.get(a.itemId);
				if (unit === undefined) continue;
				const before = latestAdjudication.get(unit);
				if (!before || a.updatedAt >= before.updatedAt) latestAdjudication.set(unit, { ...a, itemId: unit });
			}
		}
		labels = [...latestLabel.values()];
		adjudications = [...latestAdjudication.values()];
	}
	const adjudicationOf = new Map(adjudications.map((a) => [a.itemId, a]));
	const labelsOfUnit = labelsByItem(labels);
	const verdicts = new Map<number, QualityItemVerdict>();
	for (const item of items) if (!item.isGold) verdicts.set(item.id, qualityVerdict(item.id, labelsOfUnit.get(item.id) ?? [], adjudicationOf.get(item.id)));
	const sampled = items.filter((i) => !i.isGold);
	const finals = sampled.map((i) => verdicts.get(i.id)!).map((v) => ({ value: v.allValid.value, tie: v.allValid.tie, adjudicated: v.adjudicated }));
	const majority = majorityBounds(finals, confidence);
	const label = labelLevelRate(
		sampled.map((i) => i.id),
		labelsOfUnit,
		'allValid',
		confidence
	);
	const latent = latentRates('allValid', { items: sampled, groups: [sampled.map((i) => i.id)], labels, adjudications, gold }, { confidence, replicates: options.replicates, memo: options.latent }).groups[0];
	// Pooled audits: latent truth headlines only where each audit's own labels identify it too (pooledLatentRefusal).
	const refusal =
		inputs.length > 1 && latent.identified
			? pooledLatentRefusal(
					inputs.map((input) => {
						const own = input.items.filter((i) => !i.isGold && keepItem(i));
						return { name: input.audit.name, input: { items: own, groups: [own.map((i) => i.id)], labels: input.labels, adjudications: input.adjudications, gold: input.gold } };
					})
				)
			: null;
	const headline = headlineOf({ majority, label, latent: refusal ? { ...latent, identified: false, reason: refusal } : latent }, requested, overlap);
	return { estimator: headline.estimator, headline, majority, label, latent, items: majority.n };
}
