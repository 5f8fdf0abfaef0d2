import { describe, expect, it } from 'vitest';
import { differenceFromIntervals, proportionDifferenceInterval } from '$lib/stats';
import { compareReports } from './compare';
import { buildAuditReport } from './report';
import { pairwiseReport, type PairwiseLabel } from './shapes';
import { syntheticRatingInput } from './fixtures/synthetic-audit';

/** A pairwise audit's report: `wins` of the first 12 items go to m1, by all three reviewers alike. */
function pairwiseAudit(id: number, wins: number, datasetId: number) {
	const base = buildAuditReport(syntheticRatingInput(12), { replicates: 5 });
	const labels: PairwiseLabel[] = [];
	for (let itemId = 0; itemId < 12; itemId++) for (const reviewerId of [1, 2, 3]) labels.push({ itemId, reviewerId, modelA: 'm1', modelB: 'm2', preference: itemId < wins ? 'a' : 'b' });
	return { ...base, audit: { ...base.audit, id, name: `audit ${id}`, kind: 'pairwise' as const, overlap: 3, datasetId, datasetName: 'pairs' }, rating: null, pairwise: pairwiseReport(labels) };
}

describe('compareReports: pairwise audits', () => {
	it('uses the reports\' intervals clustered by item, not each label as an independent comparison, and notes audits of the same dataset', () => {
		const first = pairwiseAudit(1, 9, 1);
		const second = pairwiseAudit(2, 4, 1);
		const c = compareReports(first, second);
		const win = c.rows.find((r) => r.key === 'win')!;
		const x = first.pairwise.records[0].winRate;
		const y = second.pairwise.records[0].winRate;
		expect({ lower: win.lower, upper: win.upper }).toEqual({ lower: differenceFromIntervals(x, y).lower, upper: differenceFromIntervals(x, y).upper });
		// Three identical choices per item are 12 comparisons, not 36: the per-label interval was narrower.
		const perLabel = proportionDifferenceInterval({ successes: 27, trials: 36 }, { successes: 12, trials: 36 });
		expect(win.upper - win.lower).toBeGreaterThan(perLabel.upper - perLabel.lower + 0.1);
		expect(c.notes.join(' ')).toContain('clustered by item');
		expect(c.notes.join(' ')).toContain('Both audits are of the dataset "pairs" and may judge the same pairs');
		expect(compareReports(first, pairwiseAudit(3, 4, 2)).notes.join(' ')).not.toContain('may judge the same pairs');
	});

	it('says the audits judge the same pairs when the server counted every sampled pair in both (E6: "may judge" for 15 identical pairs)', () => {
		const first = pairwiseAudit(1, 9, 1);
		const second = pairwiseAudit(2, 4, 1);
		const same = compareReports(first, second, { sharedItems: first.progress.items }).notes.join(' ');
		expect(same).toContain(`The two audits are of the same ${first.progress.items} sampled pairs of responses: they are not independent samples`);
		expect(same).not.toContain('may judge the same pairs');
		expect(compareReports(first, second, { sharedItems: 3 }).notes.join(' ')).toContain(`3 sampled pairs of responses (of ${first.progress.items} in the first, ${second.progress.items} in the second)`);
		// None in common: no caveat at all.
		const none = compareReports(first, second, { sharedItems: 0 }).notes.join(' ');
		expect(none).not.toContain('same');
		expect(none).not.toContain('not independent samples');
	});
});
