import { describe, expect, it } from 'vitest';
import { countValues, equalPairs, ratingPairs, ratingsByItem, rowsByItem, type Category } from './ratings';
import { createRng } from '../random';

describe('equalPairs', () => {
	it('counts the pairs of equal values as a map of counts would, for small and large units', () => {
		const byCounts = (values: Category[]) => [...countValues(values).values()].reduce((sum, c) => sum + (c * (c - 1)) / 2, 0);
		const random = createRng(3);
		const pool: Category[] = ['A', 'B', 1, '1', true, false, 0, NaN, 'correct'];
		for (let trial = 0; trial < 300; trial++) {
			const m = trial < 250 ? Math.floor(random() * 8) : 33 + Math.floor(random() * 40);
			const values = Array.from({ length: m }, () => pool[Math.floor(random() * pool.length)]);
			expect(equalPairs(values)).toBe(byCounts(values));
		}
		expect(equalPairs([NaN, NaN, 'x'])).toBe(1);
		expect(equalPairs([1, '1', true])).toBe(0);
	});
});

describe('rowsByItem', () => {
	it('groups records per item in order of first appearance, keeps missing values, and refuses a rater twice on one item', () => {
		const records = [
			{ item: 'b', rater: 1, value: 'yes' },
			{ item: 'a', rater: 1, value: null },
			{ item: 'b', rater: 2, value: 'no' },
			{ item: 'a', rater: 2, value: 'yes' }
		];
		const rows = rowsByItem(records);
		expect([...rows.keys()]).toEqual(['b', 'a']);
		expect(rows.get('a')).toEqual({ raters: [1, 2], values: [null, 'yes'] });
		expect([...ratingsByItem(rows)]).toEqual([
			['b', ['yes', 'no']],
			['a', ['yes']]
		]);
		expect(ratingPairs(rows, 1, 2)).toEqual([['yes', 'no']]);
		expect(() => rowsByItem([...records, { item: 'a', rater: 1, value: 'no' }])).toThrow(/rater 1 rated item a more than once/);
	});
});
