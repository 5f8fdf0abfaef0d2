import { describe, expect, it } from 'vitest';
import { CountHistogram, ScoreHistogram, binCounts, lengthReach, lengthScale, mergeScoreBins, quantileSorted, scoreBin, sparseCounts, upperValue } from './histogram';
import { median } from '$lib/stats';

describe('quantiles', () => {
	it('interpolate between order statistics (type 7), matching NumPy', () => {
		// numpy.quantile([1, 2, 3, 4], [0.05, 0.25, 0.5, 0.75, 0.95]) = [1.15, 1.75, 2.5, 3.25, 3.85]
		const sorted = [1, 2, 3, 4];
		expect([0.05, 0.25, 0.5, 0.75, 0.95].map((p) => quantileSorted(sorted, p)!)).toEqual([1.15, 1.75, 2.5, 3.25, 3.85].map((v) => expect.closeTo(v, 12)));
		expect(quantileSorted([], 0.5)).toBeNull();
	});

	it('from counts give the same as from the values, and the median agrees with stats.median', () => {
		let seed = 7;
		const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
		for (let trial = 0; trial < 20; trial++) {
			const values = Array.from({ length: 1 + Math.floor(rand() * 60) }, () => Math.floor(rand() * 25));
			const h = new CountHistogram();
			for (const v of values) h.add(v);
			const sorted = [...values].sort((a, b) => a - b);
			const s = h.summary();
			expect(s.n).toBe(values.length);
			expect(s.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 12);
			expect(s.min).toBe(sorted[0]);
			expect(s.max).toBe(sorted[sorted.length - 1]);
			expect(s.quantiles).toEqual([0.05, 0.25, 0.5, 0.75, 0.95].map((p) => expect.closeTo(quantileSorted(sorted, p)!, 12)));
			expect(s.quantiles[2]).toBeCloseTo(median(values)!, 12);
		}
	});

	it('refuse lengths that are not whole numbers', () => {
		expect(() => new CountHistogram().add(1.5)).toThrow(RangeError);
		expect(() => new CountHistogram().add(-1)).toThrow(RangeError);
	});
});

describe('binning lengths', () => {
	it('puts value v in [k·w, (k+1)·w) and everything from the cap on in one overflow bin', () => {
		const sparse = sparseCounts([0, 2, 0, 3, 1, 0, 0, 0, 0, 0, 4]); // 1×2, 3×3, 4×1, 10×4
		expect(sparse).toEqual([[1, 2], [3, 3], [4, 1], [10, 4]]);
		expect(binCounts(sparse, 2, 6)).toEqual([
			{ x0: 0, x1: 2, count: 2 },
			{ x0: 2, x1: 4, count: 3 },
			{ x0: 4, x1: 6, count: 1 },
			{ x0: 6, x1: 6, count: 4, overflow: true }
		]);
		// Nothing past the cap: no overflow bin; the total is kept.
		const bins = binCounts(sparse, 5, 15);
		expect(bins.map((b) => b.count)).toEqual([6, 0, 4]);
		expect(bins.reduce((a, b) => a + b.count, 0)).toBe(10);
	});

	it('shares one nice scale across datasets, reaching the largest 99th percentile', () => {
		expect(lengthScale([12, 45])).toEqual({ width: 2, cap: 46 });
		expect(lengthScale([300])).toEqual({ width: 10, cap: 310 });
		expect(lengthScale([])).toEqual({ width: 1, cap: 2 });
		expect(upperValue([[1, 98], [50, 2]], 0.99)).toBe(50);
		expect(upperValue([[1, 99], [50, 1]], 0.99)).toBe(1);
	});

	it('reaches the 99th percentile, but not an outlier far past the rest (with under 100 rows the 99th percentile is the outlier)', () => {
		// 25 rows of 3–27 words and one of 5,001: Q1 9, Q3 22 (the 7th and 20th of 26), fence 22 + 3·13 = 61
		// (twice the 95th percentile, 27, is less).
		const crafted: [number, number][] = [...Array.from({ length: 25 }, (_, k): [number, number] => [k + 3, 1]), [5001, 1]];
		expect(upperValue(crafted, 0.99)).toBe(5001);
		expect(lengthReach(crafted)).toBe(61);
		const scale = lengthScale([lengthReach(crafted)]);
		expect(scale).toEqual({ width: 5, cap: 65 });
		const bins = binCounts(crafted, scale.width, scale.cap);
		expect(bins[bins.length - 1]).toEqual({ x0: 65, x1: 65, count: 1, overflow: true });
		expect(Math.max(...bins.map((b) => b.count))).toBe(5);
		// An ordinary spread: the 99th percentile, as before.
		const spread = Array.from({ length: 200 }, (_, k): [number, number] => [k + 1, 1]);
		expect(lengthReach(spread)).toBe(198);
		// A long ordinary tail past the fence (37) keeps its 99th percentile (60 = twice the 95th, 30).
		expect(lengthReach([[1, 50], [2, 20], [10, 20], [30, 8], [60, 2]])).toBe(60);
	});
});

describe('ROUGE-L score histogram', () => {
	it('bins [k/100, (k+1)/100) with 1 in the last bin, and scores a few ulps under an edge in the bin of the edge', () => {
		expect(scoreBin(0)).toBe(0);
		expect(scoreBin(0.7)).toBe(70);
		expect(scoreBin(0.29)).toBe(29); // 0.29 * 100 = 28.999999999999996 in doubles
		expect(scoreBin(2 * 0.145)).toBe(29);
		expect(scoreBin(0.6999)).toBe(69);
		expect(scoreBin(1)).toBe(99);
		expect(() => scoreBin(1.01)).toThrow(RangeError);
		expect(mergeScoreBins([...Array(100).keys()], 20)[0]).toBe(0 + 1 + 2 + 3 + 4);
		expect(() => mergeScoreBins(new Array(100).fill(0), 30)).toThrow(RangeError);
	});

	it('counts a score an ulp below a threshold as exactly on it, as its bar does (above + exactly = the bars from t up)', () => {
		// 1/2 computed as an F of small counts can come out 0.4999999999999999 (seen on Alpaca against the seed tasks).
		const h = new ScoreHistogram();
		for (const s of [0.4999999999999999, 0.4999999999999999, 0.5, 0.49, 0.6]) h.add(s);
		const summary = h.summary([0.5]);
		expect(summary.above[0]).toMatchObject({ count: 1, exactly: 3 });
		expect(summary.bins.slice(50).reduce((a, b) => a + b, 0)).toBe(summary.above[0].count + summary.above[0].exactly!);
	});

	it('counts "above t" as F > t, like the filter', () => {
		const h = new ScoreHistogram();
		for (const s of [0, 0.5, 0.5, 0.6, 0.7, 0.7000001, 1]) h.add(s);
		const summary = h.summary([0.5, 0.7]);
		expect(summary.above).toEqual([
			{ threshold: 0.5, count: 4, share: 4 / 7, exactly: 2 },
			{ threshold: 0.7, count: 2, share: 2 / 7, exactly: 1 }
		]);
		expect(summary.quantiles[2]).toBe(0.6);
		expect(summary.bins.reduce((a, b) => a + b, 0)).toBe(7);
		expect(summary.bins[50]).toBe(2);
		expect(summary.bins[70]).toBe(2);
		expect(summary.bins[99]).toBe(1);
	});
});
