/**
 * Items on which reviewers disagree, with their labels side by side, for a researcher to settle:
 * tied items first (their majority is undecided), then the rest in sample order.
 */
import { labelsByItem, qualityVerdict, ratingVerdict, type QualityItemVerdict, type RatingItemVerdict, type VerdictMemo } from './verdicts';
import type { AuditKind, ReportAdjudication, ReportAudit, ReportInput, ReportItem, ReportLabel } from './types';

/**
 * Kinds whose items get one verdict that reviewers can disagree on and a researcher can settle:
 * quality and rating. Conversation and pairwise figures are built from every answer instead.
 */
export function settlesDisagreements(kind: AuditKind): boolean {
	return kind === 'quality' || kind === 'rating';
}

/**
 * Why the disagreements page lists nothing for a kind that does not settle disagreements, true to
 * what its report does with them: a conversation report leads with item-majority verdicts whose
 * ties stay unsettled (it said "their figures count every reviewer's answer", as only the label
 * level and a pairwise report do).
 */
export function unsettledText(kind: AuditKind, overlap: number): string {
	if (kind === 'conversation')
		return overlap > 1
			? "Conversation audits cannot be adjudicated, so nothing is counted or listed here. Each conversation's and each reply's item-majority verdict is the majority of its reviewers' answers; where they split evenly it stays tied, and the report counts it both ways, as a lower and an upper figure. The label-level figures count every reviewer's answer."
			: "Conversation audits cannot be adjudicated, so nothing is counted or listed here; with one reviewer per item, each conversation's and each reply's verdict is its reviewer's answer.";
	return 'Pairwise audits have no single verdict per item to settle, so nothing is counted or listed here: every reviewer\'s choice counts as one comparison, including where reviewers differ.';
}

/**
 * all: items on which reviewers' labels differ (the report's "Disagreements", one definition);
 * open: tied and not adjudicated; adjudicated: settled by a researcher (any item, also one whose
 * reviewers have since come to agree).
 */
export const DISAGREEMENT_FILTERS = ['all', 'open', 'adjudicated'] as const;
export type DisagreementFilter = (typeof DISAGREEMENT_FILTERS)[number];

export interface DisagreementEntry {
	itemId: number;
	position: number;
	taskId: number;
	instanceId: number | null;
	/** Some judgement tied and no adjudication settles it. */
	open: boolean;
	/** The reviewers' labels differ. */
	disagreement: boolean;
	adjudicated: boolean;
	/** Adjudicated before a reviewer last changed their label of the item (staleAdjudication). */
	staleAdjudication: boolean;
	/** Reviewers' labels, by reviewer name, with the names. */
	labels: Array<ReportLabel & { reviewerName: string }>;
	quality: QualityItemVerdict | null;
	rating: RatingItemVerdict | null;
	/**
	 * The reviewers' own verdict, leaving any adjudication out: what a "Majority" column shows.
	 * (`quality` / `rating` above are the item's verdict as reports use it, adjudication included.)
	 */
	reviewerMajority: { quality: QualityItemVerdict | null; rating: RatingItemVerdict | null };
	adjudication: ReportAdjudication | null;
}

export interface DisagreementCounts {
	/** Items with differing labels (adjudicated or not): the report's `disagreements`. */
	all: number;
	open: number;
	adjudicated: number;
	/** Adjudicated items whose reviewers no longer disagree: in `adjudicated`, not in `all`. */
	adjudicatedAgreeing: number;
	/** Adjudications made before a reviewer last changed their label of the item. */
	stale: number;
}

/**
 * Whether an adjudication was made before a reviewer last changed their label of the item: the
 * researcher settled labels that are no longer the ones shown (a reviewer may since agree with
 * the others), and the adjudication still decides the item's verdict until it is looked at again.
 */
export function staleAdjudication(adjudication: ReportAdjudication | null, labels: readonly ReportLabel[]): boolean {
	if (!adjudication) return false;
	const settledAt = Date.parse(adjudication.updatedAt);
	return labels.some((l) => Date.parse(l.updatedAt ?? l.submittedAt) > settledAt);
}

/** One page of disagreements, as the report thread answers it (the texts are added after). */
export interface DisagreementList {
	audit: ReportAudit;
	entries: DisagreementEntry[];
	counts: DisagreementCounts;
	total: number;
	page: number;
	pages: number;
}

/** `memo`: verdicts kept from the last report of inputs never changed (VerdictMemo). */
export function disagreementList(input: ReportInput, filter: DisagreementFilter, paging: { size: number; page: number }, memo?: VerdictMemo): DisagreementList {
	return { audit: input.audit, ...disagreementEntries(input, filter, paging, memo) };
}

/**
 * The disputed and adjudicated items in the page's order (tied first, then sample order), with the
 * counts per filter; all of them, or one page (its number kept within the pages there are). Full
 * entries are built for that page only: a large audit disputes tens of thousands of items.
 */
export function disagreementEntries(
	input: ReportInput,
	filter: DisagreementFilter = 'all',
	paging?: { size: number; page: number },
	memo?: VerdictMemo
): { entries: DisagreementEntry[]; counts: DisagreementCounts; total: number; page: number; pages: number } {
	const byItem = labelsByItem(input.labels);
	const adjudications = new Map(input.adjudications.map((a) => [a.itemId, a]));
	const listed: Listed[] = [];
	if (!settlesDisagreements(input.audit.kind)) return { entries: [], counts: { all: 0, open: 0, adjudicated: 0, adjudicatedAgreeing: 0, stale: 0 }, total: 0, page: 1, pages: 1 };
	for (const item of input.items) {
		if (item.isGold) continue;
		const labels = byItem.get(item.id) ?? [];
		const adjudication = adjudications.get(item.id) ?? null;
		const quality = input.audit.kind !== 'quality' ? null : memo ? memo.quality(item, labels, adjudication) : qualityVerdict(item.id, labels, adjudication);
		const rating = input.audit.kind !== 'rating' ? null : memo ? memo.rating(item, labels, adjudication) : ratingVerdict(item, labels, adjudication);
		const disagreement = (quality ?? rating)!.disagreement;
		if (!disagreement && !adjudication) continue;
		const open = quality ? quality.ties.length > 0 : rating!.tie;
		listed.push({ item, labels, adjudication, quality, rating, open, disagreement, stale: staleAdjudication(adjudication, labels) });
	}
	const counts = {
		all: listed.filter((e) => e.disagreement).length,
		open: listed.filter((e) => e.open).length,
		adjudicated: listed.filter((e) => e.adjudication).length,
		adjudicatedAgreeing: listed.filter((e) => e.adjudication && !e.disagreement).length,
		stale: listed.filter((e) => e.stale).length
	};
	const chosen = listed
		.filter((e) => (filter === 'all' ? e.disagreement : filter === 'open' ? e.open : e.adjudication))
		.sort((a, b) => Number(b.open) - Number(a.open) || a.item.position - b.item.position);
	const names = new Map(input.reviewers.map((r) => [r.id, r.name]));
	const pages = paging ? Math.max(1, Math.ceil(chosen.length / paging.size)) : 1;
	const page = paging ? Math.min(Math.max(1, paging.page), pages) : 1;
	const shown = paging ? chosen.slice((page - 1) * paging.size, page * paging.size) : chosen;
	return { entries: shown.map((e) => entryOf(e, names)), counts, total: chosen.length, page, pages };
}

/** An item as the first pass keeps it: what ordering and counting need. */
interface Listed {
	item: ReportItem;
	labels: ReportLabel[];
	adjudication: ReportAdjudication | null;
	quality: QualityItemVerdict | null;
	rating: RatingItemVerdict | null;
	open: boolean;
	disagreement: boolean;
	stale: boolean;
}

function entryOf({ item, labels, adjudication, quality, rating, open, disagreement, stale }: Listed, names: ReadonlyMap<number, string>): DisagreementEntry {
	return {
		itemId: item.id,
		position: item.position,
		taskId: item.taskId,
		instanceId: item.instanceId,
		open,
		disagreement,
		adjudicated: !!adjudication,
		staleAdjudication: stale,
		// Reviewers in the same order on every item, so their labels line up as columns.
		labels: labels
			.map((l) => ({ ...l, reviewerName: names.get(l.reviewerId) ?? `reviewer ${l.reviewerId}` }))
			.sort((a, b) => a.reviewerName.localeCompare(b.reviewerName) || a.reviewerId - b.reviewerId),
		quality,
		rating,
		reviewerMajority: adjudication
			? {
					quality: quality ? qualityVerdict(item.id, labels, null) : null,
					rating: rating ? ratingVerdict(item, labels, null) : null
				}
			: { quality, rating },
		adjudication
	};
}
