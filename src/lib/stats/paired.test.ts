import { describe, expect, it } from 'vitest';
import { normalCdf } from './normal';
import { compareOrdinalRatings, signTest, wilcoxonSignedRank } from './paired';

/**
 * Independent exact two-sided p-value by brute force: enumerate all 2ⁿ sign patterns of the given
 * ranks and count those with V as extreme as observed (no dynamic programme, no doubling).
 */
function bruteForceExact(ranks: number[], v: number): number {
	let lower = 0;
	let upper = 0;
	const total = 2 ** ranks.length;
	for (let mask = 0; mask < total; mask++) {
		let sum = 0;
		for (let i = 0; i < ranks.length; i++) if (mask & (1 << i)) sum += ranks[i];
		if (sum <= v + 1e-9) lower++;
		if (sum >= v - 1e-9) upper++;
	}
	return Math.min(1, (2 * Math.min(lower, upper)) / total);
}

describe('wilcoxonSignedRank — published examples', () => {
	it('Hollander & Wolfe (1973, p. 29f) depression scale: V = 40, exact p = 0.0391', () => {
		// The example of R's ?wilcox.test: Hamilton depression scale before (x) and after (y) the
		// first tranquilizer. R: V = 40, p-value = 0.01953 for alternative "greater"; two-sided is
		// twice that, 20/1024 (10 of the 512 sign patterns give V ≥ 40, counted by hand).
		const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
		const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
		const result = wilcoxonSignedRank(x, y);
		expect(result).toMatchObject({ n: 9, zeros: 0, statistic: 40, negativeRankSum: 5, method: 'exact', ties: false });
		expect(result.pValue).toBeCloseTo(20 / 512, 15);
	});

	it("Darwin's Zea mays data (Fisher 1935, The Design of Experiments): exact p = 0.04126", () => {
		// Cross- minus self-fertilised plant heights (eighths of an inch), 15 pairs; the example of
		// SciPy's scipy.stats.wilcoxon documentation: statistic min(W⁺, W⁻) = 24, two-sided exact
		// p = 0.041259765625 = 1352/32768; normal approximation with continuity correction
		// p = 0.043772323763041174 (SciPy 1.17, method='approx').
		const d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
		const zero = d.map(() => 0);
		const exact = wilcoxonSignedRank(d, zero);
		expect(exact.negativeRankSum).toBe(24);
		expect(exact.statistic).toBe(96);
		expect(exact.pValue).toBeCloseTo(0.041259765625, 15);
		const normal = wilcoxonSignedRank(d, zero, { method: 'normal' });
		expect(normal.pValue).toBeCloseTo(0.043772323763041174, 13);
	});

	it("Wikipedia's example with a zero and a tie: W = 9, normal approximation p = 0.6353", () => {
		// Wikipedia, "Wilcoxon signed-rank test", Example: 10 pairs, one zero difference (dropped),
		// |d| = 5 tied; signed-rank sum W = 9, i.e. V = 27 and W⁻ = 18 over n = 9.
		// By hand: E[V] = 22.5, Var[V] = 9·10·19/24 − (2³ − 2)/48 = 71.125,
		// z = (27 − 22.5 − 0.5)/√71.125 = 0.47430, p = 2(1 − Φ(z)) = 0.63529 (SciPy 1.17,
		// scipy.stats.wilcoxon(d, correction=True, method='approx'): 0.6352893188352069).
		const after = [125, 115, 130, 140, 140, 115, 140, 125, 140, 135];
		const before = [110, 122, 125, 120, 140, 124, 123, 137, 135, 145];
		const result = wilcoxonSignedRank(after, before);
		expect(result).toMatchObject({ n: 9, zeros: 1, statistic: 27, negativeRankSum: 18, ties: true, method: 'normal' });
		expect(result.statistic - result.negativeRankSum).toBe(9);
		expect(result.z).toBeCloseTo(4 / Math.sqrt(71.125), 14);
		expect(result.pValue).toBeCloseTo(2 * (1 - normalCdf(4 / Math.sqrt(71.125))), 14);
		expect(result.pValue).toBeCloseTo(0.6352893188352069, 13);
		// Without the continuity correction (SciPy: 0.5936305914425295).
		expect(wilcoxonSignedRank(after, before, { continuityCorrection: false }).pValue).toBeCloseTo(
			0.5936305914425295,
			13
		);
		// Pratt's treatment of the zero (SciPy zero_method='pratt': 0.645818701677725).
		const pratt = wilcoxonSignedRank(after, before, { zeroMethod: 'pratt' });
		expect(pratt.statistic).toBe(32); // W⁻ = 22, SciPy's statistic
		expect(pratt.negativeRankSum).toBe(22);
		expect(pratt.pValue).toBeCloseTo(0.645818701677725, 13);
	});
});

describe('wilcoxonSignedRank — behaviour', () => {
	it('exact p-values with tied ranks match brute-force enumeration', () => {
		const first = [4, 3, 4, 2, 4, 3, 4, 1, 3, 4, 2];
		const second = [3, 1, 2, 3, 4, 3, 2, 2, 2, 1, 2];
		const result = wilcoxonSignedRank(first, second, { method: 'exact' });
		// Non-zero d: 1, 2, 2, −1, 2, −1, 1, 3 → mid-ranks of |d|: 1s → 2.5, 2s → 6, 3 → 8.
		expect(result.n).toBe(8);
		expect(result.statistic).toBe(2.5 + 6 + 6 + 6 + 2.5 + 8);
		expect(result.pValue).toBeCloseTo(bruteForceExact([2.5, 6, 6, 2.5, 6, 2.5, 2.5, 8], result.statistic), 14);
		// The same with Pratt's ranks (the three zeros take ranks 1–3, shifting the others by 3).
		const pratt = wilcoxonSignedRank(first, second, { method: 'exact', zeroMethod: 'pratt' });
		expect(pratt.pValue).toBeCloseTo(bruteForceExact([5.5, 9, 9, 5.5, 9, 5.5, 5.5, 11], pratt.statistic), 14);
	});

	it('exact distribution without ties agrees with brute force for every V (n = 10)', () => {
		const magnitudes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
		for (let mask = 0; mask < 1024; mask += 37) {
			const d = magnitudes.map((m, i) => (mask & (1 << i) ? m : -m));
			const result = wilcoxonSignedRank(d, d.map(() => 0));
			expect(result.method).toBe('exact');
			expect(result.pValue).toBeCloseTo(bruteForceExact(magnitudes, result.statistic), 14);
		}
	});

	it('is antisymmetric in the two samples and handles no information', () => {
		const a = [4, 4, 3, 2, 4, 3, 1, 4];
		const b = [3, 2, 3, 1, 1, 2, 2, 2];
		const forward = wilcoxonSignedRank(a, b);
		const backward = wilcoxonSignedRank(b, a);
		expect(backward.statistic).toBe(forward.negativeRankSum);
		expect(backward.pValue).toBeCloseTo(forward.pValue, 15);
		expect(wilcoxonSignedRank([1, 2], [1, 2])).toMatchObject({ n: 0, zeros: 2, pValue: 1 });
		expect(wilcoxonSignedRank([], [])).toMatchObject({ n: 0, pValue: 1 });
		expect(() => wilcoxonSignedRank([1], [1, 2])).toThrow(RangeError);
	});

	it('auto uses the normal approximation from n = 50 on', () => {
		const d = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? -(i + 1) : i + 1));
		expect(wilcoxonSignedRank(d, d.map(() => 0)).method).toBe('normal');
		expect(wilcoxonSignedRank(d.slice(1), d.slice(1).map(() => 0)).method).toBe('exact');
	});
});

describe('signTest', () => {
	it('exact binomial: 9 of 10 positive gives p = 22/1024', () => {
		// By hand: 2·P(X ≤ 1 | n = 10, ½) = 2·(1 + 10)/1024 = 0.021484375.
		const result = signTest([5, 5, 5, 5, 5, 5, 5, 5, 5, 1, 3], [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3]);
		expect(result).toMatchObject({ n: 10, positive: 9, negative: 1, zeros: 1 });
		expect(result.pValue).toBeCloseTo(22 / 1024, 15);
	});

	it("Wikipedia's Wilcoxon example as a sign test: 5 up, 4 down → p = 1", () => {
		const after = [125, 115, 130, 140, 140, 115, 140, 125, 140, 135];
		const before = [110, 122, 125, 120, 140, 124, 123, 137, 135, 145];
		expect(signTest(after, before)).toMatchObject({ n: 9, positive: 5, negative: 4, zeros: 1, pValue: 1 });
	});

	it('with no non-zero differences p = 1', () => {
		expect(signTest([2, 3], [2, 3])).toMatchObject({ n: 0, pValue: 1 });
	});
});

describe('compareOrdinalRatings (A–D scale)', () => {
	it('scores A–D, counts wins and runs both tests on the same pairs', () => {
		const modelA = ['A', 'A', 'B', 'C', 'A', 'B', null, 'A', 'D', 'B', 'A', 'A'] as const;
		const modelB = ['B', 'C', 'B', 'D', 'B', 'C', 'A', 'A', 'D', 'C', 'C', 'B'] as const;
		const result = compareOrdinalRatings([...modelA], [...modelB], ['A', 'B', 'C', 'D']);
		expect(result).toMatchObject({ pairs: 11, firstBetter: 8, secondBetter: 0, same: 3, medianDifference: 1 });
		// Scores A = 4 … D = 1: the same numbers through the generic tests.
		const score = { A: 4, B: 3, C: 2, D: 1 } as const;
		const a = [4, 4, 3, 2, 4, 3, 4, 1, 3, 4, 4];
		const b = [3, 2, 3, 1, 3, 2, 4, 1, 2, 2, 3];
		expect(a).toEqual(modelA.filter((_, i) => modelB[i] && modelA[i]).map((v) => score[v!]));
		expect(result.wilcoxon).toEqual(wilcoxonSignedRank(a, b));
		expect(result.sign).toEqual(signTest(a, b));
		// 8 of 8 non-tied pairs favour the first model: sign test p = 2/256.
		expect(result.sign.pValue).toBeCloseTo(2 / 256, 15);
	});

	it('rejects ratings off the scale and unpaired inputs', () => {
		expect(() => compareOrdinalRatings(['A', 'E'], ['A', 'B'], ['A', 'B', 'C', 'D'])).toThrow(RangeError);
		expect(() => compareOrdinalRatings(['A'], ['A', 'B'], ['A', 'B'])).toThrow(RangeError);
	});
});
