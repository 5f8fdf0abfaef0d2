import { describe, expect, it } from 'vitest';
import { AGREEMENT_SO_FAR_MIN_ITEMS, agreementSoFar, buildAuditReport } from './report';
import { syntheticQualityInput, syntheticRatingInput } from './fixtures/synthetic-audit';
import type { ReportInput } from './types';

/** The input with the labels of the first `incomplete` items cut to one each (labelling still going on). */
function underway(input: ReportInput, incomplete: number): ReportInput {
	const cut = new Set(input.items.slice(0, incomplete).map((i) => i.id));
	const seen = new Set<number>();
	const labels = input.labels.filter((l) => {
		if (!cut.has(l.itemId)) return true;
		if (seen.has(l.itemId)) return false;
		seen.add(l.itemId);
		return true;
	});
	return { ...input, labels };
}

/** The same audit with only the complete items' labels: what the audit page's rows must equal. */
function completeOnly(input: ReportInput): ReportInput {
	const count = new Map<number, number>();
	for (const l of input.labels) count.set(l.itemId, (count.get(l.itemId) ?? 0) + 1);
	return { ...input, labels: input.labels.filter((l) => count.get(l.itemId)! >= input.audit.overlap) };
}

describe('agreement so far (the audit page, while labelling goes on)', () => {
	it("quality: the report's agreement rows over the items that have all k labels", () => {
		const input = underway(syntheticQualityInput(80), 30);
		const soFar = agreementSoFar(input);
		expect(soFar.completeItems).toBe(50);
		expect(soFar.rows).not.toBeNull();
		expect(soFar.rows).toEqual(buildAuditReport(completeOnly(input)).quality!.agreement);
	});

	it('rating: the same, per model', () => {
		const input = underway(syntheticRatingInput(60), 20);
		const soFar = agreementSoFar(input);
		expect(soFar.completeItems).toBe(40);
		expect(soFar.rows).toEqual(buildAuditReport(completeOnly(input)).rating!.agreement);
	});

	it(`nothing until ${AGREEMENT_SO_FAR_MIN_ITEMS} items are complete, with the count so far`, () => {
		const input = syntheticQualityInput(40);
		const soFar = agreementSoFar(underway(input, 40 - (AGREEMENT_SO_FAR_MIN_ITEMS - 1)));
		expect(soFar).toMatchObject({ completeItems: AGREEMENT_SO_FAR_MIN_ITEMS - 1, rows: null });
		expect(agreementSoFar(underway(input, 40 - AGREEMENT_SO_FAR_MIN_ITEMS)).rows).not.toBeNull();
	});
});
