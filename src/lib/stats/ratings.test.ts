import { describe, expect, it } from 'vitest';
import { cohenKappa } from './agreement';
import { countValues, equalPairs, presentRatings, raterAgreement, raterAgreementOfRows, raterShares, ratingPairs, ratingsByItem, rowsByItem, type Category, type RatingRecord } from './ratings';
import { createRng } from '../random';

const labels: Array<RatingRecord<number, string, string>> = [
	{ item: 1, rater: 'ann', value: 'yes' },
	{ item: 1, rater: 'bob', value: 'yes' },
	{ item: 1, rater: 'cy', value: 'no' },
	{ item: 2, rater: 'bob', value: 'no' },
	{ item: 2, rater: 'ann', value: null }, // skipped
	{ item: 3, rater: 'ann', value: 'no' },
	{ item: 3, rater: 'cy', value: 'no' },
	{ item: 4, rater: 'dee', value: 'yes' }
];

describe('ratingsByItem', () => {
	it('groups present values per item in order of first appearance', () => {
		expect([...ratingsByItem(labels)]).toEqual([
			[1, ['yes', 'yes', 'no']],
			[2, ['no']],
			[3, ['no', 'no']],
			[4, ['yes']]
		]);
	});

	it('refuses two ratings of one item by the same rater, even if one was a skip', () => {
		expect(() => ratingsByItem([...labels, { item: 2, rater: 'ann', value: 'yes' }])).toThrow(/more than once/);
	});
});

describe('ratingPairs', () => {
	it('pairs the two raters over the items both rated', () => {
		expect(ratingPairs(labels, 'ann', 'cy')).toEqual([
			['yes', 'no'],
			['no', 'no']
		]);
		// Item 2: ann skipped, so it is not a pair.
		expect(ratingPairs(labels, 'ann', 'bob')).toEqual([['yes', 'yes']]);
		expect(cohenKappa(ratingPairs(labels, 'ann', 'cy')).n).toBe(2);
	});
});

describe('raterAgreement', () => {
	it("counts each rater's agreeing pairs with the others", () => {
		const result = raterAgreement(labels);
		// Item 1: ann–bob agree, ann–cy and bob–cy disagree. Item 3: ann–cy agree.
		expect(result.get('ann')).toEqual({ items: 2, pairs: 3, agreeingPairs: 2, agreement: 2 / 3 });
		expect(result.get('bob')).toEqual({ items: 1, pairs: 2, agreeingPairs: 1, agreement: 0.5 });
		expect(result.get('cy')).toEqual({ items: 2, pairs: 3, agreeingPairs: 1, agreement: 1 / 3 });
		// dee shares no item with anyone.
		expect(result.get('dee')).toEqual({ items: 0, pairs: 0, agreeingPairs: 0, agreement: null });
	});

	it('sums the same from units’ shares kept in groups as from the units themselves', () => {
		const rows = [...rowsByItem(labels).values()];
		const grouped = [raterShares(rows.slice(0, 2)), raterShares(rows.slice(2))];
		expect([...raterAgreementOfRows(grouped)]).toEqual([...raterAgreementOfRows(rows)]);
		expect([...raterAgreementOfRows(rows)]).toEqual([...raterAgreement(labels)]);
		// A unit's share: one item, m − 1 pairs, and the agreeing ones, for each rater who gave a value.
		expect(raterShares([{ raters: ['x', 'y', 'z'], values: ['a', 'a', null] }])).toEqual([
			{ rater: 'x', items: 1, pairs: 1, agreeingPairs: 1 },
			{ rater: 'y', items: 1, pairs: 1, agreeingPairs: 1 },
			{ rater: 'z', items: 0, pairs: 0, agreeingPairs: 0 }
		]);
	});
});

describe('helpers', () => {
	it('presentRatings and countValues', () => {
		expect(presentRatings(['a', null, 'b', undefined])).toEqual(['a', 'b']);
		expect([...countValues(['b', 'a', 'b'])]).toEqual([
			['b', 2],
			['a', 1]
		]);
	});
});

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
