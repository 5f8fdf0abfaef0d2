import { describe, expect, it } from 'vitest';
import { buildAuditReport } from './report';
import { reportFigures } from './figures';
import { nNote } from './paper-tables';
import { syntheticQualityInput } from './fixtures/synthetic-audit';

describe('the quality figure\'s caption', () => {
	it('says what n counts as the table\'s note does: tied items are in n, though they have no final label', () => {
		const report = buildAuditReport(syntheticQualityInput(40), { replicates: 5, estimator: 'majority' });
		const allValid = report.quality!.groups[0].rates.find((r) => r.key === 'allValid')!;
		expect(allValid.majority.ties).toBeGreaterThan(0);
		const caption = reportFigures(report).find((f) => f.id === 'quality-rates')!.caption;
		expect(caption).toContain(`(all tasks n = ${allValid.headline.n}, `);
		expect(caption).toContain(' items with a final label or tied reviewers; audit');
		expect(nNote(report.quality!.groups[0].rates)).toContain('items with a final label or tied reviewers');
	});

	it('counts the items the headline estimator counts', () => {
		const latent = buildAuditReport(syntheticQualityInput(40), { replicates: 5, estimator: 'latent' });
		expect(latent.quality!.groups[0].rates.map((r) => r.headline.estimator)).toEqual(['latent', 'latent', 'latent', 'latent']);
		expect(reportFigures(latent).find((f) => f.id === 'quality-rates')!.caption).toContain(' items with answers or an adjudication; audit');
		const label = buildAuditReport(syntheticQualityInput(40), { replicates: 5, estimator: 'label' });
		expect(reportFigures(label).find((f) => f.id === 'quality-rates')!.caption).toContain(' items labelled at least once; audit');
	});
});
