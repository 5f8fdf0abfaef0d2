import { describe, expect, it } from 'vitest';
import { createRng } from '$lib/random';
import { groupStratumSizes, stratumRowsText, stratumShift, weightedMajority, type StratifiedFinal } from './weighted';
import { buildAuditReport } from './report';
import { compareReports, ComparisonError } from './compare';
import { describeBasis, headlineText } from './format';
import { reportPaperTables } from './paper-tables';
import { reportCsvRows } from './flatten';
import type { ReportInput, ReportItem, ReportLabel } from './types';

/** `yes` "yes" answers, `no` "no" answers and `ties` tied items drawn from `stratum`. */
function finals(stratum: string, yes: number, no: number, ties = 0): StratifiedFinal[] {
	return [
		...Array.from({ length: yes }, () => ({ stratum, value: true, tie: false })),
		...Array.from({ length: no }, () => ({ stratum, value: false, tie: false })),
		...Array.from({ length: ties }, () => ({ stratum, value: null, tie: true }))
	];
}

const SIZES = [
	{ stratum: 'kept', label: 'Kept by the filters', rows: 5001 },
	{ stratum: 'rejected:rougeL', label: 'Rejected: ROUGE-L', rows: 5 }
];

describe('weightedMajority', () => {
	it('weights each stratum by its rows: the worked example of 10 of 5,001 kept rows and 4 of 5 rejected ones', () => {
		// Pooled: 8/14 = 57.1%. By hand: W = (5001, 5)/5006; p = W₁·5/10 + W₂·3/4 = 0.500250;
		// v = W₁²(1 − 10/5001)(0.25/10) + W₂²(1 − 4/5)(0.1875/4) = 0.0249002; n* = p(1 − p)/v = 10.040;
		// Wilson at n* (z = 1.959964): [0.237154, 0.763207] — the export manifest's 50.0% [23.7%, 76.3%].
		const w = weightedMajority([...finals('kept', 5, 5), ...finals('rejected:rougeL', 3, 1)], SIZES, 0.95)!;
		expect(w.rate).toBeCloseTo(0.5002497, 6);
		expect(w.lower).toBeCloseTo(0.2371542, 6);
		expect(w.upper).toBeCloseTo(0.763207, 6);
		expect(w.items).toBe(14);
		expect(headlineText({ proportion: w.rate, low: w.low, high: w.high, lower: w.lower, upper: w.upper, n: w.items })).toBe('50.0% [23.7%, 76.3%]');
		expect(w.strata.map((h) => [h.stratum, h.rows, h.items, h.yes, h.rate])).toEqual([
			['kept', 5001, 10, 5, 0.5],
			['rejected:rougeL', 5, 4, 3, 0.75]
		]);
	});

	it('counts tied items as "no" for the low figure and "yes" for the high one, as stratifiedBounds does', () => {
		// Kept: 4 yes, 4 no, 2 tied of 10; rejected: 3 yes, 1 no. Low: W₁·0.4 + W₂·0.75; high: W₁·0.6 + W₂·0.75.
		const w = weightedMajority([...finals('kept', 4, 4, 2), ...finals('rejected:rougeL', 3, 1)], SIZES, 0.95)!;
		const [w1, w2] = [5001 / 5006, 5 / 5006];
		expect(w.rate).toBeNull();
		expect(w.low).toBeCloseTo(w1 * 0.4 + w2 * 0.75, 10);
		expect(w.high).toBeCloseTo(w1 * 0.6 + w2 * 0.75, 10);
		expect(w.strata[0]).toMatchObject({ ties: 2, rate: null, low: 0.4, high: 0.6 });
	});

	it('leaves unanswered items out, and gives no figure before any stratum has an answer', () => {
		const unanswered = { stratum: 'kept', value: null, tie: false };
		expect(weightedMajority([unanswered], SIZES, 0.95)).toBeNull();
		const w = weightedMajority([unanswered, ...finals('kept', 1, 1)], SIZES, 0.95)!;
		// The rejected stratum has no answer: its rows count both ways.
		expect(w.rate).toBeNull();
		expect(w.uncovered).toBe(5);
		expect(w.low).toBeCloseTo((5001 / 5006) * 0.5, 10);
		expect(w.high).toBeCloseTo((5001 / 5006) * 0.5 + 5 / 5006, 10);
	});

	it('estimates a group\'s rows in each stratum from its share of the items drawn from it', () => {
		const drawn = ['kept', 'kept', 'kept', 'kept', 'rejected:rougeL', 'rejected:rougeL'];
		const inGroup = ['kept', 'rejected:rougeL', 'rejected:rougeL'];
		expect(groupStratumSizes(SIZES, drawn, inGroup).map((s) => s.rows)).toEqual([5001 / 4, 5]);
	});
});

describe('weightedMajority on simulated stratified audits with a known truth', () => {
	it('is unbiased and covers the truth where the pooled rate is biased', () => {
		// A dataset of 9,000 kept rows (90% correct) and 1,000 rejected rows (30% correct): truth 84%.
		// Each audit draws 40 rows from each stratum, without replacement.
		const sizes = [
			{ stratum: 'kept', label: 'Kept', rows: 9000 },
			{ stratum: 'rejected', label: 'Rejected', rows: 1000 }
		];
		const population = sizes.map((s, h) => Array.from({ length: s.rows }, (_, i) => i < s.rows * (h === 0 ? 0.9 : 0.3)));
		const truth = (9000 * 0.9 + 1000 * 0.3) / 10000;
		const rnd = createRng(20261207);
		const replications = 400;
		let pooledSum = 0;
		let weightedSum = 0;
		let covered = 0;
		for (let rep = 0; rep < replications; rep++) {
			const drawn: StratifiedFinal[] = [];
			sizes.forEach((s, h) => {
				const pool = population[h];
				// A partial Fisher–Yates shuffle draws 40 distinct rows.
				for (let i = 0; i < 40; i++) {
					const j = i + Math.floor(rnd() * (pool.length - i));
					[pool[i], pool[j]] = [pool[j], pool[i]];
					drawn.push({ stratum: s.stratum, value: pool[i], tie: false });
				}
			});
			const w = weightedMajority(drawn, sizes, 0.95)!;
			pooledSum += drawn.filter((d) => d.value).length / drawn.length;
			weightedSum += w.rate!;
			if (w.lower <= truth && truth <= w.upper) covered++;
		}
		const pooled = pooledSum / replications;
		const weighted = weightedSum / replications;
		// Pooling gives each stratum half the weight: 0.5·0.9 + 0.5·0.3 = 60%, 24 points below the truth.
		expect(pooled).toBeCloseTo(0.6, 1);
		expect(Math.abs(pooled - truth)).toBeGreaterThan(0.2);
		// Its standard error over 400 replications is about 0.0025: within 0.01 of the truth.
		expect(Math.abs(weighted - truth)).toBeLessThan(0.01);
		expect(covered / replications).toBeGreaterThan(0.9);
	});
});

/** A verdict-stratified audit with one reviewer per item: 10 kept rows (5 correct), 4 rejected rows (3 correct). */
function stratifiedInput(stratumSizes: ReportInput['audit']['stratumSizes']): ReportInput {
	const items: ReportItem[] = [];
	const labels: ReportLabel[] = [];
	const answers: [string, boolean][] = [...[...Array(10).keys()].map((i): [string, boolean] => ['kept', i < 5]), ...[...Array(4).keys()].map((i): [string, boolean] => ['rejected:rougeL', i < 3])];
	answers.forEach(([stratum, valid], i) => {
		const id = i + 1;
		items.push({ id, position: i, taskId: 100 + id, instanceId: 200 + id, stratum, isGold: false, isClassification: i % 2 === 0, responses: [] });
		labels.push({ id, itemId: id, reviewerId: 1, instructionValid: true, inputValid: true, outputValid: valid, errorReason: valid ? null : 'incorrect_output', durationMs: 1000, activeMs: 1000, submittedAt: '2024-01-02T00:00:00.000Z', ratings: [] });
	});
	return {
		audit: {
			id: 1, name: 'verdict audit', kind: 'quality', status: 'open', datasetId: 1, datasetName: 'd', overlap: 1, sampleSize: 14, itemCount: 14, goldCount: 0, seed: 1,
			models: [], routing: 'breadth', qualification: { items: 0, accuracy: 0.8 }, headlineEstimator: null, createdAt: '2024-01-01T00:00:00.000Z', closedAt: null,
			stratify: 'verdict', stratumSizes
		},
		items, labels, adjudications: [], gold: [], skips: [], reviewers: [{ id: 1, name: 'Ana' }]
	};
}

describe('a verdict-stratified audit\'s report', () => {
	const report = buildAuditReport(stratifiedInput(SIZES));
	const allValid = report.quality!.groups[0].rates.find((r) => r.key === 'allValid')!;

	it('leads with the weighted rate, keeps the pooled majority and each stratum\'s rate beside it', () => {
		expect(allValid.headline).toMatchObject({ estimator: 'majority', weighted: true, n: 14 });
		expect(headlineText(allValid.headline)).toBe('50.0% [23.7%, 76.3%]');
		expect(allValid.majority.low.proportion).toBeCloseTo(8 / 14, 10);
		expect(allValid.weighted!.strata.map((h) => [h.label, h.items, h.rate])).toEqual([
			['Kept by the filters', 10, 0.5],
			['Rejected: ROUGE-L', 4, 0.75]
		]);
		expect(describeBasis(report)).toContain("weighted by the strata's sizes in the dataset");
		expect(describeBasis(report)).not.toContain('without weights, so each stratum');
	});

	it('gives the weighted figure in the CSV and the paper tables', () => {
		const row = reportCsvRows(report).find((r) => r.section === 'rate' && r.group === 'all' && r.key === 'allValid')!;
		expect(row.value).toBeCloseTo(0.5002497, 6);
		expect(row.note).toContain('weighted');
		expect(reportCsvRows(report).filter((r) => r.section === 'rate:stratum' && r.group === 'all' && r.key.startsWith('allValid:')).map((r) => [r.n, r.value])).toEqual([
			[10, 0.5],
			[4, 0.75]
		]);
		const quality = reportPaperTables(report).find((t) => t.id === 'quality')!.table;
		const cells = quality.rows.find((r) => r[0] === 'All fields valid')!;
		expect(cells.slice(1, 3)).toEqual(['50.0%', '[23.7%, 76.3%]']);
		expect((quality.notes ?? []).join(' ')).toContain('Kept by the filters: 5,001; 10; 50.0%');
	});

	it('is refused by a comparison, which would pool it', () => {
		const other = buildAuditReport({ ...stratifiedInput(null), audit: { ...stratifiedInput(null).audit, id: 2, name: 'plain', stratify: 'none' } });
		expect(() => compareReports(report, other)).toThrow(ComparisonError);
		expect(() => compareReports(report, other)).toThrow(/"verdict audit" drew its strata/);
	});

	it('weights each classification group by its estimated rows per stratum', () => {
		const group = report.quality!.groups.find((g) => g.key === 'classification')!;
		const w = group.rates.find((r) => r.key === 'allValid')!.weighted!;
		// Items with odd ids are classification tasks: 5 of the 10 kept items, 2 of the 4 rejected ones.
		expect(w.strata.map((h) => h.rows)).toEqual([5001 / 2, 5 / 2]);
	});

	it('words a group\'s stratum rows as an estimate in the CSV, and the whole stratum\'s as a count', () => {
		const notes = (group: string) => reportCsvRows(report).filter((r) => r.section === 'rate:stratum' && r.group === group && r.key.startsWith('allValid:')).map((r) => r.note);
		expect(notes('all')).toEqual(['5,001 rows in the dataset weight it', '5 rows in the dataset weight it']);
		expect(notes('classification')).toEqual([
			"about 2,501 rows in the dataset weight it (estimated from the drawn items: the stratum's 5,001 rows × 5 of its 10 drawn items)",
			"about 3 rows in the dataset weight it (estimated from the drawn items: the stratum's 5 rows × 2 of its 4 drawn items)"
		]);
	});
});

describe('stratumShift', () => {
	const drawn = [
		{ key: 'kept', label: 'Kept by the filters', population: 168 },
		{ key: 'rejected:rougeL', label: 'Rejected: ROUGE-L', population: 2 },
		{ key: 'rejected:wordCount', label: 'Rejected: words', population: 2 }
	];
	it('is null while every stratum has its rows as drawn (rows no filter judged are no drawn stratum)', () => {
		expect(stratumShift(drawn, [...drawn.map((h) => ({ stratum: h.key, label: h.label, rows: h.population })), { stratum: 'unjudged', label: 'Not judged by the filters', rows: 7 }])).toBeNull();
	});
	it('names the strata that changed and counts the rows that moved at least', () => {
		const now = [
			{ stratum: 'kept', label: 'Kept by the filters', rows: 165 },
			{ stratum: 'rejected:rougeL', label: 'Rejected: ROUGE-L', rows: 5 },
			{ stratum: 'rejected:wordCount', label: 'Rejected: words', rows: 2 }
		];
		expect(stratumShift(drawn, now)).toEqual({
			moved: 3,
			strata: [
				{ stratum: 'kept', label: 'Kept by the filters', drawn: 168, now: 165 },
				{ stratum: 'rejected:rougeL', label: 'Rejected: ROUGE-L', drawn: 2, now: 5 }
			]
		});
	});
	it('counts a stratum that appeared since the draw', () => {
		const now = [
			{ stratum: 'kept', label: 'Kept by the filters', rows: 166 },
			{ stratum: 'rejected:rougeL', label: 'Rejected: ROUGE-L', rows: 2 },
			{ stratum: 'rejected:wordCount', label: 'Rejected: words', rows: 2 },
			{ stratum: 'rejected:endsWithColon', label: 'Rejected: colon', rows: 2 }
		];
		expect(stratumShift(drawn, now)?.moved).toBe(2);
		expect(stratumShift(drawn, now)?.strata.map((h) => [h.stratum, h.drawn, h.now])).toEqual([
			['kept', 168, 166],
			['rejected:endsWithColon', 0, 2]
		]);
	});
});

describe('stratumRowsText', () => {
	it('gives a counted stratum its rows, a stratum as drawn its rows then, and an estimated one rounded with what it is estimated from', () => {
		expect(stratumRowsText({ rows: 1 })).toBe('1 row');
		expect(stratumRowsText({ rows: 5001 })).toBe('5,001 rows');
		expect(stratumRowsText({ rows: 30, estimatedFrom: { stratumRows: 30, drawn: 6, inGroup: 6 } })).toBe('30 rows when the sample was drawn');
		expect(stratumRowsText({ rows: 10 / 3, estimatedFrom: { stratumRows: 10, drawn: 3, inGroup: 1 } })).toBe('about 3 rows (10 when drawn × 1 of its 3 drawn items)');
	});
});
