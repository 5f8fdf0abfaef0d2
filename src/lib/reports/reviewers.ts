/**
 * Per reviewer: work done, time per item, agreement with the other reviewers, and accuracy on
 * gold items (answers the researcher knows).
 */
import { median, raterAgreementOfRows, raterShares, wilsonInterval, type RaterAgreement, type RaterShare } from '$lib/stats';
import { goldScore, type AnswersLike } from '$lib/audits/qualification';
import { RATE_KEYS, looksRandom, type RateKey, type ReviewerErrorRates } from './estimators';
import { percent } from './format';
import type { Estimate, IntervalSettings } from './quality';
import { type AuditKind, type ReportGoldAnswer, type ReportInput, type ReportLabel } from './types';
import { groupBy, ratersOf, qualityItemRows, qualityRaterShares, ratingItemRows, ratingRaterShares, type VerdictMemo } from './verdicts';

export interface ReviewerRow {
	reviewerId: number;
	name: string;
	/** Labels on sampled items. */
	items: number;
	/** Labels on gold items. */
	goldItems: number;
	skips: number;
	/**
	 * Median server-measured seconds per label from the item first shown to the label submitted
	 * (sampled and gold items); it includes time away (an item held overnight). Null without labels.
	 */
	medianSeconds: number | null;
	/** Median seconds the page was visible and in use (client clock): the figure time is judged by. */
	medianActiveSeconds: number | null;
	/**
	 * Of the pairs (this reviewer, another reviewer) on the same unit (an item's question, a rated
	 * response, a pair of responses), the share that gave the same answer: a reviewer pair-based
	 * figure, not the share of this reviewer's answers matched by someone; null when they share no item.
	 */
	agreement: { value: number | null; pairs: number; items: number };
	/**
	 * Conversation audits judging reply by reply: the same share over each reply's valid / not valid
	 * (`items`: replies shared with someone else), set with the conversation section; absent otherwise.
	 */
	replyAgreement?: { value: number | null; pairs: number; items: number };
	/**
	 * Answers on gold items matching the gold answer (per question or per rated response), each
	 * label scored on the first answer its reviewer sent, as qualification is (input.firstGoldAnswers;
	 * as stored where none was logged): an edit in My labels changes neither.
	 */
	gold: (Estimate & { items: number }) | null;
	/**
	 * Quality audits: the latent-truth model's estimate of this reviewer's sensitivity (says yes
	 * when the answer is yes) and specificity (says no when it is no) per question, with
	 * bootstrap intervals; null for a question where the model could not be fitted, and marked
	 * `identified: false` where it was fitted but the data do not identify it.
	 */
	errorRates: Partial<Record<RateKey, (ReviewerErrorRates & { random: boolean }) | null>>;
	/** Questions on which sensitivity + specificity is close to 1 in an identified fit: answers look like guesses. */
	looksRandom: RateKey[];
	firstLabelAt: string | null;
	lastLabelAt: string | null;
	/** Taken off the audit by a researcher. */
	removed: boolean;
	/** Labels set aside when they were removed: not in `items`, `goldItems` or any figure of the report. */
	setAsideLabels: number;
}

/**
 * Each reviewer's agreement with the others, over units of one per (item, question) for quality
 * audits and per (item, response) for rating audits, so every answer counts once. An item's
 * units are its rows (qualityItemRows, ratingItemRows) summed into shares kept in `memo`: no
 * record built per answer (300,000 of them at 100,000 labels), and a report after one label
 * changed goes over one item's units.
 */
export function reviewerAgreement(kind: AuditKind, byItem: ReadonlyMap<number, readonly ReportLabel[]>, memo?: VerdictMemo): Map<number, RaterAgreement> {
	const shares: RaterShare<number>[][] = [];
	if (kind === 'conversation' || kind === 'pairwise') {
		// One unit per item: the verdict on the conversation as a whole (kept as the label's output answer), or the pair's choice.
		for (const [itemId, list] of byItem) shares.push(raterShares([{ raters: ratersOf(itemId, list), values: list.map((l) => (kind === 'pairwise' ? (l.preference ?? null) : l.outputValid)) }]));
		return raterAgreementOfRows(shares);
	}
	for (const [itemId, list] of byItem) {
		if (memo) shares.push(memo.raterShares(kind, itemId, list));
		else shares.push(kind === 'quality' ? qualityRaterShares(qualityItemRows(itemId, list)) : ratingRaterShares(ratingItemRows(itemId, list)));
	}
	return raterAgreementOfRows(shares);
}

function goldAccuracy(
	kind: AuditKind,
	labels: readonly ReportLabel[],
	goldByItem: ReadonlyMap<number, ReportGoldAnswer>,
	firstAnswers: ReadonlyMap<number, AnswersLike>,
	settings: IntervalSettings
): ReviewerRow['gold'] {
	let items = 0;
	let correct = 0;
	let total = 0;
	for (const label of labels) {
		const gold = goldByItem.get(label.itemId);
		if (!gold) continue;
		items++;
		const score = goldScore(kind, firstAnswers.get(label.id) ?? label, gold);
		correct += score.correct;
		total += score.total;
	}
	if (items === 0) return null;
	const w = wilsonInterval(correct, total, { confidence: settings.confidence });
	return { items, successes: correct, trials: total, proportion: w.proportion, lower: w.lower, upper: w.upper };
}

/** `sampledByItem`: the labels on sampled (not gold) items, by item (labelsByItem). */
export function reviewerRows(
	input: ReportInput,
	sampledByItem: ReadonlyMap<number, readonly ReportLabel[]>,
	settings: IntervalSettings,
	errorRates?: ReadonlyMap<RateKey, ReadonlyMap<number, ReviewerErrorRates>>,
	memo?: VerdictMemo
): ReviewerRow[] {
	const kind = input.audit.kind;
	const gold = new Set(input.items.filter((i) => i.isGold).map((i) => i.id));
	const agreement = reviewerAgreement(kind, sampledByItem, memo);
	const goldByItem = new Map(input.gold.map((g) => [g.itemId, g]));
	const firstAnswers = new Map((input.firstGoldAnswers ?? []).map((f) => [f.labelId, f.answers]));

	const ids = new Set<number>([...input.reviewers.map((r) => r.id)]);
	for (const l of input.labels) ids.add(l.reviewerId);
	for (const s of input.skips) ids.add(s.reviewerId);
	const accounts = new Map(input.reviewers.map((r) => [r.id, r]));

	// Each reviewer's labels and skips gathered in one pass (hundreds of reviewers × 100,000 labels otherwise).
	const labelsOf = groupBy(input.labels, (l) => l.reviewerId);
	const skipsOf = groupBy(input.skips, (s) => s.reviewerId);
	// Per reviewer, the sampled items they share with someone else (agreement units are finer: per
	// answer), counted item by item rather than looked up label by label.
	const sharedItemsOf = new Map<number, number>();
	for (const list of sampledByItem.values()) {
		if (list.length < 2) continue;
		for (const l of list) sharedItemsOf.set(l.reviewerId, (sharedItemsOf.get(l.reviewerId) ?? 0) + 1);
	}
	const rows: ReviewerRow[] = [];
	for (const id of ids) {
		const own = labelsOf.get(id) ?? [];
		const ownGold: ReportLabel[] = [];
		// The first and last submission (ISO times of one format: their text order is their time order).
		let firstLabelAt: string | null = null;
		let lastLabelAt: string | null = null;
		for (const l of own) {
			if (gold.has(l.itemId)) ownGold.push(l);
			const at = l.submittedAt;
			if (firstLabelAt === null) firstLabelAt = lastLabelAt = at;
			else if (at < firstLabelAt) firstLabelAt = at;
			else if (at > lastLabelAt!) lastLabelAt = at;
		}
		const stats = agreement.get(id);
		const sharedItems = sharedItemsOf.get(id) ?? 0;
		const medianMs = median(own.map((l) => l.durationMs));
		const medianActiveMs = median(own.map((l) => l.activeMs));
		const rates: ReviewerRow['errorRates'] = {};
		if (errorRates) {
			for (const key of RATE_KEYS) {
				const r = errorRates.get(key)?.get(id);
				// An unidentified fit's error rates are one of many that explain the answers: no flag from them.
				rates[key] = r ? { ...r, random: r.identified && looksRandom(r) } : null;
			}
		}
		rows.push({
			reviewerId: id,
			name: accounts.get(id)?.name ?? `reviewer ${id}`,
			items: own.length - ownGold.length,
			goldItems: ownGold.length,
			skips: skipsOf.get(id)?.length ?? 0,
			medianSeconds: medianMs === null ? null : medianMs / 1000,
			medianActiveSeconds: medianActiveMs === null ? null : medianActiveMs / 1000,
			agreement: { value: stats?.agreement ?? null, pairs: stats?.pairs ?? 0, items: sharedItems },
			gold: goldAccuracy(kind, ownGold, goldByItem, firstAnswers, settings),
			errorRates: rates,
			looksRandom: RATE_KEYS.filter((key) => rates[key]?.random),
			firstLabelAt,
			lastLabelAt,
			removed: accounts.get(id)?.removed ?? false,
			setAsideLabels: accounts.get(id)?.setAsideLabels ?? 0
		});
	}
	return rows.sort((a, b) => b.items - a.items || a.name.localeCompare(b.name));
}

/** A reviewer's sensitivity / specificity for a table cell: "100% / 64%", marked when the fit is not identified. */
export function errorRatesText(rates: ReviewerErrorRates | null | undefined): string {
	if (!rates) return '—';
	return `${percent(rates.sensitivity, 0)} / ${percent(rates.specificity, 0)}${rates.identified ? '' : ' (not identified)'}`;
}

/** Said under a table showing error rates from a fit these data do not identify (the report page says the same). */
export const UNIDENTIFIED_ERROR_RATES_NOTE =
	'Sensitivity / specificity marked "not identified" come from a latent-truth fit these data do not pin down — read with care: other error rates explain the answers as well, and no reviewer is flagged as answering at random from them.';
