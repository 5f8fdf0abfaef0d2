import { describe, expect, it } from 'vitest';
import { buildAuditReport } from '$lib/reports';
import { syntheticRatingInput } from '$lib/reports/fixtures/synthetic-audit';
import { ratedAOrBOfResponses } from './rating-estimate';

describe('ratedAOrBOfResponses', () => {
	const input = syntheticRatingInput(60, 2);
	const model = input.audit.models[1];
	const all = new Set(input.items.flatMap((i) => i.responses.map((r) => r.responseId)));

	it("over every response of one audit it is the report's own row of the model", () => {
		const report = buildAuditReport(input).rating!.models.find((m) => m.model === model)!;
		expect(ratedAOrBOfResponses([input], model, all, 0.95)).toEqual(report);
	});

	it("over some responses it is the report's row of an audit of those only", () => {
		const kept = new Set(input.items.slice(0, 20).flatMap((i) => i.responses.map((r) => r.responseId)));
		const only = { ...input, items: input.items.slice(0, 20), labels: input.labels.filter((l) => l.itemId <= 20) };
		const row = ratedAOrBOfResponses([input], model, kept, 0.95)!;
		expect(row.n).toBe(20);
		expect(row.aOrB).toEqual(buildAuditReport(only).rating!.models.find((m) => m.model === model)!.aOrB);
	});

	it('a response two audits rated counts once, each reviewer with their latest rating', () => {
		// The same audit copied (a bundle imported into the dataset), its second copy later and every rating D.
		const later = {
			...input,
			audit: { ...input.audit, id: 99 },
			labels: input.labels.map((l) => ({ ...l, id: l.id + 10_000, submittedAt: '2024-02-01T00:00:00.000Z', ratings: l.ratings.map((r) => ({ ...r, rating: 'D' as const })) }))
		};
		const row = ratedAOrBOfResponses([input, later], model, all, 0.95)!;
		expect(row.n).toBe(60);
		expect(row.aOrB.proportion).toBe(0);
		expect(ratedAOrBOfResponses([later, input], model, all, 0.95)!.aOrB.proportion).toBe(0);
	});

	it('no rated response of the model in the population: null', () => {
		expect(ratedAOrBOfResponses([input], 'another model', all, 0.95)).toBeNull();
		expect(ratedAOrBOfResponses([input], model, new Set(), 0.95)).toBeNull();
	});
});
