/**
 * The "rated A or B" estimate an export of a model's responses gives: the audit report's own
 * figure for that model (modelRatingRows' `aOrB`: label level, each rated response counted once
 * and shared evenly among its reviewers' A–D ratings, a researcher's adjudicated rating alone),
 * over the responses of the export's population. Not a second estimator: the report's verdicts
 * and rows, given only the population's responses.
 */
import { modelRatingRows, qualifiedInput, ratingVerdict, type ModelRatingRow, type RatingItemVerdict, type ReportAdjudication, type ReportInput, type ReportLabel } from '$lib/reports';

/**
 * The report's row of `model` over the responses in `responseIds`, from the audits' inputs (each
 * qualified as its report is: labels set aside by gold qualification do not count). A response
 * several audits rated (an audit bundle copied into the dataset) counts once, with each reviewer's
 * latest rating of it and its latest adjudicated rating. Null when none of them is rated.
 */
export function ratedAOrBOfResponses(raws: readonly ReportInput[], model: string, responseIds: ReadonlySet<number>, confidence: number): ModelRatingRow | null {
	const latestLabel = new Map<string, ReportLabel>();
	const latestAdjudication = new Map<number, ReportAdjudication>();
	for (const raw of raws) {
		const { input } = qualifiedInput(raw);
		const gold = new Set(input.items.filter((i) => i.isGold).map((i) => i.id));
		for (const l of input.labels) {
			if (gold.has(l.itemId)) continue;
			for (const r of l.ratings) {
				if (r.model !== model || !responseIds.has(r.responseId)) continue;
				const key = `${r.responseId}:${l.reviewerId}`;
				const before = latestLabel.get(key);
				// One label per response: the item stands for the response, so each response is its own unit.
				if (!before || l.submittedAt > before.submittedAt) latestLabel.set(key, { ...l, itemId: r.responseId, ratings: [r] });
			}
		}
		for (const a of input.adjudications) {
			if (gold.has(a.itemId)) continue;
			for (const r of a.ratings) {
				if (r.model !== model || !responseIds.has(r.responseId)) continue;
				const before = latestAdjudication.get(r.responseId);
				if (!before || a.updatedAt >= before.updatedAt) latestAdjudication.set(r.responseId, { ...a, itemId: r.responseId, ratings: [r] });
			}
		}
	}
	const labelsOf = new Map<number, ReportLabel[]>();
	for (const l of latestLabel.values()) {
		const list = labelsOf.get(l.itemId);
		if (list) list.push(l);
		else labelsOf.set(l.itemId, [l]);
	}
	const rated = new Set([...labelsOf.keys(), ...latestAdjudication.keys()]);
	if (rated.size === 0) return null;
	const verdicts: RatingItemVerdict[] = [...rated]
		.sort((a, b) => a - b)
		.map((responseId) => ratingVerdict({ id: responseId, responses: [{ responseId, model }] }, labelsOf.get(responseId) ?? [], latestAdjudication.get(responseId)));
	const [row] = modelRatingRows([model], verdicts, { confidence });
	return row.n ? row : null;
}
