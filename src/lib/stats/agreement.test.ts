import { describe, expect, it } from 'vitest';
import { cohenKappa, cohenKappaFromTable, fleissKappa, percentAgreement } from './agreement';

/** Expand a contingency table (rows: rater 1, columns: rater 2) into rating pairs. */
function pairsFromTable<T>(table: number[][], categories: T[]): Array<[T, T]> {
	const pairs: Array<[T, T]> = [];
	table.forEach((row, i) => row.forEach((count, j) => {
		for (let c = 0; c < count; c++) pairs.push([categories[i], categories[j]]);
	}));
	return pairs;
}

/** Expand Fleiss-style counts (items × categories) into per-item rating lists. */
function itemsFromCounts(counts: number[][]): number[][] {
	return counts.map((row) => row.flatMap((count, category) => new Array<number>(count).fill(category + 1)));
}

describe("Cohen's κ", () => {
	it("Wikipedia's worked example: 50 applications, yes/no, κ = 0.4", () => {
		// Wikipedia, "Cohen's kappa", Examples / Simple example: A and B both say yes on 20, A yes and
		// B no on 5, A no and B yes on 10, both no on 15 → pₒ = 0.7, pₑ = 0.5, κ = 0.4.
		const pairs = pairsFromTable(
			[
				[20, 5],
				[10, 15]
			],
			['yes', 'no']
		);
		const result = cohenKappa(pairs);
		expect(result.n).toBe(50);
		expect(result.observedAgreement).toBeCloseTo(0.7, 15);
		expect(result.expectedAgreement).toBeCloseTo(0.5, 15);
		expect(result.kappa).toBeCloseTo(0.4, 15);
	});

	it("Wikipedia's 'same percentages but different numbers' tables: κ = 0.1304 and 0.2593", () => {
		// Same article: both tables have 60% agreement but different marginals.
		expect(cohenKappaFromTable([[45, 15], [25, 15]]).kappa!.toFixed(4)).toBe('0.1304');
		expect(cohenKappaFromTable([[25, 35], [5, 35]]).kappa!.toFixed(4)).toBe('0.2593');
	});

	// Stata Base Reference Manual, [R] kappa, example "rate": two radiologists' assessments of 85
	// xeromammograms (normal, benign, suspect, cancer) from Altman (1991) Practical Statistics for
	// Medical Research, Table 14.3 (Boyd et al. 1982). Stata reports: unweighted κ = 0.4728
	// (agreement 63.53%, expected 30.82%); wgt(w) linear κ = 0.5684 (86.67%, 69.11%).
	// Quadratic (wgt(w2)) 0.6714 (94.77%, 84.09%) was recomputed independently with Python fractions.
	const radiologists = [
		[21, 12, 0, 0],
		[4, 17, 1, 0],
		[3, 9, 15, 2],
		[0, 0, 0, 1]
	];
	const scale = ['normal', 'benign', 'suspect', 'cancer'];

	it.each([
		['unweighted', '0.4728', '0.6353', '0.3082'],
		['linear', '0.5684', '0.8667', '0.6911'],
		['quadratic', '0.6714', '0.9477', '0.8409']
	] as const)('%s κ of the radiologists example = %s', (weights, kappa, observed, expected) => {
		const result = cohenKappa(pairsFromTable(radiologists, scale), { weights, categories: scale });
		expect(result.kappa!.toFixed(4)).toBe(kappa);
		expect(result.observedAgreement!.toFixed(4)).toBe(observed);
		expect(result.expectedAgreement!.toFixed(4)).toBe(expected);
		expect(result.n).toBe(85);
		expect(cohenKappaFromTable(radiologists, { weights }).kappa).toBeCloseTo(result.kappa!, 15);
	});

	it('for two categories all weightings coincide', () => {
		const table = [
			[20, 5],
			[10, 15]
		];
		for (const weights of ['linear', 'quadratic'] as const) {
			expect(cohenKappaFromTable(table, { weights }).kappa).toBeCloseTo(0.4, 15);
		}
	});

	it('drops pairs with a missing side and orders numeric categories for weighting', () => {
		const result = cohenKappa<number>(
			[
				[3, 3],
				[1, 2],
				[2, 2],
				[null, 1],
				[1, undefined],
				[1, 1]
			],
			{ weights: 'linear' }
		);
		expect(result.n).toBe(4);
		expect(result.categories).toEqual([1, 2, 3]);
		expect(() => cohenKappa([['a', 'b']], { weights: 'linear' })).toThrow(TypeError);
		expect(() => cohenKappa([['a', 'z']], { categories: ['a', 'b'] })).toThrow(RangeError);
	});

	it('is undefined (null) when chance agreement is certain, and handles no data', () => {
		expect(cohenKappa([['yes', 'yes'], ['yes', 'yes']]).kappa).toBeNull();
		expect(cohenKappa([])).toMatchObject({ kappa: null, n: 0 });
		// Perfect agreement with variation is 1; systematic disagreement is negative.
		expect(cohenKappa([['yes', 'yes'], ['no', 'no']]).kappa).toBe(1);
		expect(cohenKappa([['yes', 'no'], ['no', 'yes']]).kappa).toBe(-1);
	});
});

// Wikipedia, "Fleiss' kappa", Worked example: 10 subjects, 14 raters each, 5 categories;
// P̄ = 0.378, P̄ₑ = 0.213, κ = 0.210 (exact value 4211/20059, recomputed with Python fractions).
const fleissExample = [
	[0, 0, 0, 0, 14],
	[0, 2, 6, 4, 2],
	[0, 0, 3, 5, 6],
	[0, 3, 9, 2, 0],
	[2, 2, 8, 1, 1],
	[7, 7, 0, 0, 0],
	[3, 2, 6, 3, 0],
	[2, 5, 3, 2, 2],
	[6, 5, 2, 1, 0],
	[0, 2, 2, 3, 7]
];

describe("Fleiss' κ", () => {
	it("Wikipedia's worked example: κ = 0.210", () => {
		const result = fleissKappa(itemsFromCounts(fleissExample));
		expect(result.kappa!.toFixed(3)).toBe('0.210');
		expect(result.kappa).toBeCloseTo(4211 / 20059, 14);
		expect(result.observedAgreement!.toFixed(3)).toBe('0.378');
		expect(result.expectedAgreement!.toFixed(3)).toBe('0.213');
		// Wikipedia's pⱼ row: 0.143, 0.200, 0.279, 0.150, 0.229.
		expect(result.categoryShares.map(({ value, share }) => [value, share.toFixed(3)])).toEqual([
			[5, '0.229'],
			[2, '0.200'],
			[3, '0.279'],
			[4, '0.150'],
			[1, '0.143']
		]);
		expect(result).toMatchObject({ items: 10, chanceItems: 10, ratingsPerItem: { min: 14, max: 14 } });
	});

	it("reduces to Scott's π for two raters (Fleiss 1971): chance agreement from pooled marginals", () => {
		// With m = 2, P̄ₑ uses the pooled shares: for the 50-item example pooled yes = (25 + 30)/100.
		const items = pairsFromTable(
			[
				[20, 5],
				[10, 15]
			],
			['yes', 'no']
		);
		const result = fleissKappa(items);
		const pooledYes = 55 / 100;
		const expected = pooledYes ** 2 + (1 - pooledYes) ** 2;
		expect(result.kappa).toBeCloseTo((0.7 - expected) / (1 - expected), 14);
	});

	it("Gwet's worked example with missing ratings (cac.raw4raters): P̄ = 0.8181818, P̄ₑ = 0.2387153, κ = 0.76117", () => {
		// Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed., p. 120; the figures are irrCAC's
		// fleiss.kappa.raw on this data set: 4 raters, 12 units, no rater rated every unit.
		const NA = null;
		const ratings = [
			[1, 1, NA, 1],
			[2, 2, 3, 2],
			[3, 3, 3, 3],
			[3, 3, 3, 3],
			[2, 2, 2, 2],
			[1, 2, 3, 4],
			[4, 4, 4, 4],
			[1, 1, 2, 1],
			[2, 2, 2, 2],
			[NA, 5, 5, 5],
			[NA, NA, 1, 1],
			[NA, NA, 3, NA]
		];
		const result = fleissKappa(ratings);
		expect(result.observedAgreement!.toFixed(7)).toBe('0.8181818');
		expect(result.expectedAgreement!.toFixed(7)).toBe('0.2387153');
		expect(result.kappa!.toFixed(5)).toBe('0.76117');
		// Unit 12's single rating counts towards the chance shares, not towards P̄.
		expect(result).toMatchObject({ items: 11, chanceItems: 12, ratingsPerItem: { min: 2, max: 4 } });
	});

	it('keeps every item when the numbers of ratings differ (hand computation)', () => {
		// Three items rated three times, one item twice, one item once.
		//   Pᵢ: yyy 1, ynn 1/3, nnn 1, yn 0 → P̄ = (7/3)/4 = 7/12.
		//   pᵧ = (1 + 1/3 + 0 + 1/2 + 0)/5 = 11/30, pₙ = 19/30 → P̄ₑ = (121 + 361)/900 = 482/900.
		const items = [['yes', 'yes', 'yes'], ['yes', 'no', 'no'], ['no', 'no', 'no'], ['yes', 'no'], ['no']];
		const result = fleissKappa(items);
		const pe = 482 / 900;
		expect(result.observedAgreement).toBeCloseTo(7 / 12, 14);
		expect(result.expectedAgreement).toBeCloseTo(pe, 14);
		expect(result.kappa).toBeCloseTo((7 / 12 - pe) / (1 - pe), 14);
		expect(result).toMatchObject({ items: 4, chanceItems: 5, ratingsPerItem: { min: 2, max: 3 } });
	});

	it('is null without usable items or without variation', () => {
		expect(fleissKappa([['x'], []])).toMatchObject({ kappa: null, items: 0 });
		expect(fleissKappa([['x', 'x'], ['x', 'x']]).kappa).toBeNull();
	});
});

describe('percentAgreement', () => {
	it("equals Fleiss' P̄ on the Wikipedia example: 0.378", () => {
		const result = percentAgreement(itemsFromCounts(fleissExample));
		expect(result.agreement!.toFixed(3)).toBe('0.378');
		expect(result.items).toBe(10);
		expect(result.pairs).toBe(10 * 91);
	});

	it('for two raters is the share of items they agree on', () => {
		const items = pairsFromTable(
			[
				[20, 5],
				[10, 15]
			],
			['yes', 'no']
		);
		expect(percentAgreement(items)).toEqual({ agreement: 0.7, items: 50, pairs: 50, agreeingPairs: 35 });
	});

	it('weighs items equally and skips items with fewer than two ratings', () => {
		// Item 1: 3 raters, pairs (a,a) agree, (a,b) ×2 disagree → 1/3. Item 2: 2 raters agree → 1.
		const result = percentAgreement([['a', 'a', 'b'], ['c', null, 'c'], ['d'], [null, null]]);
		expect(result.agreement).toBeCloseTo((1 / 3 + 1) / 2, 15);
		expect(result).toMatchObject({ items: 2, pairs: 4, agreeingPairs: 2 });
		expect(percentAgreement([['x']]).agreement).toBeNull();
	});
});
