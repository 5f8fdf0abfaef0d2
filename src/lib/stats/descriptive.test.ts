import { describe, expect, it } from 'vitest';
import { mean, median, midRanks } from './descriptive';

describe('median / mean', () => {
	it('median of odd and even counts, unsorted input left alone', () => {
		const values = [9, 1, 5];
		expect(median(values)).toBe(5);
		expect(values).toEqual([9, 1, 5]);
		expect(median([4, 1, 3, 2])).toBe(2.5);
		expect(median([7])).toBe(7);
		expect(median([])).toBeNull();
		// Numeric, not lexicographic, order.
		expect(median([10, 9, 100])).toBe(10);
	});

	it('mean', () => {
		expect(mean([1, 2, 3, 4])).toBe(2.5);
		expect(mean([])).toBeNull();
	});

	it('rejects non-finite values', () => {
		expect(() => median([1, Number.NaN])).toThrow(RangeError);
		expect(() => mean([Infinity])).toThrow(RangeError);
	});
});

describe('midRanks', () => {
	it('gives tied values the mean of their ranks', () => {
		// |d| of the Wikipedia Wilcoxon example without the zero: 15 7 5 20 9 17 12 5 10.
		const { ranks, tieGroupSizes } = midRanks([15, 7, 5, 20, 9, 17, 12, 5, 10]);
		expect(ranks).toEqual([7, 3, 1.5, 9, 4, 8, 6, 1.5, 5]);
		expect(tieGroupSizes).toEqual([2, 1, 1, 1, 1, 1, 1, 1]);
		expect(midRanks([2, 2, 2]).ranks).toEqual([2, 2, 2]);
		expect(midRanks([]).ranks).toEqual([]);
	});
});
