import { describe, expect, it } from 'vitest';
import { clusteredMeanOfShares, differenceFromIntervals } from '$lib/stats';
import { compareReports, ComparisonError } from './compare';
import { buildAuditReport } from './report';
import type { Rating, ReportAudit, ReportInput, ReportLabel } from './types';

function audit(id: number, kind: 'quality' | 'rating', items: number): ReportAudit {
	return { id, name: `audit ${id}`, kind, status: 'closed', datasetId: 1, datasetName: 'd', overlap: 1, sampleSize: items, itemCount: items, goldCount: 0, seed: 1, models: kind === 'rating' ? ['m'] : [], routing: 'breadth', qualification: { items: 0, accuracy: 0.8 }, headlineEstimator: null, createdAt: '2024-01-01T00:00:00.000Z', closedAt: null };
}

/** A single-reviewer quality audit: `spec` lists [answers, how many items]. */
function qualityAudit(id: number, spec: Array<[string, number]>): ReportInput {
	const labels: ReportLabel[] = [];
	let itemId = 0;
	for (const [answers, count] of spec) {
		for (let k = 0; k < count; k++) {
			itemId++;
			const [i, n, o] = [...answers].map((c) => c === 'Y');
			labels.push({ id: itemId, itemId, reviewerId: 1, instructionValid: i, inputValid: n, outputValid: o, errorReason: !n ? 'input_mismatch' : !o ? 'incorrect_output' : null, durationMs: 1000, activeMs: 1000, submittedAt: '2024-01-01T00:00:00.000Z', ratings: [] });
		}
	}
	const items = labels.map((l) => ({ id: l.itemId, position: l.itemId - 1, taskId: l.itemId, instanceId: l.itemId, stratum: null, isGold: false, isClassification: false, responses: [] }));
	return { audit: audit(id, 'quality', items.length), items, labels, adjudications: [], gold: [], skips: [], reviewers: [{ id: 1, name: 'Ana' }] };
}

describe('compareReports', () => {
	// Newcombe (1998b), Stat Med 17:873–890, Table II example (a): 56/70 − 48/80, method 10 →
	// 0.1750 [0.0524, 0.3339].
	const first = buildAuditReport(qualityAudit(1, [['YYY', 56], ['YYN', 14]]));
	const second = buildAuditReport(qualityAudit(2, [['YYY', 48], ['YNY', 32]]));
	const comparison = compareReports(first, second);

	it('gives each rate of both audits, the difference and its Newcombe interval', () => {
		const allValid = comparison.rows.find((r) => r.section === 'rate' && r.group === 'all' && r.key === 'allValid')!;
		expect(allValid.first).toMatchObject({ successes: 56, trials: 70, proportion: 0.8 });
		expect(allValid.second).toMatchObject({ successes: 48, trials: 80, proportion: 0.6 });
		expect(allValid.difference).toBeCloseTo(0.2, 12);
		expect(allValid.lower.toFixed(4)).toBe('0.0524');
		expect(allValid.upper.toFixed(4)).toBe('0.3339');
		const input = comparison.rows.find((r) => r.section === 'rate' && r.group === 'all' && r.key === 'input')!;
		expect([input.first.successes, input.second.successes]).toEqual([70, 48]);
	});

	it('compares the breakdown categories, including ones only one audit has', () => {
		const mismatch = comparison.rows.find((r) => r.section === 'breakdown' && r.group === 'all' && r.key === 'input_mismatch')!;
		expect(mismatch.first).toMatchObject({ successes: 0, trials: 70 });
		expect(mismatch.second).toMatchObject({ successes: 32, trials: 80 });
		expect(mismatch.difference).toBeCloseTo(-0.4, 12);
		expect(mismatch.upper).toBeLessThan(0);
		// Both audits have only non-classification tasks: the empty classification group compares as
		// n = 0 on both sides, so its difference is undefined and its interval the whole range.
		expect(new Set(comparison.rows.map((r) => r.group))).toEqual(new Set(['all', 'classification', 'non-classification']));
		const empty = comparison.rows.find((r) => r.group === 'classification' && r.key === 'allValid')!;
		expect(empty.difference).toBeNull();
		expect([empty.lower, empty.upper]).toEqual([-1, 1]);
	});

	it('compares rating audits model by model and refuses mixed kinds', () => {
		const ratingAudit = (id: number, ratings: Rating[]): ReportInput => ({
			audit: audit(id, 'rating', ratings.length),
			items: ratings.map((_, k) => ({ id: k + 1, position: k, taskId: k + 1, instanceId: null, stratum: null, isGold: false, isClassification: null, responses: [{ responseId: k + 1, model: 'm' }] })),
			labels: ratings.map((rating, k) => ({ id: k + 1, itemId: k + 1, reviewerId: 1, instructionValid: null, inputValid: null, outputValid: null, errorReason: null, durationMs: 0, activeMs: 0, submittedAt: '2024-01-01T00:00:00.000Z', ratings: [{ responseId: k + 1, model: 'm', rating }] })),
			adjudications: [],
			gold: [],
			skips: [],
			reviewers: []
		});
		const a = buildAuditReport(ratingAudit(3, ['A', 'A', 'B', 'D']));
		const b = buildAuditReport(ratingAudit(4, ['C', 'D', 'B', 'D']));
		const rows = compareReports(a, b).rows;
		expect(rows.map((r) => r.key)).toEqual(['aOrB', 'A', 'B', 'C', 'D']);
		expect(rows[0]).toMatchObject({ group: 'm', first: { successes: 3, trials: 4 }, second: { successes: 1, trials: 4 }, difference: 0.5 });
		// No C in the first audit: 0 of 4, Wilson lower bound 0.
		expect(rows[3].first).toMatchObject({ successes: 0, lower: 0 });
		expect(() => compareReports(first, a)).toThrow(ComparisonError);
	});

	it('compares the label-level shares of all rated responses, reviewers who differ by a letter included, with clustered Newcombe intervals', () => {
		// Two reviewers per item; each item is rated [reviewer 1, reviewer 2].
		const twoRaters = (id: number, pairs: [Rating, Rating][]): ReportInput => ({
			audit: { ...audit(id, 'rating', pairs.length), overlap: 2 },
			items: pairs.map((_, k) => ({ id: k + 1, position: k, taskId: k + 1, instanceId: null, stratum: null, isGold: false, isClassification: null, responses: [{ responseId: k + 1, model: 'm' }] })),
			labels: pairs.flatMap((pair, k) =>
				pair.map((rating, r) => ({ id: k * 2 + r + 1, itemId: k + 1, reviewerId: r + 1, instructionValid: null, inputValid: null, outputValid: null, errorReason: null, durationMs: 0, activeMs: 0, submittedAt: '2024-01-01T00:00:00.000Z', ratings: [{ responseId: k + 1, model: 'm', rating }] }))
			),
			adjudications: [],
			gold: [],
			skips: [],
			reviewers: [{ id: 1, name: 'Ana' }, { id: 2, name: 'Ben' }]
		});
		// Reviewers who differ by a letter (A/B, B/C) no longer drop the response: each counts once, shared.
		const split = buildAuditReport(twoRaters(5, [['A', 'A'], ['A', 'B'], ['B', 'C'], ['B', 'C'], ['D', 'D']]));
		const plain = buildAuditReport(twoRaters(6, [['A', 'A'], ['C', 'C'], ['C', 'D'], ['D', 'D'], ['B', 'B']]));
		const rows = compareReports(split, plain).rows;
		const aOrB = rows.find((r) => r.key === 'aOrB')!;
		// A or B: (1 + 1 + ½ + ½ + 0)/5 against (1 + 0 + 0 + 0 + 1)/5, over all five responses each.
		expect(aOrB).toMatchObject({ section: 'model', group: 'm', first: { successes: 3, trials: 5, proportion: 0.6 }, second: { successes: 2, trials: 5, proportion: 0.4 } });
		expect(aOrB.difference).toBeCloseTo(0.2, 12);
		expect(aOrB.firstHigh).toBeUndefined();
		// Newcombe's interval from each side's clustered interval (Wilson at its effective size).
		const first = split.rating!.models[0];
		const second = plain.rating!.models[0];
		const expected = differenceFromIntervals(first.aOrB, second.aOrB);
		expect(aOrB.lower).toBeCloseTo(expected.lower, 12);
		expect(aOrB.upper).toBeCloseTo(expected.upper, 12);
		expect(first.aOrB.lower).toBeCloseTo(clusteredMeanOfShares([1, 1, 0.5, 0.5, 0], { labels: 10 }).lower, 12);
		// Rated B: (0 + ½ + ½ + ½ + 0)/5 = 30% of all five, not 1 of the 2 responses whose reviewers agreed.
		const b = rows.find((r) => r.key === 'B')!;
		expect(b.first).toMatchObject({ successes: 1.5, trials: 5, proportion: 0.3 });
		expect(b.second).toMatchObject({ successes: 1, trials: 5 });
		expect(b.difference).toBeCloseTo(0.1, 12);
		expect(compareReports(split, plain).notes.join(' ')).toMatch(/no response is left out because its reviewers disagree/);
	});
});

describe('comparing rates with tied items', () => {
	// The first audit: 11 items, two reviewers each; ten agree on all valid, one splits (YYY / YYN).
	function tiedAudit(): ReportInput {
		const base = qualityAudit(1, [['YYY', 11]]);
		const second = base.labels.map((l) => ({ ...l, id: l.id + 100, reviewerId: 2, ...(l.itemId === 11 ? { outputValid: false, errorReason: 'incorrect_output' as const } : {}) }));
		return { ...base, audit: { ...base.audit, overlap: 2 }, labels: [...base.labels, ...second], reviewers: [...base.reviewers, { id: 2, name: 'Ben' }] };
	}
	const comparison = compareReports(buildAuditReport(tiedAudit(), { estimator: 'majority' }), buildAuditReport(qualityAudit(2, [['YYY', 6], ['YYN', 6]])));
	const allValid = comparison.rows.find((r) => r.section === 'rate' && r.group === 'all' && r.key === 'allValid')!;

	it('keeps the difference a range, from the lower to the upper figure, with an interval spanning both', () => {
		expect(allValid).toMatchObject({ difference: null, first: { successes: 10, trials: 11 }, firstHigh: { successes: 11, trials: 11 } });
		expect(allValid.differenceLow).toBeCloseTo(10 / 11 - 0.5, 12);
		expect(allValid.differenceHigh).toBeCloseTo(1 - 0.5, 12);
		expect(allValid.lower).toBeLessThan(allValid.differenceLow!);
		expect(allValid.upper).toBeGreaterThan(allValid.differenceHigh!);
	});

	it('draws and tabulates the range, and writes both bounds to the CSV', async () => {
		const { comparisonChartRows } = await import('./figures');
		const { comparisonCsvRows } = await import('./flatten');
		const chart = comparisonChartRows(comparison).find((r) => r.label === 'All fields valid' && r.facet === 'All tasks');
		expect(chart).toMatchObject({ value: allValid.differenceLow, high: allValid.differenceHigh, detail: '10–11/11 vs 6/12' });
		const csv = comparisonCsvRows(comparison).filter((r) => r.group === 'all' && r.key === 'allValid');
		expect(csv.map((r) => r.section)).toEqual(['rate:first', 'rate:first:high', 'rate:second', 'rate:difference']);
		expect(csv[1]).toMatchObject({ successes: 11, n: 11 });
		expect(csv[3]).toMatchObject({ value: null, lower: allValid.lower, upper: allValid.upper });
		expect(csv[3].note).toContain('ties counted both ways');
	});
});

describe('comparing the error breakdown when one audit has ties', () => {
	// The tester's audits: the first has two reviewers per item, 21 of 40 items valid by both,
	// 13 split on "all valid" (YYY / YYN), 6 invalid by both; the second one reviewer per item, 111 of 150 valid.
	function twoReviewerAudit(): ReportInput {
		const base = qualityAudit(1, [['YYY', 34], ['YYN', 6]]);
		const second = base.labels.map((l) => ({ ...l, id: l.id + 100, reviewerId: 2, ...(l.itemId > 21 ? { outputValid: false, errorReason: 'incorrect_output' as const } : {}) }));
		return { ...base, audit: { ...base.audit, overlap: 2 }, labels: [...base.labels, ...second], reviewers: [...base.reviewers, { id: 2, name: 'Ben' }] };
	}
	const comparison = compareReports(buildAuditReport(twoReviewerAudit(), { estimator: 'majority' }), buildAuditReport(qualityAudit(2, [['YYY', 111], ['YYN', 39]])));
	const rowOf = (section: string, key: string) => comparison.rows.find((r) => r.section === section && r.group === 'all' && r.key === key);

	it('counts tied items both ways in the breakdown, so ties alone cannot make a difference look significant', () => {
		const allValid = rowOf('rate', 'allValid')!;
		const correct = rowOf('breakdown', 'correct')!;
		expect(correct).toMatchObject({ difference: null, first: { successes: 21, trials: 40 }, firstHigh: { successes: 34, trials: 40 }, second: { successes: 111, trials: 150 } });
		expect(correct.differenceLow).toBeCloseTo(21 / 40 - 111 / 150, 12);
		expect(correct.differenceHigh).toBeCloseTo(34 / 40 - 111 / 150, 12);
		// The same bounds as "All fields valid": the interval covers 0 (it was [−37.8, −5.1] with ties as incorrect).
		expect([correct.lower, correct.upper]).toEqual([allValid.lower, allValid.upper]);
		expect(correct.lower).toBeLessThan(0);
		expect(correct.upper).toBeGreaterThan(0);
		// An error reason: from the items labelled so to those plus the tied ones.
		expect(rowOf('breakdown', 'incorrect_output')).toMatchObject({ difference: null, first: { successes: 6 }, firstHigh: { successes: 19 }, second: { successes: 39 } });
		// The tied items are "correct" against "incorrect output": no reviewer gave them another reason,
		// so the other reasons are plain counts, not 0 to 13 of 40.
		for (const reason of ['incomprehensible_instruction', 'input_mismatch', 'other']) {
			const r = rowOf('breakdown', reason)!;
			expect(r.first).toMatchObject({ successes: 0, trials: 40 });
			expect(r.firstHigh).toBeUndefined();
			expect(r.difference).not.toBeNull();
		}
	});

	it('says the rates are by item majority when a report leads with another estimator, and nothing when both lead with it', () => {
		expect(comparison.notes.join(' ')).not.toContain('item majority');
		const label = compareReports(buildAuditReport(twoReviewerAudit(), { estimator: 'label' }), buildAuditReport(qualityAudit(2, [['YYY', 111], ['YYN', 39]])));
		expect(label.notes).toContain('Every rate here is by item majority, ties as bounds, for both audits, while the report of "audit 1" leads with label level: a rate here may differ from the one its report leads with.');
	});

	it('says when the two audits share items, that the intervals take them for independent samples', () => {
		const report = buildAuditReport(twoReviewerAudit(), { estimator: 'majority' });
		expect(compareReports(report, report).notes.join(' ')).not.toContain('independent');
		const same = compareReports(report, report, { sharedItems: 40 });
		expect(same.notes).toContain(
			'The two audits are of the same 40 sampled instances: they are not independent samples, as the intervals of the differences assume, so a difference measures the reviewers and their labels on those items more than two samples of the data, and its interval is not that of a paired comparison.'
		);
		const some = compareReports(report, buildAuditReport(qualityAudit(2, [['YYY', 111], ['YYN', 39]])), { sharedItems: 12 });
		expect(some.notes.join(' ')).toContain('12 sampled instances (of 40 in the first, 150 in the second)');
	});

	it('does not compare tie rates with an audit that cannot tie, and says why', () => {
		expect(rowOf('breakdown', 'valid_tied')).toBeUndefined();
		expect(comparison.notes.join(' ')).toContain('"audit 2" has one reviewer per item, so it cannot tie');
		// Two audits that can both tie do compare their tie rates.
		const both = compareReports(buildAuditReport(twoReviewerAudit(), { estimator: 'majority' }), buildAuditReport(twoReviewerAudit(), { estimator: 'majority' }));
		expect(both.rows.find((r) => r.group === 'all' && r.key === 'valid_tied')).toMatchObject({ first: { successes: 13 }, second: { successes: 13 }, difference: 0 });
		expect(both.notes).toEqual([]);
	});

	it('writes a side, a difference and an interval the one way the page and the CLI share', async () => {
		const { comparisonDifferenceText, comparisonIntervalText, comparisonSideText } = await import('./compare');
		const allValid = rowOf('rate', 'allValid')!;
		expect(comparisonSideText(allValid.first, allValid.firstHigh)).toMatchObject({ rate: '52.5%–85.0%', counts: '21–34/40' });
		// The audit without ties is one figure, not "74.0%–74.0%".
		expect(comparisonSideText(allValid.second, allValid.secondHigh)).toMatchObject({ rate: '74.0%', counts: '111/150' });
		expect(comparisonDifferenceText(allValid)).toBe('−21.5 pp to +11.0 pp');
		expect(comparisonIntervalText(allValid)).toMatch(/^\[−\d+\.\d pp, \+\d+\.\d pp\]$/);
		expect(comparisonDifferenceText({ difference: null })).toBe('—');
		expect(comparisonIntervalText({ difference: null, lower: -1, upper: 1 })).toBe('—');
	});
});
