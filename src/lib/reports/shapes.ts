/**
 * Reports of conversation and pairwise audits (pure: labels in, figures out).
 *
 * Conversations: the share of assistant replies judged valid at each reply position (1st reply,
 * 2nd, …) and of whole conversations judged correct (every reply valid) — or, when the audit
 * judges conversations as a whole, the share judged correct and their A–D — with two of the
 * estimators the quality report uses: item majority with ties as bounds (Wilson intervals on
 * the lower and upper counts) and label level (share of "yes" labels, interval clustered by
 * item). A–D counts per position.
 *
 * Pairwise: every label is one comparison of the pair's two models. Win / tie / loss per model
 * pair with Wilson intervals (clustered by item when items carry several choices), Bradley–Terry strengths (Hunter's MM, ties as half wins) with
 * observed-information intervals (the cluster-robust sandwich when items carry several choices), "both bad" counted apart (no winner, left out of both), and
 * agreement between reviewers on items with two or more labels.
 */
import { wilsonInterval, type ProportionInterval } from '../stats/proportion';
import { clusteredProportion, type ClusteredProportion } from '../stats/clustered';
import { bradleyTerry, winTieLoss, type BradleyTerryResult, type ModelPairRecord, type PairwiseOutcome } from '../stats/pairwise';
import { RATING_KEYS, type RatingLevel } from '../audits/rubric';
import { agreementRow, type AgreementRow } from './agreement';
import { binomialTest } from '../stats/binomial';
import { raterAgreementOfRows, rowsByItem, type RatingRecord } from '../stats/ratings';
import { percent } from './format';

export interface ConversationLabel {
	itemId: number;
	reviewerId: number;
	/** Assistant replies in order; in an audit judging whole conversations, the one judgement of the whole. */
	turns: { valid: boolean; rating: RatingLevel }[];
}

/** What a conversation audit asks about: each assistant reply, or the conversation as a whole. */
export type ConversationReportUnit = 'turn' | 'conversation';

/** One rate by the two estimators. */
export interface ShapeRate {
	items: number;
	/** Item majority; a tied item counts as "no" for `lower`, "yes" for `upper`. */
	majority: { yes: number; no: number; tied: number; lower: ProportionInterval; upper: ProportionInterval; rate: number | null };
	/** Share of "yes" labels, interval clustered by item. */
	label: ClusteredProportion;
}

export interface ConversationReport {
	unit: ConversationReportUnit;
	/** Whole conversations: every reply judged valid ('turn'), or the whole judged valid ('conversation'). */
	conversations: ShapeRate;
	/** A–D of whole conversations ('conversation' unit; null when replies are rated one by one). */
	conversationRatings: Record<RatingLevel, number> | null;
	/** Per reply position ('turn' unit; empty when conversations are judged as a whole). */
	byPosition: (ShapeRate & { position: number; ratings: Record<RatingLevel, number> })[];
	labels: number;
	estimators: string;
	/** Agreement on each reviewer's verdict on the conversation as a whole (every reply valid, or the whole judged valid). */
	agreement: AgreementRow;
	/**
	 * Agreement on each reply's valid / not valid, one unit per (conversation, reply position): two
	 * reviewers faulting different replies agree on the whole ("not every reply valid") but not here.
	 * Null when conversations are judged as a whole.
	 */
	replyAgreement: AgreementRow | null;
	/** Each reviewer's share of agreeing pairs with the others over the same reply units; null when conversations are judged as a whole. */
	replyAgreementByReviewer: ReviewerReplyAgreement[] | null;
}

/** One reviewer's agreement with the others on replies: `items` is the replies they judged that someone else judged too. */
export interface ReviewerReplyAgreement {
	reviewerId: number;
	value: number | null;
	pairs: number;
	items: number;
}

/** Each label's verdict on its conversation as a whole: the one judgement of the whole, or every reply valid. */
function conversationVerdict(l: ConversationLabel, unit: ConversationReportUnit): boolean | null {
	if (unit === 'conversation') return l.turns[0]?.valid ?? null;
	return l.turns.length ? l.turns.every((t) => t.valid) : null;
}

function conversationAgreement(labels: readonly ConversationLabel[], unit: ConversationReportUnit): AgreementRow {
	return agreementRow('conversation', 'yes/no', labels.map((l) => ({ item: l.itemId, rater: l.reviewerId, value: conversationVerdict(l, unit) })));
}

/** One unit per (conversation, reply position): each reviewer's valid / not valid on that reply. */
function replyRecords(labels: readonly ConversationLabel[]): RatingRecord<string, number, boolean>[] {
	return labels.flatMap((l) => l.turns.map((t, p) => ({ item: `${l.itemId}:${p}`, rater: l.reviewerId, value: t.valid })));
}

function replyAgreement(labels: readonly ConversationLabel[]): AgreementRow {
	return agreementRow('reply', 'yes/no', replyRecords(labels));
}

/** Per reviewer, over the units replyAgreement counts, as the reviewers table gives agreement on the whole conversation. */
function replyAgreementByReviewer(labels: readonly ConversationLabel[]): ReviewerReplyAgreement[] {
	return [...raterAgreementOfRows([...rowsByItem(replyRecords(labels)).values()])].map(([reviewerId, a]) => ({ reviewerId, value: a.agreement, pairs: a.pairs, items: a.items }));
}

function rateOf(byItem: Map<number, boolean[]>, confidence: number): ShapeRate {
	let yes = 0;
	let no = 0;
	let tied = 0;
	const clusters: { successes: number; trials: number }[] = [];
	for (const answers of byItem.values()) {
		if (!answers.length) continue;
		const y = answers.filter(Boolean).length;
		const n = answers.length - y;
		if (y > n) yes++;
		else if (n > y) no++;
		else tied++;
		clusters.push({ successes: y, trials: answers.length });
	}
	const items = yes + no + tied;
	return {
		items,
		majority: {
			yes,
			no,
			tied,
			lower: wilsonInterval(yes, items, { confidence }),
			upper: wilsonInterval(yes + tied, items, { confidence }),
			rate: items && !tied ? yes / items : null
		},
		label: clusteredProportion(clusters, { confidence })
	};
}

export function conversationReport(labels: readonly ConversationLabel[], confidence = 0.95, unit: ConversationReportUnit = 'turn'): ConversationReport {
	const whole = new Map<number, boolean[]>();
	if (unit === 'conversation') {
		const ratings = Object.fromEntries(RATING_KEYS.map((k) => [k, 0])) as Record<RatingLevel, number>;
		for (const l of labels) {
			const judgement = l.turns[0];
			if (!judgement) continue;
			if (!whole.has(l.itemId)) whole.set(l.itemId, []);
			whole.get(l.itemId)!.push(judgement.valid);
			ratings[judgement.rating]++;
		}
		return {
			unit,
			conversations: rateOf(whole, confidence),
			conversationRatings: ratings,
			byPosition: [],
			labels: labels.length,
			estimators: 'item majority with ties as bounds (Wilson) and label level (clustered by item)',
			agreement: conversationAgreement(labels, unit),
			replyAgreement: null,
			replyAgreementByReviewer: null
		};
	}
	const positions: Map<number, boolean[]>[] = [];
	const ratings: Record<RatingLevel, number>[] = [];
	for (const l of labels) {
		if (!whole.has(l.itemId)) whole.set(l.itemId, []);
		whole.get(l.itemId)!.push(l.turns.every((t) => t.valid));
		l.turns.forEach((t, p) => {
			positions[p] ??= new Map();
			ratings[p] ??= Object.fromEntries(RATING_KEYS.map((k) => [k, 0])) as Record<RatingLevel, number>;
			const m = positions[p];
			if (!m.has(l.itemId)) m.set(l.itemId, []);
			m.get(l.itemId)!.push(t.valid);
			ratings[p][t.rating]++;
		});
	}
	return {
		unit,
		conversations: rateOf(whole, confidence),
		conversationRatings: null,
		byPosition: positions.map((m, p) => ({ position: p + 1, ...rateOf(m, confidence), ratings: ratings[p] })),
		labels: labels.length,
		estimators: 'item majority with ties as bounds (Wilson) and label level (clustered by item)',
		agreement: conversationAgreement(labels, unit),
		replyAgreement: replyAgreement(labels),
		replyAgreementByReviewer: replyAgreementByReviewer(labels)
	};
}

/** A–D counts as the page's column gives them: "2 / 3 / 8 / 11". */
export function ratingCountsText(ratings: Record<RatingLevel, number>): string {
	return RATING_KEYS.map((k) => ratings[k]).join(' / ');
}

/**
 * The conversation report's rates as text lines (the CLI's), one for the whole conversations and
 * one per reply, each with its A–D counts as the page's table has them.
 */
export function conversationRateLines(c: ConversationReport): string[] {
	const pc = (x: number | null) => percent(x);
	const rows: Array<[string, ShapeRate, Record<RatingLevel, number> | null]> = [['whole conversations', c.conversations, c.conversationRatings], ...c.byPosition.map((p) => [`reply ${p.position}`, p, p.ratings] as [string, ShapeRate, Record<RatingLevel, number>])];
	return rows.map(
		([what, r, ratings]) =>
			`${what.padEnd(20)} n = ${r.items}; item majority ${pc(r.majority.lower.proportion)}${r.majority.tied ? `–${pc(r.majority.upper.proportion)}` : ''} [${pc(r.majority.lower.lower)}, ${pc(r.majority.upper.upper)}]; label level ${pc(r.label.proportion)} [${pc(r.label.lower)}, ${pc(r.label.upper)}]${ratings ? `; A / B / C / D ${ratingCountsText(ratings)}` : ''}`
	);
}

export interface PairwiseLabel {
	itemId: number;
	reviewerId: number;
	modelA: string;
	modelB: string;
	preference: 'a' | 'b' | 'tie' | 'both_bad';
	/** The choice as the reviewer's screen showed the pair: A the response shown first (left). Absent when not known. */
	screenChoice?: 'A' | 'B' | 'tie' | 'both_bad';
}

/** How often a reviewer chose the response shown first, of the choices that picked a side. */
export interface PositionBiasRow {
	reviewerId: number;
	choseFirst: number;
	/** Choices of one response over the other ("about the same" and "both bad" left out). */
	decided: number;
	share: number | null;
	/** Two-sided exact binomial test against 50%. */
	pValue: number;
	/** Far from 50%: p < POSITION_BIAS_ALPHA with at least POSITION_BIAS_MIN_CHOICES choices. */
	flagged: boolean;
}

/** A reviewer is flagged for position bias when a binomial test rejects 50% at this level … */
export const POSITION_BIAS_ALPHA = 0.01;
/** … over at least this many choices of a side (fewer cannot reach it honestly). */
export const POSITION_BIAS_MIN_CHOICES = 8;

function positionBias(labels: readonly PairwiseLabel[]): PositionBiasRow[] {
	const byReviewer = new Map<number, { first: number; decided: number }>();
	for (const l of labels) {
		if (l.screenChoice !== 'A' && l.screenChoice !== 'B') continue;
		let c = byReviewer.get(l.reviewerId);
		if (!c) byReviewer.set(l.reviewerId, (c = { first: 0, decided: 0 }));
		c.decided++;
		if (l.screenChoice === 'A') c.first++;
	}
	return [...byReviewer]
		.sort((a, b) => a[0] - b[0])
		.map(([reviewerId, c]) => {
			const pValue = binomialTest(c.first, c.decided).pValue;
			return { reviewerId, choseFirst: c.first, decided: c.decided, share: c.decided ? c.first / c.decided : null, pValue, flagged: c.decided >= POSITION_BIAS_MIN_CHOICES && pValue < POSITION_BIAS_ALPHA };
		});
}

export interface PairwiseReport {
	comparisons: number;
	bothBad: number;
	records: ModelPairRecord[];
	bradleyTerry: BradleyTerryResult | null;
	/** Items with two or more labels: the share of pairs of labels on an item that agree. */
	agreement: { items: number; pairs: number; agreeing: number; rate: number | null };
	/**
	 * Per reviewer, how often they chose the response shown first (left): position bias. Empty
	 * when every reviewer saw the pairs in the one fixed order (`positionUntested` says why).
	 */
	positionBias: PositionBiasRow[];
	/** Why position bias was not tested (the order was fixed, not shuffled), or null when it was. */
	positionUntested: string | null;
	/** Whether the win / tie / loss intervals are clustered by item (some item carries several choices) rather than plain Wilson. */
	clustered: boolean;
}

interface ItemCounts {
	wins: number;
	ties: number;
	losses: number;
}

/**
 * A pair's win, tie, loss and decided-win intervals with items as the sampling units: an item
 * judged by k reviewers gives k choices that are not k independent comparisons, so Wilson on every
 * choice was too narrow. The interval is the clustered one the quality report's label level uses
 * (Wilson at the effective sample size). A pair whose items carry one choice each keeps Wilson.
 */
function clusteredByItem(record: ModelPairRecord, items: ReadonlyMap<number, ItemCounts> | undefined, confidence: number): ModelPairRecord {
	if (!items || ![...items.values()].some((c) => c.wins + c.ties + c.losses > 1)) return record;
	const counts = [...items.values()];
	const interval = (p: ProportionInterval, successes: (c: ItemCounts) => number, trials: (c: ItemCounts) => number): ProportionInterval => {
		const clusters = counts.map((c) => ({ successes: successes(c), trials: trials(c) })).filter((c) => c.trials > 0);
		if (!clusters.length) return p;
		const clustered = clusteredProportion(clusters, { confidence });
		return { ...p, lower: clustered.lower, upper: clustered.upper };
	};
	const all = (c: ItemCounts) => c.wins + c.ties + c.losses;
	return {
		...record,
		winRate: interval(record.winRate, (c) => c.wins, all),
		tieRate: interval(record.tieRate, (c) => c.ties, all),
		lossRate: interval(record.lossRate, (c) => c.losses, all),
		decisiveWinRate: interval(record.decisiveWinRate, (c) => c.wins, (c) => c.wins + c.losses)
	};
}

/**
 * Why a non-blind audit has no position test: its reviewers all saw the pair's first response on
 * the left, so "chose the one shown first" is "chose that response's model" — a reviewer who
 * simply prefers one model would be flagged.
 */
export const POSITION_FIXED_ORDER =
	"Position bias was not tested: the audit is not blind, so every reviewer saw each pair in the same fixed order (the pair's first response on the left), not a shuffled one. The share of choices for the response shown first would measure preference for that response's model, not for a position.";

/**
 * `order`: 'shuffled' when each reviewer saw the pair in an order of their own (a blind audit),
 * 'fixed' when all saw it as stored: then position is not told apart from model preference.
 */
export function pairwiseReport(labels: readonly PairwiseLabel[], confidence = 0.95, order: 'shuffled' | 'fixed' = 'shuffled'): PairwiseReport {
	const outcomes: PairwiseOutcome[] = [];
	let bothBad = 0;
	const byItem = new Map<number, string[]>();
	// Per model pair (in name order, as winTieLoss keys them), each item's choices from the first's side.
	const pairItems = new Map<string, Map<number, ItemCounts>>();
	for (const l of labels) {
		if (!byItem.has(l.itemId)) byItem.set(l.itemId, []);
		byItem.get(l.itemId)!.push(l.preference);
		if (l.preference === 'both_bad') {
			bothBad++;
			continue;
		}
		// Two responses of one model (a pair built within one model's outputs) rank nothing.
		if (l.modelA === l.modelB) continue;
		// The item is the cluster: its reviewers' choices are not independent comparisons.
		outcomes.push({ modelA: l.modelA, modelB: l.modelB, result: l.preference, cluster: l.itemId });
		const flipped = l.modelA > l.modelB;
		const key = JSON.stringify(flipped ? [l.modelB, l.modelA] : [l.modelA, l.modelB]);
		let items = pairItems.get(key);
		if (!items) pairItems.set(key, (items = new Map()));
		let c = items.get(l.itemId);
		if (!c) items.set(l.itemId, (c = { wins: 0, ties: 0, losses: 0 }));
		if (l.preference === 'tie') c.ties++;
		else if ((l.preference === 'a') !== flipped) c.wins++;
		else c.losses++;
	}
	let items = 0;
	let pairs = 0;
	let agreeing = 0;
	for (const prefs of byItem.values()) {
		if (prefs.length < 2) continue;
		items++;
		for (let i = 0; i < prefs.length; i++)
			for (let j = i + 1; j < prefs.length; j++) {
				pairs++;
				if (prefs[i] === prefs[j]) agreeing++;
			}
	}
	const models = new Set(outcomes.flatMap((o) => [o.modelA, o.modelB]));
	return {
		comparisons: outcomes.length,
		bothBad,
		records: winTieLoss(outcomes, { confidence }).map((r) => clusteredByItem(r, pairItems.get(JSON.stringify([r.first, r.second])), confidence)),
		bradleyTerry: models.size >= 2 ? bradleyTerry(outcomes, { confidence }) : null,
		agreement: { items, pairs, agreeing, rate: pairs ? agreeing / pairs : null },
		positionBias: order === 'fixed' ? [] : positionBias(labels),
		positionUntested: order === 'fixed' ? POSITION_FIXED_ORDER : null,
		clustered: [...pairItems.values()].some((items) => [...items.values()].some((c) => c.wins + c.ties + c.losses > 1))
	};
}

/** A pairwise item's final choice: the label given more often than every other (A, A, B is A). */
export interface PairwiseItemVerdict {
	itemId: number;
	modelA: string;
	modelB: string;
	labels: number;
	/** How many reviewers chose each label, in the pair's own A/B order. */
	chose: { a: number; b: number; tie: number; both_bad: number };
	/** The leading label; null when none leads (the reviewers split: `split`), or nobody judged the item. */
	preference: PairwiseLabel['preference'] | null;
	/** The model the leading label prefers (null for "about the same", "both bad" and no verdict). */
	preferredModel: string | null;
	/** No label leads: two or more are given equally often. */
	split: boolean;
}

export function pairwiseItemVerdicts(labels: readonly PairwiseLabel[]): PairwiseItemVerdict[] {
	const byItem = new Map<number, PairwiseItemVerdict>();
	for (const l of labels) {
		let v = byItem.get(l.itemId);
		if (!v) byItem.set(l.itemId, (v = { itemId: l.itemId, modelA: l.modelA, modelB: l.modelB, labels: 0, chose: { a: 0, b: 0, tie: 0, both_bad: 0 }, preference: null, preferredModel: null, split: false }));
		v.labels++;
		v.chose[l.preference]++;
	}
	for (const v of byItem.values()) {
		const top = Math.max(...Object.values(v.chose));
		const leaders = (Object.keys(v.chose) as PairwiseLabel['preference'][]).filter((k) => v.chose[k] === top);
		v.split = leaders.length > 1;
		v.preference = v.split ? null : leaders[0];
		v.preferredModel = v.preference === 'a' ? v.modelA : v.preference === 'b' ? v.modelB : null;
	}
	return [...byItem.values()];
}

/** A yes/no majority: null and tied when as many said yes as no. */
export interface MajorityValid {
	valid: boolean | null;
	tie: boolean;
}

function majorityOf(answers: readonly boolean[]): MajorityValid {
	const yes = answers.filter(Boolean).length;
	const no = answers.length - yes;
	return { valid: yes === no ? null : yes > no, tie: answers.length > 0 && yes === no };
}

/** A conversation item's final verdicts: on the conversation as a whole and, replies judged one by one, on each reply. */
export interface ConversationItemVerdict {
	itemId: number;
	labels: number;
	conversation: MajorityValid;
	/** Per reply position (1-based); empty when the audit judges conversations as a whole. */
	replies: Array<MajorityValid & { reply: number }>;
}

export function conversationItemVerdicts(labels: readonly ConversationLabel[], unit: ConversationReportUnit = 'turn'): ConversationItemVerdict[] {
	const byItem = new Map<number, ConversationLabel[]>();
	for (const l of labels) {
		if (!byItem.has(l.itemId)) byItem.set(l.itemId, []);
		byItem.get(l.itemId)!.push(l);
	}
	return [...byItem].map(([itemId, list]) => {
		const whole = list.map((l) => conversationVerdict(l, unit)).filter((v): v is boolean => v !== null);
		const positions = unit === 'turn' ? Math.max(0, ...list.map((l) => l.turns.length)) : 0;
		return {
			itemId,
			labels: list.length,
			conversation: majorityOf(whole),
			replies: Array.from({ length: positions }, (_, p) => ({ reply: p + 1, ...majorityOf(list.flatMap((l) => (l.turns[p] ? [l.turns[p].valid] : []))) }))
		};
	});
}
