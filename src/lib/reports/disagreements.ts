/**
 * Items on which reviewers disagree, with their labels side by side, for a researcher to settle:
 * tied items first (their majority is undecided), then the rest in sample order.
 */
import { labelsByItem, qualityVerdict, ratingVerdict, type QualityItemVerdict, type RatingItemVerdict } from './verdicts';
import type { ReportAdjudication, ReportInput, ReportLabel } from './types';

/** open: tied and not adjudicated; adjudicated: settled by a researcher (any item). */
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
	/** Items with differing labels, plus adjudicated items without. */
	all: number;
	open: number;
	adjudicated: number;
}

export function disagreementEntries(input: ReportInput, filter: DisagreementFilter = 'all'): { entries: DisagreementEntry[]; counts: DisagreementCounts } {
	const byItem = labelsByItem(input.labels);
	const adjudications = new Map(input.adjudications.map((a) => [a.itemId, a]));
	const names = new Map(input.reviewers.map((r) => [r.id, r.name]));
	const entries: DisagreementEntry[] = [];
	for (const item of input.items) {
		if (item.isGold) continue;
		const labels = byItem.get(item.id) ?? [];
		const adjudication = adjudications.get(item.id) ?? null;
		const quality = input.audit.kind === 'quality' ? qualityVerdict(item.id, labels, adjudication) : null;
		const rating = input.audit.kind === 'rating' ? ratingVerdict(item, labels, adjudication) : null;
		const disagreement = (quality ?? rating)!.disagreement;
		if (!disagreement && !adjudication) continue;
		const open = quality ? quality.ties.length > 0 : rating!.tie;
		entries.push({
			itemId: item.id,
			position: item.position,
			taskId: item.taskId,
			instanceId: item.instanceId,
			open,
			disagreement,
			adjudicated: !!adjudication,
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
		});
	}
	const counts = {
		all: entries.length,
		open: entries.filter((e) => e.open).length,
		adjudicated: entries.filter((e) => e.adjudicated).length
	};
	const chosen = entries
		.filter((e) => filter === 'all' || (filter === 'open' ? e.open : e.adjudicated))
		.sort((a, b) => Number(b.open) - Number(a.open) || a.position - b.position);
	return { entries: chosen, counts };
}
